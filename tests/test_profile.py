"""Age, sex and country only as group counts: age as bands, small counts hidden."""

from __future__ import annotations

import pandas as pd

from oms_dash.profile import HIDDEN_BREAKDOWN, member_profile, profile_counts


def _cells():
    return pd.DataFrame({
        "user_id": ["a", "a", "b", "c", "d", "e"],
        "age": ["3", "3", "0", "5", "2", "2.5"],
        "sex": ["female", "female", "male", "female", "female", "female"],
        "country": ["GB", "GB", "US", "gb", "GB", "GB"],
        "trackable_name": ["x"] * 6,
    })


def test_one_row_per_member_with_age_bands_not_ages():
    profile = member_profile(_cells(), _cells()["user_id"].str.upper())
    assert list(profile["member"]) == ["A", "B", "C", "D", "E"]
    assert list(profile["age_band"]) == ["2–3", "unknown", "4–6", "2–3", "2–3"]  # age 0 = not given
    assert "3" not in set(profile["age_band"]) and "5" not in set(profile["age_band"])
    assert list(profile["country"]) == ["GB", "US", "GB", "GB", "GB"]


def test_a_small_count_that_the_others_give_away_hides_the_breakdown():
    # 5 members: 4 girls and 1 boy. "Male: fewer than 3" next to "Female: 4" reveals one boy.
    counts = profile_counts(member_profile(_cells(), _cells()["user_id"].str.upper()))
    assert counts.to_dict("records") == [
        {"what": what, "group": HIDDEN_BREAKDOWN, "members": "5"}
        for what in ("Age band", "Sex", "Country")]


def _profile(column: str, values: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"member": [f"F{i:02d}" for i in range(len(values))],
                         "age_band": "unknown", "sex": "unknown", "country": "unknown"}
                        ).assign(**{column: values})


def _shown(counts: pd.DataFrame) -> dict[str, str]:
    return dict(zip(counts["group"], counts["members"], strict=True))


def test_four_members_three_girls_one_boy():
    counts = profile_counts(_profile("sex", ["F", "F", "F", "M"]))
    assert _shown(counts) == {HIDDEN_BREAKDOWN: "4"}


def test_categories_at_k_are_shown_and_under_k_merged_into_other():
    for k in (3, 4):
        values = ["GB"] * (k + 2) + ["US"] * k + ["FR"] * (k - 1) + ["DE"] * 1 + ["IE"] * 1
        shown = _shown(profile_counts(_profile("country", values), k=k))
        assert shown == {"GB": str(k + 2), "US": str(k), "other": str(k + 1)}, (k, shown)
        assert all(int(n) >= k for n in shown.values())


def test_a_small_other_pulls_in_the_smallest_category():
    # GB 5, US 4, FR 3, DE 1: "other" = 1 would be worked out from the total, so FR joins it.
    values = ["GB"] * 5 + ["US"] * 4 + ["FR"] * 3 + ["DE"]
    assert _shown(profile_counts(_profile("country", values))) == {"GB": "5", "US": "4", "other": "4"}


def test_one_large_category_and_the_rest_merged_is_hidden():
    # GB 10 and three singles: "other 3" next to GB would say only "everyone else"; and a rare
    # label such as "US" is never printed.
    counts = profile_counts(_profile("country", ["GB"] * 10 + ["US", "FR", "DE"]))
    assert _shown(counts) == {HIDDEN_BREAKDOWN: "13"}
    assert "US" not in counts.to_string()


def test_every_category_at_k_or_more_is_shown_in_age_band_order():
    values = ["12–17"] * 3 + ["2–3"] * 3 + ["0–1"] * 4
    counts = profile_counts(_profile("age_band", values))
    assert list(counts["group"]) == ["0–1", "2–3", "12–17"]
    assert list(counts["members"]) == ["4", "3", "3"]


def test_no_quasi_identifiers_no_profile():
    cells = pd.DataFrame({"member": ["A"], "date": ["2026-01-01"]})
    assert member_profile(cells, cells["member"]).empty
    assert profile_counts(member_profile(cells, cells["member"])).empty


def test_flaredown_research_export_gives_group_counts_not_ages():
    from oms_dash.ingest import read_files

    header = ("user_id,age,sex,country,checkin_date,trackable_id,trackable_type,trackable_name,"
              "trackable_value\n")
    rows = "".join(f"u{m}+x/=,{age},{sex},GB,2026-03-0{d},1,Symptom,jerks,{d % 4}\n"
                   for m, age, sex in ((1, 3, "female"), (2, 2, "female"), (3, 3, "male"), (4, 9, "female"))
                   for d in (1, 2, 3))
    group = read_files([("flaredown.csv", (header + rows).encode())])
    assert list(group.profile["age_band"]) == ["2–3", "2–3", "2–3", "7–11"]
    counts = profile_counts(group.profile)
    # 3 in one band, 1 in another: the single child's band is never printed.
    assert counts.to_dict("records")[0] == {"what": "Age band", "group": HIDDEN_BREAKDOWN,
                                            "members": "4"}
    assert "7–11" not in counts.to_string()
    assert "age" not in group.observations.columns

"""Age, sex and country only as group counts: age as bands, small counts hidden."""

from __future__ import annotations

import pandas as pd

from oms_dash.profile import member_profile, profile_counts


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


def test_counts_under_three_members_are_hidden():
    counts = profile_counts(member_profile(_cells(), _cells()["user_id"].str.upper()))
    as_dict = {(r.what, r.group): r.members for r in counts.itertuples()}
    assert as_dict[("Age band", "2–3")] == "3"
    assert as_dict[("Age band", "4–6")] == "fewer than 3"
    assert as_dict[("Sex", "Female")] == "4"
    assert as_dict[("Sex", "Male")] == "fewer than 3"
    assert as_dict[("Country", "US")] == "fewer than 3"


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
    assert {(r.what, r.group): r.members for r in counts.itertuples()}[("Age band", "7–11")] == "fewer than 3"
    assert "age" not in group.observations.columns

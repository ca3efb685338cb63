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

"""Flaredown: the research export (long, nine columns) and a user's own download (wide)."""

from __future__ import annotations

import io

import pandas as pd

from tests.conftest import accounted, message_for, read

RESEARCH = (
    "user_id,age,sex,country,checkin_date,trackable_id,trackable_type,trackable_name,trackable_value\n"
    "QEVuQwEAx+/ab=,0,,GB,2026-03-01,1069,Condition,Opsoclonus myoclonus syndrome,3\n"
    "QEVuQwEAx+/ab=,0,,GB,2026-03-01,55,Symptom,jerking,4\n"
    'QEVuQwEAx+/ab=,0,,GB,2026-03-01,56,Symptom,"wobbly, falls",2\n'
    'QEVuQwEAx+/ab=,0,,GB,2026-03-01,57,Symptom,"eye\nflutter",1\n'
    "QEVuQwEAx+/ab=,0,,GB,2026-03-01,900,Treatment,Prednisolone,8.0 mg\n"
    "QEVuQwEAx+/ab=,0,,GB,2026-03-05,900,Treatment,Prednisolone,8.0 mg\n"
    "QEVuQwEAx+/ab=,0,,GB,2026-03-01,77,Tag,cold,\n"
    "QEVuQwEAx+/ab=,0,,GB,2026-03-01,78,Food,banana,\n"
    "QEVuQwEAx+/ab=,0,,GB,2026-03-01,5,Weather,temperature_min,3\n"
    "QEVuQwEAx+/ab=,0,,GB,2026-03-02,55,Symptom,jerking,5\n"
    "zz9+other==,34,female,US,2026-03-02,55,Symptom,jerking,0\n"
)


def test_flaredown_research_export():
    result = read("flaredown_export.csv", RESEARCH)
    report, tables = result.report, result.tables
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected,
            report.rows_skipped) == (11, 8, 1, 2)
    assert report.format == "Flaredown research export"
    assert report.skipped_reasons == {"food entry (not symptom data)": 1,
                                      "weather entry (not symptom data)": 1}
    obs = tables.observations
    first = obs[obs["date"] == pd.Timestamp("2026-03-01")].set_index("item")["score"].to_dict()
    # 0-4 rescaled to 0-3; a name with a comma and one with a line break inside quotes.
    assert first["myoclonus"] == 3.0 and first["gait"] == 1.5 and first["opsoclonus"] == 0.75
    # The condition is the illness itself, not eye movements: kept as its own item.
    assert first["opsoclonus myoclonus syndrome"] == 2.25
    assert set(obs["raw_scale"]) == {"0-4"}
    # Out of the 0-4 range: rejected with its row (spreadsheet row 11: the quoted line break is one row).
    assert "score 5 is above the top of the 0-4 scale" in message_for(report, 11, "bad_score")
    assert len(report.members) == 2
    # Two dose rows four days apart become one treatment course.
    courses = tables.treatments
    assert courses[["treatment", "start", "end", "dose"]].values.tolist() == [
        ["prednisolone", pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-05"), "8.0 mg"]]
    assert tables.events[["kind", "detail"]].values.tolist() == [["infection", "cold"]]
    # Age, sex and country are not carried anywhere.
    for frame in (obs, courses, tables.events, tables.notes):
        assert not {"age", "sex", "country"} & set(frame.columns)
        assert not frame.astype(str).isin(["female", "GB", "US"]).any().any()
    assert any("Age, sex and country are used only for the group's counts" in p.message
               for p in report.problems)


PERSONAL = (
    "Date,Opsoclonus,Jerking,Jerking,Prednisolone,IVIG,Tags,Foods,Weather summary,"
    "Weather max temperature,Weather min temperature,Weather pressure,"
    "Weather precipitation intensity,Weather humidity\n"
    "2026-03-01 08:00:00 -0500,3,4,2,8.0 mg,Not Taken,cold; tired,banana; rice,Rain,10,2,1012,0.1,80\n"
    "2026-03-02 08:00:00 -0500,2,1,,Taken,Taken,,,Clear,11,3,1013,0,70\n"
    "2026-03-03 08:00:00 -0500,,,,,,,,Clear,11,3,1013,0,70\n"
)


def test_flaredown_personal_download_member_from_file_name():
    result = read("F07_flaredown.csv", PERSONAL)
    report, tables = result.report, result.tables
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_skipped) == (3, 2, 1)
    assert report.format == "Flaredown personal download"
    assert report.members == ["F07"]
    assert any(p.code == "member_from_file_name" and "'F07'" in p.message for p in report.problems)
    obs = tables.observations
    day1 = obs[obs["date"] == pd.Timestamp("2026-03-01")].set_index("item")["score"].to_dict()
    # Duplicate "Jerking" headers (a condition and a symptom): combined by the daily maximum.
    assert day1 == {"opsoclonus": 2.25, "myoclonus": 3.0}
    treat = tables.treatments.set_index("treatment")
    assert treat.loc["prednisolone", "dose"] == "8.0 mg"
    assert treat.loc["prednisolone", "end"] == pd.Timestamp("2026-03-02")
    # "Not Taken" is not a dose: IVIG starts on the day it was taken.
    assert treat.loc["ivig", "start"] == pd.Timestamp("2026-03-02")
    assert sorted(tables.events["detail"]) == ["cold", "tired"]
    skipped = next(p for p in report.problems if p.code == "skipped_columns")
    assert "Foods" in skipped.message and "Weather humidity" in skipped.message
    # Foods and weather never reach the tables.
    for frame in (obs, tables.treatments, tables.events):
        assert not frame.astype(str).isin(["banana", "Rain", "1012"]).any().any()


def test_flaredown_personal_download_member_given_by_the_user():
    result = read("my_data.csv", PERSONAL, member="f 09")
    assert accounted(result.report)
    assert result.report.members == ["F09"]
    assert not any(p.code == "member_from_file_name" for p in result.report.problems)


def test_flaredown_personal_taken_is_not_a_dose():
    text = ("Date,Jerking,IVIG,Tags\n"
            "2026-03-01 08:00:00 -0500,2,Taken,\n"
            "2026-03-02 08:00:00 -0500,1,Not Taken,\n")
    result = read("F08.csv", text)
    assert accounted(result.report)
    courses = result.tables.treatments
    assert courses[["treatment", "start", "end", "dose"]].values.tolist() == [
        ["ivig", pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-01"), ""]]


def test_member_profile_on_distinct_values_matches_the_row_by_row_profile():
    from oms_dash.profile import member_profile

    header = RESEARCH.splitlines()[0] + "\n"
    people = [("u1+a/=", "3", "female", "GB"), ("u2+b/=", "0", "", "US"), ("u3+c/=", "5", "male", "gb"),
              ("u4+d/=", "3", "female", "GB"), ("u5+e/=", "", "female", "France")]
    rows = "".join(f"{u},{age},{sex},{country},2026-03-0{d},55,Symptom,jerking,{d}\n"
                   for u, age, sex, country in people for d in (1, 2, 3))
    rows += ("u6+f/=,3,female,GB,2026-03-01,55,Symptom,jerking,1\n"
             "u6+f/=,9,female,GB,2026-03-02,55,Symptom,jerking,1\n")
    result = read("flaredown.csv", header + rows)
    assert accounted(result.report)
    cells = pd.read_csv(io.StringIO(header + rows), dtype=str, keep_default_na=False)
    expected = member_profile(cells, cells["user_id"].str.upper())
    got = result.profile
    assert list(got.columns) == list(expected.columns)
    single = got["member"] != "U6+F/="
    pd.testing.assert_frame_equal(got[single].reset_index(drop=True),
                                  expected[expected["member"] != "U6+F/="].reset_index(drop=True))
    assert got.loc[~single, "age_band"].iat[0] in {"2–3", "7–11"}

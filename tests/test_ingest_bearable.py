"""Bearable's monthly CSV export: ordinal dates, several readings a day, severity in the label."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import accounted, read

BEARABLE = (
    '"date","weekday","time of day","category","rating/amount","detail","notes"\n'
    '"1st Sep 2026","Tue","am","Symptom","2","Jerking (Moderate)",""\n'
    '"1st Sep 2026","Tue","pm","Symptom","3","Jerking (Severe)",""\n'
    '"1st Sep 2026","Tue","mid","Symptom","1","Jerking (Mild)",""\n'
    '"1st Sep 2026","Tue","3:04","Symptom","1","Dancing eyes (Mild)","after nap"\n'
    '"2nd Sep 2026","Wed","all day","Mood","7","",""\n'
    '"2nd Sep 2026","Wed","am","Meds/Supplements","5","Prednisolone (mg)",""\n'
    '"2nd Sep 2026","Wed","am","Factors","","Outside | Nap",""\n'
    '"3rd Sep 2026","Thu","am","Sleep","8","",""\n'
    '"22nd Sep 2026","Tue","pre","Symptom","2","Headache (Moderate)",""\n'
)


@pytest.mark.parametrize("rule, jerks", [("max", 3.0), ("mean", 2.0)])
def test_bearable_readings_combined_by_the_stated_rule_never_summed(rule, jerks):
    result = read("F03 bearable export.csv", BEARABLE, daily_rule=rule)
    report, obs = result.report, result.tables.observations
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected, report.rows_skipped) == (9, 6, 0, 3)
    assert report.format == "Bearable export"
    sep1 = obs[obs["date"] == pd.Timestamp("2026-09-01")].set_index("item")["score"].to_dict()
    assert sep1 == {"myoclonus": jerks, "opsoclonus": 1.0}
    assert sep1["myoclonus"] != 6.0  # the sum of the three buckets
    assert obs[obs["item"] == "headache"]["date"].tolist() == [pd.Timestamp("2026-09-22")]
    assert report.daily_rule is not None and rule in report.daily_rule
    assert any(p.code == "daily_rule" and "(2 extra readings)" in p.message for p in report.problems)


def test_bearable_non_symptom_categories_skipped_and_counted_meds_become_treatments():
    result = read("F03 bearable export.csv", BEARABLE)
    report, tables = result.report, result.tables
    assert accounted(report)
    assert report.skipped_reasons == {"row of category 'Mood' (not symptom data)": 1,
                                      "row of category 'Factors' (not symptom data)": 1,
                                      "row of category 'Sleep' (not symptom data)": 1}
    assert tables.treatments[["treatment", "dose", "start"]].values.tolist() == [
        ["prednisolone", "5 mg", pd.Timestamp("2026-09-02")]]
    assert tables.notes["text"].tolist() == ["after nap"]


def test_bearable_member_from_file_name_or_given():
    from_name = read("F03 bearable export.csv", BEARABLE).report
    assert from_name.members == ["F03"]
    assert any(p.code == "member_from_file_name" for p in from_name.problems)
    given = read("bearable.csv", BEARABLE, member="F04").report
    assert accounted(given) and given.members == ["F04"]
    assert not any(p.code == "member_from_file_name" for p in given.problems)


def test_bearable_newer_export_with_date_formatted_column():
    text = ('"date","date formatted","weekday","time of day","category","rating/amount","detail","notes"\n'
            '"1st Sep 2026","2026-09-01","Tue","am","Symptom","2","Jerking (Moderate)",""\n')
    result = read("F05.csv", text)
    assert accounted(result.report)
    assert result.tables.observations["score"].tolist() == [2.0]


def test_bearable_label_with_several_symptoms_joined_by_a_bar():
    text = ('"date","weekday","time of day","category","rating/amount","detail","notes"\n'
            '"1st Sep 2026","Tue","am","Symptom","2","Jerking (Moderate) | Eye flutter (Mild)",""\n')
    result = read("F03.csv", text)
    assert accounted(result.report) and result.report.rows_accepted == 1
    assert result.tables.observations.set_index("item")["score"].to_dict() == {"myoclonus": 2.0,
                                                                               "opsoclonus": 1.0}

"""Our own templates: long (one symptom per row) and wide (one column per symptom) diaries."""

from __future__ import annotations

import pandas as pd

from tests.conftest import accounted, message_for, problems_at, read

LONG = ("member,date,symptom,severity,treatment,event,notes\n"
        "F01,2026-03-01,jerks,2,,,\n"
        "F01,2026-03-01,Eye movements,mild,prednisolone,fever,slept badly\n"
        "F01,2026-03-02,dancing eyes,3,,,\n"
        "F02,2026-03-02,Balance / walking,0,,,\n")


def test_long_format_reads_every_row_with_synonyms_treatments_events_and_notes():
    result = read("long.csv", LONG)
    report, tables = result.report, result.tables
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected, report.rows_skipped) == (4, 4, 0, 0)
    assert report.usable and report.format == "long diary (one symptom per row)"
    assert report.members == ["F01", "F02"]
    assert report.date_min == pd.Timestamp("2026-03-01") and report.date_max == pd.Timestamp("2026-03-02")
    obs = tables.observations.set_index(["member", "date", "item"])["score"]
    assert obs[("F01", pd.Timestamp("2026-03-01"), "myoclonus")] == 2
    assert obs[("F01", pd.Timestamp("2026-03-01"), "opsoclonus")] == 1  # "mild"
    assert obs[("F01", pd.Timestamp("2026-03-02"), "opsoclonus")] == 3  # "dancing eyes"
    assert obs[("F02", pd.Timestamp("2026-03-02"), "gait")] == 0
    assert list(tables.observations.columns) == ["member", "date", "item", "score", "raw_value",
                                                  "raw_scale", "source_file", "source_row"]
    row = tables.observations.query("item == 'myoclonus'").iloc[0]
    assert (row["raw_value"], row["raw_scale"], row["source_file"], row["source_row"]) == \
        ("2", "0-3", "long.csv", 2)
    assert tables.treatments[["member", "treatment"]].values.tolist() == [["F01", "prednisolone"]]
    assert tables.events[["member", "kind", "detail"]].values.tolist() == [["F01", "infection", "fever"]]
    assert tables.notes["text"].tolist() == ["slept badly"]
    assert [p for p in report.problems if p.severity == "error"] == []


def test_long_format_header_synonyms_and_longer_header_text():
    text = ("Child code,Date of symptoms,Symptom name,Severity 0-3\n"
            "F01,2026-03-01,jerks,2\n")
    report = read("synonyms.csv", text).report
    assert accounted(report)
    assert report.rows_accepted == 1 and report.format.startswith("long")


def test_wide_format_matches_headers_inside_longer_text():
    text = ("Member,Date,Eye movements (opsoclonus) 0-3,Balance / walking,Jerks,Notes\n"
            "F01,2026-03-14,2,1,3,ok\n"
            "F01,2026-03-15,0,0,1,\n")
    result = read("wide.csv", text)
    report = result.report
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted) == (2, 2)
    assert report.format == "wide diary (one column per symptom)"
    assert sorted(report.symptoms) == ["gait", "myoclonus", "opsoclonus"]
    obs = result.tables.observations
    assert len(obs) == 6
    day1 = obs[obs["date"] == pd.Timestamp("2026-03-14")].set_index("item")["score"].to_dict()
    assert day1 == {"opsoclonus": 2.0, "gait": 1.0, "myoclonus": 3.0}
    assert result.tables.notes["text"].tolist() == ["ok"]


def test_wide_row_with_one_bad_cell_keeps_its_good_cells_and_reports_the_bad_one():
    text = ("member,date,jerks,sleep,walking\n"
            "F01,2026-03-01,2,9,1\n"
            "F01,2026-03-02,x,y,z\n")
    result = read("wide.csv", text)
    report = result.report
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (2, 1, 1)
    obs = result.tables.observations
    assert sorted(obs[obs["source_row"] == 2]["item"]) == ["gait", "myoclonus"]
    assert problems_at(report, "error") == [(2, "sleep", "bad_score"), (3, "jerks", "bad_score"),
                                            (3, "sleep", "bad_score"), (3, "walking", "bad_score")]
    assert "score 9 is above the top of the 0-3 scale" in message_for(report, 2)
    # The download lists the rejected row and the kept row's bad cell, each with its reason.
    assert report.rejected_rows["spreadsheet row"].tolist() == [2, 3]
    assert report.rejected_rows["why it was rejected"].iat[0].startswith("kept, but")


def test_unknown_symptoms_are_kept_as_their_own_items():
    result = read("long.csv", "member,date,symptom,severity\nF01,2026-03-01,Headache,2\n"
                              "F01,2026-03-01,jerks,1\n")
    report = result.report
    assert accounted(report) and report.rows_accepted == 2
    assert sorted(result.tables.observations["item"]) == ["headache", "myoclonus"]
    assert any(p.code == "custom_items" and "headache" in p.message for p in report.problems)


def test_wide_unknown_score_column_is_kept_as_its_own_item():
    result = read("wide.csv", "member,date,jerks,Headache\nF01,2026-03-01,1,2\n")
    assert accounted(result.report)
    assert sorted(result.tables.observations["item"]) == ["headache", "myoclonus"]


def test_wide_text_column_that_is_not_a_symptom_is_named_as_unused():
    report = read("wide.csv", "member,date,jerks,Weather\nF01,2026-03-01,1,sunny and warm\n").report
    assert accounted(report)
    assert ("unused_column", "Weather") in [(p.code, p.column) for p in report.problems]


def test_long_row_with_blank_severity_is_not_recorded_not_an_error():
    report = read("long.csv", "member,date,symptom,severity\nF01,2026-03-01,jerks,\n"
                              "F01,2026-03-02,jerks,1\n").report
    assert accounted(report)
    assert (report.rows_accepted, report.rows_rejected, report.rows_skipped) == (1, 0, 1)
    assert report.problems == [] or all(p.severity != "error" for p in report.problems)


def test_blank_wide_day_is_skipped_with_its_reason():
    report = read("wide.csv", "member,date,jerks,sleep\nF01,2026-03-01,,\nF01,2026-03-02,1,\n").report
    assert accounted(report)
    assert (report.rows_accepted, report.rows_skipped) == (1, 1)
    assert list(report.skipped_reasons.values()) == [1]
    assert "nothing recorded" in next(iter(report.skipped_reasons))


def test_wide_column_of_severity_words_for_an_unknown_symptom_is_kept():
    result = read("wide.csv", "member,date,Headache,jerks\nF01,2026-03-01,Mild,1\nF01,2026-03-02,severe,\n")
    report = result.report
    assert accounted(report) and report.rows_accepted == 2
    headache = result.tables.observations.query("item == 'headache'")
    assert headache["score"].tolist() == [1.0, 3.0]
    assert [p.code for p in report.problems if p.code.startswith("custom")] == ["custom_item"]


def test_a_yes_no_question_is_not_taken_for_a_severity_column():
    text = "member,date,Seizure?,jerks\nF01,2026-03-01,no,1\nF01,2026-03-02,no,2\nF01,2026-03-03,yes,2\n"
    result = read("wide.csv", text)
    assert accounted(result.report) and result.report.rows_rejected == 0
    assert set(result.tables.observations["item"]) == {"myoclonus"}
    assert any(p.code == "yes_no_column" and p.column == "Seizure?" for p in result.report.problems)

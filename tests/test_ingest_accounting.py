"""Nothing lost: duplicates, missing members, merging, unusable files, column mapping, totals, courses."""

from __future__ import annotations

import pandas as pd
import pytest

from oms_dash.ingest import ReadOptions, merge, read_files
from tests.conftest import TODAY, accounted, message_for, read


def test_exact_duplicate_rows_are_rejected_naming_the_first():
    text = ("member,date,symptom,severity\n"
            "F01,2026-03-01,jerks,2\n"
            "F01,2026-03-02,jerks,1\n"
            "F01,2026-03-01,jerks,2\n"
            "F01,2026-03-01,jerks,2\n")
    report = read("dups.csv", text).report
    assert accounted(report)
    assert (report.rows_accepted, report.rows_rejected) == (2, 2)
    assert message_for(report, 4, "duplicate") == "exact duplicate of row 2"
    assert message_for(report, 5, "duplicate") == "exact duplicate of row 2"
    assert report.rejected_rows["why it was rejected"].tolist() == ["exact duplicate of row 2"] * 2


def test_missing_member_is_a_row_problem():
    report = read("log.csv", "member,date,jerks\nF01,2026-03-01,1\n  ,2026-03-02,2\n").report
    assert accounted(report)
    assert report.rows_rejected == 1
    problem = next(p for p in report.problems if p.severity == "error")
    assert (problem.row, problem.column, problem.code) == (3, "member", "missing_member")
    assert "member code is missing" in problem.message


def test_member_codes_match_case_and_space_insensitively_across_files():
    files = [("a.csv", b"member,date,jerks\n f01,2026-03-01,1\nF 02,2026-03-01,2\n"),
             ("b.csv", b"member,date,jerks\nF01 ,2026-03-02,3\nf02,2026-03-01,3\n")]
    group = read_files(files, ReadOptions(today=TODAY))
    assert all(accounted(r) for r in group.reports)
    assert group.members == ["F01", "F02"]
    obs = group.observations
    assert len(obs) == 3  # F02 on 1 March appears in both files: one reading, the higher
    assert obs.set_index(["member", "date"])["score"][("F02", pd.Timestamp("2026-03-01"))] == 3.0
    assert set(obs["source_file"]) == {"a.csv", "b.csv"}


def test_several_kinds_of_file_merge_into_one_group():
    diary = read("diary.csv", "member,date,jerks\nF01,2026-03-01,1\n")
    courses = read("courses.csv", "member,treatment,start,end\nF01,IVIG,2026-02-01,\n")
    broken = read("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(64))
    group = merge([diary, courses, broken])
    assert [r.file for r in group.reports] == ["diary.csv", "courses.csv", "photo.csv"]
    assert len(group.observations) == 1 and len(group.treatments) == 1
    assert group.treatments["treatment"].tolist() == ["ivig"]
    assert pd.isna(group.treatments["end"].iat[0])


@pytest.mark.parametrize("name, data, words", [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n\n  \n", "empty"),
    ("header-only.csv", b"member,date,symptom,severity\n", "no rows of data"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG picture"),
    ("scan.csv", b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
    ("archive.csv", b"PK\x03\x04" + bytes(64), "zip"),
    ("binary.csv", bytes(range(1, 256)) * 3 + b"\x00" * 10, "binary"),
    ("one-word.csv", b"hello\n", "column names"),
])
def test_files_with_nothing_usable_are_explained(name, data, words):
    result = read(name, data)
    report = result.report
    assert accounted(report)
    assert report.usable is False and result.tables is None
    assert report.problems and report.problems[0].severity == "error"
    assert words in report.problems[0].message
    assert report.format == "not recognised"
    assert report.as_json()["usable"] is False


def test_a_file_whose_rows_are_all_rejected_says_so_first():
    report = read("bad.csv", "member,date,jerks\nF01,yesterday,1\nF01,today,2\n").report
    assert accounted(report) and not report.usable
    assert report.problems[0].code == "nothing_usable" and report.problems[0].row is None
    assert [p.row for p in report.problems[1:]] == [2, 3]


def test_unrecognised_columns_ask_for_a_mapping_and_the_mapping_works():
    text = "When,What,How bad\n2026-03-01,jerks,2\n2026-03-02,sleep,1\n"
    first = read("F05.csv", text)
    assert first.needs_mapping and first.headers == ["When", "What", "How bad"]
    assert accounted(first.report) and not first.report.usable
    assert first.report.rows_rejected == 2
    assert any(p.code == "needs_mapping" and "column mapping" in p.message for p in first.report.problems)
    mapped = read("F05.csv", text, mapping=(("date", "When"), ("symptom", "What"), ("severity", "How bad")))
    report = mapped.report
    assert not mapped.needs_mapping and accounted(report)
    assert (report.rows_accepted, report.members) == (2, ["F05"])
    assert sorted(mapped.tables.observations["item"]) == ["myoclonus", "sleep"]


def test_columns_with_no_date_at_all_ask_for_a_mapping():
    result = read("odd.csv", "Foo,Bar,Baz\nx,y,z\n")
    assert result.needs_mapping and result.headers == ["Foo", "Bar", "Baz"]
    assert accounted(result.report)


def test_single_person_export_member_given_overrides_the_file_name():
    text = "date,jerks\n2026-03-01,1\n"
    assert read("F11 diary.csv", text).report.members == ["F11"]
    assert read("F11 diary.csv", text, member="F12").report.members == ["F12"]


MITCHELL_PIKE = ("member,week beginning,eye movements,stance,gait,arm/hand,speech,mood/behaviour,total\n"
                 "F01,2026-03-02,1,1,1,1,1,1,6\n"
                 "F01,2026-03-09,1,2,1,1,1,1,6\n"
                 "F01,2026-03-16,1,1,1,1,1,,5\n")


def test_mitchell_pike_weekly_total_is_recomputed_and_a_mismatch_flagged():
    result = read("mp.csv", MITCHELL_PIKE)
    report = result.report
    assert accounted(report)
    assert report.format == "Mitchell-Pike weekly scores"
    assert (report.rows_read, report.rows_accepted) == (3, 3)
    mismatches = [p for p in report.problems if p.code == "total_mismatch"]
    assert [(p.row, p.column, p.severity) for p in mismatches] == [(3, "total", "warning")]
    assert "the total says 6 but the six items add up to 7" in mismatches[0].message
    # A week with a blank item is not checked against its total (the blank is "not recorded").
    assert len(result.tables.observations[result.tables.observations["source_row"] == 4]) == 5


def test_treatment_course_file():
    text = ("member,treatment,start,end,dose\n"
            "F01,ACTH,2026-01-01,2026-03-01,40 IU\n"
            "F01,IVIG,2026-02-01,,2 g/kg\n"
            "F02,Rituximab,2026-03-01,2026-02-01,\n"
            "F02,,2026-03-01,,\n"
            "F02,Cyclophosphamide,2026-03-01,2026-02-30,\n")
    result = read("courses.csv", text)
    report, courses = result.report, result.tables.treatments
    assert accounted(report)
    assert report.format == "treatment courses"
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (5, 2, 3)
    assert courses[["treatment", "dose"]].values.tolist() == [["acth", "40 IU"], ["ivig", "2 g/kg"]]
    assert pd.isna(courses.set_index("treatment").loc["ivig", "end"])  # blank end = ongoing
    assert [(p.row, p.column) for p in report.problems if p.severity == "error"] == \
        [(4, "end"), (5, "treatment"), (6, "end")]
    assert "ends before it starts" in message_for(report, 4)
    assert "30 February 2026 does not exist" in message_for(report, 6)


def test_problems_are_sorted_file_notes_first_then_by_row():
    text = ("member,date,symptom,severity\n"
            "F01,2026-03-01,jerks,9\n"
            ",2026-03-02,jerks,1\n"
            "F01,31/02/2026,jerks,1\n"
            "F01,2026-03-01,headache,1\n")
    report = read("mixed.csv", text).report
    assert accounted(report)
    rows = [p.row for p in report.problems]
    file_level = [r for r in rows if r is None]
    assert rows[: len(file_level)] == file_level
    assert rows[len(file_level):] == sorted(rows[len(file_level):])
    assert rows[len(file_level):] == [2, 3, 4]


def test_rejected_rows_keep_the_original_cells_for_download():
    report = read("log.csv", "member,date,jerks\nF01,2026-03-01,=HYPERLINK()\n").report
    assert accounted(report)
    rejected = report.rejected_rows
    assert rejected["jerks"].tolist() == ["=HYPERLINK()"]
    assert rejected["spreadsheet row"].tolist() == [2]
    assert "not a score" in rejected["why it was rejected"].iat[0]


def test_people_told_apart_only_by_name_are_not_merged_into_one_member():
    text = "Name,date,jerks\nAlice Example,2026-03-01,2\nBob Example,2026-03-02,1\n"
    result = read("t5.csv", text)
    report = result.report
    assert accounted(report) and not report.usable
    assert [f["column"] for f in report.pii_columns] == ["Name"]
    assert any("cannot tell whose rows are whose" in p.message for p in report.problems)
    assert "Alice" not in str([p.as_dict() for p in report.problems])
    given = read("t5.csv", text, member="F01").report  # the user says it is one child's diary
    assert accounted(given) and given.members == ["F01"]


def test_a_file_of_nothing_but_identifying_columns_is_explained():
    report = read("contacts.csv", "Email address,Phone\na@example.com,+44 7700 900123\n").report
    assert accounted(report) and not report.usable
    assert any("No column is left to read" in p.message for p in report.problems)


def test_a_mapping_naming_a_missing_column_asks_again():
    result = read("F05.csv", "When,What,How bad\n2026-03-01,jerks,2\n",
                  mapping=(("date", "When"), ("symptom", "Wat"), ("severity", "How bad")))
    assert result.needs_mapping and accounted(result.report)
    assert any("'Wat'" in p.message for p in result.report.problems)


def test_member_list_with_onset_dates():
    result = read("members.csv", "member,onset date\nF01,2025-01-01\nf02,2024-06-01\nF03,\n")
    report = result.report
    assert accounted(report)
    assert report.format == "member list (onset dates)"
    assert (report.rows_accepted, report.rows_skipped, report.rows_rejected) == (2, 1, 0)
    assert report.skipped_reasons == {"row with no onset date": 1}
    assert result.tables.onsets == {"F01": pd.Timestamp("2025-01-01"), "F02": pd.Timestamp("2024-06-01")}
    assert report.members == ["F01", "F02"]


def test_file_level_problems_come_first_errors_before_warnings_before_notes():
    text = "Email address,member,date,jerks\na@example.com,F01,03/04/2026,x\n"
    report = read("bad.csv", text).report
    assert accounted(report)
    file_level = [p.severity for p in report.problems if p.row is None]
    assert file_level == sorted(file_level, key=["error", "warning", "info"].index)
    assert report.problems[0].code == "nothing_usable"


def test_same_day_readings_written_differently_combine_within_a_file():
    text = ("member,date,symptom,severity\n"
            "F01,2026-03-01,jerks,1\n"
            " f01 ,1 Mar 2026,myoclonus,3\n"
            "F01,2026-03-01,Jerking,2\n")
    result = read("log.csv", text)
    assert accounted(result.report) and result.report.rows_accepted == 3
    obs = result.tables.observations
    assert obs[["member", "date", "item", "score"]].values.tolist() == [
        ["F01", pd.Timestamp("2026-03-01"), "myoclonus", 3.0]]
    assert any(p.code == "daily_rule" and "(2 extra readings)" in p.message for p in result.report.problems)


def test_a_fault_inside_oms_dash_is_reported_not_raised(monkeypatch):
    from oms_dash import ingest

    def broken(*args, **kwargs):
        raise KeyError("secret cell value")

    monkeypatch.setattr(ingest, "recognise", broken)
    report = read("log.csv", "member,date,jerks\nF01,2026-03-01,1\n").report
    assert not report.usable and accounted(report)
    assert report.problems[0].code == "internal_error"
    assert "secret" not in report.problems[0].message and "KeyError" in report.problems[0].message


@pytest.mark.parametrize("rule, expected", [("max", [3.0, 1.0]), ("mean", [2.0, 1.0])])
def test_combine_daily_keeps_one_reading_a_day_by_the_rule(rule, expected):
    from oms_dash.validation import combine_daily

    day = pd.Timestamp("2026-03-01")
    obs = pd.DataFrame({"member": ["F01", "F01", "F01", "F02"], "date": [day] * 4,
                        "item": ["gait", "gait", "gait", "gait"], "score": [1.0, 3.0, 2.0, 1.0],
                        "raw_value": ["1", "3", "2", "1"], "source_row": [2, 3, 4, 5]})
    combined, folded = combine_daily(obs, rule)
    assert folded == 2
    assert combined["score"].tolist() == expected
    assert combined["member"].tolist() == ["F01", "F02"]
    # max keeps the row that held the maximum; mean keeps the day's first row
    assert combined["source_row"].tolist() == ([3, 5] if rule == "max" else [2, 5])


@pytest.mark.parametrize("options, words", [({"daily_rule": "sum"}, "never summed"),
                                            ({"date_order": "ymd"}, "dayfirst or monthfirst")])
def test_unknown_options_are_explained(options, words):
    report = read("log.csv", "member,date,jerks\nF01,2026-03-01,1\n", **options).report
    assert not report.usable and accounted(report)
    assert report.problems[0].code == "bad_option" and words in report.problems[0].message


def test_progress_is_reported_by_stage():
    from oms_dash.ingest import read_file

    seen = []
    read_file("log.csv", b"member,date,jerks\nF01,2026-03-01,1\n", ReadOptions(today=TODAY),
              progress=lambda fraction, words: seen.append(fraction))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3


def test_rejected_rows_table_has_spreadsheet_rows_bad_cells_of_kept_rows_and_no_quasi_identifiers():
    text = ("member,date,age,sex,country,jerks,sleep\n"
            "F01,2026-03-01,4,F,UK,2,1\n"
            "F01,2026-03-02,4,F,UK,9,1\n"  # kept (sleep is fine); the jerks cell is not used
            "F01,31/02/2026,4,F,UK,1,1\n")  # rejected: no such date
    report = read("log.csv", text).report
    table = report.rejected_rows
    assert list(table.columns[:2]) == ["spreadsheet row", "why it was rejected"]
    assert table["spreadsheet row"].tolist() == [3, 4]
    assert table.index.tolist() == [0, 1] and "index" not in table.columns
    assert not {"age", "sex", "country"} & set(table.columns)
    kept = table.iloc[0]["why it was rejected"]
    assert kept.startswith("kept") and "'jerks'" in kept and "above the top" in kept
    assert "February" in table.iloc[1]["why it was rejected"]
    csv = table.to_csv(index=False)
    assert csv.splitlines()[0].startswith("spreadsheet row,")


def test_age_sex_and_country_are_group_counts_not_symptoms_and_not_called_unused():
    text = "member,date,age,sex,country,jerks\nF01,2026-03-01,4,F,UK,2\n"
    result = read("log.csv", text)
    report = result.report
    assert report.rows_rejected == 0 and set(result.tables.observations["item"]) == {"myoclonus"}
    notes = {p.column: p.message for p in report.problems if p.code == "group_counts_only"}
    assert set(notes) == {"age", "sex", "country"}
    assert all("group's counts" in m and "not used" not in m for m in notes.values())
    assert not any(p.code == "unused_column" for p in report.problems)
    assert result.profile["country"].tolist() == ["UK"]

"""Treatment-course files: planned ends ahead of today, ongoing courses, one date order per file."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import TODAY, accounted, read

HEADER = "member,treatment,start,end,dose\n"


def test_a_planned_end_after_today_is_kept():
    result = read("courses.csv", HEADER + "F01,Prednisolone,2026-10-01,2027-02-01,2 mg/kg tapering\n")
    report = result.report
    assert accounted(report) and report.rows_accepted == 1
    assert result.tables.treatments["end"].tolist() == [pd.Timestamp("2027-02-01")]
    assert pd.Timestamp("2027-02-01").date() > TODAY


def test_a_start_after_today_is_still_a_problem():
    report = read("courses.csv", HEADER + "F01,IVIG,2027-01-01,2027-02-01,\n"
                                          "F01,ACTH,2026-01-01,,\n").report
    assert accounted(report) and report.rows_rejected == 1
    assert any(p.row == 2 and p.column == "start" and "future" in p.message for p in report.problems)


@pytest.mark.parametrize("word", ["ongoing", "Ongoing", "current", "still on", "", "continuing"])
def test_an_ongoing_end_means_the_course_goes_on(word):
    result = read("courses.csv", HEADER + f"F01,IVIG,2026-10-01,{word},\n")
    assert accounted(result.report) and result.report.rows_accepted == 1
    assert result.tables.treatments["end"].isna().all()


def test_start_and_end_columns_share_one_day_month_order():
    # The start column alone could be either way; the end column shows day-first (15/11).
    result = read("courses.csv", HEADER + "F02,ACTH,01/10/2026,15/11/2026,\n")
    assert result.report.rows_accepted == 1
    course = result.tables.treatments.iloc[0]
    assert (course["start"], course["end"]) == (pd.Timestamp("2026-10-01"), pd.Timestamp("2026-11-15"))
    assert not any(p.code == "ambiguous_dates" for p in result.report.problems)


def test_an_ambiguous_end_column_follows_the_start_columns_order():
    # Starts show month-first (10/13); the end 02/03 must not be read on its own as day-first.
    result = read("courses.csv", HEADER + "F02,ACTH,10/13/2026,02/03/2027,\n")
    course = result.tables.treatments.iloc[0]
    assert course["end"] == pd.Timestamp("2027-02-03")


def test_a_rejected_course_names_the_column_its_header_gave():
    report = read("courses.csv", "Child,Medicine,Started,Stopped\n"
                                 "F01,IVIG,2026-03-01,2026-02-01\n"
                                 "F01,,2026-03-01,\n").report
    assert accounted(report) and report.rows_rejected == 2
    said = {(p.row, p.code): p.column for p in report.problems}
    assert said[(2, "end_before_start")] == "Stopped"
    assert said[(3, "missing_treatment")] == "Medicine"

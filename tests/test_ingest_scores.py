"""Scores: the declared scale, a scale in the header, words, blanks, out of range, unreadable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oms_dash.scores import parse_scores, scale_from_header
from tests.conftest import accounted, message_for, read


@pytest.mark.parametrize("header, scale", [
    ("Eye movements (opsoclonus) 0-3", (0, 3)), ("Sleep 0-10", (0, 10)), ("Jerks (1 to 5)", (1, 5)),
    ("Jerks", None), ("Week 12", None), ("Total (0-18)", (0, 18)),
])
def test_scale_from_header(header, scale):
    assert scale_from_header(header) == scale


@pytest.mark.parametrize("value, score, error", [
    ("0", 0.0, ""), ("3", 3.0, ""), ("2", 2.0, ""), ("+2", 2.0, ""), ("2.0", 2.0, ""),
    ("Moderate (2)", 2.0, ""), ("(2) moderate", 2.0, ""), ("(1)", 1.0, ""),
    ("1.5", np.nan, "use a whole number from 0 to 3"), ("1,5", np.nan, "use a whole number from 0 to 3"),
    ("none", 0.0, ""), ("Mild", 1.0, ""), ("MODERATE", 2.0, ""), ("severe", 3.0, ""),
    ("2 - moderate", 2.0, ""), ("", np.nan, ""), ("   ", np.nan, ""),
    ("4", np.nan, "name it in the column heading, like 'Jerks 0-10'"),
    ("-1", np.nan, "below the bottom"), ("lots", np.nan, "is not a score"),
])
def test_score_cells(value, score, error):
    got, _scale, err = parse_scores(pd.Series([value]), 0.0, 3.0)
    assert (np.isnan(got.iat[0]) and np.isnan(score)) or got.iat[0] == score
    assert (error in err.iat[0]) if error else err.iat[0] == ""


def test_header_scale_is_honoured_and_rescaled():
    result = read("wide.csv", "member,date,Sleep 0-10,Jerks\nF01,2026-03-01,10,3\nF01,2026-03-02,5,\n")
    report, obs = result.report, result.tables.observations
    assert accounted(report)
    sleep = obs[obs["item"] == "sleep"].set_index("source_row")
    assert sleep.loc[2, "score"] == 3.0 and sleep.loc[3, "score"] == 1.5
    assert set(sleep["raw_scale"]) == {"0-10"} and sleep.loc[3, "raw_value"] == "5"


def test_out_of_range_and_unreadable_scores_are_rejected_blank_is_not_recorded():
    text = ("member,date,symptom,severity\n"
            "F01,2026-03-01,jerks,4\n"
            "F01,2026-03-02,jerks,very\n"
            "F01,2026-03-03,jerks,\n"
            "F01,2026-03-04,jerks,moderate\n")
    report = read("long.csv", text).report
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected, report.rows_skipped) == (4, 1, 2, 1)
    assert [(p.row, p.column) for p in report.problems if p.severity == "error"] == \
        [(2, "severity"), (3, "severity")]
    assert "score 4 is above the top of the 0-3 scale" in message_for(report, 2)
    assert "'very' is not a score" in message_for(report, 3)
    assert not any(p.row == 4 for p in report.problems)


@pytest.mark.parametrize("blank", ["n/a", "N/A", "-", "–", "?", "not recorded"])
def test_not_recorded_words_are_like_a_blank_cell(blank):
    text = f"member,date,jerks,sleep\nF01,2026-03-01,{blank},2\nF01,2026-03-02,{blank},\n"
    report = read("wide.csv", text).report
    assert accounted(report)
    assert (report.rows_accepted, report.rows_rejected, report.rows_skipped) == (1, 0, 1)
    assert not [p for p in report.problems if p.severity == "error"]


def test_amount_columns_are_not_read_as_severities():
    result = read("wide.csv", "member,date,Sleep (hours),Number of jerks,jerks\nF01,2026-03-01,10,25,2\n")
    report = result.report
    assert accounted(report) and report.rows_accepted == 1
    assert not [p for p in report.problems if p.severity == "error"]
    assert [p.column for p in report.problems if p.code == "amount_column"] == ["Sleep (hours)",
                                                                                "Number of jerks"]
    assert result.tables.observations["item"].tolist() == ["myoclonus"]


def test_out_of_range_on_a_scale_named_in_the_header_does_not_ask_to_name_one():
    _score, _scale, err = parse_scores(pd.Series(["0"]), 1.0, 5.0)
    assert "below the bottom of the 1-5 scale" in err.iat[0] and "heading" not in err.iat[0]


def test_a_row_with_more_cells_than_the_header_is_reported_not_read():
    # An unquoted decimal comma: "3,5" spills into a fifth cell; the row must not become a 3.
    text = ("member,date,symptom,severity\n"
            "F01,2026-03-01,jerks,2\n"
            "F01,2026-03-02,jerks,3,5\n"
            "F01,2026-03-03,jerks,1\n")
    result = read("long.csv", text)
    report = result.report
    assert accounted(report) and (report.rows_accepted, report.rows_rejected) == (2, 1)
    assert result.tables.observations["source_row"].tolist() == [2, 4]
    message = message_for(report, 3, "extra_cells")
    assert "more cell" in message and "extra cells were not used" in message
    assert "decimal comma" in message
    assert not any(p.code == "unused_column" for p in report.problems)


def test_an_excel_column_without_a_heading_is_still_a_column():
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["member", "date", "jerks"])
    book.active.append(["F01", "2026-03-01", 2, "stray note"])
    buf = io.BytesIO()
    book.save(buf)
    report = read("d.xlsx", buf.getvalue()).report
    assert report.rows_accepted == 1 and report.rows_rejected == 0
    assert any(p.code == "unused_column" and p.column == "column D" for p in report.problems)

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
    ("0", 0.0, ""), ("3", 3.0, ""), ("2", 2.0, ""), ("1.5", 1.5, ""), ("1,5", 1.5, ""),
    ("none", 0.0, ""), ("Mild", 1.0, ""), ("MODERATE", 2.0, ""), ("severe", 3.0, ""),
    ("2 - moderate", 2.0, ""), ("", np.nan, ""), ("   ", np.nan, ""),
    ("4", np.nan, "above the top"), ("-1", np.nan, "below the bottom"), ("lots", np.nan, "is not a score"),
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

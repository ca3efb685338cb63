"""Dates: ISO, day-first, month-first (inferred per column), date-times, Excel serials, bad dates."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from oms_dash.dates import parse_dates
from tests.conftest import TODAY, accounted, message_for, read


def _dates(*values: str, **kw) -> list:
    parsed = parse_dates(pd.Series(values, dtype=str), today=TODAY, **kw)
    return [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in parsed.dates]


@pytest.mark.parametrize("values, expected, order", [
    (("2026-03-14", "2026/3/5"), ["2026-03-14", "2026-03-05"], None),
    (("14/03/2026", "05/03/2026"), ["2026-03-14", "2026-03-05"], "dayfirst"),
    (("3/14/2026", "3/5/2026"), ["2026-03-14", "2026-03-05"], "monthfirst"),
    (("14.03.2026", "5.3.26"), ["2026-03-14", "2026-03-05"], "dayfirst"),
    (("1st Sep 2026", "22nd Sep 2026", "Tue, 3rd March 2026"), ["2026-09-01", "2026-09-22", "2026-03-03"],
     None),
    (("March 14, 2026", "14 Mar 2026"), ["2026-03-14", "2026-03-14"], None),
    (("2026-03-14 20:15:02", "2026-03-14T08:00:00+01:00"), ["2026-03-14", "2026-03-14"], None),
    (("46100", "46100.75"), ["2026-03-19", "2026-03-19"], None),
])
def test_date_forms(values, expected, order):
    assert _dates(*values) == expected
    assert parse_dates(pd.Series(values, dtype=str), today=TODAY).order == order


def test_day_month_order_is_inferred_per_column():
    text = ("member,date,jerks\nF01,03/04/2026,1\nF01,25/04/2026,2\n")
    result = read("eu.csv", text)
    assert accounted(result.report)
    assert result.tables.observations["date"].tolist() == [pd.Timestamp("2026-04-03"),
                                                           pd.Timestamp("2026-04-25")]
    # One date shows day-first and one could go either way: a note, not a warning.
    note = next(p for p in result.report.problems if p.code == "ambiguous_dates_chosen")
    assert note.severity == "info" and "day-first" in note.message and "'25/04/2026'" in note.message


def test_truly_ambiguous_column_warns_and_month_first_overrides():
    text = "member,date,jerks\nF01,03/04/2026,1\nF01,05/06/2026,2\n"
    guessed = read("amb.csv", text)
    assert accounted(guessed.report)
    warning = next(p for p in guessed.report.problems if p.code == "ambiguous_dates")
    assert warning.severity == "warning" and warning.row is None and warning.column == "date"
    assert "month-first" in warning.message
    assert guessed.tables.observations["date"].min() == pd.Timestamp("2026-04-03")
    chosen = read("amb.csv", text, date_order="monthfirst")
    assert accounted(chosen.report)
    assert not any(p.code == "ambiguous_dates" for p in chosen.report.problems)
    assert chosen.tables.observations["date"].tolist() == [pd.Timestamp("2026-03-04"),
                                                           pd.Timestamp("2026-05-06")]
    assert "as you chose" in next(p.message for p in chosen.report.problems if p.code == "date_order")


def test_impossible_word_and_future_dates_are_row_problems():
    text = ("member,date,jerks\n"
            "F01,2026-03-01,1\n"
            "F01,31/02/2026,1\n"
            "F01,yesterday,1\n"
            "F01,2027-01-01,1\n"
            "F01,,1\n"
            "F01,1901-01-01,1\n"
            "F01,2026-13-01,1\n")
    report = read("dates.csv", text).report
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (7, 1, 6)
    assert [(p.row, p.column) for p in report.problems if p.severity == "error"] == \
        [(3, "date"), (4, "date"), (5, "date"), (6, "date"), (7, "date"), (8, "date")]
    assert "31 February 2026 does not exist" in message_for(report, 3)
    assert "'yesterday' is not a date" in message_for(report, 4)
    assert "in the future" in message_for(report, 5)
    assert "missing" in message_for(report, 6)
    assert "too long ago" in message_for(report, 7)
    assert "'2026-13-01'" in message_for(report, 8) and "month 13" in message_for(report, 8)
    assert report.rejected_rows["spreadsheet row"].tolist() == [3, 4, 5, 6, 7, 8]


def test_a_date_against_the_columns_order_is_a_row_problem():
    report = read("mixed.csv", "member,date,jerks\nF01,13/03/2026,1\nF01,3/14/2026,1\n").report
    assert accounted(report)
    assert report.rows_rejected == 1
    assert "put the day first" in message_for(report, 3)


def test_date_times_keep_the_day():
    result = read("dt.csv", "member,date,jerks\nF01,2026-03-14 23:59:59,1\nF01,2026-03-15 00:00:01,2\n")
    assert accounted(result.report)
    assert result.tables.observations["date"].tolist() == [pd.Timestamp("2026-03-14"),
                                                           pd.Timestamp("2026-03-15")]


def test_a_date_that_does_not_fit_a_chosen_order_says_so_not_the_other_dates():
    text = "member,date,jerks\nF01,2026-03-01,1\nF01,13/04/2026,2\n"
    report = read("d.csv", text, date_order="monthfirst").report
    message = message_for(report, 3, "bad_date")
    assert "the order you chose" in message and "month first" in message
    assert "other dates" not in message


def test_one_text_date_among_excel_date_cells_is_not_every_date():
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["member", "date", "jerks"])
    for day in range(1, 6):
        book.active.append(["F01", dt.date(2026, 3, day), 1])
    book.active.append(["F01", "03/04/2026", 2])
    buf = io.BytesIO()
    book.save(buf)
    report = read("d.xlsx", buf.getvalue()).report
    warning = next(p for p in report.problems if p.code == "ambiguous_dates")
    assert "Every date" not in warning.message
    assert "1 date in this column" in warning.message and "'03/04/2026'" in warning.message


def test_one_out_of_pattern_date_flipping_a_column_is_a_clear_warning():
    text = ("member,date,jerks\nF01,3/2/2026,1\nF01,3/9/2026,1\nF01,4/6/2026,1\nF01,13/4/2026,1\n")
    result = read("flip.csv", text)
    warning = next(p for p in result.report.problems if p.code == "ambiguous_dates_chosen")
    assert warning.severity == "warning"
    assert "3 dates" in warning.message and "either way" in warning.message
    assert "read day-first" in warning.message and "'13/4/2026'" in warning.message
    assert "3 February 2026" in warning.message


def test_the_cli_names_the_option_for_a_date_order():
    from oms_dash.problems import render_report_text

    report = read("amb.csv", "member,date,jerks\nF01,03/04/2026,1\nF01,05/06/2026,2\n").report
    text = render_report_text(report)
    assert "--monthfirst" in text
    page = next(p.message for p in report.problems if p.code == "ambiguous_dates")
    assert "--" not in page  # the page's own message names no command-line option


def test_an_impossible_date_is_no_evidence_for_the_day_month_order():
    # 31/02/2026 is no date either way: it must not outvote 02/13/2026, which is month-first.
    assert parse_dates(pd.Series(["02/13/2026", "31/02/2026"], dtype=str), today=TODAY).order == \
        "monthfirst"
    assert _dates("02/13/2026", "31/02/2026") == ["2026-02-13", None]
    # Alone beside dates that could go either way, it does not settle the order: the user is asked.
    report = read("d.csv", "member,date,jerks\nF01,03/04/2026,1\nF01,05/06/2026,1\n"
                           "F01,31/02/2026,1\n").report
    assert any(p.code == "ambiguous_dates" for p in report.problems)
    assert "31 February 2026 does not exist" in message_for(report, 4)


def test_date_times_sharing_a_day_each_keep_their_own_reading_and_message():
    # A Forms export: every timestamp distinct, many on one day (read once per day). Each cell's
    # message still names its own text, and each timestamp counts towards the day/month order.
    values = ["13/03/2026 20:15:02", "13/03/2026 21:40:00", "13/03/2026 25:10:00",
              "31/02/2026 08:00", "31/02/2026 09:00", "564/5-6, 10:00", "03/04/2026 8:15:02 PM GMT+1"]
    parsed = parse_dates(pd.Series(values, dtype=str), today=TODAY)
    assert _dates(*values) == ["2026-03-13", "2026-03-13", None, None, None, None, "2026-04-03"]
    errors = parsed.errors.tolist()
    assert errors[:2] == ["", ""] and errors[6] == ""
    assert "'13/03/2026 25:10:00'" in errors[2] and "no hour 25" in errors[2]
    assert errors[3] == errors[4] and "31 February 2026 does not exist" in errors[3]
    assert "'564/5-6, 10:00'" in errors[5]
    assert parsed.order == "dayfirst"
    assert (parsed.evidence, parsed.evidence_example) == (2, "13/03/2026 20:15:02")
    assert (parsed.either_way, parsed.either_way_example) == (1, "03/04/2026 8:15:02 PM GMT+1")


def test_the_day_month_order_counts_each_distinct_date_time():
    # Two first parts over 12 against two second parts: a tie, read day-first, though the first two
    # share a day (read once) and would be outvoted if the days alone voted.
    values = ["13/01/2026 08:00", "13/01/2026 09:00", "01/14/2026 08:00", "01/15/2026 08:00"]
    assert parse_dates(pd.Series(values, dtype=str), today=TODAY).order == "dayfirst"
    assert parse_dates(pd.Series(values[1:], dtype=str), today=TODAY).order == "monthfirst"

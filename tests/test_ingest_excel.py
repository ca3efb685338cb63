"""Excel workbooks written by the test with openpyxl; old .xls and Apple .numbers explained."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from tests.conftest import accounted, read


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "About"
    cover.append(["This workbook holds F01's diary"])
    diary = book.create_sheet("Diary")
    diary.append(["Symptom diary for F01"])  # a title row
    diary.append([])
    diary.append([])  # blank rows above the header
    diary.append(["member", "date", "jerks", "sleep", None])
    diary.append(["F01", dt.datetime(2026, 3, 1), 2, 1, None])
    diary.append(["F01", dt.datetime(2026, 3, 2, 18, 30), 3, None, None])
    diary.append(["F01", 46100, 1, 1, None])  # an Excel serial number typed as a number
    diary.append(["F01", "31/02/2026", 1, 1, None])
    other = book.create_sheet("Week view")
    other.append(["member", "date", "speech"])
    other.append(["F02", dt.date(2026, 4, 1), "moderate"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_xlsx_real_date_cells_title_rows_and_spreadsheet_row_numbers():
    result = read("diary.xlsx", _workbook(), sheet="Diary")
    report, obs = result.report, result.tables.observations
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4, 3, 1)
    assert sorted(set(obs["date"])) == [pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-02"),
                                        pd.Timestamp("2026-03-19")]
    # The header is on row 4 of the sheet, so the first data row is row 5, as Excel shows it.
    assert sorted(set(obs["source_row"])) == [5, 6, 7]
    assert [(p.row, p.column) for p in report.problems if p.severity == "error"] == [(8, "date")]
    assert any(p.code == "sheet" and "'Diary'" in p.message for p in report.problems)


def test_xlsx_without_a_sheet_reads_the_first_sheet_with_a_table():
    result = read("diary.xlsx", _workbook())
    assert accounted(result.report)
    assert result.report.rows_read == 4 and result.report.members == ["F01"]


def test_the_cli_names_the_sheet_option_the_page_does_not():
    from oms_dash.problems import render_report_text

    report = read("diary.xlsx", _workbook()).report
    note = next(p for p in report.problems if p.code == "sheet")
    assert "--sheet" not in note.message
    assert "--sheet NAME" in render_report_text(report)


def test_xlsx_second_sheet_chosen_by_name():
    result = read("diary.xlsx", _workbook(), sheet="Week view")
    assert accounted(result.report)
    assert result.tables.observations[["member", "item", "score"]].values.tolist() == [["F02", "speech", 2.0]]


def test_xlsx_unknown_sheet_is_explained():
    report = read("diary.xlsx", _workbook(), sheet="Nope").report
    assert not report.usable and accounted(report)
    assert "no sheet called 'Nope'" in report.problems[0].message
    assert "Diary" in report.problems[0].message


def test_corrupt_xlsx_is_explained():
    report = read("broken.xlsx", b"PK\x03\x04" + bytes(200)).report
    assert not report.usable and accounted(report)
    assert report.problems[0].severity == "error"
    assert "could not be opened" in report.problems[0].message
    not_zip = read("renamed.xlsx", b"this is not a workbook at all\n").report
    assert not not_zip.usable and "save it again" in not_zip.problems[0].message


def test_xls_and_numbers_get_a_save_as_message():
    xls = read("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)).report
    assert not xls.usable and accounted(xls)
    assert ".xlsx" in xls.problems[0].message and "Save As" in xls.problems[0].message
    numbers = read("diary.numbers", b"PK\x03\x04" + bytes(100)).report
    assert not numbers.usable and "Numbers" in numbers.problems[0].message
    assert "CSV" in numbers.problems[0].message


def test_xlsx_time_boolean_and_duration_cells_do_not_break_the_reader():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["member", "date", "time", "jerks", "ok?"])
    sheet.append(["F01", dt.date(2026, 3, 1), dt.time(8, 30), 2, True])
    sheet.append(["F01", dt.datetime(2026, 3, 2), dt.time(20, 0, 15), 1.0, False])
    sheet.append(["F01", dt.datetime(2026, 3, 3), dt.timedelta(hours=3), 3, None])
    buf = io.BytesIO()
    book.save(buf)
    result = read("times.xlsx", buf.getvalue())
    report = result.report
    assert accounted(report) and report.rows_accepted == 3
    assert result.tables.observations["score"].tolist() == [2.0, 1.0, 3.0]
    unused = {p.column for p in report.problems if p.code == "unused_column"}
    assert unused == {"time"}
    assert [p.column for p in report.problems if p.code == "yes_no_column"] == ["ok?"]


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize("name, data", [
    # Excel's encrypted workbook: an old-style container holding an "EncryptedPackage" stream.
    ("diary.xlsx", OLE + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(100)),
    ("diary.xls", OLE + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(100)),
    ("diary.xlsx", OLE + bytes(600)),  # named .xlsx but in the old container: the same case
])
def test_password_protected_workbook_is_named_as_such_not_as_an_old_xls(name, data):
    report = read(name, data).report
    assert not report.usable and accounted(report)
    message = report.problems[0].message
    assert "password-protected" in message and "remove the password" in message
    assert "old-style" not in message and ".xlsx or CSV" in message


def test_a_real_old_xls_is_still_called_one():
    report = read("old.xls", OLE + bytes(600)).report
    assert "old-style Excel file (.xls)" in report.problems[0].message

"""read_file says how far it is while reading a big file, and names a workbook's sheets."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from oms_dash import readers
from oms_dash.ingest import ReadOptions, read_file
from tests.conftest import TODAY


def _diary(rows: int, newline: str = "\n") -> bytes:
    lines = ["member,date,symptom,severity,notes"]
    for i in range(rows):
        lines.append(f"F{i % 7:02d},2026-0{1 + i % 9}-{1 + i % 28:02d},jerks,{i % 4},"
                     + ("" if i % 5 else "tired"))
        if i == rows // 2:
            lines.append("")  # a blank line in the middle: still counted where it is
    return (newline.join(lines) + newline).encode()


def test_a_big_file_reports_progress_while_it_is_read_and_reads_the_same(monkeypatch):
    data = _diary(3000, newline="\r\n")
    whole = read_file("d.csv", data, ReadOptions(today=TODAY))
    monkeypatch.setattr(readers, "PIECE_BYTES", 10_000)
    calls = []
    pieces = read_file("d.csv", data, ReadOptions(today=TODAY),
                       progress=lambda fraction, words: calls.append((fraction, words)))
    reading = [c for c in calls if c[1].startswith("reading d.csv")]
    assert len(reading) >= 5  # several steps before the whole file is read
    fractions = [f for f, _ in reading]
    assert fractions == sorted(fractions) and fractions[-1] <= 0.4
    assert calls.index(reading[-1]) < next(i for i, c in enumerate(calls) if c[1].startswith("read "))
    assert (pieces.report.rows_read, pieces.report.rows_skipped) == \
        (whole.report.rows_read, whole.report.rows_skipped)
    pd.testing.assert_frame_equal(pieces.tables.observations, whole.tables.observations)


def test_a_quoted_file_is_read_in_one_piece(monkeypatch):
    monkeypatch.setattr(readers, "PIECE_BYTES", 10)
    data = (b'member,date,symptom,severity,notes\nF01,2026-03-01,jerks,1,"two\nlines"\n'
            b"F01,2026-03-02,jerks,2,\n")
    result = read_file("q.csv", data, ReadOptions(today=TODAY))
    assert result.report.rows_accepted == 2
    assert result.tables.notes["text"].tolist() == ["two\nlines"]


def _workbook(*sheets: tuple[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_the_result_names_the_sheets_of_a_workbook():
    data = _workbook(("Notes", [["read me first"]]),
                     ("Diary", [["member", "date", "jerks"], ["F01", "2026-03-01", 2]]))
    result = read_file("book.xlsx", data, ReadOptions(today=TODAY))
    assert result.report.usable and result.sheets == ["Notes", "Diary"]
    missing = read_file("book.xlsx", data, ReadOptions(today=TODAY, sheet="Summary"))
    assert not missing.report.usable and missing.sheets == ["Notes", "Diary"]
    assert read_file("d.csv", b"member,date,jerks\nF01,2026-03-01,1\n").sheets == []

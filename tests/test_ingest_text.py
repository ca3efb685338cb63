"""Text as people really save it: encodings, delimiters, line endings, title lines, odd columns."""

from __future__ import annotations

import codecs

import pytest

from tests.conftest import accounted, read

SIMPLE = "member{d}date{d}jerks{d}notes\nF01{d}2026-03-01{d}2{d}café – très ‘bien’\nF01{d}2026-03-02{d}1{d}\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(delimiter):
    result = read("log.csv", SIMPLE.format(d=delimiter))
    report = result.report
    assert accounted(report)
    assert report.delimiter == delimiter
    assert (report.rows_read, report.rows_accepted) == (2, 2)
    assert result.tables.notes["text"].tolist() == ["café – très ‘bien’"]


@pytest.mark.parametrize("name, data, encoding", [
    ("utf8.csv", SIMPLE.format(d=",").encode("utf-8"), "utf-8"),
    ("utf8-bom.csv", codecs.BOM_UTF8 + SIMPLE.format(d=",").encode("utf-8"), "utf-8-sig"),
    ("cp1252-semicolon.csv", SIMPLE.format(d=";").encode("cp1252"), "windows-1252"),
    ("utf16-tab.txt", SIMPLE.format(d="\t").encode("utf-16"), "utf-16"),
])
def test_encodings(name, data, encoding):
    result = read(name, data)
    report = result.report
    assert accounted(report)
    assert report.encoding == encoding
    assert report.rows_accepted == 2
    assert result.headers[0] == "member"  # no BOM glued to the first header
    assert result.tables.notes["text"].tolist() == ["café – très ‘bien’"]


def test_windows_1252_accents_and_curly_quotes_in_symptom_names():
    text = "member;date;symptom;severity\r\nF01;14/03/2026;Bäd ‘jerks’;2\r\nF01;15/03/2026;Sommeil;1\r\n"
    result = read("export.csv", text.encode("cp1252"))
    assert accounted(result.report)
    assert sorted(result.tables.observations["item"]) == ["myoclonus", "sommeil"]


def test_crlf_and_quoted_newlines_keep_spreadsheet_row_numbers():
    text = ('member,date,symptom,severity,notes\r\n'
            'F01,2026-03-01,jerks,2,"line one\r\nline two"\r\n'
            'F01,2026-03-02,jerks,x,\r\n')
    result = read("quoted.csv", text)
    report = result.report
    assert accounted(report)
    assert (report.rows_accepted, report.rows_rejected) == (1, 1)
    assert result.tables.notes["text"].tolist() == ["line one\r\nline two"]
    assert [(p.row, p.column) for p in report.problems if p.severity == "error"] == [(3, "severity")]


def test_title_line_and_blank_lines_above_the_header():
    text = ("Symptom diary 2026,,,\n\n\n"
            "member,date,symptom,severity\n"
            "F01,2026-03-01,jerks,2\n"
            "F01,2026-03-02,jerks,9\n")
    result = read("title.csv", text)
    report = result.report
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (2, 1, 1)
    assert result.tables.observations["source_row"].tolist() == [5]
    assert [(p.row, p.column) for p in report.problems if p.severity == "error"] == [(6, "severity")]


def test_blank_line_between_data_rows_is_counted_and_skipped():
    text = "member,date,jerks\nF01,2026-03-01,2\n\nF01,2026-03-03,1\n"
    result = read("gap.csv", text)
    report = result.report
    assert accounted(report)
    assert result.tables.observations["source_row"].tolist() == [2, 4]
    assert report.rows_accepted == 2


def test_trailing_blank_lines_at_the_end_are_not_rows():
    report = read("tail.csv", "member,date,jerks\nF01,2026-03-01,2\n\n\n\n").report
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_skipped) == (1, 1, 0)


def test_trailing_empty_columns_are_ignored():
    text = "member,date,jerks,,,\nF01,2026-03-01,2,,,\nF01,2026-03-02,1,,,\n"
    result = read("excel-saved.csv", text)
    assert accounted(result.report)
    assert result.headers == ["member", "date", "jerks"]
    assert result.report.rows_accepted == 2
    assert not any(p.code == "unused_column" for p in result.report.problems)


def test_rows_longer_than_the_header_do_not_lose_data():
    text = "member,date,jerks\nF01,2026-03-01,2\nF01,2026-03-02,1,oops,extra\n"
    result = read("ragged.csv", text)
    assert accounted(result.report)
    assert result.report.rows_read == 2


def test_a_title_line_with_several_words_is_not_taken_for_the_header():
    text = ("OMS symptom diary,Family F01\nKept by Mum,since March\n\n"
            "member,date,jerks,sleep\nF01,2026-03-01,1,2\n")
    result = read("titled.csv", text)
    assert accounted(result.report)
    assert result.headers == ["member", "date", "jerks", "sleep"]
    assert result.tables.observations["source_row"].tolist() == [5, 5]


def test_a_header_of_unknown_words_is_not_passed_over_for_a_data_row():
    text = "Kid,Logged on,Sign noticed,Rated\nQ1,2026-01-05,jerks,2\nQ1,2026-01-06,sleep,1\n"
    result = read("odd.csv", text)
    assert accounted(result.report)
    assert result.needs_mapping and result.headers == ["Kid", "Logged on", "Sign noticed", "Rated"]
    assert result.report.rows_read == 2

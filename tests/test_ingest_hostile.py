"""Files made to break the reader, or unlucky enough to: each is generated here, and the costly ones
are checked by `oms-dash check --json` in a process whose memory is capped, as a small computer's is.
Each must end with plain words about the file, never a traceback or "a fault in oms_dash itself"."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile

import openpyxl
import pytest

from oms_dash.readers import read_table
from tests.conftest import read

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CAPPED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({megabytes} << 20, {megabytes} << 20))
from oms_dash.cli import main
sys.exit(main(["check", "--json", sys.argv[1]]))
"""


def check_capped(path, megabytes: int = 500) -> dict:
    """`oms-dash check --json` on one file with the process's memory capped: its file report."""
    done = subprocess.run([sys.executable, "-c", CAPPED.format(megabytes=megabytes), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr[-2000:]
    report = json.loads(done.stdout)["files"][0]
    assert all("fault in oms_dash" not in p["message"] for p in report["problems"]), report["problems"]
    return report


def _cell(ref: str, value) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def sheet_row(number: int, *values) -> str:
    """One <row> of a sheet's XML, its cells from column A on (a number written as given)."""
    cells = "".join(_cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values) if v is not None)
    return f'<row r="{number}">{cells}</row>'


def workbook(rows: str = "", leave_out: str = "", sheet_chunks=()) -> bytes:
    """A minimal .xlsx written part by part: one sheet 'Diary' holding `rows` (then `sheet_chunks`,
    written one by one, for sheets too big to hold as one string); `leave_out` names a part."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE_RELS}">'
        '<sheets><sheet name="Diary" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{OFFICE_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        '</Relationships>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for part, text in parts.items():
            if part != leave_out:
                package.writestr(part, text)
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{rows}'.encode())
            for chunk in sheet_chunks:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


HEADER = sheet_row(1, "member", "date", "myoclonus", "ataxia")


def test_one_stray_cell_at_the_last_cell_of_a_sheet_reads_the_table_in_bounded_memory(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["member", "date", "myoclonus"])
    sheet.append(["F01", "2026-01-05", 2])
    sheet.append(["F01", "2026-01-06", 1])
    sheet["XFD1048576"] = 1
    path = tmp_path / "stray.xlsx"
    book.save(path)
    assert path.stat().st_size < 10_000
    report = check_capped(path)
    assert report["usable"] and report["rows_read"] == report["rows_accepted"] == 2


@pytest.mark.slow
def test_a_zip_bomb_workbook_is_refused_with_a_plain_message(tmp_path):
    many_rows = (sheet_row(2, "F01", "2026-01-05", 1, 1).encode() for _ in range(1_000_000))
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(workbook(HEADER, sheet_chunks=many_rows))
    assert path.stat().st_size < 5_000_000
    report = check_capped(path)
    assert not report["usable"]
    assert "unpacks to" in report["problems"][0]["message"]


@pytest.mark.slow
def test_a_huge_cell_is_refused_and_never_printed(tmp_path):
    huge = (b"x" * 1_000_000 for _ in range(400))
    rows = HEADER + sheet_row(2, "F01", "2026-01-05", 1, 2) + '<row r="3"><c r="A3" t="inlineStr"><is><t>'
    path = tmp_path / "huge_cell.xlsx"
    path.write_bytes(workbook(rows, sheet_chunks=[*huge, b"</t></is></c></row>"]))
    assert path.stat().st_size < 2_000_000
    report = check_capped(path)
    assert not report["usable"] and "xxxxxxxxxx" not in json.dumps(report)


def test_a_cell_longer_than_a_spreadsheet_allows_costs_that_cell_only():
    rows = HEADER + "".join(sheet_row(n, "F01", f"2026-01-{n:02d}", 1, 2) for n in range(2, 12))
    rows += sheet_row(12, "F01", "2026-01-12", "y" * 100_000, 3)
    report = read("long_cell.xlsx", workbook(rows)).report
    assert report.rows_read == 11 and report.rows_accepted == 11
    [long_cell] = [p for p in report.problems if p.code == "cell_too_long"]
    assert long_cell.row == 12 and "100,000 characters" in long_cell.message
    assert "yyyyyyyyyy" not in json.dumps(report.as_json())


def test_nan_and_infinite_numbers_reject_their_cell_not_the_workbook():
    rows = HEADER + sheet_row(2, "F01", "2026-01-05", "NAN", 2).replace(
        '<c r="C2" t="inlineStr"><is><t>NAN</t></is></c>', '<c r="C2"><v>NaN</v></c>')
    rows += sheet_row(3, "F01", "2026-01-06", 1e400, 1).replace("inf", "1e400")
    rows += sheet_row(4, "F01", "2026-01-07", 3, 3)
    result = read("odd_numbers.xlsx", workbook(rows))
    assert result.report.rows_accepted == 3
    rejected = {p.row for p in result.report.problems if p.severity == "error"}
    assert rejected == {2, 3}
    obs = result.tables.observations
    assert sorted(obs.loc[obs["item"] == "myoclonus", "score"].tolist()) == [3]


def test_a_workbook_missing_a_part_is_called_damaged():
    rows = HEADER + sheet_row(2, "F01", "2026-01-05", 1, 2)
    report = read("no_workbook_part.xlsx", workbook(rows, leave_out="xl/workbook.xml")).report
    assert not report.usable
    assert [p.code for p in report.problems] == ["corrupt_excel"]
    assert "damaged" in report.problems[0].message


def test_a_member_code_merged_down_thirty_rows_belongs_to_each_row_and_the_report_says_so():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["member", "date", "myoclonus"])
    for day in range(1, 31):
        sheet.append(["F02" if day == 1 else None, f"2026-01-{day:02d}", day % 4])
    sheet.merge_cells("A2:A31")
    buffer = io.BytesIO()
    book.save(buffer)
    result = read("merged.xlsx", buffer.getvalue())
    assert result.report.rows_accepted == 30
    assert set(result.tables.observations["member"]) == {"F02"}
    [merged] = [p for p in result.report.problems if p.code == "merged_cells"]
    assert merged.severity == "warning" and "A2:A31" in merged.message


def diary(rows: int, note=lambda row: "ok") -> list[str]:
    """The lines of a long diary with a notes column, each row a different member's day (a thousand
    days each); `note(row)` is the notes cell of spreadsheet row `row`."""
    start = dt.date(2022, 1, 1)
    return ["member,date,myoclonus,notes"] + [
        f"F{row // 1000:02d},{start + dt.timedelta(days=row % 1000):%Y-%m-%d},{row % 4},{note(row)}"
        for row in range(2, rows + 2)]


def test_a_quote_never_closed_costs_no_rows_and_is_named():
    lines = diary(100)
    lines[3] = lines[3].rsplit(",", 1)[0] + ',"Bad night, cried'
    report = read("diary.csv", "\n".join(lines) + "\n").report
    assert report.rows_read == 100 and report.rows_accepted == 100
    [unclosed] = [p for p in report.problems if p.code == "unclosed_quote"]
    assert unclosed.row == 4 and "never closed" in unclosed.message


def test_a_quote_never_closed_deep_in_a_long_file_is_found_after_closed_multiline_notes():
    lines = diary(40_000)
    lines[10] = lines[10].rsplit(",", 1)[0] + ',"a note\nover two lines"'  # closed: one record
    lines[30_001] = lines[30_001].rsplit(",", 1)[0] + ',"opened here'
    report = read("diary.csv", "\n".join(lines) + "\n").report
    assert report.rows_read == 40_000 and report.rows_accepted == 40_000
    assert [p.row for p in report.problems if p.code == "unclosed_quote"] == [30_002]


def test_a_long_notes_cell_or_a_50_mb_line_costs_that_cell_not_the_file(tmp_path):
    lines = diary(50, lambda row: "x" * 140_000 if row == 12 else "y" * 50_000_000 if row == 20 else "ok")
    path = tmp_path / "long_cells.csv"
    path.write_text("\n".join(lines) + "\n")
    report = check_capped(path, megabytes=1500)
    assert report["rows_read"] == report["rows_accepted"] == 50
    too_long = [p for p in report["problems"] if "more than a spreadsheet cell can" in p["message"]]
    assert [p["row"] for p in too_long] == [12, 20]
    assert "xxxxxxxxxx" not in json.dumps(report) and "yyyyyyyyyy" not in json.dumps(report)


def test_one_zero_byte_near_the_top_does_not_make_the_file_binary():
    data = ("\n".join(diary(500)) + "\n").encode()
    report = read("diary.csv", data[:2000] + b"\x00" + data[2000:]).report
    assert report.usable and report.rows_accepted == 500
    assert [p.code for p in report.problems if p.severity == "warning"] == ["zero_bytes"]


def test_a_file_full_of_zero_bytes_is_still_refused_as_not_text():
    report = read("diary.csv", b"member,date\n" + bytes(range(256)) * 40).report
    assert not report.usable and report.problems[0].code == "binary"


@pytest.mark.slow
def test_a_hundred_thousand_columns_give_one_summary_not_a_message_per_column():
    header = ",".join(["member", "date", "myoclonus"] + [f"extra {i}" for i in range(100_000)])
    cells = ",".join(["F01", "2026-01-05", "2"] + [""] * 100_000)
    report = read("wide.csv", f"{header}\n{cells}\n").report
    assert report.rows_accepted == 1
    assert [p.code for p in report.problems].count("too_many_columns") == 1
    assert len(report.problems) < 2_000


def test_shift_jis_and_gb18030_text_is_read_in_its_own_encoding_not_as_mojibake():
    japanese = "メンバー,日付,ミオクローヌス,メモ\n" + "".join(
        f"F01,2026-01-{day:02d},{day % 4},夜泣きがひどい\n" for day in range(1, 8))
    chinese = "member,date,myoclonus,备注\n" + "".join(
        f"F02,2026-01-{day:02d},{day % 4},晚上哭得很厉害\n" for day in range(1, 8))
    for text, encoding, note in ((japanese, "shift_jis", "夜泣きがひどい"),
                                 (chinese, "gb18030", "晚上哭得很厉害")):
        raw = read_table("diary.csv", text.encode(encoding))
        assert raw.cells.iloc[0, 3] == note, encoding


def test_western_european_text_that_is_not_utf8_is_still_read_as_windows_1252():
    raw = read_table("diary.csv", "member,date,notes\nF01,2026-01-05,très fatigué, pleurs\n"
                                  "F01,2026-01-06,Irritabilité\n".encode("cp1252"))
    assert raw.encoding == "windows-1252" and raw.cells["notes"].iloc[1] == "Irritabilité"


def test_full_width_and_invisible_characters_do_not_make_another_member():
    text = ("member,date,myoclonus\nF01,2026-01-05,1\nｆ０１,2026-01-06,2\nF\u200b01,2026-01-07,3\n"
            "\ufeffF01,2026-01-08,1\n")
    result = read("diary.csv", text)
    assert result.report.rows_accepted == 4
    assert set(result.tables.observations["member"]) == {"F01"}


def test_fractions_ranges_minus_zero_and_impossible_times_are_rejected():
    text = ("member,date,myoclonus,ataxia\nF01,2026-01-05,1/2,1\nF01,2026-01-06,0-3,1\n"
            "F01,2026-01-07,-0,1\nF01,2026-01-08,2,1\nF01,2026-01-09T25:61:61,2,1\n")
    report = read("diary.csv", text).report
    errors = {p.row: p.message for p in report.problems if p.severity == "error"}
    assert set(errors) == {2, 3, 4, 6}
    assert "not one score" in errors[2] and "not one score" in errors[3] and "'-0'" in errors[4]
    assert "no hour 25" in errors[6]


def test_the_date_order_note_never_counts_zero_dates_as_its_evidence():
    # Only impossible day/month dates: the order shown by no date at all.
    report = read("diary.csv", "member,date,myoclonus\nF01,32/13/2026,1\nF01,2026-01-06,2\n").report
    assert all("as 0 dates" not in p.message and "(like '')" not in p.message for p in report.problems)


def test_control_characters_in_a_file_name_are_not_sent_to_the_terminal(tmp_path):
    path = tmp_path / "diary\x1b[2J\x1b]0;owned\x07.csv"
    path.write_text("member,date,myoclonus\nF01,2026-01-05,1\n")
    for mode in ([], ["--json"]):
        done = subprocess.run([sys.executable, "-m", "oms_dash.cli", "check", *mode, str(path)],
                              capture_output=True, text=True, timeout=120)
        assert "\x1b" not in done.stdout and "\x07" not in done.stdout
        assert "diary" in done.stdout


def test_a_cell_starting_with_a_carriage_return_and_a_formula_is_quoted_in_the_csv():
    import csv as csv_module

    import pandas as pd

    from oms_dash.privacy import to_csv_bytes

    data = to_csv_bytes(pd.DataFrame({"note": ["\r=1+1", "\n@SUM(A1)", "a\tb", "fine"]}))
    rows = list(csv_module.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows] == ["note", "'\r=1+1", "'\n@SUM(A1)", "a\tb", "fine"]
    assert "\"'\r=1+1\"" in data.decode("utf-8-sig")

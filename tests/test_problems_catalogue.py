"""Every problem code oms_dash makes is in one catalogue that says what it means and what fixes it."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

import oms_dash
from oms_dash.cli import main
from oms_dash.ingest import ReadOptions
from oms_dash.model import Problem
from oms_dash.problems import CATALOGUE, SEVERITY_WORDS
from oms_dash.readers import UnreadableFile
from tests.conftest import read

SOURCE = Path(oms_dash.__file__).parent
# Calls that take a problem code as a plain argument, and where: the function's name -> position.
CODE_ARGUMENT = {"UnreadableFile": 1, "note": 0, "note_columns": 0, "reject": 3}


def codes_in_source() -> set[str]:
    """The code of every Problem, note, rejection and unreadable file the source spells out."""
    found = {inspect.signature(UnreadableFile).parameters["code"].default}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            at = CODE_ARGUMENT.get(name)
            args = [k.value for k in node.keywords if k.arg == "code"]
            if at is not None and len(node.args) > at:
                args.append(node.args[at])
            found.update(a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return found


def test_every_code_in_the_source_is_in_the_catalogue_and_every_entry_is_made_somewhere():
    made = codes_in_source()
    assert len(made) > 30  # the scan found the codes, not just a few
    assert made - set(CATALOGUE) == set(), "codes missing from problems.CATALOGUE"
    assert set(CATALOGUE) - made == set(), "catalogue entries no code makes"


def test_each_entry_says_what_it_is_how_to_fix_it_and_how_serious_it_usually_is():
    option_names = {f.name for f in dataclasses.fields(ReadOptions)}
    for code, kind in CATALOGUE.items():
        assert kind.title and kind.help, code
        assert kind.severity in SEVERITY_WORDS, code
        assert kind.option is None or kind.option in option_names, code
        assert kind.cli_hint is None or kind.option, f"{code}: a command-line hint needs its option"


def test_problems_are_made_by_keyword_only():
    with pytest.raises(TypeError):
        Problem("diary.csv", None, None, "error", "bad_date", "the date is wrong")  # type: ignore[misc]


def _workbook() -> bytes:
    book = Workbook()
    book.active.title = "Cover"
    book.active.append(["About this workbook"])
    sheet = book.create_sheet("Diary")
    sheet.append(["member", "date", "symptom", "severity"])
    sheet.append(["F01", "2026-01-05", "jerks", 2])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Ordinary and unlucky files, each meant to bring out some of the codes.
FILES = {
    "empty.csv": b"",
    "binary.csv": b"member,date\x00\x01\x02" * 50,
    "export.zip.csv": b"PK\x03\x04" + b"\x00" * 64,
    "sheet.numbers": b"anything",
    "picture.csv": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    "no_header.csv": b"\n".join([b"a;b;c", b"1;2;3", b"x;y"] * 4),
    "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    "damaged.xlsx": b"not a workbook at all",
    "header_only.csv": b"member,date,symptom,severity\n",
    "two_sheets.xlsx": _workbook(),
    "long.csv": (b"member,date,symptom,severity,notes,event\n"
                 b"F01,03/04/2026,jerks,2,slept badly,cold\n"
                 b"F01,03/04/2026,jerks,3,,\n"
                 b"F01,03/04/2026,jerks,3,,\n"
                 b",04/04/2026,jerks,1,,\n"
                 b"F01,31/02/2026,jerks,1,,\n"
                 b"F01,05/04/2026,jerks,seven,,\n"
                 b"F01,06/04/2026,Wobbly toes,2,,something odd\n"
                 b"F01,07/04/2026,jerks,2,,,extra\n"),
    "wide.csv": (b"member,date,opsoclonus,ataxia,hours slept,walked alone,email,total,age\n"
                 b"F01,2026-01-05,2,1,9,yes,mum@example.org,9,4\n"
                 b"F02,2026-01-05,1,x,8,no,,3,5\n"),
    "mp.csv": (b"member,date,behaviour,myoclonus,opsoclonus,posture,gait,speech,total\n"
               b"F01,2026-01-05,1,1,1,1,1,1,9\n"),
    "courses.csv": (b"member,treatment,start,end,dose\n"
                    b"F01,IVIG,2026-01-05,2026-01-01,\n"
                    b"F01,,2026-01-05,,\n"
                    b"F01,ACTH,2026-01-05,ongoing,\n"),
    "members.csv": b"member,onset,country\nF01,2025-06-01,UK\nF02,,UK\n",
    "F07 diary.csv": b"date,jerks\n2026-01-05,2\n",
    "nothing.csv": b"member,date,jerks\nF01,2026-01-05,\n",
    "names.csv": b"child name,date,jerks\nAnna Smith,2026-01-05,1\nBen Jones,2026-01-05,2\n",
}


def test_every_code_a_file_brings_out_is_in_the_catalogue():
    seen: set[str] = set()
    for name, data in FILES.items():
        seen |= {p.code for p in read(name, data).report.problems}
    seen |= {p.code for p in read("long.csv", FILES["long.csv"], date_order="dayfirst").report.problems}
    seen |= {p.code for p in read("long.csv", FILES["long.csv"], daily_rule="sum").report.problems}
    seen |= {p.code for p in read("two_sheets.xlsx", FILES["two_sheets.xlsx"], sheet="Nope").report.problems}
    assert len(seen) > 25  # the files did bring out most codes
    assert seen - set(CATALOGUE) == set()


def test_check_json_gives_each_problem_its_code(write_file, capsys):
    path = write_file("long.csv", FILES["long.csv"])
    main(["check", "--json", str(path), str(path.with_name("missing.csv"))])  # its exit code aside
    files = json.loads(capsys.readouterr().out)["files"]
    codes = [p["code"] for f in files for p in f["problems"]]
    assert "bad_date" in codes and "missing_file" in codes
    assert set(codes) <= set(CATALOGUE)


def test_the_report_counts_cells_not_used_in_kept_rows_apart_from_rejected_rows():
    report = read("wide.csv", "member,date,opsoclonus,ataxia\n"
                              "F01,2026-01-05,2,x\n"      # kept: one cell not used
                              "F02,2026-01-05,x,x\n"      # rejected: no score could be read
                              ",2026-01-05,1,1\n").report  # rejected: no member
    assert (report.rows_accepted, report.rows_rejected) == (1, 2)
    assert report.cells_not_used == 1

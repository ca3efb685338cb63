"""The privacy scan inside the ingest: distinct values read once, blanked cells said, name headings
never quoted."""

from __future__ import annotations

import json

import pandas as pd

from oms_dash.cli import main
from oms_dash.privacy import scan
from tests.conftest import read


def test_scan_reads_each_distinct_value_once_and_still_blanks_every_cell(monkeypatch):
    n = 60_000
    doses = (["2 mg/kg", "1 g/kg"] * 4 + ["0.5 mg", "ring 07700 900123"]) * (n // 10)
    table = pd.DataFrame({"member": pd.Series([f"F{i % 40:02d}" for i in range(n)], dtype="str"),
                          "dose": pd.Series(doses, dtype="str")})
    looked_at = []
    value_kinds = scan._value_kinds
    monkeypatch.setattr(scan, "_value_kinds", lambda v: looked_at.append(v) or value_kinds(v))
    hashed = []

    def factorize(column):
        hashed.append(column.name)
        return pd.factorize(column, use_na_sentinel=False)

    result = scan.scan_table(table, factorize=factorize)
    assert result.findings == []
    assert result.redacted == {"dose": n // 10}  # every cell holding the phone, counted
    assert not table["dose"].str.contains("07700").any()
    assert table["dose"].iloc[9] == f"ring {scan.REMOVED}" and table["dose"].iloc[0] == "2 mg/kg"
    assert sorted(hashed) == ["dose", "member"]  # each column hashed once, by the caller's function
    assert looked_at.count("ring 07700 900123") <= 2  # once to scan, once more at most (a sample)
    assert len(looked_at) < 600  # distinct values and a sample, never 60,000 cells


def test_a_redacted_cell_is_said_on_the_file_once_per_column():
    text = ("member,date,symptom,severity,dose\n"
            "F01,2026-03-01,jerks,2,2 mg/kg\n"
            "F02,2026-03-01,jerks,1,ring Sarah 07700 900123\n"
            "F03,2026-03-01,jerks,1,email me a@b.org\n"
            "F04,2026-03-01,jerks,1,1 g/kg\n")
    report = read("log.csv", text).report
    notes = [p for p in report.problems if p.code == "redacted_cells"]
    assert len(notes) == 1
    assert notes[0].severity == "info" and notes[0].column == "dose" and notes[0].row is None
    assert "2 cells held" in notes[0].message and scan.REMOVED in notes[0].message
    assert "07700" not in notes[0].message and "a@b.org" not in notes[0].message


def test_check_text_and_json_say_a_cell_was_blanked(write_file, capsys):
    path = write_file("log.csv", "member,date,symptom,severity,dose\n"
                                 + "F01,2026-03-01,jerks,2,2 mg/kg\n"
                                 + "F02,2026-03-01,jerks,1,ring 07700 900123\n"
                                 + "".join(f"F0{i},2026-03-01,jerks,1,1 g/kg\n" for i in range(3, 8)))
    main(["check", str(path)])
    out = capsys.readouterr().out
    assert "In column 'dose', 1 cell held" in out and "07700" not in out
    main(["check", "--json", str(path)])
    (file,) = json.loads(capsys.readouterr().out)["files"]
    assert any(p["column"] == "dose" and p["severity"] == "info" and "1 cell held" in p["message"]
               for p in file["problems"])


def test_a_heading_that_is_a_name_is_never_quoted(write_file, capsys):
    path = write_file("log.csv", "member,date,Olivia,jerks\n"
                                 "F01,2026-03-01,1,2\nF02,2026-03-02,2,1\n")
    main(["check", "--json", str(path)])
    out = capsys.readouterr().out
    assert "Olivia" not in out
    (file,) = json.loads(out)["files"]
    (finding,) = file["pii_columns"]
    assert finding["kind"] == "name" and finding["column"] == "column C"
    message = next(p["message"] for p in file["problems"] if "person's name" in p["message"])
    assert "(column C)" in message
    main(["check", str(path)])
    text = capsys.readouterr().out
    assert "Olivia" not in text and "column C" in text


def test_names_as_headings_with_no_member_column_are_located_not_quoted():
    report = read("log.csv", "date,Olivia,Harry\n2026-03-01,1,2\n2026-03-02,2,1\n").report
    assert not report.usable
    words = " ".join(p.message for p in report.problems) + json.dumps(report.pii_columns)
    assert "Olivia" not in words and "Harry" not in words
    assert "column B" in words and "column C" in words

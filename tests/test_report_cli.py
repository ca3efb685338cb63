"""`oms-dash report` reads files as `check` does: the same reading options, and every warning
`check` gives (a guessed date order, a neutral member code) said before the report is written."""

from __future__ import annotations

import pytest

from oms_dash.cli import main

# Every date could be day- or month-first: the order is a guess, and both commands must say so.
AMBIGUOUS = "member,date,symptom,severity\n" + "".join(
    f"F0{m},0{d}/0{d + 1}/2026,ataxia,{(m + d) % 4}\n" for m in (1, 2, 3) for d in (1, 2, 3))
BEARABLE = ("date,weekday,time of day,category,rating/amount,detail,notes\n"
            "2026-01-05,Mon,am,Symptom,3,Ataxia (Moderate),\n"
            "2026-01-06,Tue,am,Symptom,2,Ataxia (Mild),\n")


def _check_text(path, capsys, *options) -> str:
    main(["check", str(path), *options])
    return capsys.readouterr().out


def _report_said(path, tmp_path, capsys, *options) -> tuple[int, str, str]:
    out = tmp_path / "report.html"
    code = main(["report", str(path), "-o", str(out), *options])
    said = capsys.readouterr().err
    return code, said, out.read_text(encoding="utf-8") if out.exists() else ""


@pytest.mark.parametrize("name, text, warning", [
    ("us-dates.csv", AMBIGUOUS, "--monthfirst"),  # the date order was guessed
    ("bearable-export.csv", BEARABLE, "--member"),  # a neutral code was given
])
def test_report_says_everything_check_says(tmp_path, capsys, name, text, warning):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    checked = _check_text(path, capsys)
    assert warning in checked
    code, said, _ = _report_said(path, tmp_path, capsys)
    assert code == 0
    assert checked.strip() in said


@pytest.mark.slow
def test_report_takes_checks_reading_options(tmp_path, capsys):
    path = tmp_path / "us-dates.csv"
    path.write_text(AMBIGUOUS, encoding="utf-8")
    _, _, monthfirst = _report_said(path, tmp_path, capsys, "--monthfirst")
    _, _, dayfirst = _report_said(path, tmp_path, capsys, "--dayfirst")
    assert "02 Jan 2026 – 04 Mar 2026" in monthfirst or "04 Jan 2026" in monthfirst
    assert "01 Feb 2026 – 03 Apr 2026" in dayfirst
    path = tmp_path / "bearable-export.csv"
    path.write_text(BEARABLE, encoding="utf-8")
    _, unnamed, _ = _report_said(path, tmp_path, capsys)
    code, named, _ = _report_said(path, tmp_path, capsys, "--member", "F07")
    assert code == 0 and "--member" in unnamed and "--member" not in named  # the code was taken

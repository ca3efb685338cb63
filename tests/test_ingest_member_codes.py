"""Member codes of single-person exports (Bearable, Flaredown personal): from the file name only
when it holds a code, never a child's name; otherwise a neutral code per file, with a note."""

from __future__ import annotations

import pytest

from oms_dash.adapters import member_from_filename
from oms_dash.ingest import merge
from tests.conftest import accounted, read

BEARABLE = (
    '"date","weekday","time of day","category","rating/amount","detail","notes"\n'
    '"1st Sep 2026","Tue","am","Symptom","2","Jerking (Moderate)",""\n'
    '"2nd Sep 2026","Wed","am","Symptom","1","Jerking (Mild)",""\n'
)
OTHER_FAMILY = BEARABLE.replace('"2","Jerking (Moderate)"', '"3","Jerking (Severe)"')


@pytest.mark.parametrize("name, code", [
    ("F07_flaredown.csv", "F07"), ("Bearable export F11.csv", "F11"), ("bearable_F09.csv", "F09"),
    ("fam-12 export.csv", "fam-12"), ("flaredown_20260901_F07.csv", "F07"),
    ("bearable F-09 2026-09-01.csv", "F-09"),
])
def test_a_code_in_the_file_name_is_used(name, code):
    assert member_from_filename(name) == code


@pytest.mark.parametrize("name", ["Emma Smith bearable.csv", "Bearable-export.csv", "my_data.csv",
                                  "bearable-export-2026-09.csv", "Emma2.csv", "F01 F02.csv",
                                  "Bearable-export (1).csv"])
def test_a_file_name_without_one_clear_code_gives_none(name):
    assert member_from_filename(name) is None


def test_a_childs_name_in_the_file_name_never_becomes_the_member_code():
    report = read("Emma Smith bearable.csv", BEARABLE).report
    assert accounted(report) and report.usable
    (code,) = report.members
    assert "EMMA" not in code.upper() and "SMITH" not in code.upper()
    assert code.startswith("P-")
    note = next(p for p in report.problems if p.code == "member_from_file_name")
    assert f"'{code}'" in note.message and "Upload page" in note.message
    assert "same child" in note.message
    assert "Emma" not in note.message


def test_two_families_files_with_the_same_name_stay_two_members():
    first = read("Bearable-export.csv", BEARABLE)
    second = read("Bearable-export.csv", OTHER_FAMILY)
    assert first.report.members != second.report.members
    group = merge([first, second])
    assert len(group.members) == 2
    assert sorted(group.observations.groupby("member")["score"].max()) == [2.0, 3.0]


def test_the_neutral_code_is_stable_for_the_same_file():
    assert read("a.csv", BEARABLE).report.members == read("Bearable-export.csv", BEARABLE).report.members


def test_the_cli_names_the_member_option_for_a_file_without_a_code(write_file, capsys):
    from oms_dash.cli import main

    path = write_file("Bearable-export.csv", BEARABLE)
    assert main(["check", str(path)]) == 0
    assert "--member CODE" in capsys.readouterr().out


def test_member_given_by_the_user_does_not_fill_blank_cells_of_a_member_column():
    text = "member,date,symptom,severity\nF01,2026-03-01,jerks,2\n,2026-03-02,jerks,1\n"
    report = read("diary.csv", text, member="F09").report
    assert accounted(report)
    assert report.members == ["F01"]
    assert (report.rows_accepted, report.rows_rejected) == (1, 1)
    assert any(p.row == 3 and p.code == "missing_member" for p in report.problems)

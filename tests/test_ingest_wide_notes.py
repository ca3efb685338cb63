"""A file with thousands of columns oms_dash does not use: one note for them all, with the exact
count and the first few named, in `check`, `check --json` and on the Upload card."""

from __future__ import annotations

import json
import re

import pytest

from oms_dash.adapters import MAX_COLUMN_NOTES
from oms_dash.cli import main
from tests.conftest import read, shown, upload

COLUMNS = 2_000
USED = ["member", "date", "myoclonus"]


def _wide(extra: list[str], cell: str) -> str:
    rows = [",".join(USED + extra)]
    rows += [",".join(["F01", f"2026-01-{day:02d}", "2"] + [cell] * len(extra)) for day in range(1, 6)]
    return "\n".join(rows) + "\n"


def _count(pattern: str, messages: list[str]) -> int:
    (found,) = [m for m in (re.search(pattern, message) for message in messages) if m]
    return int(found[1].replace(",", ""))


@pytest.mark.slow
def test_two_thousand_unused_columns_give_one_note_whose_counts_add_up(write_file, capsys):
    extra = [f"Remark {i}" for i in range(COLUMNS - len(USED))]
    path = write_file("wide.csv", _wide(extra, "so-so"))
    assert main(["check", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert len(out.encode()) < 50_000
    (report,) = json.loads(out)["files"]
    notes = [p for p in report["problems"] if p["code"] == "unused_column"]
    assert len(notes) == 1 and notes[0]["column"] is None
    assert "'Remark 0', 'Remark 1'" in notes[0]["message"]
    messages = [p["message"] for p in report["problems"]]
    not_used = _count(r"([\d,]+) columns were not used", messages)
    not_read = _count(r"not the ([\d,]+) after them", messages)
    assert not_used + not_read == len(extra)  # every column is said, none silently dropped
    assert f"and {not_used - 5:,} more" in notes[0]["message"]

    assert main(["check", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.count("were not used") == 1 and f"{not_used:,} columns were not used" in text


def test_many_unknown_score_columns_are_kept_and_said_in_one_note():
    extra = [f"Q{i}" for i in range(50)]
    report = read("wide.csv", _wide(extra, "1")).report
    assert report.rows_accepted == 5 and len(report.symptoms) == 51  # all kept, as before
    (note,) = [p for p in report.problems if p.code == "custom_item"]
    assert note.column is None and note.message.startswith("50 columns are not symptoms")
    assert "'Q0', 'Q1', 'Q2', 'Q3', 'Q4' and 45 more" in note.message


def test_a_few_unused_columns_are_still_named_one_by_one():
    extra = [f"Remark {i}" for i in range(MAX_COLUMN_NOTES)]
    report = read("wide.csv", _wide(extra, "so-so")).report
    notes = [p for p in report.problems if p.code == "unused_column"]
    assert [p.column for p in notes] == extra


def test_the_upload_card_says_many_unused_columns_in_one_line():
    extra = [f"Remark {i}" for i in range(300)]
    at = upload(("wide.csv", _wide(extra, "so-so").encode()))
    said = [shown(m.value) for m in at.markdown] + [shown(c.value) for c in at.caption]
    assert sum("300 columns were not used" in text for text in said) >= 1
    assert not any("'Remark 299'" in text for text in said)  # named in the count, not one by one

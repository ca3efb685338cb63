"""`oms-dash report --group FILE` and `oms-dash summary --json --group FILE`: the group file read
(passphrase from OMS_DASH_PASSPHRASE), its small-group size applied, "since the last meeting" said,
and the report marking today as a meeting unless --no-mark."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from oms_dash import group_file as gf
from oms_dash import privacy
from oms_dash.cli import main
from tests.conftest import read

PASSPHRASE = "tulip orbit candle seventeen"
MEETING = dt.date(2026, 1, 15)
# Four members a day through January, each starting IVIG in the middle of it (S3 and S4 after the meeting).
DIARY = "member,date,symptom,severity\n" + "".join(
    f"S{m},2026-01-{d:02d},ataxia,{(m + d) % 4}\n" for m in range(1, 5) for d in range(1, 29))
COURSES = "member,treatment,start,end\n" + "".join(f"S{m},ivig,2026-01-{10 + 2 * m},\n" for m in range(1, 5))


@pytest.fixture(autouse=True)
def passphrase(monkeypatch):
    monkeypatch.setenv("OMS_DASH_PASSPHRASE", PASSPHRASE)
    yield
    privacy.set_min_group_size(privacy.DEFAULT_MIN_GROUP_SIZE)  # a group file may have raised it


def _group_file(tmp_path, meeting: dt.date | None = MEETING, min_group_size: int = 3):
    path = tmp_path / f"group-{min_group_size}.omsgroup"
    gf.create(path, PASSPHRASE, min_group_size=min_group_size)
    gf.add(path, PASSPHRASE, [read("diary.csv", DIARY), read("courses.csv", COURSES)])
    if meeting:
        gf.mark_meeting(path, PASSPHRASE, meeting)
    return path


def _summary(path, capsys, *options) -> dict:
    assert main(["summary", "--json", "--group", str(path), *options]) == 0
    return json.loads(capsys.readouterr().out)


def test_summary_of_a_group_file_says_what_changed_since_its_last_meeting(tmp_path, capsys):
    out = _summary(_group_file(tmp_path), capsys)
    assert out["members"] == ["S1", "S2", "S3", "S4"]
    since = out["since_last_meeting"]
    assert since["meeting"] == "2026-01-15"
    assert (since["rows"], since["log_days"]) == (4 * 13, 4 * 13)  # 16 to 28 January
    assert since["members_logged"] == out["members"]
    assert since["treatments_started"] == {"ivig": 2}
    assert sum(since["levels"]["counts"].values()) == len(since["levels"]["per_member"]) == 4


def test_summary_of_a_group_file_without_a_meeting_has_no_since_section(tmp_path, capsys):
    assert "since_last_meeting" not in _summary(_group_file(tmp_path, meeting=None), capsys)


def test_the_group_files_small_group_size_applies(tmp_path, capsys):
    shown = _summary(_group_file(tmp_path), capsys)["before_after"][0]
    assert len(shown["per_member"]) == 4
    strict = _summary(_group_file(tmp_path, min_group_size=5), capsys)
    assert strict["before_after"][0]["per_member"] == []  # four members had IVIG: fewer than 5
    assert strict["since_last_meeting"]["levels"]["counts"] is None


def _section(page: str) -> str:
    return re.search(r"<ul class='since'>(.*?)</ul>", page, re.S).group(1)


def test_a_report_of_a_group_file_has_the_section_and_marks_today(tmp_path, capsys):
    path, out = _group_file(tmp_path), tmp_path / "report.html"
    assert main(["report", "--group", str(path), "-o", str(out)]) == 0
    assert "Marked today" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert "Since the last meeting (15 Jan 2026)" in page
    assert "52 days logged by 4 of 4 members" in _section(page)
    assert "Logged since: Member A, Member B, Member C, Member D." in _section(page)
    assert gf.summary(path, PASSPHRASE)["meetings"] == ["2026-01-15", dt.date.today().isoformat()]
    # Made again the same day: still since the meeting before this one.
    assert main(["report", "--group", str(path), "-o", str(out), "--meeting"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Since the last meeting (15 Jan 2026)" in page
    assert "52 days logged" in _section(page) and "Member" not in _section(page)  # meeting type: counts only


def test_no_mark_leaves_the_group_file_as_it_was(tmp_path, capsys):
    path, out = _group_file(tmp_path), tmp_path / "draft.html"
    assert main(["report", "--group", str(path), "-o", str(out), "--no-mark", "--relative"]) == 0
    assert "Marked today" not in capsys.readouterr().out
    assert gf.summary(path, PASSPHRASE)["meetings"] == ["2026-01-15"]
    page = out.read_text(encoding="utf-8")
    assert "<h2>Since the last meeting</h2>" in page and "15 Jan 2026" not in page  # weeks, no dates


def test_log_files_and_a_group_file_together_are_refused(tmp_path, capsys):
    log = tmp_path / "diary.csv"
    log.write_text(DIARY, encoding="utf-8")
    group = _group_file(tmp_path)
    assert main(["report", str(log), "--group", str(group), "-o", str(tmp_path / "r.html")]) == 2
    assert "not both" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("command", [["summary", "--json"], ["report", "-o", "never.html"]])
def test_a_wrong_passphrase_is_one_plain_line(tmp_path, capsys, monkeypatch, command):
    path = _group_file(tmp_path)
    monkeypatch.setenv("OMS_DASH_PASSPHRASE", "not the passphrase")
    assert main([*command, "--group", str(path)]) == 1
    err = capsys.readouterr().err
    assert "could not be opened with this passphrase" in err and "Traceback" not in err
    assert gf.summary(path, PASSPHRASE)["meetings"] == ["2026-01-15"]

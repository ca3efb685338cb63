"""`oms-dash group …` with the passphrase from OMS_DASH_PASSPHRASE, as scripts use it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from oms_dash import group_file as gf
from oms_dash.cli import main

PASSPHRASE = "tulip orbit candle seventeen"
MARCH = "member,date,symptom,severity\nF01,2026-03-01,opsoclonus,2\nF01,2026-03-02,opsoclonus,1\n" \
        "F02,2026-03-01,myoclonus,0\n"
APRIL = "member,date,symptom,severity\nF01,2026-03-02,opsoclonus,3\nF01,2026-04-01,opsoclonus,1\n"


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv("OMS_DASH_PASSPHRASE", PASSPHRASE)
    return PASSPHRASE


@pytest.fixture
def group(tmp_path, passphrase, capsys):
    path = tmp_path / "our group.omsgroup"
    assert main(["group", "new", str(path)]) == 0
    capsys.readouterr()
    return path


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_new_makes_a_file_the_passphrase_opens(group, passphrase):
    assert gf.summary(group, passphrase)["observations"] == 0
    with pytest.raises(gf.GroupFileError):
        gf.summary(group, "another passphrase")


def test_new_refuses_a_short_passphrase_and_says_how_to_choose_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OMS_DASH_PASSPHRASE", "cat")
    assert main(["group", "new", str(tmp_path / "g.omsgroup")]) == 1
    assert "too short" in capsys.readouterr().err
    assert not (tmp_path / "g.omsgroup").exists()


def test_new_asks_twice_at_the_prompt_and_refuses_two_different_answers(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OMS_DASH_PASSPHRASE", raising=False)
    answers = iter(["tulip orbit candle", "tulip orbit candel"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["group", "new", str(tmp_path / "g.omsgroup")]) == 1
    err = capsys.readouterr().err
    assert "never stored" in err and "not the same" in err
    assert not (tmp_path / "g.omsgroup").exists()


def test_add_prints_checks_output_and_the_groups_counts(group, write_file, capsys):
    march, april = write_file("march.csv", MARCH), write_file("april.csv", APRIL)
    assert main(["group", "add", str(group), str(march), "--json"]) == 0
    first = _json(capsys)
    assert first["files"][0]["rows_accepted"] == 3
    assert {k: first["group"][k] for k in ("rows_new", "rows_duplicate", "rows_conflict")} == {
        "rows_new": 3, "rows_duplicate": 0, "rows_conflict": 0}
    assert main(["group", "add", str(group), str(march), str(april), "--json"]) == 0
    second = _json(capsys)["group"]
    # march's 2 March reading is combined with april's (the daily maximum) before the group is asked.
    assert (second["rows_new"], second["rows_duplicate"], second["rows_conflict"],
            second["rows_combined"]) == (1, 2, 1, 1)
    assert second["conflicts"] == [{"member": "F01", "date": "2026-03-02", "item": "opsoclonus",
                                    "group_score": 1.0, "new_score": 3.0, "file": "april.csv",
                                    "kept": "group"}]


def test_add_takes_the_new_files_scores_when_told(group, write_file, passphrase, capsys):
    march, april = write_file("march.csv", MARCH), write_file("april.csv", APRIL)
    main(["group", "add", str(group), str(march)])
    capsys.readouterr()
    assert main(["group", "add", str(group), str(april), "--take-new", str(april)]) == 0
    assert "took the new score" in capsys.readouterr().out
    obs = gf.load(group, passphrase).observations
    assert obs.loc[obs["date"] == "2026-03-02", "score"].tolist() == [3.0]


def test_add_exits_2_for_an_unusable_file_and_adds_the_others(group, write_file, passphrase, capsys):
    march = write_file("march.csv", MARCH)
    picture = write_file("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert main(["group", "add", str(group), str(march), str(picture)]) == 2
    out = capsys.readouterr().out
    assert "3 new observations" in out and "Traceback" not in out
    assert gf.summary(group, passphrase)["observations"] == 3


def test_show_lists_members_dates_uploads_and_meetings(group, write_file, passphrase, capsys):
    import datetime as dt

    main(["group", "add", str(group), str(write_file("march.csv", MARCH))])
    main(["group", "add", str(group), str(write_file("april.csv", APRIL))])
    gf.mark_meeting(group, passphrase, dt.date(2026, 3, 15))
    capsys.readouterr()
    assert main(["group", "show", str(group), "--json"]) == 0
    shown = _json(capsys)
    assert (shown["members"], shown["observations"]) == (2, 4)
    assert (shown["date_min"], shown["date_max"]) == ("2026-03-01", "2026-04-01")
    assert [(u["upload"], u["rows_new"], u["rows_conflict"]) for u in shown["uploads"]] == [(1, 3, 0),
                                                                                            (2, 1, 1)]
    assert shown["meetings"] == ["2026-03-15"]
    assert main(["group", "show", str(group)]) == 0
    assert "2 members, 4 observations from 2026-03-01 to 2026-04-01" in capsys.readouterr().out


def test_a_meeting_held_before_the_group_file_is_recorded_and_counted_from(group, write_file, capsys):
    main(["group", "add", str(group), str(write_file("march.csv", MARCH))])
    main(["group", "add", str(group), str(write_file("april.csv", APRIL))])
    capsys.readouterr()
    assert main(["group", "meeting", str(group), "--date", "2026-03-15"]) == 0
    assert "Meeting of 2026-03-15 recorded" in capsys.readouterr().out
    assert main(["summary", "--json", "--group", str(group)]) == 0
    since = _json(capsys)["since_last_meeting"]
    assert (since["meeting"], since["log_days"]) == ("2026-03-15", 1)  # April 1, not March


@pytest.mark.parametrize(("date", "said"), [("15/03/2026", "YYYY-MM-DD"), ("2999-01-01", "still to come")])
def test_a_meeting_date_that_cannot_be_one_is_refused_in_words(group, capsys, date, said):
    with pytest.raises(SystemExit):
        main(["group", "meeting", str(group), "--date", date])
    assert said in capsys.readouterr().err
    assert gf.summary(group, PASSPHRASE)["meetings"] == []


def test_show_counts_the_readings_an_add_combined_by_the_daily_rule(group, write_file, capsys):
    same_day = "member,date,symptom,severity\nF01,2026-03-01,opsoclonus,2\n"
    main(["group", "add", str(group), str(write_file("a.csv", same_day)), str(write_file("b.csv", same_day))])
    capsys.readouterr()
    assert main(["group", "show", str(group), "--json"]) == 0
    assert [u["rows_combined"] for u in _json(capsys)["uploads"]] == [1]
    assert main(["group", "show", str(group)]) == 0
    assert "1 combined with another file's reading of the same day" in capsys.readouterr().out


def test_a_wrong_passphrase_is_one_plain_line(group, monkeypatch, capsys):
    monkeypatch.setenv("OMS_DASH_PASSPHRASE", "not the passphrase")
    assert main(["group", "show", str(group)]) == 1
    err = capsys.readouterr().err
    assert "could not be opened with this passphrase" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_forget_member_deletes_their_rows(group, write_file, passphrase, capsys):
    main(["group", "add", str(group), str(write_file("march.csv", MARCH))])
    assert main(["group", "forget-member", str(group), "f01"]) == 0
    assert "F01 was forgotten" in capsys.readouterr().out
    assert gf.load(group, passphrase).members == ["F02"]
    assert main(["group", "forget-member", str(group), "F01"]) == 1
    assert "no member F01" in capsys.readouterr().err


def test_passphrase_changes_it_for_a_new_coordinator(group, monkeypatch, capsys):
    monkeypatch.setenv("OMS_DASH_NEW_PASSPHRASE", "harbour lantern seven maples")
    assert main(["group", "passphrase", str(group)]) == 0
    assert gf.summary(group, "harbour lantern seven maples")["members"] == 0
    assert main(["group", "show", str(group)]) == 1


def test_the_passphrase_is_not_an_argument(group, capsys):
    with pytest.raises(SystemExit):
        main(["group", "show", str(group), "--passphrase", PASSPHRASE])


def test_check_imports_no_sqlcipher_and_group_commands_do(write_file, group):
    path = write_file("log.csv", MARCH)
    code = ("import sys; from oms_dash.cli import main; main(sys.argv[1:]); "
            "print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('streamlit', 'plotly', 'sqlcipher3')))")
    check = subprocess.run([sys.executable, "-c", code, "check", str(path)], capture_output=True,
                           text=True, check=True).stdout
    assert check.strip().endswith("[]")
    show = subprocess.run([sys.executable, "-c", code, "group", "show", str(group)], capture_output=True,
                          text=True, check=True).stdout
    assert "sqlcipher3" in show.strip().splitlines()[-1]

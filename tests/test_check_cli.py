"""`oms-dash check`: the same reading as the Upload page, as text or one JSON object; exit 0 or 2."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from oms_dash.cli import main

FILE_KEYS = {"file", "format", "usable", "rows_read", "rows_accepted", "rows_rejected", "rows_skipped",
             "members", "symptoms", "date_min", "date_max", "pii_columns", "problems"}
PROBLEM_KEYS = {"row", "column", "severity", "message"}
DIARY = ("member,date,symptom,severity\n"
         "F01,2020-01-05,jerks,2\n"
         "F01,2020-02-31,sleep,1\n"
         ",2020-01-06,sleep,1\n"
         "F02,2020-01-07,Eye movements,mild\n")


def _json(capsys) -> dict:
    out = capsys.readouterr().out
    return json.loads(out)


def test_check_json_schema_and_values(write_file, capsys):
    path = write_file("diary.csv", DIARY)
    assert main(["check", "--json", str(path)]) == 0
    result = _json(capsys)
    assert set(result) == {"files"}
    (file,) = result["files"]
    assert FILE_KEYS <= set(file)
    assert file["file"] == "diary.csv"
    assert file["format"] == "long diary (one symptom per row)"
    assert file["usable"] is True
    counts = (file["rows_read"], file["rows_accepted"], file["rows_rejected"], file["rows_skipped"])
    assert counts == (4, 2, 2, 0)
    assert file["rows_read"] == file["rows_accepted"] + file["rows_rejected"] + file["rows_skipped"]
    assert file["members"] == ["F01", "F02"]
    assert file["symptoms"] == ["myoclonus", "opsoclonus"]
    assert (file["date_min"], file["date_max"]) == ("2020-01-05", "2020-01-07")
    assert file["pii_columns"] == []
    for problem in file["problems"]:
        assert PROBLEM_KEYS <= set(problem)
        assert problem["severity"] in ("error", "warning", "info")
    errors = [(p["row"], p["column"]) for p in file["problems"] if p["severity"] == "error"]
    assert errors == [(3, "date"), (4, "member")]


def test_check_json_lists_identifying_columns(write_file, capsys):
    path = write_file("form.csv", "Timestamp,Email address,Member code,Jerks\n"
                                  "3/14/2020 20:15:02,a@example.com,F01,2\n")
    assert main(["check", "--json", str(path)]) == 0
    (file,) = _json(capsys)["files"]
    assert [f["column"] for f in file["pii_columns"]] == ["Email address"]
    assert "a@example.com" not in json.dumps(file)


def test_check_exit_2_when_one_file_is_unusable(write_file, capsys):
    good = write_file("good.csv", DIARY)
    empty = write_file("empty.csv", b"")
    assert main(["check", "--json", str(good), str(empty), str(good.parent / "missing.csv")]) == 2
    files = _json(capsys)["files"]
    assert [f["usable"] for f in files] == [True, False, False]
    assert "empty" in files[1]["problems"][0]["message"]
    assert "does not exist" in files[2]["problems"][0]["message"]
    for file in files:
        assert file["rows_read"] == file["rows_accepted"] + file["rows_rejected"] + file["rows_skipped"]


def test_check_text_mode_is_readable(write_file, capsys):
    path = write_file("diary.csv", DIARY)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "diary.csv" in out and "long diary (one symptom per row)" in out
    assert "read as: utf-8 text, comma-separated" in out
    assert "4 rows read: 2 accepted, 2 rejected, 0 skipped" in out
    assert "members: 2" in out and "2020-01-05 to 2020-01-07" in out
    assert "row 3, column 'date': 31 February 2020 does not exist" in out
    assert "row 4, column 'member'" in out
    assert "Traceback" not in out


def test_check_text_mode_for_an_unusable_file(write_file, capsys):
    path = write_file("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert main(["check", str(path)]) == 2
    out = capsys.readouterr().out
    assert "NOT USABLE" in out and "PNG picture" in out and "Traceback" not in out


@pytest.mark.parametrize("flag, first", [([], "2020-04-03"), (["--dayfirst"], "2020-04-03"),
                                         (["--monthfirst"], "2020-03-04")])
def test_check_date_order_flags(write_file, capsys, flag, first):
    path = write_file("amb.csv", "member,date,jerks\nF01,03/04/2020,1\nF01,05/06/2020,2\n")
    assert main(["check", "--json", *flag, str(path)]) == 0
    (file,) = _json(capsys)["files"]
    assert file["date_min"] == first
    warned = [p["message"] for p in file["problems"] if "day-first or month-first" in p["message"]]
    assert bool(warned) == (flag == [])
    assert all("--monthfirst" in m for m in warned)  # the command line names its option


def test_check_dayfirst_and_monthfirst_together_is_refused(write_file, capsys):
    path = write_file("amb.csv", "member,date,jerks\nF01,03/04/2020,1\n")
    with pytest.raises(SystemExit) as exc:
        main(["check", "--dayfirst", "--monthfirst", str(path)])
    assert exc.value.code == 2


def test_check_member_for_single_person_exports(write_file, capsys):
    bearable = ('"date","weekday","time of day","category","rating/amount","detail","notes"\n'
                '"1st Sep 2020","Tue","am","Symptom","2","Jerking (Moderate)",""\n')
    path = write_file("bearable-export.csv", bearable)
    assert main(["check", "--json", "--member", "f 08", str(path)]) == 0
    (file,) = _json(capsys)["files"]
    assert file["members"] == ["F08"]
    assert file["format"] == "Bearable export"


def test_check_future_dates_use_todays_date(write_file, capsys):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    path = write_file("f.csv", f"member,date,jerks\nF01,{tomorrow:%Y-%m-%d},1\nF01,2020-01-01,1\n")
    assert main(["check", "--json", str(path)]) == 0
    (file,) = _json(capsys)["files"]
    assert file["rows_rejected"] == 1
    assert any("in the future" in p["message"] for p in file["problems"])


def _oms_dash(*args, env_extra=None, **popen):
    import os
    import subprocess
    import sys

    env = dict(os.environ, **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "oms_dash.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_check_prints_on_a_console_that_cannot_show_every_character(write_file, encoding, as_json):
    old = write_file("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    odd = write_file("Irritabilité 日記.csv", "member,date,Irritabilité 易怒\nF01,2026-03-01,2\n")
    proc = _oms_dash("check", *(["--json"] if as_json else []), str(old), str(odd),
                     env_extra={"PYTHONIOENCODING": encoding})
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2  # the .xls is not usable; no crash
    assert b"Traceback" not in err and b"Error" not in err
    assert b"old.xls" in out and b"Save As" in out


def test_check_stops_quietly_when_its_reader_goes_away(write_file):
    rows = "".join(f"F01,2026-02-{30 + i % 2},jerks,{i}\n" for i in range(3000))  # 31 Feb: all bad
    path = write_file("bad.csv", "member,date,symptom,severity\n" + rows)
    with _oms_dash("check", "--json", str(path)) as proc:
        proc.stdout.readline()  # like `| head -1`
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_check_names_files_as_given_and_tells_same_named_files_apart(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "diary.csv").write_text(DIARY)
    (tmp_path / "other.csv").write_text(DIARY)
    missing = tmp_path / "gone.csv"
    main(["check", "--json", str(tmp_path / "a" / "diary.csv"), str(tmp_path / "b" / "diary.csv"),
          str(tmp_path / "other.csv"), str(missing)])
    files = _json(capsys)["files"]
    assert [f["file"] for f in files] == [str(tmp_path / "a" / "diary.csv"),
                                          str(tmp_path / "b" / "diary.csv"), "other.csv", "gone.csv"]
    assert files[3]["format"] == "not recognised"  # the same words as any other unreadable file


def test_one_extra_reading_is_worded_plainly():
    from tests.conftest import read

    text = "member,date,symptom,severity\nF01,2026-03-01,jerks,1\nF01,2026-03-01,jerks,2\n"
    note = next(p.message for p in read("d.csv", text).report.problems if p.code == "daily_rule")
    assert "(1 extra reading)" in note and "(once)" not in note


def test_skip_reasons_read_naturally_after_their_count(write_file, capsys):
    from oms_dash.problems import counted

    one = write_file("one.csv", "member,date,jerks,sleep\nF01,2026-03-01,,\nF01,2026-03-02,1,\n")
    main(["check", str(one)])
    out = capsys.readouterr().out
    assert "1 row with nothing recorded" in out and "1 nothing recorded" not in out
    two = write_file("two.csv", "member,date,jerks,sleep\nF01,2026-03-01,,\nF01,2026-03-02,,\n"
                                "F01,2026-03-03,1,\n")
    main(["check", str(two)])
    assert "2 rows with nothing recorded" in capsys.readouterr().out
    assert counted(2, "food entry (not symptom data)") == "2 food entries (not symptom data)"
    assert counted(1, "row of category 'Mood' (not symptom data)") == \
        "1 row of category 'Mood' (not symptom data)"
    assert counted(1200, "empty row") == "1,200 empty rows"

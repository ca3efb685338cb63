"""The group file on the Upload page (AppTest): open a saved group, add the loaded logs, mark a meeting."""

from __future__ import annotations

import datetime as dt

import pytest

from oms_dash import group_file as gf
from tests.conftest import DASHBOARD, read, shown, upload, upload_page

PASSPHRASE = "tulip orbit candle seventeen"
LOG = b"member,date,symptom,severity\nQ1,2026-01-05,jerks,2\nQ1,2026-01-06,jerks,1\nQ2,2026-01-05,sleep,3\n"


@pytest.fixture
def saved_group(tmp_path):
    path = tmp_path / "our.omsgroup"
    gf.create(path, PASSPHRASE)
    gf.add(path, PASSPHRASE, [read("march.csv", LOG)])
    return path


def _fill(at, path, passphrase: str):
    at.text_input(key="group_file_path").input(str(path))
    at.text_input(key="group_file_passphrase").input(passphrase)
    return at


def _click(at, label: str):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_saved_group_opens_and_every_page_shows_it(saved_group):
    at = _click(_fill(upload_page(), saved_group, PASSPHRASE), "Open the group")
    assert any("Every page shows the group file our.omsgroup" in shown(s.value) for s in at.success)
    assert any("uploaded logs**: 2 members" in c.value for c in at.sidebar.caption)
    at.switch_page("oms_dash/ui/page_scripts/overview.py").run()
    assert not at.exception
    assert not any("Demo data" in w.value for w in at.warning)


def test_the_opened_groups_upload_history_counts_the_combined_readings(saved_group):
    same_day = b"member,date,symptom,severity\nQ1,2026-01-07,jerks,2\n"
    gf.add(saved_group, PASSPHRASE, [read("a.csv", same_day), read("b.csv", same_day)])
    at = _click(_fill(upload_page(), saved_group, PASSPHRASE), "Open the group")
    assert "Upload history (2 uploads)" in [e.label for e in at.expander]
    history = at.dataframe[-1].value
    assert history["Combined with another file's reading of the same day"].tolist() == [0, 1]
    assert history["New"].tolist() == [3, 1]


def test_a_wrong_passphrase_is_said_and_the_demo_stays(saved_group):
    at = _click(_fill(upload_page(), saved_group, "not it at all"), "Open the group")
    assert any("could not be opened with this passphrase" in shown(e.value) for e in at.error)
    assert any("demo group" in c.value for c in at.sidebar.caption)


def test_the_loaded_logs_are_added_and_counted(saved_group):
    april = b"member,date,symptom,severity\nQ1,2026-01-06,jerks,3\nQ1,2026-04-01,jerks,1\n"
    at = upload(("april.csv", april))
    at = _click(_fill(at, saved_group, PASSPHRASE), "Add the loaded logs to it")
    assert any("1 new observations, 0 already in the group (not added twice), 1 with another score"
               in shown(s.value) for s in at.success)
    conflicts = at.dataframe[-1].value
    assert conflicts[["the group's score", "the file's score", "kept"]].values.tolist() == [
        [1.0, 3.0, "group"]]
    assert gf.summary(saved_group, PASSPHRASE)["observations"] == 4


def test_today_is_marked_as_a_meeting(saved_group):
    _click(_fill(upload_page(), saved_group, PASSPHRASE), "Mark the day as a meeting")
    assert gf.summary(saved_group, PASSPHRASE)["meetings"] == [dt.date.today().isoformat()]


def test_a_meeting_held_before_is_marked_on_its_own_day_and_overview_counts_from_it(saved_group):
    at = _click(_fill(upload_page(), saved_group, PASSPHRASE), "Open the group")
    at.date_input(key="group_meeting_day").set_value(dt.date(2026, 1, 5))
    _click(_fill(at, saved_group, PASSPHRASE), "Mark the day as a meeting")
    assert any("meeting of 05 Jan 2026 is recorded" in shown(s.value) for s in at.success)
    assert gf.summary(saved_group, PASSPHRASE)["meetings"] == ["2026-01-05"]
    assert _since_heading(_overview(at)) == ["Since the last meeting (05 Jan 2026)"]


OVERVIEW = "oms_dash/ui/page_scripts/overview.py"


def _overview(at):
    at.switch_page(OVERVIEW).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _since_heading(at) -> list[str]:
    return [h.value for h in at.subheader if h.value.startswith("Since the last meeting")]


def test_overview_says_what_changed_since_the_groups_last_meeting(saved_group):
    gf.mark_meeting(saved_group, PASSPHRASE, dt.date(2026, 1, 5))
    at = _overview(_click(_fill(upload_page(), saved_group, PASSPHRASE), "Open the group"))
    assert _since_heading(at) == ["Since the last meeting (05 Jan 2026)"]
    said = shown(" ".join(m.value for m in at.markdown))
    assert "1 day logged by 1 of 2 members" in said
    assert "Logged since: Member A." in said
    at.sidebar.toggle[0].set_value(True).run()  # meeting mode: counts, never who
    said = shown(" ".join(m.value for m in at.markdown))
    assert "1 day logged by 1 of 2 members" in said and "Logged since" not in said


def test_marking_a_meeting_makes_the_section_appear(saved_group):
    at = _overview(_click(_fill(upload_page(), saved_group, PASSPHRASE), "Open the group"))
    assert _since_heading(at) == []
    at.switch_page("oms_dash/ui/page_scripts/upload.py").run()
    _click(_fill(at, saved_group, PASSPHRASE), "Mark the day as a meeting")
    at = _overview(at)
    assert _since_heading(at) == ["Since the last meeting"]
    assert any("first meeting marked" in i.value for i in at.info)


def test_the_meeting_report_says_what_changed_and_marks_today_as_a_meeting(saved_group):
    gf.mark_meeting(saved_group, PASSPHRASE, dt.date(2026, 1, 5))
    at = _click(_fill(upload_page(), saved_group, PASSPHRASE), "Open the group")
    at.switch_page("oms_dash/ui/page_scripts/report.py").run()
    assert not at.exception, [e.value for e in at.exception]
    said = shown(" ".join(m.value for m in at.markdown))
    assert "Since the last meeting (05 Jan 2026)" in said and "1 day logged by 1 of 2 members" in said
    assert "Is this report for today's meeting?" in said
    at.text_input(key="report_meeting_passphrase").input(PASSPHRASE)
    _click(at, "Mark today as a meeting")
    assert gf.summary(saved_group, PASSPHRASE)["meetings"] == ["2026-01-05", dt.date.today().isoformat()]
    assert any("Today is marked as a meeting" in s.value for s in at.success)
    said = shown(" ".join(m.value for m in at.markdown))
    assert "Since the last meeting (05 Jan 2026)" in said  # still since the meeting before today


def test_a_group_files_small_group_size_holds_while_it_is_shown(tmp_path):
    from oms_dash import privacy

    path = tmp_path / "strict.omsgroup"
    gf.create(path, PASSPHRASE, min_group_size=5)
    gf.add(path, PASSPHRASE, [read("march.csv", LOG)])
    try:
        at = _click(_fill(upload_page(), path, PASSPHRASE), "Open the group")
        assert any("fewer than 5 members are hidden" in shown(s.value) for s in at.success)
        assert privacy.min_group_size() == 5
    finally:
        privacy.set_min_group_size(privacy.DEFAULT_MIN_GROUP_SIZE)


def test_run_with_a_group_opens_it_in_a_new_session(saved_group, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OMS_DASH_GROUP_FILE", str(saved_group))
    monkeypatch.setenv("OMS_DASH_PASSPHRASE", PASSPHRASE)
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("uploaded logs**: 2 members" in c.value for c in at.sidebar.caption)


def test_run_with_a_group_and_a_wrong_passphrase_does_not_start(saved_group, monkeypatch, capsys):
    from oms_dash.cli import main

    monkeypatch.setenv("OMS_DASH_PASSPHRASE", "not it at all")
    assert main(["run", "--group", str(saved_group), "--no-browser"]) == 1
    assert "could not be opened with this passphrase" in capsys.readouterr().err


def test_a_new_group_file_is_made_only_with_the_same_passphrase_twice(tmp_path):
    path = tmp_path / "new.omsgroup"
    at = upload_page()
    assert any("nobody can open the group file again" in m.value for m in at.markdown)
    at.text_input(key="group_file_new_path").input(str(path))
    at.text_input(key="group_file_new_passphrase").input(PASSPHRASE)
    at.text_input(key="group_file_new_again").input(PASSPHRASE + "x")
    _click(at, "Make the group file")
    assert any("not the same" in e.value for e in at.error) and not path.exists()
    at.text_input(key="group_file_new_path").input(str(path))
    at.text_input(key="group_file_new_passphrase").input(PASSPHRASE)
    at.text_input(key="group_file_new_again").input(PASSPHRASE)
    _click(at, "Make the group file")
    assert gf.summary(path, PASSPHRASE)["observations"] == 0

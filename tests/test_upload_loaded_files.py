"""The Upload page keeps the loaded files, not the uploader's value: Streamlit empties a file uploader
when the user moves to another page, and the coordinator must still see each file's card on the way
back, fix its options, add more files and take one out."""

from __future__ import annotations

import builtins
import io
import os

from streamlit.testing.v1 import AppTest

from oms_dash.ui import cache, state
from oms_dash.ui.pages.upload import FILE_OPTIONS_KEY, file_key
from tests.conftest import UPLOAD, map_columns, shown, upload, upload_page

OVERVIEW = "oms_dash/ui/page_scripts/overview.py"
PRIVACY = "oms_dash/ui/page_scripts/privacy.py"
# One impossible date (row 5): a card with a rejected row, a messages table and a download.
FIRST = (b"member,date,symptom,severity\nQ1,2026-01-05,jerks,2\nQ1,2026-01-06,jerks,1\n"
         b"Q2,2026-01-05,sleep,3\nQ2,2026-02-30,sleep,1\n")
SECOND = b"member,date,symptom,severity\nQ3,2026-01-07,jerks,1\nQ3,2026-01-08,eyes,2\n"
AMBIGUOUS = b"member,date,symptom,severity\nF01,03/04/2026,jerks,2\nF01,04/05/2026,jerks,1\n"
EUROPEAN = b"member,date,symptom,severity\nF02,14/03/2026,jerks,2\nF02,02/03/2026,jerks,1\n"


def _away_and_back(at: AppTest, page: str = OVERVIEW) -> None:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(UPLOAD).run()
    assert not at.exception, [e.value for e in at.exception]


def _cards(at: AppTest) -> list[str]:
    return [shown(s.value) for s in at.subheader if s.value != "Templates"]


def _metrics(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def _sidebar_members(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.caption if "Showing" in c.value)


def test_cards_are_still_there_after_another_page():
    at = upload(("first.csv", FIRST), ("second.csv", SECOND))
    before = (_cards(at), _metrics(at, "Rows read"), _metrics(at, "Rejected"))
    _away_and_back(at)
    assert len(at.file_uploader[0].value or []) == 0  # the widget is empty, the cards are not
    assert (_cards(at), _metrics(at, "Rows read"), _metrics(at, "Rejected")) == before
    assert _metrics(at, "Accepted") == ["3", "2"]
    problems = at.dataframe[0].value
    assert "30 February 2026 does not exist" in " ".join(problems["what"])
    assert any(b.label == "Download the rows with problems (CSV)" for b in at.get("download_button"))
    assert any("Loaded 3 member(s) from 2 usable file(s) (first.csv, second.csv)" in shown(s.value)
               for s in at.success)


def test_an_option_changed_after_coming_back_reads_only_that_file_again(monkeypatch):
    reads = []
    real_read = cache.read_file

    def counted(name, data, options, progress=None):
        reads.append(name)
        return real_read(name, data, options, progress=progress)

    monkeypatch.setattr(cache, "read_file", counted)
    at = upload(("us.csv", AMBIGUOUS), ("eu.csv", EUROPEAN))
    assert sorted(reads) == ["eu.csv", "us.csv"]
    _away_and_back(at)
    assert len(reads) == 2  # coming back re-reads nothing
    us_order = f"opt_{file_key('us.csv', AMBIGUOUS)}_order"
    at.radio(key=us_order).set_value("Month first (03/14/2026)").run()
    assert not at.exception
    assert reads[2:] == ["us.csv"]
    spans = " ".join(m.value for m in at.markdown)
    assert "04 Mar 2026 to 05 Apr 2026" in spans  # us.csv, month-first now
    assert "02 Mar 2026 to 14 Mar 2026" in spans  # eu.csv as it was
    # The group every page shows is the one read with the new option.
    group = at.session_state[state.UPLOAD_KEY]
    assert str(group.observations["date"].min().date()) == "2026-03-02"
    assert group.observations.loc[group.observations["member"] == "F01", "date"].min().month == 3
    # And the choice is still there after another trip.
    _away_and_back(at, PRIVACY)
    assert at.radio(key=us_order).value == "Month first (03/14/2026)"
    assert len(reads) == 3


def test_the_column_mapping_works_on_a_file_the_uploader_no_longer_holds():
    odd = b"Kid,Logged on,Sign noticed,Rated\nQ1,2026-01-05,jerks,2\nQ1,2026-01-06,sleep,1\n"
    at = upload(("odd.csv", odd))
    _away_and_back(at)
    assert any("Tell oms_dash which column is which" in m.value for m in at.markdown)
    fk = file_key("odd.csv", odd)
    map_columns(at, fk, member="Kid", date="Logged on", symptom="Sign noticed", severity="Rated")
    assert not at.exception
    assert _metrics(at, "Accepted") == ["2"]
    assert "1 members" in _sidebar_members(at)


def test_files_uploaded_later_join_the_loaded_ones_and_the_page_says_so():
    at = upload(("first.csv", FIRST))
    _away_and_back(at)
    upload(("second.csv", SECOND), at=at)
    assert len(_cards(at)) == 2
    assert any("Added second.csv; the group is now read from 2 file(s)" in shown(i.value) for i in at.info)
    assert any("Loaded 3 member(s) from 2 usable file(s)" in s.value for s in at.success)
    assert "3 members" in _sidebar_members(at)
    upload(("first.csv", FIRST), at=at)
    assert len(_cards(at)) == 2
    assert any("Already loaded, not added twice: first.csv" in shown(i.value) for i in at.info)


def test_removing_one_file_updates_the_group_and_the_banner():
    at = upload(("first.csv", FIRST), ("second.csv", SECOND))
    fk = file_key("second.csv", SECOND)
    _away_and_back(at)
    at.button(key=f"remove_{fk}").click().run()
    assert not at.exception
    assert [c for c in _cards(at) if "second.csv" in c] == []
    assert [shown(s.value) for s in at.success] == [
        "Loaded 2 member(s) from 1 usable file(s) (first.csv). Every page now shows these logs."]
    assert any("Removed second.csv. 1 file(s) are still loaded" in shown(i.value) for i in at.info)
    assert "2 members" in _sidebar_members(at)
    assert sorted(at.session_state[state.UPLOAD_KEY].members) == ["Q1", "Q2"]
    # Gone from memory too: no parse and no options of it are kept.
    assert all(key[0] != "second.csv" for key in at.session_state[cache.PARSED_KEY])
    assert fk not in at.session_state[FILE_OPTIONS_KEY]
    assert not [k for k in at.session_state if k.startswith((f"opt_{fk}", f"map_{fk}"))]
    # Nor any table or figure made from the group it was part of (Overview made some).
    assert "'Q3'" not in repr(at.session_state.get(cache.SCOPED_KEY))
    assert cache.FIGURES_KEY not in at.session_state
    # The other pages show the smaller group.
    at.switch_page(OVERVIEW).run()
    assert "2 members" in _sidebar_members(at)


def test_removing_the_last_file_goes_back_to_the_demo_group():
    at = upload(("first.csv", FIRST))
    at.button(key=f"remove_{file_key('first.csv', FIRST)}").click().run()
    assert not at.exception
    assert _cards(at) == []
    assert state.UPLOAD_KEY not in at.session_state
    assert cache.PARSED_KEY not in at.session_state
    assert any("No file is loaded now" in shown(i.value) for i in at.info)
    assert any("Demo data" in w.value for w in at.warning)


def test_when_only_unusable_files_are_left_the_other_pages_show_the_demo_group():
    picture = b"\x89PNG\r\n\x1a\n" + bytes(200)
    at = upload(("first.csv", FIRST), ("photo.csv", picture))
    assert "2 members" in _sidebar_members(at)
    at.button(key=f"remove_{file_key('first.csv', FIRST)}").click().run()
    assert not at.exception
    assert len(_cards(at)) == 1 and "photo.csv" in _cards(at)[0]  # its card still says why
    assert state.UPLOAD_KEY not in at.session_state
    assert any("None of the loaded files can be used yet" in e.value for e in at.error)
    assert any("demo group" in c.value for c in at.sidebar.caption)


def test_forget_on_the_privacy_page_forgets_the_loaded_files_too():
    at = upload(("first.csv", FIRST))
    at.switch_page(PRIVACY).run()
    at.button(key="privacy_forget_uploaded_data").click().run()
    at.switch_page(UPLOAD).run()
    assert not at.exception
    assert _cards(at) == []
    assert not at.session_state[state.LOADED_FILES_KEY].files  # the bytes went with the group
    assert state.UPLOAD_KEY not in at.session_state
    assert any("No logs uploaded yet" in i.value for i in at.info)


def test_nothing_is_written_to_disk(monkeypatch):
    written = []
    real_open, real_os_open = builtins.open, os.open

    def watched_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            written.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    def watched_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            written.append(str(path))
        return real_os_open(path, flags, *args, **kwargs)

    at = upload_page()
    monkeypatch.setattr(builtins, "open", watched_open)
    monkeypatch.setattr(io, "open", watched_open)
    monkeypatch.setattr(os, "open", watched_os_open)
    upload(("us.csv", AMBIGUOUS), ("first.csv", FIRST), at=at)
    _away_and_back(at)
    at.radio(key=f"opt_{file_key('us.csv', AMBIGUOUS)}_order").set_value("Day first (14/03/2026)").run()
    at.button(key=f"remove_{file_key('first.csv', FIRST)}").click().run()
    assert not at.exception
    assert _metrics(at, "Accepted") == ["2"]  # the flow ran
    assert written == []

"""A browser refresh or a second tab is a new Streamlit session: it finds the upload again through
the token in the URL, and only through it; Forget clears what the server kept."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from oms_dash.ui import state
from oms_dash.ui.pages import privacy as privacy_page
from tests.conftest import DASHBOARD, shown, upload

MARKER = "RF4419"
LOG = (f"member,date,symptom,severity\n{MARKER},2026-01-05,jerks,2\n{MARKER},2026-01-06,sleep,1\n"
       "RF2,2026-01-05,jerks,3\nRF3,2026-01-05,jerks,1\n").encode()


def _reopened(token: str | None) -> AppTest:
    """A new session on the same server (a refresh), arriving with ``token`` in its URL."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    if token is not None:
        at.query_params[state.SESSION_PARAM] = token
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _token(at: AppTest) -> str:
    value = at.query_params[state.SESSION_PARAM]
    return value if isinstance(value, str) else value[0]


def _demo_shown(at: AppTest) -> bool:
    return any("Demo data" in w.value for w in at.warning)


def test_a_refresh_keeps_the_uploaded_group_and_its_files():
    at = upload(("diary.csv", LOG))
    token = _token(at)
    assert len(token) >= 24  # unguessable
    again = _reopened(token)
    assert not _demo_shown(again)
    assert any("3 members" in c.value for c in again.sidebar.caption)
    again.switch_page("oms_dash/ui/page_scripts/upload.py").run()
    assert not again.exception, [e.value for e in again.exception]
    assert any("diary.csv" in shown(h.value) for h in again.subheader)  # the file's card is back


def test_a_new_session_without_the_token_or_with_a_made_up_one_sees_the_demo():
    upload(("diary.csv", LOG))
    assert _demo_shown(_reopened(None))
    guessed = _reopened("not-a-real-token")
    assert _demo_shown(guessed)
    assert _token(guessed) != "not-a-real-token"


def test_filters_and_meeting_mode_are_kept_over_a_refresh():
    at = upload(("diary.csv", LOG))
    at.switch_page("oms_dash/ui/page_scripts/overview.py").run()
    at.sidebar.multiselect(key="flt_members").set_value([MARKER, "RF2"]).run()
    at.sidebar.toggle(key=state.MEETING_KEY).set_value(True).run()
    again = _reopened(_token(at))
    assert again.session_state[state.MEETING_KEY] is True
    assert any("2 of 3 members" in m.value for m in again.markdown)


def test_forget_clears_what_the_server_kept():
    at = upload(("diary.csv", LOG))
    token = _token(at)
    at.switch_page("oms_dash/ui/page_scripts/privacy.py").run()
    at.button(key=privacy_page.FORGET_BUTTON_KEY).click().run()
    assert not at.exception, [e.value for e in at.exception]
    again = _reopened(token)
    assert _demo_shown(again)
    assert MARKER not in repr(again.session_state)

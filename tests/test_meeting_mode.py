"""Meeting mode on a 1280x720 projector: the sidebar gives its width to the charts, pages move to a
menu at the top (checked in tests/browser), and there is always a way back out of meeting mode."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from oms_dash.ui import app, state
from tests.conftest import DASHBOARD


def _meeting_app() -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    return at.toggle(key=state.MEETING_KEY).set_value(True).run()


def test_meeting_mode_hides_the_sidebar_and_moves_pages_to_the_top():
    at = _meeting_app()
    assert not at.exception
    assert 'data-testid="stSidebar"' in app.MEETING_CSS and "display: none" in app.MEETING_CSS
    assert any(app.MEETING_CSS in h.proto.body for h in at.get("html"))
    assert [b for b in at.button if b.key == "leave_meeting"]  # the toggle is hidden with the sidebar


def test_leave_meeting_mode_from_the_page_itself():
    at = _meeting_app()
    at.button(key="leave_meeting").click().run()
    assert not at.exception
    assert at.toggle(key=state.MEETING_KEY).value is False
    assert not any(app.MEETING_CSS in h.proto.body for h in at.get("html"))
    assert not [b for b in at.button if b.key == "leave_meeting"]

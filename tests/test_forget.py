"""Forget uploaded data: nothing of the upload stays in the session, whichever page it is pressed on."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from oms_dash.ui.pages import privacy as privacy_page
from tests.conftest import UPLOAD, upload, upload_page

PRIVACY = "oms_dash/ui/page_scripts/privacy.py"
MARKER = "QZ7731"  # a member code found nowhere else
LOG = (f"member,date,symptom,severity\n{MARKER},2026-01-05,jerks,2\n{MARKER},2026-01-06,sleep,1\n"
       "QZ2,2026-01-05,jerks,3\n").encode()


def _everything_in(at: AppTest) -> str:
    return repr(at.session_state)  # every key and value, widgets' included


def _uploaded() -> AppTest:
    at = upload(("diary.csv", LOG))
    # Visit a group page so its filters and choices (which name members) are in the session too.
    at.switch_page("oms_dash/ui/page_scripts/member.py").run()
    at.selectbox(key="member_view_member").set_value(MARKER).run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("oms_dash/ui/page_scripts/overview.py").run()
    assert MARKER in _everything_in(at)  # the page remembers its choice for the way back
    return at


@pytest.mark.parametrize("where", ["upload", "privacy"])
def test_forget_leaves_nothing_of_the_upload_in_the_session(where):
    at = _uploaded()
    at.sidebar.toggle(key="meeting_mode").set_value(False).run()
    if where == "upload":
        at.switch_page(UPLOAD).run()
        at.button(key="forget_on_upload").click().run()
    else:
        at.switch_page(PRIVACY).run()
        at.button(key=privacy_page.FORGET_BUTTON_KEY).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert MARKER not in _everything_in(at)
    assert MARKER.lower() not in _everything_in(at).lower()
    # The dashboard is back on the demo group, and still works on every group page.
    assert any("Demo data" in w.value for w in at.warning)
    for script in ("overview", "compare", "member"):
        at.switch_page(f"oms_dash/ui/page_scripts/{script}.py").run()
        assert not at.exception, (script, [e.value for e in at.exception])


def test_privacy_page_knows_unusable_files_are_in_memory_and_forgets_them():
    at = upload_page()
    picture = b"\x89PNG\r\n\x1a\n" + MARKER.encode() + bytes(200)
    at.file_uploader[0].set_value(("photo.csv", picture, "text/csv")).run()
    at.switch_page(PRIVACY).run()
    assert not at.exception, [e.value for e in at.exception]
    said = " ".join(m.value for m in at.markdown)
    assert "none of them could be used" in said
    at.button(key=privacy_page.FORGET_BUTTON_KEY).click().run()
    assert MARKER not in _everything_in(at)
    assert "No uploaded logs are in memory" in " ".join(m.value for m in at.markdown)

"""The Streamlit app: navigation, shared sidebar, demo banner. Run via dashboard.py or `oms-dash run`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from oms_dash.ui import group_panel, state
from oms_dash.ui.registry import PAGES

ICON = str(Path(__file__).parent / "icon.png")
# Meeting mode: larger page type for a projector, and the sidebar hidden so the charts get the
# width of a 1280x720 screen (pages move to a menu at the top; "Leave meeting mode" sits in the
# page). Captions at full opacity: Streamlit's 0.6 greys them to about 4.2:1 on white, under WCAG AA's
# 4.5:1. A constant of ours, never user data.
MEETING_CSS = """<style>
html { font-size: 120%; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] { display: none; }
[data-testid="stMetricValue"] { font-size: 1.8rem; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 4.5rem 2rem 2rem; }
[data-testid="stCaptionContainer"] { color: #1B2631; opacity: 1; }
</style>"""


def _sidebar(group) -> None:
    with st.sidebar:
        st.toggle("Meeting mode", key=state.MEETING_KEY,
                  help="Large type, high contrast, anonymous labels, controls tucked away: "
                       "for a projector or a screenshot.")
        if group.is_demo:
            st.caption("Showing the **demo group** (invented people).")
        else:
            st.caption(f"Showing **your uploaded logs**: {len(group.members)} members.")


def _leave_meeting_mode() -> None:
    st.session_state[state.MEETING_KEY] = False


def _meeting_bar() -> None:
    """The way out of meeting mode while the sidebar (and its toggle) is hidden."""
    # No help tooltip: it opened under the pointer that had just switched meeting mode on, over
    # the page menu at the top.
    st.button("Leave meeting mode", key="leave_meeting", on_click=_leave_meeting_mode, type="tertiary",
              icon=":material/close_fullscreen:")


def main() -> None:
    # A local favicon: a material-symbol one would be fetched from Google's font servers.
    st.set_page_config(page_title="oms_dash", page_icon=ICON, layout="wide")
    state.attach_session()
    group_panel.open_on_start()
    try:
        _run_page()
    finally:  # also when a page reruns or stops the script: what it changed is kept on the server
        state.save_session()


def _run_page() -> None:
    group = state.current_group()
    meeting = state.meeting_mode()
    sections: dict[str, list] = {}
    for i, spec in enumerate(PAGES):
        if meeting and not spec.in_meeting:
            continue  # pages that show file names, codes or notes are not on a projector
        page = st.Page(spec.script, title=spec.title, icon=spec.icon,
                       url_path=spec.url_path, default=(i == 0))
        sections.setdefault(spec.section, []).append(page)
    current = st.navigation(sections, position="top" if meeting else "sidebar")
    _sidebar(group)
    if meeting:
        st.html(MEETING_CSS)
        _meeting_bar()
    if group.is_demo and meeting:  # one line: the projector's height is for the charts
        st.warning("**Demo data: not real people.**", icon=":material/science:")
    elif group.is_demo:
        st.warning("**Demo data: not real people.** These logs are invented to show what the "
                   "dashboard does. Upload your group's logs on the [Upload logs](./upload) page.",
                   icon=":material/science:")
    current.run()

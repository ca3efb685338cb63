"""Session state in one place: which group every page shows, and the meeting-mode switch.

An upload, once parsed, is the group every page shows until the user forgets it; otherwise the
bundled demo group is shown (with its banner).
"""

from __future__ import annotations

import streamlit as st

from oms_dash.model import GroupData

UPLOAD_KEY = "uploaded_group"
MEETING_KEY = "meeting_mode"
UPLOADER_GENERATION = "uploader_generation"
LOADED_FILES_KEY = "upload_loaded_files"  # the uploaded files (names and bytes, memory only)


@st.cache_resource(show_spinner="Loading the demo group…")
def _demo_group() -> GroupData:
    from oms_dash.demo import demo_group

    return demo_group()


def current_group() -> GroupData:
    group = st.session_state.get(UPLOAD_KEY)
    return group if group is not None else _demo_group()


def set_uploaded_group(group: GroupData) -> None:
    st.session_state[UPLOAD_KEY] = group


# What survives "Forget uploaded data": settings that hold nothing of anybody's logs.
_KEPT_ON_FORGET = frozenset({MEETING_KEY, UPLOADER_GENERATION})


def forget_uploaded_group() -> None:
    """Clears the upload and every cache that could hold it: nothing of it stays in memory.

    Every session key goes but the few in _KEPT_ON_FORGET: per-file options (typed member codes,
    mapped column names), filters naming members and page choices are all about the upload.
    """
    generation = st.session_state.get(UPLOADER_GENERATION, 0)
    for key in list(st.session_state.keys()):
        if key not in _KEPT_ON_FORGET:
            del st.session_state[key]
    # (The parses, daily tables and figures of ui.cache live in the session too: gone with it.)
    # A new key gives an empty uploader: otherwise the files it still holds would be read again.
    st.session_state[UPLOADER_GENERATION] = generation + 1
    st.cache_data.clear()


def holds_uploaded_files() -> bool:
    """Whether anything uploaded is in memory: a group, or files (even ones that could not be used)."""
    loaded = st.session_state.get(LOADED_FILES_KEY)
    return st.session_state.get(UPLOAD_KEY) is not None or bool(getattr(loaded, "files", None))


def uploader_key() -> str:
    return f"uploader_{st.session_state.get(UPLOADER_GENERATION, 0)}"


def meeting_mode() -> bool:
    return bool(st.session_state.get(MEETING_KEY, False))

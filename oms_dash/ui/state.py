"""Session state in one place: which group every page shows, and the meeting-mode switch.

An upload, once parsed, is the group every page shows until the user forgets it; otherwise the
bundled demo group is shown (with its banner).

A browser refresh or a second tab starts a new Streamlit session, which would start from the demo
group again. So what a session holds of the upload (files, per-file fixes, parses, filters) is also
kept on the server, in this process's memory only, under an unguessable token carried in the page's
URL (``?session=…``): a session that arrives with a known token takes it back. Nothing is written
to disk; "Forget uploaded data" and stopping the server clear it.
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
import threading
from collections import OrderedDict

import streamlit as st

from oms_dash.model import GroupData
from oms_dash.ui import cache

UPLOAD_KEY = "uploaded_group"
MEETING_KEY = "meeting_mode"
UPLOADER_GENERATION = "uploader_generation"
LOADED_FILES_KEY = "upload_loaded_files"  # the uploaded files (names and bytes, memory only)
SESSION_PARAM = "session"  # the URL's query parameter holding the token
_TOKEN_KEY = "_server_session_token"
# Keys that hold values (not widgets: Streamlit refuses to set some widgets' state) kept on the
# server; modules add their own with ``kept_on_server``. The filters' and page choices' kept values
# all start with "_kept_".
_SERVER_KEYS: set[str] = {UPLOAD_KEY, LOADED_FILES_KEY, UPLOADER_GENERATION, MEETING_KEY, *cache.SESSION_KEYS}
_SERVER_PREFIXES = ("_kept_",)
# Sessions kept, the most recently used last: a coordinator's tabs, not every session the process
# ever served (each can hold a whole group in memory).
MAX_SERVER_SESSIONS = 8
_SESSIONS: OrderedDict[str, dict] = OrderedDict()
_SESSIONS_LOCK = threading.Lock()  # each browser session runs its script in a thread of its own


def kept_on_server(key: str) -> str:
    """Registers a session-state key whose value survives a refresh (see the module docstring)."""
    _SERVER_KEYS.add(key)
    return key


def _detached(value):
    """A copy of a kept value's containers, so two tabs of one token never mutate one dict at once
    (the data inside, such as parsed tables, is shared: it is never changed in place)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and not isinstance(value, GroupData):
        return dataclasses.replace(value, **{f.name: copy.copy(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, dict | list | set):
        return copy.copy(value)
    return value


def attach_session() -> str:
    """This session's server token: taken from the URL (restoring what the server kept under it)
    or made new; written back to the URL on every run, because moving between pages clears it."""
    ss = st.session_state
    token = ss.get(_TOKEN_KEY)
    if token is None:
        asked = st.query_params.get(SESSION_PARAM)
        with _SESSIONS_LOCK:
            kept = _SESSIONS.get(asked) if asked else None
            if kept is not None:
                token = asked
                _SESSIONS.move_to_end(token)
                for key, value in kept.items():
                    ss[key] = _detached(value)
        if token is None:
            token = secrets.token_urlsafe(24)
        ss[_TOKEN_KEY] = token
    if st.query_params.get(SESSION_PARAM) != token:
        st.query_params[SESSION_PARAM] = token
    return token


def save_session() -> None:
    """Keeps this session's upload-related values under its token (references, not copies: cheap)."""
    ss = st.session_state
    token = ss.get(_TOKEN_KEY)
    if token is None:
        return
    kept = {key: ss[key] for key in list(ss.keys())
            if key in _SERVER_KEYS or str(key).startswith(_SERVER_PREFIXES)}
    with _SESSIONS_LOCK:
        _SESSIONS[token] = kept
        _SESSIONS.move_to_end(token)
        while len(_SESSIONS) > MAX_SERVER_SESSIONS:
            _SESSIONS.popitem(last=False)


def _drop_server_session() -> None:
    token = st.session_state.get(_TOKEN_KEY)
    with _SESSIONS_LOCK:
        _SESSIONS.pop(token, None)


def current_group() -> GroupData:
    group = st.session_state.get(UPLOAD_KEY)
    return group if group is not None else cache.demo_group()


def set_uploaded_group(group: GroupData) -> None:
    st.session_state[UPLOAD_KEY] = group


# What survives "Forget uploaded data": settings that hold nothing of anybody's logs.
_KEPT_ON_FORGET = frozenset({MEETING_KEY, UPLOADER_GENERATION, _TOKEN_KEY})


def forget_uploaded_group() -> None:
    """Clears the upload and every cache that could hold it: nothing of it stays in memory.

    Every session key goes but the few in _KEPT_ON_FORGET: per-file options (typed member codes,
    mapped column names), filters naming members and page choices are all about the upload.
    """
    generation = st.session_state.get(UPLOADER_GENERATION, 0)
    _drop_server_session()
    for key in list(st.session_state.keys()):
        if key not in _KEPT_ON_FORGET:
            del st.session_state[key]
    # (The parses, daily tables and figures of ui.cache live in the session too: gone with it.)
    # A new key gives an empty uploader: otherwise the files it still holds would be read again.
    st.session_state[UPLOADER_GENERATION] = generation + 1
    cache.forget_analyses()


def holds_uploaded_files() -> bool:
    """Whether anything uploaded is in memory: a group, or files (even ones that could not be used)."""
    loaded = st.session_state.get(LOADED_FILES_KEY)
    return st.session_state.get(UPLOAD_KEY) is not None or bool(getattr(loaded, "files", None))


def uploader_key() -> str:
    return f"uploader_{st.session_state.get(UPLOADER_GENERATION, 0)}"


def meeting_mode() -> bool:
    return bool(st.session_state.get(MEETING_KEY, False))

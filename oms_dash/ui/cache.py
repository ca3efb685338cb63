"""The parse of an uploaded file, kept by file content: moving between pages or changing a filter
never re-reads a file.

Kept in this session's memory (not st.cache_data), so a first read can report its progress to a
bar on the page, and "Forget uploaded data" drops it with the rest of the session's upload.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable

import streamlit as st

from oms_dash.ingest import FileResult, ReadOptions, read_file

PARSED_KEY = "parsed_files"
MAX_FILES = 32


def parse_file(name: str, data: bytes, options: ReadOptions,
               progress: Callable[[float, str], None] | None = None) -> FileResult:
    parsed: OrderedDict = st.session_state.setdefault(PARSED_KEY, OrderedDict())
    key = (name, hashlib.sha256(data).hexdigest(), options)
    if key in parsed:
        parsed.move_to_end(key)
        return parsed[key]
    result = read_file(name, data, options, progress=progress)
    parsed[key] = result
    while len(parsed) > MAX_FILES:
        parsed.popitem(last=False)
    return result


def forget_parsed() -> None:
    st.session_state.pop(PARSED_KEY, None)

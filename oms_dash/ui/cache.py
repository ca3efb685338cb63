"""The one module holding Streamlit caches: the parse is cached by file content, nothing else.

Moving between pages or changing a filter never re-reads a file. Caches live in memory only and
are cleared by "Forget uploaded data".
"""

from __future__ import annotations

import streamlit as st

from oms_dash.ingest import FileResult, ReadOptions, read_file


@st.cache_data(max_entries=32, show_spinner=False)
def parse_file(name: str, data: bytes, options: ReadOptions) -> FileResult:
    return read_file(name, data, options)

"""All of the dashboard's caching, in one place.

Kept in this session's memory (and on the server with the rest of the session, see state.py):

- the parse of an uploaded file, kept by file content: moving between pages or changing a filter
  never re-reads a file (not st.cache_data, so a first read can report its progress to a bar);
- the daily scores left by a filter (one score per member, day and item), made once per group and
  filter and shared by every analysis a page runs on them, instead of filtering a million rows
  and averaging same-day scores again for each chart;
- the figures a page draws, kept per input, so a rerun with nothing changed rebuilds no figure
  (not st.cache_data, which would copy each figure through pickle on every rerun).

Kept by Streamlit for the process:

- the pages' analyses (``analysis_result``, in st.cache_data): on a 1M-row log a page's analyses
  take about a second; they are keyed by a token per observations table (``filters.group_token``;
  not a hash of a sample of it: a re-upload with one row fixed must not be served the old results)
  and by the filters and parameters;
- the demo group (``demo_group``, in st.cache_resource): read once, shared by every session.

All are bounded; "Forget uploaded data" clears the whole session with them and the analyses
(``forget_analyses``, from state.py), and removing one file drops its parses (``forget_file``) and
everything made from the group (``forget_derived``).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from oms_dash import analysis
from oms_dash.ingest import FileResult, ReadOptions, read_file
from oms_dash.model import GroupData

PARSED_KEY = "parsed_files"
PARSED_BYTES_KEY = PARSED_KEY + "_bytes"
# Parses are kept up to this much input (a parse takes a few times its file's size in memory): a
# group of a hundred families' diaries stays parsed; only giant files push older parses out.
MAX_PARSED_BYTES = 300_000_000
SCOPED_KEY = "scoped_daily_scores"
MAX_SCOPES = 6  # the whole group and a few recent filters: enough to move back and forth
T = TypeVar("T")
FIGURES_KEY = "page_figures"
MAX_FIGURES = 24
# The session keys above, which state.py keeps on the server with the rest of the session.
SESSION_KEYS = (PARSED_KEY, PARSED_BYTES_KEY, SCOPED_KEY, FIGURES_KEY)


def parse_file(file_key: str, name: str, data: bytes, options: ReadOptions,
               progress: Callable[[float, str], None] | None = None) -> FileResult:
    """The parse of one loaded file; `file_key` names its content (worked out once, when the file
    was added: hashing every loaded file again on every rerun would cost more than the lookup)."""
    parsed: OrderedDict = st.session_state.setdefault(PARSED_KEY, OrderedDict())
    key = (name, file_key, options)
    if key in parsed:
        parsed.move_to_end(key)
        return parsed[key]
    result = read_file(name, data, options, progress=progress)
    parsed[key] = result
    sizes = st.session_state.setdefault(PARSED_BYTES_KEY, {})
    sizes[key] = len(data)
    while len(parsed) > 1 and sum(sizes.get(k, 0) for k in parsed) > MAX_PARSED_BYTES:
        oldest, _ = parsed.popitem(last=False)
        sizes.pop(oldest, None)
    return result


def scoped_daily(group: GroupData, token: str, scope: tuple) -> pd.DataFrame:
    """The group's daily scores within ``scope`` (start, end, members, items; empty = all), made
    once per (group, scope): the group's daily table once, then each filter a subset of it.
    ``token`` names the group's observations table (``filters.group_token``)."""
    tables: OrderedDict = st.session_state.setdefault(SCOPED_KEY, OrderedDict())
    key = (token, scope)
    if key not in tables:
        whole = (token, None)
        if whole not in tables:
            tables[whole] = analysis.daily_scores(group.observations)
        if scope is not None:
            start, end, members, items = scope
            tables[key] = analysis.daily_scores(analysis.filter_observations(
                tables[whole], members or None, items or None, start, end))
        tables.move_to_end(whole)  # the base of every filter's table: the last to be dropped
    tables.move_to_end(key)
    while len(tables) > MAX_SCOPES:
        tables.popitem(last=False)
    return tables[key]


@st.cache_data(max_entries=256, show_spinner=False)
def analysis_result(token: str, name: str, scope: tuple | None, params: tuple, _group: GroupData,
                    _fn: Callable):
    """``_fn`` on the group (``scope`` None) or on its daily scores within ``scope``; ``name`` names
    ``_fn`` for the key, as Streamlit does not hash the underscored arguments (see the module
    docstring; ``filters.cached`` is how the pages call it)."""
    if scope is None:
        return _fn(_group, **dict(params))
    return _fn(scoped_daily(_group, token, scope), _group, **dict(params))


@st.cache_resource(show_spinner="Loading the demo group…")
def demo_group() -> GroupData:
    """The bundled demo group (oms_dash.demo reads it once per process); here for the spinner the
    first session shows while it is read."""
    from oms_dash.demo import demo_group

    return demo_group()


def remember(key: tuple, make: Callable[[], T]) -> T:
    """``make()``, kept under ``key`` (which must name every input) for this session; the same
    object is returned on a later run, not a copy."""
    kept: OrderedDict = st.session_state.setdefault(FIGURES_KEY, OrderedDict())
    if key not in kept:
        kept[key] = make()
    kept.move_to_end(key)
    while len(kept) > MAX_FIGURES:
        kept.popitem(last=False)
    return kept[key]


def forget_derived() -> None:
    """Drops every table and figure made from the group (not the parses of its files), for when the
    group changes without being forgotten, e.g. one of its files is removed."""
    st.session_state.pop(SCOPED_KEY, None)
    st.session_state.pop(FIGURES_KEY, None)
    forget_analyses()


def forget_analyses() -> None:
    """Drops every page's analyses (of every group this process has seen: st.cache_data cannot
    drop one group's alone)."""
    st.cache_data.clear()


def forget_file(file_key: str) -> None:
    """Drops the parses of one file (under every reading option)."""
    parsed = st.session_state.get(PARSED_KEY, {})
    sizes = st.session_state.get(PARSED_BYTES_KEY, {})
    for key in [k for k in parsed if k[1] == file_key]:
        del parsed[key]
        sizes.pop(key, None)

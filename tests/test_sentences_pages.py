"""Words before pictures on the pages (AppTest): every chart has its sentence above it, on screen and
in meeting mode, with the chart's own numbers and never a member's code."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from oms_dash.ui.pages import member
from tests.test_charts import CODES
from tests.test_pattern_pages import open_app, open_view, page, specs, uploaded

# A phrase of each chart's sentence, whatever the numbers.
OVERVIEW = ("the group's median", "days of logs, ", "a typical member's week had")
COMPARE = {"Cohort curves": "one line per member", "Heatmap": "weekly mean in their last week",
           "Profiles": "group mean", "Before / after": "weeks before",
           "Relapses": "The rule marked", "Co-occurrence": "rose and fell together"}


def _unescaped(text: str) -> str:
    """A Markdown string as the reader sees it (the pages escape every sentence with ``plain``)."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


def _said(at) -> list[str]:
    return [_unescaped(m.value) for m in at.markdown]


def _values(data) -> np.ndarray:
    """A trace's numbers as the browser gets them: a list, or plotly's base64 typed array."""
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).astype("float64")
    return np.array([np.nan if v is None else v for v in data], dtype="float64")


def _no_code(words: list[str]) -> None:
    for line in words:
        assert not any(code in line for code in CODES), line


@pytest.mark.parametrize("meeting", [False, True], ids=["screen", "meeting"])
def test_the_overview_says_each_chart_in_a_sentence_with_the_charts_own_numbers(meeting):
    at = open_app(uploaded(), meeting=meeting)
    at.switch_page(page("overview")).run()
    assert not at.exception, [e.value for e in at.exception]
    words = _said(at)
    for phrase in OVERVIEW:
        assert any(phrase in line for line in words), (phrase, words)
    _no_code(words)
    course = next(line for line in words if "the group's median" in line)
    median = next(t for t in specs(at)[0]["data"] if t.get("name") == "Group median")
    drawn = [y for y in _values(median["y"]) if not np.isnan(y)]
    assert f"from {drawn[0]:.1f} to {drawn[-1]:.1f}" in course or f"was {drawn[0]:.1f}" in course


@pytest.mark.parametrize("meeting", [False, True], ids=["screen", "meeting"])
def test_every_compare_tab_says_its_chart_in_a_sentence(meeting):
    at = open_app(uploaded(), meeting=meeting)
    at.switch_page(page("compare")).run()
    seen = {}
    for view in COMPARE:
        open_view(at, view)
        assert not at.exception, (view, [e.value for e in at.exception])
        seen[view] = _said(at)
    for view, phrase in COMPARE.items():
        assert any(phrase in line for line in seen[view]), (view, seen[view])
        _no_code(seen[view])


def test_the_relapse_presets_say_weekly_diaries_are_found_less_reliably():
    at = open_app(uploaded())
    at.switch_page(page("compare")).run()
    open_view(at, "Relapses")
    captions = " ".join(_unescaped(c.value) for c in at.caption)
    assert re.search(r"Weekly Mitchell-Pike diaries are found less reliably: .* \d+–\d+% of one-step rises",
                     captions)


def test_the_member_view_sentence_names_the_member_by_label_in_meeting_mode():
    at = open_app(uploaded(), meeting=True)
    at.switch_page(page("member")).run()
    assert not at.exception, [e.value for e in at.exception]
    words = _said(at)
    line = next(w for w in words if " has a score on " in w)
    assert line.startswith("Member A has a score on")
    _no_code(words)


def test_the_member_view_sentence_shows_the_code_only_when_the_coordinator_reveals_it():
    at = open_app(uploaded())
    at.switch_page(page("member")).run()
    at.toggle(key=member.REVEAL_KEY).set_value(True).run()
    line = next(w for w in _said(at) if " has a score on " in w)
    assert line.startswith(tuple(CODES))


@pytest.mark.parametrize("meeting", [False, True], ids=["screen", "meeting"])
def test_the_meeting_report_page_says_each_chart_in_a_sentence(meeting):
    at = open_app(uploaded(), meeting=meeting)
    at.switch_page(page("report")).run()
    assert not at.exception, [e.value for e in at.exception]
    words = _said(at)
    for phrase in ("the group's median", "weekly mean in their last week", "One panel per member",
                   "The rule marked"):
        assert any(phrase in line for line in words), (phrase, words)
    _no_code(words)

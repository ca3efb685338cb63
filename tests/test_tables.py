"""Tables under the charts read as words: headings in words, dates as dates, and an empty cell that
says why it is empty (never "None", "nan", "NaT" or a time of day), on every page."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from oms_dash.privacy import min_group_size
from oms_dash.tables import hidden_word, readable_heading, readable_table
from oms_dash.ui.pages.compare import VIEWS
from tests.conftest import DASHBOARD, open_tables, upload

# What a coordinator should never read in a table: a programmer's name, an empty value's repr, a time.
RAW = re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b|\bq(25|75)\b|\bNone\b|\bnan\b|\bNaT\b|<NA>|00:00:00",
                 re.IGNORECASE)
NOT_RAW_WORDS = {"none"}  # "none" is a severity level ("none, mild, moderate, severe"), not a None
PAGE = "oms_dash/ui/page_scripts/{}.py"


def _raw(text: str) -> list[str]:
    return [m.group(0) for m in RAW.finditer(text) if m.group(0) not in NOT_RAW_WORDS]


def _tables_on_every_group_page(at) -> list:
    """Every table of Overview, each Compare patterns tab and Member view, each opened."""
    frames = list(open_tables(at.switch_page(PAGE.format("overview")).run()).dataframe)
    for view in VIEWS:
        at.session_state["_kept_pg_compare_view"] = view
        open_tables(at.switch_page(PAGE.format("compare")).run())
        assert not at.exception, (view, [e.stack_trace for e in at.exception])
        frames += list(at.dataframe)
    open_tables(at.switch_page(PAGE.format("member")).run())
    assert not at.exception, [e.stack_trace for e in at.exception]
    return frames + list(at.dataframe)


def _unreadable(frame) -> list[tuple]:
    """(heading, cell) of every heading or cell a person would not read as words."""
    table, placeholder = frame.value, frame.proto.placeholder
    found = [(c, None) for c in table.columns if _raw(str(c))]
    for column in table.columns:
        for cell in table[column]:
            if pd.api.types.is_scalar(cell) and pd.isna(cell):
                if not placeholder and "(blank:" not in str(column):  # an empty cell must say why
                    found.append((column, "empty, with no word for it"))
            elif not str(cell).startswith("./") and _raw(str(cell)):  # links to the Reference aside
                found.append((column, cell))
    return found


# A small group: two members in March, four from May, so March's weeks are hidden for the group.
SMALL = ("member,date,symptom,severity\n"
         + "".join(f"{m},2026-0{mo}-{d:02d},{s},{(d + mo + i) % 4}\n"
                   for i, m in enumerate(("S1", "S2", "S3", "S4")) for mo in (3, 4, 5, 6)
                   if i < 2 or mo >= 5 for d in (2, 9, 16, 23) for s in ("jerks", "sleep", "walking")))


def _small_group():
    return upload(("small-group.csv", SMALL.encode()))


@pytest.mark.parametrize("group", ["demo", "small"])
def test_every_heading_and_cell_of_every_table_reads_as_words(group):
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run() if group == "demo" else _small_group()
    frames = _tables_on_every_group_page(at)
    assert len(frames) >= 8
    assert [(f.value.columns[:3].tolist(), bad) for f in frames if (bad := _unreadable(f))] == []
    # Dates are days: no column of timestamps is left for the grid to print with a time of day.
    assert not [c for f in frames for c in f.value.columns
                if pd.api.types.is_datetime64_any_dtype(f.value[c].dtype)]
    course = frames[0]  # Overview's group course: a small group's weeks say "hidden"
    hidden = course.value["members"] < min_group_size()
    assert "median" in course.value.columns and course.value.loc[hidden, "median"].isna().all()
    assert isinstance(course.value["week"].iloc[0], dt.date)
    if group == "small":
        assert hidden.any() and (~hidden).any()
        assert course.proto.placeholder == hidden_word()  # the grid shows "hidden (under 3 members)"


def test_headings_say_what_a_count_counts():
    assert readable_heading("n_raised") == "logs in the rise"
    assert readable_heading("days_since_infection") == "days since infection / fever"
    assert readable_heading("days_since_steroid_taper") == "days since steroid taper"
    assert readable_heading("q25") == "lower quarter (25%)"
    assert readable_heading("member") == "member"
    # Relapses per member: one column per kind of event that came before.
    assert readable_heading("infection") == "after infection / fever"
    assert readable_heading("steroid_taper") == "after steroid taper"
    assert readable_heading("none observed") == "with no event before"


def test_empty_cells_say_why_one_word_or_each_heading():
    table = pd.DataFrame({"start": pd.to_datetime(["2026-03-01", None]), "n_raised": [3.0, float("nan")],
                          "preceded_by": ["steroid_taper", "none observed"], "dose": ["2 mg", ""]})
    one = readable_table(table, missing="none in the 30 days before", by_column={"dose": "not given"})
    assert one.placeholder == "none in the 30 days before"  # dates and numbers: the grid's word
    assert list(one.frame.columns) == ["start", "logs in the rise", "what came before", "dose"]
    assert one.frame["start"].tolist() == [dt.date(2026, 3, 1), None]
    assert one.frame["what came before"].tolist() == ["Steroid taper", "none observed"]
    assert one.frame["dose"].tolist() == ["2 mg", "not given"]
    assert one.frame["logs in the rise"].tolist()[0] == 3  # a count, not "3.0"
    assert set(one.gaps) == {"start", "logs in the rise"}  # widened, so the word is not cut
    mixed = readable_table(table, by_column={"n_raised": "no rise"})
    assert mixed.placeholder == ""  # two reasons: each heading says its own
    assert "logs in the rise (blank: no rise)" in mixed.frame.columns
    assert "start (blank: no value)" in mixed.frame.columns


def test_a_suppressed_flag_becomes_hidden_cells():
    table = pd.DataFrame({"week": pd.to_datetime(["2026-03-02", "2026-03-09"]), "n_members": [1, 6],
                          "median": [float("nan"), 1.5], "suppressed": [True, False]})
    shown = readable_table(table)
    assert shown.placeholder == hidden_word() and list(shown.frame.columns) == ["week", "members", "median"]


def test_a_chart_table_is_sent_when_opened_and_holds_the_charts_numbers():
    """Closed, the tables cost the first page nothing; opened, the numbers are there."""
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    closed = [e for e in at.expander if e.label == "The numbers behind this chart"]
    assert len(closed) == 3 and not at.dataframe
    open_tables(at)
    assert len(at.dataframe) == 3
    members = int(at.metric[0].value)
    course = next(f.value for f in at.dataframe if "median" in f.value.columns)
    assert 0 < course["members"].max() <= members
    few = course["members"] < min_group_size()  # small weeks are protected in the table too
    assert course.loc[few, "median"].isna().all() and course.loc[~few, "median"].notna().any()

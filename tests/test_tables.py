"""Tables under the charts read as words: no programmer's column names, no "None" cells."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from oms_dash.privacy import min_group_size
from oms_dash.ui.pages.compare import VIEWS
from oms_dash.ui.widgets import readable_heading
from tests.conftest import DASHBOARD, open_tables


def _tables_on_every_group_page() -> list:
    at = open_tables(AppTest.from_file(DASHBOARD, default_timeout=90).run())
    frames = list(at.dataframe)
    for view in VIEWS:
        at.session_state["_kept_pg_compare_view"] = view
        open_tables(at.switch_page("oms_dash/ui/page_scripts/compare.py").run())
        assert not at.exception, (view, [e.stack_trace for e in at.exception])
        frames += list(at.dataframe)
    open_tables(at.switch_page("oms_dash/ui/page_scripts/member.py").run())
    return frames + list(at.dataframe)


def test_every_table_heading_is_in_words_and_no_cell_says_none():
    frames = _tables_on_every_group_page()
    assert len(frames) >= 8
    for frame in frames:
        table = frame.value
        assert not [c for c in table.columns if "_" in str(c)], list(table.columns)
        texts = table[[c for c in table.columns if pd.api.types.is_string_dtype(table[c].dtype)]]
        assert not texts.isin(["None"]).any().any(), list(table.columns)
        assert not texts.isna().any().any(), list(table.columns)


def test_headings_say_what_a_count_counts():
    assert readable_heading("n_raised") == "logs in the rise"
    assert readable_heading("days_since_infection") == "days since infection / fever"
    assert readable_heading("days_since_steroid_taper") == "days since steroid taper"
    assert readable_heading("member") == "member"


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

"""The Reference page, driven through Streamlit's AppTest: it renders, opens entries, searches, prints."""

from __future__ import annotations

import inspect
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from oms_dash import reference as rf
from oms_dash.ui.pages import reference as page

SCRIPT = "from oms_dash.ui.pages.reference import render\nrender()\n"


def _app(**query) -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [h.value for h in at.header] + [s.value for s in at.subheader]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def default_page() -> AppTest:
    at = _app()
    at.run()
    return at


def test_page_renders_with_disclaimer_tabs_sources_and_review_date(default_page):
    at = default_page
    assert not at.exception
    assert at.title[0].value == "Reference"
    assert any(rf.DISCLAIMER in i.value for i in at.info)
    ref = rf.load_reference()
    assert [t.label for t in at.tabs] == [s.title for s in ref.sections]
    text = _texts(at)
    for section in ref.sections:
        assert rf.review_line(section) in text, section.title
    assert text.count("Last reviewed ") == len(ref.sections)
    assert "https://doi.org/10.1212/NXI.0000000000001153" in text
    assert len(at.expander) == len(ref.entries)
    assert not any(e.proto.expanded for e in at.expander)


def test_no_markdown_is_rendered_as_html(default_page):
    assert "unsafe_allow_html=" not in inspect.getsource(page)
    assert all(not m.proto.allow_html for m in default_page.markdown)


def test_entry_query_parameter_opens_that_entry():
    at = _app(entry="gait")
    at.run()
    assert not at.exception
    gait = rf.load_reference().entries["gait"]
    assert at.subheader[0].value == gait.title
    assert "How it is scored" in _texts(at)
    opened = [e for e in at.expander if e.label == gait.title]
    assert opened and opened[0].proto.expanded
    assert sum(e.proto.expanded for e in at.expander) == 1


def test_the_relapse_link_opens_the_what_to_do_entry():
    # The link the dashboard puts beside every relapse it marks, followed as a browser would.
    url = urlsplit(rf.relapse_entry_url())
    assert url.path.endswith(rf.PAGE_PATH)
    at = _app(**dict(parse_qsl(url.query)))
    at.run()
    assert not at.exception
    entry = rf.load_reference().entries[rf.RELAPSE_ENTRY]
    assert at.subheader[0].value == entry.title
    assert any(c.value == "Opened from a link" for c in at.caption)
    text = " ".join(_texts(at).split())
    assert "contact your child's team promptly" in text
    assert "Never stop, reduce or change a medicine on your own" in text
    opened = [e for e in at.expander if e.proto.expanded]
    assert [e.label for e in opened] == [entry.title]


def test_entry_parameter_accepts_a_symptom_name():
    at = _app(entry="dancing eyes")
    at.run()
    assert at.subheader[0].value == rf.load_reference().entries["opsoclonus"].title


def test_closing_the_opened_entry_clears_the_parameter():
    at = _app(entry="gait")
    at.run()
    at.button[0].click().run()
    assert not at.exception
    assert "entry" not in at.query_params
    assert not any(s.value == "Opened from a link" for s in at.caption)


def test_unknown_entry_warns_kindly_without_failing():
    at = _app(entry="no-such-thing")
    at.run()
    assert not at.exception
    assert "There is no entry called" in at.warning[0].value


def test_search_box_filters_to_matching_entries():
    at = _app()
    at.run()
    at.text_input(key=page.SEARCH_KEY).input("dancing eyes").run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert labels[0].startswith("Eye movements (opsoclonus)")
    assert not any(label.startswith("Vomiting") for label in labels)
    assert len(labels) < len(rf.load_reference().entries)
    assert not at.tabs  # the sections give way to the results
    assert "match" in at.subheader[0].value


def test_search_with_no_match_says_so():
    at = _app()
    at.run()
    at.text_input(key=page.SEARCH_KEY).input("zzzqqq").run()
    assert not at.exception
    assert "Nothing in the reference matches" in at.info[-1].value


def test_search_parameter_fills_the_search_box():
    at = _app(q="jerks")
    at.run()
    assert at.text_input(key=page.SEARCH_KEY).value == "jerks"
    assert at.expander[0].label.startswith("Jerks (myoclonus)")


def test_show_everything_renders_without_tabs_or_expanders():
    at = _app()
    at.run()
    at.toggle(key=page.SHOW_ALL_KEY).set_value(True).run()
    assert not at.exception
    ref = rf.load_reference()
    assert not at.tabs and not at.expander
    assert [h.value for h in at.header] == [s.title for s in ref.sections]
    assert len(at.subheader) == len(ref.entries)


def test_meeting_mode_is_clean_and_shows_everything():
    at = _app()
    at.session_state["meeting_mode"] = True
    at.run()
    assert not at.exception
    assert not at.text_input and not at.toggle and not at.button and not at.tabs
    assert len(at.header) == len(rf.load_reference().sections)
    assert any(rf.DISCLAIMER in i.value for i in at.info)


def test_meeting_mode_with_an_entry_shows_only_that_entry():
    at = _app(entry="gait")
    at.session_state["meeting_mode"] = True
    at.run()
    assert not at.exception
    assert [h.value for h in at.header] == [rf.load_reference().entries["gait"].title]
    assert not at.text_input and not at.button
    assert "Last reviewed" in _texts(at)


def test_print_style_is_one_constant_that_hides_the_controls(default_page):
    # Printing leaves out the sidebar, header, toolbar, widgets and the demo banner; the style sheet
    # is a constant (no user data can reach it) and style-only, so it takes no space on screen.
    css = page.PRINT_CSS
    assert css.startswith("<style>") and css.endswith("</style>") and "@media print" in css
    for testid in ("stSidebar", "stHeader", "stToolbar", "stTextInput", "stCheckbox", "stButton",
                   "stAlertContentWarning"):
        assert f'[data-testid="{testid}"]' in css, testid
    assert "stAlertContentInfo" not in css  # the disclaimer prints
    source = inspect.getsource(page)
    assert source.count("st.html(") == 1 and "st.html(PRINT_CSS)" in source
    assert [h.proto.body for h in default_page.get("html")] == [css]


def test_meeting_mode_prints_with_the_same_style():
    at = _app()
    at.session_state["meeting_mode"] = True
    at.run()
    assert [h.proto.body for h in at.get("html")] == [page.PRINT_CSS]

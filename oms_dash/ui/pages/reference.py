"""Reference page: the cited guide to OMS. Content, search and links live in oms_dash.reference.

Opens the entry named by the ``entry`` query parameter (see oms_dash.reference.reference_url, and
relapse_entry_url for the link beside every marked relapse), at the top of the page and unfolded in
its section's tab, and fills the search box from ``q``. Everything renders as plain Markdown (no
unsafe_allow_html).
"Show everything" and meeting mode draw the whole guide without tabs or expanders, so it prints; a
constant print style sheet (PRINT_CSS) leaves the sidebar, header and widgets off the paper.
"""

from __future__ import annotations

import streamlit as st

from oms_dash import reference as rf
from oms_dash.schema import normalise_text
from oms_dash.ui import state

SEARCH_KEY = "reference_search"
SHOW_ALL_KEY = "reference_show_all"
MAX_RESULTS = 12
OPEN_IN_RESULTS = 3

# When printed, only the guide: no sidebar, header or toolbar, no search box, toggle or buttons, and
# no warning banners (the demo-data banner; the guide itself is not demo data). A constant: no user
# data ever goes into it. Style-only st.html takes no space on the page.
PRINT_CSS = """<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stElementContainer"]:has([data-testid="stTextInput"], [data-testid="stCheckbox"],
    [data-testid="stButton"], [data-testid="stAlertContentWarning"]) { display: none !important; }
}
</style>"""


def _entry_body(entry: rf.Entry, section: rf.Section) -> None:
    st.markdown(entry.body)
    synonyms = rf.synonyms_markdown(entry)
    if synonyms:
        st.markdown(synonyms)
    st.caption(rf.citation_marks(entry, section))


def _entry_with_sources(ref: rf.Reference, entry: rf.Entry) -> None:
    """One entry on its own: body, its own numbered sources, review date and disclaimer."""
    section = ref.section(entry.section)
    _entry_body(entry, section)
    st.markdown(rf.sources_markdown(section, ref, keys=entry.sources))
    st.caption(f"From *{section.title}*. {rf.review_line(section)}")


def _section_footer(ref: rf.Reference, section: rf.Section) -> None:
    st.markdown("**Sources**")
    st.markdown(rf.sources_markdown(section, ref))
    st.caption(rf.review_line(section))


def _section_plain(ref: rf.Reference, section: rf.Section) -> None:
    """The whole section as headings and text: nothing hidden behind a widget, so it prints."""
    st.header(section.title, divider="gray")
    if section.intro:
        st.markdown(section.intro)
    for entry in section.entries:
        st.subheader(entry.title)
        _entry_body(entry, section)
    _section_footer(ref, section)


def _section_folded(ref: rf.Reference, section: rf.Section, opened: str | None) -> None:
    if section.summary:
        st.caption(section.summary)
    if section.intro:
        st.markdown(section.intro)
    for entry in section.entries:
        with st.expander(entry.title, expanded=entry.id == opened):
            _entry_body(entry, section)
    _section_footer(ref, section)


def _results(ref: rf.Reference, query: str) -> None:
    found = rf.search(query, ref)
    if not found:
        st.info(f"Nothing in the reference matches “{normalise_text(query)}”. Try another word, "
                "such as *eyes*, *walking*, *sleep*, *steroids* or *relapse*.")
        return
    shown = found[:MAX_RESULTS]
    more = f" (showing the best {len(shown)})" if len(found) > len(shown) else ""
    st.subheader(f"{len(found)} {'entry matches' if len(found) == 1 else 'entries match'}{more}")
    for i, entry in enumerate(shown):
        section = ref.section(entry.section)
        with st.expander(f"{entry.title} · {section.title}", expanded=i < OPEN_IN_RESULTS):
            _entry_with_sources(ref, entry)


def _close_entry() -> None:
    st.query_params.pop(rf.ENTRY_PARAM, None)


def render() -> None:
    meeting = state.meeting_mode()
    st.html(PRINT_CSS)
    st.title("Reference")
    try:
        ref = rf.load_reference()
    except rf.ReferenceContentError as exc:  # our own message: names the file and field to fix
        st.error(f"The reference could not be loaded. {exc}")
        return

    st.info(rf.DISCLAIMER, icon=":material/medical_information:")
    asked = st.query_params.get(rf.ENTRY_PARAM)
    opened = rf.find_entry(asked, ref)

    if meeting:
        if opened is not None:
            st.header(opened.title)
            _entry_with_sources(ref, opened)
        else:
            for section in ref.sections:
                _section_plain(ref, section)
        return

    st.caption("A plain-language guide for families, based on published sources listed under "
               "each section. Search it, or browse the sections below.")
    if SEARCH_KEY not in st.session_state and st.query_params.get(rf.SEARCH_PARAM):
        st.session_state[SEARCH_KEY] = normalise_text(st.query_params[rf.SEARCH_PARAM])
    query = st.text_input("Search the reference", key=SEARCH_KEY,
                          placeholder="Try: dancing eyes, jerks, sleep, ACTH, relapse")
    show_all = st.toggle("Show everything on one page (for printing)", key=SHOW_ALL_KEY,
                         help="Turn this on, then use your browser's Print: every section, "
                              "with its sources, prints without tabs or folded parts.")

    if asked and opened is None:
        st.warning(f"There is no entry called “{normalise_text(asked)}”. "
                   "Try the search box instead.")
    if opened is not None:
        with st.container(border=True):
            st.caption("Opened from a link")
            st.subheader(opened.title)
            _entry_with_sources(ref, opened)
            st.button("Close this entry", on_click=_close_entry)

    if query and query.strip():
        _results(ref, query)
    elif show_all:
        for section in ref.sections:
            _section_plain(ref, section)
    else:
        default = ref.section(opened.section).title if opened is not None else None
        tabs = st.tabs([s.title for s in ref.sections], default=default)
        for tab, section in zip(tabs, ref.sections, strict=True):
            with tab:
                _section_folded(ref, section, opened.id if opened is not None else None)

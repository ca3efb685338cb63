"""Meeting report: one page to show or print at a group meeting, with no names in it."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import streamlit as st

from oms_dash import since_meeting
from oms_dash.report import (
    DEFAULT_PAPER,
    PAPER_SIZES,
    build_report_html,
    find_chromium,
    html_to_pdf,
    report_figures,
)
from oms_dash.ui import cache, filters, group_panel, state
from oms_dash.ui.filters import KEPT, group_token
from oms_dash.ui.text import plain
from oms_dash.ui.widgets import show_chart

RELATIVE_KEY = "report_relative"
CHOSEN_KEY = "report_from_choices"


def _report(group, meeting: bool, today: dt.date, relative: bool,
            chosen: filters.Filters | None) -> tuple[list, str, since_meeting.SinceMeeting | None]:
    """The report's figures and its HTML, made once per (group, choices, mode, day) and kept in the
    session: a rerun (a paper choice, a download) rebuilds nothing, and the HTML reuses the figures
    shown. ``chosen``: the filters of the group pages (None: the whole group)."""
    key = ("meeting-report", group_token(group), group.meetings, chosen, meeting, relative, today)

    def make() -> tuple[list, str, since_meeting.SinceMeeting | None]:
        part, shown, treatment, rule_for = group, None, None, None
        if chosen is not None:
            part = group.within(chosen.members, chosen.items, chosen.start, chosen.end)
            shown = filters.scope_line(group, chosen, filters.scope_summary(group, chosen))
            treatment, rule_for = chosen.treatment, filters.relapse_rule
        labels = filters.member_label_map(group)  # the letters of the whole group, as on the pages
        figures = report_figures(part, meeting, today, relative=relative, labels=labels,
                                 treatment=treatment, rule_for=rule_for)
        # Since the last meeting: the chosen members, whatever the dates and symptoms (as on Overview).
        since = since_meeting.since_last_meeting(group.within(chosen.members) if chosen else group, today,
                                                 rule_for=rule_for)
        return figures, build_report_html(part, meeting=meeting, today=today, relative=relative,
                                          figures=figures, shown=shown, since=since, labels=labels), since

    return cache.remember(key, make)


def _chosen_part(group) -> filters.Filters | None:
    """The group pages' filters when the user keeps "what was prepared" (the default), else None."""
    chosen = filters.chosen_filters(group)
    prepared = chosen != filters.defaults(group)
    st.toggle("Made from the choices on the group pages", key=CHOSEN_KEY, value=True,
              disabled=not prepared,
              help="The members, symptoms, dates and treatment chosen in the sidebar filters. Off: the "
                   "whole group.")
    use = prepared and st.session_state[CHOSEN_KEY]
    summary = filters.scope_summary(group, chosen)
    if use and summary.n_members == 0:
        st.info("The choices on the group pages leave nothing to show: the report shows the whole group.")
        use = False
    line = filters.scope_line(group, chosen, summary) if use else "the whole group"
    st.markdown(f"**Shown in the report:** {plain(line)}")
    return chosen if use else None


def _relative_choice() -> bool:
    """Weeks instead of dates: starts from the sidebar's "Show time as" choice, then the user's own."""
    if RELATIVE_KEY not in st.session_state:
        st.session_state[RELATIVE_KEY] = st.session_state.get(f"{KEPT}time_axis", "calendar") != "calendar"
    return st.toggle("Weeks since each member's first log instead of dates", key=RELATIVE_KEY,
                     help="No date of anybody's logs then appears in the report: only the span in weeks.")


def _pdf_bytes(html: str, paper: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:  # removed straight after: nothing stays on disk
        html_path, pdf_path = Path(folder) / "report.html", Path(folder) / "report.pdf"
        html_path.write_text(html, encoding="utf-8")
        html_to_pdf(html_path, pdf_path, paper=paper)
        return pdf_path.read_bytes()


def render() -> None:
    st.title("Meeting report")
    group = state.current_group()
    meeting = state.meeting_mode()
    st.write("A self-contained page to show on a projector, share or print (A4 or Letter): the "
             "group's summary, its key charts and a few reference notes with their sources. "
             "Members appear only as Member A, B, …; no names, codes or notes. It opens offline.")
    if group.is_demo:
        st.info("This report is made from the demo group and says so.")
    today = dt.date.today()
    relative = _relative_choice()
    chosen = _chosen_part(group)
    figures, html, since = _report(group, meeting, today, relative, chosen)
    group_panel.offer_meeting_mark()
    cols = st.columns(2)
    cols[0].download_button("Download the report (HTML)", html.encode("utf-8"),
                            file_name=f"oms-group-report-{today:%Y-%m-%d}.html", mime="text/html",
                            icon=":material/download:", type="primary")
    if find_chromium():
        paper = cols[1].segmented_control("Paper for the PDF", list(PAPER_SIZES), default=DEFAULT_PAPER,
                                          format_func=PAPER_SIZES.get, key="report_paper") or DEFAULT_PAPER
        cols[1].download_button("Download as PDF", data=lambda: _pdf_bytes(html, paper),
                                file_name=f"oms-group-report-{today:%Y-%m-%d}.pdf",
                                mime="application/pdf", icon=":material/picture_as_pdf:")
    else:
        cols[1].caption("PDF needs Chrome or Chromium on this computer: open the HTML report and "
                        "use Print ▸ Save as PDF.")
    st.subheader("What the report shows", anchor=False)
    if since is not None:
        st.markdown(f"**{plain(since_meeting.heading(since, relative))}**")
        lines = since_meeting.lines(since, filters.member_label_map(group), meeting_mode=meeting)
        st.markdown("\n".join(f"- {plain(line)}" for line in lines))
    for item in figures:
        if item.sentence:
            st.markdown(plain(item.sentence))
        show_chart(item.figure, f"report-{item.name}", item.caption)

"""Overview page: the group at a glance (members, span, logging completeness, latest state, course)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from oms_dash import analysis, charts, schema, sentences, since_meeting, theme
from oms_dash.profile import profile_counts
from oms_dash.reference import reference_url
from oms_dash.tables import hidden_word
from oms_dash.ui import filters, state, widgets
from oms_dash.ui.text import plain, symptom_link

LATEST_WINDOW_DAYS = 14


def _course(obs, group, scope, time_axis):
    tables = filters.scope_tables(group, scope)
    scores = tables["scores"] if tables is not None else obs
    return analysis.group_course(scores, anchors=filters.time_anchors(group, time_axis))


def _latest(obs, group, window_days: int):
    return analysis.latest_state(obs, window_days=window_days)


def _completeness(obs, group, scope, time_axis):
    """Counted from each member's real first log (not the first inside the chosen range) to the end of
    the chosen range; in weeks since each member's first log or onset when time is shown so (weeks
    before the first log are left out when counting from it: they are all "not yet logging"), with
    the members left out for having no such day."""
    first = filters.time_anchors(group, "first_log")
    tables = filters.scope_tables(group, scope)
    obs = tables["member_days"] if tables is not None else analysis.member_days(obs)  # once, for both
    start, end = scope[0], scope[1]
    done = analysis.completeness(obs, start, end, first=first)
    anchors = filters.time_anchors(group, time_axis)
    excluded = []
    if anchors is not None:
        relative = analysis.relative_weeks(done, anchors)
        done, excluded = relative.table, relative.excluded
        if time_axis == "first_log":
            done = done.loc[done["week"] >= 0]
    per_member = analysis.logging_share(obs, start, end, first=first)
    per_member["counted_from"] = per_member["counted_from"].dt.date
    return done, per_member, excluded


def _course_view(group, chosen, meeting):
    course = filters.cached(group, chosen, _course, scope=chosen.scope, time_axis=chosen.time_axis)
    fig = charts.group_course_figure(course, meeting, time_axis=chosen.time_axis)
    words = sentences.group_course_sentence(course.table, course.measure, chosen.time_axis)
    return fig, course.table.rename(columns={"n_members": "members"}), words


def _latest_view(group, chosen, meeting):
    latest = filters.cached(group, chosen, _latest, window_days=LATEST_WINDOW_DAYS)
    table = latest.assign(symptom=latest["item"].map(schema.item_label),
                          reference=latest["item"].map(reference_url))
    table = table[["symptom", "n_members", "median", *analysis.LEVEL_NAMES, "latest", "reference"]]
    words = sentences.latest_state_sentence(latest, LATEST_WINDOW_DAYS)
    return charts.latest_state_figure(latest, meeting, LATEST_WINDOW_DAYS), table, list(latest["item"]), words


def _completeness_view(group, chosen, meeting):
    done, per_member, excluded = filters.cached(group, chosen, _completeness, scope=chosen.scope,
                                                time_axis=chosen.time_axis)
    labels = filters.member_label_map(group)
    fig = charts.completeness_figure(done, meeting, labels=labels, time_axis=chosen.time_axis,
                                     excluded=excluded)
    return fig, charts.with_labels(per_member, labels), sentences.completeness_sentence(done)


def _section(title: str, meeting: bool) -> None:
    """A section heading, left out in meeting mode: each chart's own title says the same, and the
    projector's 720 pixels are for the chart."""
    if not meeting:
        st.subheader(title)


def render() -> None:
    st.title("Overview")
    group = state.current_group()
    meeting = state.meeting_mode()
    started = filters.group_page_start(group)
    if started is None:
        return
    chosen, summary = started
    relative = chosen.time_axis != "calendar"
    caption = filters.chart_caption(summary, relative=relative)

    cols = st.columns(4)
    cols[0].metric("Members", summary.n_members)
    if relative:  # no calendar date on the page: the span's length only
        cols[1].metric("Span", theme.relative_span(summary.date_min, summary.date_max))
        cols[2].metric("Time shown as", analysis.TIME_AXES[chosen.time_axis].replace("Weeks", "weeks"))
    else:
        cols[1].metric("From", f"{summary.date_min:%d %b %Y}")
        cols[2].metric("To", f"{summary.date_max:%d %b %Y}")
    cols[3].metric("Symptoms logged", summary.n_items)
    _since_last_meeting(group, chosen, meeting)

    _section("The group's course", meeting)
    fig, table, words = filters.cached_figure(group, chosen, _course_view, meeting=meeting)
    st.markdown(plain(words))
    widgets.show_chart(fig, "group-course", caption, table)

    _section("Latest state per symptom", meeting)
    fig, table, items, words = filters.cached_figure(group, chosen, _latest_view, meeting=meeting)
    st.markdown(plain(words))
    link = st.column_config.LinkColumn("Reference", display_text="read")
    widgets.show_chart(fig, "latest-state", caption, table, column_config={"reference": link},
                       missing=hidden_word())
    if not meeting:
        links = " · ".join(symptom_link(i) for i in items)
        st.markdown(f"Read about each symptom in the Reference: {links}")

    _section("Logging completeness", meeting)
    fig, table, words = filters.cached_figure(group, chosen, _completeness_view, meeting=meeting)
    st.markdown(plain(words))
    widgets.show_chart(fig, "logging-completeness", caption, table)
    if not meeting:
        st.caption("Share of days logged: counted from each member's first log (or the start of the chosen "
                   "dates, if later) to the end of the chosen dates, so members who joined late are not "
                   "counted as missing the weeks before they started.")
    _who_is_in_the_group(group)


def _who_is_in_the_group(group) -> None:
    """Age band, sex and country as group counts only, when the logs carried them."""
    k = analysis.min_group_size()
    counts = profile_counts(group.profile, k=k)
    if counts.empty:
        return
    st.subheader("Who is in the group")
    st.caption(f"Counts only, never next to a member. Categories with fewer than {k} members are merged "
               "into \"other\"; where a small count could still be worked out from the others, the "
               "breakdown is hidden and only the number of members is shown.")
    widgets.show_table(counts)


def _since(group, meeting_day: dt.date, members: tuple[str, ...], rules: tuple) -> since_meeting.SinceMeeting:
    part = group.within(members) if members else group
    scores, measure = since_meeting.total_scores(part.observations)
    return since_meeting.since_meeting(part, meeting_day, scores, measure, dict(rules)[measure])


def _since_last_meeting(group, chosen, meeting: bool) -> None:
    """What changed since the group file's last meeting: the chosen members, whatever the dates and
    symptoms chosen (the logs since the meeting are the point)."""
    if not group.meetings:
        return
    last = since_meeting.last_meeting(group.meetings, dt.date.today())
    if last is None:
        st.subheader("Since the last meeting")
        st.info(since_meeting.FIRST_MEETING, icon=":material/event:")
        return
    # The relapse rule chosen on Compare patterns, for whichever total the group is drawn with.
    rules = tuple((m, filters.relapse_rule(m)) for m in (analysis.MEASURE_MP, analysis.MEASURE_MEAN))
    result = filters.cached(group, None, _since, meeting_day=last, members=chosen.members, rules=rules)
    st.subheader(since_meeting.heading(result))
    lines = since_meeting.lines(result, filters.member_label_map(group), meeting_mode=meeting)
    st.markdown("\n".join(f"- {plain(line)}" for line in lines))
    if not meeting:
        st.caption("From the group file's meeting dates. A log counts as since the meeting when it is "
                   "dated after the meeting's day; a meeting marked today is this one, so this says what "
                   "changed since the one before. The members chosen in the sidebar, whatever its dates "
                   "and symptoms.")

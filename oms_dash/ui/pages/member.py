"""Member view page: one member's course, treatments in their own lanes, events and relapses marked."""

from __future__ import annotations

import streamlit as st

from oms_dash import analysis, charts, schema, sentences
from oms_dash.privacy import redact_text
from oms_dash.ui import filters, state, widgets
from oms_dash.ui.text import RELAPSE_HELP, plain, symptom_link

MEMBER_KEY = "member_view_member"
REVEAL_KEY = "member_view_reveal_codes"
NOTES_KEY = "member_view_show_notes"


def _members(obs, group):
    return sorted(str(m) for m in obs["member"].unique())


def _member_measure(obs, group, member):
    return analysis.score_series(analysis.filter_observations(obs, [member])).measure


def _member_course(obs, group, member, window_days, rule, total_only=False):
    """Everything drawn for one member: timeline, relapses, and their treatments and events in range.
    ``total_only``: the timeline holds the total alone (meeting mode, when no symptom is chosen)."""
    # The member's rows of the filter's daily table, still known as daily (not averaged again).
    mine = analysis.filter_observations(obs, [member])
    scores = analysis.score_series(mine)
    timeline = analysis.member_timeline(mine, member, items=() if total_only else None,
                                        window_days=window_days, total=scores)
    relapses = analysis.detect_relapses(scores, rule).table
    first, last = mine["date"].min(), mine["date"].max()
    t = group.treatments
    overlaps = (t["start"] <= last) & (t["end"].isna() | (t["end"] >= first))
    treatments = t.loc[(t["member"] == member) & overlaps]
    e = group.events
    events = e.loc[(e["member"] == member) & e["date"].between(first, last)]
    span = (first, last)
    return timeline, relapses, scores.measure, treatments, events, span


def _total_only(chosen, meeting: bool) -> bool:
    """In meeting mode one panel per symptom (ten, in a full diary) is taller than a projector's
    screen: the total is shown, and the symptoms the coordinator chose in the filters beside it."""
    return meeting and not chosen.items


def _member_figure(group, chosen, member, label, meeting, rule, slide=False):
    """The member's chart; ``slide``: what the screen shows, laid out for a 1280x720 slide (its
    symptoms in one panel: a dozen panels squeezed into a slide ran their titles together)."""
    window_days, time_axis = chosen.smoothing_days, chosen.time_axis
    timeline, relapses, _, treatments, events, _ = filters.cached(
        group, chosen, _member_course, member=member, window_days=window_days, rule=rule,
        total_only=_total_only(chosen, meeting))
    anchors = filters.time_anchors(group, time_axis)
    anchor = None if anchors is None else anchors.get(member)
    return charts.member_timeline_figure(timeline, label, treatments, events, relapses, meeting or slide,
                                         window_days=window_days, anchor=anchor,
                                         time_axis=time_axis if anchor is not None else "calendar")


def render() -> None:
    st.title("Member view")
    group = state.current_group()
    meeting = state.meeting_mode()
    chosen = filters.sidebar_filters(group)
    members = filters.cached(group, chosen, _members)
    if not members:
        st.info(filters.NOTHING_IN_SCOPE)
        return
    reveal = False if meeting else st.toggle(
        "Show member codes (on this screen only)", key=REVEAL_KEY,
        help="Codes are never shown in meeting mode, in screenshots taken in meeting mode, or in reports.")
    labels = filters.member_label_map(group, reveal=reveal)
    member = filters.kept_widget(st.selectbox, "Member", "member", members[0], lambda v: v in members,
                                 members, format_func=lambda m: labels.get(m, "Member ?"),
                                 widget_key=MEMBER_KEY)
    filters.show_scope_line(group, chosen, filters.scope_summary(group, chosen))
    if not meeting:
        st.markdown("One member's logs as written: dots are the daily scores, the line a rolling mean that "
                    "never bridges a gap of more than a week. What happened around a treatment or an "
                    "event is **observed, not proven**: the course changes for many reasons.")

    # The same relapse rule as chosen on Compare patterns (kept per scale in the session).
    rule = filters.relapse_rule(filters.cached(group, chosen, _member_measure, member=member))
    timeline, relapses, measure, treatments, events, span = filters.cached(
        group, chosen, _member_course, member=member, window_days=chosen.smoothing_days, rule=rule,
        total_only=_total_only(chosen, meeting))
    # The figure is kept too (not copied): with thousands of daily dots it costs more than the analysis.
    fig = filters.cached_figure(group, chosen, _member_figure, member=member,
                                label=labels.get(member, "Member"), meeting=meeting, rule=rule)
    table = timeline.table.assign(series=timeline.table["series"].map(lambda s: "total" if s == "total"
                                                                      else schema.item_label(s)))
    anchors = filters.time_anchors(group, chosen.time_axis)
    relative = anchors is not None and member in anchors.index
    if anchors is not None and not relative:
        st.caption(f"No {analysis.TIME_AXES[chosen.time_axis].lower().replace('weeks since ', '')} date "
                   "for this member: drawn on calendar dates.")
    caption = filters.chart_caption(filters.ScopeSummary(1, 0, *span), relative=relative)
    # Tables follow the chart: weeks since the anchor day instead of dates when time is relative.
    when = (lambda d: ((d - anchors[member]).dt.days / 7).round(1)) if relative else (lambda d: d.dt.date)
    moment = "week" if relative else "date"
    table = table.assign(**{moment: when(table["date"])})
    st.markdown(plain(sentences.member_timeline_sentence(
        timeline.table, labels.get(member, "Member"), measure, relapses, chosen.smoothing_days, relative)))
    def slide():
        return filters.cached_figure(group, chosen, _member_figure, member=member,
                                     label=labels.get(member, "Member"), meeting=meeting, rule=rule,
                                     slide=True)

    widgets.show_chart(fig, "member-timeline", caption, table[["series", moment, "value", "rolling"]],
                       "Every score drawn", missing="no mean: too few logs around this day", slide=slide)

    st.caption(f"Relapses found by the rule (×) use the rule set on Compare patterns: {rule.describe()}, "
               f"on the {analysis.measure_label(measure)}. {len(relapses)} found in this range. A relapse "
               "the family noted in its log is a star in the events lane.")
    if len(relapses) and not meeting:
        st.markdown(RELAPSE_HELP)
    cols = st.columns(2)
    with cols[0]:
        st.markdown("**Treatments**")
        # An ongoing course has no end: it says so, not "None".
        ends = when(treatments["end"]).astype("str").where(treatments["end"].notna(), "ongoing")
        view = treatments.assign(treatment=treatments["treatment"].map(schema.treatment_label),
                                 start=when(treatments["start"]), end=ends)
        widgets.show_table(view[["treatment", "start", "end", "dose"]], by_column={"dose": "not given"})
    with cols[1]:
        st.markdown("**Events**")
        view = events.assign(kind=events["kind"].map(lambda k: schema.EVENT_LABELS.get(k, k)),
                             **{moment: when(events["date"])})
        widgets.show_table(view[[moment, "kind"]])
    if not meeting:
        _notes(group, member)
        items = [s for s in timeline.table["series"].unique() if s != "total"]
        links = " · ".join(symptom_link(i) for i in items)
        st.markdown(f"About these symptoms: {links}")


def _notes(group, member) -> None:
    """Free-text notes only when the coordinator asks, with contact details removed."""
    mine = group.notes.loc[group.notes["member"] == member]
    if mine.empty:
        return
    if st.toggle(f"Show this member's notes ({len(mine)})", key=NOTES_KEY,
                 help="Notes are never drawn in charts or reports. Emails, phone numbers and links "
                      "are removed from what is shown."):
        view = mine.sort_values("date")
        view = view.assign(note=view["text"].map(redact_text), date=view["date"].dt.date)[["date", "note"]]
        widgets.show_table(view)

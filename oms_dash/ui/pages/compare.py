"""Compare patterns page: cohort curves, heatmap, profiles, before/after, relapses, co-occurrence."""

from __future__ import annotations

import streamlit as st

from oms_dash import analysis, charts, schema, sentences
from oms_dash.summary import DEFAULT_MIN_LOGS, DEFAULT_WEEKS  # the summary's numbers are the page's
from oms_dash.tables import hidden_word
from oms_dash.ui import filters, state, widgets
from oms_dash.ui.text import RELAPSE_HELP, plain

VIEWS = ("Cohort curves", "Heatmap", "Profiles", "Before / after", "Relapses", "Co-occurrence")
TAB_KEY = "compare_view"
TAB_CHOICE = "compare_view"
LOOKBACK_DAYS = 30


def _scores(obs, group, scope, item):
    """One symptom's daily score when exactly one is chosen, else the total (MP total or mean severity),
    cut from the group's totals when no symptom is filtered."""
    tables = None if item is not None else filters.scope_tables(group, scope)
    return tables["scores"] if tables is not None else analysis.score_series(obs, item=item)


def _cohort(obs, group, scope, item, by, treatment):
    scores = filters.cached_scope(group, scope, _scores, scope=scope, item=item)
    # "Days since first log" counts from each member's real first log, not the first in the chosen dates.
    first = filters.time_anchors(group, "first_log")
    return analysis.cohort(scores.table, by, onsets=group.onsets, treatments=group.treatments,
                           treatment=treatment, first_logs=first)


def _weekly(obs, group, item, time_axis):
    """The weekly means, their table, and the members left out for having no anchor."""
    weekly = analysis.weekly_severity(obs, item)
    anchors = filters.time_anchors(group, time_axis)
    excluded = []
    if anchors is not None:
        relative = analysis.relative_weeks(weekly, anchors)
        weekly, excluded = relative.table, relative.excluded
    table = weekly.pivot(index="member", columns="week", values="value")
    table.columns = [f"week {c}" if anchors is not None else f"{c:%d %b %Y}" for c in table.columns]
    return weekly, table.reset_index(), excluded


def _profiles(obs, group):
    profiles = analysis.symptom_profiles(obs)
    table = profiles.members.pivot(index="member", columns="item", values="mean")
    table.columns = [schema.item_label(c) for c in table.columns]
    return profiles, table.reset_index()


def _before_after(obs, group, scope, item, treatment, weeks, min_logs, leave_out_other=False):
    scores = filters.cached_scope(group, scope, _scores, scope=scope, item=item)
    return analysis.before_after(scores, group.treatments, treatment, weeks=weeks, min_logs=min_logs,
                                 leave_out_other=leave_out_other)


def _relapses(obs, group, scope, item, rule, lookback):
    scores = filters.cached_scope(group, scope, _scores, scope=scope, item=item)
    found = analysis.detect_relapses(scores, rule).table
    context = analysis.relapse_context(found, group.events, lookback_days=lookback)
    followed = analysis.events_followed(found, group.events, scores.table, follow_days=lookback)
    members = sorted(scores.table["member"].unique())
    return context, analysis.relapse_summary(context, members), len(members), followed


def _cooccurrence(obs, group):
    return analysis.cooccurrence(obs)


def _item_choice(item: str) -> str:
    return "All symptoms (mean)" if item == "all" else schema.item_label(item)


def _show_cohort(group, chosen, item, measure, caption, meeting, labels) -> None:
    by = chosen.alignment
    if by == "treatment" and not chosen.treatment:
        by = "calendar"
    if by == "calendar" and chosen.time_axis != "calendar":  # no calendar dates when time is relative
        by = chosen.time_axis
    result = filters.cached(group, chosen, _cohort, scope=chosen.scope, item=item, by=by,
                            treatment=chosen.treatment)
    fig = charts.cohort_figure(result, measure, meeting, treatment=chosen.treatment, labels=labels)
    table = result.group.rename(columns={"x": "week" if by == "calendar" else "days", "n_members": "members"})
    name = schema.treatment_label(chosen.treatment) if chosen.treatment else None
    st.markdown(plain(sentences.cohort_sentence(result, measure, name)))
    widgets.show_chart(fig, f"cohort-{by}", caption, table, "Group median and band per week")
    if result.excluded:
        who = charts.members_text(len(result.excluded))
        missing = analysis.ALIGNMENTS[by].lower().replace("days since ", "")
        st.caption(f"{who} left out of this view: no {missing} known.")


def _show_heatmap(group, chosen, meeting, caption, labels) -> None:
    item = None
    if not meeting:
        # Only the symptoms the sidebar leaves in (all of them when none is chosen there).
        options = ["all", *(chosen.items or filters.group_meta(group).items)]
        choice = filters.kept_widget(st.selectbox, "Symptom", "heat_item", "all", lambda v: v in options,
                                     options, format_func=_item_choice)
        item = None if choice == "all" else choice
    weekly, table, excluded = filters.cached(group, chosen, _weekly, item=item, time_axis=chosen.time_axis)
    fig = charts.heatmap_figure(weekly, item, meeting, labels=labels, time_axis=chosen.time_axis,
                                excluded=excluded)
    st.markdown(plain(sentences.heatmap_sentence(weekly, item, chosen.time_axis)))
    widgets.show_chart(fig, "severity-heatmap", caption, charts.with_labels(table, labels),
                       missing="not logged that week")


def _show_profiles(group, chosen, meeting, caption, labels) -> None:
    profiles, table = filters.cached(group, chosen, _profiles)
    st.markdown(plain(sentences.profile_sentence(profiles)))
    widgets.show_chart(charts.profile_figure(profiles, meeting, labels=labels), "symptom-profiles", caption,
                       charts.with_labels(table, labels), missing="not logged")
    group_means = profiles.group.assign(symptom=profiles.group["item"].map(schema.item_label))
    widgets.table_on_demand("The group's mean per symptom", "group-means",
                            group_means[["symptom", "mean", "n_members"]], missing=hidden_word())


def _show_before_after(group, chosen, item, measure, meeting, summary, labels) -> None:
    if not chosen.treatment:
        st.info("No treatments in these logs: nothing to compare before and after.")
        return
    weeks = filters.kept_choice("ba_weeks", DEFAULT_WEEKS)
    min_logs = filters.kept_choice("ba_min_logs", DEFAULT_MIN_LOGS)
    leave_out = filters.kept_choice("ba_leave_out", False)
    if not meeting:
        c = st.columns(2)
        with c[0]:
            weeks = filters.kept_widget(st.slider, "Weeks before and after", "ba_weeks", DEFAULT_WEEKS,
                                        lambda v: isinstance(v, int) and 1 <= v <= 12, 1, 12)
        with c[1]:
            min_logs = filters.kept_widget(
                st.number_input, "Fewest logs on each side to count", "ba_min_logs", DEFAULT_MIN_LOGS,
                lambda v: isinstance(v, int) and 1 <= v <= 30, 1, 30,
                help="Members with fewer logs before or after are drawn hollow and left out of the median.")
        leave_out = filters.kept_widget(st.checkbox, "Leave out members who started another treatment in "
                                        "these weeks", "ba_leave_out", False, lambda v: isinstance(v, bool))
    result = filters.cached(group, chosen, _before_after, scope=chosen.scope, item=item,
                            treatment=chosen.treatment, weeks=int(weeks), min_logs=int(min_logs),
                            leave_out_other=bool(leave_out))
    st.markdown(analysis.before_after_sentence(result, schema.treatment_label(chosen.treatment), measure))
    st.markdown(f"Each member's mean in the {weeks} weeks before and after their first start of "
                f"**{schema.treatment_label(chosen.treatment)}**. Other treatments, the natural course and "
                "chance all change scores too: this is an **association, not proof**.")
    fig = charts.before_after_figure(result, measure, meeting, labels=labels)
    table = None if result.hidden else charts.with_labels(result.per_member, labels)
    relative = chosen.time_axis != "calendar"
    widgets.show_chart(fig, f"before-after-{chosen.treatment}",
                       filters.chart_caption(summary, result.n_members, relative), table,
                       missing="no logs on that side", by_column={"other_treatment": "none"})
    if result.hidden:
        st.caption(f"Fewer than {analysis.min_group_size()} members of the group started this treatment: "
                   "each member's course is hidden to protect the few members who had it.")
    elif 0 < result.n_members < analysis.MIN_TREND_MEMBERS:
        who = charts.members_text(result.n_members)
        st.caption(f"Only {who} with enough logs: no group median, test or trend line is drawn on "
                   f"fewer than {analysis.MIN_TREND_MEMBERS}.")


def _show_relapses(group, chosen, item, measure, meeting, caption, labels) -> None:
    rule = filters.relapse_rule(measure)
    lookback = filters.kept_choice("rel_lookback", LOOKBACK_DAYS)
    if not meeting:
        filters.relapse_preset_input(measure)
        with st.expander("Relapse rule (also used on the Member view)", expanded=False):
            c = st.columns(4)
            rule = filters.relapse_rule_inputs(measure, c[:3])
            with c[3]:
                lookback = filters.kept_widget(st.number_input, "events looked for in the … days before",
                                               "rel_lookback", LOOKBACK_DAYS,
                                               lambda v: isinstance(v, int) and 1 <= v <= 120, 1, 120)
    st.markdown(f"A relapse here is {rule.describe()}; measured on the "
                f"{analysis.measure_label(measure)}. It marks a sustained rise, not a diagnosis.")
    st.caption(rule.error_rates())
    if weekly := sentences.weekly_diary_note(rule.preset):
        st.caption(weekly)
    context, per_member, n_members, followed = filters.cached(
        group, chosen, _relapses, scope=chosen.scope, item=item, rule=rule, lookback=int(lookback))
    said = [charts.followed_text(row, int(lookback)) for _, row in followed.iterrows()
            if not row["suppressed"] and row["n_events"] > 0]
    if said and context["member"].nunique() >= analysis.min_group_size():
        st.markdown("Observed in these logs: " + "; ".join(said) + ". Events with "
                    f"{int(lookback)} days of logs after them are counted. Timing observed together, not "
                    "cause and effect; relapses also come with nothing logged before them.")
    st.markdown(plain(sentences.relapse_sentence(context, n_members, int(lookback))))
    fig = charts.relapse_figure(context, n_members, rule, int(lookback), meeting, labels=labels,
                                followed=followed, anchors=filters.time_anchors(group, chosen.time_axis),
                                time_axis=chosen.time_axis)
    widgets.show_chart(fig, "relapses", caption, charts.with_labels(per_member, labels),
                       "Relapses per member")
    if len(context):
        if not meeting:
            st.markdown(RELAPSE_HELP)
        widgets.table_on_demand("Each relapse found", "each-relapse", charts.with_labels(context, labels),
                                missing=f"none in the {int(lookback)} days before")


def _show_cooccurrence(group, chosen, meeting, summary) -> None:
    co = filters.cached(group, chosen, _cooccurrence)
    table = co.rho.copy()
    table.index = [schema.item_label(i) for i in table.index]
    table.columns = [schema.item_label(i) for i in table.columns]
    st.markdown("Do symptoms get worse and better **in the same weeks**? For each member, each symptom's "
                "change from one week to the next is compared with the other symptoms' changes (a rank "
                "correlation: near 1 when they move together, near 0 when they do not). Comparing changes "
                "leaves out how high a child scores overall and the slow improvement most children share, "
                "which would otherwise make every pair look related. The value shown is the middle "
                "(median) of the members' correlations. Patterns observed together, not one symptom "
                "driving another.")
    st.markdown(plain(sentences.cooccurrence_sentence(co)))
    widgets.show_chart(charts.cooccurrence_figure(co, meeting), "symptom-cooccurrence",
                       filters.chart_caption(summary, co.n_group, chosen.time_axis != "calendar"),
                       table.reset_index(names="symptom"), missing="too few members to tell")


def _keep_tab() -> None:
    filters.keep_choice(TAB_CHOICE, st.session_state[TAB_KEY])


def render() -> None:
    st.title("Compare patterns")
    group = state.current_group()
    meeting = state.meeting_mode()
    started = filters.group_page_start(group)
    if started is None:
        return
    chosen, summary = started
    caption = filters.chart_caption(summary, relative=chosen.time_axis != "calendar")
    item = chosen.items[0] if len(chosen.items) == 1 else None
    measure = filters.cached(group, chosen, _scores, scope=chosen.scope, item=item).measure
    labels = filters.member_label_map(group)
    shows = (  # one per VIEWS entry, in order
        lambda: _show_cohort(group, chosen, item, measure, caption, meeting, labels),
        lambda: _show_heatmap(group, chosen, meeting, caption, labels),
        lambda: _show_profiles(group, chosen, meeting, caption, labels),
        lambda: _show_before_after(group, chosen, item, measure, meeting, summary, labels),
        lambda: _show_relapses(group, chosen, item, measure, meeting, caption, labels),
        lambda: _show_cooccurrence(group, chosen, meeting, summary),
    )
    # Only the open tab is computed and drawn (on a large group each view costs a fraction of a
    # second); the open tab is kept across pages like the other page choices.
    kept = filters.kept_choice(TAB_CHOICE, VIEWS[0])
    st.session_state[TAB_KEY] = kept if kept in VIEWS else VIEWS[0]
    tabs = st.tabs(list(VIEWS), key=TAB_KEY, on_change=_keep_tab)
    for tab, show in zip(tabs, shows, strict=True):
        if tab.open:
            with tab:
                show()

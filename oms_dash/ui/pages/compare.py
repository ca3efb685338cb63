"""Compare patterns page: cohort curves, heatmap, profiles, before/after, relapses, co-occurrence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from oms_dash import analysis, charts, schema
from oms_dash.ui import filters, state

LOOKBACK_DAYS = 30
DEFAULT_WEEKS = 4


def _scores(obs: pd.DataFrame, chosen: filters.Filters) -> pd.DataFrame:
    """One symptom's daily score when exactly one is chosen, else the total (MP total or mean severity)."""
    item = chosen.items[0] if len(chosen.items) == 1 else None
    return analysis.score_series(obs, item=item)


def _cohort(obs, scores, chosen, group, meeting) -> None:
    measure = scores.attrs["measure"]
    by = chosen.alignment
    if by == "treatment" and not chosen.treatment:
        by = "calendar"
    result = analysis.cohort(scores, by, onsets=group.onsets, treatments=group.treatments,
                             treatment=chosen.treatment)
    fig = charts.cohort_figure(result, measure, meeting, treatment=chosen.treatment)
    table = result.group.rename(columns={"x": "week" if by == "calendar" else "days", "n_members": "members"})
    filters.show_chart(fig, f"cohort-{by}", filters.chart_caption(scores), table,
                       "Group median and band per week")
    if result.excluded:
        st.caption(f"{len(result.excluded)} member(s) have no {analysis.ALIGNMENTS[by].lower()} and are "
                   "left out of this view.")


def _item_choice(item: str) -> str:
    return "All symptoms (mean)" if item == "all" else schema.item_label(item)


def _heatmap(obs, chosen, meeting) -> None:
    items = sorted(obs["item"].unique(), key=str)
    item = None
    if not meeting:
        choice = st.selectbox("Symptom", ["all", *items], key="cmp_heat_item", format_func=_item_choice)
        item = None if choice == "all" else choice
    weekly = analysis.weekly_severity(obs, item)
    labels = charts.member_labels(weekly["member"].unique())
    table = weekly.pivot(index="member", columns="week", values="value")
    table.columns = [f"{c:%d %b %Y}" for c in table.columns]
    table = charts.with_labels(table.reset_index(), labels)
    filters.show_chart(charts.heatmap_figure(weekly, item, meeting), "severity-heatmap",
                       filters.chart_caption(obs), table)


def _profiles(obs, meeting) -> None:
    profiles = analysis.symptom_profiles(obs)
    labels = charts.member_labels(profiles.members["member"].unique())
    table = profiles.members.pivot(index="member", columns="item", values="mean")
    table.columns = [schema.item_label(c) for c in table.columns]
    table = charts.with_labels(table.reset_index(), labels)
    group = profiles.group.assign(symptom=profiles.group["item"].map(schema.item_label))
    group_row = group.set_index("symptom")["mean"].to_frame().T.assign(member="Group mean")
    filters.show_chart(charts.profile_figure(profiles, meeting), "symptom-profiles",
                       filters.chart_caption(obs), pd.concat([table, group_row], ignore_index=True))


def _before_after(scores, chosen, group, meeting) -> None:
    if not chosen.treatment:
        st.info("No treatments in these logs: nothing to compare before and after.")
        return
    weeks = DEFAULT_WEEKS
    if not meeting:
        weeks = st.slider("Weeks before and after", 1, 12, DEFAULT_WEEKS, key="cmp_ba_weeks")
    result = analysis.before_after(scores, group.treatments, chosen.treatment, weeks=weeks)
    measure = scores.attrs["measure"]
    st.markdown(f"Each member's mean in the {weeks} weeks before and after their first start of "
                f"**{schema.treatment_label(chosen.treatment)}**. Other treatments, the natural course and "
                "chance all change scores too: this is an **association, not proof**.")
    labels = charts.member_labels(result.per_member["member"])
    table = charts.with_labels(result.per_member, labels)
    fig = charts.before_after_figure(result, measure, meeting)
    caption = filters.chart_caption(scores, result.n_members)
    filters.show_chart(fig, f"before-after-{chosen.treatment}", caption, table)
    if 0 < result.n_members < analysis.MIN_TREND_MEMBERS:
        st.caption(f"Only {result.n_members} members: no test or trend line is drawn on fewer than "
                   f"{analysis.MIN_TREND_MEMBERS}.")


def _relapses(scores, group, meeting) -> None:
    measure = scores.attrs["measure"]
    rule = analysis.RelapseRule.for_measure(measure)
    lookback = LOOKBACK_DAYS
    if not meeting:
        with st.expander("Relapse rule", expanded=False):
            c = st.columns(4)
            rise = c[0].number_input("Rise of at least", 0.5, 18.0, float(rule.rise), 0.5, key="cmp_rel_rise")
            window = c[1].number_input("above the low of the last … days", 7, 120, rule.window_days,
                                       key="cmp_rel_window")
            sustained = c[2].number_input("for at least … logs in a row", 1, 10, rule.min_sustained,
                                          key="cmp_rel_sustained")
            lookback = c[3].number_input("events looked for in the … days before", 1, 120, LOOKBACK_DAYS,
                                         key="cmp_rel_lookback")
            rule = analysis.RelapseRule(rise=float(rise), window_days=int(window),
                                        min_sustained=int(sustained))
    st.markdown(f"A relapse here is {rule.describe()}; measured on the "
                f"{analysis.measure_label(measure)}. It marks a sustained rise, not a diagnosis.")
    found = analysis.detect_relapses(scores, rule)
    context = analysis.relapse_context(found, group.events, lookback_days=int(lookback))
    members = sorted(scores["member"].unique())
    fig = charts.relapse_figure(context, len(members), rule, int(lookback), meeting)
    labels = charts.member_labels(members)
    summary = charts.with_labels(analysis.relapse_summary(context, members), labels)
    filters.show_chart(fig, "relapses", filters.chart_caption(scores), summary, "Relapses per member")
    if len(context):
        with st.expander("Each relapse found"):
            filters.show_table(charts.with_labels(context, labels))


def _cooccurrence(obs, meeting) -> None:
    co = analysis.cooccurrence(obs)
    table = co.rho
    table.index = [schema.item_label(i) for i in table.index]
    table.columns = [schema.item_label(i) for i in table.columns]
    st.markdown("Symptoms that are high in the same weeks have a correlation near 1. Differences "
                "between members and changes over time are mixed together: these are patterns "
                "observed together, not one symptom driving another.")
    filters.show_chart(charts.cooccurrence_figure(co, meeting), "symptom-cooccurrence",
                       filters.chart_caption(obs), table.reset_index(names="symptom"))


def render() -> None:
    st.title("Compare patterns")
    group = state.current_group()
    meeting = state.meeting_mode()
    chosen = filters.sidebar_filters(group)
    obs = chosen.observations(group)
    if obs.empty:
        st.info("No scores in the chosen dates, members and symptoms. Widen the filters in the sidebar.")
        return
    st.markdown(filters.DESCRIPTIVE)
    scores = _scores(obs, chosen)
    tabs = st.tabs(["Cohort curves", "Heatmap", "Profiles", "Before / after", "Relapses", "Co-occurrence"])
    with tabs[0]:
        _cohort(obs, scores, chosen, group, meeting)
    with tabs[1]:
        _heatmap(obs, chosen, meeting)
    with tabs[2]:
        _profiles(obs, meeting)
    with tabs[3]:
        _before_after(scores, chosen, group, meeting)
    with tabs[4]:
        _relapses(scores, group, meeting)
    with tabs[5]:
        _cooccurrence(obs, meeting)

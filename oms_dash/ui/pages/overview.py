"""Overview page: the group at a glance (members, span, logging completeness, latest state, course)."""

from __future__ import annotations

import streamlit as st

from oms_dash import analysis, charts, schema
from oms_dash.reference import reference_url
from oms_dash.ui import filters, state

LATEST_WINDOW_DAYS = 14


def render() -> None:
    st.title("Overview")
    group = state.current_group()
    meeting = state.meeting_mode()
    chosen = filters.sidebar_filters(group)
    obs = chosen.observations(group)
    if obs.empty:
        st.info("No scores in the chosen dates, members and symptoms. Widen the filters in the sidebar.")
        return
    st.markdown(filters.DESCRIPTIVE)
    labels = charts.member_labels(obs["member"].unique())

    cols = st.columns(4)
    cols[0].metric("Members", obs["member"].nunique())
    cols[1].metric("From", f"{obs['date'].min():%d %b %Y}")
    cols[2].metric("To", f"{obs['date'].max():%d %b %Y}")
    cols[3].metric("Symptoms logged", obs["item"].nunique())

    st.subheader("The group's course")
    course = analysis.group_course(obs)
    table = course.rename(columns={"n_members": "members"})
    filters.show_chart(charts.group_course_figure(course, meeting), "group-course",
                       filters.chart_caption(obs), table)

    st.subheader("Latest state per symptom")
    latest = analysis.latest_state(obs, window_days=LATEST_WINDOW_DAYS)
    table = latest.assign(symptom=latest["item"].map(schema.item_label),
                          reference=latest["item"].map(reference_url))
    table = table[["symptom", "n_members", "median", *analysis.LEVEL_NAMES, "latest", "reference"]]
    link = st.column_config.LinkColumn("Reference", display_text="read")
    filters.show_chart(charts.latest_state_figure(latest, meeting, LATEST_WINDOW_DAYS), "latest-state",
                       filters.chart_caption(obs), table, column_config={"reference": link})
    if not meeting:
        links = " · ".join(f"[{schema.item_label(i)}]({reference_url(i)})" for i in latest["item"])
        st.markdown(f"Read about each symptom in the Reference: {links}")

    st.subheader("Logging completeness")
    done = analysis.completeness(obs, chosen.start, chosen.end)
    per_member = (done.groupby("member", as_index=False)
                  .agg(weeks=("week", "size"), days_logged=("days_logged", "sum")))
    per_member["share_of_days"] = (per_member["days_logged"] / (7 * per_member["weeks"]))
    filters.show_chart(charts.completeness_figure(done, meeting), "logging-completeness",
                       filters.chart_caption(obs), charts.with_labels(per_member, labels))

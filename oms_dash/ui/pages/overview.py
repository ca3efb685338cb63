"""Overview page."""

import streamlit as st


def render() -> None:
    st.title("Overview")
    st.info("The group at a glance: members, date span,"
            " logging completeness, the group's latest state per symptom and its typical course."
            " This page is being built.")

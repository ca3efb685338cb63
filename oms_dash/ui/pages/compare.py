"""Compare patterns page."""

import streamlit as st


def render() -> None:
    st.title("Compare patterns")
    st.info("Cohort curves,"
            " a members × weeks heatmap, symptom profiles,"
            " before/after treatment changes, relapses and how symptoms go together."
            " This page is being built.")

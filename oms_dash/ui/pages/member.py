"""Member view page."""

import streamlit as st


def render() -> None:
    st.title("Member view")
    st.info("One member's course: every symptom over time, treatments as bands, events and relapses marked."
            " This page is being built.")

"""Meeting report page."""

import streamlit as st


def render() -> None:
    st.title("Meeting report")
    st.info("A one-page report of the group to show or print at a meeting, with no names in it."
            " This page is being built.")

"""Privacy & about page."""

import streamlit as st


def render() -> None:
    st.title("Privacy & about")
    st.info("What stays on this computer, and how members are protected."
            " This page is being built.")

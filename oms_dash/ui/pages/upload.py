"""Upload logs page."""

import streamlit as st


def render() -> None:
    st.title("Upload logs")
    st.info("Drop your members' symptom logs (CSV, Excel, app exports) here to check and load them."
            " This page is being built.")

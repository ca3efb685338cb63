"""Reference page."""

import streamlit as st


def render() -> None:
    st.title("Reference")
    st.info("An accurate, cited guide to OMS: symptoms, causes, diagnosis, treatment and course."
            " This page is being built.")

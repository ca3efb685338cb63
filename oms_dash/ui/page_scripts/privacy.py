"""Streamlit runs this file for the page; the page itself lives in oms_dash.ui.pages.privacy."""

from oms_dash.ui.pages.privacy import render

render()

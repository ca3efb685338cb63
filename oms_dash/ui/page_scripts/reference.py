"""Streamlit runs this file for the page; the page itself lives in oms_dash.ui.pages.reference."""

from oms_dash.ui.pages.reference import render

render()

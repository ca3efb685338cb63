"""Streamlit runs this file for the page; the page itself lives in oms_dash.ui.pages.compare."""

from oms_dash.ui.pages.compare import render

render()

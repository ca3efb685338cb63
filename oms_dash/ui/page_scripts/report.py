"""Streamlit runs this file for the page; the page itself lives in oms_dash.ui.pages.report."""

from oms_dash.ui.pages.report import render

render()

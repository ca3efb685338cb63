"""Streamlit runs this file for the page; the page itself lives in oms_dash.ui.pages.upload."""

from oms_dash.ui.pages.upload import render

render()

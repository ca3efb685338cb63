"""Streamlit runs this file for the page; the page itself lives in oms_dash.ui.pages.overview."""

from oms_dash.ui.pages.overview import render

render()

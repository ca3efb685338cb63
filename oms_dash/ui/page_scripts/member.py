"""Streamlit runs this file for the page; the page itself lives in oms_dash.ui.pages.member."""

from oms_dash.ui.pages.member import render

render()

"""Streamlit entry point: `streamlit run dashboard.py` (or simply `oms-dash run`)."""

from oms_dash.ui.app import main

main()

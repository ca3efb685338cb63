"""The script `oms-dash run` hands to Streamlit (an installed package cannot see dashboard.py)."""

from oms_dash.ui.app import main

main()

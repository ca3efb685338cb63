"""The script `oms-dash run` hands to Streamlit (an installed package cannot see dashboard.py)."""

import sys

from oms_dash.settings import apply_script_args
from oms_dash.ui.app import main

apply_script_args(sys.argv[1:])  # `oms-dash run --min-group K`
main()

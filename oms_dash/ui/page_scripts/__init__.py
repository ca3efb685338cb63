"""Tiny scripts st.navigation runs, one per page (AppTest can switch to file pages)."""

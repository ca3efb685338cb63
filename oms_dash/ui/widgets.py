"""Shared widgets: a chart with its caption, its table on demand, and a PNG download."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from oms_dash.report import figure_png, find_chromium


def plot_config(name: str) -> dict:
    """The chart toolbar's camera button saves a good file name at twice the screen size."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": f"oms-dash-{name}", "scale": 2}}


def chart(fig: go.Figure, name: str, caption: str | None = None, table: pd.DataFrame | None = None,
          png: bool = True) -> None:
    """Draws a figure with its words; in meeting mode the table and download stay tucked away."""
    # theme=None: our own template (meeting-mode sizes, Okabe-Ito colours), not Streamlit's.
    st.plotly_chart(fig, config=plot_config(name), key=f"chart_{name}", theme=None)
    if caption:
        st.caption(caption)
    meeting = bool(st.session_state.get("meeting_mode"))
    if table is not None and not meeting:
        with st.expander("The numbers behind this chart"):
            st.dataframe(table, hide_index=True, width="stretch")
    if png and not meeting:
        if find_chromium():
            st.download_button("Download as PNG (1280×720, for slides)",
                               data=lambda: figure_png(fig) or b"", file_name=f"oms-dash-{name}.png",
                               mime="image/png", key=f"png_{name}", icon=":material/image:")
        else:
            st.caption("PNG export needs Chrome or Chromium on this computer. Use the camera "
                       "button at the top right of the chart instead.")

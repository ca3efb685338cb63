"""Shared widgets: a chart with its caption, its table on demand, and a PNG download."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from oms_dash.charts import add_caption
from oms_dash.report import figure_png, find_chromium
from oms_dash.ui import state


def plot_config(name: str) -> dict:
    """The chart toolbar's camera button saves a good file name at twice the screen size."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": f"oms-dash-{name}", "scale": 2}}


def show_table(table: pd.DataFrame, column_config: dict | None = None) -> None:
    """A small table, numbers to two decimals (datetimes untouched)."""
    floats = table.select_dtypes("float").columns
    view = table.assign(**{str(c): table[c].round(2) for c in floats}) if len(floats) else table.copy()
    view.attrs = {}  # analysis metadata (e.g. the relapse rule) is not table content
    st.dataframe(view, hide_index=True, column_config=column_config)


def _with_caption(fig: go.Figure, caption: str | None) -> go.Figure:
    """A copy carrying its caption inside, so a PNG shown elsewhere keeps its n, span and date."""
    return add_caption(go.Figure(fig), caption) if caption else fig


def show_chart(fig: go.Figure, name: str, caption: str | None = None, table: pd.DataFrame | None = None,
               table_label: str = "The numbers behind this chart", column_config: dict | None = None) -> None:
    """A figure with its words: caption, the table behind it on demand, and a PNG for slides.

    In meeting mode the table and the download stay tucked away (the camera button remains).
    """
    # theme=None: our template (meeting-mode sizes, palette) is drawn as built, not restyled by Streamlit.
    st.plotly_chart(fig, config=plot_config(name), key=f"chart_{name}", theme=None)
    if caption:
        st.caption(caption)
    if state.meeting_mode():
        return
    if table is not None:
        with st.expander(table_label):
            show_table(table, column_config)
    if find_chromium():
        st.download_button("Download as PNG (1280×720, for slides)",
                           data=lambda: figure_png(_with_caption(fig, caption)) or b"",
                           file_name=f"oms-dash-{name}.png",
                           mime="image/png", key=f"png_{name}", icon=":material/image:")
    else:
        st.caption("PNG export needs Chrome or Chromium on this computer: use the camera button "
                   "at the top right of the chart instead.")

"""Shared widgets: a chart with its caption, its table on demand, and a PNG download."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from oms_dash.report import find_chromium, slide_png
from oms_dash.tables import readable_heading, readable_table
from oms_dash.ui import state

CAMERA_HINT = "use the camera button at the top right of the chart instead"


def plot_config(name: str, meeting: bool = False) -> dict:
    """The chart toolbar's camera button saves a good file name at twice the screen size.

    In meeting mode the toolbar keeps only the camera, so it does not cover the chart's title.
    """
    config = {"displaylogo": False,
              "toImageButtonOptions": {"format": "png", "filename": f"oms-dash-{name}", "scale": 2}}
    if meeting:
        config["modeBarButtons"] = [["toImage"]]
    return config


def show_table(table: pd.DataFrame, column_config: dict | None = None, missing: str | None = None,
               by_column: dict | None = None) -> None:
    """A small table as people read it (``tables.readable_table``: headings in words, dates as dates,
    an empty cell says why, never "None"). ``missing``/``by_column``: what empty cells mean."""
    shown = readable_table(table, missing, by_column)
    config = {shown.headings.get(str(k), readable_heading(k)): v for k, v in (column_config or {}).items()}
    if shown.placeholder:  # a narrow number column cut "hidden (under 3 members)" to "(under 3 me…"
        config.update({h: st.column_config.Column(width="medium") for h in shown.gaps if h not in config})
    st.dataframe(shown.frame, hide_index=True, column_config=config or None, placeholder=shown.placeholder)


def png_export(fig: go.Figure, name: str, caption: str | None,
               slide: Callable[[], go.Figure] | None = None) -> None:
    """A compact "PNG for slides" button: the chart redrawn at 1280×720 in meeting type, with its
    caption inside. Made on request (it takes a few seconds), then offered as a download; when it
    cannot be made the user is told so and pointed to the camera button, never given an empty file.
    ``slide``: makes the figure to draw instead, for a chart laid out otherwise on a projector."""
    if not find_chromium():
        st.caption(f"PNG export needs Chrome or Chromium on this computer: {CAMERA_HINT}.")
        return
    if not st.button("PNG for slides", key=f"png_make_{name}", icon=":material/image:", type="tertiary",
                     help="A 1280×720 picture of this chart in large type, with its caption inside."):
        return
    with st.spinner("Drawing the PNG…"):
        png = slide_png(slide() if slide is not None else fig, caption)
    if png is None:
        st.warning(f"The PNG could not be made on this computer: {CAMERA_HINT}.", icon=":material/image:")
        return
    st.download_button("Save the PNG (1280×720)", data=png, file_name=f"oms-dash-{name}.png",
                       mime="image/png", key=f"png_{name}", icon=":material/download:",
                       on_click="ignore")


def show_chart(fig: go.Figure, name: str, caption: str | None = None, table: pd.DataFrame | None = None,
               table_label: str = "The numbers behind this chart", column_config: dict | None = None,
               missing: str | None = None, by_column: dict | None = None,
               slide: Callable[[], go.Figure] | None = None) -> None:
    """A figure with its words: caption, the table behind it on demand, and a PNG for slides.

    In meeting mode the table stays tucked away; the PNG button stays (it is for sharing).
    ``missing``/``by_column``: what the table's empty cells mean (see ``show_table``); ``slide``:
    the figure for the PNG when it is laid out otherwise for a slide (see ``png_export``).
    """
    meeting = state.meeting_mode()
    # theme=None: our template (meeting-mode sizes, palette) is drawn as built, not restyled by Streamlit.
    st.plotly_chart(fig, config=plot_config(name, meeting), key=f"chart_{name}", theme=None)
    if caption:
        st.caption(caption)
    if table is not None and not meeting:
        table_on_demand(table_label, name, table, column_config, missing, by_column)
    png_export(fig, name, caption, slide)


TABLE_KEY_PREFIX = "numbers_"


def table_on_demand(label: str, name: str, table: pd.DataFrame, column_config: dict | None = None,
                    missing: str | None = None, by_column: dict | None = None) -> None:
    """A table in a closed expander, sent to the browser only once it is opened (Streamlit's lazy
    expander; opening it reruns the page from its caches). Grids hidden under every chart made the
    browser fetch and run about 1.2 MB of grid and Arrow code, and the server encode every table,
    before anyone asked to see one."""
    with st.expander(label, key=TABLE_KEY_PREFIX + name, on_change="rerun") as numbers:
        if numbers.open:
            show_table(table, column_config, missing, by_column)

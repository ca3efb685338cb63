"""Figures as values: analysis frames in, ``go.Figure`` out (no Streamlit, no files).

Every builder titles its figure with what it shows, puts the number of members in the title or
subtitle, names its axes, takes ``meeting`` (the meeting-mode template) and shows members by their
display labels ("Member A"), never their codes, unless the caller passes ``reveal=True``. Group
aggregates drawn from fewer than ``privacy.min_group_size()`` members arrive suppressed from the
analysis and are left out with a note saying so. Words are descriptive: observed, associated.
"""

from __future__ import annotations

import copy
import functools
import textwrap
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from oms_dash import privacy, schema, theme
from oms_dash.analysis import (
    ALIGNMENTS,
    LEVEL_NAMES,
    MIN_TREND_MEMBERS,
    NONE_OBSERVED,
    TIME_AXES,
    TRIGGER_KINDS,
    BeforeAfter,
    Cohort,
    Cooccurrence,
    GroupCourse,
    MemberTimeline,
    Profiles,
    RelapseRule,
    measure_label,
    measure_max,
    min_group_size,
    relative_weeks,
    week_start,
)

MAX_PANELS = {False: 24, True: 12}  # member panels side by side: six rows on a screen, three on a projector
GL_POINTS = 3000  # above this many points in a trace, draw with WebGL (Scattergl)
MAX_RAW_POINTS = 8000  # a member timeline drops its daily dots (keeps the mean line) beyond this
ASSOCIATION = "association, not proof"


# --- labels and shared pieces --------------------------------------------------------------------------

def member_labels(members: Iterable[str], reveal: bool = False) -> dict[str, str]:
    """Display label per member code: "Member A"... (privacy.member_labels), or the codes with reveal."""
    codes = [str(m) for m in members]
    if reveal:
        return {c: c for c in codes}
    return privacy.member_labels(codes)


def _labels_for(members: Iterable[str], labels: Mapping[str, str] | None, reveal: bool) -> dict[str, str]:
    """The group-wide label map when given (the same member is the same letter on every page and
    under any filter); otherwise labels of these members alone (a standalone figure)."""
    codes = [str(m) for m in members]
    if reveal:
        return {c: c for c in codes}
    if labels is not None:
        return {c: labels.get(c, "Member ?") for c in codes}
    return privacy.member_labels(codes)


def with_labels(frame: pd.DataFrame, labels: Mapping[str, str], column: str = "member") -> pd.DataFrame:
    """A copy of ``frame`` whose member codes are replaced by their display labels (for tables)."""
    if column not in frame.columns:
        return frame
    return frame.assign(**{column: frame[column].astype("str").map(labels).fillna("Member ?")})


def suppressed_note(limit: int | None = None) -> str:
    limit = min_group_size() if limit is None else limit
    return f"hidden where under {limit} members"


def _scatter_type(n_points: int) -> str:
    """WebGL past GL_POINTS points: SVG draws thousands of dots slowly in the browser."""
    return "scattergl" if n_points > GL_POINTS else "scatter"


MIN_PLOT_HEIGHT = {False: 200, True: 230}  # px of plot area left when the words are counted
ROW_HEIGHT = {False: 18, True: 22}  # px per labelled row (member, symptom): room for every tick label
TITLE_WIDTH = {False: 90, True: 76}  # characters per title line: about 1,200 px at 18 or 26 px type
SUBTITLE_WIDTH = {False: 120, True: 110}  # characters per subtitle line (13 or 18 px type)


def _finish(fig: go.Figure, title: str, subtitle: str, meeting: bool, x_title: str | None = None,
            y_title: str | None = None, caption: str | None = None, height: int | None = None,
            rows: int | None = None, time_axis: str | None = None, time_axes: tuple[str, ...] | None = None
            ) -> go.Figure:
    """Titles, template and size for every figure. ``rows``: labelled rows down the side (members,
    symptoms), each given room for its label. ``time_axis`` ("calendar" or a relative axis): the x
    axes (``time_axes``, default all) are time, fitted by ``fit_time_axes``. Without rows a chart
    takes ``theme.chart_height`` (meeting: ``MEETING_MAX_HEIGHT``, a 1280x720 screen) or the
    builder's ``height``; never so short that its words squeeze the plot out."""
    # Long words do not wrap in plotly: break titles so they fit a projector's width too.
    title_lines = textwrap.wrap(title, TITLE_WIDTH[meeting]) or [""]
    sub_lines = textwrap.wrap(subtitle, SUBTITLE_WIDTH[meeting]) or [""]
    # Title and subtitle in one block above the plot, so the top margin grows to fit every line
    # (plotly's own subtitle is not counted by automargin and would overlap a wrapped title).
    sizes = theme.sizes(meeting)
    text = "<br>".join(title_lines)
    if subtitle:
        text += (f"<br><span style='font-size:{sizes['subtitle']}px'>" + "<br>".join(sub_lines)
                 + "</span>")
    # Plotly does not measure a multi-line title: pin it to the top and size the margin to hold
    # every line, plus room for the panel titles of a top row of subplots.
    panel_titles = any(a.yanchor == "bottom" and (a.y or 0) >= 0.99 for a in fig.layout.annotations)
    # Each line at its own size (1.3 em apart): counted at the title's size, a subtitle left an
    # empty band of about 50 px above the plot on a projector.
    top = sizes["title"] * 1.2 + sizes["title"] * 1.3 * len(title_lines)
    top += sizes["subtitle"] * 1.3 * len(sub_lines) if subtitle else 0
    top += (sizes["annotation"] * 1.5 if panel_titles else 0) + 12
    # The words are kept apart too (layout.meta), so restyle() can set them again in another mode.
    words = dict(margin=dict(t=int(top)),
                 meta={**(fig.layout.meta or {}), "title": title, "subtitle": subtitle},
                 title=dict(text=text, yref="container", y=1, yanchor="top",
                            pad=dict(t=int(sizes["title"] * 1.2))))
    # A figure starts with the screen template (theme makes it plotly's default): it is set only
    # when another is needed (setting one validates all of it again, ~5 ms).
    if fig.layout.template != theme.template(meeting):
        words["template"] = theme.template(meeting)
    fig.update_layout(**words)
    if x_title is not None:
        fig.update_xaxes(title_text=x_title, selector=dict(anchor="y"), overwrite=False)
        fig.layout.xaxis.title.text = x_title
    if y_title is not None:
        fig.layout.yaxis.title.text = y_title
    if time_axis is not None:
        fit_time_axes(fig, relative=time_axis != "calendar", axes=time_axes)
    bottom = (fig.layout.template.layout.margin.b or 0) + (theme.sizes(meeting)["legend"] * 2
                                                           if _legend_shown(fig) else 0)
    least = int(top + bottom + MIN_PLOT_HEIGHT[meeting])
    if rows:
        height = max(least, int(top + bottom + rows * ROW_HEIGHT[meeting]))
    else:
        height = max(height or theme.chart_height(meeting), least)
    fig.update_layout(height=int(height))
    _mark_lone_points(fig)
    if caption:
        add_caption(fig, caption, meeting)
    return fig


def _lone_points(x, y) -> np.ndarray:
    """Per point, whether a line through it has nowhere to go: its value stands between gaps (or
    the ends), so plotly draws it as nothing at all."""
    filled = ~(pd.isna(pd.Series(y, dtype=object)) | pd.isna(pd.Series(x, dtype=object))).to_numpy()
    before = np.concatenate([[False], filled[:-1]])
    after = np.concatenate([filled[1:], [False]])
    return filled & ~before & ~after


def _mark_lone_points(fig: go.Figure) -> None:
    """A dot where a line has a single point: the group's course of one week, or a member's one
    week between gaps, was a chart with nothing on it. The dot is as wide as the line is strong."""
    for trace in fig.data:
        if (trace.type not in ("scatter", "scattergl") or trace.mode != "lines" or trace.y is None
                or trace.x is None or not len(trace.y) or trace.line.width == 0):
            continue
        lone = _lone_points(trace.x, trace.y)
        if not lone.any():
            continue
        size = max(6.0, 3 * (trace.line.width or 2))
        marker = dict(size=np.where(lone, size, 0.0), line=dict(width=0))
        if trace.line.color is not None:
            marker["color"] = trace.line.color
        trace.update(mode="lines+markers", marker=marker)


def _legend_shown(fig: go.Figure) -> bool:
    if fig.layout.showlegend is not None:
        return bool(fig.layout.showlegend)
    return sum(1 for t in fig.data if t.showlegend is not False) > 1


# --- time axes ------------------------------------------------------------------------------------------

MIN_DAYS_SHOWN = 28  # a date axis spans at least four weeks: plotly zooms one day down to milliseconds
MIN_WEEKS_SHOWN = 4
DATE_TICKS = (  # never a time of day: days, then months, then years as the span grows
    dict(dtickrange=[None, "M1"], value="%-d %b %Y"),
    dict(dtickrange=["M1", "M12"], value="%b %Y"),
    dict(dtickrange=["M12", None], value="%Y"),
)


def _x_extent(trace, relative: bool) -> tuple | None:
    """(first, last) x of a trace: weeks as floats, or dates as Timestamps (day strings,
    Timestamps and datetime64 alike); None when it has none. Only the two ends are kept: a
    timeline holds thousands of points."""
    x = getattr(trace, "x", None)
    if x is None:
        x0 = getattr(trace, "x0", None)
        x = [] if x0 is None else [x0]
    values = np.asarray(x)
    values = values[~pd.isna(values)]
    if not len(values):
        return None
    # On the array itself, not a Series of it: a Series of day strings is first converted to
    # Arrow strings (21 ms over a demo member timeline's 25 traces, against 1 ms).
    if values.dtype.kind in "fiuM":
        lo, hi = values.min(), values.max()
    else:  # day strings ("2026-03-02") sort as their dates do; Timestamps, floats
        lo, hi = min(values.tolist()), max(values.tolist())
    if relative:
        return float(lo), float(hi)
    # Only the two ends are read as dates.
    return pd.Timestamp(lo), pd.Timestamp(hi)


def fit_time_axes(fig: go.Figure, relative: bool = False, axes: tuple[str, ...] | None = None) -> None:
    """Every time axis of a figure (``axes``: layout names such as "xaxis", "xaxis2"; default all
    the figure's x axes) spans at least ``MIN_DAYS_SHOWN`` days or ``MIN_WEEKS_SHOWN`` weeks,
    centred on the data, with dates (or whole weeks) as tick labels: one relapse, one day or one
    week is a point on a readable calendar, not a line of milliseconds."""
    names = axes or tuple(k for k in fig.layout if k.startswith("xaxis")) or ("xaxis",)
    ends, heat = [], False
    for trace in fig.data:
        if "xaxis" + (trace.xaxis or "x")[1:] not in names:
            continue
        extent = _x_extent(trace, relative)
        if extent is not None:
            ends += extent
            heat = heat or trace.type == "heatmap"
    if relative:
        ticks = {"tickformat": "d"}
        least, half = MIN_WEEKS_SHOWN, 0.5 if heat else 0  # a heatmap's cell reaches half a week out
    else:
        ticks = {"type": "date", "tickformatstops": list(DATE_TICKS)}
        least, half = pd.Timedelta(days=MIN_DAYS_SHOWN), pd.Timedelta(days=3.5 if heat else 0)
    if ends:
        lo, hi = min(ends) - half, max(ends) + half
        if hi - lo < least:
            mid = lo + (hi - lo) / 2
            lo, hi = mid - least / 2, mid + least / 2
            ticks["range"] = [lo, hi] if relative else [f"{lo:%Y-%m-%d %H:%M}", f"{hi:%Y-%m-%d %H:%M}"]
        if relative and hi - lo <= 12:
            ticks["dtick"] = 1
    for name in names:
        if name not in fig.layout:
            fig.layout[name] = ticks
            continue
        # Set one by one: update_layout merges the list of tick format stops item by item, nine
        # times slower (6 ms an axis against 0.7: 60 ms on a demo member timeline's ten panels).
        axis = fig.layout[name]
        for key, value in ticks.items():
            axis[key] = value


def _label_every_row(fig: go.Figure, rows: list[str]) -> None:
    """Top to bottom, a label on every row: plotly skips labels it thinks are crowded."""
    fig.update_yaxes(autorange="reversed", type="category", tickmode="array", tickvals=rows, ticktext=rows)


def _heatmap_x(columns, relative: bool) -> dict:
    """A heatmap's x: its week columns, or for a single week the week and its width (plotly gives a
    lone column the width of one millisecond)."""
    if len(columns) == 1:
        return {"x0": columns[0], "dx": 1 if relative else 7 * 24 * 3600 * 1000}
    return {"x": columns}


def title_parts(fig: go.Figure) -> tuple[str, str]:
    """(title, subtitle) of a figure made here, as written before wrapping for its width."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    return str(meta.get("title", fig.layout.title.text or "")), str(meta.get("subtitle", ""))


def restyle(fig: go.Figure, meeting: bool = True) -> go.Figure:
    """A copy of a figure made here, drawn in the screen or meeting style: its template, its title
    block wrapped for that type size, and (meeting) no text smaller than the meeting minimum.
    The caption written inside, if any, is left out: the caller adds the one it needs."""
    out = go.Figure(fig)
    floor = theme.sizes(meeting)["annotation"]
    out.layout.annotations = [a for a in out.layout.annotations if a.name != "caption"]
    if meeting:
        for note in out.layout.annotations:
            if note.font.size is not None and note.font.size < floor:
                note.font.size = floor
        for trace in out.data:
            textfont = getattr(trace, "textfont", None)
            if textfont is not None and textfont.size is not None and textfont.size < floor:
                textfont.size = floor
    title, subtitle = title_parts(fig)
    return _finish(out, title, subtitle, meeting)


def add_caption(fig: go.Figure, caption: str, meeting: bool = False) -> go.Figure:
    """Writes the caption (n, span, generated on, not medical advice) into the figure itself, so a
    PNG or a screenshot carries it. Returns the same figure.

    The caption goes under the x axis' tick labels and title, the legend under the caption. Plotly
    would move the plot up to fit long tick labels (automargin) but not the caption with it, so
    the room below the plot is measured here and the bottom axes keep the margin given."""
    sizes = theme.sizes(meeting)
    size = sizes["annotation"]
    lines = textwrap.wrap(caption, 95 if meeting else 130)
    depth = _axis_depth(fig, sizes)
    fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="top", yshift=-depth, showarrow=False, align="left",
                       font=dict(size=size), name="caption")
    legend = _legend_depth(fig, sizes["legend"], meeting)
    fig.update_layout(margin=dict(b=int(depth + size * 1.35 * len(lines) + legend + 16)))
    fig.update_xaxes(automargin=False)
    return fig


def _axis_depth(fig: go.Figure, sizes: dict[str, int]) -> int:
    """Pixels under the plot taken by the bottom axis: tick labels (as many lines as the longest
    wrapped label) and the axis title."""
    lines = 1
    for trace in fig.data:
        if trace.type == "heatmap" and trace.x is not None:
            lines = max(lines, *(str(x).count("<br>") + 1 for x in trace.x))
    for name in (k for k in fig.layout if k.startswith("xaxis")):
        axis = fig.layout[name]
        if axis.ticktext:
            lines = max(lines, *(str(t).count("<br>") + 1 for t in axis.ticktext))
    titled = any(fig.layout[k].title.text for k in fig.layout if k.startswith("xaxis"))
    return int(sizes["tick"] * 1.3 * lines + 14 + (sizes["base"] * 1.6 if titled else 0) + 8)


def _legend_depth(fig: go.Figure, size: int, meeting: bool) -> int:
    """Pixels for the legend row(s) at the bottom: entries of about their text's width."""
    if not _legend_shown(fig):
        return 0
    names = [str(t.name or "") for t in fig.data if t.showlegend is not False and t.name]
    width = sum(len(n) * size * 0.6 + 50 for n in dict.fromkeys(names))
    rows = max(1, -(-int(width) // (1180 if meeting else 900)))
    return int(rows * size * 1.6 + 8)


def empty_figure(title: str, message: str, meeting: bool = False, caption: str | None = None) -> go.Figure:
    """A figure with no data, only a message saying why (e.g. too few members to draw)."""
    fig = go.Figure()
    fig.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font=dict(size=theme.sizes(meeting)["title"]))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _finish(fig, title, message, meeting, caption=caption, height=300)


def members_text(n: int) -> str:
    """"1 member", "3 members": the one place a count of members is put into words."""
    return theme.members_text(n)


def _n_text(n: int) -> str:
    return f"n = {members_text(n)}"


def _n_range(n: pd.Series) -> str:
    n = n[n > 0]
    if n.empty:
        return _n_text(0)
    lo, hi = int(n.min()), int(n.max())
    return _n_text(hi) if lo == hi else f"n = {lo}–{hi} members"


def _broken(frame: pd.DataFrame, keys: list[str], x: str, columns: list[str],
            max_step=None) -> dict[str, np.ndarray]:
    """Arrays for one line trace with a break (NaN / None) after each ``keys`` group ends, and
    (``max_step`` given) wherever consecutive x values of a group are further apart than that."""
    # One whole-number key (a member timeline's segments): compared as numbers, and the rows not
    # sorted when they already are in order (sorting and text keys took 60% of the 30 ms this
    # took for a 40-family member's 13 panels).
    numbered = len(keys) == 1 and pd.api.types.is_integer_dtype(frame[keys[0]])
    if not (numbered and _in_order(frame[keys[0]].to_numpy(), frame[x].to_numpy())):
        frame = frame.sort_values([*keys, x])
    boundary = np.zeros(len(frame), dtype=bool)
    if len(frame):
        if numbered:
            codes = frame[keys[0]].to_numpy()
        else:
            codes = frame[keys].astype("str").agg("\x1f".join, axis=1).to_numpy() if len(keys) > 1 \
                else frame[keys[0]].astype("str").to_numpy()
        boundary[:-1] = codes[1:] != codes[:-1]
        if max_step is not None:
            steps = np.diff(frame[x].to_numpy())
            boundary[:-1] |= steps > max_step
    positions = np.flatnonzero(boundary) + 1
    out = {}
    for col in [x, *columns]:
        column = frame[col]
        if pd.api.types.is_float_dtype(column) or pd.api.types.is_integer_dtype(column):
            out[col] = np.insert(column.to_numpy(dtype="float64"), positions, np.nan)
        elif pd.api.types.is_datetime64_any_dtype(column):
            # Day strings: plotly serialises them as they are, not Timestamp by Timestamp.
            days = np.datetime_as_string(column.to_numpy().astype("datetime64[D]"), unit="D").astype(object)
            out[col] = np.insert(days, positions, None)
        else:  # text: None breaks the line
            out[col] = np.insert(column.astype(object).to_numpy(), positions, None)
    return out


def _in_order(keys: np.ndarray, x: np.ndarray) -> bool:
    """Whether rows are sorted by key, then x (as a stable sort would leave them)."""
    later = keys[1:] > keys[:-1]
    return bool(np.all(later | ((keys[1:] == keys[:-1]) & (x[1:] >= x[:-1]))))


def _band(fig: go.Figure, x, lo, hi, median, name: str, meeting: bool, row=None, col=None,
          n=None) -> None:
    kw = dict(row=row, col=col) if row is not None else {}
    fig.add_trace(go.Scatter(x=x, y=hi, mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False,
                             connectgaps=False, name="upper quartile"), **kw)
    fig.add_trace(go.Scatter(x=x, y=lo, mode="lines", line=dict(width=0), fill="tonexty",
                             fillcolor=theme.rgba(theme.GROUP_COLOR, 0.18 if meeting else 0.12),
                             connectgaps=False, name="Middle half of members (IQR)", hoverinfo="skip"), **kw)
    custom = None if n is None else np.array([_n_text(int(v)) for v in n], dtype=object)
    fig.add_trace(go.Scatter(x=x, y=median, mode="lines", name=name, connectgaps=False, customdata=custom,
                             line=dict(color=theme.GROUP_COLOR, width=theme.line_width(meeting, strong=True)),
                             hovertemplate="%{x}<br>median %{y:.1f}"
                             + ("<br>%{customdata}" if n is not None else "")
                             + "<extra></extra>"), **kw)


# --- overview -------------------------------------------------------------------------------------------

def group_course_figure(group_course: GroupCourse, meeting: bool = False, caption: str | None = None,
                        time_axis: str = "calendar") -> go.Figure:
    """Median and interquartile band of the total per calendar week (``analysis.group_course``), or
    per week since each member's first log or onset (``time_axis``, with ``anchors`` given there)."""
    course, measure = group_course.table, group_course.measure
    title = "The group's course: median and middle half of members, week by week"
    shown = course.loc[~course["suppressed"]]
    if shown.empty:
        return empty_figure(title, f"Not drawn: every week has fewer than {min_group_size()} members.",
                            meeting, caption)
    fig = go.Figure()
    _band(fig, course["week"], course["q25"], course["q75"], course["median"], "Group median", meeting,
          n=course["n_members"])
    fig.update_yaxes(range=[0, measure_max(measure)])
    subtitle = (f"{measure_label(measure)} · {_n_range(shown['n_members'])} logging each week · weeks "
                f"under {min_group_size()} members not drawn")
    subtitle += _relative_note(time_axis, group_course.excluded)
    return _finish(fig, title, subtitle, meeting, week_axis_title(time_axis), measure_label(measure), caption,
                   time_axis=time_axis)


def week_axis_title(time_axis: str) -> str:
    """The x-axis words for weekly charts: "Week" (calendar) or "Weeks since first log" / "onset"."""
    return "Week" if time_axis == "calendar" else TIME_AXES[time_axis]


def _relative_note(time_axis: str, excluded) -> str:
    if time_axis == "calendar":
        return ""
    what = TIME_AXES[time_axis].lower().replace("weeks since ", "")
    left = f"; {members_text(len(excluded))} without one left out" if len(excluded) else ""
    return f" · week 0: each member's week of {what}{left}"


def _week_hover(time_axis: str) -> str:
    return "week of %{x|%d %b %Y}" if time_axis == "calendar" else "week %{x}"


def completeness_figure(table: pd.DataFrame, meeting: bool = False, reveal: bool = False,
                        caption: str | None = None, labels: Mapping[str, str] | None = None,
                        time_axis: str = "calendar", excluded: Sequence[str] = ()) -> go.Figure:
    """Days logged per member and week (``analysis.completeness``) as a heatmap; weeks before a
    member's first log are grey ("not yet logging"), weeks with nothing logged white. ``excluded``:
    the members ``analysis.relative_weeks`` left out, for the subtitle to count."""
    labels = _labels_for(table["member"].unique(), labels, reveal)
    # -1 stands for "not yet logging" so it gets its own colour, apart from 0 days logged.
    z_table = table.assign(z=table["days_logged"].fillna(-1.0))
    grid = z_table.pivot(index="member", columns="week", values="z")
    order = sorted(grid.index, key=lambda m: labels[m])
    grid = grid.reindex(order)
    z = grid.to_numpy(dtype="float64")
    # A cell no member row fills (weeks since onset or first log: members' spans differ in length)
    # is left empty, with words saying so.
    outside = np.isnan(z)
    logged = np.char.mod("%d of 7 days logged", np.clip(np.where(outside, 0, z), 0, 7).astype(int))
    words = np.where(outside, "outside this member's weeks", np.where(z < 0, "not yet logging", logged))
    scale = [[0.0, theme.NOT_YET_COLOR], [0.124, theme.NOT_YET_COLOR], [0.125, "#FFFFFF"],
             [1.0, theme.OKABE_ITO["blue"]]]
    rows = [labels[m] for m in grid.index]
    fig = go.Figure(go.Heatmap(
        z=z, **_heatmap_x(grid.columns, time_axis != "calendar"), y=rows, customdata=words,
        zmin=-1, zmax=7, colorscale=scale, xgap=1, ygap=1,
        colorbar=dict(title=dict(text="days logged"), tickvals=[-1, 0, 7],
                      ticktext=["not yet logging", "0", "7"]),
        hovertemplate="%{y}<br>" + _week_hover(time_axis) + "<br>%{customdata}<extra></extra>"))
    _label_every_row(fig, rows)
    subtitle = (f"{_n_text(len(grid))} · {theme.plural(grid.shape[1], 'week')} · white: nothing logged that "
                "week · grey: before the member's first log")
    subtitle += _relative_note(time_axis, excluded)
    return _finish(fig, "Logging completeness: days logged per member and week", subtitle, meeting,
                   week_axis_title(time_axis), "Member", caption, rows=len(rows), time_axis=time_axis)


def latest_state_figure(state: pd.DataFrame, meeting: bool = False, window_days: int = 14,
                        caption: str | None = None) -> go.Figure:
    """Members at each severity level per item (``analysis.latest_state``), as stacked bars."""
    title = "Latest state per symptom: how many members are at each level"
    shown = state.loc[~state["suppressed"]]
    if shown.empty:
        return empty_figure(title, f"Not drawn: no symptom has {min_group_size()} or more members.",
                            meeting, caption)
    labels = [schema.item_label(i) for i in shown["item"]]
    fig = go.Figure()
    for level, color in zip(LEVEL_NAMES, theme.LEVEL_COLORS, strict=True):
        counts = [members_text(int(c)) for c in shown[level]]
        fig.add_trace(go.Bar(y=labels, x=shown[level], name=level, orientation="h", marker_color=color,
                             marker_line=dict(color="#000000", width=0.5), customdata=counts,
                             hovertemplate="%{y}<br>" + level + ": %{customdata}<extra></extra>"))
    fig.update_layout(barmode="stack", legend=dict(traceorder="normal", title=dict(text="Level: ")))
    fig.update_yaxes(autorange="reversed")
    hidden = len(state) - len(shown)
    subtitle = (f"Each member's mean over their last {window_days} days of logs · "
                f"{_n_range(shown['n_members'])} per symptom")
    if hidden:
        subtitle += (f" · {theme.plural(hidden, 'symptom')} with fewer than {min_group_size()} members "
                     "not drawn")
    return _finish(fig, title, subtitle, meeting, "Number of members", "Symptom", caption,
                   rows=int(1.6 * len(shown)))


# --- one member --------------------------------------------------------------------------------------

MEMBER_MEETING_HEIGHT = theme.MEETING_MAX_HEIGHT  # see theme: the chart and its caption on one screen
PANELS_THAT_FIT = {False: 13, True: 2}  # score panels of 160 px on a screen (total + 12), 110+ on a projector
LANE_WRAP = 20  # characters of a treatment's name beside its lane ("Trazodone (sleep)" on one line)


def member_timeline_figure(member_timeline: MemberTimeline, member_label: str,
                           treatments: pd.DataFrame | None = None, events: pd.DataFrame | None = None,
                           relapses: pd.DataFrame | None = None,
                           meeting: bool = False, window_days: int = 7, show_points: bool = True,
                           caption: str | None = None, anchor=None,
                           time_axis: str = "calendar", one_panel: bool | None = None) -> go.Figure:
    """One member's small multiples (``analysis.member_timeline``): the total first, then each item.

    ``one_panel``: the symptoms drawn as lines in one panel under the total, named in the legend
    (default: when their panels would not fit, ``PANELS_THAT_FIT``: in meeting mode beyond the total
    and one symptom), so the chart keeps a projector's 1280x720 for any number of symptoms.

    Dots are daily scores, the line the rolling mean drawn per segment (a gap stays a gap).
    Treatments (rows of one member's treatments table) are labelled lanes in a panel of their own
    below the scores, in colours no symptom uses, with events as markers there; relapse starts
    found by the rule (``analysis.detect_relapses``) are a cross on the total and a dashed line
    through every panel, apart from a relapse the family noted (a star in the events lane). With
    ``anchor`` (the member's first log or onset day) time is drawn as weeks since it
    (``time_axis`` names which), not as calendar dates.
    """
    timeline, measure = member_timeline.table, member_timeline.measure or "mean_severity"
    order = {item.id: i for i, item in enumerate(schema.ITEMS)}
    present = timeline["series"].unique().tolist()
    series = sorted(present, key=lambda s: (-1 if s == "total" else order.get(s, len(order)), s))
    treatments = treatments if treatments is not None else pd.DataFrame(columns=["treatment", "start", "end"])
    events = events if events is not None else pd.DataFrame(columns=["date", "kind"])
    x_hover, x_title = "%{x|%d %b %Y}", "Date"
    if anchor is not None:  # every date becomes weeks since the anchor day
        def weeks(values):
            return ((pd.to_datetime(pd.Series(values, dtype="datetime64[ns]")) - pd.Timestamp(anchor))
                    .dt.days / 7).round(2).to_numpy()

        timeline = timeline.assign(date=weeks(timeline["date"]))
        treatments = treatments.assign(start=weeks(treatments["start"]), end=weeks(treatments["end"]))
        events = events.assign(date=weeks(events["date"]))
        relapses = None if relapses is None else relapses.assign(start=weeks(relapses["start"]))
        x_hover, x_title = "week %{x:.1f}", TIME_AXES[time_axis]
    has_lanes = len(treatments) > 0 or len(events) > 0
    if not series:
        return empty_figure(f"{member_label}: nothing logged in this range", "No scores to draw.", meeting,
                            caption)
    label_of = {s: ("Total: " + measure_label(measure)) if s == "total" else schema.item_label(s)
                for s in series}
    label_of = {s: "<br>".join(textwrap.wrap(n, 70)) for s, n in label_of.items()}  # a long name wraps
    symptoms = [s for s in series if s != "total"]
    if one_panel is None:
        one_panel = len(series) > PANELS_THAT_FIT[meeting]
    # Each panel: (its title, the series drawn in it). One panel for all the symptoms keeps the
    # chart a projector's height whatever the number chosen (a dozen panels squeezed into 600 px
    # ran their titles into each other); their names are in the legend.
    if one_panel and len(symptoms) > 1:
        panels = [*([(label_of["total"], ["total"])] if "total" in series else []),
                  (f"Symptoms ({window_days}-day means)", symptoms)]
    else:
        panels = [(label_of[s], [s]) for s in series]
    together = len(panels) < len(series)  # the symptoms share a panel
    rows = len(panels) + (1 if has_lanes else 0)
    lane_names = sorted(treatments["treatment"].astype("str").unique().tolist()) if len(treatments) else []
    lane_height = 0.2 + 0.3 * (len(lane_names) + (1 if len(events) else 0))
    # With one or two score panels (meeting mode shows the total alone) the lanes would otherwise
    # take most of the height: they get at most about half of it.
    lane_height *= min(1.0, len(panels) / 2)
    heights = [1.0] * len(panels)
    if together:  # the shared panel holds every symptom's line: it gets the room the total can spare
        heights = [1.0] * (len(panels) - 1) + [1.6]
    heights += [lane_height] if has_lanes else []
    titles = tuple([t for t, _ in panels] + (["Treatments and events"] if has_lanes else []))
    layout = copy.deepcopy(_panel_layout(titles, tuple(heights)))
    for note in layout["annotations"]:
        note["font"] = {"size": theme.sizes(meeting)["base"]}
    points = len(timeline)
    show_points = show_points and points <= MAX_RAW_POINTS
    date_max = timeline["date"].max()
    # Traces, axes and shapes are collected and the figure made from them at once: plotly
    # re-validates the whole figure on every add_trace / update_yaxes, which on a dozen panels cost
    # more than the data. Traces are dicts, validated once as the figure is made (a go.Scatter is
    # validated when made and again when the figure copies it in).
    traces = []
    for r, (_, drawn) in enumerate(panels, start=1):
        shared = len(drawn) > 1
        for s in drawn:
            part = timeline.loc[timeline["series"] == s]
            color = theme.GROUP_COLOR if s == "total" else theme.color_for_item(s)
            kind = _scatter_type(len(part))
            if show_points and not shared:  # a shared panel draws the means alone: dots of ten blur
                days = (part["date"].to_numpy() if anchor is not None else
                        np.datetime_as_string(part["date"].to_numpy().astype("datetime64[D]"), unit="D"))
                traces.append(dict(type=kind, x=days, y=part["value"].to_numpy(), mode="markers",
                                   name="daily score", legendgroup="points",
                                   showlegend=r == 1 and not together,
                                   marker=dict(color=theme.rgba(color, 0.45), size=7 if meeting else 4),
                                   hovertemplate=x_hover + ": %{y:.1f}<extra>" + label_of[s] + "</extra>",
                                   **_panel(r)))
            line = _broken(part, ["segment"], "date", ["rolling"])
            traces.append(dict(type=kind, x=line["date"], y=line["rolling"], mode="lines", connectgaps=False,
                               name=label_of[s] if shared else f"{window_days}-day mean",
                               legendgroup=s if shared else "mean",
                               showlegend=shared or (r == 1 and not together),
                               line=dict(color=color, width=theme.line_width(meeting, strong=s == "total")),
                               hovertemplate=x_hover + ": mean %{y:.2f}<extra>" + label_of[s] + "</extra>",
                               **_panel(r)))
        top = measure_max(measure) if drawn == ["total"] else float(schema.SEVERITY_MAX)
        layout[_axis_name("yaxis", r)].update(range=[-0.1 * top, top * 1.08],
                                              title={"text": "total" if drawn == ["total"] else "score"},
                                              # a short panel in meeting type: fewer, apart
                                              nticks=(3 if drawn == ["total"] else 4) if together else None)
    # Shapes span every panel (yref "paper") and are set in one go: add_vrect/add_vline per panel
    # re-validate the whole figure each call (seconds on a long timeline). Treatments are drawn
    # only in their own lanes: over the score panels they hid the score-3 line.
    shapes = []
    day_text = ((lambda v: f"week {v:.1f}") if anchor is not None
                else (lambda v: f"{pd.Timestamp(v):%-d %b %Y}"))
    if has_lanes:
        lane_row = rows
        for name in lane_names:
            courses = treatments.loc[treatments["treatment"].astype("str") == name]
            label = schema.treatment_label(name)
            lane = "<br>".join(textwrap.wrap(label, LANE_WRAP))  # a long name wraps beside its lane
            xs, ys, words = [], [], []
            for start, end in zip(courses["start"], courses["end"], strict=True):
                ongoing = pd.isna(end)
                xs += [start, date_max if ongoing else end, None]
                ys += [lane] * 2 + [None]
                said = f"{label}: {day_text(start)} – {'ongoing' if ongoing else day_text(end)}"
                words += [said, said, None]
            # Markers at both ends keep a one-day course (a rituximab infusion) visible.
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines+markers", name=label, text=words,
                               marker=dict(symbol="line-ns-open", size=18 if meeting else 14,
                                           color=theme.color_for_treatment(name), line=dict(width=3)),
                               line=dict(color=theme.color_for_treatment(name), width=14 if meeting else 10),
                               legendgroup="treatments", showlegend=False,  # its lane says it
                               hovertemplate="%{text}<extra></extra>", **_panel(lane_row)))
        for kind, part in events.groupby("kind", sort=True):
            color, symbol = theme.event_style(str(kind))
            label = schema.EVENT_LABELS.get(str(kind), str(kind))
            label = f"{label} by the family" if kind == "relapse" else label
            traces.append(dict(type="scatter", x=part["date"], y=["Events"] * len(part), mode="markers",
                               name=label, marker=dict(color=color, symbol=symbol, size=16 if meeting else 11,
                                                       line=dict(color="#000000", width=1)),
                               hovertemplate=x_hover + "<extra>" + label + "</extra>", **_panel(lane_row)))
        lanes = [*(["Events"] if len(events) else []),
                 *["<br>".join(textwrap.wrap(schema.treatment_label(n), LANE_WRAP))
                   for n in reversed(lane_names)]]
        layout[_axis_name("yaxis", lane_row)].update(
            title={"text": ""}, type="category", categoryorder="array", categoryarray=lanes,
            tickmode="array", tickvals=lanes, ticktext=lanes, range=[-0.6, len(lanes) - 0.4])
    if relapses is not None and len(relapses):
        total_row = 1  # the total's panel comes first
        traces.append(dict(type="scatter", x=relapses["start"], y=relapses["start_value"], mode="markers",
                           name="relapse start (found by the rule)",
                           marker=dict(symbol="x", size=18 if meeting else 12, color=theme.GROUP_COLOR,
                                       line=dict(width=2)),
                           hovertemplate="relapse observed from " + x_hover + "<extra></extra>",
                           **_panel(total_row)))
        shapes += [dict(type="line", xref="x", yref="paper", x0=start, x1=start, y0=0, y1=1,
                        line=dict(color=theme.GROUP_COLOR, dash="dash", width=1.5))
                   for start in relapses["start"]]
    layout["shapes"] = shapes
    fig = go.Figure(data=traces, layout=layout)
    dots = ("dots: daily scores" if show_points
            else f"daily dots not drawn (over {MAX_RAW_POINTS:,} scores: choose fewer symptoms or dates)")
    subtitle = f"{_n_text(1)} · {dots} · line: {window_days}-day mean, gaps over a week left open"
    if together:  # one line of words: the legend names the symptoms, the lanes' title the treatments
        dots = "dots: daily total" if show_points else "daily dots not drawn"
        subtitle = f"{_n_text(1)} · {dots} · lines: {window_days}-day means, gaps over a week left open"
    if len(treatments) and not together:  # (together: the lanes' panel title says it, a line saved)
        subtitle += " · treatments in the lanes at the bottom"
    if relapses is not None and len(relapses):
        found = "by" if together else "found by"
        subtitle += f" · ×: {theme.plural(len(relapses), 'relapse')} {found} the rule"
    # A projector fits the whole member on one screen while each panel keeps 90 px.
    per_row = max(110, (theme.MEETING_MAX_HEIGHT - 330) / sum(heights)) if meeting else 160
    height = 140 + int(per_row * sum(heights))
    if together and meeting:  # the screen: the legend of symptom names takes rows of its own
        height = MEMBER_MEETING_HEIGHT
    what = "the total over time" if series == ["total"] else "each symptom over time"
    fig = _finish(fig, f"{member_label}: {what}", subtitle, meeting, caption=caption,
                  height=height, time_axis=time_axis if anchor is not None else "calendar")
    if together and not caption:  # room under the time axis for every row of the legend
        sizes = theme.sizes(meeting)
        fig.update_layout(margin=dict(b=_axis_depth(fig, sizes) + _legend_depth(fig, sizes["legend"], meeting)
                                      + 16))
    fig.layout.xaxis.title.text = None
    fig.layout[_axis_name("xaxis", rows)].title.text = x_title
    return fig


@functools.lru_cache(maxsize=16)
def _panel_layout(titles: tuple[str, ...], heights: tuple[float, ...]) -> dict:
    """make_subplots' layout for panels stacked on one shared time axis, made once per set of panels
    (about 0.1 s for a dozen panels; a copy of the layout costs next to nothing)."""
    rows = len(titles)
    # Room between panels for the next panel's title (a fraction of the plot's height: more when few).
    spacing = 0.09 if rows <= 3 else 0.04 if rows < 8 else 0.02
    layout = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=spacing,
                           row_heights=list(heights), subplot_titles=list(titles)).to_dict()["layout"]
    # Without its template: the figure made from this layout starts from the default one (ours,
    # already validated: see _finish) instead of validating this copy of it.
    layout.pop("template", None)
    return layout


def _axis_name(kind: str, row: int) -> str:
    """ "yaxis" for the first panel, "yaxis3" for the third (one column of panels)."""
    return kind if row == 1 else f"{kind}{row}"


def _panel(row: int) -> dict:
    """A trace's axes for the panel in ``row``."""
    suffix = "" if row == 1 else str(row)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


# --- compare ------------------------------------------------------------------------------------------

def cohort_figure(cohort: Cohort, measure: str, meeting: bool = False, reveal: bool = False,
                  treatment: str | None = None, caption: str | None = None,
                  labels: Mapping[str, str] | None = None) -> go.Figure:
    """Each member's weekly course as a thin line, the group median and interquartile band over them."""
    members = cohort.members
    # Members are binned by week: the axis says weeks (the sidebar's unit), not days.
    axis = ALIGNMENTS[cohort.by].replace("Days", "Weeks") if cohort.by != "treatment" or not treatment else \
        f"Weeks since starting {schema.treatment_label(treatment)}"
    calendar = cohort.by == "calendar"
    n = members["member"].nunique()
    title = f"Members' courses by {axis.lower()}, with the group median"
    if n == 0:
        return empty_figure(title, "No member has data for this alignment.", meeting, caption)
    labels = _labels_for(members["member"].unique(), labels, reveal)
    frame = members.assign(label=members["member"].map(labels))
    if not calendar:
        frame = frame.assign(x=frame["x"] / 7)
    # A week with no data breaks the member's line: never a straight line across missing weeks.
    step = np.timedelta64(7, "D") if calendar else 1
    line = _broken(frame, ["member"], "x", ["value", "label"], max_step=step)
    fig = go.Figure()
    fig.add_trace(dict(type=_scatter_type(len(frame)), x=line["x"], y=line["value"], text=line["label"],
                       mode="lines", connectgaps=False, name="Members (one line each)",
                       line=dict(color=theme.rgba(theme.MEMBER_COLOR, 0.7), width=1.5 if meeting else 1),
                       hovertemplate="%{text}<br>%{x}: %{y:.1f}<extra></extra>"))
    group = cohort.group
    drawn = not group["suppressed"].all()
    if drawn:
        x = group["x"] if calendar else group["x"] / 7
        _band(fig, x, group["q25"], group["q75"], group["median"], "Group median", meeting,
              n=group["n_members"])
    fig.update_yaxes(range=[0, measure_max(measure)])
    if cohort.by != "calendar":
        fig.add_vline(x=0, line=dict(color=theme.GROUP_COLOR, dash="dot", width=1.5))
    excluded = f" · {len(cohort.excluded)} without this start left out" if cohort.excluded else ""
    band = (f"median {suppressed_note()}" if drawn
            else f"group median not drawn: under {min_group_size()} members at every point")
    subtitle = f"{_n_text(n)}{excluded} · weekly means, lines broken at weeks without a log · {band}"
    return _finish(fig, title, subtitle, meeting, "Week" if calendar else axis,
                   measure_label(measure), caption, time_axis="calendar" if calendar else "weeks")


def heatmap_figure(weekly: pd.DataFrame, item: str | None = None, meeting: bool = False, reveal: bool = False,
                   caption: str | None = None, labels: Mapping[str, str] | None = None,
                   time_axis: str = "calendar", measure: str | None = None,
                   title: str | None = None, excluded: Sequence[str] = ()) -> go.Figure:
    """Members × weeks mean severity (``analysis.weekly_severity``), or (``measure``) weekly means
    of that measure on its own scale. ``excluded``: the members ``analysis.relative_weeks`` left out."""
    what = "all symptoms" if item is None else schema.item_label(item)
    title = title or f"Mean severity per member and week: {what}"
    if weekly.empty:
        return empty_figure(title, "Nothing logged in this range.", meeting, caption)
    labels = _labels_for(weekly["member"].unique(), labels, reveal)
    grid = weekly.pivot(index="member", columns="week", values="value")
    every_week = (pd.date_range(grid.columns.min(), grid.columns.max(), freq="7D") if time_axis == "calendar"
                  else range(int(grid.columns.min()), int(grid.columns.max()) + 1))
    grid = grid.reindex(columns=every_week)
    grid = grid.reindex(sorted(grid.index, key=lambda m: labels[m]))
    rows = [labels[m] for m in grid.index]
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(dtype="float64"), **_heatmap_x(grid.columns, time_axis != "calendar"), y=rows, zmin=0,
        zmax=schema.SEVERITY_MAX if measure is None else measure_max(measure),
        colorscale=theme.SEVERITY_SCALE, xgap=1, ygap=1,
        colorbar=dict(title=dict(text="severity"), tickvals=list(schema.SEVERITY_LABELS),
                      ticktext=[f"{k} {v}" for k, v in schema.SEVERITY_LABELS.items()]) if measure is None
        else dict(title=dict(text="weekly<br>mean")),
        hovertemplate="%{y}<br>" + _week_hover(time_axis) + "<br>mean %{z:.2f}<extra></extra>"))
    _label_every_row(fig, rows)
    scale = "0 none – 3 severe" if measure is None else measure_label(measure)
    subtitle = (f"{_n_text(len(grid))} · {theme.plural(grid.shape[1], 'week')} · {scale} · "
                "blank: no log that week")
    subtitle += _relative_note(time_axis, excluded)
    return _finish(fig, title, subtitle, meeting, week_axis_title(time_axis), "Member", caption,
                   rows=len(rows), time_axis=time_axis)


def profile_figure(profiles: Profiles, meeting: bool = False, reveal: bool = False,
                   caption: str | None = None, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Mean severity per item: a thin line per member, the group mean (members weighted equally) in black."""
    members = profiles.members
    title = "Symptom profiles: mean severity per symptom"
    if members.empty:
        return empty_figure(title, "Nothing logged in this range.", meeting, caption)
    order = {item.id: i for i, item in enumerate(schema.ITEMS)}
    items = sorted(members["item"].unique(), key=lambda i: (order.get(i, len(order)), i))
    names = {i: schema.item_label(i) for i in items}
    labels = _labels_for(members["member"].unique(), labels, reveal)
    frame = members.assign(pos=members["item"].map({i: k for k, i in enumerate(items)}),
                           label=members["member"].map(labels), name=members["item"].map(names))
    line = _broken(frame, ["member"], "pos", ["mean", "label", "name"])
    # Symptoms down the side (horizontal): every name is written out in full and level with its row.
    fig = go.Figure(go.Scatter(y=line["pos"], x=line["mean"], text=line["label"], customdata=line["name"],
                               mode="lines+markers", name="Members (one line each)", connectgaps=False,
                               line=dict(color=theme.rgba(theme.MEMBER_COLOR, 0.7),
                                         width=1.5 if meeting else 1),
                               marker=dict(size=6 if meeting else 4, color=theme.MEMBER_COLOR),
                               hovertemplate="%{text}<br>%{customdata}: %{x:.2f}<extra></extra>"))
    group = profiles.group.set_index("item").reindex(items)
    shown = group.loc[~group["suppressed"].astype(bool)]
    if len(shown):
        fig.add_trace(go.Scatter(
            y=[items.index(i) for i in shown.index], x=shown["mean"], mode="lines+markers", name="Group mean",
            customdata=[_n_text(int(n)) for n in shown["n_members"]],
            line=dict(color=theme.GROUP_COLOR, width=theme.line_width(meeting, strong=True)),
            marker=dict(size=14 if meeting else 9, color=[theme.color_for_item(i) for i in shown.index],
                        line=dict(color=theme.GROUP_COLOR, width=2)),
            hovertemplate="%{x:.2f} (%{customdata})<extra>Group mean</extra>"))
    fig.update_yaxes(tickvals=list(range(len(items))), ticktext=[names[i] for i in items],
                     autorange="reversed")
    fig.update_xaxes(range=[0, schema.SEVERITY_MAX])
    n = members["member"].nunique()
    note = "" if len(shown) == len(group) else f" · group mean {suppressed_note()}"
    subtitle = f"{_n_text(n)} · mean of daily scores, 0 none – 3 severe{note}"
    return _finish(fig, title, subtitle, meeting, "Mean severity (0-3)", "Symptom", caption,
                   rows=int(1.6 * len(items)))


def _other_treatments(per_member: pd.DataFrame) -> np.ndarray:
    """Per member: ", also started X" when another treatment started within the window, else ""."""
    if "other_treatment" not in per_member:
        return np.full(len(per_member), "", dtype=object)
    other = per_member["other_treatment"].fillna("").astype("str").to_numpy(dtype=object)
    return np.array([f", also started {', '.join(schema.treatment_label(t) for t in o.split(', '))}"
                     if o else "" for o in other], dtype=object)


def before_after_figure(result: BeforeAfter, measure: str, meeting: bool = False, reveal: bool = False,
                        caption: str | None = None, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Slope chart: each member's mean in the weeks before vs after their first start of the treatment.

    Members with fewer than ``result.min_logs`` logs on a side are drawn with hollow markers (and left
    out of the median); the group median is drawn only from ``MIN_TREND_MEMBERS`` members up; a
    treatment started by fewer than k members shows no member at all.
    """
    name = schema.treatment_label(result.treatment)
    title = f"Before and after starting {name}: each member's mean ({ASSOCIATION})"
    if result.hidden:
        return empty_figure(title, f"Hidden: fewer than {min_group_size()} members started {name}, and "
                                   "showing their courses could identify them.", meeting, caption)
    complete = result.per_member.dropna(subset=["before", "after"])
    if complete.empty:
        return empty_figure(title, f"No member has logs both before and after starting {name}.", meeting,
                            caption)
    sides = [f"{result.weeks} weeks before", f"{result.weeks} weeks after"]
    labels = _labels_for(complete["member"], labels, reveal)
    fig = go.Figure()
    few = complete["few_logs"].to_numpy(dtype=bool)
    for part, hollow in ((complete.loc[~few], False), (complete.loc[few], True)):
        if part.empty:
            continue
        n = len(part)
        # One trace for all members, a break (None) after each member's pair: 100 traces would be slow.
        x = np.tile(np.array([sides[0], sides[1], None], dtype=object), n)

        def pairs(before: str, after: str, part=part, n=n) -> np.ndarray:
            return np.column_stack([part[before].to_numpy(dtype="float64"),
                                    part[after].to_numpy(dtype="float64"), np.full(n, np.nan)]).ravel()

        names = np.repeat(part["member"].map(labels).to_numpy(dtype=object), 3)
        others = _other_treatments(part)
        logs = [text for before, after, other in zip(part["n_before"], part["n_after"], others, strict=True)
                for text in (theme.plural(int(before), "log"), theme.plural(int(after), "log") + other, None)]
        # A member who started another treatment in the same weeks is a diamond: the change is not
        # this treatment's alone to be seen with.
        symbols = np.repeat(np.where(others != "", "diamond", "circle").astype(object), 3)
        if hollow:
            symbols = symbols + "-open"
        label = (f"Members with under {result.min_logs} logs on a side (hollow)" if hollow
                 else "Members (one line each)")
        fig.add_trace(go.Scatter(
            x=x, y=pairs("before", "after"), text=names, customdata=logs,
            mode="lines+markers", name=label, connectgaps=False,
            line=dict(color=theme.rgba(theme.MEMBER_COLOR, 0.5 if hollow else 0.8),
                      width=2 if meeting else 1.2, dash="dot" if hollow else "solid"),
            marker=dict(size=10 if meeting else 7, color="#FFFFFF" if hollow else theme.MEMBER_COLOR,
                        symbol=symbols, line=dict(color=theme.MEMBER_COLOR, width=1.5)),
            hovertemplate="%{text}<br>%{x}: %{y:.2f} (%{customdata})<extra></extra>"))
    flagged = int((_other_treatments(complete) != "").sum())
    if flagged:  # the diamond's meaning in the legend (a marker-only entry, no data)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="also started another treatment "
                                 "in these weeks", marker=dict(symbol="diamond", size=10 if meeting else 7,
                                                                color=theme.MEMBER_COLOR)))
    median_drawn = not result.suppressed and result.n_members >= MIN_TREND_MEMBERS
    if median_drawn:
        fig.add_trace(go.Scatter(
            x=sides, y=[result.median_before, result.median_after], mode="lines+markers", name="Group median",
            line=dict(color=theme.GROUP_COLOR, width=theme.line_width(meeting, strong=True)),
            marker=dict(size=16 if meeting else 11, color=theme.color_for_treatment(result.treatment),
                        line=dict(color=theme.GROUP_COLOR, width=2))))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=sides)
    fig.update_yaxes(range=[0, measure_max(measure)])
    note = "" if median_drawn else f" · group median not drawn under {MIN_TREND_MEMBERS} members"
    hollow_note = (f" · hollow: under {result.min_logs} logs on a side, not in the median"
                   if few.any() else "")
    started = f" (of {result.n_started} who started it)" if result.n_started > result.n_members else ""
    subtitle = (f"{_n_text(result.n_members)} with at least {result.min_logs} logs on both sides{started} · "
                f"{result.weeks} weeks each side, start day excluded{note}{hollow_note}")
    return _finish(fig, title, subtitle, meeting, f"Relative to starting {name}", measure_label(measure),
                   caption)


EVENT_PLURALS = {"infection": ("infection", "infections"),
                 "steroid_taper": ("steroid taper", "steroid tapers"),
                 "vaccination": ("vaccination", "vaccinations")}


def followed_text(row, follow_days: int) -> str:
    """"2 of 8 infections (25%) were followed by a relapse within 30 days" for one row of
    ``analysis.events_followed``."""
    one, many = EVENT_PLURALS.get(row["kind"], (str(row["kind"]), f"{row['kind']} events"))
    total, hit = int(row["n_events"]), int(row["n_followed"])
    verb = "was" if hit == 1 else "were"
    return (f"{hit} of {total} {one if total == 1 else many} ({row['share']:.0%}) {verb} followed by a "
            f"relapse within {follow_days} days")


def relapse_figure(context: pd.DataFrame, n_members: int, rule: RelapseRule, lookback_days: int = 30,
                   meeting: bool = False, reveal: bool = False, caption: str | None = None,
                   labels: Mapping[str, str] | None = None,
                   followed: pd.DataFrame | None = None, anchors: pd.Series | None = None,
                   time_axis: str = "calendar") -> go.Figure:
    """Relapse starts per member over time, marked by what was observed in the days before, and
    (``followed``: ``analysis.events_followed``) the share of each kind of event followed by a
    relapse: "k of N infections", so a count never stands without its denominator. With ``anchors``
    (``time_axis`` says which) relapse starts are placed in weeks since each member's first log or
    onset instead of on calendar dates."""
    title = f"Relapses found by the rule, and what was observed in the {lookback_days} days before"
    rule_text = rule.short()
    if context.empty:
        return empty_figure(title, f"No relapse found by the rule in {_n_text(n_members)}.", meeting, caption)
    labels = _labels_for(sorted(set(context["member"])), labels, reveal)
    relapsing = context["member"].nunique()
    x_hover, x_title = "relapse from %{x|%d %b %Y}", "Relapse start"
    if anchors is not None:
        anchor = context["member"].map(anchors).astype("datetime64[ns]")
        start = pd.to_datetime(context["start"]).dt.normalize().astype("datetime64[ns]")
        context = context.assign(start=((start - anchor).dt.days / 7).round(1))
        x_hover, x_title = "relapse in week %{x:.0f}", f"Relapse start ({TIME_AXES[time_axis].lower()})"
    shown = (followed.loc[~followed["suppressed"] & (followed["n_events"] > 0)] if followed is not None
             else pd.DataFrame())
    panel = len(shown) > 0 and relapsing >= min_group_size()
    if panel:
        # The gap holds the bar chart's labels clear of the member rows.
        fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38],
                            horizontal_spacing=0.22 if meeting else 0.16,
                            subplot_titles=["Relapse starts per member",
                                            f"Events followed by a relapse<br>within {lookback_days} days"])
    else:
        fig = make_subplots(rows=1, cols=1, subplot_titles=["Relapse starts per member"])
    kinds = [*[k for k in TRIGGER_KINDS if k in set(context["preceded_by"])],
             *([NONE_OBSERVED] if NONE_OBSERVED in set(context["preceded_by"]) else [])]
    for kind in kinds:
        part = context.loc[context["preceded_by"] == kind]
        color, symbol = theme.event_style(kind if kind != NONE_OBSERVED else "other")
        name = (f"{schema.EVENT_LABELS.get(kind, kind)} before" if kind != NONE_OBSERVED
                else f"nothing noted in the {lookback_days} days before")
        marker = dict(color=color, symbol=symbol, size=16 if meeting else 11,
                      line=dict(color="#000000", width=1))
        hover = "%{y}<br>" + x_hover + "<extra>" + name + "</extra>"
        fig.add_trace(go.Scatter(x=part["start"], y=part["member"].map(labels), mode="markers", name=name,
                                 legendgroup=kind, marker=marker, hovertemplate=hover), row=1, col=1)
    if panel:
        names = [EVENT_PLURALS.get(k, (k, k))[1].capitalize() for k in shown["kind"]]
        words = [followed_text(row, lookback_days) for _, row in shown.iterrows()]
        pairs = zip(shown["n_followed"], shown["n_events"], strict=True)
        counts = [f"{int(h)} of {int(n)}" for h, n in pairs]
        shares = shown["share"].to_numpy(dtype="float64")
        colors = [theme.event_style(k)[0] for k in shown["kind"]]
        members = [f"from {members_text(m)}" for m in shown["n_members"]]
        fig.add_trace(go.Bar(x=shares, y=names, orientation="h", showlegend=False, text=counts,
                             textposition="outside", cliponaxis=False, marker=dict(color=colors),
                             customdata=np.column_stack([words, members]),
                             hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>"),
                      row=1, col=2)
        # The rest of each bar, light: the events not followed by a relapse.
        fig.add_trace(go.Bar(x=1 - shares, y=names, orientation="h", showlegend=False, hoverinfo="skip",
                             marker=dict(color="#EDEDED", line=dict(color="#BDBDBD", width=1))),
                      row=1, col=2)
        fig.update_layout(barmode="stack")
        fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text="Share of events", row=1, col=2)
        fig.update_yaxes(autorange="reversed", row=1, col=2)
    rows = sorted(labels.values(), reverse=True)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=rows, tickmode="array",
                     tickvals=rows, ticktext=rows, row=1, col=1, title_text="Member")
    fig.update_xaxes(title_text=x_title, row=1, col=1)
    for annotation in fig.layout.annotations:
        annotation.font.size = theme.sizes(meeting)["base"]
    if followed is None:
        shares_note = ""
    elif relapsing < min_group_size():
        shares_note = f" · shares {suppressed_note()}"
    else:
        shares_note = f" · bars: events with {lookback_days} days of logs after them"
    subtitle = (f"{_n_text(n_members)} in view · {theme.plural(len(context), 'relapse')} in "
                f"{members_text(relapsing)} · {rule_text}{shares_note} · timing observed, not cause")
    # Every marker's meaning in the legend, also when only one kind is drawn (plotly hides a
    # one-entry legend).
    fig.update_layout(showlegend=True)
    return _finish(fig, title, subtitle, meeting, caption=caption, rows=max(len(labels), 2 * len(shown)),
                   time_axis=time_axis, time_axes=("xaxis",))


def cooccurrence_figure(co: Cooccurrence, meeting: bool = False, caption: str | None = None) -> go.Figure:
    """Within-member rank correlation between items, median across members (``analysis.cooccurrence``)."""
    title = "Do symptoms change together? Week-to-week changes, within each member"
    rho = co.rho
    limit = min_group_size()
    if co.too_few:
        return empty_figure(title, f"Not computed: {members_text(co.n_group)} (no correlations are shown "
                                   f"on fewer than {MIN_TREND_MEMBERS}).", meeting, caption)
    if rho.empty or rho.isna().all().all():
        return empty_figure(title, f"Not drawn: no two symptoms were scored by {limit} or more members in "
                                   f"at least {co.min_weeks + 1} of the same consecutive weeks.", meeting,
                            caption)
    names = [schema.item_label(i) for i in rho.index]
    # Level under each column, never slanted (slanted names ran into the caption), in lines as wide
    # as a column of a 1,000 px chart holds.
    across = ["<br>".join(textwrap.wrap(n, max(8, 100 // len(names)))) for n in names]
    z = rho.to_numpy(dtype="float64")
    counts = co.n_members.to_numpy(dtype="int64")
    text = np.where(np.isnan(z), "", np.char.mod("%.2f", np.nan_to_num(z)))
    fig = go.Figure(go.Heatmap(
        z=z, x=across, y=names, zmin=-1, zmax=1, colorscale=theme.DIVERGING_SCALE, text=text,
        texttemplate="%{text}", textfont=dict(size=theme.sizes(meeting)["annotation"]),
        customdata=np.vectorize(members_text)(counts),
        colorbar=dict(title=dict(text="together<br>(median)"), tickvals=[-1, 0, 1],
                      ticktext=["−1 opposite", "0 unrelated", "1 together"]), xgap=1, ygap=1,
        hovertemplate="%{y} & %{x}<br>move together: %{z:.2f} (median across members)<br>"
                      "from %{customdata}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=0)
    subtitle = (f"{_n_text(co.n_group)} · how closely two symptoms rise and fall together week to week "
                f"(1 always, 0 not at all; median of the members' rank correlations) · blank: under "
                f"{limit} members · not cause and effect")
    return _finish(fig, title, subtitle, meeting, "Symptom", "Symptom", caption,
                   rows=int(len(names) * 1.5) + max(s.count("<br>") for s in across) + 2)


def member_small_multiples_figure(scores: pd.DataFrame, measure: str, meeting: bool = False,
                                  reveal: bool = False, columns: int = 4,
                                  caption: str | None = None,
                                  labels: Mapping[str, str] | None = None, anchors: pd.Series | None = None,
                                  time_axis: str = "calendar") -> go.Figure:
    """One small panel per member (``analysis.score_series``): weekly means on a shared scale and
    shared time axis, so courses can be compared at a glance without naming anyone. With
    ``anchors`` (``time_axis`` says which), in weeks since each member's first log or onset."""
    title = "Each member's course, side by side"
    if scores.empty:
        return empty_figure(title, "No scores to draw.", meeting, caption)
    weekly = (scores.assign(week=week_start(scores["date"]))
              .groupby(["member", "week"], as_index=False)["value"].mean())
    relative = anchors is not None
    excluded = []
    if relative:
        shifted = relative_weeks(weekly, anchors)
        weekly, excluded = shifted.table, shifted.excluded
    labels = _labels_for(weekly["member"].unique(), labels, reveal)
    order = sorted(labels, key=lambda m: labels[m])
    if len(order) > MAX_PANELS[meeting]:
        # More panels than a screen or a page holds legibly (and than make_subplots can space):
        # the same weekly means, one labelled row per member.
        return heatmap_figure(weekly, meeting=meeting, caption=caption, labels=labels, time_axis=time_axis,
                              measure=measure, title="Each member's course, one row each (weekly means)",
                              excluded=excluded)
    rows = -(-len(order) // columns)
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=[labels[m] for m in order], horizontal_spacing=0.03,
                        vertical_spacing=0.12 / rows + 0.04)
    for i, member in enumerate(order):
        mine = weekly.loc[weekly["member"] == member]
        # A gap of more than two weeks stays a gap: an empty point the day before it breaks the line.
        if relative:
            gaps = mine["week"].diff().fillna(1) > 2
            breaks = pd.DataFrame({"week": mine.loc[gaps, "week"] - 0.5, "value": np.nan})
        else:
            gaps = mine["week"].diff().dt.days.fillna(7) > 14
            breaks = pd.DataFrame({"week": mine.loc[gaps, "week"] - pd.Timedelta(days=1), "value": np.nan})
        line = pd.concat([mine[["week", "value"]], breaks]).sort_values("week")
        fig.add_trace(go.Scatter(x=line["week"], y=line["value"], mode="lines", connectgaps=False,
                                 line=dict(color=theme.GROUP_COLOR, width=theme.line_width(meeting)),
                                 name=labels[member], showlegend=False,
                                 hovertemplate=f"{labels[member]}<br>{_week_hover(time_axis)}: "
                                               "%{y:.1f}<extra></extra>"),
                      row=i // columns + 1, col=i % columns + 1)
    fig.update_yaxes(range=[0, measure_max(measure)])
    fig.update_annotations(font_size=theme.sizes(meeting)["legend"])
    # A projector shows three rows of panels on one screen (MAX_PANELS), a page six.
    height = 170 * rows + 160 if not meeting else min(theme.MEETING_MAX_HEIGHT, 150 * rows + 260)
    subtitle = (f"{_n_text(len(order))} · weekly means · {measure_label(measure)} · "
                "gaps over two weeks left open")
    if relative:
        subtitle += f" · x: {TIME_AXES[time_axis].lower()}"
        subtitle += _relative_note(time_axis, excluded)
    return _finish(fig, title, subtitle, meeting, caption=caption, height=height, time_axis=time_axis)


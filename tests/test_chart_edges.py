"""Every figure builder at the edges a real group reaches (issue 12, items 3, 4, 7, 8): one member,
one day, one event, one relapse, one value everywhere, a dozen symptoms, 200 members. Each builds,
shows dates (never times of day) on a readable span, labels every member row, fits a 1280x720
projector in meeting mode, and keeps its words legible (WCAG AA contrast)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from oms_dash import analysis as A
from oms_dash import charts as C
from oms_dash import report, schema, theme
from oms_dash.model import GroupData

START = pd.Timestamp("2026-03-02")
ITEMS = ("myoclonus", "opsoclonus", "gait", "sleep")


def edge_group(n_members: int = 5, days: int = 120, items=ITEMS, constant: float | None = None,
               relapses: int = 0, events: int | None = None, treatments: bool = True,
               seed: int = 3) -> GroupData:
    """Daily scores of ``items`` for ``n_members`` over ``days`` (a slow improvement with noise, or
    ``constant`` everywhere); ``relapses`` members get a three-week rise of two steps from day 70;
    ``events`` infections in all (one per member when None), each a week before a rise; an IVIG
    course per member (the first one ongoing)."""
    rng = np.random.default_rng(seed)
    members = [f"E{i:03d}" for i in range(n_members)]
    day = np.arange(days)
    level = np.clip(2.2 - day / 80, 0.5, 3)[None, :].repeat(n_members, axis=0)
    rise = (day >= 70) & (day < 91)
    level[:relapses, rise] += 2
    k = len(items)
    m_idx = np.repeat(np.arange(n_members), days * k)
    d_idx = np.tile(np.repeat(day, k), n_members)
    if constant is None:
        scores = np.clip(np.rint(level[m_idx, d_idx] + rng.normal(0, 0.2, len(m_idx))), 0, 3)
    else:
        scores = np.full(len(m_idx), float(constant))
    obs = pd.DataFrame({
        "member": pd.array(np.array(members)[m_idx], dtype="str"),
        "date": START + pd.to_timedelta(d_idx, unit="D"),
        "item": pd.array(np.tile(np.array(items), n_members * days), dtype="str"),
        "score": scores.astype("float64"),
    })
    obs["raw_value"] = pd.array(np.char.mod("%d", scores.astype(int)), dtype="str")
    obs["raw_scale"] = "0-3"
    obs["source_file"] = "edge.csv"
    obs["source_row"] = np.arange(len(obs), dtype="int64") + 2
    n_events = n_members if events is None else events
    event_day = START + pd.Timedelta(days=min(63, days - 1))
    ev = pd.DataFrame({"member": [members[i % n_members] for i in range(n_events)],
                       "date": [event_day] * n_events, "kind": "infection", "detail": "",
                       "source_file": "edge.csv", "source_row": 2}).astype({"member": "str", "kind": "str"})
    tr = pd.DataFrame({"member": members if treatments else [],
                       "treatment": "ivig", "start": START + pd.Timedelta(days=min(20, days - 1)),
                       "end": [pd.NaT] + [START + pd.Timedelta(days=days - 1)] * (n_members - 1)
                       if treatments else [],
                       "dose": "", "source_file": "edge.csv", "source_row": 2})
    return GroupData(observations=obs[list(schema.OBSERVATION_COLUMNS)],
                     treatments=tr.astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})[
                         list(schema.TREATMENT_COLUMNS)],
                     events=ev.astype({"date": "datetime64[ns]"})[list(schema.EVENT_COLUMNS)],
                     onsets={m: START - pd.Timedelta(days=30) for m in members})


EDGES = {
    "one member": dict(n_members=1, relapses=1),
    "one day": dict(days=1),
    "one event": dict(events=1, relapses=1),
    "one relapse": dict(relapses=1),
    "one value everywhere": dict(constant=2.0),
    "twelve symptoms": dict(items=tuple(item.id for item in schema.ITEMS), relapses=2),
    "200 members": dict(n_members=200, days=60, relapses=8, items=("myoclonus", "gait")),
}


def every_figure(group: GroupData, meeting: bool = False, time_axis: str = "calendar") -> dict:
    """Every figure builder of charts.py on ``group``, called the way the pages call it."""
    obs = group.observations
    labels = C.member_labels(group.members)
    daily = A.daily_scores(obs)
    scores = A.score_series(daily)
    measure = scores.measure
    anchors = None if time_axis == "calendar" else A.first_logs(daily)
    weekly = A.weekly_severity(daily)
    rule = A.RelapseRule.for_measure(measure)
    relapses = A.detect_relapses(scores, rule).table
    member = group.members[0]
    mine = obs.loc[obs["member"] == member]
    mine_rel = relapses.loc[relapses["member"] == member]
    events = group.events
    treatment = "ivig"
    return {
        "group_course": C.group_course_figure(A.group_course(scores, anchors=anchors), meeting,
                                              time_axis=time_axis),
        "completeness": C.completeness_figure(A.completeness(obs), meeting, labels=labels),
        "latest_state": C.latest_state_figure(A.latest_state(obs), meeting),
        "member_timeline": C.member_timeline_figure(
            A.member_timeline(mine, member), labels[member],
            group.treatments.loc[group.treatments["member"] == member],
            events.loc[events["member"] == member], mine_rel, meeting),
        "cohort": C.cohort_figure(A.cohort(scores.table, "first_log"), measure, meeting, labels=labels),
        "cohort_treatment": C.cohort_figure(
            A.cohort(scores.table, "treatment", treatments=group.treatments, treatment=treatment), measure,
            meeting, treatment=treatment, labels=labels),
        "heatmap": C.heatmap_figure(weekly, None, meeting, labels=labels),
        "profile": C.profile_figure(A.symptom_profiles(obs), meeting, labels=labels),
        "before_after": C.before_after_figure(A.before_after(scores, group.treatments, treatment),
                                              measure, meeting, labels=labels),
        "relapse": C.relapse_figure(A.relapse_context(relapses, group.events), len(group.members), rule,
                                    meeting=meeting, labels=labels,
                                    followed=A.events_followed(relapses, group.events, scores.table),
                                    anchors=anchors, time_axis=time_axis),
        "cooccurrence": C.cooccurrence_figure(A.cooccurrence(obs), meeting),
        "small_multiples": C.member_small_multiples_figure(scores.table, measure, meeting, labels=labels,
                                                           anchors=anchors, time_axis=time_axis),
    }


# Builders whose x axis is time, and the ones with a labelled row per member.
TIME_CHARTS = ("group_course", "completeness", "member_timeline", "cohort", "heatmap", "relapse",
               "small_multiples")
MEMBER_ROWS = ("completeness", "heatmap", "relapse")
_BUILT: dict = {}


def figures(edge: str, meeting: bool) -> dict[str, go.Figure]:
    """Every figure at one edge, built once for the module (the 200-member group takes seconds)."""
    if (edge, meeting) not in _BUILT:
        group = _BUILT.setdefault(edge, edge_group(**EDGES[edge]))
        _BUILT[edge, meeting] = every_figure(group, meeting)
    return _BUILT[edge, meeting]


CASES = [(edge, name) for edge in EDGES for name in (
    "group_course", "completeness", "latest_state", "member_timeline", "cohort", "cohort_treatment",
    "heatmap", "profile", "before_after", "relapse", "cooccurrence", "small_multiples")]


def _drawn(fig: go.Figure) -> bool:
    return any(t.type != "scatter" or t.x is not None and len(t.x) for t in fig.data)


def _time_span(fig: go.Figure, axis: str = "xaxis") -> pd.Timedelta:
    """The span a date axis shows: its range when set, else the data's extent (plotly's autorange)."""
    layout = fig.layout[axis]
    if layout.range:
        lo, hi = (pd.Timestamp(v) for v in layout.range)
        return hi - lo
    values = [v for t in fig.data if (t.xaxis or "x") == "x" + axis[5:]
              for v in (t.x if t.x is not None else [t.x0]) if v is not None]
    days = pd.to_datetime(pd.Series([str(v) for v in values]), format="mixed", errors="coerce").dropna()
    return days.max() - days.min()


@pytest.mark.parametrize("meeting", [False, True], ids=["screen", "meeting"])
@pytest.mark.parametrize(("edge", "name"), CASES)
def test_every_builder_holds_at_the_edge(edge, name, meeting):
    fig = figures(edge, meeting)[name]
    assert isinstance(fig, go.Figure)
    title, subtitle = C.title_parts(fig)
    assert title and subtitle, "every chart says what it shows, or why it shows nothing"
    top, height = fig.layout.margin.t, fig.layout.height
    assert height - top - fig.layout.template.layout.margin.b >= C.MIN_PLOT_HEIGHT[meeting], \
        "the plot keeps room under its words (it collapsed to a line in meeting mode)"
    if name in TIME_CHARTS and _drawn(fig):
        if fig.layout.xaxis.tickformat == "d":  # weeks since each member's first log
            weeks = np.concatenate([np.asarray(t.x, dtype=float) for t in fig.data if t.x is not None])
            lo, hi = fig.layout.xaxis.range or (np.nanmin(weeks), np.nanmax(weeks))
            assert hi - lo >= C.MIN_WEEKS_SHOWN
            return
        axes = [k for k in fig.layout if k.startswith("xaxis")] if name != "relapse" else ["xaxis"]
        for axis in axes:
            formats = [stop.value for stop in fig.layout[axis].tickformatstops]
            assert formats and not any(re.search(r"%[HIMSLfp]", f) for f in formats), (axis, formats)
        assert _time_span(fig) >= pd.Timedelta(days=C.MIN_DAYS_SHOWN), "at least a few weeks shown"


@pytest.mark.parametrize("meeting", [False, True], ids=["screen", "meeting"])
@pytest.mark.parametrize("edge", list(EDGES))
def test_every_member_row_is_labelled_with_room_for_its_label(edge, meeting):
    built = figures(edge, meeting)
    as_rows = built["small_multiples"].data[0].type == "heatmap"
    names = [*MEMBER_ROWS, *(["small_multiples"] if as_rows else [])]
    for name in names:
        fig = built[name]
        if not _drawn(fig):
            continue
        rows = list(dict.fromkeys(v for t in fig.data if (t.yaxis or "y") == "y" and t.y is not None
                                  for v in t.y if v is not None))
        assert rows and set(fig.layout.yaxis.tickvals) == set(rows), name  # no label skipped
        assert all(r.startswith("Member ") for r in rows), name
        plot = fig.layout.height - fig.layout.margin.t - fig.layout.template.layout.margin.b
        assert plot / len(rows) >= theme.sizes(meeting)["tick"], name


def test_small_multiples_of_200_members_become_one_labelled_row_each_not_an_error():
    fig = figures("200 members", False)["small_multiples"]
    assert fig.data[0].type == "heatmap" and len(fig.data[0].y) == 200
    assert "one row each" in C.title_parts(fig)[0]
    few = figures("one relapse", False)["small_multiples"]
    assert {a.text for a in few.layout.annotations} >= {f"Member {c}" for c in "ABCDE"}  # panels


def test_a_lone_relapse_is_a_day_on_a_calendar_of_weeks():
    fig = figures("one relapse", True)["relapse"]
    assert _time_span(fig) >= pd.Timedelta(days=C.MIN_DAYS_SHOWN)
    start = pd.Timestamp(fig.layout.xaxis.range[0])
    assert start.hour == 0 or (pd.Timestamp(fig.layout.xaxis.range[1]) - start).days >= 28


def test_relative_week_axes_span_whole_weeks():
    group = edge_group(days=1)
    for name in ("group_course", "relapse", "small_multiples"):
        fig = every_figure(group, time_axis="first_log")[name]
        if not fig.data:  # nothing to draw (no relapse in one day): says so, no axis
            continue
        if fig.layout.xaxis.range:
            lo, hi = fig.layout.xaxis.range
            assert hi - lo >= C.MIN_WEEKS_SHOWN, name
        assert fig.layout.xaxis.tickformat == "d", name  # whole weeks, not 0.5


def test_completeness_in_weeks_since_onset_hovers_in_words_where_a_member_has_no_such_week():
    group = edge_group(n_members=3, days=60)
    obs = group.observations
    obs = obs.loc[(obs["member"] != "E002") | (obs["date"] < START + pd.Timedelta(days=20))]
    onsets = pd.Series({"E000": START, "E001": START - pd.Timedelta(weeks=6), "E002": START})
    relative = A.relative_weeks(A.completeness(A.member_days(obs), obs["date"].min(), obs["date"].max()),
                                onsets)
    fig = C.completeness_figure(relative.table, time_axis="onset")
    words = {str(w) for row in fig.data[0].customdata for w in row}
    assert "outside this member's weeks" in words  # E002's weeks stop early; E001 starts 6 weeks in
    assert all(re.fullmatch(r"[0-7] of 7 days logged|not yet logging|outside this member's weeks", w)
               for w in words), words


@pytest.mark.parametrize("edge", list(EDGES))
def test_meeting_charts_fit_a_1280x720_projector(edge):
    """Title block, plot and (under the chart, about 100 px) the caption on one screen, and a
    subtitle of at most two lines; charts whose rows need more (many members) grow instead of
    dropping labels; a member's symptoms share one panel rather than make the chart taller."""
    for name, fig in figures(edge, True).items():
        subtitle = re.search(r"<span[^>]*>(.*)</span>", fig.layout.title.text)
        assert subtitle is None or subtitle.group(1).count("<br>") <= 1, (name, subtitle.group(1))
        rows_chart = name in (*MEMBER_ROWS, "latest_state", "profile", "cooccurrence", "small_multiples")
        if not rows_chart or (edge not in ("200 members", "twelve symptoms") and name != "cooccurrence"):
            assert fig.layout.height <= theme.MEETING_MAX_HEIGHT, (name, fig.layout.height)


def test_caption_and_subtitle_text_meets_wcag_aa_contrast():
    for meeting in (False, True):
        layout = theme.template(meeting).layout
        for color in (layout.font.color, layout.title.font.color, layout.title.subtitle.font.color,
                      layout.annotationdefaults.font.color, layout.legend.font.color):
            assert theme.contrast_ratio(color, layout.paper_bgcolor) >= 4.5, color
    muted = re.search(r"--muted:\s*(#[0-9A-Fa-f]{6})", report.CSS).group(1)  # report captions, sources
    assert theme.contrast_ratio(muted) >= 4.5
    assert theme.contrast_ratio("#777777") < 4.5  # the check can fail: light grey does not pass


def test_slide_caption_sits_under_the_axis_never_over_it():
    fig = figures("twelve symptoms", False)["cooccurrence"]
    cap = "5 members · 2 Mar 2026 – 29 Jun 2026 · generated on 1 Dec 2026 with oms_dash · not medical advice"
    slide = report.slide_figure(fig, cap)
    caption = next(a for a in slide.layout.annotations if a.name == "caption")
    labels = max(str(x).count("<br>") + 1 for x in slide.data[0].x)
    sizes = theme.sizes(True)
    assert -caption.yshift >= labels * sizes["tick"] + sizes["base"]  # under tick labels and title
    assert slide.layout.margin.b >= -caption.yshift + sizes["annotation"] * 2
    assert slide.layout.xaxis.automargin is False  # plotly may not move the plot over the caption
    assert slide.data[0].zmin == -1 and not slide.layout.xaxis.tickangle


def test_member_view_treatments_have_their_own_lane_colours_and_say_ongoing():
    fig = figures("one member", False)["member_timeline"]
    item_colors = {theme.color_for_item(i.id).upper() for i in schema.ITEMS}
    treatment_colors = {theme.color_for_treatment(t).upper() for t in ("acth", "ivig", "rituximab",
                                                                      "dexamethasone", "other:herbal")}
    assert not item_colors & treatment_colors
    lane = next(t for t in fig.data if t.name == "IVIG")
    assert lane.yaxis not in {t.yaxis for t in fig.data if t.name == "7-day mean"}
    said = [w for w in lane.text if w is not None]  # None: the break between two courses
    assert any("ongoing" in w for w in said) and not any("None" in w or "NaT" in w for w in said)
    long = pd.DataFrame({"member": ["E000"], "treatment": ["other:plasma exchange and immunoadsorption"],
                         "start": [START], "end": [pd.NaT]})
    group = figures("one member", False)
    wrapped = C.member_timeline_figure(A.member_timeline(edge_group(**EDGES["one member"]).observations,
                                                         "E000"), "Member A", long)
    lanes = wrapped.layout[next(k for k in wrapped.layout if k.startswith("yaxis") and
                                wrapped.layout[k].type == "category")].ticktext
    assert any("<br>" in t for t in lanes), lanes
    assert group  # the module's figures were not disturbed


def test_family_relapse_and_rule_relapse_have_different_markers_in_the_legend():
    group = edge_group(n_members=1, relapses=1, events=0)
    noted = pd.DataFrame({"member": ["E000"], "date": [START + pd.Timedelta(days=72)], "kind": ["relapse"]})
    scores = A.score_series(A.daily_scores(group.observations))
    rule = A.detect_relapses(scores, A.RelapseRule.for_measure(scores.measure)).table
    assert len(rule) == 1
    fig = C.member_timeline_figure(A.member_timeline(group.observations, "E000"), "Member A",
                                   events=noted, relapses=rule)
    by_name = {t.name: t for t in fig.data}
    family, found = by_name["Relapse noted by the family"], by_name["relapse start (found by the rule)"]
    assert family.marker.symbol != found.marker.symbol
    assert family.showlegend is not False and found.showlegend is not False


def test_relapse_chart_says_what_its_hollow_circle_means_even_alone():
    group = edge_group(relapses=1, events=0)
    fig = every_figure(group)["relapse"]
    hollow = [t for t in fig.data if t.marker.symbol == "circle-open"]
    assert hollow and hollow[0].name == "nothing noted in the 30 days before"
    assert fig.layout.showlegend is True  # plotly hides a legend of one entry by default


def test_subtitles_say_which_n_and_use_plain_words():
    built = figures("one relapse", False)
    before = C.title_parts(built["before_after"])[1]
    assert re.search(r"n = \d+ members? with at least \d+ logs on both sides", before)
    assert "in view" in C.title_parts(built["relapse"])[1]
    co = C.title_parts(built["cooccurrence"])[1]
    assert "Spearman" not in co and "rise and fall together" in co
    cohort = figures("one relapse", False)["cohort"]
    assert cohort.layout.xaxis.title.text == "Weeks since first log"


@pytest.mark.parametrize("n_members", [1, 200])
def test_report_builds_at_1_and_200_members(n_members):
    group = edge_group(n_members=n_members, days=60, relapses=min(n_members, 8), items=("myoclonus", "gait"))
    figures_made = report.report_figures(group, meeting=True)
    html = report.build_report_html(group, meeting=True, figures=figures_made)
    for item in figures_made:
        assert f'id="chart-{item.name}"' in html
    panels = next(f.figure for f in figures_made if f.name == "member-panels")
    assert (panels.data[0].type == "heatmap") == (n_members > C.MAX_PANELS[True])
    # On paper (fixed height) 200 labels would print over each other: plotly then picks which to show.
    printed = report._print_sized(next(f.figure for f in figures_made if f.name == "heatmap"), True)
    assert (printed.layout.yaxis.tickmode == "array") == (n_members == 1)


def test_member_view_table_says_ongoing_for_a_course_without_an_end():
    """Demo member F01 takes trazodone with no end date: the page's treatments table says so."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import DASHBOARD, open_tables

    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    at.switch_page("oms_dash/ui/page_scripts/member.py").run()
    open_tables(at.selectbox(key="member_view_member").set_value("F01").run())
    assert not at.exception
    ends = [list(df.value["end"]) for df in at.dataframe if "end" in df.value.columns]
    assert ends and "ongoing" in ends[0] and not any(pd.isna(v) or v == "None" for v in ends[0])


# One member with 1, 4 or 14 symptoms (the twelve of the vocabulary and two of the family's own).
MANY_ITEMS = (*(item.id for item in schema.ITEMS), "hiccups", "head banging")


@pytest.mark.parametrize("meeting", [False, True], ids=["screen", "meeting"])
@pytest.mark.parametrize(("n_items", "days"), [(1, 120), (4, 120), (14, 120), (4, 1), (14, 1)])
def test_a_members_timeline_fits_a_projector_and_names_every_symptom(n_items, days, meeting):
    group = edge_group(n_members=1, days=days, items=MANY_ITEMS[:n_items], relapses=1)
    scores = A.score_series(A.daily_scores(group.observations))
    relapses = A.detect_relapses(scores, A.RelapseRule.for_measure(scores.measure)).table
    fig = C.member_timeline_figure(A.member_timeline(group.observations, "E000"), "Member A",
                                   group.treatments, group.events, relapses, meeting)
    named = {str(t.name).replace("<br>", " ") for t in fig.data if t.showlegend is not False}
    named |= {str(a.text).replace("<br>", " ") for a in fig.layout.annotations}
    assert {schema.item_label(i) for i in MANY_ITEMS[:n_items]} <= named  # in a panel title or the legend
    plot = fig.layout.height - fig.layout.margin.t - (fig.layout.margin.b or
                                                       fig.layout.template.layout.margin.b)
    panels = [fig.layout[k].domain for k in fig.layout if k.startswith("yaxis")]
    if meeting:
        assert fig.layout.height <= theme.MEETING_MAX_HEIGHT
        assert len(panels) <= 3  # the total, the symptoms, the lanes: never a panel per symptom
    # Every panel keeps room for its ticks and its title (squeezed, the titles ran into each other).
    sizes = theme.sizes(meeting)
    assert min((hi - lo) * plot for lo, hi in panels) >= 3 * sizes["tick"], (plot, panels)
    if n_items > 1 and meeting:  # one panel of lines, each its own colour, named in the legend
        labels = {schema.item_label(i) for i in MANY_ITEMS[:n_items]}
        lines = [t for t in fig.data
                 if "lines" in (t.mode or "") and str(t.name).replace("<br>", " ") in labels]
        assert len(lines) == n_items and len({t.yaxis for t in lines}) == 1
        assert all(t.showlegend is not False for t in lines)
        assert len({t.line.color for t in lines}) >= min(n_items, len(theme.PALETTE))


def _line_traces(fig: go.Figure):
    """The traces drawn as lines only where a point has neighbours (not a band's invisible edge)."""
    return [t for t in fig.data if t.type in ("scatter", "scattergl") and t.mode and "lines" in t.mode
            and t.y is not None and t.x is not None and len(t.y) and t.line.width != 0]


@pytest.mark.parametrize("meeting", [False, True], ids=["screen", "meeting"])
@pytest.mark.parametrize("edge", list(EDGES))
def test_a_value_with_no_neighbour_on_its_line_is_drawn_as_a_dot(edge, meeting):
    """One week of logs gave a group's course with no line at all (a line needs two points)."""
    for name, fig in figures(edge, meeting).items():
        for trace in _line_traces(fig):
            lone = C._lone_points(trace.x, trace.y)
            if not lone.any():
                continue
            assert "markers" in trace.mode, (name, trace.name)
            sizes = np.broadcast_to(np.asarray(trace.marker.size, dtype=float), lone.shape)
            assert (sizes[lone] >= 6).all(), (name, trace.name)
            assert (sizes[~lone] == 0).all(), (name, trace.name)  # the rest stay a plain line


def test_one_week_of_logs_gives_a_group_course_with_a_visible_median():
    fig = figures("one day", False)["group_course"]
    median = next(t for t in fig.data if t.name == "Group median")
    assert "markers" in median.mode and np.nanmax(np.asarray(median.marker.size, dtype=float)) >= 6
    assert median.marker.color == median.line.color


def test_lone_points_are_the_values_between_gaps():
    x = ["2026-01-05", "2026-01-12", None, "2026-01-26", None, "2026-02-09", "2026-02-16"]
    y = [1.0, 2.0, None, 1.5, np.nan, np.nan, 2.5]
    assert C._lone_points(x, y).tolist() == [False, False, False, True, False, False, True]
    assert C._lone_points(["2026-01-05"], [2.0]).tolist() == [True]

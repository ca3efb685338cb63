"""Figure builders return the traces, titles, axes and words promised; meeting mode is readable."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from oms_dash import analysis as A
from oms_dash import charts as C
from oms_dash import theme
from oms_dash.schema import EVENT_COLUMNS, MITCHELL_PIKE_ITEMS, OBSERVATION_COLUMNS, TREATMENT_COLUMNS

CODES = [f"kid_{i}" for i in range(1, 6)]  # "_" never occurs in base64, so a code in the JSON is a leak
START = pd.Timestamp("2025-01-06")


def synthetic(members=CODES, days=150, seed=1):
    """Daily myoclonus + weekly Mitchell-Pike items, a relapse on day 100, ivig from day 30."""
    rng = np.random.default_rng(seed)
    frames, treatments, events = [], [], []
    for k, member in enumerate(members):
        dates = START + pd.to_timedelta(np.arange(days) + k, unit="D")
        level = np.clip(2.5 - np.arange(days) / 60, 0.3, 3) + np.where((np.arange(days) >= 100)
                                                                       & (np.arange(days) < 125), 1.5, 0)
        keep = np.ones(days, dtype=bool)
        keep[60:75] = False  # a two-week gap
        daily = pd.DataFrame({"member": member, "date": dates[keep], "item": "myoclonus",
                              "score": np.clip(np.rint(level[keep] + rng.normal(0, 0.3, keep.sum())), 0, 3)})
        weekly_days = np.arange(0, days, 7)
        k_items = len(MITCHELL_PIKE_ITEMS)
        weekly = pd.DataFrame({"member": member, "date": np.repeat(dates[weekly_days], k_items),
                               "item": np.tile(MITCHELL_PIKE_ITEMS, len(weekly_days)),
                               "score": np.clip(np.rint(np.repeat(level[weekly_days], k_items)), 0, 3)})
        frames += [daily, weekly]
        treatments.append({"member": member, "treatment": "ivig", "start": dates[30], "end": dates[120]})
        events.append({"member": member, "date": dates[95], "kind": "infection"})
    obs = pd.concat(frames, ignore_index=True)
    obs["raw_value"] = obs["score"].astype("str")
    obs["raw_scale"] = "0-3"
    obs["source_file"] = "x.csv"
    obs["source_row"] = np.arange(len(obs)) + 2
    tr = pd.DataFrame(treatments).assign(dose="", source_file="t.csv", source_row=2)
    ev = pd.DataFrame(events).assign(detail="", source_file="e.csv", source_row=2)
    return obs[list(OBSERVATION_COLUMNS)], tr[list(TREATMENT_COLUMNS)], ev[list(EVENT_COLUMNS)]


@pytest.fixture(scope="module")
def data():
    return synthetic()


def all_figures(data, meeting=False, reveal=False):
    obs, tr, ev = data
    s = A.score_series(obs)
    measure = s.measure
    found = A.detect_relapses(s)
    rel = found.table
    ctx = A.relapse_context(rel, ev)
    onsets = {m: START for m in CODES}
    mine = A.member_timeline(obs, "kid_1")
    labels = C.member_labels(CODES, reveal)
    return {
        "group_course": C.group_course_figure(A.group_course(obs), meeting),
        "completeness": C.completeness_figure(A.completeness(obs), meeting, reveal),
        "latest_state": C.latest_state_figure(A.latest_state(obs), meeting),
        "member_timeline": C.member_timeline_figure(
            mine, labels["kid_1"], tr[tr.member == "kid_1"], ev[ev.member == "kid_1"],
            rel[rel.member == "kid_1"], meeting),
        "cohort": C.cohort_figure(A.cohort(s.table, "onset", onsets=onsets), measure, meeting, reveal),
        "heatmap": C.heatmap_figure(A.weekly_severity(obs), None, meeting, reveal),
        "profile": C.profile_figure(A.symptom_profiles(obs), meeting, reveal),
        "before_after": C.before_after_figure(A.before_after(s, tr, "ivig"), measure, meeting, reveal),
        "relapse": C.relapse_figure(ctx, len(CODES), found.rule, meeting=meeting, reveal=reveal,
                                    followed=A.events_followed(rel, ev, s.table)),
        "cooccurrence": C.cooccurrence_figure(A.cooccurrence(obs, min_weeks=5), meeting),
    }


def words(fig: go.Figure) -> str:
    return f"{fig.layout.title.text} {fig.layout.title.subtitle.text}"


def test_every_figure_has_title_n_axes_and_is_small(data):
    for name, fig in all_figures(data).items():
        assert isinstance(fig, go.Figure), name
        assert fig.layout.title.text, name
        assert "n = " in words(fig), (name, words(fig))
        assert fig.layout.xaxis.title.text or any(
            getattr(fig.layout, k).title.text for k in fig.layout if k.startswith("xaxis")), name
        assert len(fig.data) > 0, name
        assert len(fig.to_json()) < 1_000_000, name
        text = fig.to_json().lower()
        assert "caused" not in text and "worked" not in text, name


def test_figures_show_labels_never_codes_unless_revealed(data):
    for name, fig in all_figures(data).items():
        assert "kid_" not in fig.to_json(), name
    revealed = all_figures(data, reveal=True)
    assert "kid_1" in revealed["heatmap"].to_json()
    assert "Member A" in all_figures(data)["heatmap"].to_json()


def test_group_course_draws_band_and_median(data):
    obs, _, _ = data
    fig = C.group_course_figure(A.group_course(obs))
    names = [t.name for t in fig.data]
    assert names[-1] == "Group median" and "Middle half of members (IQR)" in names
    assert fig.data[1].fill == "tonexty"
    assert "Mitchell-Pike" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text == "Week"


def test_group_aggregates_over_too_few_members_are_not_drawn(data):
    obs, tr, _ = data
    two = obs.loc[obs["member"].isin(CODES[:2])]
    fig = C.group_course_figure(A.group_course(two))
    assert len(fig.data) == 0 and "Not drawn" in words(fig)
    s = A.score_series(two)
    cohort = C.cohort_figure(A.cohort(s.table, "first_log"), s.measure)
    assert [t.name for t in cohort.data] == ["Members (one line each)"]
    assert "not drawn" in words(cohort)
    ba = C.before_after_figure(A.before_after(s, tr, "ivig"), s.measure)
    assert "Group median" not in [t.name for t in ba.data]
    assert C.cooccurrence_figure(A.cooccurrence(two)).data == ()


def test_member_timeline_keeps_gaps_and_marks_treatments_events_relapses(data):
    fig = all_figures(data)["member_timeline"]
    means = [t for t in fig.data if t.name == "7-day mean"]
    assert len(means) == 1 + len(MITCHELL_PIKE_ITEMS) + 1  # total, six MP items, myoclonus
    myoclonus = next(t for t in means if np.isnan(np.asarray(t.y, dtype=float)).any() and len(t.y) > 100)
    assert np.isnan(np.asarray(myoclonus.y, dtype=float)).sum() >= 1  # the two-week gap is a break
    assert any(t.name == "IVIG" for t in fig.data)
    assert any(t.name == "Infection / fever" for t in fig.data)
    assert any(t.name == "relapse start (found by the rule)" for t in fig.data)
    assert any(s.type == "line" for s in fig.layout.shapes)  # the relapse through every panel
    assert "Member A" in fig.layout.title.text


def test_before_after_is_a_slope_chart_saying_association_not_proof(data):
    fig = all_figures(data)["before_after"]
    assert "association, not proof" in words(fig)
    assert list(fig.data[0].x[:3]) == ["4 weeks before", "4 weeks after", None]  # one break per member
    assert len(fig.data[0].x) == 3 * 5
    assert fig.data[-1].name == "Group median"
    assert "n = 5 members" in words(fig)


def test_heatmaps_and_relapses_have_their_traces(data):
    figs = all_figures(data)
    assert figs["heatmap"].data[0].type == "heatmap" and figs["heatmap"].data[0].zmax == 3
    assert figs["completeness"].data[0].zmax == 7
    assert figs["cooccurrence"].data[0].zmin == -1
    assert {t.type for t in figs["relapse"].data} == {"scatter", "bar"}
    assert "Infection / fever before" in [t.name for t in figs["relapse"].data]


def test_relapse_bars_give_each_count_its_denominator_and_nothing_observed_is_no_bar(data):
    obs, _, ev = data
    s = A.score_series(obs)
    found = A.detect_relapses(s)
    followed = A.events_followed(found.table, ev, s.table, follow_days=30)
    fig = C.relapse_figure(A.relapse_context(found.table, ev), len(CODES), found.rule, followed=followed)
    bars = [t for t in fig.data if t.type == "bar"]
    row = followed.set_index("kind").loc["infection"]
    shown, rest = bars
    assert list(shown.text) == [f"{int(row['n_followed'])} of {int(row['n_events'])}"]
    assert "were followed by a relapse within 30 days" in shown.customdata[0][0]
    assert shown.customdata[0][1] == "from 5 members"
    assert shown.x[0] + rest.x[0] == pytest.approx(1.0)  # the remainder completes the bar, drawn light
    assert rest.marker.color == "#EDEDED"
    assert not any("nothing observed" in str(b.y) for b in bars)
    assert "caused" not in fig.to_json()


def test_followed_text_reads_as_a_sentence_in_singular_and_plural():
    row = {"kind": "steroid_taper", "n_events": 1, "n_followed": 1, "share": 1.0}
    assert C.followed_text(row, 14) == "1 of 1 steroid taper (100%) was followed by a relapse within 14 days"
    row = {"kind": "infection", "n_events": 8, "n_followed": 2, "share": 0.25}
    assert C.followed_text(row, 30) == "2 of 8 infections (25%) were followed by a relapse within 30 days"


def test_member_counts_are_singular_and_plural_in_words():
    assert C.members_text(1) == "1 member" and C.members_text(0) == "0 members"
    assert theme.caption(1, START, START).startswith("1 member ·")


def _font_sizes(fig: go.Figure) -> list[float]:
    """Every explicit font size in the figure plus the template's, wherever they are set."""
    sizes = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("font", "tickfont", "textfont") and isinstance(value, dict) and "size" in value:
                    sizes.append(value["size"])
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(fig.to_json()))
    return [s for s in sizes if isinstance(s, int | float)]


def test_meeting_mode_text_is_at_least_16px_and_uses_the_palette(data):
    for name, fig in all_figures(data, meeting=True).items():
        sizes = _font_sizes(fig)
        assert sizes and min(sizes) >= 16, (name, sorted(set(sizes)))
        template = fig.layout.template.layout
        assert template.font.size >= 16 and template.title.font.size >= 16
        assert list(template.colorway) == list(theme.PALETTE)
    screen = all_figures(data)["group_course"]
    assert screen.layout.template.layout.font.size < 16


def test_palette_is_okabe_ito_and_colours_are_stable():
    okabe = set(theme.OKABE_ITO.values())
    assert all(theme.color_for_item(i) in okabe for i in ("opsoclonus", "myoclonus", "stance", "gait",
                                                          "arm_hand", "speech"))
    assert theme.PALETTE[:7] == tuple(c for c in theme.PALETTE if c in okabe)
    assert theme.color_for_item("other:hiccups") == theme.color_for_item("other:hiccups")
    assert theme.color_for_item("other:hiccups") in theme.PALETTE
    assert theme.color_for_treatment("ivig") != theme.color_for_treatment("rituximab")
    assert len({theme.color_for_item(i) for i in MITCHELL_PIKE_ITEMS + ("myoclonus", "sleep")}) == 8


def test_caption_words():
    text = theme.caption(12, "2025-03-03", "2026-10-31", today=dt.date(2026, 11, 25))
    assert text == ("12 members · 3 Mar 2025 – 31 Oct 2026 · generated on 25 Nov 2026 with oms_dash · "
                    "not medical advice")
    relative = theme.caption(1, "2025-03-03", "2025-04-30", relative=True, today=dt.date(2026, 11, 25))
    assert relative.startswith("1 member · about 8 weeks · generated on 25 Nov 2026")


def test_caption_can_be_drawn_inside_a_figure(data):
    obs, _, _ = data
    text = "5 members · x · not medical advice"
    fig = C.group_course_figure(A.group_course(obs), meeting=True, caption=text)
    assert any("not medical advice" in a.text for a in fig.layout.annotations)


def test_charts_module_does_not_import_streamlit():
    import subprocess
    import sys

    code = "import sys, oms_dash.charts; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_member_small_multiples_one_anonymous_panel_per_member_with_gaps_kept():
    import pandas as pd

    from oms_dash.charts import member_small_multiples_figure

    days = list(pd.date_range("2026-01-05", periods=6, freq="7D")) + list(
        pd.date_range("2026-04-06", periods=3, freq="7D"))
    scores = pd.DataFrame({"member": ["B7"] * len(days) + ["A3"] * 3,
                           "date": days + days[:3], "value": [5.0] * len(days) + [9.0] * 3})
    fig = member_small_multiples_figure(scores, "mp_total")
    titles = [a.text for a in fig.layout.annotations if a.text.startswith("Member")]
    assert titles == ["Member A", "Member B"]
    assert "A3" not in fig.to_json() and "B7" not in fig.to_json()
    b = next(t for t in fig.data if t.name == "Member B")
    assert sum(pd.isna(v) for v in b.y) == 1  # one break where six weeks went unlogged
    assert fig.layout.yaxis.range == (0, 18)


def test_long_titles_wrap_for_a_projector_and_captions_travel_inside_the_figure():
    import pandas as pd

    from oms_dash.charts import add_caption, member_small_multiples_figure

    scores = pd.DataFrame({"member": ["A1"] * 3, "date": pd.date_range("2026-01-05", periods=3, freq="7D"),
                           "value": [3.0, 2.0, 1.0]})
    fig = member_small_multiples_figure(scores, "mp_total", meeting=True)
    title_lines = fig.layout.title.text.split("<br>")
    assert all(len(line) <= 60 for line in title_lines if not line.startswith("<span"))
    lines = fig.layout.title.text.count("<br>") + 1
    assert fig.layout.margin.t >= lines * fig.layout.template.layout.title.font.size  # room for every line
    caption = ("3 members · 5 Jan 2026 – 19 Jan 2026 · generated on 25 Nov 2026 with oms_dash · "
               "not medical advice")
    add_caption(fig, caption, meeting=True)
    text = fig.layout.annotations[-1].text.replace("<br>", " ")
    assert text == caption


def _lightness(hex_color: str) -> float:
    r, g, b = (int(hex_color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_one_severity_scale_light_for_none_dark_for_severe_in_heatmap_and_bars(data):
    figs = all_figures(data)
    bars = [t for t in figs["latest_state"].data if t.type == "bar"]
    bar_colors = [t.marker.color for t in bars]
    assert [t.name for t in bars] == ["none", "mild", "moderate", "severe"]
    assert all(_lightness(a) > _lightness(b) for a, b in zip(bar_colors, bar_colors[1:], strict=False))
    scale = figs["heatmap"].data[0].colorscale
    assert scale[0][1].upper() == bar_colors[0].upper() and scale[-1][1].upper() == bar_colors[-1].upper()
    legend = figs["latest_state"].layout.legend
    template_legend = figs["latest_state"].layout.template.layout.legend
    assert (legend.orientation or template_legend.orientation) == "h"
    assert (legend.yref or template_legend.yref) == "container"  # below the axis title, not over it


@pytest.mark.parametrize("by", ["calendar", "first_log"])
def test_cohort_lines_break_at_weeks_without_data(by):
    rows = [("A", [0, 7, 28, 35]), ("B", [0, 7, 14, 21, 28, 35])]
    s = pd.concat([pd.DataFrame({"member": m, "date": [START + pd.Timedelta(days=d) for d in days],
                                 "value": 1.0}) for m, days in rows])
    fig = C.cohort_figure(A.cohort(s, by, min_members=1), "mean_severity")
    members = fig.data[0]
    texts = list(members.text)
    a_values = [v for v, t in zip(members.y, texts, strict=True) if t == "Member A"]
    assert len(a_values) == 4
    first_a = texts.index("Member A")
    # Member A: two weeks, a break (no line across weeks 2-3), two weeks
    assert np.isnan(members.y[first_a + 2]) and members.text[first_a + 2] is None
    b_start = texts.index("Member B")
    assert not np.isnan(np.asarray(members.y[b_start:b_start + 6], dtype=float)).any()


def test_profiles_label_every_symptom_on_a_horizontal_axis(data):
    fig = all_figures(data)["profile"]
    items = sorted(set(A.symptom_profiles(data[0]).members["item"]))
    assert len(fig.layout.yaxis.ticktext) == len(items)
    assert fig.layout.xaxis.range == (0, 3) and not fig.layout.yaxis.tickangle


def test_member_timeline_says_what_is_drawn_and_keeps_treatments_in_their_own_lane(data):
    obs, tr, ev = data
    mine = A.member_timeline(obs, "kid_1")
    fig = C.member_timeline_figure(mine, "Member A", tr[tr.member == "kid_1"], meeting=False)
    assert "dots: daily scores" in fig.layout.title.text
    assert not [sh for sh in fig.layout.shapes if sh.type == "rect"]  # nothing over the score panels
    lane = next(t for t in fig.data if t.name == "IVIG")
    score_axes = {t.yaxis for t in fig.data if t.name == "7-day mean"}
    assert lane.yaxis not in score_axes  # the lanes panel below the scores
    many = pd.concat([mine.table] * (C.MAX_RAW_POINTS // len(mine.table) + 1), ignore_index=True)
    crowded = C.member_timeline_figure(A.MemberTimeline(many, mine.measure), "Member A")
    assert "dots: daily scores" not in crowded.layout.title.text
    assert "daily dots not drawn" in crowded.layout.title.text


def test_charts_in_weeks_since_onset_say_how_many_members_without_an_onset_they_leave_out(data):
    obs, _, _ = data
    onsets = pd.Series({m: START for m in CODES[:-1]})  # the last member has no onset date
    weekly = A.relative_weeks(A.weekly_severity(obs), onsets)
    done = A.relative_weeks(A.completeness(obs), onsets)
    course = A.group_course(obs, anchors=onsets)
    figures = [C.heatmap_figure(weekly.table, time_axis="onset", excluded=weekly.excluded),
               C.completeness_figure(done.table, time_axis="onset", excluded=done.excluded),
               C.group_course_figure(course, time_axis="onset"),
               C.member_small_multiples_figure(A.score_series(obs).table, "mp_total", anchors=onsets,
                                               time_axis="onset")]
    for fig in figures:
        assert "1 member without one left out" in words(fig).replace("<br>", " ")
    assert "left out" not in words(C.heatmap_figure(A.weekly_severity(obs)))

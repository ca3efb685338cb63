"""Words before pictures (issue 15): the sentence above each chart says what the chart's own table
holds, in plain words, at every edge a group reaches, and never a number the chart hides."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from oms_dash import analysis as A
from oms_dash import privacy, report, schema
from oms_dash import sentences as S
from oms_dash.analysis.relapses import RATES_FILE
from oms_dash.model import GroupData
from tests.test_chart_edges import EDGES, START, edge_group

JARGON = ("spearman", "ρ", "rho", "cusum", "correlation", "quartile", "iqr", "nan", "bootstrap")


def _empty(group: GroupData) -> GroupData:
    return GroupData(observations=group.observations.iloc[:0], treatments=group.treatments.iloc[:0],
                     events=group.events.iloc[:0], onsets={})


def every_sentence(group: GroupData, time_axis: str = "calendar") -> dict[str, str]:
    """Every chart's sentence, from the tables the pages hand their chart builders."""
    obs = group.observations
    daily = A.daily_scores(obs)
    scores = A.score_series(daily)
    measure = scores.measure
    anchors = None if time_axis == "calendar" else A.first_logs(daily)
    weekly = A.weekly_severity(daily)
    relapses = A.detect_relapses(scores, A.RelapseRule.for_measure(measure)).table
    member = group.members[0] if group.members else "nobody"
    timeline = A.member_timeline(obs.loc[obs["member"] == member], member)
    if obs.empty:  # cohort and co-occurrence are never asked of nothing (the pages stop first)
        cohort = A.Cohort("first_log", scores.table.assign(x=0).iloc[:0], pd.DataFrame(
            columns=["x", "n_members", "median", "q25", "q75", "suppressed"]))
        co = A.Cooccurrence(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), n_group=0, too_few=True)
    else:
        cohort, co = A.cohort(scores.table, "first_log"), A.cooccurrence(obs)
    return {
        "group_course": S.group_course_sentence(A.group_course(scores, anchors=anchors).table, measure,
                                                time_axis),
        "latest_state": S.latest_state_sentence(A.latest_state(obs)),
        "completeness": S.completeness_sentence(A.completeness(obs)),
        "cohort": S.cohort_sentence(cohort, measure),
        "heatmap": S.heatmap_sentence(weekly),
        "small_multiples": S.small_multiples_sentence(scores.table, measure),
        "profile": S.profile_sentence(A.symptom_profiles(obs)),
        "relapse": S.relapse_sentence(A.relapse_context(relapses, group.events), len(group.members)),
        "cooccurrence": S.cooccurrence_sentence(co),
        "member_timeline": S.member_timeline_sentence(timeline.table, "Member A", timeline.measure or
                                                      measure, relapses.loc[relapses["member"] == member]),
    }


_SAID: dict = {}


def said(edge: str) -> dict[str, str]:
    if edge not in _SAID:
        group = edge_group(**EDGES[edge]) if edge != "empty" else _empty(edge_group(days=1))
        _SAID[edge] = every_sentence(group)
    return _SAID[edge]


@pytest.mark.parametrize("edge", ["empty", *EDGES])
def test_every_chart_has_one_plain_sentence_at_every_edge(edge):
    for name, sentence in said(edge).items():
        assert isinstance(sentence, str) and sentence.endswith("."), (name, sentence)
        assert not any(word in sentence.lower() for word in JARGON), (name, sentence)
        assert len(sentence) < 400, (name, sentence)  # one sentence (and a short second), not a paragraph


def test_an_empty_range_says_there_is_nothing_to_describe():
    for name, sentence in said("empty").items():
        assert re.search(r"nothing|no member|no relapse|not worked out", sentence, re.I), (name, sentence)


def _group() -> GroupData:
    return edge_group(n_members=8, days=120, relapses=3)


@pytest.fixture(scope="module")
def group():
    return _group()


@pytest.fixture
def k(monkeypatch):
    """Sets the group-size threshold for one test (put back afterwards)."""
    monkeypatch.setattr(privacy.labels, "_min_group_size", privacy.min_group_size())
    return privacy.set_min_group_size


def _one(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}".replace("-", "−")


def test_the_group_course_sentence_gives_the_first_and_last_drawn_week_of_the_chart(group):
    scores = A.score_series(group.observations)
    course = A.group_course(scores).table
    words = S.group_course_sentence(course, scores.measure)
    drawn = course.loc[~course["suppressed"]].sort_values("week")
    first, last = drawn.iloc[0], drawn.iloc[-1]
    assert f"from {_one(first['median'])} to {_one(last['median'])}" in words
    assert f"{int(last['n_members'])} members logged in the last of these weeks" in words
    assert f"{last['week'].day} {last['week']:%b %Y}" in words
    relative = S.group_course_sentence(A.group_course(scores, anchors=A.first_logs(group.observations)).table,
                                       scores.measure, "first_log")
    assert "week 0" in relative and "first log" in relative and str(START.year) not in relative


def test_sentences_never_say_a_number_the_chart_hides_for_a_small_group(group, k):
    k(50)  # every aggregate of the 8 members is under the threshold
    scores = A.score_series(group.observations)
    measure = scores.measure
    hidden = {
        "course": S.group_course_sentence(A.group_course(scores).table, measure),
        "latest": S.latest_state_sentence(A.latest_state(group.observations)),
        "cohort": S.cohort_sentence(A.cohort(scores.table, "first_log"), measure),
        "profile": S.profile_sentence(A.symptom_profiles(group.observations)),
        "cooccurrence": S.cooccurrence_sentence(A.cooccurrence(group.observations)),
    }
    for name, words in hidden.items():
        assert "not" in words.lower() and "50" in words, (name, words)  # says why
        assert not re.search(r"\d\.\d", words), (name, words)  # no median, mean or value
    assert not re.search(r"\d+ of \d+", hidden["latest"])  # no count of members at a level


def test_the_latest_state_sentence_names_the_symptom_with_most_members_at_moderate_or_severe(group):
    state = A.latest_state(edge_group(n_members=8, days=45).observations)
    words = S.latest_state_sentence(state)
    high = state["moderate"] + state["severe"]
    top = state.loc[high.idxmax()]
    assert high.max() > 0
    assert f"{int(high.max())} of {int(top['n_members'])}" in words
    assert schema.item_label(top["item"]).lower() in words.lower()
    improved = A.latest_state(group.observations)  # 120 days on, everyone is at none or mild
    assert (improved["moderate"] + improved["severe"]).max() == 0
    assert "no member was at moderate or severe on any of the 4 symptoms" in S.latest_state_sentence(improved)


def test_the_completeness_sentence_counts_the_weeks_and_the_last_weeks_loggers():
    group = edge_group(n_members=4, days=40)
    obs = group.observations
    obs = obs.loc[~((obs["member"] == "E001") & (obs["date"] > obs["date"].max() - pd.Timedelta(days=9)))]
    done = A.completeness(obs)
    words = S.completeness_sentence(done)
    last = done.loc[done["week"] == done["week"].max()]
    logged = int((last["days_logged"] > 0).sum())
    assert logged == 3, "E001 stopped logging in the last week"
    assert f"Over {done['week'].nunique()} weeks" in words
    assert f"{logged} of {len(last)} members logged at least one day in their last week" in words
    assert f"{float(done['days_logged'].median()):g} of 7 days" in words
    # In weeks since each member's first log, every member's rows end in a week of their own.
    first = A.first_logs(obs)
    relative = A.relative_weeks(done, first + pd.to_timedelta(np.arange(len(first)) * 7, unit="D")).table
    assert relative.groupby("member")["week"].max().nunique() > 1
    assert f"{logged} of 4 members logged" in S.completeness_sentence(relative)


def test_the_cohort_sentence_gives_the_medians_the_chart_draws(group):
    scores = A.score_series(group.observations)
    cohort = A.cohort(scores.table, "first_log")
    words = S.cohort_sentence(cohort, scores.measure)
    drawn = cohort.group.loc[~cohort.group["suppressed"]].sort_values("x")
    first, last = drawn.iloc[0], drawn.iloc[-1]
    assert f"{_one(first['median'])} in week {int(first['x']) // 7}" in words
    assert f"{_one(last['median'])} in week {int(last['x']) // 7}" in words
    assert words.startswith(f"{cohort.members['member'].nunique()} members drawn")
    by_ivig = S.cohort_sentence(A.cohort(scores.table, "treatment", treatments=group.treatments,
                                         treatment="ivig"),
                                scores.measure, "IVIG")
    assert "since starting IVIG" in by_ivig and "what IVIG did" not in by_ivig


def _first_last(weekly: pd.DataFrame, margin: float) -> tuple[int, int, int]:
    grid = weekly.pivot(index="member", columns="week", values="value")
    first = grid.apply(lambda row: row.dropna().iloc[0], axis=1)
    last = grid.apply(lambda row: row.dropna().iloc[-1], axis=1)
    change = last - first
    return int((change < -margin).sum()), int((change > margin).sum()), int((change.abs() <= margin).sum())


def test_the_heatmap_and_member_panel_sentences_count_who_logged_lower_at_the_end(group):
    weekly = A.weekly_severity(group.observations)
    lower, higher, same = _first_last(weekly, A.SAME_MARGIN)
    words = S.heatmap_sentence(weekly)
    assert f"{lower} of {weekly['member'].nunique()} members had a lower weekly mean" in words
    assert f"{higher} higher and {same} about the same" in words
    scores = A.score_series(group.observations)
    weekly_scores = scores.table.assign(week=A.week_start(scores.table["date"]))
    panels = weekly_scores.groupby(["member", "week"], as_index=False)["value"].mean()
    lower, higher, same = _first_last(panels, A.SAME_MARGIN)
    assert f"{lower} of" in S.small_multiples_sentence(scores.table, scores.measure)


def test_a_member_with_one_week_is_not_counted_as_a_change():
    weekly = pd.DataFrame({"member": ["a", "a", "b"], "week": pd.to_datetime(["2026-01-05", "2026-01-12",
                                                                              "2026-01-05"]),
                           "value": [2.0, 1.0, 1.5], "n_days": [7, 7, 7]})
    words = S.heatmap_sentence(weekly)
    assert "1 of 1 member had a lower weekly mean" in words and "1 member logged in one week only" in words


def test_the_profile_sentence_names_the_highest_and_lowest_group_mean(group):
    obs = group.observations
    calmer = obs.assign(score=obs["score"].where(obs["item"] != "sleep", (obs["score"] - 1).clip(lower=0)))
    profiles = A.symptom_profiles(calmer)
    words = S.profile_sentence(profiles)
    ranked = profiles.group.sort_values("mean")
    low, top = ranked.iloc[0], ranked.iloc[-1]
    highest, lowest = (schema.item_label(row["item"]).lower() for row in (top, low))
    assert f"{highest} had the highest group mean ({_one(top['mean'])})" in words
    assert f"{lowest} the lowest ({_one(low['mean'])})" in words
    same = pd.DataFrame({"member": ["a", "a", "b", "b"], "item": ["sleep", "gait"] * 2,
                         "mean": [1.0, 1.02] * 2, "n_days": 9})
    group_means = same.groupby("item", as_index=False).agg(mean=("mean", "mean"),
                                                           n_members=("member", "size"))
    level = S.profile_sentence(A.Profiles(same, group_means.assign(suppressed=False)))
    assert "every symptom drawn had a group mean of about 1.0" in level


def test_the_relapse_sentence_counts_relapses_members_and_what_came_before(group):
    scores = A.score_series(group.observations)
    context = A.relapse_context(A.detect_relapses(scores).table, group.events)
    assert len(context), "the planted rises are found"
    words = S.relapse_sentence(context, len(group.members))
    n = len(context)
    assert f"marked {n} possible relapse{'s' if n != 1 else ''}" in words
    assert f"in {context['member'].nunique()} of {len(group.members)} members" in words
    infections = int((context["preceded_by"] == "infection").sum())
    if infections:
        assert f"an infection or fever for {infections}" in words
    assert "timing, not cause" in words
    assert S.relapse_sentence(context.iloc[:0], 1) == "The rule marked no relapse in 1 member."


def test_the_cooccurrence_sentence_names_the_pair_that_moves_together_most():
    obs = edge_group(n_members=6, days=140, seed=5).observations
    gait = obs.loc[obs["item"] == "gait"].assign(item="sleep")  # sleep now moves exactly with gait
    for table in (obs, pd.concat([obs.loc[obs["item"] != "sleep"], gait], ignore_index=True)):
        co = A.cooccurrence(table)
        words = S.cooccurrence_sentence(co)
        rho = co.rho.where(np.triu(np.ones(co.rho.shape, dtype=bool), k=1))
        a, b = rho.stack().idxmax()
        assert f"{schema.item_label(a).lower()} and {schema.item_label(b).lower()}" in words
        assert f"{_one(rho.loc[a, b], 2)} over {int(co.n_members.loc[a, b])} members" in words
        clearly = rho.loc[a, b] >= S.CLEARLY_TOGETHER
        assert ("rose and fell together most closely" in words) == clearly, words
        assert words.startswith("No two symptoms clearly") != clearly, words
    assert clearly and _one(1.0, 2) in words  # the copied pair


def test_the_member_sentence_gives_days_scored_and_the_mean_line_at_both_ends(group):
    member = group.members[0]
    mine = group.observations.loc[group.observations["member"] == member]
    timeline = A.member_timeline(mine, member)
    relapses = A.detect_relapses(A.score_series(mine)).table
    words = S.member_timeline_sentence(timeline.table, "Member A", timeline.measure, relapses)
    total = timeline.table.loc[timeline.table["series"] == "total"].sort_values("date")
    assert words.startswith(f"Member A has a score on {total['date'].nunique()} days")
    assert f"{_one(total['rolling'].iloc[0])} at the first log to {_one(total['rolling'].iloc[-1])}" in words
    assert f"marked {len(relapses)} relapse" in words or (not len(relapses) and "no relapse" in words)
    relative = S.member_timeline_sentence(timeline.table, "Member A", timeline.measure, relapses,
                                          relative=True)
    assert str(START.year) not in relative and "weeks" in relative


def test_the_weekly_diary_note_reads_its_figures_from_the_measured_table():
    table = json.loads(RATES_FILE.read_text(encoding="utf-8"))
    for preset in A.PRESET_NAMES:
        recall = table["presets"][preset]["weekly"]["recall"]["1"]
        held = [v for days, v in recall.items() if int(days) >= 14]
        words = S.weekly_diary_note(preset)
        assert f"{min(held) * 100:.0f}–{max(held):.0%} of one-step rises" in words
    assert S.weekly_diary_note("no such preset") == ""


def test_the_report_says_each_chart_in_a_sentence_just_above_it(group):
    figures = report.report_figures(group)
    printed = report.build_report_html(group, figures=figures)
    assert all(item.sentence for item in figures)
    assert printed.count("<p class='sentence'>") == len(figures)
    for item in figures:
        after = printed.split(f"<p class='sentence'>{html.escape(item.sentence)}</p>", 1)
        assert len(after) == 2 and after[1].startswith("<div class='chart'>"), item.name

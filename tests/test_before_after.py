"""Before/after a treatment start: per member counts and verdicts, the group's median change with a
seeded bootstrap interval, confounded starts flagged, and the sentence drawn from the same numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oms_dash import analysis as A
from tests.test_analysis import DAY0, scores, treatments

START = DAY0 + pd.Timedelta(days=28)
CHANGES = {"A": -1.0, "B": -0.8, "C": -0.6, "D": -0.9, "E": 0.1, "F": 0.5}


def group(changes: dict[str, float], measure: str = A.MEASURE_MEAN) -> A.Scores:
    """Each member at 2.0 for the 4 weeks before day 28, then 2.0 + change for 4 weeks after."""
    frames = [scores(m, list(range(0, 28)) + list(range(29, 57)), [2.0] * 28 + [2.0 + c] * 28)
              for m, c in changes.items()]
    return A.Scores(pd.concat(frames, ignore_index=True), measure)


def test_group_median_change_interval_and_counts_with_the_stated_margin():
    result = A.before_after(group(CHANGES), treatments([(m, "ivig", START) for m in CHANGES]), "ivig")
    assert result.n_members == 6
    assert result.median_change == pytest.approx(np.median(list(CHANGES.values())))
    assert (result.lower, result.higher, result.same) == (4, 1, 1)  # +0.1 is within 0.25
    low, high = result.interval
    assert low <= result.median_change <= high
    per = result.per_member.set_index("member")
    assert per.loc["A", "verdict"] == "lower" and per.loc["E", "verdict"] == "about the same"
    assert (per["n_before"] == 28).all() and (per["n_after"] == 28).all()


def test_bootstrap_interval_is_reproducible_with_its_seed():
    values = np.random.default_rng(0).normal(-0.5, 0.6, 12)
    assert A.bootstrap_median(values, seed=3) == A.bootstrap_median(values, seed=3)
    low, high = A.bootstrap_median(values, seed=3)
    assert low < np.median(values) < high


def test_no_interval_under_five_members_and_not_enough_data_is_said():
    four = {m: CHANGES[m] for m in "ABCD"}
    result = A.before_after(group(four), treatments([(m, "ivig", START) for m in four]), "ivig")
    assert np.isnan(result.interval[0]) and not np.isnan(result.median_change)
    two = {m: CHANGES[m] for m in "AB"}
    thin = A.before_after(group(two), treatments([(m, "ivig", START) for m in "ABC"]), "ivig")
    assert thin.group_verdict.startswith("not enough data")
    assert "not enough data" in A.before_after_sentence(thin, "IVIG")
    c_row = thin.per_member.set_index("member").loc["C"]
    assert c_row["verdict"] == "not enough data: under 2 logs before and after"


def test_another_treatment_started_in_the_window_is_flagged_and_can_be_left_out():
    later = START + pd.Timedelta(days=14)
    tr = treatments([(m, "ivig", START) for m in CHANGES] + [("A", "rituximab", later)])
    kept = A.before_after(group(CHANGES), tr, "ivig")
    flags = kept.per_member.set_index("member")["other_treatment"]
    assert flags["A"] == "rituximab" and (flags.drop("A") == "").all()
    left = A.before_after(group(CHANGES), tr, "ivig", leave_out_other=True)
    assert (kept.n_members, left.n_members, left.left_out_other) == (6, 5, 1)


def test_the_sentence_says_the_same_numbers_and_what_it_does_not_show():
    result = A.before_after(group(CHANGES), treatments([(m, "ivig", START) for m in CHANGES]), "ivig")
    words = A.before_after_sentence(result, "IVIG")
    assert words.startswith("In the 4 weeks after starting IVIG, 4 of 6 members logged lower mean severity")
    assert f"{abs(result.median_change):.1f}" in words
    assert "1 higher and 1 within 0.25 of before" in words
    assert "not what IVIG did" in words


def test_the_margin_is_a_quarter_step_on_each_item_of_a_mitchell_pike_total():
    totals = group({m: 6 * c for m, c in CHANGES.items()}, A.MEASURE_MP)
    result = A.before_after(totals, treatments([(m, "ivig", START) for m in CHANGES]), "ivig")
    assert result.margin == 6 * A.SAME_MARGIN
    assert (result.lower, result.higher, result.same) == (4, 1, 1)
    assert "Mitchell-Pike totals" in A.before_after_sentence(result, "IVIG", A.MEASURE_MP)


def test_a_member_who_started_another_treatment_is_flagged_on_the_chart():
    from oms_dash import analysis, charts
    from oms_dash.demo import demo_group

    group = demo_group()
    scores = analysis.score_series(analysis.daily_scores(group.observations))
    result = analysis.before_after(scores, group.treatments, "ivig")
    drawn = result.per_member.dropna(subset=["before", "after"])
    flagged = int((drawn["other_treatment"] != "").sum())
    assert flagged > 0  # the demo's IVIG starts come with steroids
    fig = charts.before_after_figure(result, scores.measure)
    symbols = [sym for trace in fig.data if trace.marker.symbol is not None
               and not isinstance(trace.marker.symbol, str) for sym in trace.marker.symbol]
    assert sum("diamond" in s for s in symbols) == 3 * flagged  # each member's two points and its break
    assert any(t.name and "another treatment" in t.name for t in fig.data)
    hovers = " ".join(str(c) for t in fig.data for c in (t.customdata if t.customdata is not None else []))
    assert "also started" in hovers

"""Relapse detection on simulated noisy diaries with gaps, at the rates the benchmark measured."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from benchmarks.relapses import DAY0, judge, simulate
from oms_dash import analysis as A
from oms_dash.analysis.relapses import relapse_rates

N = 40  # members per planted size: small enough to run fast, large enough for a margin of 15 points
MARGIN = 0.15


@pytest.mark.parametrize("rise", [1.0, 1.2, 1.6])
def test_balanced_finds_planted_relapses_held_two_weeks_at_the_measured_rate(rise):
    measured = relapse_rates()["presets"]["balanced"]["daily"]["recall"][f"{rise:g}"]["14"]
    scores, noise, start = simulate(np.random.default_rng(int(rise * 10)), N, 200, rise, 14)
    found = A.detect_relapses(scores, A.RelapseRule.for_measure(A.MEASURE_MEAN))
    hit, distance = judge(found, N, start, 14)
    assert hit[noise <= 0.75].mean() >= measured - MARGIN
    assert np.median(distance) <= 7  # dated within a week of the true start


def test_a_small_rise_is_found_less_often_than_a_large_one():
    rule = A.RelapseRule.for_measure(A.MEASURE_MEAN)
    shares = []
    for rise in (0.8, 1.6):
        scores, _, start = simulate(np.random.default_rng(3), N, 200, rise, 14)
        shares.append(judge(A.detect_relapses(scores, rule), N, start, 14)[0].mean())
    assert shares[0] < shares[1]


@pytest.mark.parametrize("weekly", [False, True])
def test_cautious_raises_no_relapse_on_flat_noisy_courses_with_gaps(weekly):
    scores, _, _ = simulate(np.random.default_rng(11), 60, 730, weekly=weekly)
    measure = A.MEASURE_MP if weekly else A.MEASURE_MEAN
    assert A.detect_relapses(scores, A.RelapseRule.for_measure(measure, "cautious")).table.empty


def test_presets_order_from_cautious_to_sensitive():
    scores, _, start = simulate(np.random.default_rng(5), N, 200, 1.0, 14)
    rules = [A.RelapseRule.for_measure(A.MEASURE_MEAN, p) for p in A.PRESET_NAMES]
    found = [judge(A.detect_relapses(scores, rule), N, start, 14)[0].sum() for rule in rules]
    assert found == sorted(found)


def test_each_preset_states_its_error_rates_in_words_and_a_changed_rule_says_they_are_unknown():
    for preset in A.PRESET_NAMES:
        words = A.RelapseRule.for_measure(A.MEASURE_MEAN, preset).error_rates()
        assert "in 10 relapses" in words or "nearly all" in words
        assert "false alarm" in words
    changed = dataclasses.replace(A.RelapseRule.for_measure(A.MEASURE_MEAN), rise=1.5)
    assert "not been measured" in changed.error_rates()
    with pytest.raises(ValueError, match="unknown relapse preset"):
        A.RelapseRule.for_measure(A.MEASURE_MEAN, "reckless")


def _scores(members, days, values) -> A.Scores:
    return A.Scores(pd.DataFrame({"member": members,
                                  "date": [pd.Timestamp(DAY0) + pd.Timedelta(days=d) for d in days],
                                  "value": np.asarray(values, dtype="float64")}), A.MEASURE_MEAN)


@pytest.mark.parametrize("scores", [
    _scores([], [], []),  # no logs
    _scores(["A"], [0], [2.0]),  # one day
    _scores(["A"] * 30, range(30), [np.nan] * 30),  # every score missing
    _scores(["A"] * 40, range(40), [1.0] * 40),  # one member, nothing happens
])
def test_edges_return_an_empty_table_without_error(scores):
    found = A.detect_relapses(scores, A.RelapseRule.for_measure(A.MEASURE_MEAN)).table
    assert found.empty and list(found.columns) == ["member", "start", "baseline", "start_value", "peak",
                                                   "n_raised", "days_raised"]

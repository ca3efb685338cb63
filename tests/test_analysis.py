"""Analysis on hand-built tables with answers worked out by hand."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from oms_dash import analysis as A
from oms_dash.model import empty_table
from oms_dash.schema import EVENT_COLUMNS, MITCHELL_PIKE_ITEMS, OBSERVATION_COLUMNS, TREATMENT_COLUMNS

DAY0 = pd.Timestamp("2025-01-06")  # a Monday


def obs(rows: list[tuple[str, pd.Timestamp | str, str, float]]) -> pd.DataFrame:
    """Observations table from (member, date, item, score) tuples; other columns filled plainly."""
    frame = pd.DataFrame(rows, columns=["member", "date", "item", "score"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["score"] = frame["score"].astype("float64")
    frame["raw_value"] = frame["score"].astype("str")
    frame["raw_scale"] = "0-3"
    frame["source_file"] = "test.csv"
    frame["source_row"] = np.arange(2, len(frame) + 2)
    return frame[list(OBSERVATION_COLUMNS)]


def series(member: str, days, values, item: str = "myoclonus") -> list[tuple]:
    pairs = zip(days, values, strict=True)
    return [(member, DAY0 + pd.Timedelta(days=int(d)), item, float(v)) for d, v in pairs]


def scores(member: str, days, values) -> pd.DataFrame:
    return pd.DataFrame({"member": member, "date": [DAY0 + pd.Timedelta(days=int(d)) for d in days],
                         "value": np.asarray(values, dtype="float64")})


def treatments(rows: list[tuple[str, str, pd.Timestamp]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["member", "treatment", "start"])
    frame["end"] = pd.NaT
    frame["dose"] = ""
    frame["source_file"] = "t.csv"
    frame["source_row"] = np.arange(2, len(frame) + 2)
    return frame[list(TREATMENT_COLUMNS)]


def events(rows: list[tuple[str, pd.Timestamp, str]]) -> pd.DataFrame:
    if not rows:
        return empty_table(EVENT_COLUMNS)
    frame = pd.DataFrame(rows, columns=["member", "date", "kind"])
    frame["detail"] = frame["kind"]
    frame["source_file"] = "e.csv"
    frame["source_row"] = np.arange(2, len(frame) + 2)
    return frame[list(EVENT_COLUMNS)]


# --- relapses ----------------------------------------------------------------------------------------

DAILY_RULE = A.RelapseRule.for_measure("item:myoclonus")  # the default for a daily 0-3 score


def as_scores(frame: pd.DataFrame) -> A.Scores:
    """A member, date, value table as one symptom's daily scores (the relapse rule's daily scale)."""
    return A.Scores(frame, "item:myoclonus")


def planted(member: str = "A", relapse_day: int | None = 100, days: int = 200) -> pd.DataFrame:
    values = np.full(days, 1.0)
    if relapse_day is not None:
        values[relapse_day:relapse_day + 20] = 3.0
    return scores(member, range(days), values)


def noisy_course(level: float, noise_sd: float, seed: int, days: int = 730,
                 relapse_day: int | None = None) -> pd.DataFrame:
    """A daily 0-3 score as the demo writes it: a latent level (plus a planted bump), a member's
    day-to-day factor and noise, rounded to the scale; about 8% of days not logged."""
    rng = np.random.default_rng(seed)
    latent = np.full(days, level)
    if relapse_day is not None:
        latent[relapse_day:relapse_day + 30] += 2.0
    values = np.clip(np.rint(latent * rng.uniform(0.7, 1.15, days) + rng.normal(0, noise_sd, days)), 0, 3)
    logged = rng.random(days) > 0.08
    logged[relapse_day or 0] = True
    return scores("A", np.flatnonzero(logged), values[logged])


def test_relapse_planted_on_day_100_is_found():
    found = A.detect_relapses(as_scores(planted()), DAILY_RULE).table
    assert list(found["start"]) == [DAY0 + pd.Timedelta(days=100)]
    row = found.iloc[0]
    assert (row["baseline"], row["start_value"], row["peak"]) == (1.0, 3.0, 3.0)
    assert row["days_raised"] >= DAILY_RULE.min_days


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_relapse_planted_on_day_100_is_found_through_noise(seed):
    found = A.detect_relapses(as_scores(noisy_course(0.8, 0.45, seed, days=200, relapse_day=100)),
                              DAILY_RULE).table
    assert len(found) == 1
    # dated within a few days: a noisy day just before the rise can look like its start
    assert abs((found.iloc[0]["start"] - (DAY0 + pd.Timedelta(days=100))).days) <= 5


def test_no_relapse_on_a_flat_course():
    sensitive = A.RelapseRule.for_measure("", "sensitive")
    assert A.detect_relapses(as_scores(planted(relapse_day=None)), sensitive).table.empty


@pytest.mark.parametrize("noise_sd", [0.35, 0.45, 0.6])
@pytest.mark.parametrize("level", [0.3, 0.8, 1.3, 1.7, 2.2])
def test_no_relapse_on_a_noisy_flat_course(level, noise_sd):
    """Two years of one symptom's ordinary day-to-day noise at the demo's noise levels: the cautious
    setting calls nothing a relapse (balanced may, rarely: it trades that for finding more)."""
    cautious = A.RelapseRule.for_measure("item:myoclonus", "cautious")
    for seed in range(3):
        course = noisy_course(level, noise_sd, seed)
        assert A.detect_relapses(as_scores(course), cautious).table.empty, (level, noise_sd, seed)


def test_a_short_burst_is_not_a_relapse():
    values = np.full(90, 1.0)
    values[40:44] = 3.0  # four bad days, then back to usual
    assert A.detect_relapses(as_scores(scores("A", range(90), values)), DAILY_RULE).table.empty


def test_a_rise_after_a_long_gap_has_no_baseline_and_is_not_counted():
    gap = DAILY_RULE.window_days + 10  # no log left in the baseline window
    days = list(range(20)) + list(range(20 + gap, 40 + gap))
    values = [0.0] * 20 + [3.0] * 20
    assert A.detect_relapses(as_scores(scores("A", days, values)), DAILY_RULE).table.empty


def test_relapses_within_the_refractory_window_count_once_and_members_are_separate():
    values = np.full(200, 0.0)
    values[100:103] = 2.0
    values[103] = 0.0
    values[104:110] = 2.0  # dips for a day: same relapse under refractory_days=28
    values[150:160] = 2.0
    frame = pd.concat([scores("A", range(200), values), planted("B", relapse_day=None)])
    rule = dataclasses.replace(DAILY_RULE, rise=1.5, min_days=1, min_logs=2, refractory_days=28)
    found = A.detect_relapses(as_scores(frame), rule).table
    assert list(found["member"]) == ["A", "A"]
    assert list(found["start"]) == [DAY0 + pd.Timedelta(days=100), DAY0 + pd.Timedelta(days=150)]


def test_relapse_rule_lasting_days_not_only_logs():
    values = np.full(60, 0.0)
    values[30:34] = 3.0  # four raised logs over 3 days
    rule = dataclasses.replace(DAILY_RULE, min_days=7, min_logs=2)
    assert A.detect_relapses(as_scores(scores("A", range(60), values)), rule).table.empty
    values[30:45] = 3.0
    assert len(A.detect_relapses(as_scores(scores("A", range(60), values)), rule).table) == 1


def test_relapse_rule_says_itself_in_words():
    words = DAILY_RULE.describe()
    assert f"{DAILY_RULE.window_days} days" in words and f"{DAILY_RULE.min_days} days" in words
    assert "balanced" in words


def test_relapse_rule_found_through_mp_total():
    rows = []
    for d in range(0, 200, 7):
        level = 2.0 if 98 <= d < 130 else 0.0
        rows += [("A", DAY0 + pd.Timedelta(days=d), item, level) for item in MITCHELL_PIKE_ITEMS]
    s = A.score_series(obs(rows))
    assert s.measure == A.MEASURE_MP
    found = A.detect_relapses(s).table  # default for the MP total: rise 4 held a week
    assert list(found["start"]) == [DAY0 + pd.Timedelta(days=98)]
    assert found.iloc[0]["start_value"] == 12.0


def test_relapse_context_reports_preceding_events_within_lookback():
    found = A.detect_relapses(as_scores(planted()), DAILY_RULE).table
    start = DAY0 + pd.Timedelta(days=100)
    ev = events([("A", start - pd.Timedelta(days=5), "infection"),
                 ("A", start - pd.Timedelta(days=40), "steroid_taper"),  # outside 30 days
                 ("A", start - pd.Timedelta(days=2), "vaccination"),
                 ("A", start + pd.Timedelta(days=3), "infection"),  # after: not preceding
                 ("B", start - pd.Timedelta(days=1), "steroid_taper")])  # another member
    ctx = A.relapse_context(found, ev, lookback_days=30)
    row = ctx.iloc[0]
    assert row["days_since_infection"] == 5
    assert np.isnan(row["days_since_steroid_taper"])
    assert row["days_since_vaccination"] == 2
    assert row["preceded_by"] == "vaccination"
    none = A.relapse_context(found, events([]))
    assert none.iloc[0]["preceded_by"] == A.NONE_OBSERVED
    summary = A.relapse_summary(ctx, members=["A", "B"])
    assert summary.set_index("member").loc["A", "relapses"] == 1
    assert summary.set_index("member").loc["B", "relapses"] == 0


def test_events_followed_gives_the_denominator_of_relapses_after_an_event():
    """Relapses start on day 100 for A, B and C; D has none. Infections 5 days before count as
    followed; D's infection, and an infection 40 days before, do not; one too near the last log is
    not counted at all (no 30 days of logs after it)."""
    found = pd.DataFrame({"member": ["A", "B", "C"], "start": [DAY0 + pd.Timedelta(days=100)] * 3})
    logged = pd.concat([scores(m, range(0, 200), [1] * 200) for m in "ABCD"])
    day = lambda d: DAY0 + pd.Timedelta(days=d)  # noqa: E731
    ev = events([("A", day(95), "infection"), ("B", day(95), "infection"), ("C", day(60), "infection"),
                 ("D", day(95), "infection"), ("D", day(190), "infection"),  # too late to follow up
                 ("A", day(100), "steroid_taper")])
    out = A.events_followed(found, ev, logged, follow_days=30, min_members=1).set_index("kind")
    inf = out.loc["infection"]
    assert (inf["n_events"], inf["n_followed"], inf["n_members"]) == (4, 2, 4)
    assert inf["share"] == pytest.approx(0.5)
    assert out.loc["steroid_taper", "n_followed"] == 1  # the relapse's own day counts
    assert out.loc["vaccination", "n_events"] == 0 and np.isnan(out.loc["vaccination", "share"])
    small = A.events_followed(found, ev, logged, follow_days=30, min_members=3).set_index("kind")
    assert small.loc["steroid_taper", "suppressed"] and np.isnan(small.loc["steroid_taper", "n_events"])
    assert not small.loc["infection", "suppressed"]


# --- before / after ------------------------------------------------------------------------------------

def test_before_after_means_are_exact_and_the_start_day_is_neither():
    start = DAY0 + pd.Timedelta(days=50)
    # 2 weeks: before = days 36..49, after = days 51..64
    s = scores("A", [30, 36, 40, 49, 50, 51, 60, 64, 65], [9, 1, 2, 3, 9, 0, 1, 2, 9])
    tr = treatments([("A", "ivig", start), ("A", "ivig", start + pd.Timedelta(days=90))])
    result = A.before_after(as_scores(s), tr, "ivig", weeks=2, min_members=1)
    row = result.per_member.iloc[0]
    assert row["start"] == start
    assert (row["before"], row["n_before"]) == (2.0, 3)
    assert (row["after"], row["n_after"]) == (1.0, 3)
    assert row["change"] == -1.0
    assert result.n_members == 1


def test_before_after_group_medians_suppressed_below_three_members():
    start = DAY0 + pd.Timedelta(days=28)
    s = pd.concat([scores(m, [20, 35], [b, a]) for m, b, a in [("A", 1, 2), ("B", 3, 1), ("C", 2, 2)]])
    tr = treatments([(m, "rituximab", start) for m in "ABC"] + [("D", "rituximab", start)])
    three = A.before_after(as_scores(s), tr, "rituximab", weeks=2, min_logs=1)
    assert (three.n_members, three.suppressed) == (3, False)
    assert (three.median_before, three.median_after) == (2.0, 2.0)
    d_row = three.per_member.set_index("member").loc["D"]
    assert np.isnan(d_row["before"]) and d_row["n_before"] == 0
    two = A.before_after(as_scores(s.loc[s["member"] != "C"]), tr, "rituximab", weeks=2, min_logs=1)
    assert two.suppressed and np.isnan(two.median_before)


def test_before_after_marks_thin_windows_and_hides_a_rare_treatment():
    start = DAY0 + pd.Timedelta(days=28)
    rows = [scores(m, [20, 22, 35, 37], [1, 1, 2, 2]) for m in "ABC"] + [scores("D", [20, 35, 36], [3, 0, 0])]
    tr = treatments([(m, "ivig", start) for m in "ABCD"] + [(m, "acth", start) for m in "AB"])
    result = A.before_after(as_scores(pd.concat(rows)), tr, "ivig", weeks=2)  # default: 2 logs a side
    few = result.per_member.set_index("member")["few_logs"]
    assert few.to_dict() == {"A": False, "B": False, "C": False, "D": True}
    assert (result.n_members, result.median_before, result.median_after) == (3, 1.0, 2.0)
    assert not result.hidden
    assert A.before_after(as_scores(pd.concat(rows)), tr, "ivig", weeks=2, min_logs=1).n_members == 4
    rare = A.before_after(as_scores(pd.concat(rows)), tr, "acth", weeks=2)  # 2 members started it, k = 3
    assert rare.hidden and rare.n_started == 2


# --- alignment -------------------------------------------------------------------------------------------

def test_alignment_shifts_are_exact():
    s = pd.concat([scores("A", [10, 17, 24], [1, 2, 3]), scores("B", [3, 4], [1, 1]),
                   scores("C", [0], [2])])
    onsets = {"A": DAY0 + pd.Timedelta(days=2), "B": DAY0}
    on_onset = A.align(s, "onset", onsets=onsets)
    assert on_onset.excluded == ["C"]
    on_onset = on_onset.table
    assert on_onset.loc[on_onset["member"] == "A", "t"].tolist() == [8, 15, 22]
    assert on_onset.loc[on_onset["member"] == "B", "t"].tolist() == [3, 4]
    first = A.align(s, "first_log").table
    assert first.loc[first["member"] == "A", "t"].tolist() == [0, 7, 14]
    tr = treatments([("A", "acth", DAY0 + pd.Timedelta(days=17)), ("A", "acth", DAY0 + pd.Timedelta(days=90)),
                     ("B", "ivig", DAY0)])
    on_trt = A.align(s, "treatment", treatments=tr, treatment="acth")
    assert on_trt.table["t"].tolist() == [-7, 0, 7]
    assert on_trt.excluded == ["B", "C"]
    calendar = A.align(s, "calendar").table
    assert calendar["date"].tolist() == s["date"].tolist()


def test_cohort_bins_by_week_and_band_is_exact():
    s = pd.concat([scores(m, [0, 1, 8], [v, v + 2, v]) for m, v in [("A", 1), ("B", 2), ("C", 3)]])
    c = A.cohort(s, "first_log", min_members=3)
    assert c.members.loc[c.members["member"] == "A", ["x", "value"]].values.tolist() == [[0, 2.0], [7, 1.0]]
    week0 = c.group.set_index("x").loc[0]
    assert (week0["n_members"], week0["median"], week0["q25"], week0["q75"]) == (3, 3.0, 2.5, 3.5)
    cal = A.cohort(s, "calendar")
    assert cal.members["x"].min() == DAY0


# --- timeline ----------------------------------------------------------------------------------------

def test_rolling_mean_never_bridges_a_gap():
    days = [0, 1, 2, 3, 4, 20, 21, 22]
    values = [1, 1, 1, 1, 3, 0, 0, 3]
    frame = A.member_timeline(obs(series("A", days, values)), "A", include_total=False).table
    assert frame["series"].unique().tolist() == ["myoclonus"]
    assert len(frame) == len(days)  # nothing filled into the gap
    rolling = dict(zip((frame["date"] - DAY0).dt.days, frame["rolling"], strict=True))
    assert rolling[4] == pytest.approx(7 / 5)
    assert rolling[20] == 0.0  # only the day itself: the days before the gap are > 7 days away
    assert rolling[22] == 1.0
    assert frame["segment"].tolist() == [0, 0, 0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("window", [14, 28])
def test_rolling_mean_restarts_after_a_gap_at_long_windows(window):
    days = [0, 1, 2, 3, 14, 15]  # a 10-day gap (days 4-13), longer than the 7-day gap rule
    values = [3, 3, 3, 3, 0, 1]
    frame = A.member_timeline(obs(series("A", days, values)), "A", include_total=False,
                              window_days=window).table
    rolling = dict(zip((frame["date"] - DAY0).dt.days, frame["rolling"], strict=True))
    assert rolling[14] == 0.0  # not (3+3+3+3+0)/5: the scores before the gap are not averaged in
    assert rolling[15] == 0.5
    assert rolling[3] == 3.0


def test_member_timeline_total_is_mean_severity_without_mp_items():
    rows = series("A", [0, 1], [1, 3]) + series("A", [0, 1], [3, 3], item="sleep") + series("B", [0], [2])
    timeline = A.member_timeline(obs(rows), "A")
    assert timeline.measure == A.MEASURE_MEAN
    total = timeline.table.loc[timeline.table["series"] == "total"]
    assert total["value"].tolist() == [2.0, 3.0]


# --- totals, weeks, completeness, latest state -----------------------------------------------------

def test_mp_total_needs_all_six_items_and_duplicates_are_averaged():
    day = DAY0
    rows = [("A", day, item, 2.0) for item in MITCHELL_PIKE_ITEMS]
    rows += [("A", day, "opsoclonus", 0.0)]  # a second file scores it too: the day's score is 1.0
    rows += [("A", day + pd.Timedelta(days=1), item, 3.0) for item in MITCHELL_PIKE_ITEMS[:5]]
    totals = A.mp_totals(A.daily_scores(obs(rows)))
    assert totals[["date", "value"]].values.tolist() == [[day, 11.0]]


def test_weekly_severity_exact_means():
    rows = series("A", [0, 1, 7], [1, 2, 3]) + series("A", [0], [3], item="sleep")
    weekly = A.weekly_severity(obs(rows))
    assert weekly[["week", "value", "n_days"]].values.tolist() == [
        [DAY0, 2.0, 2], [DAY0 + pd.Timedelta(days=7), 3.0, 1]]
    one = A.weekly_severity(obs(rows), item="sleep")
    assert one["value"].tolist() == [3.0]


def test_completeness_counts_days_and_fills_empty_weeks():
    rows = series("A", [0, 0, 1, 2, 15], [1, 1, 1, 1, 1]) + series("A", [1], [2], item="sleep")
    rows += series("B", [3], [1])
    table = A.completeness(obs(rows))
    a = table.loc[table["member"] == "A", "days_logged"].tolist()
    assert a == [3, 0, 1]
    assert table.loc[table["member"] == "B", "days_logged"].tolist() == [1, 0, 0]
    assert table.loc[table["member"] == "A", "status"].tolist() == ["logged", "nothing logged", "logged"]


def test_completeness_counts_late_joiners_from_their_first_log():
    rows = series("A", range(0, 28), [1] * 28) + series("B", [14, 15, 16, 21], [1] * 4)  # B joins in week 3
    table = A.completeness(obs(rows))
    b = table.loc[table["member"] == "B"]
    assert b["status"].tolist() == [A.NOT_YET, A.NOT_YET, "logged", "logged"]
    assert np.isnan(b["days_logged"].iloc[0]) and b["days_logged"].iloc[2:].tolist() == [3, 1]
    share = A.logging_share(obs(rows)).set_index("member")
    assert share.loc["B", "days_counted"] == 14  # day 14 to day 27, not the whole 28 days
    assert share.loc["B", "share_of_days"] == pytest.approx(4 / 14)
    assert share.loc["A", "share_of_days"] == 1.0
    # within a date range starting later, a member's real first log still decides
    later = obs(rows)
    later = later.loc[later["date"] >= DAY0 + pd.Timedelta(days=16)]
    first = A.first_logs(obs(rows))
    inside = A.completeness(later, start=DAY0 + pd.Timedelta(days=14), first=first)
    assert (inside.loc[inside["member"] == "B", "status"] != A.NOT_YET).all()
    assert A.logging_share(later, start=DAY0 + pd.Timedelta(days=14), first=first).set_index(
        "member").loc["B", "days_counted"] == 14


def test_latest_state_uses_the_recent_window_and_counts_levels():
    rows = []
    for member, recent in [("A", [0, 0]), ("B", [1, 2]), ("C", [3, 3])]:
        rows += series(member, [0, 30, 31], [3, *recent])
    state = A.latest_state(obs(rows), window_days=14).set_index("item").loc["myoclonus"]
    assert state["n_members"] == 3
    assert state["median"] == 1.5
    assert (state["none"], state["mild"], state["moderate"], state["severe"]) == (1, 0, 1, 1)
    small = A.latest_state(obs([r for r in rows if r[0] != "C"]))
    assert small.iloc[0]["suppressed"] and np.isnan(small.iloc[0]["median"])


# --- suppression below three members ----------------------------------------------------------------

def test_group_course_is_suppressed_below_three_members():
    rows = series("A", [0, 7], [1, 1]) + series("B", [0, 7], [2, 2]) + series("C", [0], [3])
    course = A.group_course(obs(rows)).table.set_index("week")
    first, second = course.loc[DAY0], course.loc[DAY0 + pd.Timedelta(days=7)]
    assert (first["n_members"], first["median"], first["suppressed"]) == (3, 2.0, False)
    assert (second["n_members"], second["suppressed"]) == (2, True)
    assert np.isnan(second["median"]) and np.isnan(second["q25"])


def test_profiles_suppressed_below_three_members():
    rows = series("A", range(20), [i % 4 for i in range(20)])
    rows += series("A", range(20), [i % 4 for i in range(20)], item="sleep")
    rows += series("B", range(20), [1] * 20)
    prof = A.symptom_profiles(obs(rows))
    assert prof.group["suppressed"].all() and prof.group["mean"].isna().all()
    assert prof.members.set_index(["member", "item"]).loc[("A", "sleep"), "mean"] == pytest.approx(1.5)


def weekly_pairs(levels, weeks: int = 12, seed: int = 3, together: bool = False, item_b: str = "sleep"):
    """Weekly myoclonus and item_b per member around the member's own level: independent week-to-week
    wobbles (or the same wobble when ``together``)."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, level in enumerate(levels):
        a = level + rng.permutation(np.linspace(-0.5, 0.5, weeks))
        b = level + (a - level if together else rng.permutation(np.linspace(-0.5, 0.5, weeks)))
        days = range(0, 7 * weeks, 7)
        rows += series(f"M{k}", days, a) + series(f"M{k}", days, b, item=item_b)
    return rows


def test_cooccurrence_is_within_members_so_different_levels_do_not_make_a_pair_correlate():
    rows = weekly_pairs([0.5, 1.0, 1.5, 2.0, 2.5, 1.2])  # levels far apart, wobbles unrelated
    pooled = obs(rows).pivot_table(index=["member", "date"], columns="item", values="score")
    assert pooled.corr(method="spearman").loc["myoclonus", "sleep"] > 0.8  # what pooling would say
    co = A.cooccurrence(obs(rows))
    assert abs(co.rho.loc["myoclonus", "sleep"]) < 0.35
    assert co.n_members.loc["myoclonus", "sleep"] == 6 and co.n_group == 6 and not co.too_few
    same = A.cooccurrence(obs(weekly_pairs([0.5, 1.0, 1.5, 2.0, 2.5, 1.2], together=True)))
    assert same.rho.loc["myoclonus", "sleep"] == pytest.approx(1.0)


def test_cooccurrence_needs_five_members_and_k_members_per_pair():
    four = A.cooccurrence(obs(weekly_pairs([0.5, 1.0, 1.5, 2.0], together=True)), min_members=1)
    assert four.too_few and four.rho.isna().all().all()
    rows = weekly_pairs([0.5, 1.0, 1.5, 2.0, 2.5, 1.2], together=True)
    rows = [r for r in rows if r[2] != "sleep" or r[0] in ("M0", "M1")]  # two members scored sleep
    co = A.cooccurrence(obs(rows))
    assert co.n_members.loc["myoclonus", "sleep"] == 2 and np.isnan(co.rho.loc["myoclonus", "sleep"])
    assert A.cooccurrence(obs(rows), min_members=2).rho.loc["myoclonus", "sleep"] == pytest.approx(1.0)


def test_cooccurrence_of_no_scores_is_empty_and_says_too_few_members():
    co = A.cooccurrence(obs([]))
    assert co.too_few and co.n_group == 0 and co.rho.empty


def test_cooccurrence_leaves_out_members_with_too_few_weeks():
    rows = weekly_pairs([0.5, 1.0, 1.5, 2.0, 2.5], weeks=6, together=True)
    co = A.cooccurrence(obs(rows), min_weeks=8)  # 6 weeks: 5 week-to-week changes each
    assert co.n_members.loc["myoclonus", "sleep"] == 0 and np.isnan(co.rho.loc["myoclonus", "sleep"])
    assert A.cooccurrence(obs(rows), min_weeks=5).n_members.loc["myoclonus", "sleep"] == 5


def test_cooccurrence_is_not_made_by_a_shared_improvement_over_time():
    """Every member improves in both symptoms over 20 weeks, with unrelated week-to-week wobbles:
    ranked weeks would say the two go together (rho ~0.9); their changes do not."""
    rng = np.random.default_rng(5)
    rows = []
    for k in range(6):
        trend = 3 - 0.12 * np.arange(20)
        a = trend + rng.permutation(np.linspace(-0.3, 0.3, 20))
        b = trend + rng.permutation(np.linspace(-0.3, 0.3, 20))
        days = range(0, 140, 7)
        rows += series(f"M{k}", days, a) + series(f"M{k}", days, b, item="sleep")
    one = obs([r for r in rows if r[0] == "M0"]).pivot_table(index="date", columns="item", values="score")
    assert one.corr(method="spearman").loc["myoclonus", "sleep"] > 0.8  # what ranking weeks would say
    assert abs(A.cooccurrence(obs(rows)).rho.loc["myoclonus", "sleep"]) < 0.35


def test_daily_scores_are_computed_once_and_then_passed_through():
    table = obs(series("A", [0, 0, 1], [1, 3, 2]))
    daily = A.daily_scores(table)
    assert daily["score"].tolist() == [2.0, 2.0]  # the day's mean
    assert A.daily_scores(daily) is daily
    kept = A.filter_observations(daily, members=["A"], start=DAY0 + pd.Timedelta(days=1))
    assert A.daily_scores(kept) is kept  # a filtered daily table is still daily
    assert A.daily_scores(kept.copy()).equals(kept.reset_index(drop=True))  # a copy is made again, alike
    assert A.symptom_profiles(daily).members.equals(A.symptom_profiles(table).members)
    days = A.member_days(table)
    assert days["date"].tolist() == [DAY0, DAY0 + pd.Timedelta(days=1)] and A.member_days(days) is days
    assert A.completeness(days).equals(A.completeness(table))
    assert A.logging_share(days).equals(A.logging_share(table))


def test_profiles_group_mean_weights_members_equally():
    rows = (series("A", range(10), [3] * 10) + series("B", [0], [0]) + series("C", [0], [0]))
    prof = A.symptom_profiles(obs(rows))
    assert prof.group.set_index("item").loc["myoclonus", "mean"] == pytest.approx(1.0)


def test_filter_observations():
    rows = series("A", [0, 5], [1, 2]) + series("B", [0], [3]) + series("A", [0], [1], item="sleep")
    table = obs(rows)
    out = A.filter_observations(table, members=["A"], items=["myoclonus"], end=DAY0 + pd.Timedelta(days=1))
    assert out["score"].tolist() == [1.0]


def test_the_analysis_imports_neither_streamlit_nor_plotly():
    code = ("import sys, oms_dash.analysis; "
            "bad = [m for m in ('streamlit', 'plotly') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_days_since_first_log_counts_from_the_real_first_log_under_a_date_filter():
    s = pd.concat([scores("A", [0, 10, 40], [1, 1, 1]), scores("B", [35, 42], [2, 2])])
    first = pd.Series({"A": DAY0, "B": DAY0 + pd.Timedelta(days=35)})
    shown = s.loc[s["date"] >= DAY0 + pd.Timedelta(days=30)]  # a date range from day 30
    aligned = A.align(shown, "first_log", first_logs=first).table
    assert aligned.loc[aligned["member"] == "A", "t"].tolist() == [40]
    assert aligned.loc[aligned["member"] == "B", "t"].tolist() == [0, 7]


# --- time relative to each member's first log or onset -------------------------------------------------

def test_relative_weeks_count_from_each_members_own_anchor_week():
    weekly = pd.DataFrame({"member": ["A", "A", "B", "C"], "value": [1.0, 2.0, 3.0, 4.0],
                           "week": [DAY0, DAY0 + pd.Timedelta(days=14), DAY0 + pd.Timedelta(days=7), DAY0]})
    anchors = pd.Series({"A": DAY0 + pd.Timedelta(days=2), "B": DAY0 + pd.Timedelta(days=13)})  # Wed, Sun
    out = A.relative_weeks(weekly, anchors)
    assert out.table["week"].tolist() == [0, 2, 0]  # B's anchor, a Sunday, falls in the week of B's log
    assert out.excluded == ["C"]


def test_group_course_since_first_log_lines_up_members_who_started_apart():
    rows = []
    for k, member in enumerate("ABC"):
        start = 7 * 10 * k  # ten weeks apart
        rows += series(member, [start, start + 7], [3.0, 1.0])
    first = A.first_logs(obs(rows))
    course = A.group_course(obs(rows), measure="mean_severity", anchors=first).table
    assert course["week"].tolist() == [0, 1]
    assert course["n_members"].tolist() == [3, 3] and course["median"].tolist() == [3.0, 1.0]
    calendar = A.group_course(obs(rows), measure="mean_severity").table
    assert len(calendar) == 6  # on calendar weeks: 6 weeks of 1

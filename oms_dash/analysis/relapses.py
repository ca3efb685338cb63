"""Relapse detection with stated error rates, and what was observed before each relapse.

The rule (``RelapseRule``) is a one-sided CUSUM control chart run on each member's own score series
(``score_series``: the Mitchell-Pike total, the mean severity, or one item), over the days they
logged (a day not logged adds nothing, so gaps slow a chart down but never raise it):

1. baseline(t) = the mean of the member's logs in the ``window_days`` days before t, leaving out the
   last ``gap_days`` (so a rise under way is not yet in its own baseline); fewer than
   ``baseline_logs`` logs there -> no baseline, nothing is judged (the first days of a diary, right
   after a long gap);
2. noise = the member's own day-to-day variation, robustly: 1.4826 x the median absolute difference
   between consecutive logs / sqrt(2) (a relapse moves only its two ends; the mean absolute
   difference when most logs repeat the one before), never below a tenth of ``rise``;
3. cusum(t) = max(0, cusum(t-1) + score(t) - baseline(t) - ``reference`` x rise): with a reference
   of half the shift, the classic chart for a shift of size ``rise``; it raises an alarm once above
   ``threshold`` x noise, so a noisy member needs more raised days than a steady one;
4. the relapse starts at the first log after the chart last stood at zero (the chart's own estimate
   of the change point) or, when that falls a few noisy logs early, at the first log up to the
   alarm from which the rise is *held*: more than half the logs of the ``min_days`` days from it (at
   least ``min_logs``; further when days were missed) at least ``held`` x ``rise`` above the
   baseline, so a few bad days do not make a relapse; with no such log the alarm is not a relapse;
5. a new relapse is looked for once the chart is back to zero, and not within ``refractory_days``
   of the previous start.

Why this method, with the figures of ``benchmarks/relapses.py`` (seeded simulated diaries of 6
symptoms 0-3, noise sd 0.3-0.75 with lingering bad days, 0-50% of days not logged; 200 members per
cell, 2,000 member-years of flat diary). The former rule (a 14-day mean a step above the 28-day
low, held 14 days) ignored how noisy each member is, and its "low" was pulled down by noise: on
daily diaries it found 1% of one-step rises held 14 days and 28% of 1.2-step rises held 21 days
(on hidden groups: 7 of 21 moderate relapses); on weekly scores it raised 0.7 false relapses per
member-year. This chart weighs each rise by the member's own noise, skips missing days instead of
averaging over them, and dates the start at its change point. *Balanced*, daily: 90% of one-step
rises held 14 days found (96% held 21 days, 96% of 1.2-step rises held 14), one false relapse per
31 member-years, start dated a median 0 days off; *cautious*: no false relapse in 2,000
member-years. Weekly Mitchell-Pike scores hold less evidence (a rise held two weeks is one or two
scores): balanced finds 35% of one-step rises held 14 days and 75% of 1.2-step rises held 21 days,
with one false relapse per 48 member-years. With half the members still improving from a peak,
balanced daily finds 84% (one step, 14 days). Choices measured on the way: a mean baseline, not a
median (scores near 0 are skewed, a median sits under the usual level and doubled the false
alarms); a 42-day baseline window, not 84 (in improving courses the longer past sits above the
present: 75% found instead of 83%); noise from consecutive differences, not from the spread around
the baseline (which counts each relapse and its aftermath as noise: weekly recall of a 1.6-step
rise held 4 weeks 53% instead of 87%). A change-point search (``ruptures``) was not needed: the
chart meets the daily targets with numpy alone. Each preset's measured recall and false alarms are
in ``relapse_rates.json`` (``python benchmarks/relapses.py --write`` rewrites it), said in words
by ``RelapseRule.error_rates``.
This is a descriptive marker of "a sustained rise above the member's usual level", not a diagnosis.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from oms_dash.analysis._common import MEASURE_MP, Scores, as_day, resolve_min

TRIGGER_KINDS = ("infection", "steroid_taper", "vaccination")
NONE_OBSERVED = "none observed"
RATES_FILE = Path(__file__).with_name("relapse_rates.json")
MAD_TO_SD = 1.4826  # the median absolute deviation of a normal spread times this is its sd
MEAN_AD_TO_SD = 1.2533  # sqrt(pi / 2): the same for the mean absolute deviation
HELD_REACH = 3  # a held window stretched to find min_logs logs spans at most this many times min_days
NOISE_FLOOR = 0.1  # of ``rise``: a member who always logs the same score still needs a real rise

# The presets differ in how much evidence the chart asks for (``threshold``, in the member's own noise)
# and how much of the rise must hold (``held``), per scale: daily scores, or weekly Mitchell-Pike
# totals (one score a week carries more of a week's evidence). Their error rates are measured, not
# set: see RATES_FILE.
PRESETS = {
    "daily": {"cautious": {"threshold": 14.0, "held": 0.9},
              "balanced": {"threshold": 6.0, "held": 0.55},
              "sensitive": {"threshold": 4.0, "held": 0.45}},
    "weekly": {"cautious": {"threshold": 7.0, "held": 0.9},
               "balanced": {"threshold": 3.5, "held": 0.55},
               "sensitive": {"threshold": 2.0, "held": 0.4}},
}
PRESET_NAMES = ("cautious", "balanced", "sensitive")
DEFAULT_PRESET = "balanced"


@dataclass(frozen=True)
class RelapseRule:
    rise: float = 4.0
    min_days: int = 7
    window_days: int = 84
    gap_days: int = 7
    threshold: float = PRESETS["weekly"][DEFAULT_PRESET]["threshold"]
    held: float = PRESETS["weekly"][DEFAULT_PRESET]["held"]
    reference: float = 0.5  # the chart's reference value as a share of ``rise`` (half: the classic)
    baseline_logs: int = 3  # fewest logs a baseline is drawn from (a mean of fewer is mostly noise)
    min_logs: int = 2
    refractory_days: int = 28
    preset: str = DEFAULT_PRESET
    scale: str = "daily"  # which measured error rates apply: "daily" scores or "weekly" MP totals

    @classmethod
    def for_measure(cls, measure: str, preset: str = DEFAULT_PRESET) -> RelapseRule:
        """A preset in the measure's units: 4 points of the (weekly) Mitchell-Pike total held for a
        week (two weekly scores); one step of a 0-3 score held for two weeks."""
        if preset not in PRESET_NAMES:
            raise ValueError(f"unknown relapse preset {preset!r}; expected one of {list(PRESET_NAMES)}")
        if measure == MEASURE_MP:
            base = cls(rise=4.0, min_days=7, window_days=49, min_logs=2, scale="weekly")
        else:
            base = cls(rise=1.0, min_days=14, window_days=42, min_logs=4, baseline_logs=7, scale="daily")
        return dataclasses.replace(base, preset=preset, **PRESETS[base.scale][preset])

    @property
    def measured(self) -> bool:
        """True when the rule is its preset as benchmarked (the stated error rates apply to it)."""
        return self.preset in PRESET_NAMES and self == RelapseRule.for_measure(
            MEASURE_MP if self.scale == "weekly" else "", self.preset)

    def describe(self) -> str:
        return (f"a rise of at least {self.rise:g} above the member's own usual level (the mean of "
                f"their logs in the {self.window_days} days before), beyond their own day-to-day "
                f"variation, lasting at least {self.min_days} days and {self.min_logs} logs "
                f"({self.preset} setting; rises within {self.refractory_days} days of a relapse count "
                "as the same one)")

    def short(self) -> str:
        """The rule in a few words, for a chart's subtitle."""
        return (f"rule: {self.preset}, ≥ {self.rise:g} over the member's usual level "
                f"for ≥ {self.min_days} days")

    def error_rates(self) -> str:
        """The preset's measured recall and false alarms in plain words (``RATES_FILE``)."""
        if not self.measured:
            return ("These settings were changed from the preset, so how often they miss a relapse or "
                    "raise a false one has not been measured.")
        return rates_text(self.preset, self.scale)


@cache
def relapse_rates() -> dict:
    """The benchmark's measured table (``benchmarks/relapses.py --write`` rewrites it)."""
    return json.loads(RATES_FILE.read_text(encoding="utf-8"))


def _in_ten(share: float) -> str:
    tenths = int(round(share * 10))
    return {10: "nearly all", 0: "almost none"}.get(tenths, f"about {tenths} in 10")


STEP_WORDS = {"1": "one step"}


def rates_text(preset: str, scale: str = "daily") -> str:
    """"In simulated daily diaries like these, this setting finds about 9 in 10 relapses of one step
    held two weeks, ... and raises about one false alarm in 29 years of diary." """
    table = relapse_rates()
    rates = table["presets"][preset][scale]
    found = rates["recall_held_14"]
    sizes = sorted(found, key=float)
    steps = ", ".join(f"{_in_ten(found[size])} of {STEP_WORDS.get(size, size + ' steps')}" for size in sizes)
    kind = "daily diaries" if scale == "daily" else "weekly Mitchell-Pike scores"
    rate, years = rates["false_per_member_year"], rates["flat_member_years"]
    if rate <= 0:
        alarm = f"raised no false alarm in {years:.0f} years of simulated diary without a relapse"
    elif rate <= 2 / 3:
        alarm = f"raises about one false alarm in {1 / rate:.0f} years of diary"
    else:
        alarm = f"raises about {rate:.1f} false alarms per year of diary"
    days = rates["median_days_off"]
    when = "" if days is None else (
        f"; a relapse found is dated a median of {days:.0f} days from its true start" if days >= 1
        else "; a relapse found is usually dated on its true start")
    return (f"In simulated {kind} like these ({table['conditions']}), this setting finds relapses held "
            f"two weeks: {steps}; it {alarm}{when}.")


def _held(days: np.ndarray, values: np.ndarray, first: int, level: float, rule: RelapseRule) -> bool:
    """More than half the logs held from ``first`` are at or above ``level`` (half is a short burst).

    Held: the logs of min_days from ``first``, or of the first min_logs logs when days were missed (a
    skipped week must not undo a relapse), but no further than HELD_REACH x min_days, and only once
    the diary reaches that far."""
    last = first + rule.min_logs - 1
    until = max(days[first] + rule.min_days, days[last] if last < len(days) else days[-1] + 1)
    if days[-1] < until or until - days[first] > HELD_REACH * rule.min_days:
        return False
    held = values[(days >= days[first]) & (days <= until)]
    return bool(np.percentile(held, 50, method="lower") >= level)


def _member_relapses(days: np.ndarray, values: np.ndarray, base: np.ndarray, rule: RelapseRule) -> list:
    """(start, end) positions of one member's relapses; ``base`` is NaN where no baseline."""
    judged = ~np.isnan(base)
    # Day-to-day variation from one log to the next (a relapse moves only its two ends); the spread of
    # a difference is sqrt(2) times a day's.
    # One symptom's whole-step scores often repeat from day to day, so the median difference is 0:
    # then the mean absolute difference (scaled to an sd the same way) says how much they move.
    steps = np.abs(np.diff(values))
    middle = float(np.median(steps)) if steps.size else 0.0
    typical = MAD_TO_SD * middle if middle > 0 else MEAN_AD_TO_SD * float(steps.mean()) if steps.size else 0.0
    noise = max(typical / np.sqrt(2), NOISE_FLOOR * rule.rise)
    limit = rule.threshold * noise
    step = np.where(judged, values - base - rule.reference * rule.rise, 0.0)
    found, at = [], 0
    # The loop is over alarms (a few per member), each a vectorised CUSUM from where the last ended:
    # max(0, S + step) summed from `at` is cumsum - min(0, running min of cumsum) (Lindley's form).
    while at < len(values):
        total = np.cumsum(step[at:])
        low = np.minimum.accumulate(np.minimum(total, 0.0))
        chart = total - low
        alarms = np.flatnonzero(chart > limit)
        if not alarms.size:
            break
        alarm = alarms[0]
        zero = np.flatnonzero(chart[:alarm] <= 0)
        start = at + (zero[-1] + 1 if zero.size else 0)  # a raised step: a judged log
        # The chart's change point can fall a few noisy logs early: the relapse starts at the first
        # log from there to the alarm from which the rise is held.
        level = base[start] + rule.held * rule.rise
        candidates = range(start, at + alarm + 1)
        held_from = next((c for c in candidates if _held(days, values, c, level, rule)), None)
        if held_from is not None:
            start = held_from
            back = np.flatnonzero(chart[alarm:] <= 0)
            end = at + alarm + (back[0] - 1 if back.size else len(chart) - alarm - 1)
            found.append((start, end))
            after = np.searchsorted(days, days[start] + rule.refractory_days, side="right")
            at = max(end + 1, int(after))
        else:
            at = at + alarm + 1
    return found


def baselines(days: np.ndarray, codes: np.ndarray, values: np.ndarray, rule: RelapseRule) -> np.ndarray:
    """Each log's baseline: the mean of the member's logs in [t - window_days, t - gap_days]; NaN with
    fewer than ``rule.baseline_logs`` logs there. ``days`` (whole days), ``codes`` (member numbers) and
    ``values`` are sorted by member and day, so one sorted key finds each window by binary search."""
    stride = int(days.max() - days.min()) + int(rule.window_days) + 1
    key = codes * stride + (days - days.min())
    lo = np.searchsorted(key, key - int(rule.window_days), side="left")
    hi = np.searchsorted(key, key - int(rule.gap_days), side="right")
    total = np.r_[0.0, np.cumsum(values)]
    count = hi - lo
    return np.where(count >= rule.baseline_logs, (total[hi] - total[lo]) / np.maximum(count, 1), np.nan)


@dataclass(frozen=True, eq=False)
class Relapses:
    """The relapses ``detect_relapses`` found and the ``rule`` it used (a chart states its rule).

    ``table``, one row per relapse: member, start, baseline, start_value (the score on the start
    day), peak (highest score while the chart stayed raised), n_raised (logs in that run),
    days_raised (start to the last log of the run).
    """

    table: pd.DataFrame
    rule: RelapseRule


def detect_relapses(scores: Scores, rule: RelapseRule | None = None) -> Relapses:
    """Relapse starts per member under ``rule`` (default: ``RelapseRule.for_measure`` of the scores)."""
    rule = rule or RelapseRule.for_measure(scores.measure)
    columns = {"member": "str", "start": "datetime64[ns]", "baseline": "float64", "start_value": "float64",
               "peak": "float64", "n_raised": "int64", "days_raised": "int64"}
    frame = scores.table.loc[scores.table["value"].notna(), ["member", "date", "value"]]
    frame = frame.assign(date=as_day(frame["date"]).astype("datetime64[ns]"))
    frame = frame.sort_values(["member", "date"], ignore_index=True)
    rows = []
    if len(frame):
        days = frame["date"].to_numpy().astype("datetime64[D]").astype("int64")
        values = frame["value"].to_numpy(dtype="float64")
        members = frame["member"].to_numpy()
        codes = pd.factorize(members, sort=False)[0].astype("int64")
        base = baselines(days, codes, values, rule)
        bounds = np.flatnonzero(np.r_[True, members[1:] != members[:-1], True])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            for start, end in _member_relapses(days[lo:hi], values[lo:hi], base[lo:hi], rule):
                run = values[lo + start:lo + end + 1]
                rows.append((members[lo], frame["date"].iat[lo + start], base[lo + start], values[lo + start],
                             run.max(), len(run), int(days[lo + end] - days[lo + start])))
    out = pd.DataFrame(rows, columns=list(columns)) if rows else pd.DataFrame(columns=list(columns))
    return Relapses(out.astype(columns), rule)


def relapse_context(relapses: pd.DataFrame, events: pd.DataFrame, lookback_days: int = 30,
                    kinds: Iterable[str] = TRIGGER_KINDS) -> pd.DataFrame:
    """Each relapse with the days since the latest event of each kind within ``lookback_days`` before it.

    Events on the relapse's start day count (0 days). Adds ``days_since_<kind>`` (NaN when none in
    the window) and ``preceded_by``: the kind of the nearest such event, or "none observed".
    Observed timing only, not cause and effect.
    """
    kinds = tuple(kinds)
    out = relapses.copy()
    out["start"] = as_day(out["start"])
    order = np.argsort(out["start"].to_numpy(), kind="stable")
    ordered = out.iloc[order].reset_index()
    ev = events.loc[events["date"].notna(), ["member", "date", "kind"]]
    ev = ev.assign(date=as_day(ev["date"])).sort_values("date")
    for kind in kinds:
        these = ev.loc[ev["kind"] == kind, ["member", "date"]].rename(columns={"date": "event_date"})
        merged = pd.merge_asof(ordered[["start", "member"]], these, left_on="start", right_on="event_date",
                               by="member", direction="backward",
                               tolerance=pd.Timedelta(days=int(lookback_days)))
        ordered[f"days_since_{kind}"] = (merged["start"] - merged["event_date"]).dt.days.astype("float64")
    out = ordered.set_index("index").sort_index()
    out.index.name = None
    days = out[[f"days_since_{k}" for k in kinds]].to_numpy(dtype="float64")
    if kinds:
        nearest = np.array(kinds, dtype=object)[np.argmin(np.nan_to_num(days, nan=np.inf), axis=1)]
        out["preceded_by"] = np.where(~np.isnan(days).all(axis=1), nearest, NONE_OBSERVED)
    else:
        out["preceded_by"] = NONE_OBSERVED
    out["preceded_by"] = out["preceded_by"].astype("str")
    return out


def events_followed(relapses: pd.DataFrame, events: pd.DataFrame, scores: pd.DataFrame,
                    follow_days: int = 30, kinds: Iterable[str] = TRIGGER_KINDS,
                    min_members: int | None = None) -> pd.DataFrame:
    """The denominator of "relapses after infections": of each kind's events, how many were followed
    by a relapse start of the same member within ``follow_days`` days (the event's day included).

    Counted: events of the members in ``scores`` (member, date, value) dated from the member's first
    log to ``follow_days`` days before their last log, so every counted event had the whole window
    logged after it. Output per kind: kind, n_events, n_followed, share, n_members (members with such
    an event), suppressed (1 to ``min_members`` - 1 members: counts and share NaN). Observed
    timing, not cause and effect.
    """
    limit = resolve_min(min_members)
    kinds = tuple(kinds)
    dated = scores.assign(date=as_day(scores["date"]))
    span = dated.groupby("member", observed=True)["date"].agg(["min", "max"])
    ev = events.loc[events["date"].notna() & events["kind"].isin(kinds), ["member", "date", "kind"]]
    ev = ev.assign(date=as_day(ev["date"]))
    first = ev["member"].map(span["min"]).astype("datetime64[ns]")
    last = ev["member"].map(span["max"]).astype("datetime64[ns]")
    window = pd.Timedelta(days=int(follow_days))
    ev = ev.loc[(ev["date"] >= first) & (ev["date"] <= last - window)].reset_index(drop=True)
    starts = as_day(relapses["start"]) if len(relapses) else pd.Series(dtype="datetime64[ns]")
    pairs = ev.reset_index().merge(pd.DataFrame({"member": relapses["member"].to_numpy(),
                                                 "start": starts.to_numpy()}), on="member")
    hit = (pairs["start"] >= pairs["date"]) & (pairs["start"] <= pairs["date"] + window)
    followed = np.zeros(len(ev), dtype=bool)
    followed[pairs.loc[hit, "index"].to_numpy(dtype="int64")] = True
    ev["followed"] = followed
    out = (ev.groupby("kind", observed=True)
           .agg(n_events=("followed", "size"), n_followed=("followed", "sum"),
                n_members=("member", "nunique"))
           .reindex(list(kinds), fill_value=0))
    out["share"] = np.where(out["n_events"] > 0, out["n_followed"] / out["n_events"].clip(lower=1), np.nan)
    out["suppressed"] = (out["n_members"] > 0) & (out["n_members"] < limit)  # none at all: plain 0
    out = out.astype({"n_events": "float64", "n_followed": "float64", "n_members": "int64"})
    out.loc[out["suppressed"], ["n_events", "n_followed", "share"]] = np.nan
    out.index.name = "kind"
    return out.reset_index()[["kind", "n_events", "n_followed", "share", "n_members", "suppressed"]]


def relapse_summary(context: pd.DataFrame, members: Iterable[str] | None = None) -> pd.DataFrame:
    """Relapse counts per member, split by what preceded them (columns per ``preceded_by`` value).

    ``members`` lists everyone observed, so members with no relapse appear with 0.
    """
    counts = pd.crosstab(context["member"], context["preceded_by"]) if len(context) else pd.DataFrame()
    index = sorted(set(members or []) | set(context["member"]))
    counts = counts.reindex(index=index, fill_value=0)
    counts.index.name = "member"
    counts.insert(0, "relapses", counts.sum(axis=1).astype("int64"))
    return counts.reset_index()

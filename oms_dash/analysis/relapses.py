"""Relapse detection with a stated, configurable rule, and what was observed before each relapse.

The rule (``RelapseRule``), applied to each member's score series (``score_series``: the
Mitchell-Pike total, the mean severity, or one item) in date order:

1. smoothed(t) = the mean of the member's scores in the ``smooth_days`` days centred on t, so one
   noisy day cannot make a relapse (for weekly scores a 7-day window holds only that week's score);
   windows holding under half the member's usual number of logs get no smoothed value;
2. baseline(t) = the lowest smoothed value in the ``window_days`` days before t (t itself excluded;
   none in that window -> no baseline, so nothing right after a long gap counts);
3. a log is *raised* when smoothed(t) >= baseline(t) + ``rise``;
4. a relapse is a run of consecutive raised logs lasting at least ``min_days`` days (first to last
   raised log) and at least ``min_logs`` logs; it is dated to the first log near the crossing whose
   own score is already ``rise`` above the baseline, so smoothing does not move the date;
5. a run starting within ``refractory_days`` of the previous counted start is the same relapse.

Defaults (``RelapseRule.for_measure``) were checked on simulated flat courses with the demo's noise
(daily 0-3 scores, noise sd 0.35-0.6, two years each): no relapse found on any of them.
This is a descriptive marker of "a sustained rise above the recent low", not a clinical diagnosis.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oms_dash.analysis._common import MEASURE_MP, as_day, resolve_min

TRIGGER_KINDS = ("infection", "steroid_taper", "vaccination")
NONE_OBSERVED = "none observed"


@dataclass(frozen=True)
class RelapseRule:
    rise: float = 4.0
    window_days: int = 28
    smooth_days: int = 7
    min_days: int = 7
    min_logs: int = 2
    refractory_days: int = 28

    @classmethod
    def for_measure(cls, measure: str) -> RelapseRule:
        """Defaults in the measure's units: 4 points of the (weekly) Mitchell-Pike total held for a
        week (two weekly scores); 1 step of a 0-3 score in its 14-day mean, held for two weeks."""
        if measure == MEASURE_MP:
            return cls(rise=4.0, smooth_days=7, min_days=7)
        return cls(rise=1.0, smooth_days=14, min_days=14)

    def describe(self) -> str:
        smooth = ("" if self.smooth_days <= 1 else
                  f" (scores averaged over {self.smooth_days} days around each log)")
        return (f"a rise of at least {self.rise:g} above the lowest level of the previous "
                f"{self.window_days} days{smooth}, lasting at least {self.min_days} days and "
                f"{self.min_logs} logs (rises within {self.refractory_days} days of a relapse count as "
                "the same one)")

    def short(self) -> str:
        """The rule in a few words, for a chart's subtitle."""
        smooth = f"{self.smooth_days}-day mean " if self.smooth_days > 1 else ""
        return (f"rule: {smooth}≥ {self.rise:g} over the {self.window_days}-day low "
                f"for ≥ {self.min_days} days")


def flag_raised(scores: pd.DataFrame, rule: RelapseRule) -> pd.DataFrame:
    """``scores`` (member, date, value) sorted, with smoothed, baseline, raised and run (run id)."""
    frame = scores.assign(date=as_day(scores["date"])).sort_values(["member", "date"], ignore_index=True)
    by_member = frame.set_index("date").groupby("member", sort=False)["value"]
    if rule.smooth_days > 1:
        window = by_member.rolling(f"{int(rule.smooth_days)}D", center=True, min_periods=1)
        smoothed = window.mean().to_numpy()
        count = window.count().to_numpy()
        # A mean over a window the member mostly did not log (the first days, the edge of a holiday)
        # is a few noisy days: left out, judged against the member's usual logs per window.
        usual = pd.Series(count).groupby(frame["member"].to_numpy(), sort=False).transform("median")
        frame["smoothed"] = np.where(count >= np.ceil(usual.to_numpy() / 2), smoothed, np.nan)
    else:
        frame["smoothed"] = frame["value"].to_numpy(dtype="float64")
    baseline = (frame.set_index("date").groupby("member", sort=False)["smoothed"]
                .rolling(f"{int(rule.window_days)}D", closed="left", min_periods=1).min())
    frame["baseline"] = baseline.to_numpy()
    frame["raised"] = (frame["smoothed"] >= frame["baseline"] + rule.rise).to_numpy()
    new_member = frame["member"].ne(frame["member"].shift())
    changed = frame["raised"].ne(frame["raised"].shift()) | new_member
    frame["run"] = changed.cumsum()
    return frame


def detect_relapses(scores: pd.DataFrame, rule: RelapseRule | None = None) -> pd.DataFrame:
    """Relapse starts per member under ``rule`` (default: ``RelapseRule.for_measure`` of the scores).

    Output, one row per relapse: member, start, baseline, start_value (the score on the start day),
    peak (highest score of the raised run), n_raised (logs in the run), days_raised (first to last
    raised log). ``attrs["rule"]`` holds the rule used.
    """
    rule = rule or RelapseRule.for_measure(scores.attrs.get("measure", ""))
    columns = {"member": "str", "start": "datetime64[ns]", "baseline": "float64", "start_value": "float64",
               "peak": "float64", "n_raised": "int64", "days_raised": "int64"}
    if scores.empty:
        out = pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
        out.attrs["rule"] = rule
        return out
    frame = flag_raised(scores, rule)
    runs = frame.loc[frame["raised"]].groupby("run", sort=True).agg(
        member=("member", "first"), first=("date", "first"), last=("date", "last"),
        baseline=("baseline", "first"), peak=("value", "max"), n_raised=("value", "size"))
    runs["days_raised"] = (runs["last"] - runs["first"]).dt.days
    runs = runs.loc[(runs["n_raised"] >= rule.min_logs) & (runs["days_raised"] >= rule.min_days)]
    runs = runs.reset_index(drop=True)
    runs["start"], runs["start_value"] = _dated_starts(frame, runs, rule)
    runs = runs.sort_values(["member", "start"], ignore_index=True)
    keep = _outside_refractory(runs["member"].to_numpy(), runs["start"].to_numpy(), rule.refractory_days)
    out = runs.loc[keep, list(columns)].reset_index(drop=True).astype(columns)
    out.attrs["rule"] = rule
    return out


def _dated_starts(frame: pd.DataFrame, runs: pd.DataFrame, rule: RelapseRule) -> tuple[list, list]:
    # A centred mean crosses the threshold up to half a window before or after the scores do. Each
    # relapse is dated to the earliest log within half a window of the crossing that is itself
    # `rise` above the baseline and from which the scores stay so on average to the window's end (a
    # lone noisy day before the rise does not move the date). ``frame`` is sorted by member and
    # date, so one sorted key (member, day) finds each relapse's rows by binary search: the loop is
    # over relapses found, on plain arrays, never over table rows or per-member tables.
    half = int(rule.smooth_days) // 2
    codes, uniques = pd.factorize(frame["member"], sort=False)
    days = frame["date"].to_numpy().astype("datetime64[D]").astype("int64")
    base = int(days.min()) - half - 1  # every day searched for is above it...
    stride = int(days.max()) - base + half + 1  # ...and below the next member's keys
    key = codes.astype("int64") * stride + (days - base)
    run_codes = uniques.get_indexer(runs["member"]).astype("int64")
    run_key = run_codes * stride + (runs["first"].to_numpy().astype("datetime64[D]").astype("int64") - base)
    lo = np.searchsorted(key, run_key - half, side="left")
    hi = np.searchsorted(key, run_key + half, side="right")
    at = np.searchsorted(key, run_key, side="left")
    values = frame["value"].to_numpy(dtype="float64")
    thresholds = runs["baseline"].to_numpy(dtype="float64") + rule.rise
    chosen = []
    for a, b, exact, threshold in zip(lo, hi, at, thresholds, strict=True):
        raw = values[a:b]
        tail_means = np.cumsum(raw[::-1])[::-1] / np.arange(len(raw), 0, -1)
        ok = np.flatnonzero((raw >= threshold) & (tail_means >= threshold))
        chosen.append(a + ok[0] if len(ok) else exact)
    chosen = np.asarray(chosen, dtype="int64")
    return list(frame["date"].to_numpy()[chosen]), [float(v) for v in values[chosen]]


def _outside_refractory(members: np.ndarray, starts: np.ndarray, days: int) -> np.ndarray:
    # Runs are few (a handful per member), so this loop is over candidate relapses, not table rows;
    # each decision depends on the last *kept* start, which a vectorised diff cannot see.
    keep = np.zeros(len(starts), dtype=bool)
    last_member, last_start = None, None
    window = np.timedelta64(int(days), "D")
    for i, (member, start) in enumerate(zip(members, starts, strict=True)):
        if member != last_member or start - last_start > window:
            keep[i] = True
            last_member, last_start = member, start
    return keep


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
    out.attrs = dict(relapses.attrs)
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

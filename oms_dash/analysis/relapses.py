"""Relapse detection with a stated, configurable rule, and what was observed before each relapse.

The rule (``RelapseRule``), applied to each member's score series (``score_series``: the
Mitchell-Pike total, the mean severity, or one item) in date order:

1. baseline(t) = the lowest score the member had in the ``window_days`` days before t
   (t itself excluded; no score in that window -> no baseline, so nothing after a long gap counts);
2. an observation is *raised* when score(t) >= baseline(t) + ``rise``;
3. a relapse starts at the first observation of a run of at least ``min_sustained`` consecutive
   raised observations (a single high day is not a relapse);
4. a run starting within ``refractory_days`` of the previous counted start is the same relapse.

This is a descriptive marker of "a sustained rise above the recent low", not a clinical diagnosis.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oms_dash.analysis._common import MEASURE_MP, as_day

TRIGGER_KINDS = ("infection", "steroid_taper", "vaccination")
NONE_OBSERVED = "none observed"


@dataclass(frozen=True)
class RelapseRule:
    rise: float = 4.0
    window_days: int = 28
    min_sustained: int = 2
    refractory_days: int = 28

    @classmethod
    def for_measure(cls, measure: str) -> RelapseRule:
        """Defaults in the measure's units, chosen on the demo group so that day-to-day noise is not
        counted: 4 points of the (usually weekly) MP total for 2 observations; 1 step of a daily
        0-3 score for 3 observations."""
        if measure == MEASURE_MP:
            return cls(rise=4.0, min_sustained=2)
        return cls(rise=1.0, min_sustained=3)

    def describe(self) -> str:
        return (f"a rise of at least {self.rise:g} above the lowest score of the previous "
                f"{self.window_days} days, lasting at least {self.min_sustained} observations in a row "
                f"(rises within {self.refractory_days} days of a relapse count as the same one)")


def flag_raised(scores: pd.DataFrame, rule: RelapseRule) -> pd.DataFrame:
    """``scores`` (member, date, value) sorted, with baseline, raised and run (per-member run id)."""
    frame = scores.assign(date=as_day(scores["date"])).sort_values(["member", "date"], ignore_index=True)
    baseline = (frame.set_index("date").groupby("member", sort=False)["value"]
                .rolling(f"{int(rule.window_days)}D", closed="left", min_periods=1).min())
    frame["baseline"] = baseline.to_numpy()
    frame["raised"] = (frame["value"] >= frame["baseline"] + rule.rise).to_numpy()
    new_member = frame["member"].ne(frame["member"].shift())
    changed = frame["raised"].ne(frame["raised"].shift()) | new_member
    frame["run"] = changed.cumsum()
    return frame


def detect_relapses(scores: pd.DataFrame, rule: RelapseRule | None = None) -> pd.DataFrame:
    """Relapse starts per member under ``rule`` (default: ``RelapseRule.for_measure`` of the scores).

    Output, one row per relapse: member, start, baseline, start_value, peak (highest score of the
    raised run), n_raised (length of the run). ``attrs["rule"]`` holds the rule used.
    """
    rule = rule or RelapseRule.for_measure(scores.attrs.get("measure", ""))
    columns = {"member": "str", "start": "datetime64[ns]", "baseline": "float64", "start_value": "float64",
               "peak": "float64", "n_raised": "int64"}
    if scores.empty:
        out = pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
        out.attrs["rule"] = rule
        return out
    frame = flag_raised(scores, rule)
    runs = frame.loc[frame["raised"]].groupby("run", sort=True).agg(
        member=("member", "first"), start=("date", "first"), baseline=("baseline", "first"),
        start_value=("value", "first"), peak=("value", "max"), n_raised=("value", "size"))
    runs = runs.loc[runs["n_raised"] >= rule.min_sustained].reset_index(drop=True)
    keep = _outside_refractory(runs["member"].to_numpy(), runs["start"].to_numpy(), rule.refractory_days)
    out = runs.loc[keep].reset_index(drop=True).astype(columns)
    out.attrs["rule"] = rule
    return out


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

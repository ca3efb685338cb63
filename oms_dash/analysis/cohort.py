"""Comparing members: cohort alignment, symptom profiles, before/after a treatment start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from oms_dash.analysis._common import as_day, daily_scores, quantile_band, resolve_min, week_start

ALIGNMENTS = {
    "calendar": "Calendar date",
    "first_log": "Days since first log",
    "onset": "Days since onset",
    "treatment": "Days since treatment start",
}


def treatment_starts(treatments: pd.DataFrame, treatment: str) -> pd.Series:
    """Each member's first start of ``treatment`` (Series member -> date)."""
    rows = treatments.loc[(treatments["treatment"] == treatment) & treatments["start"].notna()]
    return as_day(rows["start"]).groupby(rows["member"].to_numpy()).min().rename("anchor")


def anchors(by: str, scores: pd.DataFrame, onsets: Mapping[str, pd.Timestamp] | None = None,
            treatments: pd.DataFrame | None = None, treatment: str | None = None,
            first_logs: pd.Series | None = None) -> pd.Series:
    """Day 0 per member for an alignment (Series member -> date); members without one are absent.

    by: "first_log" (``first_logs``, each member's real first log, e.g. ``first_logs`` of the whole
    group; default: first date in ``scores``, which a date filter moves), "onset" (``onsets``),
    "treatment" (first start of ``treatment`` in ``treatments``). "calendar" has no anchors and
    returns an empty Series.
    """
    if by == "calendar":
        return pd.Series(dtype="datetime64[ns]", name="anchor")
    if by == "first_log" and first_logs is not None:
        present = first_logs.loc[first_logs.index.isin(scores["member"].unique())]
        return as_day(present).rename("anchor")
    if by == "first_log":
        return scores.groupby("member", observed=True)["date"].min().astype("datetime64[ns]").rename("anchor")
    if by == "onset":
        series = pd.Series(dict(onsets or {}), dtype="datetime64[ns]")
        return as_day(series.dropna()).rename("anchor")
    if by == "treatment":
        if treatments is None or not treatment:
            raise ValueError("alignment on a treatment start needs the treatments table and a treatment")
        return treatment_starts(treatments, treatment)
    raise ValueError(f"unknown alignment {by!r}; expected one of {sorted(ALIGNMENTS)}")


@dataclass
class Cohort:
    """Aligned courses.

    members: member, x, value — each member's weekly mean on the aligned axis (x is the week's
        Monday for "calendar", else whole days since day 0 at the start of a 7-day bin: 0, 7, ...).
    group: x, n_members, median, q25, q75, suppressed (see ``quantile_band``).
    excluded: members with scores but no anchor for this alignment.
    """

    by: str
    members: pd.DataFrame
    group: pd.DataFrame
    excluded: list[str] = field(default_factory=list)


def align(scores: pd.DataFrame, by: str, onsets: Mapping[str, pd.Timestamp] | None = None,
          treatments: pd.DataFrame | None = None, treatment: str | None = None,
          first_logs: pd.Series | None = None) -> pd.DataFrame:
    """``scores`` (member, date, value) with ``anchor`` and ``t``: exact whole days since day 0.

    For "calendar", anchor is NaT and t is NaN. Members without an anchor are dropped and listed in
    ``attrs["excluded"]``.
    """
    frame = scores.assign(date=as_day(scores["date"]))
    if by == "calendar":
        out = frame.assign(anchor=pd.NaT, t=np.nan)
        out.attrs["excluded"] = []
        return out
    day0 = anchors(by, frame, onsets, treatments, treatment, first_logs)
    anchor = frame["member"].map(day0).astype("datetime64[ns]")
    out = frame.assign(anchor=anchor, t=(frame["date"] - anchor).dt.days)
    missing = sorted(set(out.loc[out["anchor"].isna(), "member"]))
    out = out.loc[out["anchor"].notna()].reset_index(drop=True)
    out["t"] = out["t"].astype("int64")
    out.attrs["excluded"] = missing
    return out


def cohort(scores: pd.DataFrame, by: str = "calendar", onsets: Mapping[str, pd.Timestamp] | None = None,
           treatments: pd.DataFrame | None = None, treatment: str | None = None,
           bin_days: int = 7, min_members: int | None = None, first_logs: pd.Series | None = None) -> Cohort:
    """Members' courses on a common axis, binned to ``bin_days`` (weeks), plus the group band."""
    aligned = align(scores, by, onsets, treatments, treatment, first_logs)
    if by == "calendar":
        x = week_start(aligned["date"])
    else:
        x = (np.floor_divide(aligned["t"], bin_days) * bin_days).astype("int64")
    binned = (aligned.assign(x=x).groupby(["member", "x"], observed=True)["value"].mean().reset_index())
    group = quantile_band(binned, "x", min_members=min_members)
    return Cohort(by=by, members=binned, group=group, excluded=aligned.attrs["excluded"])


@dataclass
class Profiles:
    """members: member, item, mean, n_days. group: item, mean (of member means), n_members, suppressed."""

    members: pd.DataFrame
    group: pd.DataFrame


def symptom_profiles(obs: pd.DataFrame, min_members: int | None = None) -> Profiles:
    """Mean severity per item per member, and for the group (each member weighted equally)."""
    limit = resolve_min(min_members)
    daily = daily_scores(obs)
    members = (daily.groupby(["member", "item"], observed=True)["score"]
               .agg(mean="mean", n_days="size").reset_index())
    group = members.groupby("item", observed=True).agg(mean=("mean", "mean"), n_members=("member", "nunique"))
    group["suppressed"] = group["n_members"] < limit
    group.loc[group["suppressed"], "mean"] = np.nan
    return Profiles(members=members, group=group.reset_index())


@dataclass
class BeforeAfter:
    """per_member: member, start, before, after, n_before, n_after, change (after - before), few_logs
    (a side has fewer than ``min_logs`` logs: shown, but left out of the summary numbers).

    Summary numbers count only members with at least ``min_logs`` logs on both sides (``n_members``).
    ``hidden``: fewer than k members ever started the treatment, so nothing per member may be shown.
    """

    treatment: str
    weeks: int
    per_member: pd.DataFrame
    n_members: int
    median_before: float
    median_after: float
    suppressed: bool
    min_logs: int = 2
    n_started: int = 0
    hidden: bool = False


def before_after(scores: pd.DataFrame, treatments: pd.DataFrame, treatment: str, weeks: int = 4,
                 min_members: int | None = None, min_logs: int = 2) -> BeforeAfter:
    """Each member's mean score in the ``weeks`` weeks before vs after their first start of ``treatment``.

    Before: start - 7·weeks <= date < start. After: start < date <= start + 7·weeks. The start day
    itself belongs to neither (whether it was logged before or after the first dose is unknown).
    ``scores``: member, date, value (``score_series``). Members with a start but no scores on a
    side keep NaN there. Group medians are NaN (suppressed) below ``min_members`` members with at
    least ``min_logs`` logs on each side. A treatment started by fewer than ``min_members`` members
    of ``treatments`` is ``hidden``: who had a rare treatment could identify a child.
    """
    limit = resolve_min(min_members)
    starts = treatment_starts(treatments, treatment)
    frame = scores.assign(date=as_day(scores["date"]))
    frame = frame.assign(start=frame["member"].map(starts).astype("datetime64[ns]"))
    frame = frame.loc[frame["start"].notna()]
    offset = (frame["date"] - frame["start"]).dt.days
    span = 7 * int(weeks)
    side = np.select([(offset >= -span) & (offset < 0), (offset > 0) & (offset <= span)],
                     ["before", "after"], default="")
    frame = frame.assign(side=side)
    frame = frame.loc[frame["side"] != ""]
    grouped = frame.groupby(["member", "side"], observed=True)["value"]
    sides = ["before", "after"]
    members = starts.index.rename("member")
    means = grouped.mean().unstack("side").reindex(index=members, columns=sides)
    sizes = grouped.size().unstack("side", fill_value=0).reindex(index=members, columns=sides, fill_value=0)
    per = pd.DataFrame({"start": starts.reindex(members), "before": means["before"], "after": means["after"],
                        "n_before": sizes["before"].fillna(0).astype("int64"),
                        "n_after": sizes["after"].fillna(0).astype("int64")}, index=members)
    per["change"] = per["after"] - per["before"]
    per["few_logs"] = (per["n_before"] < min_logs) | (per["n_after"] < min_logs)
    per = per.reset_index()
    complete = per.dropna(subset=["before", "after"])
    complete = complete.loc[~complete["few_logs"]]
    n_members = len(complete)
    suppressed = n_members < limit
    return BeforeAfter(
        treatment=treatment, weeks=int(weeks), per_member=per, n_members=n_members,
        median_before=float("nan") if suppressed else float(complete["before"].median()),
        median_after=float("nan") if suppressed else float(complete["after"].median()),
        suppressed=suppressed, min_logs=int(min_logs), n_started=len(starts), hidden=len(starts) < limit)

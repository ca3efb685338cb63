"""Comparing members: cohort alignment, symptom profiles, before/after a treatment start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from oms_dash import schema
from oms_dash.analysis._common import (
    MEASURE_MEAN,
    MEASURE_MP,
    MIN_TREND_MEMBERS,
    Scores,
    as_day,
    daily_scores,
    quantile_band,
    resolve_min,
    week_start,
)

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


@dataclass(frozen=True, eq=False)
class AlignedScores:
    """Scores on an alignment's axis (``align``) and the members ``excluded`` for having no day 0."""

    table: pd.DataFrame
    excluded: list[str]


def align(scores: pd.DataFrame, by: str, onsets: Mapping[str, pd.Timestamp] | None = None,
          treatments: pd.DataFrame | None = None, treatment: str | None = None,
          first_logs: pd.Series | None = None) -> AlignedScores:
    """``scores`` (member, date, value) with ``anchor`` and ``t``: exact whole days since day 0.

    For "calendar", anchor is NaT and t is NaN. Members without an anchor are dropped and listed in
    ``excluded``.
    """
    frame = scores.assign(date=as_day(scores["date"]))
    if by == "calendar":
        return AlignedScores(frame.assign(anchor=pd.NaT, t=np.nan), [])
    day0 = anchors(by, frame, onsets, treatments, treatment, first_logs)
    anchor = frame["member"].map(day0).astype("datetime64[ns]")
    out = frame.assign(anchor=anchor, t=(frame["date"] - anchor).dt.days)
    missing = sorted(set(out.loc[out["anchor"].isna(), "member"]))
    out = out.loc[out["anchor"].notna()].reset_index(drop=True)
    out["t"] = out["t"].astype("int64")
    return AlignedScores(out, missing)


def cohort(scores: pd.DataFrame, by: str = "calendar", onsets: Mapping[str, pd.Timestamp] | None = None,
           treatments: pd.DataFrame | None = None, treatment: str | None = None,
           bin_days: int = 7, min_members: int | None = None, first_logs: pd.Series | None = None) -> Cohort:
    """Members' courses on a common axis, binned to ``bin_days`` (weeks), plus the group band."""
    aligned = align(scores, by, onsets, treatments, treatment, first_logs)
    table = aligned.table
    if by == "calendar":
        x = week_start(table["date"])
    else:
        x = (np.floor_divide(table["t"], bin_days) * bin_days).astype("int64")
    binned = (table.assign(x=x).groupby(["member", "x"], observed=True)["value"].mean().reset_index())
    group = quantile_band(binned, "x", min_members=min_members)
    return Cohort(by=by, members=binned, group=group, excluded=aligned.excluded)


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


SAME_MARGIN = 0.25  # a change within a quarter step of a 0-3 score counts as "about the same"


def same_margin(measure: str) -> float:
    """A change within this is "about the same": a quarter step, on each of the six items of a
    Mitchell-Pike total (before/after, the member panels and "since the last meeting" agree)."""
    return SAME_MARGIN * (len(schema.MITCHELL_PIKE_ITEMS) if measure == MEASURE_MP else 1)
BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 15


@dataclass
class BeforeAfter:
    """per_member: member, start, before, after, n_before, n_after, change (after - before), few_logs
    (a side has fewer than ``min_logs`` logs: shown, but left out of the summary numbers),
    other_treatment (another treatment started within the window: its name, else ""), verdict
    ("lower", "higher", "about the same", or "not enough data: <reason>").

    Summary numbers count only members with at least ``min_logs`` logs on both sides (``n_members``),
    and, with ``leave_out_other``, no other treatment started in the window.
    ``hidden``: fewer than k members ever started the treatment, so nothing per member may be shown.
    ``median_change`` with a seeded bootstrap ``interval`` (95%, only from ``MIN_TREND_MEMBERS``
    members), and how many were ``lower``, ``higher`` or the ``same`` (within ``SAME_MARGIN``);
    ``group_verdict``: "" or "not enough data: <reason>".
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
    median_change: float = float("nan")
    interval: tuple[float, float] = (float("nan"), float("nan"))
    lower: int = 0
    higher: int = 0
    same: int = 0
    margin: float = SAME_MARGIN
    group_verdict: str = ""
    left_out_other: int = 0


def _other_starts(treatments: pd.DataFrame, starts: pd.Series, treatment: str, span: int) -> pd.Series:
    """Per member: the other treatment(s) first started within ``span`` days of the start, else ""."""
    rows = treatments.loc[(treatments["treatment"] != treatment) & treatments["start"].notna()]
    anchor = rows["member"].map(starts).astype("datetime64[ns]")
    rows = rows.assign(start=as_day(rows["start"]), anchor=anchor)
    near = rows.loc[(rows["start"] - rows["anchor"]).dt.days.abs() <= span]
    names = near.groupby("member")["treatment"].agg(lambda t: ", ".join(sorted(set(map(str, t)))))
    return names.reindex(starts.index, fill_value="").astype("str")


def _member_verdicts(per: pd.DataFrame, min_logs: int, margin: float) -> pd.Series:
    verdict = np.select([per["change"] < -margin, per["change"] > margin], ["lower", "higher"],
                        default="about the same").astype(object)
    thin_before, thin_after = per["n_before"] < min_logs, per["n_after"] < min_logs
    verdict[thin_before & thin_after] = f"not enough data: under {min_logs} logs before and after"
    verdict[thin_before & ~thin_after] = f"not enough data: under {min_logs} logs before"
    verdict[~thin_before & thin_after] = f"not enough data: under {min_logs} logs after"
    return pd.Series(verdict, index=per.index, dtype="str")


def bootstrap_median(values: np.ndarray, seed: int = BOOTSTRAP_SEED,
                     draws: int = BOOTSTRAP_DRAWS) -> tuple[float, float]:
    """95% percentile bootstrap interval of the median, reproducible with ``seed``."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(values), (draws, len(values)))
    medians = np.median(values[picks], axis=1)
    low, high = np.percentile(medians, [2.5, 97.5])
    return float(low), float(high)


def before_after(scores: Scores, treatments: pd.DataFrame, treatment: str, weeks: int = 4,
                 min_members: int | None = None, min_logs: int = 2, leave_out_other: bool = False,
                 seed: int = BOOTSTRAP_SEED, margin: float | None = None) -> BeforeAfter:
    """Each member's mean score in the ``weeks`` weeks before vs after their first start of ``treatment``.

    Before: start - 7·weeks <= date < start. After: start < date <= start + 7·weeks. The start day
    itself belongs to neither (whether it was logged before or after the first dose is unknown).
    ``scores``: from ``score_series`` (its measure sets the margin). Members with a start but no scores on a
    side keep NaN there. Group medians are NaN (suppressed) below ``min_members`` members with at
    least ``min_logs`` logs on each side. A treatment started by fewer than ``min_members`` members
    of ``treatments`` is ``hidden``: who had a rare treatment could identify a child. Another
    treatment started within the window is flagged; ``leave_out_other`` leaves such members out of
    the group numbers (another start changes the course too). ``margin``: a change within it is
    "about the same" (default ``SAME_MARGIN`` a step, on each of the six items of a Mitchell-Pike total).
    """
    limit = resolve_min(min_members)
    if margin is None:
        margin = same_margin(scores.measure)
    starts = treatment_starts(treatments, treatment)
    frame = scores.table.assign(date=as_day(scores.table["date"]))
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
    per["other_treatment"] = _other_starts(treatments, starts, treatment, span)
    per["verdict"] = _member_verdicts(per, int(min_logs), margin)
    per = per.reset_index()
    complete = per.dropna(subset=["before", "after"])
    complete = complete.loc[~complete["few_logs"]]
    confounded = complete["other_treatment"] != ""
    left_out = int(confounded.sum()) if leave_out_other else 0
    if leave_out_other:
        complete = complete.loc[~confounded]
    n_members = len(complete)
    suppressed = n_members < limit
    change = complete["change"].to_numpy(dtype="float64")
    interval = ((float("nan"), float("nan")) if suppressed or n_members < MIN_TREND_MEMBERS
                else bootstrap_median(change, seed))
    if n_members == 0:
        verdict = f"not enough data: no member has {min_logs} logs on both sides"
    elif suppressed:
        verdict = f"not enough data: {n_members} members with {min_logs} logs on both sides, under {limit}"
    else:
        verdict = ""
    return BeforeAfter(
        treatment=treatment, weeks=int(weeks), per_member=per, n_members=n_members,
        median_before=float("nan") if suppressed else float(complete["before"].median()),
        median_after=float("nan") if suppressed else float(complete["after"].median()),
        suppressed=suppressed, min_logs=int(min_logs), n_started=len(starts), hidden=len(starts) < limit,
        median_change=float("nan") if suppressed else float(np.median(change)), interval=interval,
        lower=int((change < -margin).sum()), higher=int((change > margin).sum()),
        same=int((np.abs(change) <= margin).sum()), margin=margin, group_verdict=verdict,
        left_out_other=left_out)


def _measure_words(measure: str) -> str:
    if measure == MEASURE_MP:
        return "Mitchell-Pike totals"
    if measure.startswith("item:"):
        return f"scores for {schema.item_label(measure[5:]).lower()}"
    return "mean severity"


def before_after_sentence(result: BeforeAfter, treatment_name: str, measure: str = MEASURE_MEAN) -> str:
    """The plain sentence above the chart, from the same numbers: "In the 4 weeks after starting
    IVIG, 5 of 6 members logged lower mean severity than in the 4 weeks before (median change -0.8,
    interval -1.1 to -0.4). This shows what was logged, not what IVIG did." """
    if result.hidden:
        return f"Too few members started {treatment_name} to show their courses."
    if result.group_verdict:
        return f"{treatment_name} in the {result.weeks} weeks before and after: {result.group_verdict}."
    low, high = result.interval
    spread = ("too few members for an interval" if np.isnan(low)
              else f"interval {low:.1f} to {high:.1f}".replace("-", "−"))
    change = f"{result.median_change:+.1f}".replace("-", "−").replace("+0.0", "0.0")
    return (f"In the {result.weeks} weeks after starting {treatment_name}, {result.lower} of "
            f"{result.n_members} members logged lower {_measure_words(measure)} than in the "
            f"{result.weeks} weeks before, {result.higher} higher and {result.same} within {result.margin:g} "
            f"of before (median change {change}, {spread}). This shows what was logged, not what "
            f"{treatment_name} did.")

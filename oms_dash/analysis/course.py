"""The group at a glance and one member's course: weekly severity, logging completeness, latest
state per item, the group's course, a member's timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oms_dash import schema
from oms_dash.analysis._common import (
    Scores,
    as_day,
    daily_scores,
    filter_observations,
    member_days,
    quantile_band,
    relative_weeks,
    resolve_min,
    score_series,
    week_start,
)

LEVEL_NAMES = tuple(schema.SEVERITY_LABELS[v] for v in sorted(schema.SEVERITY_LABELS))


def weekly_severity(obs: pd.DataFrame, item: str | None = None) -> pd.DataFrame:
    """Member × week mean severity (0-3): all items' daily scores averaged, or one item's.

    Output: member, week (Monday), value, n_days (days with a score that week), sorted.
    """
    daily = daily_scores(obs)
    if item is not None:
        daily = daily.loc[daily["item"] == item]
    daily = daily.assign(week=week_start(daily["date"]))
    grouped = daily.groupby(["member", "week"], sort=True, observed=True)
    out = pd.DataFrame({"value": grouped["score"].mean(), "n_days": grouped["date"].nunique()})
    return out.reset_index()


NOT_YET = "not yet logging"


def first_logs(obs: pd.DataFrame) -> pd.Series:
    """Each member's first day with a score (Series member -> date), e.g. over the whole group."""
    scored = obs.loc[obs["score"].notna()]
    return as_day(scored.groupby("member", observed=True)["date"].min()).rename("first_log")


def completeness(obs: pd.DataFrame, start=None, end=None, first: pd.Series | None = None) -> pd.DataFrame:
    """Days logged per member and week (0-7), every member × every week of the span.

    A day counts as logged when any item has a score. The span runs from the week of ``start``
    (default: the first log) to the week of ``end`` (default: the last log). Weeks before a member's
    first log (``first``: member -> date, e.g. ``first_logs`` of the whole group; default: their
    first log in ``obs``) are "not yet logging" (days_logged NaN), not empty weeks: a member who
    joined late is not counted as missing the weeks before. Output: member, week, days_logged, status
    ("logged", "nothing logged", "not yet logging"), sorted.
    """
    days = member_days(obs)
    if days.empty:
        return pd.DataFrame({"member": pd.Series(dtype="str"), "week": pd.Series(dtype="datetime64[ns]"),
                             "days_logged": pd.Series(dtype="float64"), "status": pd.Series(dtype="str")})
    days = days.assign(week=week_start(days["date"]))  # a new frame: the member-days table may be shared
    counts = days.groupby(["member", "week"], sort=True, observed=True).size()
    span = [pd.Timestamp(start) if start is not None else days["date"].min(),
            pd.Timestamp(end) if end is not None else days["date"].max()]
    first_week, last_week = week_start(pd.Series(span))
    weeks = pd.date_range(first_week, last_week, freq="7D")
    members = sorted(days["member"].unique())
    grid = pd.MultiIndex.from_product([members, weeks], names=["member", "week"])
    out = counts.reindex(grid, fill_value=0).rename("days_logged").astype("float64").reset_index()
    joined = first if first is not None else days.groupby("member")["date"].min()
    joined = week_start(out["member"].map(joined).astype("datetime64[ns]"))
    before = (out["week"] < joined).to_numpy()
    out.loc[before, "days_logged"] = np.nan
    out["status"] = np.where(before, NOT_YET, np.where(out["days_logged"] > 0, "logged", "nothing logged"))
    out["status"] = out["status"].astype("str")
    return out


def logging_share(obs: pd.DataFrame, start=None, end=None, first: pd.Series | None = None) -> pd.DataFrame:
    """Per member: days logged, and their share of the days they could have logged: from the later of
    their first log (``first``, e.g. ``first_logs`` of the whole group; default their first log in
    ``obs``) and ``start``, to ``end`` (default: the last log of anyone in ``obs``), both included.

    Output: member, counted_from, days_logged, days_counted, share_of_days.
    """
    days = member_days(obs)
    last = pd.Timestamp(end).normalize() if end is not None else days["date"].max()
    out = days.groupby("member", observed=True).agg(days_logged=("date", "size"),
                                                    counted_from=("date", "min"))
    if first is not None:
        real = pd.Series(out.index.map(first), index=out.index).astype("datetime64[ns]")
        out["counted_from"] = real.fillna(out["counted_from"])
    if start is not None:
        out["counted_from"] = out["counted_from"].clip(lower=pd.Timestamp(start).normalize())
    out["days_counted"] = ((last - out["counted_from"]).dt.days + 1).clip(lower=1)
    out["share_of_days"] = out["days_logged"] / out["days_counted"]
    return out.reset_index()[["member", "counted_from", "days_logged", "days_counted", "share_of_days"]]


def latest_state(obs: pd.DataFrame, window_days: int = 14, min_members: int | None = None) -> pd.DataFrame:
    """The group's latest state per item.

    For each member and item, the member's latest state is the mean of that item's daily scores in
    the ``window_days`` days ending on the member's last score of it; its level is that mean rounded
    to the nearest step of the 0-3 scale. Per item: n_members, median, counts of members per level
    (columns none, mild, moderate, severe), latest (the most recent date used) and suppressed
    (fewer than ``min_members`` members: statistics and counts are NaN).
    """
    limit = resolve_min(min_members)
    daily = daily_scores(obs)
    # On integer codes of (member, item) throughout: named aggregations, nunique and crosstab over
    # the text columns cost three times as much (60 -> 21 ms on 13 of 40 families over two years).
    member_codes = pd.factorize(daily["member"])[0].astype("int64")
    item_codes, items = pd.factorize(daily["item"], sort=True)
    pair = member_codes * max(len(items), 1) + item_codes
    dates = pd.Series(daily["date"].to_numpy())
    last = dates.groupby(pair).transform("max").to_numpy()
    recent = dates.to_numpy() > last - pd.Timedelta(days=window_days)
    # Each member's latest state per item: the mean over the window, and the last day used.
    keys = pair[recent]
    value = pd.Series(daily["score"].to_numpy()[recent]).groupby(keys).mean()
    latest = dates[recent].groupby(keys).max()
    item_of = (value.index.to_numpy() % max(len(items), 1)).astype("int64")
    # Members per item and level: the level (0-3) is the column of LEVEL_NAMES it is counted in.
    level = np.floor(value.to_numpy() + 0.5).clip(schema.SEVERITY_MIN, schema.SEVERITY_MAX)
    column = level.astype("int64") - schema.SEVERITY_MIN
    steps = len(LEVEL_NAMES)
    counts = np.bincount(item_of * steps + column, minlength=len(items) * steps).reshape(len(items), steps)
    # One row per member and item above, so a count of rows is a count of members.
    out = pd.DataFrame({
        "item": items,
        "n_members": np.bincount(item_of, minlength=len(items)).astype("int64"),
        "median": pd.Series(value.to_numpy()).groupby(item_of).median().reindex(range(len(items))).to_numpy(),
        "latest": pd.Series(latest.to_numpy()).groupby(item_of).max().reindex(range(len(items))).to_numpy(),
        **{name: counts[:, k].astype("float64") for k, name in enumerate(LEVEL_NAMES)},
    })
    out["suppressed"] = out["n_members"] < limit
    out.loc[out["suppressed"], ["median", *LEVEL_NAMES]] = np.nan
    order = {item.id: i for i, item in enumerate(schema.ITEMS)}
    out["_order"] = out["item"].map(order).fillna(len(order))
    return out.sort_values(["_order", "item"]).drop(columns="_order").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class GroupCourse:
    """The group's course (``group_course``): ``table`` holds week, n_members, median, q25, q75,
    suppressed; ``measure`` names the total drawn; ``excluded`` lists the members left out for
    having no anchor (first log, onset) when weeks are counted from one."""

    table: pd.DataFrame
    measure: str
    excluded: list[str]


def group_course(obs: pd.DataFrame | Scores, measure: str = "auto", min_members: int | None = None,
                 anchors: pd.Series | None = None) -> GroupCourse:
    """The group's course over calendar weeks: median and interquartile band of the total score.

    Each member's weekly value is the mean of their totals (``score_series``) that week, so every
    member counts once per week. With ``anchors`` (member -> date: first log, onset), weeks are
    counted from each member's own anchor week instead (``relative_weeks``), so courses line up
    however far apart the members started. Weeks with fewer than ``min_members`` members are
    suppressed (NaN).
    """
    scores = score_series(obs, measure=measure)
    weekly = (scores.table.assign(week=week_start(scores.table["date"]))
              .groupby(["member", "week"], observed=True)["value"].mean().reset_index())
    excluded = []
    if anchors is not None:
        relative = relative_weeks(weekly, anchors)
        weekly, excluded = relative.table, relative.excluded
    return GroupCourse(quantile_band(weekly, "week", min_members=min_members), scores.measure, excluded)


@dataclass(frozen=True, eq=False)
class MemberTimeline:
    """One member's course (``member_timeline``): ``table`` holds series (item id or "total"), date,
    value, rolling, segment; ``measure`` names the total's measure (None without a total)."""

    table: pd.DataFrame
    measure: str | None


def member_timeline(obs: pd.DataFrame, member: str, items: Iterable[str] | None = None,
                    window_days: int = 7, max_gap_days: int = 7, include_total: bool = True,
                    measure: str = "auto", total: Scores | None = None) -> MemberTimeline:
    """One member's course per item (and the total) with a rolling mean that never bridges a gap.

    The rolling mean at a date is the mean of that series' scores in the ``window_days`` days
    ending on it (a time window, so it only ever uses observed days and no value is interpolated).
    Consecutive observations more than ``max_gap_days`` apart start a new ``segment``: lines are
    drawn per segment, so a gap stays a gap, and the rolling mean restarts with each segment (its
    window never reaches back across a gap). ``total``: the member's ``score_series``, when the
    caller has it already.
    """
    mine = filter_observations(obs, [member])  # of a daily table, still known as one: not made again
    daily = daily_scores(mine)
    if items is not None:
        daily = daily.loc[daily["item"].isin(list(items))]
    parts = [daily.rename(columns={"item": "series", "score": "value"})[["series", "date", "value"]]]
    measure_used = None
    if include_total:
        total = total if total is not None else score_series(mine, measure=measure)
        measure_used = total.measure
        parts.append(total.table.assign(series="total")[["series", "date", "value"]])
    frame = pd.concat(parts, ignore_index=True).sort_values(["series", "date"], ignore_index=True)
    frame["series"] = frame["series"].astype("str")
    gap = frame.groupby("series", sort=False)["date"].diff() > pd.Timedelta(days=max_gap_days)
    frame["segment"] = gap.astype("int64").groupby(frame["series"], sort=False).cumsum()
    # Per segment: the first mean after a gap starts afresh instead of averaging in pre-gap scores.
    rolling = (frame.set_index("date").groupby(["series", "segment"], sort=False)["value"]
               .rolling(f"{int(window_days)}D", min_periods=1).mean())
    frame["rolling"] = rolling.to_numpy()
    return MemberTimeline(frame, measure_used)

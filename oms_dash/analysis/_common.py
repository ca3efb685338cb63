"""Building blocks shared by the analyses: filters, one score per member-day-item, the total score.

Every analysis starts from the observations table of ``model.GroupData`` (columns documented there)
and works on *daily* scores: when several files score the same item on the same day (a daily diary
and a weekly Mitchell-Pike sheet, say) the day's score is their mean.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oms_dash import schema

MEASURE_MP = "mp_total"
MEASURE_MEAN = "mean_severity"
MEASURES = (MEASURE_MP, MEASURE_MEAN)
MEASURE_LABELS = {
    MEASURE_MP: f"Mitchell-Pike total (0-{schema.MITCHELL_PIKE_TOTAL_MAX})",
    MEASURE_MEAN: f"Mean severity ({schema.SEVERITY_MIN}-{schema.SEVERITY_MAX})",
}
MEASURE_MAX = {MEASURE_MP: float(schema.MITCHELL_PIKE_TOTAL_MAX), MEASURE_MEAN: float(schema.SEVERITY_MAX)}

# Below this many members a trend line or a test statistic would over-read a handful of courses.
MIN_TREND_MEMBERS = 5

def min_group_size() -> int:
    """Fewest members a group aggregate may be drawn from: privacy.min_group_size(), the one threshold."""
    # Imported here, not at the top: the privacy scan's phone-number tables cost ~0.1 s to import.
    from oms_dash import privacy

    return privacy.min_group_size()


def resolve_min(min_members: int | None) -> int:
    return min_group_size() if min_members is None else int(min_members)


def as_day(values) -> pd.Series:
    """Datetimes as midnight timestamps at ns resolution (merge_asof needs equal resolutions)."""
    return pd.to_datetime(values).dt.normalize().astype("datetime64[ns]")


def filter_observations(obs: pd.DataFrame, members: Iterable[str] | None = None,
                        items: Iterable[str] | None = None, start=None, end=None) -> pd.DataFrame:
    """Scored rows of ``obs`` restricted to members, items and the inclusive date range [start, end].

    None means no restriction. Returns member, date, item, score (unscored rows are left out:
    they carry no severity to draw).
    """
    mask = obs["score"].notna().to_numpy() & scope_mask(obs, members, start, end)
    if items is not None:
        mask &= obs["item"].isin(list(items)).to_numpy()
    out = obs.loc[mask, ["member", "date", "item", "score"]]
    return _known_daily(out) if _is_daily(obs) else out  # rows of a daily table are daily


def scope_mask(table: pd.DataFrame, members: Iterable[str] | None = None, start=None,
               end=None) -> np.ndarray:
    """Which rows of a table with member and date columns lie within members and [start, end]."""
    mask = np.ones(len(table), dtype=bool)
    if members is not None:
        mask &= table["member"].isin(list(members)).to_numpy()
    if start is not None:
        mask &= (table["date"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        mask &= (table["date"] <= pd.Timestamp(end)).to_numpy()
    return mask


DAILY_COLUMNS = ["member", "date", "item", "score"]
# The tables daily_scores made and the rows filter_observations cut from them (by id, held weakly:
# a table no longer used is let go), so that a daily table made once per filter is passed through
# by every analysis instead of averaged again. Kept here, not in DataFrame.attrs, which pandas
# copies to some derived tables and drops from others.
_DAILY_TABLES: weakref.WeakValueDictionary[int, pd.DataFrame] = weakref.WeakValueDictionary()


def _known_daily(table: pd.DataFrame) -> pd.DataFrame:
    _DAILY_TABLES[id(table)] = table
    return table


def _is_daily(table: pd.DataFrame) -> bool:
    return _DAILY_TABLES.get(id(table)) is table and list(table.columns) == DAILY_COLUMNS


def daily_scores(obs: pd.DataFrame) -> pd.DataFrame:
    """One score per member, day and item (the mean of that day's scores): member, date, item, score.

    A table this function made (or ``filter_observations`` cut from one) is returned as it is, so a
    page can compute the daily table once per filter and hand it to every analysis.
    """
    if _is_daily(obs):
        return obs
    frame = obs.loc[obs["score"].notna(), DAILY_COLUMNS]
    if frame.empty:
        out = pd.DataFrame({"member": pd.Series(dtype="str"), "date": pd.Series(dtype="datetime64[ns]"),
                            "item": pd.Series(dtype="str"), "score": pd.Series(dtype="float64")})
    else:
        frame = frame.assign(date=as_day(frame["date"]))
        keys = ["member", "date", "item"]
        if not frame.duplicated(keys).any():
            out = frame.reset_index(drop=True)
        else:
            out = frame.groupby(keys, sort=False, observed=True)["score"].mean().reset_index()
    return _known_daily(out)


def week_start(dates: pd.Series) -> pd.Series:
    """The Monday starting each date's week (weeks run Monday to Sunday)."""
    dates = as_day(dates)
    return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")


def mp_totals(daily: pd.DataFrame) -> pd.DataFrame:
    """Mitchell-Pike total per member and date, only on dates where all six items are scored.

    Input: daily scores (``daily_scores``). Output: member, date, value (0-18).
    """
    mp = daily.loc[daily["item"].isin(schema.MITCHELL_PIKE_ITEMS)]
    # Grouped by one integer per (member, day), as mean_severity is: a groupby on the text and date
    # columns took up to 1.7 times as long (a 40-family member 6.2 -> 3.7 ms, the demo 8.7 -> 5.7).
    members, days, key = member_day_key(mp)
    grouped = mp["score"].groupby(key, sort=True)
    sums = grouped.sum()
    complete = (grouped.count() == len(schema.MITCHELL_PIKE_ITEMS)).to_numpy()
    return _member_day_values(members, days, sums.index.to_numpy()[complete], sums.to_numpy()[complete])


def mean_severity(daily: pd.DataFrame) -> pd.DataFrame:
    """Mean severity over the items scored per member and date. Output: member, date, value (0-3)."""
    members, days, key = member_day_key(daily)
    means = daily["score"].groupby(key, sort=True).mean()
    return _member_day_values(members, days, means.index.to_numpy(), means.to_numpy())


def _member_day_values(members: pd.Index, days: np.ndarray, keys: np.ndarray,
                       values: np.ndarray) -> pd.DataFrame:
    """member, date, value from keys of ``member_day_key`` (``members`` and ``days`` as it gave them)."""
    span = int(days.max() - days.min()) + 1 if len(days) else 1
    first = int(days.min()) if len(days) else 0
    dates = (keys % span + first).astype("datetime64[D]").astype("datetime64[ns]")
    return pd.DataFrame({"member": pd.array(members.take(keys // span), dtype="str"), "date": dates,
                         "value": values})


def member_day_key(frame: pd.DataFrame) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """One int64 per row naming its (member, day), ordered like (member, date): groupbys and
    duplicate checks on it cost a fifth of those on a text and a date column of a million rows.
    Returns the sorted member codes, each row's day number and the key."""
    codes, members = pd.factorize(frame["member"], sort=True)
    days = frame["date"].to_numpy().astype("datetime64[D]").astype("int64")
    first = days.min() if len(days) else 0
    span = int(days.max() - first) + 1 if len(days) else 1
    return members, days, codes.astype("int64") * span + (days - first)


def member_days(frame: pd.DataFrame) -> pd.DataFrame:
    """The distinct (member, day) pairs of ``frame``'s scored rows, in order of first appearance
    (as ``drop_duplicates`` would give them): member, date (midnight). A table of these two columns
    alone (no score) is one this function made, or rows of one, and is returned as it is, so
    completeness and logging share can be given it once."""
    if list(frame.columns) == ["member", "date"]:
        return frame
    days = frame.loc[frame["score"].notna(), ["member", "date"]]
    days = days.assign(date=as_day(days["date"]))
    _, _, key = member_day_key(days)
    return days.loc[~pd.Series(key).duplicated().to_numpy()]


@dataclass(frozen=True, eq=False)
class Scores:
    """The score a course is drawn with (``score_series``): ``table`` holds member, date, value,
    sorted by member and date; ``measure`` says which score it is ("mp_total", "mean_severity", or
    "item:<id>" for one item), so a chart's axis and a relapse rule's scale follow it."""

    table: pd.DataFrame
    measure: str


def score_series(obs: pd.DataFrame | Scores, item: str | None = None, measure: str = "auto") -> Scores:
    """The score a course is drawn with, per member and date.

    item given: that item's daily score (0-3). Otherwise the total: the Mitchell-Pike total when
    ``measure`` is "mp_total", or "auto" and some date has all six MP items scored; else the mean
    severity of the items scored that day. A total this function made (or one cut to fewer rows) is
    returned as it is.
    """
    if (item is None and isinstance(obs, Scores) and obs.measure in MEASURES
            and measure in ("auto", obs.measure)):
        return obs  # already a total (e.g. a filtered subset of the group's), passed through
    daily = daily_scores(obs)
    if item is not None:
        out = daily.loc[daily["item"] == item, ["member", "date", "score"]].rename(columns={"score": "value"})
        return Scores(out.sort_values(["member", "date"], ignore_index=True), f"item:{item}")
    if measure not in ("auto", *MEASURES):
        raise ValueError(f"unknown measure {measure!r}")
    out = mp_totals(daily) if measure in ("auto", MEASURE_MP) else None
    chosen = MEASURE_MP
    if out is None or (measure == "auto" and out.empty):
        out, chosen = mean_severity(daily), MEASURE_MEAN
    return Scores(out, chosen)


TIME_AXES = {"calendar": "Calendar dates", "first_log": "Weeks since first log", "onset": "Weeks since onset"}


@dataclass(frozen=True, eq=False)
class RelativeWeeks:
    """A weekly table counted in weeks since each member's anchor (``relative_weeks``), and the
    members ``excluded`` for having no anchor (a chart says how many it leaves out)."""

    table: pd.DataFrame
    excluded: list[str]


def relative_weeks(frame: pd.DataFrame, anchors: pd.Series, column: str = "week") -> RelativeWeeks:
    """``frame`` with its weekly ``column`` (Mondays) replaced by whole weeks since the week of each
    member's anchor day (``anchors``: member -> date, e.g. first log or onset): the anchor's own
    week is 0, the week before -1. Members without an anchor are left out and listed in
    ``excluded``; calendar dates are then no longer shown."""
    start = week_start(frame["member"].map(anchors).astype("datetime64[ns]"))
    known = start.notna().to_numpy()
    weeks = ((as_day(frame[column]) - start).dt.days // 7).to_numpy()
    out = frame.loc[known].assign(**{column: weeks[known].astype("int64")})
    return RelativeWeeks(out, sorted(set(frame.loc[~known, "member"].astype("str"))))


def measure_label(measure: str) -> str:
    """Axis words for a measure name as returned by ``score_series``."""
    if measure.startswith("item:"):
        return f"{schema.item_label(measure[5:])} ({schema.SEVERITY_MIN}-{schema.SEVERITY_MAX})"
    return MEASURE_LABELS.get(measure, measure)


def measure_max(measure: str) -> float:
    return MEASURE_MAX.get(measure, float(schema.SEVERITY_MAX))


def quantile_band(frame: pd.DataFrame, by: str, value: str = "value",
                  min_members: int | None = None) -> pd.DataFrame:
    """Median and interquartile band of ``value`` per ``by``, one value per member per ``by``.

    ``frame`` must already hold at most one row per member and ``by``. Output: by, n_members,
    median, q25, q75, suppressed; where fewer than ``min_members`` members contribute, the
    statistics are NaN and suppressed is True (the n stays, so the page can say why).
    """
    limit = resolve_min(min_members)
    grouped = frame.groupby(by, sort=True)[value]
    out = pd.DataFrame({
        "n_members": grouped.size(),
        "median": grouped.median(),
        "q25": grouped.quantile(0.25),
        "q75": grouped.quantile(0.75),
    })
    out["suppressed"] = out["n_members"] < limit
    out.loc[out["suppressed"], ["median", "q25", "q75"]] = np.nan
    return out.reset_index()

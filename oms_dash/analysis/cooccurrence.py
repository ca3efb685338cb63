"""How symptoms go together *within* members: each member's own rank correlation between items'
week-to-week changes, summarised by the median across members.

Pooling every member-week instead would let a shared course (most children improve over months)
or differences between members (one child scores high on everything) make every pair look related
(0.6-0.9 for every pair of the demo group). Changes from one week to the next remove the member's
level and slow trend alike: what is left is whether symptoms get worse and better in the same weeks.
The median across members says what is typical, and ``n_members`` how many members it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from oms_dash import schema
from oms_dash.analysis._common import MIN_TREND_MEMBERS, daily_scores, resolve_min


@dataclass
class Cooccurrence:
    """rho: items × items, the median over members of each member's Spearman correlation between
    the items' week-to-week changes (NaN where too few members contribute); n_members: items × items
    members contributing (at least ``min_weeks`` changes, i.e. pairs of consecutive weeks with both
    items scored, and both varying); n_weeks: items × items
    member-weeks with both items scored; n_group: members with any weekly score; too_few: fewer than
    ``MIN_TREND_MEMBERS`` members, so no correlation is computed at all; min_weeks: the per-member
    minimum used."""

    rho: pd.DataFrame
    n_members: pd.DataFrame
    n_weeks: pd.DataFrame
    n_group: int = 0
    too_few: bool = False
    min_weeks: int = 8


def cooccurrence(obs: pd.DataFrame, min_members: int | None = None, min_weeks: int = 8) -> Cooccurrence:
    """Within-member Spearman correlation between items' week-to-week changes (of weekly means).

    For each member and pair of items, Spearman's rho between the two items' changes from one week to
    the next, over the consecutive weeks where the member scored both (at least ``min_weeks`` such
    changes); the pair's value is the median of these over members. A pair is
    NaN when fewer than ``min_members`` members (default: the group-size threshold k) contribute, and
    every pair is NaN when the data hold fewer than ``MIN_TREND_MEMBERS`` members.
    """
    limit = resolve_min(min_members)
    cube, cols = _weekly_cube(daily_scores(obs))
    present = ~np.isnan(cube)
    flat = present.reshape(cube.shape[0] * cube.shape[1], len(cols)).astype("int64")  # -1 fails at 0 items
    n_weeks = pd.DataFrame(flat.T @ flat, index=cols, columns=cols)
    n_group = int(present.any(axis=(1, 2)).sum())
    per_member = []
    if n_group >= MIN_TREND_MEMBERS:
        changes = np.diff(cube, axis=1)  # NaN unless both weeks of a change are scored
        for block in changes:
            weeks = ~np.isnan(block).all(axis=1)
            # pandas ranks each pair over the changes where both are known (pairwise complete).
            per_member.append(pd.DataFrame(block[weeks]).corr(method="spearman",
                                                              min_periods=max(int(min_weeks), 2))
                              .to_numpy(dtype="float64"))
    k = len(cols)
    stack = np.stack(per_member) if per_member else np.full((0, k, k), np.nan)
    counts = (~np.isnan(stack)).sum(axis=0) if len(stack) else np.zeros((k, k), dtype="int64")
    with np.errstate(all="ignore"):
        median = (np.nanmedian(np.where(counts[None] > 0, stack, 0.0), axis=0) if len(stack)
                  else np.full((k, k), np.nan))
    median = np.where(counts >= max(limit, 1), median, np.nan)
    rho = pd.DataFrame(median, index=cols, columns=cols)
    n_members = pd.DataFrame(counts.astype("int64"), index=cols, columns=cols)
    n_weeks.index.name = n_weeks.columns.name = None
    return Cooccurrence(rho=rho, n_members=n_members, n_weeks=n_weeks, n_group=n_group,
                        too_few=n_group < MIN_TREND_MEMBERS, min_weeks=int(min_weeks))


def _weekly_cube(daily: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each item's weekly mean per member as an array members × weeks × items (NaN: not scored that
    week), with the item ids in order (members in code order). Counted with integer codes and bincount:
    a groupby on three text columns of a million rows costs ten times more."""
    order = {item.id: i for i, item in enumerate(schema.ITEMS)}
    m_codes, members = pd.factorize(daily["member"], sort=True)
    i_codes, items = pd.factorize(daily["item"], sort=False)
    cols = sorted((str(i) for i in items), key=lambda c: (order.get(c, len(order)), c))
    i_codes = pd.Index(cols).get_indexer(items)[i_codes]
    days = daily["date"].to_numpy().astype("datetime64[D]").astype("int64")
    mondays = days - (days + 3) % 7  # 1 Jan 1970 was a Thursday (weekday 3, Monday = 0)
    w_codes = (mondays - (mondays.min() if len(days) else 0)) // 7
    shape = (len(members), int(w_codes.max()) + 1 if len(days) else 0, len(cols))
    key = (m_codes * shape[1] + w_codes) * shape[2] + i_codes
    size = int(np.prod(shape))
    sums = np.bincount(key, weights=daily["score"].to_numpy(dtype="float64"), minlength=size)
    counts = np.bincount(key, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    return means.reshape(shape), cols

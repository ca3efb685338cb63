"""How symptoms go together: Spearman rank correlation between items across the group."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from oms_dash import schema
from oms_dash.analysis._common import daily_scores, resolve_min, week_start


@dataclass
class Cooccurrence:
    """rho: items × items Spearman correlation (NaN where suppressed or too few weeks);
    n_members / n_weeks: items × items members and member-weeks with both items scored."""

    rho: pd.DataFrame
    n_members: pd.DataFrame
    n_weeks: pd.DataFrame


def cooccurrence(obs: pd.DataFrame, min_members: int | None = None, min_weeks: int = 10) -> Cooccurrence:
    """Spearman correlation between items over member-weeks (each item's weekly mean per member).

    Pooled over members: it mixes differences between members with changes within a member, so it
    shows which symptoms are high *together*, not why. A pair is left NaN when fewer than
    ``min_members`` members or ``min_weeks`` member-weeks have both items scored.
    """
    limit = resolve_min(min_members)
    daily = daily_scores(obs)
    daily = daily.assign(week=week_start(daily["date"]))
    wide = daily.pivot_table(index=["member", "week"], columns="item", values="score", aggfunc="mean",
                             observed=True)
    order = {item.id: i for i, item in enumerate(schema.ITEMS)}
    cols = sorted(wide.columns, key=lambda c: (order.get(c, len(order)), c))
    wide = wide[cols]
    present = wide.notna().astype("int64")
    n_weeks = present.T @ present
    member_codes = wide.index.get_level_values("member")
    n_members = pd.DataFrame(0, index=cols, columns=cols, dtype="int64")
    # One small matrix product per member (not per row): pairs this member scored in the same week.
    for _member, block in present.groupby(member_codes, sort=False):
        n_members += ((block.T @ block) > 0).astype("int64")
    rho = wide.corr(method="spearman", min_periods=max(int(min_weeks), 2))
    rho = rho.where((n_members >= limit) & (n_weeks >= min_weeks))
    rho.index.name = rho.columns.name = None
    n_weeks.index.name = n_weeks.columns.name = None
    n_members.index.name = n_members.columns.name = None
    return Cooccurrence(rho=rho, n_members=n_members, n_weeks=n_weeks)

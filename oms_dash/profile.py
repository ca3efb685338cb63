"""Who is in the group, only as counts: age band, sex, country (quasi-identifiers).

Such columns (Flaredown's research export has age, sex and country) are never shown next to one
member: they are reduced per member (age to an age band), then counted for the group; categories
under the privacy threshold are merged into "other", or the breakdown is hidden when a small count
could be worked out from the others.
"""

from __future__ import annotations

import pandas as pd

from oms_dash.privacy import (
    AGE_BANDS,
    AGE_UNKNOWN,
    age_band,
    find_quasi_identifier_columns,
    min_group_size,
)
from oms_dash.schema import PROFILE_COLUMNS

_KINDS = {"age": "age_band", "sex": "sex", "gender": "sex", "country": "country"}


def member_profile(cells: pd.DataFrame, members: pd.Series) -> pd.DataFrame:
    """One row per member from the quasi-identifier columns of a raw table (member codes given
    per row, already normalised). Age becomes an age band; the most frequent value wins."""
    found = {}
    for column in find_quasi_identifier_columns(cells):
        key = next((v for k, v in _KINDS.items() if column.lower().split()[0].startswith(k)), None)
        if key and key not in found:
            found[key] = column
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in PROFILE_COLUMNS})
    frame = pd.DataFrame({"member": members.to_numpy()})
    for key, column in found.items():
        values = cells[column].astype(str).str.strip()
        if key == "age_band":
            values = values.map(age_band)
        elif key == "sex":
            values = values.str.title()
        else:  # country codes stay upper case, names title case
            values = values.where(values.str.len() > 3, values.str.upper()).str.strip()
        frame[key] = values.to_numpy()
    frame = frame[frame["member"] != ""]
    out = frame.groupby("member").agg(lambda v: _most_common(v)).reset_index()
    for column in PROFILE_COLUMNS:
        if column not in out:
            out[column] = "unknown"
    return out[list(PROFILE_COLUMNS)]


def _most_common(values: pd.Series) -> str:
    known = values[(values != "") & (values != AGE_UNKNOWN)]
    return str(known.mode().iloc[0]) if len(known) else "unknown"


HIDDEN_BREAKDOWN = "breakdown hidden to protect small groups"
_BAND_ORDER = {label: i for i, (_low, _high, label) in enumerate(AGE_BANDS)}
OTHER = "other"


def _safe_breakdown(counts: pd.Series, k: int) -> dict[str, int] | None:
    """Categories to show with their member counts, or None when the breakdown must be hidden.

    Categories under k members are merged into "other". When "other" itself is under k, the
    smallest shown category joins it (else the total minus the shown counts would give the small
    count away), until "other" reaches k. A breakdown left with fewer than two named categories
    beside "other" only says "everyone else": hidden.
    """
    shown = {str(v): int(n) for v, n in counts.items()}
    other = sum(n for n in shown.values() if n < k)
    shown = {v: n for v, n in shown.items() if n >= k}
    while 0 < other < k and shown:
        smallest = min(shown, key=lambda v: (shown[v], v))
        other += shown.pop(smallest)
    shown = dict(sorted(shown.items(), key=lambda item: (_BAND_ORDER.get(item[0], len(_BAND_ORDER)),
                                                         item[0])))
    if other == 0:
        return shown
    if other < k or len(shown) < 2:
        return None
    return {**shown, OTHER: other}


def profile_counts(profile: pd.DataFrame, k: int | None = None) -> pd.DataFrame:
    """Members per age band, sex and country, safe to show at a meeting: every count shown is at
    least k, small categories are merged into "other", and a breakdown whose small counts could be
    worked out from the rest (4 members: 3 girls, so 1 boy) is replaced by one row, "n members;
    breakdown hidden to protect small groups". ``k``: min_group_size() unless given."""
    k = min_group_size() if k is None else k
    rows = []
    for column, what in (("age_band", "Age band"), ("sex", "Sex"), ("country", "Country")):
        if column not in profile or (profile[column] == "unknown").all():
            continue
        counts = profile[column].value_counts()
        breakdown = _safe_breakdown(counts, k)
        if breakdown is None:
            rows.append({"what": what, "group": HIDDEN_BREAKDOWN, "members": str(int(counts.sum()))})
            continue
        rows.extend({"what": what, "group": value, "members": str(n)} for value, n in breakdown.items())
    return pd.DataFrame(rows, columns=["what", "group", "members"])

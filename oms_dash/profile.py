"""Who is in the group, only as counts: age band, sex, country (quasi-identifiers).

Such columns (Flaredown's research export has age, sex and country) are never shown next to one
member: they are reduced per member (age to an age band), then counted for the group, and a count
below the privacy threshold is hidden.
"""

from __future__ import annotations

import pandas as pd

from oms_dash.privacy import AGE_UNKNOWN, MIN_GROUP_SIZE, age_band, find_quasi_identifier_columns
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


def profile_counts(profile: pd.DataFrame, k: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Counts of members per age band, sex and country; counts under k read "fewer than k"."""
    rows = []
    for column, what in (("age_band", "Age band"), ("sex", "Sex"), ("country", "Country")):
        if column not in profile or (profile[column] == "unknown").all():
            continue
        for value, n in profile[column].value_counts().sort_index().items():
            rows.append({"what": what, "group": value, "members": str(n) if n >= k else f"fewer than {k}"})
    return pd.DataFrame(rows, columns=["what", "group", "members"])

"""What may be shown of the data that is kept: members as labels ("Member A"), columns as letters,
ages as bands, and group figures only when drawn from enough members."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd

# --- ages as bands -------------------------------------------------------------------------------

AGE_BANDS: tuple[tuple[float, float, str], ...] = (
    (0, 2, "0\u20131"), (2, 4, "2\u20133"), (4, 7, "4\u20136"), (7, 12, "7\u201311"),
    (12, 18, "12\u201317"), (18, 130, "18+"),
)
AGE_UNKNOWN = "unknown"
_AGE_TEXT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(y|yr|yrs|year|years|m|mo|mos|month|months)?\s*$",
                       re.IGNORECASE)


def age_band(age: object) -> str:
    """The band an age in years falls in ("0–1" ... "18+"), or "unknown".

    Accepts numbers or text ("3", "2.5", "18 months", "4 years"). Blank, 0 (Flaredown's "not
    given"), negative or implausible (130+) ages are "unknown".
    """
    if age is None or isinstance(age, bool):
        return AGE_UNKNOWN
    if isinstance(age, str):
        match = _AGE_TEXT.match(age)
        if not match:
            return AGE_UNKNOWN
        years = float(match.group(1).replace(",", "."))
        if (match.group(2) or "y").lower().startswith("m"):
            years /= 12
    else:
        try:
            years = float(age)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return AGE_UNKNOWN
    if math.isnan(years) or years <= 0:
        return AGE_UNKNOWN
    for low, high, label in AGE_BANDS:
        if low <= years < high:
            return label
    return AGE_UNKNOWN


# --- display labels ------------------------------------------------------------------------------

def column_letter(index: int) -> str:
    """A column's letters as a spreadsheet shows them (0 -> "A", 26 -> "AA"): where to find a
    column without quoting its heading (also the letters of Member A, B, ... AA)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def _natural_key(code: str) -> tuple:
    parts = re.split(r"(\d+)", code)
    return tuple((0, int(p), p) if p.isdigit() else (1, 0, p.lower()) for p in parts), code


def member_labels(members: Iterable[object]) -> dict[str, str]:
    """Real member code -> "Member A", "Member B", ... "Member Z", "Member AA", ...

    Codes are sorted naturally (F2 before F10), so the same group gets the same labels on every
    page and in the report whatever order the codes arrive in. Blank codes are ignored.
    """
    codes = {str(m).strip() for m in members if m is not None and not pd.isna(m)}
    codes.discard("")
    return {code: f"Member {column_letter(i)}" for i, code in enumerate(sorted(codes, key=_natural_key))}


# --- small groups --------------------------------------------------------------------------------

DEFAULT_MIN_GROUP_SIZE = 3
_min_group_size = DEFAULT_MIN_GROUP_SIZE


def min_group_size() -> int:
    """The one privacy threshold: group figures drawn from fewer members than this are hidden."""
    return _min_group_size


def set_min_group_size(k: int) -> None:
    """Raises the threshold for this process, as the coordinator asked (`oms-dash run/report
    --min-group K`); it never goes below 3, as smaller groups could point at a child."""
    global _min_group_size
    if k < DEFAULT_MIN_GROUP_SIZE:
        raise ValueError(f"the small-group threshold cannot go below {DEFAULT_MIN_GROUP_SIZE}")
    _min_group_size = int(k)

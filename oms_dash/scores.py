"""Turning what people write in a score cell into the common 0-3 severity scale."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from oms_dash.schema import SEVERITY_MAX, SEVERITY_WORDS, normalise_text

DEFAULT_SCALE = (0.0, 3.0)
_SCALE_IN_HEADER = re.compile(r"(?<![\d.])(\d{1,3})\s*(?:-|–|—|to)\s*(\d{1,3})(?![\d.])")
_LEADING_NUMBER = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(?:$|[-–:(=/ ])")
_WORD_IN_BRACKETS = re.compile(r"\(([^)]*)\)")


def scale_from_header(header: str) -> tuple[float, float] | None:
    """A scale named in a header, like 'Eye movements (opsoclonus) 0-10' -> (0, 10)."""
    m = _SCALE_IN_HEADER.search(str(header))
    if m:
        lo, hi = float(m[1]), float(m[2])
        if lo < hi <= 100:
            return lo, hi
    return None


def scale_name(lo: float, hi: float) -> str:
    return f"{lo:g}-{hi:g}"


# What people write for "not recorded": treated like a blank cell, not as an error.
NOT_RECORDED = frozenset({"n/a", "na", "n.a.", "-", "--", "–", "—", "?", "nr", "not recorded",
                          "not known", "unknown", "nan", "null", "missing", "no data", "skipped"})


def _parse_one(text: str, lo: float, hi: float) -> tuple[float, str, str]:
    """(score on 0-3 or nan, scale used, error message or ''); nan with no error = not recorded."""
    raw = text.strip()
    if not raw or raw.lower() in NOT_RECORDED:
        return np.nan, "", ""
    m = _LEADING_NUMBER.match(raw)
    if m:
        value = float(m[1].replace(",", "."))
        if value < lo or value > hi:
            where = "above the top" if value > hi else "below the bottom"
            return np.nan, "", (f"score {value:g} is {where} of the {scale_name(lo, hi)} scale "
                                f"(use {lo:g} to {hi:g}, or none/mild/moderate/severe)")
        return round((value - lo) / (hi - lo) * SEVERITY_MAX, 3), scale_name(lo, hi), ""
    words = normalise_text(raw)
    if words in SEVERITY_WORDS:
        return float(SEVERITY_WORDS[words]), "words", ""
    for inside in _WORD_IN_BRACKETS.findall(raw):
        if normalise_text(inside) in SEVERITY_WORDS:
            return float(SEVERITY_WORDS[normalise_text(inside)]), "words", ""
    return np.nan, "", (f"'{raw[:30]}' is not a score (use {lo:g} to {hi:g}, or none, mild, "
                        "moderate or severe)")


def parse_scores(values: pd.Series, lo: pd.Series | float, hi: pd.Series | float):
    """Vectorised over distinct (value, scale) pairs. Returns (score, raw_scale, error) series.

    A blank cell is "not recorded": score NaN with no error.
    """
    frame = pd.DataFrame({"v": values.astype(str), "lo": lo, "hi": hi}, index=values.index)
    keys = frame.drop_duplicates()
    parsed = [_parse_one(v, a, b) for v, a, b in keys.itertuples(index=False)]
    table = keys.assign(score=[p[0] for p in parsed], scale=[p[1] for p in parsed],
                        error=[p[2] for p in parsed])
    merged = frame.merge(table, on=["v", "lo", "hi"], how="left", sort=False)
    merged.index = values.index
    return merged["score"], merged["scale"].astype(str), merged["error"].astype(str)

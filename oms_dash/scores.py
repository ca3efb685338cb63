"""Turning what people write in a score cell into the common 0-3 severity scale."""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd

from oms_dash.schema import SEVERITY_MAX, SEVERITY_WORDS, normalise_text

DEFAULT_SCALE = (0.0, 3.0)
_SCALE_IN_HEADER = re.compile(r"(?<![\d.])(\d{1,3})\s*(?:-|–|—|to)\s*(\d{1,3})(?![\d.])")
# "2", "+2", "2 - mild", "2: moderate", "(2) moderate"
_LEADING_NUMBER = re.compile(r"^\s*\(?\s*([-+]?\d+(?:[.,]\d+)?)\s*(?:\)\s*)?(?:$|[-–:(=/ ])")
_WORD_IN_BRACKETS = re.compile(r"\(([^)]*)\)")
_RANGE_OR_FRACTION = re.compile(r"\s*[-–—/]\s*\d")  # after a number: "0-3", "1/2" (which one?)
_NUMBER_IN_BRACKETS = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)?\s*$")  # "Moderate (2)"


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
    number = m[1] if m else next((inside for inside in _WORD_IN_BRACKETS.findall(raw)
                                  if _NUMBER_IN_BRACKETS.match(inside)), None)
    if m and _RANGE_OR_FRACTION.match(raw, m.end(1)):
        return np.nan, "", (f"'{raw[:30]}' is not one score: write one whole number from {lo:g} to "
                            f"{hi:g} (or none, mild, moderate or severe)")
    if number is not None:
        value = float(number.strip().replace(",", "."))
        if value == 0 and number.strip().startswith("-"):
            return np.nan, "", (f"'{raw[:30]}' is not a score (use {lo:g} to {hi:g}, or none, mild, "
                                "moderate or severe)")
        return _on_scale(value, lo, hi)
    words = normalise_text(raw)
    if words in SEVERITY_WORDS:
        return float(SEVERITY_WORDS[words]), "words", ""
    for inside in _WORD_IN_BRACKETS.findall(raw):
        if normalise_text(inside) in SEVERITY_WORDS:
            return float(SEVERITY_WORDS[normalise_text(inside)]), "words", ""
    return np.nan, "", (f"'{raw[:30]}' is not a score (use {lo:g} to {hi:g}, or none, mild, "
                        "moderate or severe)")


def _on_scale(value: float, lo: float, hi: float) -> tuple[float, str, str]:
    if not value.is_integer():
        return np.nan, "", (f"{value:g} is not a whole number: use a whole number from {lo:g} to {hi:g} "
                            "(or none, mild, moderate or severe)")
    if value < lo or value > hi:
        where = "above the top" if value > hi else "below the bottom"
        named = "" if (lo, hi) != DEFAULT_SCALE else (
            "; if this column uses another scale, name it in the column heading, like 'Jerks 0-10'")
        return np.nan, "", (f"score {value:g} is {where} of the {scale_name(lo, hi)} scale "
                            f"(use {lo:g} to {hi:g}, or none/mild/moderate/severe){named}")
    return round((value - lo) / (hi - lo) * SEVERITY_MAX, 3), scale_name(lo, hi), ""


def parse_scores(values: pd.Series, lo: pd.Series | float, hi: pd.Series | float, factorize=None):
    """Vectorised over distinct (value, scale) pairs. Returns (score, raw_scale, error) series.

    A blank cell (or "n/a", "-", ...) is "not recorded": score NaN with no error.
    """
    parsed = parse_score_codes(values, lo, hi, factorize)
    return (pd.Series(parsed.score[parsed.codes], index=values.index),
            pd.Series(parsed.scale.take(parsed.codes), index=values.index, dtype="str"),
            pd.Series(parsed.error.take(parsed.codes), index=values.index, dtype="str"))


class ScoreCodes(NamedTuple):
    """parse_scores before it is spread to the cells: cell i has score[codes[i]], scale[codes[i]]
    and error[codes[i]] (score, scale and error per distinct (value, scale) pair)."""

    codes: np.ndarray
    score: np.ndarray
    scale: pd.Index
    error: pd.Index


def _one_code(values: np.ndarray):
    """pd.factorize for a column that usually holds one value throughout (a file's scale)."""
    if len(values) and values[0] == values[0] and (values == values[0]).all():
        return np.zeros(len(values), dtype=np.intp), values[:1]
    return pd.factorize(values)


def parse_score_codes(values: pd.Series, lo: pd.Series | float, hi: pd.Series | float,
                      factorize=None) -> ScoreCodes:
    """parse_scores by code: each distinct (value, scale) pair is parsed once, nothing per cell."""
    text = values.astype(str)
    n = len(text)
    lo_arr = np.broadcast_to(np.asarray(lo, dtype=np.float64), (n,))
    hi_arr = np.broadcast_to(np.asarray(hi, dtype=np.float64), (n,))
    value_codes, value_uniques = (factorize(text) if factorize is not None
                                  else pd.factorize(text, use_na_sentinel=False))
    lo_codes, lo_uniques = _one_code(lo_arr)
    hi_codes, hi_uniques = _one_code(hi_arr)
    n_lo, n_hi = max(len(lo_uniques), 1), max(len(hi_uniques), 1)
    if n_lo == n_hi == 1:  # one scale for every cell (the usual case): the values are the keys
        key_codes, keys = value_codes, np.arange(len(value_uniques))
    else:
        key = (value_codes.astype(np.int64) * n_lo + lo_codes) * n_hi + hi_codes
        key_codes, keys = pd.factorize(key)
    parsed = [_parse_one(str(value_uniques[k // (n_lo * n_hi)]), float(lo_uniques[k // n_hi % n_lo]),
                         float(hi_uniques[k % n_hi])) for k in keys]
    score = np.array([p[0] for p in parsed], dtype=np.float64)
    scale = pd.Index([p[1] for p in parsed], dtype="str")
    error = pd.Index([p[2] for p in parsed], dtype="str")
    return ScoreCodes(np.asarray(key_codes), score, scale, error)

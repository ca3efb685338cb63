"""CSV downloads that are safe to open in a spreadsheet: no cell can run as a formula."""

from __future__ import annotations

import csv

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _escape_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and headers cannot run as spreadsheet formulas.

    Text starting with =, +, -, @, a tab, a carriage return or a line feed gets a leading
    apostrophe (the spreadsheet convention for "this is text"). Numbers, dates and missing cells
    are untouched.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        out.isetitem(position, column.map(_escape_cell, na_action="ignore"))
    out.columns = [_escape_cell(c) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for download: formula-safe, every text cell quoted, UTF-8 with a BOM so Excel shows
    accents right.

    A meaningful index (named, or not the default 0..n-1) becomes ordinary columns first, so its
    labels are escaped like any cell; the default index is left out.
    """
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0 \
        and index.step == 1
    if not plain:
        frame = frame.reset_index()
    # Every text cell quoted: a cell holding a carriage return or a line feed, left bare, would end
    # the row there in a spreadsheet, and the rest ("\r=1+1" -> "=1+1") start a cell of its own.
    return csv_safe(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")

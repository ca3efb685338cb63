"""Tables as people read them: the one place every table shown beside a chart is made readable.

Analysis tables carry programmer's names (``n_raised``, ``q25``, ``days_since_infection``),
timestamps at midnight and NaN where a value is missing or hidden for a small group. Shown as they
are, a coordinator reads "q25", "2025-03-04 00:00:00" and "None". ``readable_table`` turns any such
table into headings from one mapping (``HEADINGS``), dates as dates, ids as their labels, numbers
to two decimals, and says in words what an empty cell means: either one word for the whole table
(the grid's placeholder, e.g. "hidden (under 5 members)") or, when the reasons differ by column,
an empty cell under a heading that says why ("days since vaccination (blank: none in the 30 days
before)"). Numbers stay numbers, so the grid still sorts them and its CSV download holds numbers.
No Streamlit here: the page widgets only draw what this returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from oms_dash import schema
from oms_dash.privacy import min_group_size

# Headings for the analysis tables' column names that do not read as words on their own.
HEADINGS: dict[str, str] = {
    "n_members": "members", "n_days": "days logged", "n_raised": "logs in the rise",
    "days_raised": "days the rise lasted", "n_before": "days logged before", "n_after": "days logged after",
    "n_events": "events", "n_followed": "followed by a relapse", "preceded_by": "what came before",
    "q1": "lower quarter", "q3": "upper quarter", "q25": "lower quarter (25%)",
    "q75": "upper quarter (75%)", "rho": "moving together (rank correlation)",
    "days_logged": "days logged", "counted_from": "counted from", "share": "share of days logged",
    "start_value": "score at the start", "other_treatment": "other treatment started near it",
    "few_logs": "too few logs", "kind": "event", "x": "days",
    "none observed": "with no event before",
}
NO_VALUE = "no value"  # an empty cell nobody said the reason for: still a word, never "None"


def hidden_word(limit: int | None = None) -> str:
    """What a value hidden to protect a small group says in its cell."""
    return f"hidden (under {min_group_size() if limit is None else limit} members)"


def readable_heading(column: object) -> str:
    """A table heading in words: "days_since_infection" -> "days since infection / fever"."""
    name = str(column)
    if name in HEADINGS:
        return HEADINGS[name]
    if name in schema.EVENT_LABELS:  # a count per kind of event, as in relapses per member
        return f"after {schema.EVENT_LABELS[name].lower()}"
    if name.startswith("days_since_"):
        kind = name.removeprefix("days_since_")
        return f"days since {schema.EVENT_LABELS.get(kind, kind.replace('_', ' ')).lower()}"
    return name.replace("_", " ")


def _event(kind: object) -> str:
    text = str(kind)
    return schema.EVENT_LABELS.get(text, text.replace("_", " "))


def _treatments(names: object) -> str:
    """ "acth, ivig" -> "ACTH, IVIG" (a list of treatment ids as written by the analysis)."""
    return ", ".join(schema.treatment_label(n.strip()) for n in str(names).split(",") if n.strip())


# Cell values that are ids in the analysis tables, by the column they sit in.
VALUE_LABELS: dict[str, Callable[[object], str]] = {
    "preceded_by": _event, "kind": _event, "treatment": schema.treatment_label,
    "other_treatment": _treatments,
}


@dataclass(frozen=True)
class ReadableTable:
    """A table ready to show: ``frame`` with readable headings and cells; ``placeholder``, the word
    an empty cell shows ("" when each heading with empty cells says why); ``headings``, each original
    column's heading (for column settings given by the original names); ``gaps``, the headings of
    the columns with empty cells."""

    frame: pd.DataFrame
    placeholder: str
    headings: dict[str, str]
    gaps: tuple[str, ...] = ()  # headings of the columns with empty cells (the grid widens them)


def _is_dates(values: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return True
    if values.dtype != object:
        return False
    present = values.dropna()
    return len(present) > 0 and all(isinstance(v, dt.date) for v in present)


def _as_dates(values: pd.Series) -> pd.Series:
    """Calendar days, never a time of day (NaT becomes an empty cell)."""
    days = pd.to_datetime(values)
    return pd.Series([d.date() if pd.notna(d) else None for d in days], index=values.index, dtype=object)


def _is_text(values: pd.Series) -> bool:
    present = values.dropna()
    return (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object) and all(
        isinstance(v, str) for v in present)


def readable_table(table: pd.DataFrame, missing: str | None = None,
                   by_column: Mapping[str, str] | None = None) -> ReadableTable:
    """``table`` as a person reads it (see the module's docstring).

    ``missing``: the word for an empty cell anywhere in the table; by default "hidden (under k
    members)" when the table flags suppressed rows, else "no value". ``by_column``: the word for
    empty cells of some columns (by their original name), when it differs from the table's.
    A ``suppressed`` flag column is dropped: its rows' cells say "hidden" themselves.
    """
    by_column = dict(by_column or {})
    view = table.copy()
    if "suppressed" in view.columns:
        view = view.drop(columns="suppressed")
        missing = missing or hidden_word()
    missing = missing or NO_VALUE
    columns = [str(c) for c in view.columns]
    view.columns = columns
    gaps: dict[str, str] = {}  # non-text columns with empty cells -> why they are empty
    for name in columns:
        values = view[name]
        word = by_column.get(name, missing)
        if name in VALUE_LABELS and _is_text(values):
            label = VALUE_LABELS[name]
            values = values.map(lambda v, f=label: f(v) if isinstance(v, str) and v.strip() else v)
        if _is_dates(values):
            values = _as_dates(values)
        elif pd.api.types.is_bool_dtype(values.dtype):
            values = values.map({True: "yes", False: "no"}).astype("str")
        elif pd.api.types.is_float_dtype(values.dtype):
            values = values.round(2)
            present = values.dropna()
            if len(present) and (present == present.round()).all() and present.abs().max() < 2 ** 53:
                values = values.astype("Int64")  # counts that NaN made floats: 6, not 6.0
        if _is_text(values):  # an empty text cell says its word too
            values = values.astype("object")
            values = values.where(values.notna() & (values.astype("str").str.strip() != ""), word)
        elif values.isna().any():
            gaps[name] = word
        view[name] = values
    # One word for every empty cell when they all mean the same; else each such heading says why.
    placeholder = missing if all(w == missing for w in gaps.values()) else ""
    headings = {}
    for name in columns:
        heading = readable_heading(name)
        if placeholder == "" and name in gaps:
            heading = f"{heading} (blank: {gaps[name]})"
        headings[name] = heading
    view.columns = [headings[c] for c in columns]
    return ReadableTable(view, placeholder if gaps else "", headings, tuple(headings[c] for c in gaps))

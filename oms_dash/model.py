"""The result of reading logs: tidy tables plus a per-file account of every input row.

Invariant for every FileReport: rows_read == rows_accepted + rows_rejected + rows_skipped.
A *row* is one data record as the user sees it in a spreadsheet (a wide diary day is one row even
when it holds several symptoms); ``source_row`` numbers are spreadsheet line numbers (header = its
own line, first data line usually 2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from oms_dash.schema import (
    EVENT_COLUMNS,
    NOTE_COLUMNS,
    OBSERVATION_COLUMNS,
    PROFILE_COLUMNS,
    TREATMENT_COLUMNS,
)

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong (or worth knowing) about an input, in words a parent understands.

    Made by keyword, so that no code is taken for a message; `code` is a key of
    problems.CATALOGUE, which says what each code means and which option fixes it.

    severity: "error" means the row (or cell) was rejected; "warning" means it was kept but
    something was guessed or fixed; "info" is context (e.g. which date order was inferred).
    row: spreadsheet line number, or None for a file-level message.
    """

    file: str
    row: int | None = None
    column: str | None = None
    severity: str
    code: str
    message: str
    value: str | None = None

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column,
                "severity": self.severity, "code": self.code, "message": self.message,
                "value": self.value}


@dataclass
class FileReport:
    file: str
    format: str = "not recognised"  # adapters.FORMAT_UNKNOWN until a format is recognised
    usable: bool = False
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    cells_not_used: int = 0  # cells with a problem in rows that were accepted (a bad score beside good ones)
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    symptoms: list[str] = field(default_factory=list)
    date_min: pd.Timestamp | None = None
    date_max: pd.Timestamp | None = None
    pii_columns: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rejected_rows: pd.DataFrame | None = None  # the original cells of rejected rows, for download
    encoding: str | None = None
    delimiter: str | None = None
    daily_rule: str | None = None  # how several readings a day were combined, when they were
    events: dict[str, int] = field(default_factory=dict)  # events read, by kind (schema.EVENT_KINDS)

    @property
    def accounted(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_rejected + self.rows_skipped

    def as_json(self) -> dict:
        def day(ts):
            return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")

        return {
            "file": self.file, "format": self.format, "usable": self.usable,
            "rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected, "rows_skipped": self.rows_skipped,
            "skipped_reasons": dict(self.skipped_reasons),
            "members": list(self.members), "symptoms": list(self.symptoms),
            "date_min": day(self.date_min), "date_max": day(self.date_max),
            "pii_columns": list(self.pii_columns),
            "events": sum(self.events.values()),
            "problems": [{"row": p.row, "column": p.column, "severity": p.severity,
                          "code": p.code, "message": p.message} for p in self.problems],
        }


def empty_table(columns: tuple[str, ...]) -> pd.DataFrame:
    dtypes = {"date": "datetime64[ns]", "start": "datetime64[ns]", "end": "datetime64[ns]",
              "score": "float64", "source_row": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in columns})


@dataclass
class GroupData:
    """Everything the pages show: the merged tables of all files read, and how each file went.

    observations: member, date (day), item, score (0-3 float), raw_value, raw_scale,
        source_file, source_row (raw_scale and source_file as categories: a few values, many rows)
    treatments:   member, treatment, start, end (NaT = ongoing), dose, source_file, source_row
    events:       member, date, kind (see schema.EVENT_KINDS), detail, source_file, source_row
    notes:        member, date, text (free text: never drawn in charts or reports)
    """

    observations: pd.DataFrame = field(default_factory=lambda: empty_table(OBSERVATION_COLUMNS))
    treatments: pd.DataFrame = field(default_factory=lambda: empty_table(TREATMENT_COLUMNS))
    events: pd.DataFrame = field(default_factory=lambda: empty_table(EVENT_COLUMNS))
    notes: pd.DataFrame = field(default_factory=lambda: empty_table(NOTE_COLUMNS))
    reports: list[FileReport] = field(default_factory=list)
    is_demo: bool = False
    onsets: dict[str, pd.Timestamp] = field(default_factory=dict)  # member -> onset date, if known
    # member, age_band, sex, country: quasi-identifiers, shown only as group counts (profile.py)
    profile: pd.DataFrame = field(default_factory=lambda: empty_table(PROFILE_COLUMNS))
    # The meeting dates of a group file, oldest first ("since the last meeting"); none for an upload.
    meetings: tuple[dt.date, ...] = ()

    @property
    def members(self) -> list[str]:
        # Distinct values per table first: the observations can hold a million rows.
        found: set[str] = set()
        for table in (self.observations, self.treatments, self.events):
            found.update(str(m) for m in pd.unique(table["member"].dropna()))
        return sorted(found)

    @property
    def usable(self) -> bool:
        return not self.observations.empty

    def within(self, members=(), items=(), start=None, end=None) -> GroupData:
        """The group cut to the chosen members, symptoms and dates (empty or None: all), e.g. for a
        report of what was prepared. A chosen member's treatments and events are kept whole: a
        course that began before the chosen dates is still the course the scores follow."""
        def of_members(table: pd.DataFrame) -> pd.DataFrame:
            return table.loc[table["member"].isin(list(members))] if members else table

        obs = of_members(self.observations)
        if items:
            obs = obs.loc[obs["item"].isin(list(items))]
        if start is not None:
            obs = obs.loc[obs["date"] >= start]
        if end is not None:
            obs = obs.loc[obs["date"] <= end]
        kept = set(members) if members else None
        return GroupData(observations=obs.reset_index(drop=True), treatments=of_members(self.treatments),
                         events=of_members(self.events), notes=of_members(self.notes), reports=self.reports,
                         is_demo=self.is_demo, profile=of_members(self.profile), meetings=self.meetings,
                         onsets={m: d for m, d in self.onsets.items() if kept is None or m in kept})

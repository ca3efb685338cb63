"""Read any number of log files into one GroupData: the path the Upload page and `oms-dash check` share.

    bytes -> RawTable (readers) -> identifying columns dropped (privacy) -> Canonical (adapters)
          -> tables + FileReport (validation) -> merged GroupData
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from oms_dash.adapters import FORMAT_UNKNOWN, NeedsMapping, recognise
from oms_dash.codes import column_codes_for
from oms_dash.model import FileReport, GroupData, Problem
from oms_dash.privacy import REMOVED, column_letter, find_quasi_identifier_columns, scan_table
from oms_dash.profile import member_profile
from oms_dash.readers import RawTable, UnreadableFile, read_table
from oms_dash.schema import (
    EVENT_COLUMNS,
    NOTE_COLUMNS,
    OBSERVATION_COLUMNS,
    PROVENANCE_COLUMNS,
    TREATMENT_COLUMNS,
    same_custom_items,
)
from oms_dash.validation import (
    REJECTED,
    Tables,
    combine_daily,
    combined_codes,
    first_positions,
    normalise_member_codes,
    rejected_rows_table,
    sort_problems,
    validate,
)


@dataclass(frozen=True)
class ReadOptions:
    """What the user can tell the reader. All optional; the defaults suit most files."""

    date_order: str | None = None  # "dayfirst" / "monthfirst" to override the inferred order
    member: str | None = None  # member code for single-person exports (else from the file name)
    sheet: str | None = None  # Excel sheet name (default: the first sheet that holds a table)
    # (role, column) pairs from the column-mapping form: member, date, symptom, severity... and
    # ("item", column), as often as needed, for a column to read as a symptom named after its heading
    mapping: tuple[tuple[str, str], ...] = ()
    daily_rule: str = "max"  # how several readings of one item on one day are combined
    today: dt.date | None = None


@dataclass
class FileResult:
    report: FileReport
    tables: Tables | None = None
    headers: list[str] = field(default_factory=list)  # for the column-mapping form
    needs_mapping: bool = False
    profile: pd.DataFrame | None = None  # age band, sex, country per member (profile.py)
    sheets: list[str] = field(default_factory=list)  # a workbook's sheet names (to choose one)
    # The (role, column) pairs the columns were read as: the column-mapping form starts from them.
    detected: tuple[tuple[str, str], ...] = ()


def _member_profile(raw: RawTable, canon) -> pd.DataFrame:
    """profile.member_profile, computed on distinct values: app exports repeat a user's age, sex
    and country on every row (a million rows, a few thousand users, a few hundred combinations),
    and member_profile works group by group. Each distinct combination is put through it once and
    handed to the members who have it; members with several combinations go through it as they
    are (over their distinct rows: the most common of those wins, not the most common row)."""
    members = canon.records.table["member"].fillna("")
    quasi = find_quasi_identifier_columns(raw.cells)
    if not quasi:
        return member_profile(raw.cells.iloc[:0], members.iloc[:0])
    codes, clean = normalise_member_codes(members)
    first = first_positions([(codes, len(clean))] + [raw.cells[c] for c in quasi])
    rows = raw.cells[quasi].iloc[first].reset_index(drop=True)
    who = pd.Series(clean[codes[first]], dtype="str")
    keep = (who != "").to_numpy()
    rows, who = rows[keep].reset_index(drop=True), who[keep].reset_index(drop=True)
    several = who.duplicated(keep=False).to_numpy()
    parts = []
    if several.any():
        parts.append(member_profile(rows[several].reset_index(drop=True),
                                    who[several].reset_index(drop=True)))
    one = rows[~several].reset_index(drop=True)
    if len(one):
        combo_codes = combined_codes([one[c] for c in quasi])
        combos = one.iloc[first_positions([(combo_codes, int(combo_codes.max()) + 1)])]
        labels = pd.Series([f"{i:09d}" for i in range(len(combos))], dtype="str")
        shaped = member_profile(combos.reset_index(drop=True), labels).set_index("member")
        per_member = shaped.reindex(labels.to_numpy()[combo_codes]).reset_index(drop=True)
        per_member.insert(0, "member", who[~several].to_numpy())
        parts.append(per_member)
    if not parts:
        return member_profile(raw.cells.iloc[:0], members.iloc[:0])
    out = pd.concat(parts, ignore_index=True).sort_values("member", kind="stable")
    return out.reset_index(drop=True)[list(member_profile(raw.cells.iloc[:0], members.iloc[:0]).columns)]


def _drop_identifying(raw: RawTable, report: FileReport) -> list[str]:
    """Drops identifying columns and blanks stray contact details in the others, saying both;
    returns how the user can find the columns that named more than one person."""
    scan = scan_table(raw.cells, factorize=raw.column_codes)
    positions = {h: i for i, h in reversed(list(enumerate(raw.cells.columns)))}
    for header, cells in scan.redacted.items():
        held = "1 cell held" if cells == 1 else f"{cells:,} cells held"
        report.problems.append(Problem(
            file=report.file, column=header, severity="info", code="redacted_cells",
            message=f"In column '{header}', {held} a contact detail or ID number (an email, phone "
                    f"number, web link, address or the like); that part is shown as {REMOVED}."))
    people = []
    shown = []
    for f in scan.findings:
        where = f"column {column_letter(positions[f['column']])}"
        if f.get("kind") == "name":
            values = raw.cells.loc[:, [f["column"]]].iloc[:, 0].str.strip().str.lower()
            if values[values != ""].nunique() > 1:
                people.append(f"the column '{f['column']}'" if not f.get("heading_is_name")
                              else f"a column whose heading looks like a person's name ({where})")
        if f.get("heading_is_name"):
            # The heading itself is the identifying part: it is never repeated, only located.
            shown.append({"column": where, "reason": f["reason"], "kind": f["kind"]})
            report.problems.append(Problem(
                file=report.file, severity="warning", code="identifying_column",
                message=f"A column whose heading looks like a person's name ({where}) was removed "
                        "before anything was shown or kept; its heading is not repeated here. oms_dash "
                        "never shows identifying information."))
        else:
            shown.append({k: f[k] for k in ("column", "reason", "kind")})
            report.problems.append(Problem(
                file=report.file, column=f["column"], severity="warning", code="identifying_column",
                message=f"Column '{f['column']}' was removed before anything was shown or kept: it "
                        f"{f['reason']}. oms_dash never shows identifying information."))
    if scan.findings:
        raw.cells = raw.cells.drop(columns=[f["column"] for f in scan.findings])
    report.pii_columns = shown
    return people


def read_file(name: str, data: bytes, options: ReadOptions = ReadOptions(),
              progress: Callable[[float, str], None] | None = None) -> FileResult:
    """Reads one file. Never raises for bad input: problems come back in the report.

    A fault in oms_dash itself is caught too, as a last resort: the file is reported unusable with
    code "internal_error" (never the exception's text, which could quote a cell), not a traceback.
    `progress(fraction, words)`, if given, is called as the stages finish (for a progress bar).
    """
    try:
        return _read_file(name, data, options, progress or (lambda fraction, words: None))
    except MemoryError:  # the file's size, not a fault: say what to do about it
        report = FileReport(file=name, format=FORMAT_UNKNOWN)
        report.problems.append(Problem(
            file=name, row=None, column=None, severity="error", code="too_big",
            message="This file is too big for this computer's memory to check. Split it into smaller "
            "files (a year of diaries each, say) and upload those."))
        return FileResult(report)
    except Exception as exc:  # noqa: BLE001 - the promise to the user: never a traceback
        report = FileReport(file=name, format=FORMAT_UNKNOWN)
        report.problems.append(Problem(
            file=name, severity="error", code="internal_error",
            message="oms_dash could not read this file because of a fault in oms_dash itself "
                    f"({type(exc).__name__}), not because of anything you did. Saving the file again "
                    "as CSV UTF-8 may get round it; please tell the oms_dash maintainers, without "
                    "sending the file."))
        return FileResult(report)


def _read_file(name: str, data: bytes, options: ReadOptions, progress) -> FileResult:
    report = FileReport(file=name, format=FORMAT_UNKNOWN)
    wrong = ([f"date order '{options.date_order}' (use dayfirst or monthfirst)"]
             if options.date_order not in (None, "dayfirst", "monthfirst") else []) + (
            [f"daily rule '{options.daily_rule}' (use max or mean; readings are never summed)"]
            if options.daily_rule not in ("max", "mean") else [])
    if wrong:
        report.problems.append(Problem(file=name, severity="error", code="bad_option",
                                       message="oms_dash was asked for an unknown "
                                               + " and ".join(wrong) + "."))
        return FileResult(report)
    megabytes = len(data) / 1e6
    try:
        raw = read_table(name, data, sheet=options.sheet, progress=lambda fraction: progress(
            0.4 * fraction, f"reading {name}: {fraction * megabytes:,.0f} of {megabytes:,.0f} MB"))
    except UnreadableFile as exc:
        report.problems.append(Problem(file=name, severity="error", code=exc.code, message=exc.message))
        return FileResult(report, sheets=list(exc.sheets))
    report.encoding, report.delimiter = raw.encoding, raw.delimiter
    progress(0.4, f"read {len(raw.cells):,} rows of {name}")
    # A big table's columns are hashed in the background while privacy and recognition look at it:
    # earns 17% on the 1M-row long diary with a treatment column, 10% on the plain one
    # (benchmarks/ingest.py, interleaved medians).
    raw.column_codes = column_codes_for(raw.cells)
    try:
        return _checked(name, raw, report, options, progress)
    finally:
        raw.column_codes.close()


def _checked(name: str, raw: RawTable, report: FileReport, options: ReadOptions, progress) -> FileResult:
    named_people = _drop_identifying(raw, report)
    report.problems += raw.problems  # cells the reader could not read as they are
    pii, pii_columns = list(report.problems), list(report.pii_columns)
    try:
        canon = recognise(raw, name, options.member, options.mapping or None)
        if named_people and canon.records.member_column is None and not options.member:
            # The people were told apart only by their names, which were removed: giving every row
            # one code from the file name would mix several children's diaries into one.
            raise NeedsMapping(
                f"{named_people[0][0].upper()}{named_people[0][1:]} tells the members apart by "
                "name, and names are "
                "removed to protect families, so oms_dash cannot tell whose rows are whose. Add a "
                "'member' column with a code for each child (like F01, F02) instead of the names, "
                "and upload the file again.", list(raw.cells.columns))
    except NeedsMapping as exc:
        report.rows_read = report.rows_rejected = len(raw.cells)
        report.problems.append(Problem(file=name, severity="error", code="needs_mapping",
                                       message=exc.message))
        report.rejected_rows = rejected_rows_table(raw, np.full(len(raw.cells), REJECTED),
                                                   np.full(len(raw.cells), "columns not recognised",
                                                           dtype=object), {})
        report.problems = sort_problems(report.problems)
        return FileResult(report, headers=exc.headers, needs_mapping=True, sheets=list(raw.sheets))
    progress(0.5, f"checking every row of {name}")
    profile = _member_profile(raw, canon)
    tables, report = validate(canon, raw, name, options.date_order, options.daily_rule, options.today,
                              factorize=raw.column_codes)
    progress(1.0, f"checked {name}")
    report.pii_columns = pii_columns
    report.problems[:0] = pii
    if raw.sheets and len(raw.sheets) > 1:
        report.problems.insert(0, Problem(file=name, severity="info", code="sheet",
                                          message=f"Read the sheet '{raw.sheet}' of {len(raw.sheets)} "
                                                  f"({', '.join(raw.sheets)}). Choose another if needed."))
    report.problems = sort_problems(report.problems)
    return FileResult(report, tables, headers=list(raw.cells.columns), profile=profile,
                      sheets=list(raw.sheets), detected=canon.read_as)


def merge(results: list[FileResult], daily_rule: str = "max", is_demo: bool = False) -> GroupData:
    """One group from many files: member codes already normalised, same-day repeats combined."""
    usable = [r.tables for r in results if r.tables is not None]

    def cat(frames, columns):
        frames = [f for f in frames if len(f)]
        if not frames:
            return GroupData().__getattribute__(columns)
        joined = pd.concat(frames, ignore_index=True)
        for column in PROVENANCE_COLUMNS.intersection(joined.columns):
            # Files' own categories joined by their codes (concat would write out every cell).
            parts = [f[column] for f in frames]
            if len(parts) > 1 and all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
                joined[column] = union_categoricals(parts, ignore_order=True)
        return joined

    group = GroupData(is_demo=is_demo, reports=[r.report for r in results])
    if usable:
        obs = cat([t.observations for t in usable], "observations")
        respelled = same_custom_items(pd.unique(obs["item"]).tolist())
        if respelled:  # "Irritabilité" in one file, "irritabilite" in another: one item
            obs["item"] = obs["item"].replace(respelled)
        if respelled or sum(len(t.observations) > 0 for t in usable) > 1:
            # (One file's readings were combined as it was read: nothing is left to combine.)
            obs, _ = combine_daily(obs, daily_rule)
        group.observations = obs[list(OBSERVATION_COLUMNS)]
        group.treatments = cat([t.treatments for t in usable], "treatments")[list(TREATMENT_COLUMNS)]
        group.events = cat([t.events for t in usable], "events")[list(EVENT_COLUMNS)]
        group.notes = cat([t.notes for t in usable], "notes")[list(NOTE_COLUMNS)]
        for t in usable:
            group.onsets.update(t.onsets)
    profiles = [r.profile for r in results if r.profile is not None and len(r.profile)]
    if profiles:
        group.profile = pd.concat(profiles, ignore_index=True).drop_duplicates("member")
    return group


def read_files(files: list[tuple[str, bytes]], options: ReadOptions = ReadOptions()) -> GroupData:
    return merge([read_file(name, data, options) for name, data in files], options.daily_rule)


def read_paths(paths: list[Path | str], options: ReadOptions = ReadOptions()) -> GroupData:
    return read_files([(Path(p).name, Path(p).read_bytes()) for p in paths], options)

"""The group file: a group's memory from meeting to meeting, in one encrypted SQLite database.

SQLCipher 4 (the ``sqlcipher3`` package) encrypts every page with AES-256 under a key that its own
KDF derives from the passphrase (``PRAGMA key``); the passphrase is never stored, so a lost one
cannot be recovered. Only what passed the privacy scan is kept: observations, treatment courses,
events, the member profile as groups, where each row came from as an upload and file number (a
neutral label, never the file's name), the upload history, the group's settings and its meeting
dates. Free-text notes only when the group was made with ``keep_notes``.

Every write is one transaction: an add that is interrupted (a closed laptop, a killed process)
leaves the group exactly as it was. Member codes, symptom names and scales are stored once each
and referred to by number; each member's observations are one compressed block of columns (see
BLOCK_COLUMNS), which keeps the file smaller than the same data gzipped and opening it fast.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zlib
from collections.abc import Collection
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from oms_dash.model import FileReport, GroupData, empty_table
from oms_dash.schema import (
    EVENT_COLUMNS,
    ITEMS_BY_ID,
    NOTE_COLUMNS,
    OBSERVATION_COLUMNS,
    TREATMENT_COLUMNS,
    normalise_text,
)

MIN_PASSPHRASE_LENGTH = 8
PASSPHRASE_HINT = ("Choose a passphrase of four or more unrelated words, like 'tulip orbit candle river'. "
                   "It is never stored anywhere: if it is lost, nobody can open the group file again, "
                   "not even oms_dash. Write it down and keep it somewhere safe.")
DAILY_RULES = ("max", "mean")
DEFAULT_SETTINGS = {"daily_rule": "max", "min_group_size": 3, "keep_notes": False, "merged_codes": {}}
# Scores are equal when they agree to this many decimals (a daily mean is kept to 3).
SCORE_DECIMALS = 6

# Each entry brings a file from the version before it to its own number (entry 0: an empty file to
# version 1). A file is never changed but by these steps, so any older file can be brought up to date.
MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # A member code is stored here only; every other table refers to its number.
        "CREATE TABLE members (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, age_band TEXT, "
        "sex TEXT, country TEXT, onset INTEGER)",
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        "CREATE TABLE scales (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        "CREATE TABLE uploads (upload INTEGER PRIMARY KEY, added_at TEXT NOT NULL)",
        # One row per file of an upload: its neutral label and what became of its rows.
        "CREATE TABLE upload_files (id INTEGER PRIMARY KEY, upload INTEGER NOT NULL REFERENCES uploads, "
        "number INTEGER NOT NULL, label TEXT NOT NULL, format TEXT NOT NULL, usable INTEGER NOT NULL, "
        "rows_read INTEGER NOT NULL, rows_accepted INTEGER NOT NULL, rows_rejected INTEGER NOT NULL, "
        "rows_skipped INTEGER NOT NULL, rows_new INTEGER NOT NULL, rows_duplicate INTEGER NOT NULL, "
        "rows_conflict INTEGER NOT NULL)",
        # Days are counted from 1970-01-01. A member's observations are one block (BLOCK_COLUMNS):
        # one score per day and symptom, with the number of the file and the row it came from.
        "CREATE TABLE observation_blocks (member INTEGER PRIMARY KEY REFERENCES members, "
        "rows INTEGER NOT NULL, day_min INTEGER NOT NULL, day_max INTEGER NOT NULL, data BLOB NOT NULL)",
        "CREATE TABLE treatments (member INTEGER NOT NULL REFERENCES members, treatment TEXT NOT NULL, "
        "start INTEGER, end INTEGER, dose TEXT, file INTEGER NOT NULL REFERENCES upload_files, "
        "source_row INTEGER NOT NULL)",
        "CREATE TABLE events (member INTEGER NOT NULL REFERENCES members, day INTEGER, kind TEXT NOT NULL, "
        "detail TEXT, file INTEGER NOT NULL REFERENCES upload_files, source_row INTEGER NOT NULL)",
        "CREATE TABLE notes (member INTEGER NOT NULL REFERENCES members, day INTEGER, text TEXT NOT NULL, "
        "file INTEGER NOT NULL REFERENCES upload_files, source_row INTEGER NOT NULL)",
    ],
    [
        "CREATE TABLE meetings (day INTEGER PRIMARY KEY)",
    ],
    [
        # Readings folded into another file's of the same day by the daily rule, for the upload history.
        "ALTER TABLE upload_files ADD COLUMN rows_combined INTEGER NOT NULL DEFAULT 0",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)
# The tables that hold a member's rows, besides observation_blocks (forget_member empties them).
MEMBER_TABLES = ("treatments", "events", "notes")


class GroupFileError(Exception):
    """A group file could not be made, opened or changed; the message says why in plain words."""


@dataclass
class FileAdded:
    """What became of one file's observations in an add."""

    file: str  # the name the caller gave (kept in memory only, never in the group file)
    label: str  # the neutral label the group file knows it by
    rows_new: int = 0
    rows_duplicate: int = 0
    rows_conflict: int = 0
    rows_combined: int = 0  # readings folded into another file's of the same day (the daily rule)


@dataclass
class AddResult:
    """What an add did: observations new, already in the group (counted, not added twice), and
    conflicting (same member, day and symptom, another score), listed with both scores."""

    upload: int
    rows_new: int = 0
    rows_duplicate: int = 0
    rows_conflict: int = 0
    rows_combined: int = 0
    # member, date, item, group_score, new_score, file, kept ("group" or "new file")
    conflicts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {c: pd.Series(dtype=t) for c, t in CONFLICT_COLUMNS.items()}))
    files: list[FileAdded] = field(default_factory=list)

    def counts(self) -> dict:
        return {"rows_new": self.rows_new, "rows_duplicate": self.rows_duplicate,
                "rows_conflict": self.rows_conflict, "rows_combined": self.rows_combined}


CONFLICT_COLUMNS = {"member": "str", "date": "datetime64[ns]", "item": "str", "group_score": "float64",
                    "new_score": "float64", "file": "str", "kept": "str"}


# --- opening ------------------------------------------------------------------------------------------

def _quoted(passphrase: str) -> str:
    return "'" + passphrase.replace("'", "''") + "'"


def _connect(path: Path, passphrase: str):
    import sqlcipher3

    connection = sqlcipher3.connect(str(path), isolation_level=None)
    # A wrong passphrase is said in words by open(); SQLCipher would also log it to the terminal.
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(f"PRAGMA key = {_quoted(passphrase)}")
    # Nothing decrypted is ever written to a temporary file, and deleted rows are overwritten.
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("PRAGMA secure_delete = ON")
    return connection


def create(path: Path | str, passphrase: str, *, daily_rule: str = "max", min_group_size: int = 3,
           keep_notes: bool = False) -> None:
    """Makes a new, empty group file. Refuses to overwrite a file that exists."""
    path = Path(path)
    if path.exists():
        raise GroupFileError(f"{path.name} already exists; oms_dash does not overwrite it. "
                             "Choose another name, or add logs to it instead.")
    if daily_rule not in DAILY_RULES:
        raise GroupFileError(f"The daily rule must be one of {', '.join(DAILY_RULES)}.")
    if not passphrase:
        raise GroupFileError("A group file needs a passphrase.")
    connection = _connect(path, passphrase)
    try:
        _migrate(connection)
        settings = dict(DEFAULT_SETTINGS, daily_rule=daily_rule, min_group_size=int(min_group_size),
                        keep_notes=bool(keep_notes))
        with _transaction(connection):
            connection.executemany("INSERT OR REPLACE INTO settings VALUES (?, ?)",
                                   [(k, json.dumps(v)) for k, v in settings.items()])
    finally:
        connection.close()


def _open(path: Path | str, passphrase: str):
    """A connection to an existing group file, brought up to the current schema version."""
    import sqlcipher3

    path = Path(path)
    if not path.is_file():
        raise GroupFileError(f"There is no group file at {path}. Check the name, or make one first.")
    with path.open("rb") as head:
        if head.read(16) == b"SQLite format 3\x00":
            raise GroupFileError(f"{path.name} is not an oms_dash group file (it is not encrypted).")
    connection = _connect(path, passphrase)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        _migrate(connection)
    except sqlcipher3.DatabaseError:
        connection.close()
        raise GroupFileError(
            f"{path.name} could not be opened with this passphrase. Either the passphrase is not the "
            "one the group file was made with (check capital letters and spaces), or the file is not "
            "an oms_dash group file. A lost passphrase cannot be recovered.") from None
    return connection


class _transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: all of a change or none of it."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, kind, value, traceback):
        self.connection.execute("COMMIT" if kind is None else "ROLLBACK")
        return False


def schema_version(connection) -> int:
    has_table = connection.execute(
        "SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'").fetchone()[0]
    if not has_table:
        return 0
    return connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def _migrate(connection, up_to: int = SCHEMA_VERSION) -> None:
    found = schema_version(connection)
    if found > SCHEMA_VERSION:
        raise GroupFileError("This group file was made by a newer oms_dash; update oms_dash to open it.")
    for version in range(found + 1, up_to + 1):
        with _transaction(connection):
            for step in MIGRATIONS[version - 1]:
                connection.execute(step)
            connection.execute("INSERT INTO schema_version VALUES (?, ?)", (version, _now()))


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- days, codes --------------------------------------------------------------------------------------

def _days(dates: pd.Series) -> list:
    """Dates as whole days since 1970-01-01 (None where there is none)."""
    values = pd.to_datetime(dates).dt.floor("D")
    days = (values - pd.Timestamp(0)) // pd.Timedelta(days=1)
    return [None if pd.isna(d) else int(d) for d in days]


def _dates(days) -> pd.Series:
    return pd.Series(pd.to_datetime(pd.Series(days, dtype="float64"), unit="D")).astype("datetime64[ns]")


def _ids(connection, table: str, column: str, names) -> dict[str, int]:
    """The number of each name in a lookup table (members, items, scales), adding new ones."""
    names = sorted({str(n) for n in names})
    connection.executemany(f"INSERT OR IGNORE INTO {table} ({column}) VALUES (?)", [(n,) for n in names])
    found = dict(connection.execute(f"SELECT {column}, id FROM {table}").fetchall())
    return {n: found[n] for n in names}


def _settings(connection) -> dict:
    stored = {k: json.loads(v) for k, v in connection.execute("SELECT key, value FROM settings")}
    return dict(DEFAULT_SETTINGS, **stored)


def normalised_code(code: str) -> str:
    """A member code as the readers write it: ' f 01' and 'F01' are one member."""
    return "".join(str(code).split()).upper()


# --- reading ------------------------------------------------------------------------------------------

def settings(path: Path | str, passphrase: str) -> dict:
    with closing(_open(path, passphrase)) as connection:
        return _settings(connection)


def load(path: Path | str, passphrase: str) -> GroupData:
    """The group as the pages show it. Rows say where they came from by the file's neutral label."""
    return open_group(path, passphrase).group


@dataclass
class OpenedGroup:
    """What opening a group file for the pages gives, from one opening (the passphrase's key is
    slow to derive, on purpose): the group, its settings and its upload history (as ``summary``)."""

    group: GroupData
    settings: dict
    uploads: list[dict]


def open_group(path: Path | str, passphrase: str) -> OpenedGroup:
    with closing(_open(path, passphrase)) as connection:
        return OpenedGroup(_load(connection), _settings(connection), _uploads(connection))


def stricter_min_group_size(settings: dict, current: int) -> int:
    """The small-group size to hide figures by: the group's own, unless the one already set
    (`--min-group`) is stricter. Never lowered by a group file."""
    return max(int(settings.get("min_group_size", DEFAULT_SETTINGS["min_group_size"])), int(current))


def _lookup(connection, table: str, column: str) -> np.ndarray:
    """names[id] for a lookup table (ids start at 1; 0 and gaps are None)."""
    rows = connection.execute(f"SELECT id, {column} FROM {table}").fetchall()
    names = np.full(max((i for i, _ in rows), default=0) + 1, None, dtype=object)
    for i, name in rows:
        names[i] = name
    return names


def _load(connection) -> GroupData:
    members = _lookup(connection, "members", "code")
    labels = _lookup(connection, "upload_files", "label")
    group = GroupData()
    blocks = connection.execute("SELECT member, data FROM observation_blocks ORDER BY member").fetchall()
    if blocks:
        decoded = [_decoded(data) for _, data in blocks]
        member = np.concatenate([np.full(len(d["day"]), m, dtype=np.int64)
                                 for (m, _), d in zip(blocks, decoded, strict=True)])
        raw_value = np.concatenate([np.append(d["raw_names"].astype(object), None)[d["raw_code"]]
                                    for d in decoded])
        column = {c: np.concatenate([d[c] for d in decoded]) for c in _BLOCK_TYPES}
        items, scales = _lookup(connection, "items", "name"), _lookup(connection, "scales", "name")
        group.observations = pd.DataFrame({
            "member": pd.Series(members[member], dtype="str"),
            "date": (np.datetime64("1970-01-01", "D") + column["day"].astype("timedelta64[D]"))
                    .astype("datetime64[ns]"),
            "item": pd.Series(items[column["item"]], dtype="str"),
            "score": column["score"],
            "raw_value": pd.Series(raw_value, dtype="str"),
            "raw_scale": _categories(scales, column["scale"]),
            "source_file": _categories(labels, column["upload_file"]),
            "source_row": column["source_row"].astype("int64"),
        })[list(OBSERVATION_COLUMNS)]
    group.treatments = _table(connection, "SELECT member, treatment, start, end, dose, file, source_row "
                              "FROM treatments ORDER BY rowid", TREATMENT_COLUMNS, members, labels,
                              dates=("start", "end"))
    group.events = _table(connection, "SELECT member, day, kind, detail, file, source_row FROM events "
                          "ORDER BY rowid", EVENT_COLUMNS, members, labels, dates=("date",))
    group.notes = _table(connection, "SELECT member, day, text, file, source_row FROM notes ORDER BY rowid",
                         NOTE_COLUMNS, members, labels, dates=("date",))
    profile = connection.execute("SELECT code, age_band, sex, country FROM members "
                                 "WHERE age_band IS NOT NULL ORDER BY code").fetchall()
    if profile:
        group.profile = pd.DataFrame(profile, columns=["member", "age_band", "sex", "country"]).astype("str")
    group.onsets = {code: _dates([onset]).iloc[0] for code, onset in connection.execute(
        "SELECT code, onset FROM members WHERE onset IS NOT NULL ORDER BY code")}
    group.reports = [FileReport(file=label, format=fmt, usable=bool(usable), rows_read=read,
                                rows_accepted=accepted, rows_rejected=rejected, rows_skipped=skipped)
                     for label, fmt, usable, read, accepted, rejected, skipped in connection.execute(
                         "SELECT label, format, usable, rows_read, rows_accepted, rows_rejected, "
                         "rows_skipped FROM upload_files ORDER BY id")]
    group.meetings = _meetings(connection)
    return group


def _meetings(connection) -> tuple[dt.date, ...]:
    return tuple(_DAY_ZERO + dt.timedelta(days=d)
                 for (d,) in connection.execute("SELECT day FROM meetings ORDER BY day"))


def _categories(names: np.ndarray, ids: np.ndarray) -> pd.Categorical:
    """A provenance column (scale, file label) as categories, from the numbers stored per row."""
    used = np.unique(ids)
    codes = np.searchsorted(used, ids)
    categories = pd.Index([str(names[i]) if names[i] is not None else "" for i in used], dtype="str")
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def _table(connection, query: str, columns: tuple[str, ...], members, labels, dates=()) -> pd.DataFrame:
    rows = connection.execute(query).fetchall()
    if not rows:
        return empty_table(columns)
    frame = pd.DataFrame(rows, columns=list(columns))
    frame["member"] = pd.Series(members[frame["member"].to_numpy(dtype=np.int64)], dtype="str")
    frame["source_file"] = pd.Series(labels[frame["source_file"].to_numpy(dtype=np.int64)], dtype="str")
    for column in dates:
        frame[column] = _dates(frame[column])
    for column in columns:
        if column not in dates and column not in ("source_row",) and frame[column].dtype == object:
            frame[column] = frame[column].astype("str")
    frame["source_row"] = frame["source_row"].astype("int64")
    return frame


def summary(path: Path | str, passphrase: str) -> dict:
    """What `oms-dash group show` prints: counts, dates, the upload history and the meetings."""
    connection = _open(path, passphrase)
    try:
        members, observations, day_min, day_max = connection.execute(
            "SELECT (SELECT count(*) FROM members), coalesce(sum(rows), 0), min(day_min), max(day_max) "
            "FROM observation_blocks").fetchone()
        uploads = _uploads(connection)
        meetings = [d.isoformat() for d in _meetings(connection)]
        return {"members": members, "observations": observations, "date_min": _day_text(day_min),
                "date_max": _day_text(day_max), "uploads": uploads, "meetings": meetings}
    finally:
        connection.close()


_DAY_ZERO = dt.date(1970, 1, 1)  # stored days are counted from it


def _uploads(connection) -> list[dict]:
    """The upload history: per upload, when, how many files, and what became of their rows."""
    return [dict(zip(("upload", "added_at", "files", "rows_read", "rows_rejected", "rows_new",
                      "rows_duplicate", "rows_conflict", "rows_combined"), row, strict=True))
            for row in connection.execute(
                "SELECT u.upload, u.added_at, count(f.id), sum(f.rows_read), sum(f.rows_rejected), "
                "sum(f.rows_new), sum(f.rows_duplicate), sum(f.rows_conflict), sum(f.rows_combined) "
                "FROM uploads u JOIN upload_files f ON f.upload = u.upload GROUP BY u.upload "
                "ORDER BY u.upload")]


def _day_text(day: int | None) -> str | None:
    return None if day is None else (_DAY_ZERO + dt.timedelta(days=day)).isoformat()


# --- adding -------------------------------------------------------------------------------------------

def add(path: Path | str, passphrase: str, new, take_new_from: Collection[str] = ()) -> AddResult:
    """Adds a month's logs (a GroupData, or the FileResults of ingest.read_file) as one upload.

    An observation already in the group with the same score is counted, not added twice; one with
    another score is a conflict: the group's score is kept unless its file is in `take_new_from`.
    Treatments, events and notes already in the group are not added twice. All in one transaction.
    The files of one add are first merged as the Upload page merges them (readings of one symptom
    on one day in two files combined by the group's daily rule), so the group shows what an upload
    of the same files shows; each file's readings folded into another's are counted as combined.
    """
    connection = _open(path, passphrase)
    try:
        with _transaction(connection):
            group, combined = _merged(new, _settings(connection)["daily_rule"])
            return _add(connection, group, set(take_new_from), combined)
    finally:
        connection.close()


def _merged(new, daily_rule: str) -> tuple[GroupData, dict[str, int]]:
    """One group from what is added, and per file how many readings were combined into another's."""
    if isinstance(new, GroupData):
        return new, {}
    from oms_dash.ingest import merge

    results = list(new)
    group = merge(results, daily_rule)
    kept = group.observations["source_file"].astype(str).value_counts()
    return group, {r.report.file: len(r.tables.observations) - int(kept.get(r.report.file, 0))
                   for r in results if r.tables is not None}


def _add(connection, group: GroupData, take_new_from: set[str], combined: dict[str, int]) -> AddResult:
    settings = _settings(connection)
    merged = {normalised_code(k): normalised_code(v) for k, v in settings["merged_codes"].items()}
    upload = connection.execute("INSERT INTO uploads (added_at) VALUES (?)", (_now(),)).lastrowid
    result = AddResult(upload=upload, rows_combined=sum(combined.values()))
    file_ids: dict[str, tuple[FileAdded, int]] = {}

    def record(report: FileReport) -> None:
        added = FileAdded(report.file, f"upload {upload}, file {len(result.files) + 1}",
                          rows_combined=combined.get(report.file, 0))
        result.files.append(added)
        file_ids[report.file] = (added, connection.execute(
            "INSERT INTO upload_files (upload, number, label, format, usable, rows_read, rows_accepted, "
            "rows_rejected, rows_skipped, rows_new, rows_duplicate, rows_conflict) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
            (upload, len(result.files), added.label, report.format, int(report.usable), report.rows_read,
             report.rows_accepted, report.rows_rejected, report.rows_skipped)).lastrowid)

    def file_of(names: pd.Series) -> np.ndarray:
        """The upload_files number of each row's file (worked out per distinct file name)."""
        distinct = [str(n) for n in pd.unique(names)]
        for name in sorted(set(distinct) - set(file_ids)):  # a GroupData made without its reports
            record(FileReport(file=name, format="", usable=True))
        return names.astype(str).map({n: file_ids[n][1] for n in distinct}).to_numpy(dtype=np.int64)

    def members_of(codes: pd.Series) -> pd.Series:
        codes = codes.astype(str)
        return codes.replace(merged) if merged else codes

    for report in group.reports:
        record(report)
    _add_tables(connection, group, settings["keep_notes"], members_of, file_of, file_ids, take_new_from,
                result)
    for added, file_id in file_ids.values():
        connection.execute(
            "UPDATE upload_files SET rows_new = ?, rows_duplicate = ?, rows_conflict = ?, rows_combined = ? "
            "WHERE id = ?", (added.rows_new, added.rows_duplicate, added.rows_conflict, added.rows_combined,
                             file_id))
    return result


def _add_tables(connection, group: GroupData, keep_notes: bool, members_of, file_of, file_ids,
                take_new_from, result: AddResult) -> None:
    """The rows of every table, under the member codes the group uses."""
    tables = {"observations": group.observations, "treatments": group.treatments, "events": group.events}
    if keep_notes:
        tables["notes"] = group.notes
    codes = set()
    for table in tables.values():
        codes.update(members_of(table["member"]).unique())
    profile = group.profile.assign(member=members_of(group.profile["member"]))
    onsets = dict(zip(members_of(pd.Series(list(group.onsets), dtype="str")), group.onsets.values(),
                      strict=True))
    member_ids = _ids(connection, "members", "code", codes | set(profile["member"]) | set(onsets))
    _add_profile(connection, profile, onsets, member_ids)

    _add_observations(connection, group.observations.assign(member=members_of(group.observations["member"])),
                      member_ids, file_of, file_ids, take_new_from, result)
    for name, table in tables.items():
        if name != "observations" and len(table):
            _add_rows(connection, name, table.assign(member=members_of(table["member"])), member_ids, file_of)


def _add_profile(connection, profile: pd.DataFrame, onsets: dict, member_ids: dict[str, int]) -> None:
    """A member's age band, sex and country, and onset, as the group first had them."""
    connection.executemany(
        "UPDATE members SET age_band = ?, sex = ?, country = ? WHERE id = ? AND age_band IS NULL",
        [(str(r.age_band), str(r.sex), str(r.country), member_ids[r.member])
         for r in profile.itertuples(index=False)])
    connection.executemany("UPDATE members SET onset = ? WHERE id = ? AND onset IS NULL",
                           [(_days(pd.Series([d]))[0], member_ids[m]) for m, d in onsets.items()
                            if not pd.isna(d)])


def _add_observations(connection, obs: pd.DataFrame, member_ids, file_of, file_ids, take_new_from,
                      result: AddResult) -> None:
    if obs.empty:
        return
    obs = obs.assign(item=_group_spelling(connection, obs["item"].astype(str)))
    item_ids = _ids(connection, "items", "name", obs["item"].unique())
    scale_ids = _ids(connection, "scales", "name", obs["raw_scale"].dropna().astype(str).unique())
    files = obs["source_file"].astype(str).to_numpy()
    new = pd.DataFrame({
        "member_id": obs["member"].map(member_ids).to_numpy(dtype=np.int64),
        "day": ((obs["date"].dt.floor("D") - pd.Timestamp(0)) // pd.Timedelta(days=1)).to_numpy(np.int64),
        "item": obs["item"].astype(str).map(item_ids).to_numpy(dtype=np.int64),
        "score": obs["score"].to_numpy(dtype=np.float64),
        "raw_value": obs["raw_value"].astype(object).where(obs["raw_value"].notna(), None).to_numpy(),
        "scale": obs["raw_scale"].astype(object).map(scale_ids).fillna(0).to_numpy(dtype=np.int64),
        "upload_file": file_of(obs["source_file"]),
        "source_row": obs["source_row"].to_numpy(dtype=np.int64),
    })
    found = np.full(len(new), np.nan)
    take_files = pd.Series(files).isin(take_new_from).to_numpy()
    for member_id, part in new.groupby("member_id", sort=False):
        positions = part.index.to_numpy()
        held = _read_block(connection, int(member_id))
        held_key, part_key = _day_item(held), _day_item(part)
        at = np.minimum(np.searchsorted(held_key, part_key), max(len(held_key) - 1, 0))
        in_group = held_key[at] == part_key if len(held_key) else np.zeros(len(part), dtype=bool)
        found[positions[in_group]] = held["score"][at[in_group]]
        same = in_group & (np.round(found[positions], SCORE_DECIMALS)
                           == np.round(part["score"].to_numpy(), SCORE_DECIMALS))
        written = ~in_group | (in_group & ~same & take_files[positions])
        if written.any():
            kept = ~np.isin(held_key, part_key[written])
            _write_block(connection, int(member_id), {
                c: np.concatenate([held[c][kept], part[c].to_numpy()[written]]) for c in BLOCK_COLUMNS})
    in_group = ~np.isnan(found)
    same = in_group & (np.round(found, SCORE_DECIMALS) == np.round(new["score"].to_numpy(), SCORE_DECIMALS))
    conflict = in_group & ~same
    take = conflict & take_files
    file_codes, file_names = pd.factorize(files)
    for counted, mask in (("rows_new", ~in_group), ("rows_duplicate", same), ("rows_conflict", conflict)):
        for name, n in zip(file_names, np.bincount(file_codes, weights=mask, minlength=len(file_names)),
                           strict=True):
            added = file_ids[name][0]
            setattr(added, counted, getattr(added, counted) + int(n))
    result.rows_new += int((~in_group).sum())
    result.rows_duplicate += int(same.sum())
    result.rows_conflict += int(conflict.sum())
    if conflict.any():
        found_here = pd.DataFrame({
            "member": pd.Series(obs["member"].to_numpy()[conflict], dtype="str"),
            "date": obs["date"].to_numpy()[conflict],
            "item": pd.Series(obs["item"].to_numpy()[conflict], dtype="str"),
            "group_score": found[conflict], "new_score": new["score"].to_numpy()[conflict],
            "file": pd.Series(files[conflict], dtype="str"),
            "kept": pd.Series(np.where(take[conflict], "new file", "group"), dtype="str"),
        })
        result.conflicts = pd.concat([result.conflicts, found_here], ignore_index=True) \
            if len(result.conflicts) else found_here


# A member's observations, stored as one compressed block of columns (numbers into the lookup
# tables; raw values as codes into the block's own distinct values): opening a group then reads a
# few blobs instead of a million rows, and the file is about the size of the same data gzipped.
BLOCK_COLUMNS = ("day", "item", "score", "raw_value", "scale", "upload_file", "source_row")
_BLOCK_TYPES = {"day": np.int32, "item": np.int32, "score": np.float64, "scale": np.int32,
                "upload_file": np.int32, "source_row": np.int64}


def _day_item(block) -> np.ndarray:
    """One number per (day, symptom): the order a block is kept in, and the key it is searched by."""
    return np.asarray(block["day"], dtype=np.int64) * (1 << 24) + np.asarray(block["item"], dtype=np.int64)


def _write_block(connection, member_id: int, block: dict[str, np.ndarray]) -> None:
    order = np.argsort(_day_item(block), kind="stable")
    block = {c: values[order] for c, values in block.items()}
    raw_codes, raw_names = pd.factorize(block["raw_value"], use_na_sentinel=True)
    buffer = io.BytesIO()
    np.savez(buffer, raw_code=raw_codes.astype(np.int32),
             raw_names=np.asarray([str(n) for n in raw_names], dtype=str),
             **{c: block[c].astype(t) for c, t in _BLOCK_TYPES.items()})
    # zlib's fastest level: adding a month rewrites every block it touches (level 6 took 5x as
    # long for a block a seventh smaller).
    connection.execute("INSERT OR REPLACE INTO observation_blocks VALUES (?, ?, ?, ?, ?)",
                       (member_id, len(order), int(block["day"].min()), int(block["day"].max()),
                        zlib.compress(buffer.getvalue(), 1)))


def _decoded(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(zlib.decompress(data)), allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def _read_block(connection, member_id: int) -> dict[str, np.ndarray]:
    """A member's block of observations, sorted by day and symptom (empty if they have none)."""
    found = connection.execute("SELECT data FROM observation_blocks WHERE member = ?",
                               (member_id,)).fetchone()
    if found is None:
        return {c: np.zeros(0, dtype=_BLOCK_TYPES.get(c, object)) for c in BLOCK_COLUMNS}
    arrays = _decoded(found[0])
    names = np.append(arrays["raw_names"].astype(object), None)  # code -1: no raw value
    return {**{c: arrays[c] for c in _BLOCK_TYPES}, "raw_value": names[arrays["raw_code"]]}


def _group_spelling(connection, items: pd.Series) -> pd.Series:
    """Custom symptoms spelled as the group first had them ("irritabilite" joins "irritabilité")."""
    known = {normalise_text(name): name for (name,) in connection.execute("SELECT name FROM items")
             if name not in ITEMS_BY_ID}
    respelled = {i: known[normalise_text(i)] for i in items.unique() if i not in ITEMS_BY_ID
                 and known.get(normalise_text(i), i) != i}
    return items.replace(respelled) if respelled else items


_ROWS = {  # table -> (its columns in the group file, its date columns in GroupData)
    "treatments": (("member", "treatment", "start", "end", "dose"), ("start", "end")),
    "events": (("member", "day", "kind", "detail"), ("date",)),
    "notes": (("member", "day", "text"), ("date",)),
}


def _add_rows(connection, table: str, frame: pd.DataFrame, member_ids, file_of) -> None:
    """Treatment courses, events or notes, each added unless the group holds the same one already."""
    stored, dates = _ROWS[table]
    source = [c for c in frame.columns if c not in ("source_file", "source_row")]
    values = {c: (_days(frame[c]) if c in dates else
                  [None if pd.isna(v) else str(v) for v in frame[c]]) for c in source}
    values["member"] = [member_ids[m] for m in frame["member"]]
    held = set(connection.execute(f"SELECT {', '.join(stored)} FROM {table}").fetchall())
    files = file_of(frame["source_file"].astype(str))
    rows = []
    for i, key in enumerate(zip(*(values[c] for c in source), strict=True)):
        if key not in held:
            held.add(key)
            rows.append((*key, int(files[i]), int(frame["source_row"].iloc[i])))
    marks = ", ".join("?" * (len(stored) + 2))
    connection.executemany(
        f"INSERT INTO {table} ({', '.join(stored)}, file, source_row) VALUES ({marks})", rows)


# --- changing -----------------------------------------------------------------------------------------

def forget_member(path: Path | str, passphrase: str, code: str) -> int:
    """Deletes every row of one member, for good (the file is then vacuumed); returns how many."""
    connection = _open(path, passphrase)
    try:
        code = normalised_code(code)
        found = connection.execute("SELECT id FROM members WHERE code = ?", (code,)).fetchone()
        if found is None:
            raise GroupFileError(f"There is no member {code} in this group file.")
        deleted = connection.execute("SELECT coalesce(sum(rows), 0) FROM observation_blocks WHERE member = ?",
                                     found).fetchone()[0]
        with _transaction(connection):
            for table in MEMBER_TABLES:
                deleted += connection.execute(f"DELETE FROM {table} WHERE member = ?", found).rowcount
            connection.execute("DELETE FROM observation_blocks WHERE member = ?", found)
            connection.execute("DELETE FROM members WHERE id = ?", found)
            merged = _settings(connection)["merged_codes"]
            kept = {k: v for k, v in merged.items() if code not in (normalised_code(k), normalised_code(v))}
            connection.execute("INSERT OR REPLACE INTO settings VALUES ('merged_codes', ?)",
                               (json.dumps(kept),))
        connection.execute("VACUUM")  # the freed pages go: nothing of the member is left in the file
        return deleted
    finally:
        connection.close()


def change_passphrase(path: Path | str, passphrase: str, new_passphrase: str) -> None:
    """Re-encrypts the whole file under a new passphrase (for a new coordinator)."""
    if not new_passphrase:
        raise GroupFileError("The new passphrase is empty.")
    connection = _open(path, passphrase)
    try:
        connection.execute(f"PRAGMA rekey = {_quoted(new_passphrase)}")
    finally:
        connection.close()


def mark_meeting(path: Path | str, passphrase: str, day: dt.date | None = None) -> tuple[dt.date, ...]:
    """Records a meeting date (today by default), for "since the last meeting"; returns every
    meeting date of the group, oldest first (a date marked twice is kept once)."""
    day = day or dt.date.today()
    with closing(_open(path, passphrase)) as connection:
        with _transaction(connection):
            connection.execute("INSERT OR IGNORE INTO meetings VALUES (?)", ((day - _DAY_ZERO).days,))
        return _meetings(connection)


def update_settings(path: Path | str, passphrase: str, **values) -> None:
    """Changes the group's settings (daily_rule, min_group_size, keep_notes, merged_codes)."""
    unknown = sorted(set(values) - set(DEFAULT_SETTINGS))
    if unknown:
        raise GroupFileError(f"Unknown group setting: {', '.join(unknown)}.")
    if values.get("daily_rule", "max") not in DAILY_RULES:
        raise GroupFileError(f"The daily rule must be one of {', '.join(DAILY_RULES)}.")
    connection = _open(path, passphrase)
    try:
        with _transaction(connection):
            connection.executemany("INSERT OR REPLACE INTO settings VALUES (?, ?)",
                                   [(k, json.dumps(v)) for k, v in values.items()])
    finally:
        connection.close()

"""Recognise what kind of log a raw table is, and lay it out as the one canonical shape.

Each adapter turns a RawTable into a Canonical: one line per data record (member and date text)
and, beside it, the score cells, events, treatments and notes that record carries, each tied back
to its record. Validation (validation.py) then parses and accounts for all of them the same way.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from oms_dash.codes import factorize_text, stacked_text
from oms_dash.model import Problem
from oms_dash.privacy import is_quasi_identifier
from oms_dash.readers import RawTable
from oms_dash.schema import (
    MITCHELL_PIKE_ITEMS,
    SEVERITY_WORDS,
    custom_item_id,
    is_event_heading,
    match_event,
    match_item,
    normalise_text,
)
from oms_dash.scores import DEFAULT_SCALE, scale_from_header

FLAREDOWN_SCALE = (0.0, 4.0)
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "member": ("member", "member code", "member id", "code", "child code", "family code",
               "participant", "participant id", "participant code", "patient id", "patient code",
               "study id", "id", "record id", "user id", "child id", "family id", "family"),
    "date": ("date", "day", "diary date", "date of symptoms", "observation date", "checkin date",
             "date/time", "datetime", "when", "date of diary", "date of entry", "timestamp",
             "week", "week of", "week starting", "week beginning", "week commencing", "week ending",
             "week start", "date of week", "visit date", "assessment date", *(
                 # Google Forms' first column in other languages.
                 "zeitstempel", "horodateur", "marca temporal", "tijdstempel",
                 "informazioni cronologiche", "carimbo de data/hora")),
    "symptom": ("symptom", "symptoms", "item", "sign", "symptom name", "trackable name", "what"),
    "severity": ("severity", "score", "rating", "value", "level", "intensity", "grade",
                 "severity 0-3", "trackable value"),
    "treatment": ("treatment", "treatments", "medication", "medications", "medicine", "medicines",
                  "meds", "drug", "drugs", "therapy"),
    "event": ("event", "events", "trigger", "triggers", "illness", "what happened", "life event"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "remark", "free text", "other notes",
              "anything else"),
    "total": ("total", "mp total", "mitchell-pike total", "mitchell pike total", "total score",
              "sum", "oms total", "total 0-18"),
    "start": ("start", "start date", "from", "started", "begin", "began", "date started"),
    "end": ("end", "end date", "to", "until", "stop", "stop date", "stopped", "finished",
            "date stopped"),
    "dose": ("dose", "dosage", "amount"),
    "onset": ("onset", "onset date", "date of onset", "first symptoms"),
}
_CONTAINS = {"member": ("member", "participant", "code"), "date": ("date",), "notes": ("note", "comment"),
             "total": ("total",), "onset": ("onset",)}
# Format names as the reports show them to people.
FORMAT_LONG = "long diary (one symptom per row)"
FORMAT_WIDE = "wide diary (one column per symptom)"
FORMAT_GOOGLE_FORMS = "Google Forms responses"
FORMAT_FLAREDOWN_LONG = "Flaredown research export"
FORMAT_FLAREDOWN_PERSONAL = "Flaredown personal download"
FORMAT_BEARABLE = "Bearable export"
FORMAT_COURSES = "treatment courses"
FORMAT_MEMBERS = "member list (onset dates)"
FORMAT_MITCHELL_PIKE = "Mitchell-Pike weekly scores"
FORMAT_UNKNOWN = "not recognised"
SCALE_TEXT = re.compile(r"\(?\b\d{1,3}\s*(?:-|–|to)\s*\d{1,3}\b\)?")


@lru_cache(maxsize=8192)  # asked of every heading for each of 12 roles: 1,000 columns, 0.15 s
def header_key(header: str) -> str:
    """A header reduced for role matching: no scale text, no brackets, normalised words."""
    return normalise_text(SCALE_TEXT.sub(" ", str(header)))


_KNOWN_HEADER_WORDS = frozenset(w for words in ROLE_WORDS.values() for w in words) | {
    "user id", "checkin date", "trackable type", "trackable name", "trackable value", "category",
    "rating/amount", "detail", "weekday", "time of day", "tags", "foods"}


_FORM_TIMESTAMPS = frozenset({"timestamp", "zeitstempel", "horodateur", "marca temporal", "tijdstempel",
                              "informazioni cronologiche", "carimbo de data/hora"})


def is_known_header(key: str) -> bool:
    """Whether a header (already through header_key) names a column oms_dash knows."""
    return key in _KNOWN_HEADER_WORDS or match_item(key, exact_only=True) is not None


# Headers that hold amounts, not severities: "Sleep (hours)", "Number of jerks", "Weight (kg)".
_AMOUNT_HEADER = re.compile(r"\b(hours?|hrs?|minutes?|mins?|mg|ml|kg|lbs?|grams?|number of|how many|"
                            r"count|times|temperature|temp|weight|height|bpm|percent|per cent)\b")


def find_role(headers: list[str], role: str, exclude: set[str] = frozenset()) -> str | None:
    keys = {h: header_key(h) for h in headers if h not in exclude}
    words = set(ROLE_WORDS[role])
    for h, k in keys.items():
        if k in words:
            return h
    for h, k in keys.items():
        if any(re.search(rf"\b{w}\b", k) for w in _CONTAINS.get(role, ())):
            return h
    return None


# More columns than this with the same note get one note for them all, naming the first few.
MAX_COLUMN_NOTES = 20
COLUMNS_NAMED = 5


@dataclass
class Canonical:
    """records: ``Records``. cells: record, column, item, value, lo, hi.
    events/treatments/notes: record + text columns. skipped: record -> reason (not symptom data).
    courses (treatment files): ``Courses``. onsets: record, onset."""

    format: str
    records: Records
    cells: pd.DataFrame
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["record", "text", "column"]))
    treatments: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["record", "text", "dose"]))
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["record", "text"]))
    skipped: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    courses: Courses | None = None
    onsets: pd.DataFrame | None = None
    totals: pd.DataFrame | None = None  # record, column, value: stated Mitchell-Pike totals
    file: str = ""  # the file's name, as the notes below give it
    messages: list[Problem] = field(default_factory=list)  # file-level notes on how it was read
    day_rule_applies: bool = False
    # The (role, column) pairs the columns were read as: what the column-mapping form starts from.
    read_as: tuple[tuple[str, str], ...] = ()

    def note(self, code: str, column: str | None, message: str) -> None:
        """A note on how the file was read (problems.CATALOGUE: `code`), for its report."""
        self.messages.append(Problem(file=self.file, column=column, severity="info",
                                     code=code, message=message))

    def note_columns(self, code: str, columns: list[str], one: str, many: str) -> None:
        """The same note on each of ``columns`` (``one``, with {column}); past MAX_COLUMN_NOTES of
        them, one note for all (``many``, with {n} and {columns}: how many, and the first few
        named), so that a thousand columns do not bury the notes that matter."""
        if len(columns) <= MAX_COLUMN_NOTES:
            for column in columns:
                self.note(code, column, one.format(column=column))
            return
        named = ", ".join(f"'{c}'" for c in columns[:COLUMNS_NAMED])
        rest = len(columns) - COLUMNS_NAMED
        self.note(code, None, many.format(n=f"{len(columns):,}", columns=f"{named} and {rest:,} more"))


class NeedsMapping(Exception):
    """The columns could not be recognised; the page offers a column-mapping form instead."""

    def __init__(self, message: str, headers: list[str]):
        super().__init__(message)
        self.message = message
        self.headers = headers


def _column(values: pd.Series) -> pd.Series:
    """A column of raw.cells, renumbered 0..n-1 without copying its strings."""
    return values.reset_index(drop=True).rename(None)


def repeat_text(text: str, n: int) -> pd.Series:
    """`text` n times as a "str" column."""
    return pd.Series([str(text)] * n, dtype="str")


def one_value(text: str, n: int) -> pd.Categorical:
    """`text` n times as a category (a one-byte code per cell): a cell table's column when every
    cell comes from one column, an observation's file when all come from one file."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([text], dtype="str"))


@lru_cache(maxsize=1)
def positions(n: int) -> np.ndarray:
    """0, 1, ... n-1, read-only, made once for a table of n records and shared by its records, its
    cells and validation (a million records: 8 MB written once instead of three times)."""
    numbers = np.arange(n)
    numbers.setflags(write=False)
    return numbers


def every_position(numbers: np.ndarray, n: int) -> bool:
    """Whether `numbers` is 0, 1, ... n-1."""
    return len(numbers) == n and bool(np.array_equal(numbers, positions(n)))


@dataclass(frozen=True, eq=False)
class Records:
    """One line per data record (``table``: record, row, member, date, as text) and the columns its
    member codes and dates were read from, for a rejected row to name (member_column is None when
    every record got one code, e.g. from the file name)."""

    table: pd.DataFrame
    member_column: str | None
    date_column: str | None


@dataclass(frozen=True, eq=False)
class Courses:
    """A treatment file's courses (``table``: record, treatment, end, dose) and the columns the
    treatment and the end were read from, for a rejected row to name."""

    table: pd.DataFrame
    treatment_column: str
    end_column: str


def _records(raw: RawTable, member: pd.Series | str, date: pd.Series) -> Records:
    n = len(raw.cells)
    member_values = _column(member) if isinstance(member, pd.Series) else repeat_text(member, n)
    records = pd.DataFrame({"record": positions(n), "row": raw.rows,
                            "member": member_values, "date": _column(date)}, copy=False)
    return Records(records, member.name if isinstance(member, pd.Series) else None, date.name)


def _distinct(raw: RawTable, column: str) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct values) of one column, from the ingest's shared hashing when it has it."""
    values = raw.cells[column]
    shared = raw.column_codes if raw.column_codes is not None and values.dtype == "str" else None
    codes, uniques = (shared or factorize_text)(values)
    return np.asarray(codes), pd.Series(uniques).reset_index(drop=True)


def _text_cells(raw: RawTable, column: str | None) -> pd.DataFrame:
    if column is None:
        return pd.DataFrame(columns=["record", "text"])
    # Each distinct note is stripped once; the cells left blank are not kept.
    codes, uniques = _distinct(raw, column)
    stripped = uniques.str.strip()
    filled = np.flatnonzero((stripped != "").to_numpy()[codes])
    return pd.DataFrame({"record": filled, "text": stripped.take(codes[filled]).reset_index(drop=True)})


def _event_cells(raw: RawTable, columns: list[str]) -> pd.DataFrame:
    """The filled cells of the event columns, each with its column (its heading can tell the kind
    of a "yes"); which answers are events is decided in validation (schema.classify_event)."""
    parts = [_text_cells(raw, column).assign(column=column) for column in columns]
    parts = [p for p in parts if len(p)]
    return (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame(columns=["record", "text", "column"]))


def _event_columns(raw: RawTable, candidates, named: str | None) -> list[str]:
    """The columns read as events: the one named like an event column ('Events', 'Illness'), and
    every column whose heading asks about illness, fever, vaccination or a taper in one of the five
    languages (schema.EVENT_HEADING_WORDS), unless it is a symptom scored 0-3 ('Being sick 0-3')."""
    events = [c for c in candidates if c == named or is_event_heading(c)]
    scored = _score_columns(raw, [c for c in events if c != named and match_item(c)])
    return [c for c in events if c not in scored]


def _note_notes_column(canon: Canonical, column: str | None) -> None:
    if column is None or not len(canon.notes):
        return
    canon.note("notes_column", column, f"Column '{column}' was kept as notes only: free text is never "
               "drawn in charts or reports (Member view shows it when asked). A note is not read as "
               "a score or an event.")


def _wide_cells(raw: RawTable, item_columns: dict[str, str], scales: dict[str, tuple]) -> pd.DataFrame:
    """Melts item columns into one cell per (record, column); blank cells are kept for accounting."""
    if not item_columns:
        return pd.DataFrame(columns=["record", "column", "item", "value", "lo", "hi"])
    n, k = len(raw.cells), len(item_columns)
    columns = list(item_columns)
    # Column and item repeat within each block: categories keep them cheap to filter and copy.
    which = np.repeat(np.arange(k), n)
    items = list(item_columns.values())
    item_codes, item_uniques = pd.factorize(pd.Series(items, dtype=object))
    lo = np.array([scales.get(c, DEFAULT_SCALE)[0] for c in columns], dtype=np.float64)
    hi = np.array([scales.get(c, DEFAULT_SCALE)[1] for c in columns], dtype=np.float64)
    pieces = [raw.cells[c] for c in columns]
    # The ingest's hashing knows each column: the joined cells' codes are made from theirs.
    values = (raw.column_codes.concatenated(pieces) if hasattr(raw.column_codes, "concatenated")
              else stacked_text(pieces))
    if values is None:
        values = pd.concat([_column(p) for p in pieces], ignore_index=True)
    return pd.DataFrame({  # every column is a new array: no need for the frame to copy them
        "record": np.tile(np.arange(n), k),
        "column": pd.Categorical.from_codes(which, categories=pd.Index(columns, dtype=object)),
        "item": pd.Categorical.from_codes(item_codes[which],
                                          categories=pd.Index(list(item_uniques), dtype=object)),
        "value": values, "lo": lo[which], "hi": hi[which]}, copy=False)


# Scores are judged on the first SCORE_SAMPLE filled cells among a column's first SCORE_HEAD.
SCORE_HEAD, SCORE_SAMPLE = 5000, 200
_YES_WORDS = ["yes", "y", "true", "false"]
_SCORE_WORDS = [w for w in SEVERITY_WORDS if w != "no"]


@dataclass(frozen=True)
class _Heads:
    """The first SCORE_HEAD cells of many columns, one after another (``cells``, as written), with
    each cell's column (``which``: 0.. in the order asked). The judges of many columns read them
    at once, so that pandas' cost per call (~1 ms) is paid once, not once per column: on a 5-row
    file of 1,000 columns, 4.5 s of judging became ~0.05 s."""

    cells: pd.Series
    which: np.ndarray
    count: int

    @classmethod
    def of(cls, raw: RawTable, columns: list[str]) -> _Heads:
        n = min(len(raw.cells), SCORE_HEAD)
        parts = [raw.cells[c] for c in columns]
        cells = stacked_text(parts, n)
        if cells is None:
            cells = pd.concat([_column(p.iloc[:n]) for p in parts], ignore_index=True)
        return cls(cells, np.repeat(np.arange(len(columns)), n), len(columns))


def _columns_of_scores(heads: _Heads, asked: np.ndarray) -> np.ndarray:
    """Per column ``asked`` (a mask over the columns; False for the others), whether it looks like
    scores: mostly numbers from 0 to 10 or severity words (none, mild...) among its first
    SCORE_SAMPLE filled cells, and no yes/no answer (a question, not a severity). All columns at
    once; tests/test_many_columns.py checks it against the same judge written column by column."""
    if not asked.any():
        return np.zeros(heads.count, dtype=bool)
    cells = heads.cells.iloc[np.flatnonzero(asked[heads.which])].reset_index(drop=True).str.strip()
    which = heads.which[asked[heads.which]]
    filled = np.flatnonzero((cells != "").to_numpy())
    # Each filled cell's place among its column's: the first SCORE_SAMPLE of each are judged.
    starts = np.searchsorted(which[filled], np.arange(heads.count))
    kept = filled[np.arange(len(filled)) - starts[which[filled]] < SCORE_SAMPLE]
    which, sample = which[kept], cells.iloc[kept].reset_index(drop=True)
    lower = sample.str.lower()
    numeric = pd.to_numeric(sample.str.replace(",", ".", regex=False), errors="coerce")
    score = (numeric.between(0, 10) | lower.isin(_SCORE_WORDS)).to_numpy()
    checked = np.bincount(which, minlength=heads.count)
    yes = np.bincount(which, weights=lower.isin(_YES_WORDS).to_numpy(), minlength=heads.count)
    scores = np.bincount(which, weights=score, minlength=heads.count)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (checked > 0) & (yes == 0) & (scores / checked >= 0.8)


def _score_columns(raw: RawTable, columns: list[str]) -> set[str]:
    """Those of ``columns`` that look like scores (_columns_of_scores)."""
    if not columns:
        return set()
    heads = _Heads.of(raw, columns)
    judged = _columns_of_scores(heads, np.ones(heads.count, dtype=bool))
    return {c for c, is_score in zip(columns, judged, strict=True) if is_score}


def _may_be_yes_no(heads: _Heads) -> np.ndarray:
    """Per column, False when one of its first cells is an answer other than yes/no (then
    is_yes_no is False: most columns are told so without hashing all their cells); True when
    is_yes_no must read the whole column."""
    codes, uniques = factorize_text(heads.cells)
    codes = np.asarray(codes)
    answer = np.array([isinstance(v, str) and v.strip().lower() in _YES_NO | {""} for v in uniques],
                      dtype=bool)
    return np.bincount(heads.which, weights=~answer[codes], minlength=heads.count) == 0


# Words app exports and people put in file names, that are not a member code.
_FILE_NAME_WORDS = re.compile(
    r"(?<![a-z0-9])(bearable|flaredown|exports?|exported|downloads?|my|data|diary|diaries|logs?|"
    r"symptoms?|tracker|tracking|personal|backup|copy|final|new|file|csv|tsv|txt|xlsx|excel|"
    r"responses?|form|sheet\d*)(?![a-z0-9])", re.I)
_FILE_NAME_DATES = re.compile(
    r"(?<!\d)(\d{4}[-_.]\d{1,2}(?:[-_.]\d{1,2})?|\d{1,2}[-_.]\d{1,2}[-_.]\d{2,4}|(?:19|20)\d{6}|"
    r"(?:19|20)\d{2})(?!\d)|\(\d+\)")  # "(1)": a browser's second copy
_MEMBER_CODE = re.compile(r"^[A-Za-z]{1,3}[-_]?\d{1,4}$")


_YES_NO = frozenset({"yes", "no", "y", "n", "true", "false"})


def is_yes_no(values: pd.Series, distinct=None) -> bool:
    """Whether a column's answers are all yes/no (any case; y/n, true/false): a question like
    'Did you give melatonin for sleep?', never a severity, even when it names a symptom.
    ``distinct``: the column's distinct values, when already known."""
    answers = {str(v).strip().lower() for v in (pd.unique(values) if distinct is None else distinct)} - {""}
    return bool(answers) and answers <= _YES_NO


def member_from_filename(name: str) -> str | None:
    """The member code a file name holds ('F07_bearable.csv' -> F07, 'fam-12 export.csv' -> fam-12),
    or None. App words, dates and the extension are set aside; what is left is used only when it
    is one short code with a digit in it: never other words of the name (they may be a child's name)."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", re.split(r"[\\/]", name)[-1])
    rest = _FILE_NAME_WORDS.sub(" ", _FILE_NAME_DATES.sub(" ", stem))
    tokens = [t.strip("-_.") for t in re.split(r"[\s_.,;()\[\]]+|(?<![A-Za-z])-|-(?![0-9])", rest)]
    codes = [t for t in tokens if t and _MEMBER_CODE.match(t)]
    return codes[0] if len(codes) == 1 else None


def neutral_member_code(raw: RawTable) -> str:
    """A code that names no one: the same for the same file content, different for different files."""
    hashed = pd.util.hash_pandas_object(raw.cells, index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes() + "\x1f".join(map(str, raw.cells.columns)).encode())
    return "P-" + digest.hexdigest()[:4].upper()


# --- the formats ------------------------------------------------------------------------------------

def recognise(raw: RawTable, file_name: str, member: str | None,
              mapping: tuple[tuple[str, str], ...] | dict[str, str] | None = None) -> Canonical:
    """``mapping``: (role, column) pairs chosen by the user (a role of ``ROLE_WORDS``, or "item",
    repeatable, for a column to read as a symptom), used instead of recognising the columns."""
    headers = list(raw.cells.columns)
    if not headers:
        raise NeedsMapping("No column is left to read: every column of this file held identifying "
                           "information (names, emails, addresses...) and was removed. Keep a member "
                           "code, the date and the symptom scores in the file.", headers)
    keys = {header_key(h) for h in headers}
    if mapping:
        return _mapped(raw, tuple(mapping.items()) if isinstance(mapping, dict) else tuple(mapping),
                       member, file_name)
    if {"user id", "checkin date", "trackable type", "trackable name", "trackable value"} <= keys:
        return _flaredown_long(raw, file_name)
    if {"date", "category", "rating/amount"} <= keys:
        return _single_person(_bearable, raw, member, file_name)
    if header_key(headers[0]) == "date" and keys & {"tags", "foods", "weather summary"}:
        return _single_person(_flaredown_personal, raw, member, file_name)
    roles = {role: find_role(headers, role) for role in ROLE_WORDS}
    if roles["treatment"] and roles["start"]:
        return _courses(raw, roles, member, file_name)
    if roles["onset"] and roles["member"] and not roles["symptom"]:
        return _onsets(raw, roles, file_name)
    if roles["symptom"] and roles["severity"] and roles["date"]:
        return _long(raw, roles, member, file_name)
    if header_key(headers[0]) in _FORM_TIMESTAMPS:
        return _wide(raw, roles, member, file_name, fmt=FORMAT_GOOGLE_FORMS)
    if roles["symptom"] and roles["date"]:
        raise NeedsMapping(
            f"I found a date column ('{roles['date']}') and a column of symptom names "
            f"('{roles['symptom']}') but no column with the scores. Columns found: "
            + ", ".join(f"'{h}'" for h in headers[:12])
            + ". Rename the score column to 'severity', or use the column mapping on the Upload page.",
            headers)
    if roles["date"]:
        return _wide(raw, roles, member, file_name, fmt=FORMAT_WIDE)
    raise NeedsMapping(
        "I could not tell which columns hold the date and the symptoms. Columns found: "
        + ", ".join(f"'{h}'" for h in headers[:12])
        + ". Rename them to member, date, symptom, severity (or one column per symptom), or use "
        "the column mapping on the Upload page.", headers)


def _single_person(adapter, raw: RawTable, member: str | None, file_name: str) -> Canonical:
    """App exports hold one person's data and no member column: the code is given or from the name."""
    code, note = _member_series(raw, None, member, file_name)
    canon = adapter(raw, code, file_name)
    if note:
        canon.messages.insert(0, note)
    return canon


def _member_series(raw: RawTable, column: str | None, member: str | None, file_name: str):
    """The member of every record: the member column as it is (a blank cell stays a row problem,
    even when the user gave a code), else the code the user gave, else one found in the file name,
    else a neutral code for this file (with a note asking for the real one)."""
    if column is not None:
        return raw.cells[column], None
    if member:
        return member, None
    code = member_from_filename(file_name)
    if code is not None:
        return code, _member_note(file_name,
                                  f"This file has no member column, so its rows were given the member code "
                                  f"'{code}' found in the file name. If that is wrong, give this file "
                                  "its member's code (files of the same child should get the same "
                                  "code).")
    code = neutral_member_code(raw)
    return code, _member_note(file_name,
                              "This export has no member code (no member column, and none in the "
                              f"file name), so it was given the code '{code}', which stands for "
                              "this file only. "
                              "Type the member's code for this file in 'Member code for "
                              "single-person exports' on the Upload page; files of the same child "
                              "should get the same code.")


def _member_note(file_name: str, message: str) -> Problem:
    return Problem(file=file_name, severity="info",
                   code="member_from_file_name", message=message)


def _long(raw: RawTable, roles, member, file_name, events: tuple[str, ...] | None = None) -> Canonical:
    """``events``: the columns the user chose as events (column mapping); None: found by heading."""
    member_values, note = _member_series(raw, roles["member"], member, file_name)
    records = _records(raw, member_values, raw.cells[roles["date"]])
    sev = roles["severity"]
    lo, hi = scale_from_header(sev) or DEFAULT_SCALE
    n = len(raw.cells)
    # New arrays or the raw columns themselves: the frame need not copy them (the scale is one
    # value, seen a million times through a read-only view).
    cells = pd.DataFrame({"record": positions(n), "column": one_value(sev, n),
                          "item": _column(raw.cells[roles["symptom"]]),
                          "value": _column(raw.cells[sev]),
                          "lo": np.broadcast_to(np.float64(lo), (n,)),
                          "hi": np.broadcast_to(np.float64(hi), (n,))}, copy=False)
    used = {roles[r] for r in ("member", "date", "symptom", "severity", "treatment", "notes")} - {None}
    if events is None:
        events = _event_columns(raw, [c for c in raw.cells.columns if c not in used], roles["event"])
    canon = Canonical(FORMAT_LONG, records, cells, events=_event_cells(raw, list(events)),
                      treatments=_text_cells(raw, roles["treatment"]).assign(dose=""),
                      notes=_text_cells(raw, roles["notes"]), day_rule_applies=True, file=file_name)
    canon.read_as = _read_as(roles, ("member", "date", "symptom", "severity", "treatment", "notes"),
                             events=events)
    if note:
        canon.messages.append(note)
    _note_notes_column(canon, roles["notes"])
    _report_unused(raw, canon, used | set(events))
    return canon


def _read_as(roles, names, items=(), events=()) -> tuple[tuple[str, str], ...]:
    return tuple((r, roles[r]) for r in names if roles.get(r)) + tuple(
        (ITEM_ROLE, c) for c in items) + tuple((EVENT_ROLE, c) for c in events)


def _form_needs_member(raw: RawTable, roles, member) -> None:
    """Many families answer one form: one code from the file name would mix their children."""
    if roles["member"] is None and not member and len(raw.cells) > 1:
        raise NeedsMapping(
            "This looks like Google Forms responses, but no question holds the member code, so "
            "oms_dash cannot tell whose answers are whose. Choose the question with the member code "
            "in the column mapping (or give one member code if the form is for one child only). "
            "Questions found: " + ", ".join(f"'{h}'" for h in list(raw.cells.columns)[:12]) + ".",
            list(raw.cells.columns))


def _judge_by_answers(raw: RawTable, columns: list[str]) -> tuple[list[str], dict[str, tuple[str, bool]]]:
    """Of the columns left to judge by what they hold: the yes/no questions, and the symptom
    columns (column -> (item, whether it is a custom item)): named after a symptom oms_dash knows,
    or holding scores. Judged all at once (_Heads)."""
    heads = _Heads.of(raw, columns)
    maybe_yes_no = _may_be_yes_no(heads)
    yes_no, named = [], {}
    for at, column in enumerate(columns):
        if maybe_yes_no[at] and is_yes_no(raw.cells[column], _distinct(raw, column)[1]):
            yes_no.append(column)
            continue
        grid_row = re.search(r"\[([^\]]+)\]\s*$", column)  # Google Forms grid: "Question [Row]"
        named[column] = ((match_item(grid_row[1]) if grid_row else None) or match_item(column),
                         grid_row[1] if grid_row else column)
    scored = _columns_of_scores(heads, np.array([c in named and named[c][0] is None for c in columns],
                                                dtype=bool))
    judged = {}
    for at, column in enumerate(columns):
        if column not in named:
            continue
        item, heading = named[column]
        if item is not None:
            judged[column] = (item, False)
        elif scored[at]:
            judged[column] = (custom_item_id(SCALE_TEXT.sub(" ", heading)), True)
    return yes_no, judged


def _wide(raw: RawTable, roles, member, file_name, fmt: str, items: tuple[str, ...] = (),
          events: tuple[str, ...] | None = None) -> Canonical:
    """``items``: columns the user chose as symptoms (column mapping), read whatever they hold;
    ``events``: columns the user chose as events (None: found by their headings)."""
    if fmt == FORMAT_GOOGLE_FORMS:
        _form_needs_member(raw, roles, member)
    used = {roles[r] for r in ("member", "date", "treatment", "notes", "total")} - {None}
    date_col = roles["date"]
    if fmt == FORMAT_GOOGLE_FORMS:
        # Prefer an explicit "date of symptoms" question over the submission timestamp.
        other = find_role(list(raw.cells.columns), "date", exclude={raw.cells.columns[0]})
        date_col = other if other and header_key(other) not in _FORM_TIMESTAMPS else raw.cells.columns[0]
        used.add(raw.cells.columns[0])
    used.add(date_col)
    member_values, note = _member_series(raw, roles["member"], member, file_name)
    dates = raw.cells[date_col]
    filled_in = None
    if fmt == FORMAT_GOOGLE_FORMS and date_col != raw.cells.columns[0]:
        # An optional "which day?" question left blank means the day the form was sent.
        blank = dates.str.strip() == ""
        if blank.any():
            stamp = raw.cells[raw.cells.columns[0]]
            dates = dates.where(~blank, stamp.str.strip().str.split(" ").str[0])
            filled_in = int(blank.sum())
    records = _records(raw, member_values, dates.rename(date_col))
    if events is None:
        events = _event_columns(raw, [c for c in raw.cells.columns if c not in used and c not in items
                                      and not is_quasi_identifier(c)], roles["event"])
    used |= set(events)
    item_columns, scales, custom, amounts = {}, {}, [], []
    judged = []  # the columns whose answers say whether they are symptoms
    for column in raw.cells.columns:
        if column in items and column not in used:
            continue
        if column in used or is_quasi_identifier(column):  # age, sex, country: group counts only
            continue
        if _AMOUNT_HEADER.search(header_key(column)):
            amounts.append(column)
            continue
        judged.append(column)
    yes_no, judged_items = _judge_by_answers(raw, judged)
    for column in raw.cells.columns:  # in the file's order, as the cells are laid out
        if column in items and column not in used:
            grid_row = re.search(r"\[([^\]]+)\]\s*$", column)
            named = grid_row[1] if grid_row else column
            item_columns[column] = match_item(named) or custom_item_id(SCALE_TEXT.sub(" ", named))
            if match_item(named) is None:
                custom.append(column)
        elif column in judged_items:
            item_columns[column], is_custom = judged_items[column]
            if is_custom:
                custom.append(column)
        else:
            continue
        scales[column] = scale_from_header(column) or DEFAULT_SCALE
    if not item_columns:
        raise NeedsMapping(
            "I found a date column but no symptom columns I recognise. Name each symptom column "
            "after the symptom (for example 'jerks', 'sleep', 'walking'), or use the column "
            "mapping on the Upload page.", list(raw.cells.columns))
    if fmt == FORMAT_WIDE and roles["total"] and set(MITCHELL_PIKE_ITEMS) <= set(item_columns.values()):
        fmt = FORMAT_MITCHELL_PIKE
    canon = Canonical(fmt, records, _wide_cells(raw, item_columns, scales),
                      events=_event_cells(raw, list(events)),
                      treatments=_text_cells(raw, roles["treatment"]).assign(dose=""),
                      notes=_text_cells(raw, roles["notes"]), day_rule_applies=True, file=file_name)
    canon.read_as = _read_as({**roles, "date": date_col}, ("member", "date", "treatment", "notes"),
                             items=list(item_columns),
                             events=events)
    _note_notes_column(canon, roles["notes"])
    if roles["total"]:
        canon.totals = pd.DataFrame({"record": np.arange(len(raw.cells)), "column": roles["total"],
                                     "value": raw.cells[roles["total"]].to_numpy()})
    if note:
        canon.messages.append(note)
    if filled_in:
        canon.note("date_from_timestamp", date_col,
                   f"'{date_col}' was left blank "
                   + ("once" if filled_in == 1 else f"{filled_in} times")
                   + "; the day the form was sent was used for those answers.")
    canon.note_columns("custom_item", custom,
                       "Column '{column}' is not a symptom oms_dash knows; its scores are "
                       "kept as a symptom of their own.",
                       "{n} columns are not symptoms oms_dash knows; the scores of each are kept "
                       "as a symptom of its own: {columns}.")
    canon.note_columns("amount_column", amounts,
                       "Column '{column}' holds amounts (hours, counts, doses...), not a "
                       "severity score, so it was not used.",
                       "{n} columns hold amounts (hours, counts, doses...), not severity scores, "
                       "so they were not used: {columns}.")
    canon.note_columns("yes_no_column", yes_no,
                       "Column '{column}' holds yes/no answers, not a severity score, so it "
                       "was not used (a yes/no is never turned into a score). To record "
                       "something that happened, like a fever, use an 'event' column.",
                       "{n} columns hold yes/no answers, not severity scores, so they were not "
                       "used (a yes/no is never turned into a score): {columns}. To record "
                       "something that happened, like a fever, use an 'event' column.")
    _report_unused(raw, canon, used | set(item_columns) | set(amounts) | set(yes_no))
    return canon


GROUP_COUNTS_ONLY = ("is used only for the group's counts (age bands, sex, country), never shown "
                     "for a member, because it could help identify them.")


def _report_unused(raw: RawTable, canon: Canonical, used: set) -> None:
    unused = [column for column in raw.cells.columns
              if column not in used and (raw.cells[column].str.strip() != "").any()]
    canon.note_columns("group_counts_only", [c for c in unused if is_quasi_identifier(c)],
                       "Column '{column}' " + GROUP_COUNTS_ONLY,
                       "{n} columns are used only for the group's counts (age bands, sex, "
                       "country), never shown for a member, because they could help identify "
                       "them: {columns}.")
    canon.note_columns("unused_column", [c for c in unused if not is_quasi_identifier(c)],
                       "Column '{column}' was not used: it is not a member, date, "
                       "symptom, treatment, event or notes column.",
                       "{n} columns were not used: they are not member, date, symptom, "
                       "treatment, event or notes columns: {columns}.")


ITEM_ROLE = "item"  # the mapping's role for "this column is a symptom" (repeatable)
EVENT_ROLE = "event"  # the mapping's role for "this column's answers are events" (repeatable)


def _mapped(raw: RawTable, pairs: tuple[tuple[str, str], ...], member, file_name) -> Canonical:
    chosen = [(r, c) for r, c in pairs if c]
    unknown = [r for r, _ in chosen if r not in ROLE_WORDS and r != ITEM_ROLE]
    missing = [c for r, c in chosen if c not in raw.cells.columns]
    if unknown or missing:
        raise NeedsMapping(
            "The column mapping " + (f"names columns this file does not have: "
                                     f"{', '.join(repr(c) for c in missing)}" if missing else
                                     f"has roles oms_dash does not know: {', '.join(map(repr, unknown))}")
            + ". Please choose again.", list(raw.cells.columns))
    roles = {role: None for role in ROLE_WORDS}
    roles.update({r: c for r, c in chosen if r not in (ITEM_ROLE, EVENT_ROLE)})
    items = tuple(dict.fromkeys(c for r, c in chosen if r == ITEM_ROLE))
    events = tuple(dict.fromkeys(c for r, c in chosen if r == EVENT_ROLE))
    if header_key(raw.cells.columns[0]) in _FORM_TIMESTAMPS:
        _form_needs_member(raw, roles, member)
    if roles.get("symptom") and roles.get("severity") and roles.get("date"):
        if items:
            raise NeedsMapping(
                "The column mapping chose both a symptom column with a score column (one symptom "
                "per row) and symptom columns of their own (one column per symptom). A file is one "
                "or the other: please choose again.", list(raw.cells.columns))
        return _long(raw, roles, member, file_name, events=events)
    if roles.get("date"):
        return _wide(raw, roles, member, file_name, fmt=FORMAT_WIDE, items=items, events=events)
    raise NeedsMapping("Please choose at least the date column.", list(raw.cells.columns))


def _courses(raw: RawTable, roles, member, file_name) -> Canonical:
    member_values, note = _member_series(raw, roles["member"], member, file_name)
    records = _records(raw, member_values, raw.cells[roles["start"]])
    end = raw.cells[roles["end"]] if roles["end"] else pd.Series([""] * len(raw.cells))
    dose = raw.cells[roles["dose"]] if roles["dose"] else pd.Series([""] * len(raw.cells))
    courses = Courses(pd.DataFrame({"record": np.arange(len(raw.cells)),
                                    "treatment": raw.cells[roles["treatment"]].to_numpy(),
                                    "end": end.to_numpy(), "dose": dose.to_numpy()}),
                      roles["treatment"], roles["end"] or "end")
    canon = Canonical(FORMAT_COURSES, records,
                      pd.DataFrame(columns=["record", "column", "item", "value", "lo", "hi"]),
                      courses=courses, file=file_name)
    if note:
        canon.messages.append(note)
    _report_unused(raw, canon, {roles[r] for r in ("member", "treatment", "start", "end", "dose")})
    return canon


def _onsets(raw: RawTable, roles, file_name: str) -> Canonical:
    records = _records(raw, raw.cells[roles["member"]], raw.cells[roles["onset"]])
    canon = Canonical(FORMAT_MEMBERS, records,
                      pd.DataFrame(columns=["record", "column", "item", "value", "lo", "hi"]),
                      onsets=pd.DataFrame({"record": np.arange(len(raw.cells))}), file=file_name)
    _report_unused(raw, canon, {roles["member"], roles["onset"]})
    return canon


def _flaredown_long(raw: RawTable, file_name: str) -> Canonical:
    c = {header_key(h): h for h in raw.cells.columns}
    # The type column holds a handful of words: decide per distinct word, then spread by code.
    type_codes, type_uniques = pd.factorize(raw.cells[c["trackable type"]], use_na_sentinel=False)
    kinds = np.array([str(t).strip().lower() for t in type_uniques], dtype=object)
    kind = kinds[type_codes] if len(type_codes) else np.array([], dtype=object)
    records = _records(raw, raw.cells[c["user id"]], raw.cells[c["checkin date"]])
    names = _column(raw.cells[c["trackable name"]])
    values = _column(raw.cells[c["trackable value"]])
    idx = np.flatnonzero(np.isin(kind, ["symptom", "condition"]))
    # A condition names the illness ("Opsoclonus myoclonus syndrome"), not one symptom: it becomes
    # an item of its own unless it is exactly a vocabulary word.
    cells = pd.DataFrame({"record": idx, "column": repeat_text(c["trackable value"], len(idx)),
                          "item": names.take(idx).reset_index(drop=True),
                          "value": values.take(idx).reset_index(drop=True),
                          "lo": FLAREDOWN_SCALE[0], "hi": FLAREDOWN_SCALE[1],
                          "exact": kind[idx] == "condition"})
    treat = np.flatnonzero(kind == "treatment")
    treatments = pd.DataFrame({"record": treat, "text": names.take(treat).reset_index(drop=True),
                               "dose": values.take(treat).reset_index(drop=True)})
    tags = np.flatnonzero(kind == "tag")
    events = pd.DataFrame({"record": tags, "text": names.take(tags).reset_index(drop=True),
                           "column": c["trackable name"]})
    reasons = {"food": "food entry (not symptom data)", "weather": "weather entry (not symptom data)",
               "hbi": "Harvey-Bradshaw index entry (not used)"}
    used = {"symptom", "condition", "treatment", "tag"}
    reason_of = np.array([reasons.get(k) or (None if k in used else f"entry of an unknown type: {k}")
                          for k in kinds], dtype=object)
    skipped_kinds = np.flatnonzero([r is not None for r in reason_of])
    skip_idx = np.flatnonzero(np.isin(type_codes, skipped_kinds))
    skipped = pd.Series(reason_of[type_codes[skip_idx]], index=skip_idx, dtype=object)
    canon = Canonical(FORMAT_FLAREDOWN_LONG, records, cells, events=events,
                      treatments=treatments, skipped=skipped, day_rule_applies=True,
                      file=file_name)
    canon.note("group_counts_only", None, "Age, sex and country are used only for the "
               "group's counts (age bands, sex, country), never shown for a member, "
               "because they could help identify them.")
    canon.note("flaredown_scale", c["trackable value"],
               "Flaredown scores symptoms 0-4; they are rescaled to oms_dash's 0-3.")
    return canon


_WEATHER = re.compile(r"^weather\b", re.I)


def _flaredown_personal(raw: RawTable, member: str, file_name: str) -> Canonical:
    date_col = raw.cells.columns[0]
    records = _records(raw, member, raw.cells[date_col])
    item_columns, scales, treatment_cols, skipped_cols = {}, {}, [], []
    tags_col = None
    scored = _score_columns(raw, list(raw.cells.columns[1:]))
    for column in raw.cells.columns[1:]:
        key = header_key(column)
        if key == "tags":
            tags_col = column
        elif key == "foods" or _WEATHER.match(key):
            skipped_cols.append(column)
        elif column in scored:
            name = re.sub(r" \(\d+\)$", "", column)
            item_columns[column] = match_item(name) or custom_item_id(SCALE_TEXT.sub(" ", name))
            scales[column] = FLAREDOWN_SCALE
        elif (raw.cells[column].str.strip() != "").any():
            treatment_cols.append(column)
    cells = _wide_cells(raw, item_columns, scales)
    parts = []
    for column in treatment_cols:
        values = raw.cells[column].str.strip()
        taken = (values != "") & (values.str.lower() != "not taken")
        # "Taken" says it was given, not how much: no dose.
        dose = values[taken].where(values[taken].str.lower() != "taken", "")
        parts.append(pd.DataFrame({"record": np.flatnonzero(taken.to_numpy()),
                                   "text": re.sub(r" \(\d+\)$", "", column), "dose": dose.to_numpy()}))
    treatments = (pd.concat(parts, ignore_index=True) if parts
                  else pd.DataFrame(columns=["record", "text", "dose"]))
    events = pd.DataFrame(columns=["record", "text", "column"])
    if tags_col:
        tags = raw.cells[tags_col].str.split(";").explode().str.strip()
        tags = tags[tags.fillna("") != ""]
        events = pd.DataFrame({"record": tags.index.to_numpy(), "text": tags.to_numpy(),
                               "column": tags_col})
    canon = Canonical(FORMAT_FLAREDOWN_PERSONAL, records, cells, events=events,
                      treatments=treatments, day_rule_applies=True, file=file_name)
    canon.note("flaredown_scale", None,
               "Flaredown scores symptoms 0-4; they are rescaled to oms_dash's 0-3.")
    if skipped_cols:
        canon.note("skipped_columns", None,
                   "Not symptom data, not used: " + ", ".join(skipped_cols) + ".")
    return canon


_BEARABLE_LABEL = re.compile(r"^(.*?)\s*\((mild|moderate|severe|none)\)\s*$", re.I)


def _bearable(raw: RawTable, member: str, file_name: str) -> Canonical:
    c = {header_key(h): h for h in raw.cells.columns}
    category = raw.cells[c["category"]].str.strip().str.lower()
    records = _records(raw, member, raw.cells[c["date"]])
    is_symptom = category.str.startswith("symptom").to_numpy()
    idx = np.flatnonzero(is_symptom)
    detail = (raw.cells[c["detail"]].iloc[idx] if "detail" in c
              else pd.Series([""] * len(idx), dtype=str)).reset_index(drop=True)
    rating = raw.cells[c["rating/amount"]].iloc[idx].reset_index(drop=True)
    # Several symptoms can share one reading's label, joined with " | ": one cell each.
    parts = detail.str.split(r"\s+\|\s+", regex=True).explode()
    which = parts.index.to_numpy(dtype=np.int64)
    idx, rating, parts = idx[which], rating.to_numpy()[which], parts.fillna("").astype(str)
    parsed = parts.reset_index(drop=True).str.extract(_BEARABLE_LABEL)
    item = parsed[0].fillna(parts.reset_index(drop=True)).to_numpy()
    # The label carries the severity; the rating (1-3) is the same reading as a number.
    value = np.where(parsed[1].notna().to_numpy(), parsed[1].fillna("").to_numpy(), rating)
    cells = pd.DataFrame({"record": idx, "column": c.get("detail", c["category"]), "item": item,
                          "value": value, "lo": 0.0, "hi": 3.0})
    meds = np.flatnonzero(category.str.contains("med").to_numpy())
    med_detail = (raw.cells[c["detail"]].iloc[meds] if "detail" in c
                  else pd.Series([""] * len(meds), dtype=str))
    # "Prednisolone (mg)" with amount 5 is 5 mg of prednisolone.
    unit = med_detail.str.extract(r"\(([^)]*)\)\s*$")[0].fillna("").str.strip().to_numpy()
    amount = raw.cells[c["rating/amount"]].iloc[meds].str.strip().to_numpy()
    dose = np.where((unit != "") & (amount != ""), amount + " " + unit, amount)
    treatments = pd.DataFrame({"record": meds,
                               "text": med_detail.str.replace(r"\s*\([^)]*\)\s*$", "", regex=True).to_numpy(),
                               "dose": dose})
    events = _bearable_events(raw, c, category)
    skipped = ("row of category '" + raw.cells[c["category"]].str.strip() + "' (not symptom data)")
    used = is_symptom | category.str.contains("med").to_numpy()
    used[events["record"].to_numpy(dtype=np.int64)] = True
    skipped = skipped[~used]
    notes = _text_cells(raw, c.get("notes"))
    canon = Canonical(FORMAT_BEARABLE, records, cells, events=events, treatments=treatments,
                      notes=notes, skipped=skipped, day_rule_applies=True, file=file_name)
    _note_notes_column(canon, c.get("notes"))
    return canon


def _bearable_events(raw: RawTable, c: dict[str, str], category: pd.Series) -> pd.DataFrame:
    """Factors that name an event ("Ill", "Vaccinated", "Fever"), one event each; other factors
    ("Outside", "Nap") are not events, and a row of those only stays skipped."""
    if "detail" not in c:
        return pd.DataFrame(columns=["record", "text", "column"])
    rows = np.flatnonzero(category.str.contains("factor").to_numpy())
    factors = raw.cells[c["detail"]].iloc[rows].reset_index(drop=True)
    parts = factors.str.split(r"\s+\|\s+", regex=True).explode().fillna("").str.strip()
    named = parts.map(lambda f: bool(f) and match_event(f) is not None).to_numpy(dtype=bool)
    return pd.DataFrame({"record": rows[parts.index.to_numpy(dtype=np.int64)[named]],
                         "text": parts.to_numpy()[named], "column": c["detail"]})

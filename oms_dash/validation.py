"""From a Canonical layout to the tidy tables, accounting for every record: nothing is lost.

Every data record ends in exactly one of three states, so that for each file
rows_read == rows_accepted + rows_rejected + rows_skipped:
- accepted: it gave at least one score, event, treatment, note, course or onset;
- rejected: its member or date is missing or wrong, it repeats an earlier row exactly, or every
  score on it is unreadable (each with a problem naming its row, column and reason);
- skipped: by design (a blank line, an app's weather or food entry, nothing recorded on it).
  Each skip reason is a singular noun phrase ("empty row", "food entry (not symptom data)") that
  problems.counted() puts after its count: "1 empty row", "3 empty rows".
A bad cell on an otherwise good wide row is reported as its own problem and the row is kept.

`validate` is a pipeline of one step per check and per kind of record (scores, events, notes,
treatments, courses, onsets); each writes to one Ledger of where every record stands and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oms_dash.adapters import Canonical, every_position, one_value, positions
from oms_dash.codes import ColumnCodes, clean_member_code
from oms_dash.dates import parse_dates
from oms_dash.model import FileReport, Problem
from oms_dash.privacy import find_quasi_identifier_columns
from oms_dash.problems import plural
from oms_dash.readers import RawTable
from oms_dash.schema import (
    EVENT_LABELS,
    ITEMS,
    MITCHELL_PIKE_ITEMS,
    classify_event,
    custom_item_id,
    match_item,
    match_treatment,
    normalise_text,
    same_custom_items,
)
from oms_dash.scores import parse_score_codes

DAILY_RULES = {"max": "the day's highest score (daily maximum)", "mean": "the day's average (daily mean)"}
COURSE_GAP_DAYS = 14  # diary mentions of a treatment further apart than this start a new course


@dataclass
class Tables:
    observations: pd.DataFrame
    treatments: pd.DataFrame
    events: pd.DataFrame
    notes: pd.DataFrame
    onsets: dict


def normalise_member_codes(values: pd.Series, factorize=None) -> tuple[np.ndarray, np.ndarray]:
    """(codes, cleaned distinct codes) of a member column, cleaned per distinct value."""
    codes, uniques = (factorize or ColumnCodes())(values)
    clean = np.array([clean_member_code(str(u)) for u in uniques], dtype=object)
    return codes, clean


def empty_observations() -> pd.DataFrame:
    nowhere = _provenance([], np.zeros(0, dtype=np.int8))
    return pd.DataFrame({"member": pd.Series(dtype="str"), "date": pd.Series(dtype="datetime64[ns]"),
                         "item": pd.Series(dtype="str"), "score": pd.Series(dtype="float64"),
                         "raw_value": pd.Series(dtype="str"), "raw_scale": nowhere,
                         "source_file": nowhere, "source_row": pd.Series(dtype="int64")})


def _map_unique(values: pd.Series, fn) -> np.ndarray:
    codes, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    mapped = np.array([fn(u) for u in uniques], dtype=object)
    return mapped[codes] if len(codes) else mapped[:0]


def _item_id(text: str) -> str:
    return match_item(text) or custom_item_id(text)


def _exact_item_id(text: str) -> str:
    return match_item(text, exact_only=True) or custom_item_id(text)


def _treatment_id(text: str) -> str:
    return match_treatment(text) or normalise_text(text)


LIVE, REJECTED, SKIPPED, ACCEPTED = 0, 1, 2, 3  # record states


class _Reasons:
    """Why each record was skipped or rejected, as an array of texts by record, made only when the
    first reason is given: a clean file of a million rows never needs a million empty slots."""

    def __init__(self, n: int):
        self._n = n
        self._texts: np.ndarray | None = None

    def __setitem__(self, where, texts) -> None:
        if self._texts is None:
            if isinstance(where, np.ndarray) and not (where.any() if where.dtype == bool else len(where)):
                return  # nothing to say yet
            self._texts = np.empty(self._n, dtype=object)
        self._texts[where] = texts

    def __getitem__(self, where):
        if self._texts is not None:
            return self._texts[where]
        if not isinstance(where, np.ndarray):
            return None
        return np.full(int(where.sum()) if where.dtype == bool else len(where), None, dtype=object)


class Ledger:
    """Where each record of one file stands, and why: every record starts live and ends accepted,
    rejected or skipped (each rejection and skip with its reason), with the problems found on the
    way. Records are positions 0..n-1; `rows` are their spreadsheet row numbers.

    The first word on a record stands: a record already rejected or skipped is not rejected or
    skipped again. `accept` marks a record as having given something (a score, an event, a note,
    a course, an onset); `close` then accepts those still live and skips the rest."""

    def __init__(self, file: str, rows: np.ndarray):
        self.file = file
        self.rows = rows
        self.state = np.full(len(rows), LIVE, dtype=np.int8)
        self.reason = _Reasons(len(rows))
        self.gave = np.zeros(len(rows), dtype=bool)
        self.problems: list[Problem] = []

    def __len__(self) -> int:
        return len(self.rows)

    def live(self, records: np.ndarray | None = None) -> np.ndarray:
        """Whether each record (of `records`, else all) is still live, as a mask."""
        return self.state == LIVE if records is None else self.state[records] == LIVE

    def reject(self, mask: np.ndarray, column: str | None, messages, code: str, value=None) -> None:
        """Rejects the live records of `mask`, each with a problem line: `messages` is one text, or
        one per record (an array or a Series by record); `value(positions)` gives their cells."""
        idx = np.flatnonzero(mask & self.live())
        if not len(idx):
            return
        self.state[idx] = REJECTED
        if isinstance(messages, str):
            msgs = [messages] * len(idx)
        elif isinstance(messages, pd.Series):  # only the rejected rows' messages become objects
            msgs = messages.iloc[idx].to_numpy(dtype=object)
        else:
            msgs = np.asarray(messages, dtype=object)[idx]
        self.reason[idx] = msgs
        vals = value(idx) if callable(value) else [None] * len(idx)
        rows = self.rows
        self.problems.extend(Problem(file=self.file, row=int(rows[i]), column=column, severity="error",
                                     code=code, message=str(m), value=v)
                             for i, m, v in zip(idx, msgs, vals, strict=True))

    def reject_if_nothing_given(self, mask: np.ndarray, messages: np.ndarray) -> None:
        """Rejects the live records of `mask` that gave nothing, with no problem line of their own:
        the problems of their cells already name them. `messages`: one per record."""
        rejected = mask & ~self.gave & self.live()
        self.state[rejected] = REJECTED
        self.reason[rejected] = messages[rejected]

    def skip(self, records: np.ndarray, reasons) -> None:
        """Skips the live ones of `records` (positions, or a mask); `reasons`: one text, or one per
        record given."""
        idx = np.flatnonzero(records) if records.dtype == bool else records
        if not len(idx):
            return
        live = self.live(idx)
        self.state[idx[live]] = SKIPPED
        self.reason[idx[live]] = (reasons if isinstance(reasons, str)
                                  else np.asarray(reasons, dtype=object)[live])

    def accept(self, records: np.ndarray) -> None:
        """These records gave something: they end accepted, if nothing rejects them first."""
        self.gave[records] = True

    def close(self) -> None:
        """What is left gave nothing and had nothing wrong: skipped, with the reason said."""
        self.skip(self.live() & ~self.gave, "row with nothing recorded (all symptom cells blank)")
        self.state[self.live()] = ACCEPTED

    def count(self, state: int) -> int:
        return int(np.count_nonzero(self.state == state))

    def skipped_reasons(self) -> dict[str, int]:
        skipped = pd.Series(self.reason[self.state == SKIPPED], dtype=object)
        return {str(k): int(v) for k, v in skipped.value_counts().items()}

    def unused_cells_of_kept_rows(self, problems: list[Problem]) -> dict[int, list[str]]:
        """For each accepted record with a cell that was not used (a bad score beside good ones),
        what the rejected-rows table says of those cells."""
        kept_cells: dict[int, list[str]] = {}
        for p in problems:
            if p.severity != "error" or p.row is None:
                continue
            i = int(np.searchsorted(self.rows, p.row))  # spreadsheet rows count up, one per record
            if i < len(self.rows) and self.rows[i] == p.row and self.state[i] == ACCEPTED:
                kept_cells.setdefault(i, []).append(f"kept, but '{p.column}' was not used: {p.message}")
        return kept_cells


def _through(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """table[codes], or `codes` itself when the table maps every code to itself (the usual case:
    codes that were distinct stay distinct), without a gather over a million cells."""
    return codes if np.array_equal(table, np.arange(len(table))) else table[codes]


def _provenance(values, codes: np.ndarray) -> pd.Categorical:
    """A column that only says where a score came from (its file, its scale), from `codes` into
    `values`: a category per distinct value that occurs, not a million copies of the same text."""
    value_codes, distinct = pd.factorize(pd.Index(np.asarray(values, dtype=object), dtype="str"))
    if len(distinct) <= 1:  # one file, one scale: nothing to look up per cell
        return pd.Categorical.from_codes(np.zeros(len(codes), dtype=np.int8),
                                         dtype=pd.CategoricalDtype(distinct))
    cell_codes = value_codes.astype(np.int8 if len(distinct) < 128 else np.int32)[codes]
    used = np.flatnonzero(np.bincount(cell_codes, minlength=len(distinct)))
    if len(used) < len(distinct):  # only the values some cell has become categories
        renumber = np.full(len(distinct), -1, dtype=cell_codes.dtype)
        renumber[used] = np.arange(len(used))
        cell_codes, distinct = renumber[cell_codes], distinct.take(used)
    return pd.Categorical.from_codes(cell_codes, dtype=pd.CategoricalDtype(distinct))


def _meanwhile(factorize: ColumnCodes, fn, *args):
    """fn(*args) started on the factorizer's threads when it has them (pyarrow lets go of Python's
    lock while it copies text), else run now; returns what gives the result."""
    pool = factorize.pool
    if pool is None:
        result = fn(*args)
        return lambda: result
    return pool.submit(fn, *args).result


def _take_str(uniques, codes: np.ndarray) -> pd.Series:
    """Strings by code, without a round trip through Python objects (fast on millions of rows)."""
    return pd.Series(pd.Index(np.asarray(uniques, dtype=object), dtype="str").take(codes),
                     dtype="str").reset_index(drop=True)


def _combined_codes(parts, dense: bool = True) -> np.ndarray:
    """One integer per row for a tuple of columns (each given as values or as (codes, n_codes)),
    equal exactly when all parts are; `dense` numbers them 0.. in order of first appearance."""
    key, size = None, 1
    for part in parts:
        codes, width = part if isinstance(part, tuple) else _codes(part)
        width += 1
        if key is None:
            key, size = codes.astype(np.int64), width
            continue
        if size * width >= 2**62:  # keep the combined key in range: renumber what we have so far
            key, seen = pd.factorize(key)
            size = len(seen)
        key *= width  # in place: `key` is always this function's own array (astype copies)
        key += codes
        size *= width
    if not dense:
        return key
    codes, _ = pd.factorize(key)
    return codes


def _codes(values) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, len(uniques)


def combined_codes(parts) -> np.ndarray:
    """Dense codes, 0.. in order of first appearance, for the combinations of `parts`."""
    return _combined_codes(parts)


def first_positions(parts) -> np.ndarray:
    """Positions of the first row of each distinct combination of `parts` (as _combined_codes)."""
    codes = _combined_codes(parts)
    new = np.ones(len(codes), dtype=bool)
    if len(codes) > 1:
        new[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    return np.flatnonzero(new)


def _all_distinct(parts, n: int) -> bool:
    """True when the rows are certainly all distinct over the columns given as (codes, n_codes),
    taken in order (an iterable, consumed only as far as needed): as soon as the combined key of
    the first few columns is unique, so is the whole row. A table of flags over the key's range
    says it without hashing (the usual diary: member, date and symptom already tell rows apart).
    False means "not shown": there may be equal rows, or the key grew too wide to check."""
    limit = max(1 << 22, 4 * n)
    small = np.int32 if limit < 2**31 else np.int64  # the key stays below the limit
    key, size = None, 1
    for codes, width in parts:
        width = max(int(width), 1)
        if key is None:
            key, size = np.array(codes, dtype=small), width  # the function's own copy
        else:
            if size * width > limit:
                return False
            key *= width
            key += codes
            size *= width
        if size >= n and _count_distinct(key, size) == n:
            return True
    return False


def _count_distinct(key: np.ndarray, size: int) -> int:
    """How many distinct values `key` holds, all in range(size) (size: kept small by the caller)."""
    seen = np.zeros(size, dtype=bool)
    seen[key] = True
    return int(np.count_nonzero(seen))


def _first_of_duplicates(frame: pd.DataFrame, column_codes=None) -> np.ndarray:
    """For each row, the position of the first row with exactly the same cells (itself if none).
    `column_codes`: each column's (codes, number of codes), when already known."""
    n = len(frame)
    if n == 0 or frame.shape[1] == 0:
        return np.arange(n)
    codes = _combined_codes(column_codes or [frame[c] for c in frame.columns])
    # factorize numbers values in order of first appearance: a row is first when its code is new.
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    return np.flatnonzero(new)[codes]


def validate(canon: Canonical, raw: RawTable, file_name: str, date_order: str | None = None,
             daily_rule: str = "max", today: dt.date | None = None,
             factorize: ColumnCodes | None = None) -> tuple[Tables, FileReport]:
    """The tidy tables of one file and its report, every record accounted for (module docstring).

    Work is per distinct value (members, dates, scores, symptom names), then spread to the rows by
    code: no Python loop over rows, except one per problem found. `today` bounds future dates.
    """
    factorize = factorize or ColumnCodes()
    records = canon.records.table
    ledger = Ledger(file_name, records["row"].to_numpy())
    raw_codes = _RawColumnCodes(raw, factorize)
    # Skipped by design: blank lines, then what the adapter found is not symptom data (food...).
    _skip_blank_rows(ledger, raw_codes)
    ledger.skip(canon.skipped.index.to_numpy(), canon.skipped.to_numpy(dtype=object))
    _reject_extra_cells(ledger, raw)
    _reject_duplicates(ledger, raw, raw_codes)
    members = _Members(records, factorize)
    ledger.reject(members.missing(), canon.records.member_column,
                  "the member code is missing (every row needs the member's code, e.g. F01)",
                  "missing_member")
    if canon.onsets is not None:  # a member list: a member whose onset is not known is no error
        ledger.skip((records["date"].fillna("").str.strip() == "").to_numpy(), "row with no onset date")
    parsed = _dates(ledger, canon, date_order, today, factorize)
    dates = parsed.dates.to_numpy()
    scores = _observations(ledger, canon, members, parsed, factorize) if len(canon.cells) else None
    events = _events(ledger, canon, members, dates)
    notes = _notes(ledger, canon, members, dates)
    treatments = (_treatment_file(ledger, canon, members, dates, date_order, today)
                  if canon.courses is not None else _treatment_mentions(ledger, canon, members, dates))
    onsets = _onsets(ledger, canon, members, dates)
    ledger.close()

    obs, combined = combine_daily(scores.table if scores else empty_observations(), daily_rule,
                                  scores.day_key if scores else None)
    report = _report(canon, raw, ledger, obs, events, treatments,
                     (scores.members, scores.items) if scores else None)
    if onsets:
        report.members = sorted(set(report.members) | {str(m) for m in onsets})
    if combined:
        report.daily_rule = DAILY_RULES[daily_rule]
        extra = "1 extra reading" if combined == 1 else f"{combined} extra readings"
        report.problems.append(Problem(file=file_name, severity="info",
                                       code="daily_rule",
                                       message=f"Some symptoms were recorded more than once on the same "
                                               f"day ({extra}); oms_dash kept {DAILY_RULES[daily_rule]}, "
                                               "never the sum."))
    wrong = {c: t for c, t in (("score", "float64"), ("source_row", "int64")) if obs[c].dtype != t}
    obs = obs.astype(wrong) if wrong else obs
    if obs["date"].dtype != "datetime64[ns]":  # already so when built above
        obs["date"] = pd.to_datetime(obs["date"])
    report.problems = sort_problems(report.problems)
    return Tables(obs, treatments, events, notes, onsets), report


class _RawColumnCodes:
    """Each raw column factorized on demand, and once: a row is known not to be blank as soon as
    one of its cells is filled, and rows are known distinct as soon as a few columns tell them
    apart, so most columns of a clean file are never needed for either."""

    def __init__(self, raw: RawTable, factorize: ColumnCodes):
        self._raw, self._factorize = raw, factorize
        self.columns = list(raw.cells.columns)
        self._known: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def codes_and_uniques(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        if i not in self._known:
            self._known[i] = self._factorize(self._raw.cells[self.columns[i]])
        return self._known[i]

    def __call__(self, i: int) -> tuple[np.ndarray, int]:
        """(codes, number of codes) of column i."""
        codes, uniques = self.codes_and_uniques(i)
        return codes, len(uniques)


def _skip_blank_rows(ledger: Ledger, raw_codes: _RawColumnCodes) -> None:
    nonblank = np.zeros(len(ledger), dtype=bool)
    for i in range(len(raw_codes.columns)):
        codes, uniques = raw_codes.codes_and_uniques(i)
        filled = (pd.Series(uniques, dtype="str").fillna("").str.strip() != "").to_numpy()
        nonblank |= filled[codes] if len(codes) else False
        if nonblank.all():
            break
    ledger.skip(~nonblank, "empty row")


def _reject_extra_cells(ledger: Ledger, raw: RawTable) -> None:
    """Rows with more cells than the header: their cells may have shifted, so none is guessed at."""
    if raw.extra_cells is None:
        return
    extra = raw.extra_cells
    messages = np.array([f"this row has {k} more cell{'s' if k > 1 else ''} than there are "
                         "column names; the extra cells were not used, and neither was the row, "
                         "as its cells may have shifted. A number written with a decimal comma "
                         "(3,5) is split in two this way: scores are whole numbers, so check "
                         "this row's values"
                         for k in extra], dtype=object)
    ledger.reject(extra > 0, None, messages, "extra_cells")


def _reject_duplicates(ledger: Ledger, raw: RawTable, raw_codes: _RawColumnCodes) -> None:
    """Exact duplicates of an earlier row."""
    n, columns = len(ledger), range(len(raw_codes.columns))
    if raw_codes.columns and _all_distinct((raw_codes(i) for i in columns), n):
        return
    first = _first_of_duplicates(raw.cells, [raw_codes(i) for i in columns])
    dup = first != np.arange(n)
    if dup.any():
        messages = np.full(n, "", dtype=object)
        messages[dup] = [f"exact duplicate of row {r}" for r in ledger.rows[first[dup]]]
        ledger.reject(dup, None, messages, "duplicate")


class _Members:
    """The records' member codes, normalised per distinct value (' f 01' and 'F01' are one)."""

    def __init__(self, records: pd.DataFrame, factorize: ColumnCodes):
        self._written = records["member"]
        self.codes, self.uniques = normalise_member_codes(self._written, factorize)
        # Codes already written as they are normalised (the usual case) need no new strings: the
        # column itself serves when every record is wanted in order.
        self._as_written = (self._written.dtype == "str" and all(
            isinstance(u, str) and u == c for u, c in zip(factorize(self._written)[1], self.uniques,
                                                          strict=True)))

    def missing(self) -> np.ndarray:
        blank = np.asarray([u == "" for u in self.uniques], dtype=bool)
        return blank[self.codes] if len(self.codes) else np.zeros(0, dtype=bool)

    def values(self, idx: np.ndarray | None) -> pd.Series:
        """The normalised member codes of the records at `idx` (None: every record, in order)."""
        n = len(self.codes)
        if idx is None or every_position(idx, n):
            if self._as_written:
                return self._written.reset_index(drop=True).rename(None)
            idx = positions(n)
        return _take_str(self.uniques, self.codes[idx])


def _dates(ledger: Ledger, canon: Canonical, order: str | None, today, factorize):
    """The records' dates, parsed; unreadable ones rejected, and how the day/month order was read."""
    text = canon.records.table["date"]
    column = canon.records.date_column
    course_ends = canon.courses.table["end"].astype(str) if canon.courses is not None else None
    parsed = parse_dates(text, order=order, today=today, factorize=factorize, also=course_ends)
    if parsed.bad.any():
        ledger.reject(parsed.bad, column, parsed.errors, "bad_date",
                      lambda idx: [str(v) for v in text.iloc[idx]])
    ledger.problems.extend(_date_order_notes(parsed, ledger.file, column, order))
    return parsed


@dataclass
class _Observations:
    table: pd.DataFrame
    day_key: np.ndarray  # equal exactly when (member, date, item) are: for combine_daily
    members: set  # the members and items the table holds
    items: set


def _observations(ledger: Ledger, canon: Canonical, members: _Members, parsed,
                  factorize: ColumnCodes) -> _Observations:
    """The score cells of live records: each read on its column's scale; a bad cell is a problem
    of its own, and a record none of whose cells gave a score is rejected."""
    cells, rows, dates, n = canon.cells, ledger.rows, parsed.dates.to_numpy(), len(ledger)
    rec = cells["record"].to_numpy(dtype=np.int64)
    # Work on positions, not filtered copies of the cell table (it can hold millions of cells).
    live_cells = ledger.live(rec)  # blank cells parse as "not recorded" below
    every = bool(live_cells.all())
    pos = None if every else np.flatnonzero(live_cells)
    rec = rec if every else rec[pos]
    values = cells["value"].astype(str)
    values = values if every else values.take(pos)
    lo, hi = (cells["lo"], cells["hi"]) if every else (cells["lo"].take(pos), cells["hi"].take(pos))
    parsed_scores = parse_score_codes(values, lo, hi, factorize=factorize)
    score_codes = parsed_scores.codes
    bad_key = np.asarray(parsed_scores.error != "", dtype=bool)
    good_key = ~bad_key & ~np.isnan(parsed_scores.score)  # "n/a" and the like: not recorded
    bad = bad_key[score_codes] if bad_key.any() else np.zeros(len(score_codes), dtype=bool)
    all_good = bool(good_key.all())  # the usual case: no gathers below
    gi = None if all_good else np.flatnonzero(good_key[score_codes])

    def good_only(array: np.ndarray) -> np.ndarray:
        return array if all_good else array[gi]

    ledger.accept(good_only(rec))
    if bad.any():
        bad_idx = np.flatnonzero(bad)
        error_text = parsed_scores.error.take(score_codes[bad_idx]).to_numpy(dtype=object)
        column_text = (cells["column"].take(bad_idx if every else pos[bad_idx]).astype(str)
                       .to_numpy(dtype=object))
        value_text = values.iloc[bad_idx].to_numpy(dtype=object)
        ledger.problems.extend(Problem(file=ledger.file, row=int(rows[rec[i]]), column=c, severity="error",
                                       code="bad_score", message=str(e), value=str(v))
                               for i, c, e, v in zip(bad_idx, column_text, error_text, value_text,
                                                     strict=True))
        with_bad_cell = np.zeros(n, dtype=bool)
        with_bad_cell[rec[bad]] = True
        first_err = pd.Series(error_text, index=rec[bad]).groupby(level=0).first()
        msgs = np.full(n, "", dtype=object)
        msgs[first_err.index.to_numpy()] = first_err.to_numpy(dtype=object)
        ledger.reject_if_nothing_given(with_bad_cell, msgs)
    g = good_only(rec)
    cell_items = cells["item"] if every else cells["item"].take(pos)
    all_codes, item_uniques = (factorize(cell_items) if cell_items.dtype == "str"
                               else pd.factorize(cell_items, use_na_sentinel=False))
    item_codes = good_only(all_codes)
    item_ids = np.asarray([_item_id(str(u)) for u in item_uniques], dtype=object)
    exact_too = False  # some cells' names are read as exact names too (as extra ids)
    if "exact" in cells:
        exact = cells["exact"].to_numpy(dtype=bool)
        exact = good_only(exact if every else exact[pos])
        exact_too = bool(exact.any())
        if exact_too:
            exact_ids = np.asarray([_exact_item_id(str(u)) for u in item_uniques], dtype=object)
            # Exact matches become extra "uniques" appended after the ordinary ones.
            item_codes = np.where(exact, item_codes + len(item_ids), item_codes)
            item_ids = np.concatenate([item_ids, exact_ids])
    respelled = same_custom_items(dict.fromkeys(item_ids))
    if respelled:
        item_ids = np.asarray([respelled.get(i, i) for i in item_ids], dtype=object)
    clean_member_codes, clean_members = pd.factorize(members.uniques)
    id_codes, id_uniques = pd.factorize(item_ids)
    every_row = every_position(g, n)  # then no gathers are needed
    # The text columns of a million scores are written out on the other core meanwhile.
    item_text = _meanwhile(factorize, _take_str, item_ids, item_codes)
    member_text = _meanwhile(factorize, members.values, None if every_row else g)
    value_text = (_meanwhile(factorize, lambda: values.take(gi).reset_index(drop=True))
                  if not all_good else lambda: values.reset_index(drop=True))
    obs_member_codes = _through(clean_member_codes, members.codes if every_row else members.codes[g])
    obs_item_codes = _through(id_codes, item_codes)
    day_key = _combined_codes([(obs_member_codes, len(clean_members)),
                               (parsed.day_codes if every_row else parsed.day_codes[g],
                                int(parsed.day_codes.max(initial=0)) + 1),
                               (obs_item_codes, len(id_uniques))], dense=False)
    good_codes = good_only(score_codes)
    obs = pd.DataFrame({  # new arrays only: no need for the frame to copy them again
        "member": member_text(),
        "date": dates if every_row else dates[g],
        "item": item_text(),
        "score": parsed_scores.score[good_codes],
        "raw_value": value_text(),
        "raw_scale": _provenance(parsed_scores.scale, good_codes),
        "source_file": one_value(ledger.file, len(g)),
        "source_row": rows if every_row else rows[g]}, copy=False)
    ledger.problems.extend(_total_mismatches(canon, obs, rows, ledger.file))
    # Which members and items the observations hold, from their codes (not a million strings).
    # (When every cell gave a score, every distinct item and member is in them.)
    present_items = set(id_uniques if all_good and every and not exact_too else id_uniques[np.flatnonzero(
        np.bincount(obs_item_codes, minlength=len(id_uniques)))])
    present_members = set(clean_members if every_row else clean_members[np.flatnonzero(
        np.bincount(obs_member_codes, minlength=len(clean_members)))])
    custom = sorted(set(item_ids) - set(_vocabulary_ids()))
    if custom:
        custom = [c for c in custom if c in present_items]
    # Wide files already named each such column; the summary is for names found in cells.
    if custom and not any(p.code == "custom_item" for p in canon.messages):
        ledger.problems.append(Problem(file=ledger.file, severity="info", code="custom_items",
                                       message="Symptoms oms_dash does not know were kept as their own: "
                                               + ", ".join(custom[:10]) + ("…" if len(custom) > 10 else "")))
    return _Observations(obs, day_key, present_members, present_items)


def _accept_live(ledger: Ledger, frame: pd.DataFrame | None) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of an adapter's table (events, notes, treatments) whose record is live, and those
    records, which are accepted: they gave something."""
    if frame is None or not len(frame):
        return frame.iloc[0:0] if frame is not None else pd.DataFrame(), np.array([], dtype=np.int64)
    rec = frame["record"].to_numpy(dtype=np.int64)
    keep = ledger.live(rec)
    if keep.all():  # the usual case: no copy of a table that can have a million rows
        ledger.accept(rec)
        return frame, rec
    ledger.accept(rec[keep])
    return frame[keep], rec[keep]


def _events(ledger: Ledger, canon: Canonical, members: _Members, dates: np.ndarray) -> pd.DataFrame:
    ev, ev_rec = _accept_live(ledger, _classified_events(canon.events))
    events = pd.DataFrame({"member": members.values(ev_rec), "date": dates[ev_rec],
                           "kind": ev["kind"].to_numpy() if len(ev) else [],
                           "detail": ev["text"].reset_index(drop=True) if len(ev) else [],
                           "source_file": ledger.file, "source_row": ledger.rows[ev_rec],
                           "column": ev["column"].to_numpy() if len(ev) else []})
    # A long diary repeats the day's answer on each symptom's row: one cold, not one per symptom.
    events = events.drop_duplicates(["member", "date", "kind", "detail"], ignore_index=True)
    ledger.problems.extend(_event_summaries(events, ledger.file))
    return events.drop(columns="column")


def _notes(ledger: Ledger, canon: Canonical, members: _Members, dates: np.ndarray) -> pd.DataFrame:
    nt, nt_rec = _accept_live(ledger, canon.notes)
    return pd.DataFrame({"member": members.values(nt_rec), "date": dates[nt_rec],
                         "text": nt["text"].reset_index(drop=True) if len(nt) else [],
                         "source_file": ledger.file, "source_row": ledger.rows[nt_rec]})


def _treatment_mentions(ledger: Ledger, canon: Canonical, members: _Members,
                        dates: np.ndarray) -> pd.DataFrame:
    tr, tr_rec = _accept_live(ledger, canon.treatments)
    return _courses_from_mentions(tr, tr_rec, members.codes, members.uniques, dates, ledger.rows,
                                  ledger.file)


def _onsets(ledger: Ledger, canon: Canonical, members: _Members, dates: np.ndarray) -> dict:
    """A member list's onsets: member -> onset date, for every live record."""
    if canon.onsets is None:
        return {}
    live_idx = np.flatnonzero(ledger.live())
    ledger.accept(live_idx)
    return dict(zip(members.values(live_idx), pd.to_datetime(dates[live_idx]), strict=True))


def _date_order_notes(parsed, file_name: str, column, chosen: str | None) -> list[Problem]:
    """How the day/month order of a column was decided, and what it means for dates like 03/04."""
    if not parsed.order:
        return []
    first = "day" if parsed.order == "dayfirst" else "month"
    other = "month" if first == "day" else "day"

    def note(code, severity, message):
        return Problem(file=file_name, column=column, severity=severity, code=code,
                       message=message)

    if chosen:
        return [note("date_order", "info", f"Dates were read {first}-first, as you chose.")]
    n, example = parsed.either_way, parsed.either_way_example
    dates = plural(n, "date")
    they = "It was" if n == 1 else "They were"
    if parsed.ambiguous:
        return [note("ambiguous_dates", "warning",
                     f"{dates} in this column (like '{example}') could be read day-first or month-first; "
                     f"nothing in the column tells which. {they} read day-first ('{example}' as "
                     f"{_read_as(example, 'dayfirst')}). If that is wrong, choose month-first and "
                     "read the file again.")]
    shown = (f"as {plural(parsed.evidence, 'date')} in this column "
             f"{'shows' if parsed.evidence == 1 else 'show'} (like '{parsed.evidence_example}')"
             if parsed.evidence else "though no date in this column shows the order")
    if not n:
        return [note("date_order", "info", f"Dates were read {first}-first, {shown}.")]
    # The order may rest on few dates while many could go either way: say so plainly.
    return [note("ambiguous_dates_chosen", "warning" if parsed.evidence < n else "info",
                 f"Dates were read {first}-first, {shown}; {dates} (like '{example}') could be read "
                 f"either way and {'was' if n == 1 else 'were'} read {first}-first too ('{example}' as "
                 f"{_read_as(example, parsed.order)}). If they are {other}-first, "
                 + (f"correct '{parsed.evidence_example}' or " if parsed.evidence else "")
                 + f"choose {other}-first and read the file again.")]


def _read_as(text: str, order: str) -> str:
    """'03/04/2026' read in `order`, in words: '3 April 2026'."""
    parsed = parse_dates(pd.Series([text]), order=order, allow_future=True)
    day = parsed.dates.iat[0]
    return f"{day.day} {day:%B %Y}" if pd.notna(day) else text


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """File-level notes first (errors, then warnings, then notes, each in the order they were made),
    then row problems by row (in the order they were found within a row)."""
    return sorted(problems, key=lambda p: (p.row is not None, p.row or 0,
                                           _SEVERITY_ORDER.get(p.severity, 3) if p.row is None else 0))


def _vocabulary_ids():
    return [i.id for i in ITEMS]


def _total_mismatches(canon: Canonical, obs: pd.DataFrame, rows: np.ndarray, file_name: str) -> list[Problem]:
    """A stated Mitchell-Pike total is recomputed from the six items; a mismatch is reported."""
    if canon.totals is None or obs.empty:
        return []
    mp = obs[obs["item"].isin(MITCHELL_PIKE_ITEMS)]
    sums = mp.groupby("source_row").agg(total=("score", "sum"), n=("item", "nunique"))
    # A total that is not a number is simply not checked: the items are what the dashboard uses.
    stated_values = pd.to_numeric(canon.totals["value"].astype(str).str.strip(), errors="coerce")
    stated = pd.Series(stated_values.to_numpy(),
                       index=rows[canon.totals["record"].to_numpy(dtype=np.int64)])
    both = sums[sums["n"] == len(MITCHELL_PIKE_ITEMS)].join(stated.rename("stated"), how="inner")
    column = str(canon.totals["column"].iat[0])
    return [Problem(file=file_name, row=int(row), column=column, severity="warning", code="total_mismatch",
                    message=f"the total says {r['stated']:g} but the six items add up to {r['total']:g}; "
                            "oms_dash uses the items")
            for row, r in both[both["stated"].notna() & (both["stated"] != both["total"])].iterrows()]


def combine_daily(obs: pd.DataFrame, rule: str = "max",
                  day_key: np.ndarray | None = None) -> tuple[pd.DataFrame, int]:
    """Several readings of one item on one day become one, by the stated rule (never summed).

    rule "max" keeps the reading with the highest score (the first of equals); "mean" keeps the
    first reading with the day's mean score (3 decimals). Rows stay in their original order.
    `day_key`: optional integer per row, equal exactly when (member, date, item) are (a shortcut).
    Returns the combined table and how many readings were folded into another.
    """
    if obs.empty:
        return obs, 0
    if day_key is None or len(day_key) != len(obs):
        day_key = _combined_codes([obs["member"].astype(str), obs["date"], obs["item"].astype(str)],
                                  dense=False)
    size = int(day_key.max()) + 1
    small = day_key.min() >= 0 and size <= max(1 << 22, 4 * len(day_key))  # can index an array
    if small and _count_distinct(day_key, size) == len(obs):
        return obs.reset_index(drop=True), 0  # nothing to combine: no need to number the groups
    if small and rule != "mean":
        # Each day's highest reading, the first of equals, found through arrays indexed by the
        # key: no numbering of the days. A Forms export's morning and evening questions on one
        # symptom: 0.13 s -> 0.05 s of CPU for its 500,000 readings (benchmarks, forms shape).
        score = obs["score"].to_numpy(dtype=np.float64)
        top = np.full(size, -np.inf)
        np.maximum.at(top, day_key, score)
        candidates = np.flatnonzero(score == top[day_key])
        first = np.full(size, len(obs), dtype=np.int64)
        np.minimum.at(first, day_key[candidates], candidates)
        keep = np.sort(first[first < len(obs)])
        return obs.iloc[keep].reset_index(drop=True), int(len(obs) - len(keep))
    codes, groups = pd.factorize(day_key)
    n_groups = len(groups)
    if n_groups == len(obs):
        return obs.reset_index(drop=True), 0
    score = obs["score"].to_numpy(dtype=np.float64)
    # Codes count up in order of first appearance, so a group's first row is where its code is new.
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    if rule == "mean":
        keep = np.flatnonzero(first)
        means = np.bincount(codes, weights=score, minlength=n_groups) / np.bincount(codes, minlength=n_groups)
        out = obs.iloc[keep].reset_index(drop=True)
        out["score"] = np.round(means[codes[keep]], 3)
    else:
        top = np.full(n_groups, -np.inf)
        np.maximum.at(top, codes, score)
        candidates = np.flatnonzero(score == top[codes])
        # The first candidate (in row order) of each group.
        order = pd.Series(candidates).groupby(codes[candidates], sort=False).first().to_numpy()
        out = obs.iloc[np.sort(order)].reset_index(drop=True)
    return out, int(len(obs) - n_groups)


def _classified_events(frame: pd.DataFrame) -> pd.DataFrame:
    """The event answers that report an event, each with its kind (schema.classify_event, once per
    distinct answer and column); blank, "no", "keine"... answers are not events and are left out."""
    if frame is None or not len(frame):
        return pd.DataFrame(columns=["record", "text", "column", "kind"])
    column = (frame["column"].astype(str) if "column" in frame
              else pd.Series("", index=frame.index, dtype="str"))
    text_codes, texts = pd.factorize(frame["text"].astype(str), use_na_sentinel=False)
    heading_codes, headings = pd.factorize(column, use_na_sentinel=False)
    pairs = [(text_codes, len(texts)), (heading_codes, len(headings))]
    codes = _combined_codes(pairs)  # numbered in order of first appearance, as first_positions
    kinds = np.array([classify_event(texts[text_codes[i]], headings[heading_codes[i]])
                      for i in first_positions(pairs)], dtype=object)
    kind = kinds[codes] if len(codes) else kinds[:0]
    reported = pd.notna(kind)
    return frame.assign(column=column, kind=kind)[reported].reset_index(drop=True)


def _event_summaries(events: pd.DataFrame, file_name: str) -> list[Problem]:
    """Per event column, what its answers were read as; and how many no rule could classify."""
    out = []
    for column, kinds in events.groupby("column", sort=False)["kind"]:
        counts = kinds.value_counts()
        which = ", ".join(f"{n} {EVENT_LABELS.get(k, k).lower()}" for k, n in counts.items())
        where = f"Column '{column}'" if column else "This file"
        out.append(Problem(file=file_name, column=column or None, severity="info",
                           code="events_read",
                           message=f"{where}: {plural(len(kinds), 'answer')} read as events ({which}). "
                                   "Blank answers and answers like 'no', 'none', 'nein' or '-' are not "
                                   "events."))
        other = int(counts.get("other", 0))
        if other:
            out.append(Problem(file=file_name, column=column or None, severity="info",
                               code="events_other",
                               message=f"{where}: {plural(other, 'answer')} did not say what kind of "
                                       f"event {'it was' if other == 1 else 'they were'} (an illness or "
                                       "fever, a vaccination, a steroid taper), so "
                                       f"{'it was' if other == 1 else 'they were'} kept as 'other event'. "
                                       "Words like cold, fever, jab, Impfung or taper say the kind."))
    return out


def _distinct_ascending(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, return_index=True) of non-negative integers: the distinct values ascending,
    and where each first appears. Without a sort when they span few enough values to count in an
    array (a long diary's member-treatment-days: 9 ms instead of 166 ms for 855,300 of them)."""
    size = int(key.max()) + 1
    if size > max(1 << 22, 4 * len(key)):
        return np.unique(key, return_index=True)
    first = np.full(size, len(key), dtype=np.int64)
    np.minimum.at(first, key, np.arange(len(key)))
    values = np.flatnonzero(first < len(key))
    return values, first[values]


def _courses_from_mentions(frame, records, member_codes, member_names, dates, rows,
                           file_name) -> pd.DataFrame:
    """Diary mentions of a treatment, day by day, become courses (a gap of > 14 days ends one).
    `records`: each mention's record; `member_codes` (indexing `member_names`, the cleaned member
    codes), `dates` and `rows`: per record.

    Worked on codes, not on the mentions' text (a long diary can mention a treatment on a million
    rows): the mentions are put in order of member, treatment and day, and a course starts where
    the member or the treatment changes or the days jump by more than the gap."""
    cols = ["member", "treatment", "start", "end", "dose", "source_file", "source_row"]
    if frame is None or not len(frame):
        return pd.DataFrame({c: [] for c in cols})
    text_codes, texts = pd.factorize(frame["text"].astype(str), use_na_sentinel=False)
    # Codes in the order of the names themselves, so that sorting by code sorts by name.
    treatment_rank, treatment_ids = pd.factorize(
        np.array([_treatment_id(t) for t in texts], dtype=object), sort=True)
    member_rank, member_ids = pd.factorize(np.asarray(member_names, dtype=object), sort=True)
    # One key per mention, in that order: a diary repeats the day's treatment on each symptom's
    # row, so the distinct keys (each with its first mention, whose dose stands) are far fewer.
    # Built in place, one array at a time: on the benchmark's long_treatment (a million rows) the
    # peak of the whole `oms-dash check --json` was here, 545 MB, now ~485 MB; and this step took
    # 0.20 s of CPU (sorting 855,300 keys), now 0.06 s.
    key = member_rank[member_codes[records]]
    key *= len(treatment_ids)
    key += treatment_rank[text_codes]
    del text_codes
    day = np.array(dates[records], dtype="datetime64[D]").view(np.int64)  # one new array, not two
    low = day.min()
    days = int(day.max() - low) + 1
    key *= days
    key += day
    key -= low
    del day
    keys, mention = _distinct_ascending(key)
    del key
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = np.diff(keys) > COURSE_GAP_DAYS  # a day further on, or another member or treatment
    member_treatment = keys // days
    starts[1:] |= member_treatment[1:] != member_treatment[:-1]
    first = np.flatnonzero(starts)
    last = np.append(first[1:] - 1, len(keys) - 1)
    member_treatment = member_treatment[first]
    at_start = mention[first]
    courses = pd.DataFrame({
        "member": member_ids[member_treatment // len(treatment_ids)],
        "treatment": treatment_ids[member_treatment % len(treatment_ids)],
        "start": pd.to_datetime(dates[records[at_start]]),
        "end": pd.to_datetime(dates[records[mention[last]]]),
        "dose": frame["dose"].iloc[at_start].astype(str).to_numpy(),
        "source_row": rows[records[at_start]]})
    return courses.assign(source_file=file_name)[cols]


# What people write in a course's end column while the treatment goes on: no end yet.
ONGOING_WORDS = frozenset({"ongoing", "on going", "current", "currently", "continuing", "continues",
                           "still on", "still taking", "present", "to date", "now", "not yet",
                           "n/a", "na", "-", "--", "–", "—"})


def _treatment_file(ledger: Ledger, canon: Canonical, members: _Members, dates: np.ndarray,
                    order: str | None, today) -> pd.DataFrame:
    """A file of treatment courses: each row a course, with its start (the record's date) and end."""
    courses = canon.courses.table
    end_text = courses["end"].astype(str).str.strip()
    open_ended = (end_text == "") | end_text.str.lower().str.rstrip(".").isin(ONGOING_WORDS)
    # A planned end may lie ahead; its day/month order is the start column's (decided together).
    parsed = parse_dates(end_text.where(~open_ended, "2000-01-01"), order=order, today=today,
                         allow_future=True, also=canon.records.table["date"].astype(str))
    end = parsed.dates.where(~open_ended, pd.NaT)
    bad = ((parsed.errors != "") & ~open_ended).to_numpy()
    end_column = canon.courses.end_column
    ledger.reject(bad, end_column, parsed.errors.reset_index(drop=True), "bad_date",
                  lambda idx: [str(v) for v in end_text.iloc[idx]])
    start = pd.to_datetime(dates)
    before = (end.notna() & (end.to_numpy() < start)).to_numpy()
    ledger.reject(before, end_column, "the course ends before it starts (check the start and end dates; "
                  "leave the end blank if the treatment is still going on)", "end_before_start")
    missing = (courses["treatment"].astype(str).str.strip() == "").to_numpy()
    ledger.reject(missing, canon.courses.treatment_column,
                  "the treatment name is missing (write which treatment it was, e.g. IVIG)",
                  "missing_treatment")
    live = ledger.live()
    ledger.accept(live)
    return pd.DataFrame({"member": members.values(np.flatnonzero(live)).to_numpy(),
                         "treatment": _map_unique(courses["treatment"][live], _treatment_id),
                         "start": start[live], "end": end.to_numpy()[live],
                         "dose": courses["dose"].astype(str).to_numpy()[live],
                         "source_file": ledger.file, "source_row": ledger.rows[live]})


def _report(canon, raw, ledger: Ledger, obs, events, treatments, obs_present=None) -> FileReport:
    """`obs_present`: (members, items) of `obs` when already known."""
    report = FileReport(file=ledger.file, format=canon.format, encoding=raw.encoding,
                        delimiter=raw.delimiter)
    report.rows_read = len(ledger)
    report.rows_accepted = ledger.count(ACCEPTED)
    report.rows_rejected = ledger.count(REJECTED)
    report.rows_skipped = ledger.count(SKIPPED)
    report.skipped_reasons = ledger.skipped_reasons()
    report.usable = report.rows_accepted > 0
    report.events = {str(k): int(n) for k, n in events["kind"].value_counts().items()}
    report.problems.extend(canon.messages)
    report.problems.extend(ledger.problems)
    # Distinct values first: these tables can hold millions of rows.
    obs_members, obs_items = obs_present or (pd.unique(obs["member"].dropna()),
                                             pd.unique(obs["item"].dropna()))
    report.members = sorted({str(m) for m in obs_members} | {
        str(m) for frame in (events, treatments) for m in pd.unique(frame["member"].dropna())})
    report.symptoms = sorted({str(i) for i in obs_items})
    ends = [pd.to_datetime(pd.Series([col.min(), col.max()])) for col in
            (obs["date"], events["date"], treatments["start"]) if len(col) and col.notna().any()]
    if ends:
        span = pd.concat(ends)
        report.date_min, report.date_max = pd.Timestamp(span.min()), pd.Timestamp(span.max())
    kept_cells = ledger.unused_cells_of_kept_rows(report.problems)
    report.cells_not_used = sum(len(said) for said in kept_cells.values())
    report.rejected_rows = rejected_rows_table(raw, ledger.state, ledger.reason, kept_cells)
    if not report.usable:
        report.problems.insert(0, Problem(file=ledger.file, severity="error",
                                          code="nothing_usable",
                                          message="Nothing in this file could be used: "
                                                  + _why_nothing(report)))
    return report


def rejected_rows_table(raw, state, reason, kept_cells: dict[int, list[str]]) -> pd.DataFrame | None:
    """What the page offers to download: every rejected row, and every kept row with a cell that
    was not used (`kept_cells`: record -> what is said of them), as the spreadsheet has it (its row
    number first, no index of our own), with the reason. Age, sex and country never leave in it
    (identifying columns are already gone)."""
    rejected = np.flatnonzero(state == REJECTED)
    if not len(rejected) and not kept_cells:
        return None
    listed = np.sort(np.concatenate([rejected, np.fromiter(kept_cells, dtype=np.int64)]))
    why = [reason[i] if state[i] == REJECTED else "; ".join(kept_cells[i]) for i in listed]
    cells = raw.cells.drop(columns=find_quasi_identifier_columns(raw.cells)).iloc[listed]
    table = cells.reset_index(drop=True)
    table.insert(0, "why it was rejected", pd.Series(why, dtype=object))
    table.insert(0, "spreadsheet row", raw.rows[listed])
    return table


def _why_nothing(report: FileReport) -> str:
    if report.rows_rejected:
        return (f"all {report.rows_rejected} data rows had problems (see the list below; the most "
                "common fix is the date or member column).")
    return "no row had a score, treatment or event in it."

"""Reading the dates people write: ISO, day-first, month-first, ordinals, date-times, Excel serials.

Work is done once per distinct value (a diary has far fewer distinct days than rows), and the
day/month order is decided per column from the values themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from oms_dash.codes import arrow_of

MONTHS = {m.lower(): i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
MONTHS.update({"sept": 9, "june": 6, "july": 7})
_WEEKDAY = re.compile(r"^(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+", re.I)
_ORDINAL = re.compile(r"\b(\d{1,2})(st|nd|rd|th)\b", re.I)
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[ T,])")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?:$|[ T,])")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})[ \-]([a-z]{3,9})\.?,?[ \-](\d{4})(?:$|[ T,])", re.I)
_MONTH_NAME_DAY = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(?:$|[ T,])", re.I)
_PLAIN_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_TIME = re.compile(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?")
EXCEL_EPOCH = dt.date(1899, 12, 30)
ORDERS = ("dayfirst", "monthfirst")


def _factorize(values: pd.Series):
    return pd.factorize(values.astype(str), use_na_sentinel=False)


@dataclass
class ParsedDates:
    """dates: day-resolution datetimes (NaT where unreadable); errors: message or "" per value."""

    dates: pd.Series
    codes: np.ndarray  # per value: its distinct value's position in unique_errors
    unique_errors: pd.Index  # message or "" per distinct value
    order: str | None  # "dayfirst" / "monthfirst" when numeric a/b/yyyy dates were present
    ambiguous: bool  # True when no value could tell day-first from month-first
    day_codes: np.ndarray | None = None  # per value: equal exactly when the days are equal
    either_way: int = 0  # values like 03/04/2026 (both parts 12 or under, not equal)
    either_way_example: str = ""
    evidence: int = 0  # values that showed the inferred order (13/04/2026 for day-first)
    evidence_example: str = ""

    @property
    def bad(self) -> np.ndarray:
        """Per value: True where the date could not be used (cheaper than looking at errors)."""
        return np.asarray(self.unique_errors != "", dtype=bool)[self.codes]

    @property
    def errors(self) -> pd.Series:
        """The message (or "") per value, made on demand: a million copies of "" cost time."""
        index = self.dates.index
        if not len(self.codes):
            return pd.Series(pd.Index([], dtype="str"), index=index, dtype="str")
        return pd.Series(self.unique_errors.take(self.codes), index=index, dtype="str")


def _split(value: str):
    """('ymd', y, m, d) / ('ab', a, b, y) / ('serial', n) / ('error', message)."""
    if m := _PLAIN_ISO.fullmatch(value):  # the usual 2026-03-14: what the steps below make of it
        return ("ymd", int(m[1]), int(m[2]), int(m[3]))
    text = value.strip()
    if not text:
        return ("error", "the date is missing")
    if _SERIAL.match(text):
        serial = float(text)
        if 20000 <= serial <= 80000:
            return ("serial", serial)
    text = _ORDINAL.sub(r"\1", _WEEKDAY.sub("", text))
    if (m := _ISO.match(text) or _NUMERIC.match(text)) and (wrong := _impossible_time(text[m.end():])):
        return ("error", f"'{value.strip()[:40]}' is not a real date and time: {wrong}")
    if m := _ISO.match(text):
        return ("ymd", int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC.match(text):
        year = int(m[3])
        return ("ab", int(m[1]), int(m[2]), year + 2000 if year < 100 else year)
    if m := _DAY_MONTH_NAME.match(text):
        month = MONTHS.get(m[2].lower()[:4]) or MONTHS.get(m[2].lower()[:3])
        if month:
            return ("ymd", int(m[3]), month, int(m[1]))
    if m := _MONTH_NAME_DAY.match(text):
        month = MONTHS.get(m[1].lower()[:4]) or MONTHS.get(m[1].lower()[:3])
        if month:
            return ("ymd", int(m[3]), month, int(m[2]))
    return ("error", f"'{value.strip()[:40]}' is not a date I can read (write it like 2026-03-14)")


def _impossible_time(rest: str) -> str:
    """What is wrong with the time after a date ("25:61:61": no such hour), or ''."""
    m = _TIME.match(rest)
    if not m:
        return ""
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    wrong = [f"no hour {hour}"] * (hour > 23) + [f"no minute {minute}"] * (minute > 59) + \
        [f"no second {second}"] * (second > 59)
    return ", ".join(wrong) + " (a time is 00:00 to 23:59)" if wrong else ""


def _make(y: int, m: int, d: int, text: str = ""):
    try:
        return dt.date(y, m, d), ""
    except ValueError:
        if 1 <= m <= 12:
            return None, f"{d} {dt.date(2000, m, 1):%B} {y} does not exist (check the day and month)"
        shown = f"'{text.strip()[:40]}'" if text.strip() else "this date"
        return None, f"{shown} is not a real date: there is no month {m} (write it like 2026-03-14)"


def _real(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def infer_order(a_values: list[int], b_values: list[int],
                weights: list[int] | None = None) -> tuple[str, bool]:
    """Day-first when some first parts exceed 12, month-first when some second parts do.
    `weights`: how many distinct values each pair stands for (1 each if not given)."""
    weights = weights or [1] * len(a_values)
    first_big = any(a > 12 for a in a_values)
    second_big = any(b > 12 for b in b_values)
    if first_big and not second_big:
        return "dayfirst", False
    if second_big and not first_big:
        return "monthfirst", False
    if first_big and second_big:
        # Mixed column: the majority decides; the others become row problems.
        first = sum(w for a, w in zip(a_values, weights, strict=True) if a > 12)
        second = sum(w for b, w in zip(b_values, weights, strict=True) if b > 12)
        return ("dayfirst" if first >= second else "monthfirst"), False
    return "dayfirst", True


_UNIX_ORDINAL = dt.date(1970, 1, 1).toordinal()
_NO_DAY = np.iinfo(np.int64).min  # NaT's integer


def _days_index(days: list[int]) -> pd.DatetimeIndex:
    """Days since 1970-01-01 (or _NO_DAY) as datetimes, without a Timestamp per value."""
    values = np.array(days, dtype=np.int64)
    missing = values == _NO_DAY
    ns = np.where(missing, 0, values) * np.int64(86_400_000_000_000)
    ns[missing] = _NO_DAY
    return pd.DatetimeIndex(ns.view("datetime64[ns]"))


# A date and then a time ("03/01/2026 18:15:02", "2026/03/01 8:15:02 PM GMT+1"), in printable
# ASCII and with no ordinal in it: _split reads it as its date part (_ISO or _NUMERIC) followed by
# a time that must be possible, so its date part is read once per distinct day and its time checked
# for a whole column at once. A Forms export's timestamps are all distinct; their days repeat.
_DATE_THEN_TIME = r"^(?P<date>[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4})(?P<rest>[ T,][ -~]*)$"
_ANY_ORDINAL = r"(?i)[0-9](st|nd|rd|th)"
_TIME_AT_START = r"^ *(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?"


def _read_as(uniques: pd.Index) -> tuple[list[str], np.ndarray, np.ndarray]:
    """What to read of each distinct value: (keys, key_of, whole). Value i is read as
    keys[key_of[i]]: its date part where it is a date and then a possible time, else the value
    itself (whole[i] True). Its date part gives the date _split of the whole value gives; the
    messages name the whole value (see _date_of)."""
    arrow = arrow_of(uniques)
    n = len(uniques)
    if arrow is None or not n:
        return uniques.tolist(), np.arange(n), np.ones(n, dtype=bool)
    arrow = arrow.combine_chunks()
    found = pc.extract_regex(arrow, _DATE_THEN_TIME)
    fast = pc.and_(found.is_valid(), pc.invert(pc.match_substring_regex(arrow, _ANY_ORDINAL)))
    fast = pc.fill_null(fast, False).to_numpy(zero_copy_only=False)
    if fast.any():  # only a possible time: for "25:61" _split says what is wrong
        time = pc.extract_regex(
            pc.utf8_slice_codeunits(pc.utf8_rtrim(found.field("rest"), characters=" "), start=1),
            _TIME_AT_START)
        timed = time.is_valid().to_numpy(zero_copy_only=False)
        for field, top in (("h", 23), ("m", 59), ("s", 59)):
            text = pc.if_else(time.is_valid(), time.field(field), "")
            number = pc.cast(pc.if_else(pc.equal(text, ""), "0", text), pa.int64()).to_numpy()
            fast &= ~timed | (number <= top)
    key_text = pc.if_else(pa.array(fast), found.field("date"), arrow).dictionary_encode(
        null_encoding="encode")
    return (key_text.dictionary.to_pylist(), key_text.indices.to_numpy(zero_copy_only=False),
            ~fast)


def _date_of(u: str, p: tuple, used_order: str | None, order: str | None, today: dt.date,
             allow_future: bool):
    """The date (or None) and message ("" if fine) of the text `u`, whose _split is `p`."""
    kind = p[0]
    if kind == "error":
        date, err = None, p[1]
    elif kind == "serial":
        date, err = EXCEL_EPOCH + dt.timedelta(days=int(p[1])), ""
    elif kind == "ymd":
        date, err = _make(p[1], p[2], p[3], u)
    else:
        day, month = (p[1], p[2]) if used_order == "dayfirst" else (p[2], p[1])
        date, err = _make(p[3], month, day, u)
        if err and month > 12 and day <= 12:
            first = "day" if used_order == "dayfirst" else "month"
            err = (f"'{u.strip()[:40]}' does not fit the order you chose ({first} first); write "
                   "it like 2026-03-14" if order else
                   f"'{u.strip()[:40]}' does not fit the other dates in this column, which put "
                   f"the {first} first (write it like 2026-03-14)")
    if date is not None and date > today and not allow_future:
        date, err = None, f"{date:%Y-%m-%d} is in the future (check the year)"
    elif date is not None and date.year < 1950:
        date, err = None, f"{date:%Y-%m-%d} is too long ago to be a diary date (a typo?)"
    return date, err


def parse_dates(values: pd.Series, order: str | None = None,
                today: dt.date | None = None, factorize=None, *, allow_future: bool = False,
                also: pd.Series | None = None) -> ParsedDates:
    """Parses a column of date text; `order` forces day-first/month-first for a/b/yyyy dates.
    `factorize`: optional values -> (codes, uniques) that may already know this column.
    `allow_future`: dates after today are fine (a planned end), else they are errors.
    `also`: another column written the same way (a course's end beside its start): the day/month
    order is decided from both together, so the two columns never disagree."""
    today = today or dt.date.today()
    codes, uniques = (factorize or _factorize)(values)
    codes = np.asarray(codes)
    # Each distinct value is read through its key (its date part, for a date and a time): on a
    # Forms export of 30,000 rows this halved read_file (0.81 s to 0.40 s of CPU, 27x to 13x the
    # floor of benchmarks/ingest.py).
    keys, key_of, whole = _read_as(uniques)
    parts = [_split(k) for k in keys]
    weight = np.bincount(key_of, minlength=len(keys))  # distinct values per key: each has a vote
    ab = [(p, w) for p, w in zip(parts, weight.tolist(), strict=True) if p[0] == "ab"]
    if also is not None:
        ab = ab + [(p, 1) for p in map(_split, pd.unique(also.astype(str))) if p[0] == "ab"]
    ambiguous = False
    used_order = None
    # Only real dates vote on the order: 31/02/2026 is no date either way, so its 31 says nothing.
    votes = [(p, w) for p, w in ab if _real(p[3], p[2], p[1]) or _real(p[3], p[1], p[2])]
    if votes:
        inferred, ambiguous = infer_order([p[1] for p, _ in votes], [p[2] for p, _ in votes],
                                          [w for _, w in votes])
        used_order = order or inferred
        ambiguous = ambiguous and order is None
    elif ab:  # only impossible dates: each is a row problem whatever the order
        used_order = order or "dayfirst"
    out_dates: list = []
    key_errors: list[str] = []
    for k, p in zip(keys, parts, strict=True):
        date, err = _date_of(k, p, used_order, order, today, allow_future)
        out_dates.append(date.toordinal() - _UNIX_ORDINAL if date is not None else _NO_DAY)
        key_errors.append(err)
    key_errors_array = np.asarray(key_errors, dtype=object)
    out_errors = key_errors_array[key_of]
    # A value read through its date part, with a message: the message names the whole value.
    for i in np.flatnonzero(~whole & (key_errors_array != "")[key_of]).tolist():
        text = str(uniques[i])
        out_errors[i] = _date_of(text, _split(text), used_order, order, today, allow_future)[1]
    either = [i for i, p in enumerate(parts) if p[0] == "ab" and p[1] <= 12 and p[2] <= 12 and p[1] != p[2]]
    shown = [i for i, p in enumerate(parts) if p[0] == "ab" and not key_errors[i]
             and (p[1] > 12 if used_order == "dayfirst" else p[2] > 12)]
    # How many cells each key stands for: needed only when some are day/month dates.
    counts = (np.bincount(key_of[codes], minlength=len(keys)) if len(codes) and (either or shown)
              else np.zeros(len(keys), int))
    date_lookup = (_days_index(out_dates).take(key_of) if out_dates else pd.DatetimeIndex([]))
    dates = pd.Series(date_lookup.take(codes) if len(codes) else date_lookup[:0], index=values.index)
    day_of_unique, days = pd.factorize(date_lookup, use_na_sentinel=False)
    # Each text its own day (the usual case: one way of writing dates): the codes already say it.
    day_codes = (codes if len(days) == len(uniques) else day_of_unique[codes] if len(codes)
                 else np.zeros(0, dtype=np.int64))
    return ParsedDates(dates=dates, codes=codes, unique_errors=pd.Index(out_errors, dtype="str"),
                       order=used_order, ambiguous=ambiguous, day_codes=day_codes,
                       either_way=int(counts[either].sum()),
                       either_way_example=_first_of(uniques, key_of, either),
                       evidence=int(counts[shown].sum()),
                       evidence_example=_first_of(uniques, key_of, shown))


def _first_of(uniques: pd.Index, key_of: np.ndarray, keys: list[int]) -> str:
    """The first distinct value read through one of these keys, as a message shows it."""
    if not keys:
        return ""
    return str(uniques[int(np.argmax(np.isin(key_of, keys)))]).strip()[:40]

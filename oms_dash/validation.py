"""From a Canonical layout to the tidy tables, accounting for every record: nothing is lost.

Every data record ends in exactly one of three states, so that for each file
rows_read == rows_accepted + rows_rejected + rows_skipped:
- accepted: it gave at least one score, event, treatment, note, course or onset;
- rejected: its member or date is missing or wrong, it repeats an earlier row exactly, or every
  score on it is unreadable (each with a problem naming its row, column and reason);
- skipped: by design (a blank line, an app's weather or food entry, nothing recorded on it).
A bad cell on an otherwise good wide row is reported as its own problem and the row is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oms_dash.adapters import Canonical
from oms_dash.dates import parse_dates
from oms_dash.model import FileReport, Problem
from oms_dash.readers import RawTable
from oms_dash.schema import (
    MITCHELL_PIKE_ITEMS,
    custom_item_id,
    match_event,
    match_item,
    match_treatment,
    normalise_text,
)
from oms_dash.scores import parse_scores

DAILY_RULES = {"max": "the day's highest score (daily maximum)", "mean": "the day's average (daily mean)"}
COURSE_GAP_DAYS = 14  # diary mentions of a treatment further apart than this start a new course


@dataclass
class Tables:
    observations: pd.DataFrame
    treatments: pd.DataFrame
    events: pd.DataFrame
    notes: pd.DataFrame
    onsets: dict


def normalise_member(values: pd.Series) -> pd.Series:
    """Member codes match case- and space-insensitively: ' f 01' and 'F01' are one member."""
    codes, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    clean = np.array(["".join(str(u).split()).upper() for u in uniques], dtype=object)
    return pd.Series(clean[codes] if len(codes) else clean[:0], index=values.index, dtype=object)


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


def validate(canon: Canonical, raw: RawTable, file_name: str, date_order: str | None = None,
             daily_rule: str = "max", today: dt.date | None = None) -> tuple[Tables, FileReport]:
    records = canon.records
    n = len(records)
    rows = records["row"].to_numpy()
    member_col = records.attrs.get("member_column")
    date_col = records.attrs.get("date_column")
    problems: list[dict] = []
    state = np.full(n, "", dtype=object)  # "", "rejected", "skipped"
    reason = np.full(n, "", dtype=object)

    def reject(mask: np.ndarray, column, messages, code: str, value=None) -> None:
        new = mask & (state == "")
        state[new] = "rejected"
        reason[new] = messages[new] if isinstance(messages, np.ndarray) else messages
        idx = np.flatnonzero(new)
        msgs = messages[idx] if isinstance(messages, np.ndarray) else [messages] * len(idx)
        vals = value[idx] if isinstance(value, np.ndarray) else [None] * len(idx)
        problems.extend({"row": int(rows[i]), "column": column, "severity": "error", "code": code,
                         "message": m, "value": v} for i, m, v in zip(idx, msgs, vals, strict=True))

    # Skipped by design: blank lines and entries that are not symptom data.
    nonblank = np.zeros(n, dtype=bool)
    for column in raw.cells.columns:
        nonblank |= (raw.cells[column].str.strip() != "").to_numpy()
    state[~nonblank] = "skipped"
    reason[~nonblank] = "empty row"
    if len(canon.skipped):
        idx = canon.skipped.index.to_numpy()
        live = state[idx] == ""
        state[idx[live]] = "skipped"
        reason[idx[live]] = canon.skipped.to_numpy()[live]

    # Exact duplicates of an earlier row.
    row_hash = pd.util.hash_pandas_object(raw.cells, index=False).to_numpy()
    first = pd.Series(np.arange(n)).groupby(row_hash).transform("min").to_numpy()
    dup = first != np.arange(n)
    reject(dup, None, np.array([f"exact duplicate of row {rows[f]}" for f in first], dtype=object)
           if dup.any() else "", "duplicate")

    members = normalise_member(records["member"].fillna(""))
    reject((members == "").to_numpy(), member_col,
           "the member code is missing (every row needs the member's code, e.g. F01)", "missing_member")
    parsed = parse_dates(records["date"].fillna(""), order=date_order, today=today)
    bad_date = (parsed.errors != "").to_numpy()
    reject(bad_date, date_col, parsed.errors.to_numpy(dtype=object), "bad_date",
           records["date"].to_numpy(dtype=object))
    if parsed.ambiguous:
        problems.append({"row": None, "column": date_col, "severity": "warning", "code": "ambiguous_dates",
                         "message": "Every date in this column could be day-first or month-first "
                                    "(like 03/04/2026). They were read day-first (3 April). If that "
                                    "is wrong, choose month-first and read the file again."})
    elif parsed.order:
        how = "as you chose" if date_order else "as the values in this column show"
        problems.append({"row": None, "column": date_col, "severity": "info", "code": "date_order",
                         "message": f"Dates were read {'day' if parsed.order == 'dayfirst' else 'month'}"
                                    f"-first, {how}."})
    dates = parsed.dates.dt.normalize().to_numpy()
    contributed = np.zeros(n, dtype=bool)

    # Score cells.
    cells = canon.cells
    obs = pd.DataFrame(columns=["member", "date", "item", "score", "raw_value", "raw_scale",
                                "source_file", "source_row"])
    if len(cells):
        rec = cells["record"].to_numpy(dtype=np.int64)
        values = cells["value"].astype(str)
        live = (state[rec] == "") & (values.str.strip() != "").to_numpy()
        cells = cells[live]
        rec = rec[live]
        score, scale, error = parse_scores(cells["value"].astype(str), cells["lo"].astype(float),
                                           cells["hi"].astype(float))
        bad = (error != "").to_numpy()
        good = ~bad & score.notna().to_numpy()  # "n/a" and the like: not recorded, like a blank
        contributed[rec[good]] = True
        bad_idx = np.flatnonzero(bad)
        problems.extend({"row": int(rows[rec[i]]), "column": str(cells["column"].iat[i]),
                         "severity": "error", "code": "bad_score", "message": str(error.iat[i]),
                         "value": str(cells["value"].iat[i])} for i in bad_idx)
        all_bad = np.zeros(n, dtype=bool)
        all_bad[rec[bad]] = True
        all_bad &= ~contributed
        first_err = pd.Series(error.to_numpy()[bad], index=rec[bad]).groupby(level=0).first()
        msgs = np.full(n, "", dtype=object)
        msgs[first_err.index.to_numpy()] = first_err.to_numpy()
        # Those rows get no second problem line: the cell problem above already names them.
        state[all_bad & (state == "")] = "rejected"
        reason[all_bad] = msgs[all_bad]
        g = rec[good]
        items = _map_unique(cells["item"][good], _item_id)
        if "exact" in cells:
            exact = cells["exact"].to_numpy(dtype=bool)[good]
            if exact.any():
                items[exact] = _map_unique(cells["item"][good][exact], _exact_item_id)
        obs = pd.DataFrame({
            "member": members.to_numpy()[g], "date": dates[g],
            "item": items,
            "score": score.to_numpy()[good], "raw_value": cells["value"].to_numpy()[good],
            "raw_scale": scale.to_numpy()[good], "source_file": file_name, "source_row": rows[g]})
        _check_totals(canon, obs, rows, problems)
        custom = sorted(set(obs["item"]) - set(_vocabulary_ids()))
        if custom:
            problems.append({"row": None, "column": None, "severity": "info", "code": "custom_items",
                             "message": "Symptoms oms_dash does not know were kept as their own: "
                                        + ", ".join(custom[:10]) + ("…" if len(custom) > 10 else "")})

    def side(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        if frame is None or not len(frame):
            return frame.iloc[0:0] if frame is not None else pd.DataFrame(), np.array([], dtype=np.int64)
        rec = frame["record"].to_numpy(dtype=np.int64)
        keep = state[rec] == ""
        contributed[rec[keep]] = True
        return frame[keep], rec[keep]

    ev, ev_rec = side(canon.events)
    events = pd.DataFrame({"member": members.to_numpy()[ev_rec], "date": dates[ev_rec],
                           "kind": _map_unique(ev["text"], lambda t: match_event(t) or "other")
                           if len(ev) else [],
                           "detail": ev["text"].to_numpy() if len(ev) else [],
                           "source_file": file_name, "source_row": rows[ev_rec]})
    nt, nt_rec = side(canon.notes)
    notes = pd.DataFrame({"member": members.to_numpy()[nt_rec], "date": dates[nt_rec],
                          "text": nt["text"].to_numpy() if len(nt) else [],
                          "source_file": file_name, "source_row": rows[nt_rec]})
    tr, tr_rec = side(canon.treatments)
    treatments = _courses_from_mentions(tr, members.to_numpy()[tr_rec], dates[tr_rec], rows[tr_rec],
                                        file_name)

    if canon.courses is not None:
        treatments = _treatment_file(canon, members, dates, rows, state, reject, contributed,
                                     file_name, date_order, today)
    onsets: dict = {}
    if canon.onsets is not None:
        live = state == ""
        contributed[live] = True
        onsets = dict(zip(members.to_numpy()[live], pd.to_datetime(dates[live]), strict=True))

    # Whatever is left gave nothing and had nothing wrong: skipped, with the reason said.
    nothing = (state == "") & ~contributed
    state[nothing] = "skipped"
    reason[nothing] = "nothing recorded on this row (all symptom cells blank)"
    state[state == ""] = "accepted"

    obs, combined = combine_daily(obs, daily_rule)
    report = _report(canon, raw, file_name, state, reason, problems, obs, events, treatments)
    if combined:
        report.daily_rule = DAILY_RULES[daily_rule]
        times = "once" if combined == 1 else f"{combined} times"
        report.problems.append(Problem(file_name, None, None, "info", "daily_rule",
                                       f"A symptom was recorded more than once on the same day "
                                       f"({times}); oms_dash kept {DAILY_RULES[daily_rule]}, "
                                       "never the sum."))
    obs = obs.astype({"score": "float64", "source_row": "int64"})
    obs["date"] = pd.to_datetime(obs["date"])
    report.problems = sort_problems(report.problems)
    return Tables(obs, treatments, events, notes, onsets), report


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """File-level notes first (in the order they were made), then row problems by row."""
    return sorted(problems, key=lambda p: (p.row is not None, p.row or 0))


def _vocabulary_ids():
    from oms_dash.schema import ITEMS

    return [i.id for i in ITEMS]


def _check_totals(canon: Canonical, obs: pd.DataFrame, rows: np.ndarray, problems: list) -> None:
    """A stated Mitchell-Pike total is recomputed from the six items; a mismatch is reported."""
    if canon.totals is None or obs.empty:
        return
    mp = obs[obs["item"].isin(MITCHELL_PIKE_ITEMS)]
    sums = mp.groupby("source_row").agg(total=("score", "sum"), n=("item", "nunique"))
    # A total that is not a number is simply not checked: the items are what the dashboard uses.
    stated_values = pd.to_numeric(canon.totals["value"].astype(str).str.strip(), errors="coerce")
    stated = pd.Series(stated_values.to_numpy(),
                       index=rows[canon.totals["record"].to_numpy(dtype=np.int64)])
    both = sums[sums["n"] == len(MITCHELL_PIKE_ITEMS)].join(stated.rename("stated"), how="inner")
    column = str(canon.totals["column"].iat[0])
    for row, r in both[both["stated"].notna() & (both["stated"] != both["total"])].iterrows():
        problems.append({"row": int(row), "column": column, "severity": "warning", "code": "total_mismatch",
                         "message": f"the total says {r['stated']:g} but the six items add up to "
                                    f"{r['total']:g}; oms_dash uses the items"})


def combine_daily(obs: pd.DataFrame, rule: str = "max") -> tuple[pd.DataFrame, int]:
    """Several readings of one item on one day become one, by the stated rule (never summed)."""
    if obs.empty:
        return obs, 0
    key = ["member", "date", "item"]
    dup = obs.duplicated(key, keep=False)
    if not dup.any():
        return obs.reset_index(drop=True), 0
    many = obs[dup]
    n_combined = int(len(many) - many.groupby(key, sort=False).ngroups)
    if rule == "mean":
        first = many.drop_duplicates(key).set_index(key)
        first["score"] = many.groupby(key, sort=False)["score"].mean().round(3)
        merged = first.reset_index()
    else:
        merged = many.sort_values("score", ascending=False, kind="stable").drop_duplicates(key)
    out = pd.concat([obs[~dup], merged], ignore_index=True)
    return out.sort_values(["member", "date", "item"], kind="stable").reset_index(drop=True), n_combined


def _courses_from_mentions(frame, members, dates, rows, file_name) -> pd.DataFrame:
    """Diary mentions of a treatment, day by day, become courses (a gap of > 14 days ends one)."""
    cols = ["member", "treatment", "start", "end", "dose", "source_file", "source_row"]
    if frame is None or not len(frame):
        return pd.DataFrame({c: [] for c in cols})
    ids = _map_unique(frame["text"], _treatment_id)
    m = pd.DataFrame({"member": members, "treatment": ids, "date": pd.to_datetime(dates),
                      "dose": frame["dose"].astype(str).to_numpy(), "row": rows})
    m = m.sort_values(["member", "treatment", "date"])
    new = (m["date"].diff().dt.days.fillna(COURSE_GAP_DAYS + 1) > COURSE_GAP_DAYS) | \
          (m["member"] != m["member"].shift()) | (m["treatment"] != m["treatment"].shift())
    m["course"] = new.cumsum()
    out = m.groupby("course").agg(member=("member", "first"), treatment=("treatment", "first"),
                                  start=("date", "min"), end=("date", "max"), dose=("dose", "first"),
                                  source_row=("row", "first"))
    return out.assign(source_file=file_name)[cols].reset_index(drop=True)


def _treatment_file(canon, members, dates, rows, state, reject, contributed, file_name, order, today):
    courses = canon.courses
    end_text = courses["end"].astype(str).str.strip()
    parsed = parse_dates(end_text.where(end_text != "", "2000-01-01"), order=order, today=today)
    end = parsed.dates.where(end_text != "", pd.NaT)
    bad = ((parsed.errors != "") & (end_text != "")).to_numpy()
    end_column = courses.attrs.get("end_column", "end")
    reject(bad, end_column, parsed.errors.to_numpy(dtype=object), "bad_date",
           end_text.to_numpy(dtype=object))
    start = pd.to_datetime(dates)
    before = (end.notna() & (end.to_numpy() < start)).to_numpy()
    reject(before, end_column, "the course ends before it starts (check the start and end dates; "
           "leave the end blank if the treatment is still going on)", "end_before_start")
    missing = (courses["treatment"].astype(str).str.strip() == "").to_numpy()
    reject(missing, courses.attrs.get("treatment_column", "treatment"),
           "the treatment name is missing (write which treatment it was, e.g. IVIG)", "missing_treatment")
    live = state == ""
    contributed[live] = True
    return pd.DataFrame({"member": members.to_numpy()[live],
                         "treatment": _map_unique(courses["treatment"][live], _treatment_id),
                         "start": start[live], "end": end.to_numpy()[live],
                         "dose": courses["dose"].astype(str).to_numpy()[live],
                         "source_file": file_name, "source_row": rows[live]})


def _report(canon, raw, file_name, state, reason, problems, obs, events, treatments) -> FileReport:
    report = FileReport(file=file_name, format=canon.format, encoding=raw.encoding,
                        delimiter=raw.delimiter)
    report.rows_read = len(state)
    report.rows_accepted = int((state == "accepted").sum())
    report.rows_rejected = int((state == "rejected").sum())
    report.rows_skipped = int((state == "skipped").sum())
    skipped = pd.Series(reason[state == "skipped"])
    report.skipped_reasons = {str(k): int(v) for k, v in skipped.value_counts().items()}
    report.usable = report.rows_accepted > 0
    for code, column, message in canon.messages:
        report.problems.append(Problem(file_name, None, column, "info", code, message))
    report.problems.extend(Problem(file_name, p["row"], p["column"], p["severity"], p["code"],
                                   p["message"], p.get("value")) for p in problems)
    dated = pd.concat([obs["date"], events["date"], treatments["start"]]).dropna()
    members = pd.concat([obs["member"], events["member"], treatments["member"]])
    report.members = sorted(set(members.astype(str)))
    report.symptoms = sorted(set(obs["item"].astype(str)))
    if len(dated):
        report.date_min, report.date_max = pd.Timestamp(dated.min()), pd.Timestamp(dated.max())
    rejected = np.flatnonzero(state == "rejected")
    if len(rejected):
        report.rejected_rows = raw.cells.iloc[rejected].assign(
            **{"spreadsheet row": raw.rows[rejected], "why it was rejected": reason[rejected]})
    if not report.usable:
        report.problems.insert(0, Problem(file_name, None, None, "error", "nothing_usable",
                                          "Nothing in this file could be used: " + _why_nothing(report)))
    return report


def _why_nothing(report: FileReport) -> str:
    if report.rows_rejected:
        return (f"all {report.rows_rejected} data rows had problems (see the list below; the most "
                "common fix is the date or member column).")
    return "no row had a score, treatment or event in it."

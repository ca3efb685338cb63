"""The numbers behind the pages, as one JSON-ready object (`oms-dash summary --json`).

Made by the same analysis functions the pages call, with the same small-group suppression: a
program (a spreadsheet, a script, another coordinator's check) reads what the charts show.
No Streamlit, no plotly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pandas as pd

from oms_dash import analysis, since_meeting
from oms_dash.model import GroupData

DEFAULT_WEEKS = 4  # as Compare patterns ▸ Before / after starts
DEFAULT_MIN_LOGS = 2


def _day(value) -> str | None:
    return None if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _number(value) -> float | None:
    """A float for JSON: NaN (suppressed or not computed) becomes null."""
    if value is None or pd.isna(value):
        return None
    value = float(value)
    return None if math.isinf(value) else round(value, 4)


def _treatments_started(group: GroupData) -> list[str]:
    """Treatments with a start, the most widely started first (as the sidebar lists them)."""
    t = group.treatments.loc[group.treatments["start"].notna()]
    counts = t.groupby(t["treatment"].astype("str"))["member"].nunique()
    return [str(name) for name in counts.sort_values(ascending=False, kind="stable").index]


def _before_after(scores: analysis.Scores, group: GroupData, treatment: str, weeks: int,
                  min_logs: int) -> dict:
    result = analysis.before_after(scores, group.treatments, treatment, weeks=weeks, min_logs=min_logs)
    per_member = []
    if not result.hidden:  # fewer than k members had it: nothing per member, as on the page
        for row in result.per_member.itertuples(index=False):
            also = f"; also started {row.other_treatment}" if row.other_treatment else ""
            per_member.append({"member": str(row.member), "before": _number(row.before),
                               "after": _number(row.after), "n_before": int(row.n_before),
                               "n_after": int(row.n_after), "change": _number(row.change),
                               "flag": row.verdict + also})
    interval = [_number(v) for v in result.interval]
    return {"treatment": treatment, "weeks": weeks, "per_member": per_member,
            "n_members": int(result.n_members), "median_change": _number(result.median_change),
            "interval": None if None in interval else interval, "lower": int(result.lower),
            "higher": int(result.higher), "same": int(result.same), "margin": _number(result.margin),
            "verdict": result.group_verdict or None}


def _group_course(scores: analysis.Scores) -> list[dict]:
    course = analysis.group_course(scores)
    return [{"week": _day(row.week), "median": _number(row.median), "q1": _number(row.q25),
             "q3": _number(row.q75), "n": int(row.n_members)} for row in course.table.itertuples(index=False)]


def _cooccurrence(daily: pd.DataFrame) -> list[dict]:
    co = analysis.cooccurrence(daily)
    items = list(co.rho.index)
    pairs = []
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            rho = co.rho.loc[a, b]
            if pd.notna(rho):
                pairs.append({"a": str(a), "b": str(b), "rho": _number(rho),
                              "n_members": int(co.n_members.loc[a, b])})
    return pairs


def group_summary(group: GroupData, preset: str = analysis.DEFAULT_PRESET,
                  weeks: int = DEFAULT_WEEKS, min_logs: int = DEFAULT_MIN_LOGS,
                  today: dt.date | None = None) -> dict:
    """The summary object documented in the README (dates as YYYY-MM-DD, NaN as null), with
    "since_last_meeting" when the group (a group file) has a meeting before ``today``."""
    daily = analysis.daily_scores(group.observations)
    scores = analysis.score_series(daily)
    measure = scores.measure
    rule = analysis.RelapseRule.for_measure(measure, preset)
    found = analysis.detect_relapses(scores, rule).table
    relapses = [{"member": str(r.member), "start": _day(r.start), "baseline": _number(r.baseline),
                 "peak": _number(r.peak), "preset": preset} for r in found.itertuples(index=False)]
    rule_said = {**dataclasses.asdict(rule), "description": rule.describe(),
                 "error_rates": rule.error_rates()}
    last = since_meeting.last_meeting(group.meetings, today or dt.date.today())
    since = {} if last is None else {"since_last_meeting": since_meeting.as_json(
        since_meeting.since_meeting(group, last, scores.table, measure, rule))}
    return {
        "members": list(group.members),
        "measure": analysis.measure_label(measure),
        "relapses": relapses,
        "rule": rule_said,
        "before_after": [_before_after(scores, group, treatment, weeks, min_logs)
                         for treatment in _treatments_started(group)],
        "group_course": _group_course(scores),
        "cooccurrence": _cooccurrence(daily),
        **since,
    }

"""Since the last meeting, at its edges: no meeting, a meeting today, nothing logged since, one
member, a relapse since, a rare treatment."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from oms_dash import analysis, charts
from oms_dash import since_meeting as sm
from oms_dash.ingest import merge
from oms_dash.schema import TREATMENT_COLUMNS
from tests.conftest import read

START = dt.date(2026, 1, 1)
MEETING = dt.date(2026, 3, 1)


def _log(levels: dict[str, list[tuple[int, float]]]) -> bytes:
    """One symptom a day for each member: runs of (days, score) from START."""
    rows = ["member,date,symptom,severity"]
    for member, runs in levels.items():
        day = START
        for days, score in runs:
            for _ in range(days):
                rows.append(f"{member},{day:%Y-%m-%d},myoclonus,{score:g}")
                day += dt.timedelta(days=1)
    return ("\n".join(rows) + "\n").encode()


def _group(levels, treatments=()):
    group = merge([read("log.csv", _log(levels))], "max")
    if treatments:
        group.treatments = pd.DataFrame(
            [(m, t, pd.Timestamp(s), pd.NaT, None, "log.csv", i + 2)
             for i, (m, t, s) in enumerate(treatments)],
            columns=list(TREATMENT_COLUMNS)).astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})
    return group


def _since(group, meeting=MEETING, k=None):
    scores, measure = sm.total_scores(group.observations)
    rule = analysis.RelapseRule.for_measure(measure)
    return sm.since_meeting(group, meeting, scores, measure, rule, k=k)


DAYS_TO_MEETING = (MEETING - START).days + 1  # the meeting's own day is before it
# Three members whose level after the meeting is higher, about the same and lower.
THREE = {"F01": [(DAYS_TO_MEETING, 0), (30, 2)], "F02": [(DAYS_TO_MEETING, 1), (30, 1)],
         "F03": [(DAYS_TO_MEETING, 2), (30, 0)]}


def test_the_last_meeting_is_the_latest_before_today():
    today = dt.date(2026, 5, 5)
    assert sm.last_meeting((), today) is None
    assert sm.last_meeting((today,), today) is None  # a meeting marked today is this meeting
    assert sm.last_meeting((dt.date(2026, 3, 1), dt.date(2026, 4, 2), today), today) == dt.date(2026, 4, 2)


def test_new_logs_and_who_logged_since():
    result = _since(_group({**THREE, "F04": [(20, 1)]}))
    assert (result.rows, result.log_days, result.logged) == (90, 90, ["F01", "F02", "F03"])
    labels = charts.member_labels(["F01", "F02", "F03", "F04"])
    said = sm.lines(result, labels)
    assert "90 days logged by 3 of 4 members" in said[0]
    assert "Logged since: Member A, Member B, Member C." in said


def test_each_members_latest_level_is_set_against_the_meeting():
    result = _since(_group(THREE))
    assert dict(zip(result.levels["member"], result.levels["verdict"], strict=True)) == {
        "F01": "higher", "F02": "about the same", "F03": "lower"}
    assert result.verdict_counts() == {"lower": 1, "about the same": 1, "higher": 1}
    labels = charts.member_labels(["F01", "F02", "F03"])
    said = sm.lines(result, labels)[-1]
    assert "lower for Member C; about the same for Member B; higher for Member A" in said
    meeting = " ".join(sm.lines(result, labels, meeting_mode=True))
    assert "lower for 1 member, about the same for 1 member, higher for 1 member" in meeting
    assert "Member A" not in meeting


def test_a_change_within_the_before_after_margin_is_about_the_same():
    # After the meeting, the last four weeks' means are 1 + 6/28 (within a quarter step) and 1 + 8/28.
    group = _group({"F01": [(DAYS_TO_MEETING, 1), (22, 1), (6, 2)],
                    "F02": [(DAYS_TO_MEETING, 1), (20, 1), (8, 2)], "F03": [(DAYS_TO_MEETING, 1), (28, 1)]})
    assert _since(group).levels["verdict"].tolist() == ["about the same", "higher", "about the same"]
    assert analysis.same_margin(analysis.MEASURE_MP) == analysis.SAME_MARGIN * 6


def test_a_meeting_today_has_nothing_since_it_yet():
    group = _group(THREE)
    today = group.observations["date"].max().date()
    result = _since(group, meeting=today)
    assert (result.rows, result.log_days, result.logged) == (0, 0, [])
    assert set(result.levels["verdict"]) == {sm.NO_LOG_SINCE}
    assert not result.levels_shown  # nobody is compared: no counts
    assert sm.lines(result, {})[0].startswith("No logs dated after the meeting yet")
    assert result.relapses.empty and result.starts.empty


def test_members_with_no_log_since_are_said_so_not_compared():
    group = _group({"F01": [(40, 1)], "F02": [(40, 2)], "F03": [(40, 0)]})  # the last logs: 9 February
    result = _since(group)
    assert result.rows == 0 and result.compared.empty
    assert set(result.levels["verdict"]) == {sm.NO_LOG_SINCE}
    assert "not summarised" in sm.lines(result, {})[-1]


def test_one_member_is_never_summarised():
    result = _since(_group({"F01": THREE["F01"]}))
    assert len(result.compared) == 1 and not result.levels_shown
    said = sm.lines(result, {"F01": "Member A"})
    assert "not summarised, as fewer than 3 members" in said[-1]
    assert "higher" not in said[-1]
    assert sm.as_json(result)["levels"] == {"margin": analysis.SAME_MARGIN, "counts": None, "per_member": [],
                                            "window_days": sm.LEVEL_WINDOW_DAYS}


def test_a_relapse_since_the_meeting_is_found_and_one_before_it_is_not():
    # F01 rises a month before the meeting and settles; F02 rises three weeks after it.
    group = _group({"F01": [(DAYS_TO_MEETING - 30, 0), (20, 3), (40, 0)],
                    "F02": [(DAYS_TO_MEETING + 20, 0), (20, 3)], "F03": [(DAYS_TO_MEETING + 40, 1)]})
    result = _since(group)
    scores, measure = sm.total_scores(group.observations)
    every = analysis.detect_relapses(analysis.Scores(scores, measure),
                                     analysis.RelapseRule.for_measure(measure)).table
    assert set(every["member"]) == {"F01", "F02"}  # the rule finds both rises
    assert result.relapses["member"].tolist() == ["F02"]
    assert (result.relapses["start"] > pd.Timestamp(MEETING)).all()
    said = sm.lines(result, charts.member_labels(["F01", "F02", "F03"]))
    assert "Relapses found since: 1 relapse in 1 member: Member B (balanced setting)." in said


@pytest.mark.parametrize("k, named", [(3, {"ivig": 3}), (4, {})])
def test_a_treatment_fewer_than_k_members_ever_had_is_not_named(k, named):
    treatments = [("F01", "ivig", "2026-03-05"), ("F02", "ivig", "2026-03-09"), ("F03", "ivig", "2026-03-10"),
                  ("F01", "rituximab", "2026-03-20"), ("F02", "ivig", "2026-01-05")]
    result = _since(_group(THREE, treatments), k=k)
    assert len(result.starts) == 4  # the January start was before the meeting
    shown, rare = result.treatments_shown()
    assert shown == named
    assert rare == (1 if named else 3)
    said = next(line for line in sm.lines(result, {}) if line.startswith("Treatments started since"))
    assert "Rituximab" not in said and "not named" in said


def test_the_module_loads_neither_streamlit_nor_plotly():
    import subprocess
    import sys

    code = ("import sys, oms_dash.since_meeting, oms_dash.summary; "
            "print(sorted(m for m in ('streamlit', 'plotly') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"

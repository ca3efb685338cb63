"""Words before pictures: one plain sentence above each chart, drawn from the table the chart is
drawn from (no Streamlit, no plotly).

Each function takes what its chart builder in ``oms_dash.charts`` takes and never fails: an empty
table says plainly that there is nothing to describe. A group number the chart leaves out for a
small group (suppressed in the analysis) is left out of the sentence too. The words say what was
logged, never what a treatment did; the statistics behind them stay with the chart's details.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oms_dash import schema
from oms_dash.analysis import (
    ALIGNMENTS,
    MIN_TREND_MEMBERS,
    NONE_OBSERVED,
    SAME_MARGIN,
    TIME_AXES,
    TRIGGER_KINDS,
    Cohort,
    Cooccurrence,
    Profiles,
    measure_label,
    min_group_size,
    same_margin,
    week_start,
)
from oms_dash.analysis.relapses import relapse_rates
from oms_dash.problems import plural

NOTHING_LOGGED = "Nothing logged in this range, so there is nothing to describe."
# Below this a rank correlation is weak by the usual reading: no pair is said to move "together".
CLEARLY_TOGETHER = 0.3
EVENT_WORDS = {"infection": "an infection or fever", "steroid_taper": "a steroid taper",
               "vaccination": "a vaccination"}


def _members(n: int) -> str:
    """"1 member", "3 members" (theme.members_text says the same, but theme imports plotly)."""
    return plural(int(n), "member")


def _number(value: float, digits: int = 1) -> str:
    """A score as the charts' hover shows it, with a true minus sign."""
    return f"{value:.{digits}f}".replace("-", "−")


def _day(value) -> str:
    day = pd.Timestamp(value)
    return f"{day.day} {day:%b %Y}"


def _lower_first(label: str) -> str:
    """A label inside a sentence ("irritability"); a first word with capitals inside it ("MP",
    "Mitchell-Pike") kept as written."""
    word = label.split(" ", 1)[0]
    return label[:1].lower() + label[1:] if word[1:].islower() else label


def _symptom(item: str) -> str:
    return _lower_first(schema.item_label(item))


def _scale(measure: str) -> str:
    """"mean severity (0-3)": the chart's axis words, inside a sentence."""
    return _lower_first(measure_label(measure))


def _from_to(first: str, last: str) -> str:
    return f"was {first} at the start and at the end" if first == last else f"went from {first} to {last}"


def _anchor_words(time_axis: str) -> str:
    """"first log" or "onset": what week 0 is on a relative time axis."""
    return TIME_AXES[time_axis].lower().replace("weeks since ", "")


def _week(value, time_axis: str) -> str:
    if time_axis == "calendar":
        return f"the week of {_day(value)}"
    return f"week {int(value)}".replace("-", "−")


# --- overview -------------------------------------------------------------------------------------------

def group_course_sentence(course: pd.DataFrame, measure: str, time_axis: str = "calendar") -> str:
    """``analysis.group_course`` in words: its first and last drawn week's median, and how many
    members logged in the last. Weeks under the group-size threshold are not drawn or said."""
    if course.empty:
        return NOTHING_LOGGED
    shown = course.loc[~course["suppressed"].astype(bool)].sort_values("week")
    if shown.empty:
        return (f"The group's course is not drawn: no week has {min_group_size()} or more members "
                "logging, and fewer would let a member's scores be worked out.")
    first, last = shown.iloc[0], shown.iloc[-1]
    scale = _scale(measure)
    since = "" if time_axis == "calendar" else f" (counted from each member's {_anchor_words(time_axis)})"
    if len(shown) == 1:
        return (f"In the one week drawn, {_week(first['week'], time_axis)}{since}, the group's median was "
                f"{_number(first['median'])} on the {scale}, from {_members(first['n_members'])}.")
    return (f"From {_week(first['week'], time_axis)} to {_week(last['week'], time_axis)}{since}, the "
            f"group's median {_from_to(_number(first['median']), _number(last['median']))}, on the {scale}; "
            f"{_members(last['n_members'])} logged in the last of these weeks.")


def latest_state_sentence(state: pd.DataFrame, window_days: int = 14) -> str:
    """``analysis.latest_state`` in words: the symptom with the most members at moderate or severe,
    among the symptoms drawn (those with at least the group-size threshold of members)."""
    if state.empty:
        return NOTHING_LOGGED
    shown = state.loc[~state["suppressed"].astype(bool)]
    if shown.empty:
        return (f"Not drawn: no symptom has {min_group_size()} or more members, and fewer would let a "
                "member's scores be worked out.")
    high = (shown["moderate"] + shown["severe"]).to_numpy(dtype="float64")
    hidden = len(state) - len(shown)
    left_out = (f" ({plural(hidden, 'symptom')} with fewer than {min_group_size()} members not drawn)"
                if hidden else "")
    when = f"In each member's last {window_days} days of logs"
    if high.max() == 0:
        return (f"{when}, no member was at moderate or severe on any of the "
                f"{plural(len(shown), 'symptom')} drawn{left_out}.")
    top = int(np.argmax(high))
    row = shown.iloc[top]
    return (f"{when}, {_symptom(row['item'])} had the most members at moderate or severe: {int(high[top])} "
            f"of {int(row['n_members'])}{left_out}.")


def completeness_sentence(done: pd.DataFrame) -> str:
    """``analysis.completeness`` in words: the typical days logged a week, and who logged in their last
    week shown. Weeks before a member's first log are not counted as missing."""
    counted = done.loc[done["days_logged"].notna()] if len(done) else done
    if counted.empty:
        return NOTHING_LOGGED
    weeks = done["week"].nunique()
    typical = float(np.median(counted["days_logged"].to_numpy(dtype="float64")))
    # Each member's own last week: on weeks since first log or onset, members' rows end apart.
    latest = counted.sort_values("week").groupby("member", observed=True)["days_logged"].last()
    logged = int((latest > 0).sum())
    return (f"Over {plural(weeks, 'week')}, a typical member's week had {typical:g} of 7 days logged; "
            f"{logged} of {_members(len(latest))} logged at least one day in their last week shown.")


# --- compare --------------------------------------------------------------------------------------------

def cohort_sentence(cohort: Cohort, measure: str, treatment_name: str | None = None) -> str:
    """``analysis.cohort`` in words: how many members are drawn, and the group median at the first and
    last point where it is drawn (at least the group-size threshold of members)."""
    n = cohort.members["member"].nunique() if len(cohort.members) else 0
    if n == 0:
        return "No member has data for this alignment, so there is nothing to describe."
    lines = f"{_members(n)} drawn, one line per member"
    group = cohort.group
    shown = group.loc[~group["suppressed"].astype(bool)].sort_values("x") if len(group) else group
    if shown.empty:
        return (f"{lines}; the group median is not drawn: fewer than {min_group_size()} members at "
                "every point.")
    if cohort.by == "calendar":
        def where(x) -> str:
            return _week(x, "calendar")
        since = ""
    else:
        def where(x) -> str:
            return f"week {int(x) // 7}".replace("-", "−")
        start = (f"starting {treatment_name}" if cohort.by == "treatment" and treatment_name
                 else ALIGNMENTS[cohort.by].lower().replace("days since ", ""))
        since = f" since each member's {start}" if cohort.by != "treatment" else f" since {start}"
    first, last = shown.iloc[0], shown.iloc[-1]
    if len(shown) == 1:
        return (f"{lines}; the group median is drawn at one point only: {_number(first['median'])} in "
                f"{where(first['x'])}{since}, on the {_scale(measure)}.")
    change = _from_to(f"{_number(first['median'])} in {where(first['x'])}",
                      f"{_number(last['median'])} in {where(last['x'])}")
    return f"{lines}; the group median {change}{since}, on the {_scale(measure)}."


def _first_last_changes(weekly: pd.DataFrame, margin: float) -> tuple[int, int, int, int, int]:
    """Per member, their last logged week's mean against their first: (members, lower, higher, same,
    members with one logged week only)."""
    ordered = weekly.dropna(subset=["value"]).sort_values(["member", "week"])
    ends = ordered.groupby("member", observed=True)["value"].agg(["first", "last", "size"])
    several = ends.loc[ends["size"] > 1]
    change = (several["last"] - several["first"]).to_numpy(dtype="float64")
    return (len(ends), int((change < -margin).sum()), int((change > margin).sum()),
            int((np.abs(change) <= margin).sum()), int((ends["size"] == 1).sum()))


def _changes_words(weekly: pd.DataFrame, margin: float) -> str:
    n, lower, higher, same, single = _first_last_changes(weekly, margin)
    if n == single:
        return f"{_members(n)}, each with one week of logs only, so no change to describe"
    compared = n - single
    words = (f"{lower} of {_members(compared)} had a lower weekly mean in their last week with a log than "
             f"in their first, {higher} higher and {same} about the same (within {margin:g})")
    return words + (f"; {_members(single)} logged in one week only" if single else "")


def heatmap_sentence(weekly: pd.DataFrame, item: str | None = None, time_axis: str = "calendar") -> str:
    """``analysis.weekly_severity`` (one row per member and week) in words: how each member's last
    logged week compares with their first."""
    if weekly.empty or weekly["value"].isna().all():
        return NOTHING_LOGGED
    what = "all symptoms" if item is None else _symptom(item)
    if time_axis == "calendar":
        span = int((pd.Timestamp(weekly["week"].max()) - pd.Timestamp(weekly["week"].min())).days) // 7 + 1
    else:
        span = int(weekly["week"].max() - weekly["week"].min()) + 1
    return f"Over {plural(span, 'week')} ({what}), {_changes_words(weekly, SAME_MARGIN)}."


def small_multiples_sentence(scores: pd.DataFrame, measure: str) -> str:
    """The member panels (``charts.member_small_multiples_figure`` of ``score_series``) in words:
    how each member's last logged week compares with their first, on the chart's own scale."""
    if scores.empty:
        return NOTHING_LOGGED
    weekly = (scores.assign(week=week_start(scores["date"]))
              .groupby(["member", "week"], as_index=False)["value"].mean())
    return f"One panel per member, on the {_scale(measure)}: {_changes_words(weekly, same_margin(measure))}."


def profile_sentence(profiles: Profiles) -> str:
    """``analysis.symptom_profiles`` in words: the symptoms with the highest and lowest group mean,
    among those with at least the group-size threshold of members."""
    members = profiles.members
    if members.empty:
        return NOTHING_LOGGED
    n = members["member"].nunique()
    shown = profiles.group.loc[~profiles.group["suppressed"].astype(bool)].dropna(subset=["mean"])
    if shown.empty:
        return (f"{_members(n)}, one line per member; the group mean is not shown: fewer than "
                f"{min_group_size()} members scored each symptom.")
    ranked = shown.sort_values("mean", ascending=False, kind="stable")
    top, low = ranked.iloc[0], ranked.iloc[-1]
    if len(ranked) == 1:
        return (f"{_members(n)}, one line per member; only {_symptom(top['item'])} has enough members for "
                f"a group mean: {_number(top['mean'])}, on a scale of 0 (none) to 3 (severe).")
    if _number(top["mean"]) == _number(low["mean"]):
        return (f"Across {_members(n)}, every symptom drawn had a group mean of about "
                f"{_number(top['mean'])}, on a scale of 0 (none) to 3 (severe).")
    return (f"Across {_members(n)}, {_symptom(top['item'])} had the highest group mean "
            f"({_number(top['mean'])}) and {_symptom(low['item'])} the lowest ({_number(low['mean'])}), "
            "on a scale of 0 (none) to 3 (severe).")


def relapse_sentence(context: pd.DataFrame, n_members: int, lookback_days: int = 30) -> str:
    """``analysis.relapse_context`` in words: how many relapses the rule marked in how many members,
    and what was noted in the days before them (timing, not cause)."""
    if n_members == 0:
        return NOTHING_LOGGED
    if context.empty:
        return f"The rule marked no relapse in {_members(n_members)}."
    relapsing = context["member"].nunique()
    counts = context["preceded_by"].value_counts()
    before = [f"{EVENT_WORDS.get(kind, kind)} for {int(counts[kind])}" for kind in TRIGGER_KINDS
              if counts.get(kind, 0)]
    if counts.get(NONE_OBSERVED, 0):
        before.append(f"nothing for {int(counts[NONE_OBSERVED])}")
    noted = before[0] if len(before) == 1 else ", ".join(before[:-1]) + " and " + before[-1]
    found = plural(len(context), "possible relapse")
    return (f"The rule marked {found} (each a sustained rise) in {relapsing} of {_members(n_members)}; "
            f"in the {lookback_days} days before, the logs noted {noted}. "
            "This shows timing, not cause.")


def cooccurrence_sentence(co: Cooccurrence) -> str:
    """``analysis.cooccurrence`` in words: the pair of symptoms that rose and fell together most
    closely, among the pairs drawn (at least the group-size threshold of members)."""
    if co.n_group == 0:
        return NOTHING_LOGGED
    if co.too_few:
        return (f"Not worked out: {_members(co.n_group)} in view, and symptoms moving together are only "
                f"looked for from {MIN_TREND_MEMBERS} members.")
    rho = co.rho.to_numpy(dtype="float64")
    pairs = np.triu(np.ones(rho.shape, dtype=bool), k=1) & ~np.isnan(rho)
    if not pairs.any():
        return (f"Not drawn: no two symptoms were scored by {min_group_size()} or more members in enough "
                "of the same weeks.")
    flat = np.where(pairs, rho, -np.inf)
    i, j = np.unravel_index(int(np.argmax(flat)), flat.shape)
    a, b = _symptom(co.rho.index[i]), _symptom(co.rho.columns[j])
    value = f"{_number(rho[i, j], 2)} over {_members(int(co.n_members.iat[i, j]))}"
    if rho[i, j] < CLEARLY_TOGETHER:
        return (f"No two symptoms clearly rose and fell together from week to week: the closest pair, {a} "
                f"and {b}, has a median of {value} (1 is always together, 0 not at all).")
    return (f"Of the pairs drawn, {a} and {b} rose and fell together most closely from week to week "
            f"(median {value}, where 1 is always together and 0 not at all). Moving together is not one "
            "causing the other.")


# --- one member -----------------------------------------------------------------------------------------

def member_timeline_sentence(timeline: pd.DataFrame, member_label: str, measure: str,
                             relapses: pd.DataFrame | None = None, window_days: int = 7,
                             relative: bool = False) -> str:
    """``analysis.member_timeline`` in words: days with a score, and the total's rolling mean at the
    first and last log. ``relative``: the span in weeks, no calendar date (as on the chart)."""
    total = timeline.loc[timeline["series"] == "total"].sort_values("date") if len(timeline) else timeline
    if total.empty:
        return f"{member_label}: nothing logged in this range, so there is nothing to describe."
    days = total["date"].nunique()
    first, last = total.iloc[0], total.iloc[-1]
    weeks = max(1, int(round((pd.Timestamp(last["date"]) - pd.Timestamp(first["date"])).days / 7)))
    span = (f"over {plural(weeks, 'week')}" if relative
            else f"between {_day(first['date'])} and {_day(last['date'])}")
    found = 0 if relapses is None else len(relapses)
    marked = f"; the rule marked {plural(found, 'relapse')}" if found else "; the rule marked no relapse"
    if days == 1:
        when = "" if relative else f" ({_day(first['date'])})"
        return (f"{member_label} has a score on 1 day{when}: {_number(first['value'])} on the "
                f"{_scale(measure)}.")
    change = _from_to(f"{_number(first['rolling'])} at the first log",
                      f"{_number(last['rolling'])} at the last")
    return (f"{member_label} has a score on {days} days {span}; the {window_days}-day mean of the "
            f"{_scale(measure)} {change}{marked}.")


# --- the relapse presets --------------------------------------------------------------------------------

def _held_range(recall: dict) -> tuple[float, float] | None:
    """The lowest and highest recall of rises held two weeks or more (keys: days held)."""
    found = [float(v) for days, v in recall.items() if int(days) >= 14]
    return (min(found), max(found)) if found else None


def weekly_diary_note(preset: str) -> str:
    """One line beside the presets: weekly Mitchell-Pike scores hold less evidence, so a rise is found
    less often (the measured recall of a one-step rise held two to four weeks, from the benchmark's
    table); "" when the table does not hold it."""
    try:
        rates = relapse_rates()["presets"][preset]
        weekly = _held_range(rates["weekly"]["recall"]["1"])
        daily = _held_range(rates["daily"]["recall"]["1"])
    except (KeyError, TypeError, ValueError, OSError):
        return ""
    if weekly is None or daily is None:
        return ""
    return (f"Weekly Mitchell-Pike diaries are found less reliably: in simulated weekly scores this "
            f"setting finds {weekly[0] * 100:.0f}–{weekly[1]:.0%} of one-step rises held two to four weeks "
            f"(daily diaries: {daily[0] * 100:.0f}–{daily[1]:.0%}).")

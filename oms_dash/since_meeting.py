"""Since the last meeting: what the group's logs say changed since the meeting before this one.

A group file keeps its meeting dates (``GroupData.meetings``). A meeting marked today is *this*
meeting, so "the last meeting" is the latest one before today: the report made at a meeting (which
marks it) still says what happened since the one before. A log counts as since the meeting when it
is dated after the meeting's day.

Made by the analyses the pages use (the same total score, relapse rule and "about the same" margin
as before/after) and said in the same sentences on the Overview page, in the meeting report and in
``oms-dash summary``. Counts over members follow the small-group rule (``privacy.min_group_size``).
No Streamlit, no plotly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oms_dash import analysis, schema
from oms_dash.model import GroupData
from oms_dash.privacy import min_group_size
from oms_dash.problems import plural

# A member's level: the mean of their total scores over four weeks (as before/after's sides), up
# to the meeting's day, and over their last four weeks of logs since the meeting.
LEVEL_WINDOW_DAYS = 28
MIN_LEVEL_LOGS = 2  # as before/after's default: one log is not a level
VERDICTS = ("lower", "about the same", "higher")
NO_LOG_SINCE = "no log since the meeting"
TOO_FEW_LOGS = "too few logs to compare"
FIRST_MEETING = ("Today is the first meeting marked in the group file: from the next meeting on, this "
                 "section says what changed since this one.")


def last_meeting(meetings: Iterable[dt.date], today: dt.date) -> dt.date | None:
    """The meeting "since the last meeting" counts from: the latest one before today."""
    earlier = [m for m in meetings if m < today]
    return max(earlier) if earlier else None


def total_scores(observations: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The total a course is drawn with and its measure (``analysis.score_series``'s choice: the
    Mitchell-Pike total where some day has all six items, else the mean severity)."""
    scores = analysis.score_series(observations)
    return scores.table, scores.measure




@dataclass
class SinceMeeting:
    """What changed since ``meeting``.

    relapses: member, start, peak (relapses that started after the meeting's day)
    starts: member, treatment, start (treatment courses started after it)
    levels: member, at_meeting, latest, n_at_meeting, n_latest, change, verdict (one of VERDICTS,
        NO_LOG_SINCE or TOO_FEW_LOGS), for every member with a level at the meeting or since
    """

    meeting: dt.date
    measure: str
    rule: analysis.RelapseRule
    n_members: int
    rows: int  # symptom scores dated after the meeting
    log_days: int  # days a member logged on, after the meeting (two members on one day: two)
    logged: list[str]  # members who logged since
    relapses: pd.DataFrame
    starts: pd.DataFrame
    ever_started: dict[str, int]  # treatment -> members of the group who ever started it
    levels: pd.DataFrame
    margin: float
    k: int  # the small-group size it was made under

    @property
    def compared(self) -> pd.DataFrame:
        """The members with a level both at the meeting and since."""
        return self.levels.loc[self.levels["verdict"].isin(VERDICTS)]

    @property
    def levels_shown(self) -> bool:
        """Whether the lower/higher counts (and who) may be shown: k or more members compared."""
        return len(self.compared) >= self.k

    def verdict_counts(self) -> dict[str, int]:
        counts = self.compared["verdict"].value_counts()
        return {v: int(counts.get(v, 0)) for v in VERDICTS}

    def treatments_shown(self) -> tuple[dict[str, int], int]:
        """Members who started each treatment since, for treatments k or more members of the group
        ever started, and the starts of the rarer ones (named, they could point at a child)."""
        per = self.starts.groupby(self.starts["treatment"].astype("str"))["member"].nunique()
        named = {str(t): int(n) for t, n in per.sort_values(ascending=False, kind="stable").items()
                 if self.ever_started.get(str(t), 0) >= self.k}
        rare = int(self.starts.loc[~self.starts["treatment"].astype("str").isin(named)]["member"].nunique())
        return named, rare


def since_meeting(group: GroupData, meeting: dt.date, scores: pd.DataFrame, measure: str,
                  rule: analysis.RelapseRule, k: int | None = None) -> SinceMeeting:
    """What changed in ``group`` since ``meeting``. ``scores``: the group's total per member and day
    (member, date, value) in ``measure`` (``total_scores``), over all its dates: a relapse's baseline
    and the level at the meeting need the logs before it. ``rule``: the relapse rule the pages use."""
    day = pd.Timestamp(meeting)
    obs = group.observations
    after = obs.loc[obs["date"] > day]
    scored = scores.loc[scores["value"].notna()]
    found = analysis.detect_relapses(analysis.Scores(scored, measure), rule).table
    relapses = found.loc[found["start"] > day, ["member", "start", "peak"]].reset_index(drop=True)
    treatments = group.treatments
    starts = treatments.loc[treatments["start"] > day, ["member", "treatment", "start"]]
    starts = starts.reset_index(drop=True)
    started = treatments.loc[treatments["start"].notna()]
    ever = started.groupby(started["treatment"].astype("str"))["member"].nunique()
    margin = analysis.same_margin(measure)
    return SinceMeeting(
        meeting=meeting, measure=measure, rule=rule, n_members=len(group.members), rows=len(after),
        log_days=len(after.drop_duplicates(["member", "date"])),
        logged=sorted(str(m) for m in after["member"].unique()), relapses=relapses, starts=starts,
        ever_started={str(t): int(n) for t, n in ever.items()}, levels=_levels(scored, day, margin),
        margin=margin, k=min_group_size() if k is None else int(k))


def _levels(scores: pd.DataFrame, day: pd.Timestamp, margin: float) -> pd.DataFrame:
    window = pd.Timedelta(days=LEVEL_WINDOW_DAYS - 1)
    dates = pd.to_datetime(scores["date"])
    before = scores.loc[(dates <= day) & (dates >= day - window)]
    since = scores.loc[dates > day]
    last = since.groupby("member", observed=True)["date"].transform("max")
    since = since.loc[pd.to_datetime(since["date"]) >= pd.to_datetime(last) - window]
    sides = {name: part.groupby("member", observed=True)["value"].agg(["mean", "size"])
             for name, part in (("at_meeting", before), ("latest", since))}
    members = sides["at_meeting"].index.union(sides["latest"].index)
    levels = pd.DataFrame({"member": pd.Series(members.astype("str"), dtype="str")})
    for name, side in sides.items():
        side = side.reindex(members)
        levels[name] = side["mean"].to_numpy(dtype="float64")
        levels[f"n_{name}"] = side["size"].fillna(0).to_numpy(dtype="int64")
    levels["change"] = levels["latest"] - levels["at_meeting"]
    enough = (levels["n_at_meeting"] >= MIN_LEVEL_LOGS) & (levels["n_latest"] >= MIN_LEVEL_LOGS)
    verdict = np.select([levels["change"] < -margin, levels["change"] > margin], ["lower", "higher"],
                        default="about the same")
    levels["verdict"] = np.where(levels["n_latest"] == 0, NO_LOG_SINCE,
                                 np.where(enough, verdict, TOO_FEW_LOGS))
    levels["verdict"] = levels["verdict"].astype("str")
    return levels


def since_last_meeting(group: GroupData, today: dt.date,
                       rule_for: Callable[[str], analysis.RelapseRule] | None = None) -> SinceMeeting | None:
    """``since_meeting`` from the group's last meeting before ``today`` (None: no such meeting), on
    the group's total score. ``rule_for`` (measure -> relapse rule): the pages' choice (default: the
    rule the pages start from)."""
    meeting = last_meeting(group.meetings, today)
    if meeting is None:
        return None
    scores, measure = total_scores(group.observations)
    rule = (rule_for or analysis.RelapseRule.for_measure)(measure)
    return since_meeting(group, meeting, scores, measure, rule)


def heading(result: SinceMeeting, relative: bool = False) -> str:
    """The section's title; ``relative`` (time shown in weeks, no calendar date): without the date."""
    return "Since the last meeting" if relative else f"Since the last meeting ({result.meeting:%d %b %Y})"


def _who(members: Iterable[str], labels: Mapping[str, str]) -> str:
    return ", ".join(sorted(labels.get(m, "Member ?") for m in members))


def lines(result: SinceMeeting, labels: Mapping[str, str], meeting_mode: bool = False) -> list[str]:
    """The section in plain sentences (no markup), for the page, the report and the terminal.
    ``labels``: member code -> "Member A" (the group's); members are named only outside meeting mode."""
    if not result.rows:
        said = [f"No logs dated after the meeting yet (from any of the {result.n_members} members)."]
    else:
        said = [f"{plural(result.log_days, 'day')} logged by {len(result.logged)} of "
                f"{plural(result.n_members, 'member')} (a day counted once per member; "
                f"{result.rows:,} symptom scores)."]
        if not meeting_mode:
            said.append(f"Logged since: {_who(result.logged, labels)}.")
    relapsing = result.relapses["member"].unique()
    relapses = plural(len(result.relapses), "relapse")
    if len(result.relapses):
        who = "" if meeting_mode else f": {_who(relapsing, labels)}"
        said.append(f"Relapses found since: {relapses} in {plural(len(relapsing), 'member')}{who} "
                    f"({result.rule.preset} setting).")
    else:
        said.append(f"Relapses found since: none ({result.rule.preset} setting).")
    named, rare = result.treatments_shown()
    if named or rare:
        parts = [f"{schema.treatment_label(t)} ({plural(n, 'member')})" for t, n in named.items()]
        if rare:
            parts.append(f"{plural(rare, 'member')} started a treatment fewer than {result.k} "
                         "members of the group ever had (not named)")
        said.append("Treatments started since: " + "; ".join(parts) + ".")
    else:
        said.append("Treatments started since: none.")
    said.append(_levels_line(result, labels, meeting_mode))
    return said


def _levels_line(result: SinceMeeting, labels: Mapping[str, str], meeting_mode: bool) -> str:
    window = LEVEL_WINDOW_DAYS // 7
    how = (f"{analysis.measure_label(result.measure)} averaged over the {window} weeks up to the meeting, "
           f"against each member's last {window} weeks of logs since; a change within {result.margin:g} "
           "counts as about the same")
    compared = result.compared
    if not result.levels_shown:
        return (f"Latest level against the level at the meeting: not summarised, as fewer than {result.k} "
                f"members have {MIN_LEVEL_LOGS} or more logs both before the meeting and since ({how}).")
    counts = result.verdict_counts()
    if meeting_mode:
        said = ", ".join(f"{v} for {plural(counts[v], 'member')}" for v in VERDICTS if counts[v])
    else:
        said = "; ".join(f"{v} for {_who(compared.loc[compared['verdict'] == v, 'member'], labels)}"
                         for v in VERDICTS if counts[v])
    return f"Latest level against the level at the meeting: {said} ({how})."


def as_json(result: SinceMeeting) -> dict:
    """The section for ``oms-dash summary --json`` (member codes, as the rest of the summary)."""
    named, rare = result.treatments_shown()
    shown = result.levels_shown

    def number(value) -> float | None:
        return None if pd.isna(value) else round(float(value), 4)

    return {
        "meeting": f"{result.meeting:%Y-%m-%d}", "rows": result.rows, "log_days": result.log_days,
        "members_logged": list(result.logged),
        "relapses": [{"member": str(r.member), "start": f"{r.start:%Y-%m-%d}", "peak": number(r.peak)}
                     for r in result.relapses.itertuples(index=False)],
        "treatments_started": named, "treatments_started_not_named": rare,
        "levels": {"margin": number(result.margin), "window_days": LEVEL_WINDOW_DAYS,
                   "counts": result.verdict_counts() if shown else None,
                   "per_member": [{"member": str(r.member), "at_meeting": number(r.at_meeting),
                                   "latest": number(r.latest), "change": number(r.change),
                                   "verdict": str(r.verdict)}
                                  for r in result.levels.itertuples(index=False)] if shown else []},
    }

"""Pure analyses of a group's tables (pandas in, pandas out; no Streamlit, no plotly).

Inputs are the tables of ``oms_dash.model.GroupData``. Group aggregates drawn from fewer than
``min_group_size()`` members come back suppressed (NaN with a flag), never silently drawn.
"""

from oms_dash.analysis._common import (
    MEASURE_MEAN,
    MEASURE_MP,
    MIN_TREND_MEMBERS,
    TIME_AXES,
    RelativeWeeks,
    Scores,
    daily_scores,
    filter_observations,
    mean_severity,
    measure_label,
    measure_max,
    member_days,
    min_group_size,
    mp_totals,
    quantile_band,
    relative_weeks,
    scope_mask,
    score_series,
    week_start,
)
from oms_dash.analysis.cohort import (
    ALIGNMENTS,
    SAME_MARGIN,
    AlignedScores,
    BeforeAfter,
    Cohort,
    Profiles,
    align,
    anchors,
    before_after,
    before_after_sentence,
    bootstrap_median,
    cohort,
    same_margin,
    symptom_profiles,
    treatment_starts,
)
from oms_dash.analysis.cooccurrence import Cooccurrence, cooccurrence
from oms_dash.analysis.course import (
    LEVEL_NAMES,
    NOT_YET,
    GroupCourse,
    MemberTimeline,
    completeness,
    first_logs,
    group_course,
    latest_state,
    logging_share,
    member_timeline,
    weekly_severity,
)
from oms_dash.analysis.relapses import (
    DEFAULT_PRESET,
    NONE_OBSERVED,
    PRESET_NAMES,
    TRIGGER_KINDS,
    RelapseRule,
    Relapses,
    detect_relapses,
    events_followed,
    relapse_context,
    relapse_summary,
)

__all__ = [
    "DEFAULT_PRESET", "PRESET_NAMES", "SAME_MARGIN", "same_margin", "before_after_sentence",
    "bootstrap_median",
    "ALIGNMENTS", "LEVEL_NAMES", "MEASURE_MEAN", "MEASURE_MP", "MIN_TREND_MEMBERS", "NONE_OBSERVED",
    "NOT_YET", "TIME_AXES", "TRIGGER_KINDS", "BeforeAfter", "Cohort", "Cooccurrence", "Profiles",
    "AlignedScores", "GroupCourse", "MemberTimeline", "Relapses", "RelativeWeeks", "Scores",
    "RelapseRule", "align",
    "anchors", "before_after", "cohort", "completeness", "cooccurrence", "daily_scores", "detect_relapses",
    "events_followed", "filter_observations", "first_logs", "group_course", "latest_state", "logging_share",
    "mean_severity", "measure_label", "measure_max", "member_days", "member_timeline", "min_group_size",
    "mp_totals", "quantile_band", "relapse_context", "relapse_summary", "relative_weeks", "scope_mask",
    "score_series",
    "symptom_profiles", "treatment_starts", "week_start", "weekly_severity",
]

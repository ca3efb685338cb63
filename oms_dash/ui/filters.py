"""Shared sidebar filters for the Overview, Compare patterns and Member view pages.

The chosen values live in ``st.session_state`` under keys of their own (``_kept_*``), copied from
the widgets on every run, because Streamlit forgets a widget's value on a page that does not draw
it: moving to the Upload page and back keeps the filters. In meeting mode the widgets are hidden
and the defaults are used (the whole group, every symptom, the whole span), without losing the
kept choices for when meeting mode is switched off.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from oms_dash import analysis, charts, schema, theme
from oms_dash.model import GroupData
from oms_dash.ui import cache, state
from oms_dash.ui.text import plain

WIDGET = "flt_"
KEPT = "_kept_flt_"
SMOOTHING_CHOICES = (1, 7, 14, 28)  # days of the rolling mean; 1 = daily values only


@dataclass(frozen=True)
class Filters:
    """What the pages draw. members/items: codes and item ids (empty = all in the group)."""

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    members: tuple[str, ...]
    items: tuple[str, ...]
    treatment: str | None
    alignment: str
    smoothing_days: int
    time_axis: str = "calendar"  # "calendar", or weeks since each member's "first_log" / "onset"

    @property
    def scope(self) -> tuple:
        """The part of the filters that decides which observations are used (a cache key)."""
        return (self.start, self.end, self.members, self.items)


# --- caching by input (kept in ui/cache.py) --------------------------------------------------------
# The analyses' cache is keyed by a token per observations table; the token table holds only weak
# references.

_TOKENS: dict[int, tuple[weakref.ref, str]] = {}


def group_token(group: GroupData) -> str:
    """A token naming this observations table for as long as it lives."""
    obs = group.observations
    entry = _TOKENS.get(id(obs))
    if entry is not None and entry[0]() is obs:
        return entry[1]
    for key in [k for k, (ref, _) in _TOKENS.items() if ref() is None]:
        del _TOKENS[key]
    token = uuid.uuid4().hex
    _TOKENS[id(obs)] = (weakref.ref(obs), token)
    return token


def cached(group: GroupData, chosen: Filters | None, fn: Callable, /, **params):
    """``fn(daily, group, **params)`` on the daily scores the filters leave, computed once per input.

    ``daily`` (``analysis.daily_scores`` of the filtered observations: member, date, item, score) is
    made once per filter and shared by every function. With ``chosen`` None, ``fn(group, **params)``
    on the whole group. ``fn`` is named by its module and qualified name, so it must be a
    module-level function; params must be hashable by Streamlit.
    """
    return cached_scope(group, None if chosen is None else chosen.scope, fn, **params)


def cached_scope(group: GroupData, scope: tuple | None, fn: Callable, /, **params):
    """As ``cached``, given ``Filters.scope`` (for cached functions that call other cached ones)."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    return cache.analysis_result(group_token(group), name, scope, tuple(sorted(params.items())), group, fn)


def cached_figure(group: GroupData, chosen: Filters, build: Callable, /, **params):
    """``build(group, chosen, **params)`` (a figure, or a tuple holding one), kept per input in this
    session and not copied, so a rerun with nothing changed draws the same figure without building
    it again. ``build`` gets its data through ``cached``; params must be hashable."""
    name = f"{build.__module__}.{build.__qualname__}"
    key = (group_token(group), chosen, name, tuple(sorted(params.items())))
    return cache.remember(key, lambda: build(group, chosen, **params))


def _whole_group_tables(group: GroupData) -> dict[str, pd.DataFrame]:
    daily = cache.scoped_daily(group, group_token(group), None)
    return {analysis.MEASURE_MP: analysis.mp_totals(daily),
            analysis.MEASURE_MEAN: analysis.mean_severity(daily), "member_days": analysis.member_days(daily)}


def _rows_in(table: pd.DataFrame, scope: tuple) -> pd.DataFrame:
    """Rows of a member-day table within the scope's members and dates (as filter_observations)."""
    start, end, members, _ = scope
    return table.loc[analysis.scope_mask(table, members or None, start, end)].reset_index(drop=True)


def scope_tables(group: GroupData, scope: tuple) -> dict[str, pd.DataFrame | analysis.Scores] | None:
    """The group's totals per member and day (Mitchell-Pike and mean severity, and under "scores" the
    one the pages draw) and its logged member-days, cut to ``scope``'s members and dates: the same
    rows ``analysis.score_series`` and ``analysis.member_days`` would give on the filtered
    observations, from tables made once per group (a total per day does not depend on other days).
    None when symptoms are filtered (a total then depends on which), for the caller to compute from
    the filtered scores."""
    if scope[3]:
        return None
    whole = cache.remember((group_token(group), "whole-group tables"), lambda: _whole_group_tables(group))
    out = {name: _rows_in(table, scope) for name, table in whole.items()}
    mp = out[analysis.MEASURE_MP]
    chosen = analysis.MEASURE_MP if len(mp) else analysis.MEASURE_MEAN
    out["scores"] = analysis.Scores(out[chosen], chosen)
    return out


@dataclass(frozen=True)
class GroupMeta:
    members: tuple[str, ...]
    items: tuple[str, ...]
    treatments: tuple[str, ...]  # the most widely used first
    span: tuple[dt.date, dt.date] | None


def _group_meta(group: GroupData) -> GroupMeta:
    obs = group.observations
    scored = obs.loc[obs["score"].notna()]
    order = {item.id: i for i, item in enumerate(schema.ITEMS)}
    items = sorted((str(i) for i in scored["item"].unique()), key=lambda i: (order.get(i, len(order)), i))
    t = group.treatments
    counts = Counter(t.drop_duplicates(["member", "treatment"])["treatment"].astype("str"))
    treatments = [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    span = None if scored.empty else (scored["date"].min().date(), scored["date"].max().date())
    return GroupMeta(tuple(group.members), tuple(items), tuple(treatments), span)


def group_meta(group: GroupData) -> GroupMeta:
    """Members, items, treatments and date span of the group (cached: computed once per group)."""
    return cached(group, None, _group_meta)


def member_label_map(group: GroupData, reveal: bool = False) -> dict[str, str]:
    """"Member A"… for every member of the loaded group, made once from the whole group (never from
    a filtered subset), so a member keeps one letter on every page, tab, table and filter."""
    members = group_meta(group).members
    return charts.member_labels(members, reveal)


@dataclass(frozen=True)
class ScopeSummary:
    n_members: int
    n_items: int
    date_min: pd.Timestamp | None
    date_max: pd.Timestamp | None


def _scope_summary(obs: pd.DataFrame, group: GroupData) -> ScopeSummary:
    if obs.empty:
        return ScopeSummary(0, 0, None, None)
    return ScopeSummary(int(obs["member"].nunique()), int(obs["item"].nunique()), obs["date"].min(),
                        obs["date"].max())


NOTHING_IN_SCOPE = "No scores in the chosen dates, members and symptoms. Widen the filters in the sidebar."


def group_page_start(group: GroupData) -> tuple[Filters, ScopeSummary] | None:
    """The start of a group page: sidebar filters, what they leave, and the descriptive note.
    None (with a message shown) when the filters leave nothing to draw."""
    chosen = sidebar_filters(group)
    summary = scope_summary(group, chosen)
    if summary.n_members == 0:
        st.info(NOTHING_IN_SCOPE)
        return None
    show_scope_line(group, chosen, summary)
    if not state.meeting_mode():
        st.markdown(DESCRIPTIVE)
    return chosen, summary


def show_scope_line(group: GroupData, chosen: Filters, summary: ScopeSummary) -> None:
    """What is shown, in one line under the page title (in large type in meeting mode)."""
    st.markdown(f"**Showing:** {plain(scope_line(group, chosen, summary))}")


def scope_summary(group: GroupData, chosen: Filters) -> ScopeSummary:
    """How many members and symptoms, and which dates, the filters leave (cached)."""
    return cached(group, chosen, _scope_summary)


def alignments(group: GroupData) -> list[str]:
    out = ["calendar", "first_log"]
    if group.onsets:
        out.append("onset")
    if len(group.treatments):
        out.append("treatment")
    return out


def defaults(group: GroupData) -> Filters:
    meta = group_meta(group)
    span = meta.span
    return Filters(start=pd.Timestamp(span[0]) if span else None, end=pd.Timestamp(span[1]) if span else None,
                   members=(), items=(), treatment=meta.treatments[0] if meta.treatments else None,
                   alignment="calendar", smoothing_days=7, time_axis="calendar")


def _choice_rules(group: GroupData) -> dict[str, tuple[object, Callable[[object], bool]]]:
    """Each filter's default and the test a kept value must pass to still fit this group (a value
    kept from another group, e.g. before an upload, falls back to the default)."""
    meta = group_meta(group)
    base = defaults(group)
    span, treatments, aligns, times = meta.span, list(meta.treatments), alignments(group), time_axes(group)
    return {
        "dates": (span, lambda v: span is not None and isinstance(v, tuple) and len(v) == 2
                  and span[0] <= v[0] <= v[1] <= span[1]),
        "members": ([], _subset_of(list(meta.members))),
        "items": ([], _subset_of(list(meta.items))),
        "treatment": (base.treatment, lambda v: v in treatments),
        "alignment": ("calendar", lambda v: v in aligns),
        "time_axis": ("calendar", lambda v: v in times),
        "smoothing": (7, lambda v: v in SMOOTHING_CHOICES),
    }


def _kept(name: str, default, valid) -> object:
    kept = st.session_state.get(KEPT + name, default)
    return kept if valid(kept) else default


def chosen_filters(group: GroupData) -> Filters:
    """The filters as last chosen in the sidebar, without drawing anything: what meeting mode and
    the Meeting report show, so that they show exactly what was prepared."""
    values = {name: _kept(name, default, valid) for name, (default, valid) in _choice_rules(group).items()}
    dates = values["dates"]
    return Filters(
        start=pd.Timestamp(dates[0]) if dates else None, end=pd.Timestamp(dates[1]) if dates else None,
        members=tuple(values["members"]), items=tuple(values["items"]), treatment=values["treatment"],
        alignment=values["alignment"], smoothing_days=int(values["smoothing"]), time_axis=values["time_axis"])


def _prepare(key: str, default, valid) -> str:
    """Give the widget its kept value (the default when the kept one no longer fits the group).

    Assigned on every run, before the widget is drawn: a widget first drawn on another page is a
    new widget to Streamlit and would otherwise start from its default. A change by the user is
    copied to the kept value by the widget's on_change callback, which runs before the page.
    """
    kept = _kept(key, default, valid)
    st.session_state[KEPT + key] = kept
    st.session_state[WIDGET + key] = kept
    return WIDGET + key


def _keep(key: str) -> None:
    st.session_state[KEPT + key] = st.session_state[WIDGET + key]


def _subset_of(options: list[str]):
    allowed = set(options)
    return lambda v: isinstance(v, list) and set(v) <= allowed


def _reset() -> None:
    for key in [k for k in st.session_state if str(k).startswith((WIDGET, KEPT))]:
        del st.session_state[key]


def sidebar_filters(group: GroupData) -> Filters:
    """Draw the shared filters in the sidebar (not in meeting mode, where they are hidden but still
    apply) and return the current choice."""
    meta = group_meta(group)
    if state.meeting_mode() or meta.span is None:
        return chosen_filters(group)
    rules = _choice_rules(group)
    members, items, treatments, span = list(meta.members), list(meta.items), list(meta.treatments), meta.span
    labels = member_label_map(group)

    def widget(draw, label: str, name: str, *args, **kwargs) -> None:
        key = _prepare(name, *rules[name])
        draw(label, *args, key=key, on_change=_keep, args=(name,), **kwargs)

    with st.sidebar:
        st.subheader("Filters", help="Shared by Overview, Compare patterns and Member view, kept when "
                                     "you move between pages, and used by meeting mode and the Meeting "
                                     "report.")
        if span[0] < span[1]:
            widget(st.slider, "Date range", "dates", min_value=span[0], max_value=span[1],
                   format="D MMM YYYY")
        widget(st.multiselect, "Members", "members", members, format_func=lambda m: labels.get(m, m),
               placeholder="All members")
        widget(st.multiselect, "Symptoms", "items", items, format_func=schema.item_label,
               placeholder="All symptoms")
        if treatments:
            widget(st.selectbox, "Treatment", "treatment", treatments, format_func=schema.treatment_label,
                   help="The treatment compared before and after, and the one courses can be lined up on.")
        widget(st.radio, "Show time as", "time_axis", time_axes(group),
               format_func=lambda t: analysis.TIME_AXES[t],
               help="The time axis of every chart: calendar dates, or weeks since each member's own first "
                    "log (or onset), so that courses line up and no date appears on a chart.")
        widget(st.selectbox, "Cohort curves start from", "alignment", alignments(group),
               format_func=lambda a: analysis.ALIGNMENTS[a],
               help="Only for *Compare patterns ▸ Cohort curves*: the day each member's curve starts from "
                    "(its day 0), counted in days. With calendar date chosen here, the curves follow "
                    "*Show time as*.")
        widget(st.select_slider, "Rolling mean (days)", "smoothing", SMOOTHING_CHOICES,
               help="1 = daily values only. The mean never bridges a gap over a week.")
        st.button("Reset filters", on_click=_reset, icon=":material/restart_alt:")
    return chosen_filters(group)


def _date_span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """"1 Mar – 30 Jun 2026" (the year once when both ends share it)."""
    last = f"{end.day} {end:%b %Y}"
    if start.normalize() == end.normalize():
        return last
    return f"{start.day} {start:%b}{'' if start.year == end.year else f' {start:%Y}'} – {last}"


def scope_line(group: GroupData, chosen: Filters, summary: ScopeSummary) -> str:
    """One line saying what the page shows, e.g. "4 of 10 members · comparing IVIG ·
    1 Mar – 30 Jun 2026":
    the members, symptoms, treatment, time axis and dates chosen (no member is named)."""
    meta = group_meta(group)
    n_all = len(meta.members)
    parts = [f"{len(chosen.members)} of {n_all} members" if chosen.members else f"all {n_all} members"]
    if chosen.items:
        few = len(chosen.items) <= 3
        parts.append(", ".join(schema.item_label(i) for i in chosen.items) if few
                     else f"{len(chosen.items)} of {len(meta.items)} symptoms")
    else:
        parts.append("all symptoms")
    if chosen.treatment:  # a choice for before/after and cohorts, not a filter of the data
        parts.append(f"comparing {schema.treatment_label(chosen.treatment)}")
    if chosen.time_axis != "calendar":
        parts.append(analysis.TIME_AXES[chosen.time_axis].lower())
        if summary.date_min is not None:
            parts.append(f"over {theme.relative_span(summary.date_min, summary.date_max)}")
    elif summary.date_min is not None:
        parts.append(_date_span(summary.date_min, summary.date_max))
    return " · ".join(parts)


# --- shared chart block --------------------------------------------------------------------------------

DESCRIPTIVE = ("**Comparisons here are descriptive.** They show what was logged and what was observed "
               "together, not cause and effect. Not medical advice.")


def chart_caption(summary: ScopeSummary, n_members: int | None = None, relative: bool = False) -> str:
    """Caption under a chart: n members, the span, generated on, not medical advice. The span is
    given in words, not dates, in meeting mode or when ``relative`` (time shown since first log or
    onset)."""
    n = summary.n_members if n_members is None else n_members
    return theme.caption(n, summary.date_min, summary.date_max, relative=relative or state.meeting_mode())


# --- time shown as calendar dates or relative to each member's first log or onset ----------------------

def time_axes(group: GroupData) -> list[str]:
    """The ways time can be shown: calendar dates, weeks since first log, and (when the group's
    logs give onset dates) weeks since onset."""
    return ["calendar", "first_log", *(["onset"] if group.onsets else [])]


def _first_logs(group: GroupData) -> pd.Series:
    return analysis.first_logs(group.observations)


def time_anchors(group: GroupData, time_axis: str) -> pd.Series | None:
    """Each member's day 0 for ``time_axis`` (member -> date), or None for calendar dates. First
    logs are each member's real first log in the whole group, whatever dates are chosen."""
    if time_axis == "first_log":
        return cached(group, None, _first_logs)
    if time_axis == "onset":
        return pd.Series(dict(group.onsets), dtype="datetime64[ns]").dropna()
    return None


# --- page choices kept across pages -------------------------------------------------------------------
# The chosen member, the heatmap's symptom, the relapse rule...: kept like the sidebar filters (a page's
# widgets are forgotten by Streamlit when another page is shown), but not cleared by "Reset filters".

PAGE_WIDGET = "pg_"
PAGE_KEPT = "_kept_pg_"


def _keep_page_choice(name: str, key: str) -> None:
    st.session_state[PAGE_KEPT + name] = st.session_state[key]


def kept_widget(draw: Callable, label: str, name: str, default, valid: Callable[[object], bool], *args,
                widget_key: str | None = None, **kwargs):
    """Draw ``draw(label, *args, **kwargs)`` starting from the value kept under ``name`` (the default
    when there is none or it no longer fits), keep the user's changes, and return the value.
    ``widget_key``: the widget's own key when other code refers to it (default "pg_<name>")."""
    key = widget_key or PAGE_WIDGET + name
    kept = st.session_state.get(PAGE_KEPT + name, default)
    if not valid(kept):
        kept = default
    st.session_state[PAGE_KEPT + name] = kept
    st.session_state[key] = kept
    draw(label, *args, key=key, on_change=_keep_page_choice, args=(name, key), **kwargs)
    return st.session_state[key]


def keep_choice(name: str, value) -> None:
    """Keep a page choice made by a widget that ``kept_widget`` does not draw (e.g. the open tab)."""
    st.session_state[PAGE_KEPT + name] = value


def kept_choice(name: str, default):
    """A page choice as last kept (for pages that use a choice made on another page)."""
    return st.session_state.get(PAGE_KEPT + name, default)


# --- the relapse rule, shared by Compare patterns and Member view ----------------------------------------

RULE_INPUTS = {  # field -> (label, min, max, step); a change from the preset says its rates are unmeasured
    "rise": ("Rise of at least", 0.5, 18.0, 0.5),
    "window_days": ("above the mean of the last … days", 14, 180, 1),
    "min_days": ("lasting at least … days", 1, 60, 1),
}
PRESET_LABELS = {"cautious": "Cautious", "balanced": "Balanced (default)", "sensitive": "Sensitive"}


def _rule_scale(measure: str) -> str:
    # Rules are kept per scale: a rise of 4 on the 0-18 total would mean nothing on a 0-3 score.
    return "mp" if measure == analysis.MEASURE_MP else "severity"


def relapse_rule(measure: str) -> analysis.RelapseRule:
    """The relapse rule the user chose on Compare patterns for this measure's scale (else the default)."""
    scale = _rule_scale(measure)
    preset = kept_choice(f"rule_{scale}_preset", analysis.DEFAULT_PRESET)
    base = analysis.RelapseRule.for_measure(measure, preset if preset in PRESET_LABELS else
                                            analysis.DEFAULT_PRESET)
    chosen = {f: kept_choice(f"rule_{scale}_{f}", getattr(base, f)) for f in RULE_INPUTS}
    return dataclasses.replace(base, rise=float(chosen["rise"]),
                               **{f: int(chosen[f]) for f in RULE_INPUTS if f != "rise"})


def _reset_rule_numbers(scale: str, name: str, key: str) -> None:
    # A new preset starts from its own numbers (the measured ones), not the last preset's changes.
    _keep_page_choice(name, key)
    for field in RULE_INPUTS:
        st.session_state.pop(PAGE_KEPT + f"rule_{scale}_{field}", None)


def relapse_preset_input(measure: str) -> str:
    """The preset choice (cautious, balanced, sensitive), kept across pages; returns its name."""
    scale = _rule_scale(measure)
    name, key = f"rule_{scale}_preset", PAGE_WIDGET + f"rule_{scale}_preset"
    kept = kept_choice(name, analysis.DEFAULT_PRESET)
    st.session_state[key] = kept if kept in PRESET_LABELS else analysis.DEFAULT_PRESET
    st.selectbox("Relapse setting", list(PRESET_LABELS), format_func=PRESET_LABELS.get, key=key,
                 on_change=_reset_rule_numbers, args=(scale, name, key),
                 help="Cautious misses more relapses and raises the fewest false ones; sensitive, the "
                      "reverse.")
    return st.session_state[key]


def relapse_rule_inputs(measure: str, columns) -> analysis.RelapseRule:
    """Number inputs for the rule (one per column), kept across pages; returns the chosen rule."""
    base = relapse_rule(measure)
    scale = _rule_scale(measure)
    preset = analysis.RelapseRule.for_measure(measure, base.preset)
    for column, (field, (label, lo, hi, step)) in zip(columns, RULE_INPUTS.items(), strict=False):
        kind = float if field == "rise" else int
        with column:
            kept_widget(st.number_input, label, f"rule_{scale}_{field}", kind(getattr(preset, field)),
                        lambda v, lo=lo, hi=hi, kind=kind: isinstance(v, kind) and lo <= v <= hi,
                        kind(lo), kind(hi), step=kind(step))
    return relapse_rule(measure)

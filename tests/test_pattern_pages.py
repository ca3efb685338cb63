"""The Overview, Compare patterns and Member view pages render their charts (AppTest, no browser)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from oms_dash.analysis import min_group_size
from oms_dash.model import GroupData
from oms_dash.ui import filters, state
from oms_dash.ui.pages import compare
from tests.conftest import DASHBOARD
from tests.test_charts import synthetic

PAGES = {"overview": 3, "compare": 1, "member": 1}  # page -> plotly charts drawn (Compare: the open tab)
VIEW_TITLES = {"Cohort curves": "courses by", "Heatmap": "per member and week",
               "Profiles": "Symptom profiles", "Before / after": "Before and after",
               "Relapses": "Relapses found", "Co-occurrence": "change together"}


def page(name: str) -> str:
    return f"oms_dash/ui/page_scripts/{name}.py"


def open_app(group: GroupData | None = None, meeting: bool = False) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    if group is not None:
        at.session_state[state.UPLOAD_KEY] = group
    at.run()
    if meeting:
        at.toggle(key=state.MEETING_KEY).set_value(True).run()
    return at


def specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def open_view(at: AppTest, view: str) -> AppTest:
    """Opens a Compare patterns tab as a click would: the tab's choice is kept, then the page reruns."""
    at.session_state[filters.PAGE_KEPT + compare.TAB_CHOICE] = view
    return at.run()


def compare_charts(at: AppTest) -> dict[str, dict]:
    """Every Compare tab opened in turn: view -> the one chart drawn in it."""
    out = {}
    for view in compare.VIEWS:
        open_view(at, view)
        assert not at.exception, (view, [e.value for e in at.exception])
        drawn = specs(at)
        assert len(drawn) == 1, (view, len(drawn))
        out[view] = drawn[0]
    return out


def uploaded() -> GroupData:
    obs, treatments, events = synthetic()
    return GroupData(observations=obs, treatments=treatments, events=events, onsets={})


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_its_charts_on_the_demo_data(name):
    at = open_app()
    at.switch_page(page(name)).run()
    assert not at.exception, [e.value for e in at.exception]
    charts = specs(at)
    assert len(charts) == PAGES[name]
    for spec in charts:
        assert spec["layout"]["title"]["text"]
        assert len(spec["data"]) > 0
    text = " ".join(m.value for m in at.markdown)
    assert "descriptive" in text or "observed, not proven" in text


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_an_uploaded_group_without_showing_codes(name):
    at = open_app(uploaded())
    at.switch_page(page(name)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == PAGES[name]
    for chart in at.get("plotly_chart"):
        assert "kid_" not in chart.proto.spec  # "_" is not base64: a code here would be a leak
    assert "Member A" in " ".join(c.proto.spec for c in at.get("plotly_chart"))


def test_filters_are_kept_across_pages():
    at = open_app()
    members = ["F01", "F02", "F03"]
    at.multiselect(key="flt_members").set_value(members).run()
    at.select_slider(key="flt_smoothing").set_value(14).run()
    for name in ("compare", "upload", "member", "overview"):
        at.switch_page(page(name)).run()
        assert not at.exception
    assert at.multiselect(key="flt_members").value == members
    assert at.select_slider(key="flt_smoothing").value == 14
    assert "n = 3 members" in at.get("plotly_chart")[0].proto.spec


def test_meeting_mode_hides_filters_and_uses_large_text():
    at = open_app(meeting=True)
    at.switch_page(page("compare")).run()
    assert not at.exception
    assert not any(w.key == "flt_members" for w in at.multiselect)
    for spec in compare_charts(at).values():
        assert spec["layout"]["template"]["layout"]["font"]["size"] >= 16


def test_compare_draws_only_the_open_tab_and_each_tab_its_own_chart():
    at = open_app(uploaded())
    at.switch_page(page("compare")).run()
    assert [t.label for t in at.tabs] == list(compare.VIEWS)
    for view, spec in compare_charts(at).items():
        assert VIEW_TITLES[view] in spec["layout"]["title"]["text"], view
    open_view(at, "Heatmap")
    at.switch_page(page("overview")).run()
    at.switch_page(page("compare")).run()
    assert "per member and week" in specs(at)[0]["layout"]["title"]["text"]  # the open tab is kept


def test_relapse_tab_says_k_of_n_events_were_followed():
    at = open_app(uploaded())
    at.switch_page(page("compare")).run()
    open_view(at, "Relapses")
    words = " ".join(m.value for m in at.markdown)
    assert "5 of 5 infections (100%) were followed by a relapse within 30 days" in words
    assert "caused" not in words


def test_cached_results_follow_a_new_upload():
    at = open_app(uploaded())
    at.switch_page(page("overview")).run()
    assert "n = 5 members" in at.get("plotly_chart")[0].proto.spec
    obs, treatments, events = synthetic(members=["kid_7", "kid_8", "kid_9"])
    at.session_state[state.UPLOAD_KEY] = GroupData(observations=obs, treatments=treatments, events=events)
    at.run()
    assert not at.exception
    assert "n = 3 members" in at.get("plotly_chart")[0].proto.spec


def test_pages_say_so_when_nothing_is_logged():
    at = open_app(GroupData())
    for name in PAGES:
        at.switch_page(page(name)).run()
        assert not at.exception, (name, [e.value for e in at.exception])
        assert not at.get("plotly_chart")
        assert any("No scores" in i.value for i in at.info)


def test_one_chosen_symptom_is_compared_on_its_own_scale():
    at = open_app(uploaded())
    at.switch_page(page("compare")).run()
    at.multiselect(key="flt_items").set_value(["myoclonus"]).run()
    assert not at.exception
    cohort = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert cohort["layout"]["yaxis"]["title"]["text"].startswith("Jerks (myoclonus)")


@pytest.mark.parametrize("meeting", [False, True], ids=["screen", "meeting"])
def test_every_chart_has_its_caption(meeting):
    at = open_app(uploaded(), meeting=meeting)
    for name, n_charts in PAGES.items():
        at.switch_page(page(name)).run()
        captions = [c.value for c in at.caption if "not medical advice" in c.value]
        assert len(captions) >= n_charts, (name, captions)
        assert all("generated on" in c and "with oms_dash" in c for c in captions)
        if meeting:  # a span in words, not dates, on a projector or a shared screenshot
            assert all(" about " in c or " days " in c for c in captions), captions


def _member_names(spec: str) -> set[str]:
    import re

    return set(re.findall(r"Member [A-Z]+", spec))


def test_a_member_keeps_one_label_on_every_page_tab_and_filter():
    """kid_5 is "Member E" group-wide: also when the sidebar keeps only kid_2 and kid_5."""
    at = open_app(uploaded())
    at.multiselect(key="flt_members").set_value(["kid_2", "kid_5"]).run()
    for name in ("overview", "compare"):
        at.switch_page(page(name)).run()
        assert not at.exception
        for chart in at.get("plotly_chart"):
            names = _member_names(chart.proto.spec)
            assert names <= {"Member B", "Member E"}, (name, names)
    charts = compare_charts(at)
    for view, spec in charts.items():
        assert _member_names(json.dumps(spec)) <= {"Member B", "Member E"}, view
    heatmap = json.dumps(charts["Heatmap"])
    assert _member_names(heatmap) == {"Member B", "Member E"}
    at.switch_page(page("member")).run()
    box = at.selectbox(key="member_view_member")
    assert [box.format_func(m) for m in box.options] == ["Member B", "Member E"] or \
        sorted(box.format_func(o) for o in ["kid_2", "kid_5"]) == ["Member B", "Member E"]
    assert "Member B" in at.get("plotly_chart")[0].proto.spec


def test_member_view_uses_the_relapse_rule_chosen_on_compare_and_keeps_its_member():
    at = open_app(uploaded())
    at.switch_page(page("compare")).run()
    open_view(at, "Relapses")
    at.number_input(key="pg_rule_mp_min_days").set_value(21).run()
    at.number_input(key="pg_rule_mp_rise").set_value(5.5).run()
    assert not at.exception
    at.switch_page(page("member")).run()
    words = " ".join(c.value for c in at.caption)
    assert "a rise of at least 5.5" in words and "at least 21 days" in words
    at.selectbox(key="member_view_member").set_value("kid_3").run()
    for name in ("compare", "member"):
        at.switch_page(page(name)).run()
    assert at.selectbox(key="member_view_member").value == "kid_3"
    at.switch_page(page("compare")).run()
    assert at.number_input(key="pg_rule_mp_rise").value == 5.5


def test_heatmap_offers_only_the_chosen_symptoms_and_keeps_the_choice():
    at = open_app(uploaded())
    at.switch_page(page("compare")).run()
    open_view(at, "Heatmap")
    at.multiselect(key="flt_items").set_value(["myoclonus", "gait"]).run()
    box = at.selectbox(key="pg_heat_item")
    assert list(box.options) == ["All symptoms (mean)", "Jerks (myoclonus)", schema_label("gait")]
    box.set_value("gait").run()
    at.switch_page(page("overview")).run()
    at.switch_page(page("compare")).run()
    assert at.selectbox(key="pg_heat_item").value == "gait"


def schema_label(item: str) -> str:
    from oms_dash import schema

    return schema.item_label(item)


def test_who_is_in_the_group_says_small_categories_are_merged_with_the_configured_k():
    group = uploaded()
    group.profile = pd.DataFrame({"member": [f"kid_{i}" for i in range(1, 6)], "age_band": "2-4 years",
                                  "sex": ["female"] * 4 + ["male"], "country": "unknown"})
    at = open_app(group)
    at.switch_page(page("overview")).run()
    assert not at.exception
    words = " ".join(c.value for c in at.caption)
    k = min_group_size()
    assert f"fewer than {k} members are merged into \"other\"" in words
    assert "breakdown is hidden" in words and "counts under" not in words


def test_a_rerun_without_a_change_builds_no_figure_again(monkeypatch):
    from oms_dash import charts

    built = []
    for name in ("group_course_figure", "latest_state_figure", "completeness_figure"):
        real = getattr(charts, name)
        monkeypatch.setattr(charts, name, lambda *a, _real=real, _name=name, **k: built.append(_name)
                            or _real(*a, **k))
    at = open_app(uploaded())
    at.switch_page(page("overview")).run()
    assert len(built) == 3
    at.run()
    assert not at.exception and len(built) == 3 and len(at.get("plotly_chart")) == 3
    at.multiselect(key="flt_members").set_value(["kid_1", "kid_2", "kid_3"]).run()
    assert len(built) == 6  # a filter change draws them anew


def test_the_filtered_daily_scores_are_made_once_per_filter(monkeypatch):
    from oms_dash import analysis

    calls = []
    real = analysis.filter_observations
    monkeypatch.setattr(analysis, "filter_observations", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = open_app(uploaded())
    at.switch_page(page("overview")).run()
    at.multiselect(key="flt_members").set_value(["kid_1", "kid_2", "kid_3"]).run()
    before = len(calls)
    at.switch_page(page("compare")).run()
    for view in compare.VIEWS:
        open_view(at, view)
    assert not at.exception and len(calls) == before  # every tab reuses the filter's daily table


def test_time_shown_as_weeks_since_first_log_on_every_page():
    at = open_app(uploaded())
    at.radio(key="flt_time_axis").set_value("first_log").run()
    assert not at.exception
    overview = specs(at)
    assert [s["layout"]["xaxis"]["title"]["text"] for s in (overview[0], overview[2])] == \
        ["Weeks since first log"] * 2
    assert "Span" in [m.label for m in at.metric] and "From" not in [m.label for m in at.metric]
    assert all(" about " in c.value or " days " in c.value for c in at.caption if "generated on" in c.value)
    at.switch_page(page("compare")).run()
    open_view(at, "Heatmap")
    heatmap = specs(at)[0]
    assert heatmap["layout"]["xaxis"]["title"]["text"] == "Weeks since first log"
    assert "week %{x}" in heatmap["data"][0]["hovertemplate"]
    at.switch_page(page("member")).run()
    timeline = json.dumps(specs(at)[0]["layout"])
    assert "Weeks since first log" in timeline
    at.radio(key="flt_time_axis").set_value("calendar").run()
    layout = specs(at)[0]["layout"]
    bottom = max(int(k[5:] or 1) for k in layout if k.startswith("xaxis"))
    assert layout[f"xaxis{bottom}"]["title"]["text"] == "Date"  # calendar dates again


def test_scope_tables_cut_from_the_whole_group_equal_what_the_filtered_logs_give():
    from oms_dash import analysis

    group = uploaded()
    obs = group.observations
    start, end = obs["date"].min() + pd.Timedelta(days=20), obs["date"].max() - pd.Timedelta(days=9)
    scope = (start, end, ("kid_2", "kid_4", "kid_5"), ())
    daily = analysis.daily_scores(analysis.filter_observations(obs, scope[2], None, start, end))
    tables = filters.scope_tables(group, scope)
    pd.testing.assert_frame_equal(tables["scores"].table, analysis.score_series(daily).table)
    assert tables["scores"].measure == analysis.score_series(daily).measure
    assert tables["member_days"].reset_index(drop=True).equals(
        analysis.member_days(daily).reset_index(drop=True))
    assert analysis.score_series(tables["scores"]) is tables["scores"]  # passed through, not recomputed
    assert filters.scope_tables(group, (start, end, (), ("myoclonus",))) is None  # a total depends on items

"""The Meeting report page (AppTest): its charts follow the choice of dates or weeks."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from oms_dash.ui.pages.report import RELATIVE_KEY
from tests.conftest import DASHBOARD

REPORT = "oms_dash/ui/page_scripts/report.py"


def _x_titles(at: AppTest) -> list[str]:
    titles = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        titles.append(((layout.get("xaxis") or {}).get("title") or {}).get("text", ""))
    return titles


def test_report_page_shows_weeks_instead_of_dates_when_asked():
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.run()
    at.switch_page(REPORT).run()
    assert not at.exception, [e.value for e in at.exception]
    # The group's course (the first chart) on calendar weeks, then in weeks since the first log
    # (the members' chart is aligned on the first log in both, now in weeks too).
    assert _x_titles(at)[0] == "Week"
    at.toggle(key=RELATIVE_KEY).set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _x_titles(at)[0] == "Weeks since first log"


def test_report_page_starts_from_the_sidebar_time_choice():
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.run()  # Overview: the sidebar's filters are drawn
    at.sidebar.radio(key="flt_time_axis").set_value("first_log").run()
    at.switch_page(REPORT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key=RELATIVE_KEY).value is True


def test_a_rerun_of_the_report_page_rebuilds_no_figure(monkeypatch):
    from oms_dash.ui.pages import report as page

    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.run()
    at.switch_page(REPORT).run()
    built = []
    original = page.report_figures
    monkeypatch.setattr(page, "report_figures", lambda *a, **k: built.append(1) or original(*a, **k))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert built == []
    at.toggle(key=RELATIVE_KEY).set_value(True).run()  # a real change builds them, once
    assert built == [1]


def _prepared_report() -> AppTest:
    """4 members and ACTH chosen in the sidebar, then the Meeting report page."""
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.run()
    at.sidebar.multiselect(key="flt_members").set_value(["F01", "F02", "F03", "F04"]).run()
    at.sidebar.selectbox(key="flt_treatment").set_value("acth").run()
    at.switch_page(REPORT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _specs(at: AppTest) -> str:
    return " ".join(chart.proto.spec for chart in at.get("plotly_chart"))


def test_the_report_is_made_from_the_choices_on_the_group_pages():
    from oms_dash.demo import demo_group
    from oms_dash.ui.pages.report import CHOSEN_KEY

    at = _prepared_report()
    line = next(m.value for m in at.markdown if m.value.startswith("**Shown in the report:**"))
    assert f"4 of {len(demo_group().members)} members" in line and "ACTH" in line
    specs = _specs(at)
    assert "starting ACTH" in specs or "ACTH" in specs
    assert "Member D" in specs and "Member E" not in specs  # the group's own letters, four of them
    at.toggle(key=CHOSEN_KEY).set_value(False).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("the whole group" in m.value for m in at.markdown)
    assert "Member E" in _specs(at)

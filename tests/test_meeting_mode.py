"""Meeting mode on a 1280x720 projector: the sidebar gives its width to the charts, pages move to a
menu at the top (checked in tests/browser), and there is always a way back out of meeting mode."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from oms_dash.demo import demo_group
from oms_dash.ui import app, state
from tests.conftest import DASHBOARD


def _meeting_app() -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    return at.toggle(key=state.MEETING_KEY).set_value(True).run()


def test_meeting_mode_hides_the_sidebar_and_moves_pages_to_the_top():
    at = _meeting_app()
    assert not at.exception
    assert 'data-testid="stSidebar"' in app.MEETING_CSS and "display: none" in app.MEETING_CSS
    assert any(app.MEETING_CSS in h.proto.body for h in at.get("html"))
    assert [b for b in at.button if b.key == "leave_meeting"]  # the toggle is hidden with the sidebar


def test_leave_meeting_mode_from_the_page_itself():
    at = _meeting_app()
    at.button(key="leave_meeting").click().run()
    assert not at.exception
    assert at.toggle(key=state.MEETING_KEY).value is False
    assert not any(app.MEETING_CSS in h.proto.body for h in at.get("html"))
    assert not [b for b in at.button if b.key == "leave_meeting"]


COMPARE = "oms_dash/ui/page_scripts/compare.py"
OVERVIEW = "oms_dash/ui/page_scripts/overview.py"


def _prepared() -> AppTest:
    """A coordinator's preparation: 4 members and ACTH chosen in the sidebar, then meeting mode."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    at.switch_page(OVERVIEW).run()
    at.sidebar.multiselect(key="flt_members").set_value(["F01", "F02", "F03", "F04"]).run()
    at.sidebar.selectbox(key="flt_treatment").set_value("acth").run()
    return at.toggle(key=state.MEETING_KEY).set_value(True).run()


def _said(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_meeting_mode_shows_what_was_prepared_and_says_so():
    at = _prepared()
    assert not at.exception, [e.value for e in at.exception]
    line = next(m.value for m in at.markdown if m.value.startswith("**Showing:**"))
    assert f"4 of {len(demo_group().members)} members" in line and "comparing ACTH" in line
    # The completeness chart draws one row per member shown: the four chosen, not the group.
    at.switch_page(OVERVIEW).run()
    spec = at.get("plotly_chart")[-1].proto.spec
    assert spec.count("Member ") >= 4
    assert "Member E" not in spec and "Member F" not in spec


def test_meeting_mode_compares_the_chosen_treatment():
    at = _prepared()
    at.switch_page(COMPARE).run()
    at.session_state["_kept_pg_compare_view"] = "Before / after"  # the tab opened before the meeting
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = _said(at)
    assert "**ACTH**" in said and "**IVIG**" not in said


def test_the_upload_page_is_not_reachable_in_meeting_mode():
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    at.switch_page("oms_dash/ui/page_scripts/upload.py").run()
    assert at.file_uploader  # there outside meeting mode
    at.toggle(key=state.MEETING_KEY).set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.file_uploader
    assert not any("Upload logs" == t.value for t in at.title)


MEMBER = "oms_dash/ui/page_scripts/member.py"


def test_member_view_in_meeting_mode_fits_the_total_and_the_chosen_symptoms():
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    at.switch_page(MEMBER).run()
    panels_before = len(at.get("plotly_chart")[0].proto.spec)
    at.toggle(key=state.MEETING_KEY).set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    total_only = at.get("plotly_chart")[0].proto.spec
    assert len(total_only) < panels_before  # one panel of scores instead of one per symptom
    layout = json.loads(total_only)["layout"]
    assert layout["height"] <= 620
    assert any(m.value.startswith("**Showing:**") for m in at.markdown)


def test_every_relapse_marked_links_to_what_a_family_can_do():
    from oms_dash.reference import relapse_entry_url
    from oms_dash.ui.text import RELAPSE_HELP

    assert relapse_entry_url() in RELAPSE_HELP
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    at.session_state["_kept_pg_compare_view"] = "Relapses"
    at.switch_page(COMPARE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert RELAPSE_HELP in _said(at)


def test_the_member_views_png_for_slides_draws_every_symptom_in_one_panel():
    """On screen a member has a panel per symptom; the 1280x720 PNG of it squeezed nine panels into
    the slide with their titles run together. The slide draws the symptoms as lines in one panel."""
    from oms_dash import analysis, report, schema
    from oms_dash.ui import filters
    from oms_dash.ui.pages import member as page

    group = demo_group()
    chosen, code = filters.defaults(group), sorted(group.members)[0]
    rule = analysis.RelapseRule.for_measure(page._member_measure(group.observations, group, code))
    screen = page._member_figure(group, chosen, code, "Member A", False, rule)
    slide = report.slide_figure(page._member_figure(group, chosen, code, "Member A", False, rule, slide=True),
                                "1 member · not medical advice")

    def panels(fig):
        return [k for k in fig.layout if k.startswith("yaxis")]

    assert len(panels(screen)) > 3 and len(panels(slide)) <= 3
    items = set(group.observations.loc[group.observations["member"] == code, "item"])
    named = {t.name for t in slide.data if t.showlegend is not False}
    assert {schema.item_label(i) for i in items} <= named

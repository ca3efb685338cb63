"""Every registered page renders on the demo data without an exception (AppTest, no browser)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from oms_dash.ui.registry import PAGES
from tests.conftest import DASHBOARD


@pytest.mark.parametrize("spec", PAGES, ids=[p.module for p in PAGES])
def test_page_renders_on_demo_data(spec):
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.switch_page(f"oms_dash/ui/page_scripts/{spec.module}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == spec.title
    assert any("Demo data" in w.value for w in at.warning)


def test_meeting_mode_persists_across_pages():
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.toggle(key="meeting_mode").set_value(True).run()
    at.switch_page("oms_dash/ui/page_scripts/reference.py").run()
    assert at.toggle(key="meeting_mode").value is True
    assert not at.exception

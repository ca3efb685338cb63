"""A group file reopened in a new browser session: the pages draw its charts, and Overview says what
changed since its last meeting (a real Chromium, the real form and its passphrase field)."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from oms_dash import group_file as gf
from tests.browser.conftest import ARTIFACTS, start_dashboard, stop_dashboard, wait_for_app
from tests.browser.test_flows import MARKER, UPLOAD, _open_page
from tests.conftest import read

pytestmark = pytest.mark.browser
PASSPHRASE = "tulip orbit candle seventeen"


@pytest.fixture
def saved_group(tmp_path):
    """A group file a coordinator made at an earlier meeting (April's), closed since."""
    path = tmp_path / "our group.omsgroup"
    gf.create(path, PASSPHRASE)
    gf.add(path, PASSPHRASE, [read("group-log.csv", UPLOAD)])
    gf.mark_meeting(path, PASSPHRASE, dt.date(2026, 4, 10))
    return path


def _shows_the_group(page, screenshot: str) -> None:
    """Overview draws the group file's charts and what changed since its last meeting."""
    assert page.get_by_text("Demo data: not real people").count() == 0
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.locator(".js-plotly-plot").count() >= 2
    assert page.get_by_text("Since the last meeting (10 Apr 2026)").count() == 1
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == "4"  # members
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert MARKER not in page.content()  # the group file's members appear as Member A, B, …
    assert PASSPHRASE not in page.content()


def test_a_reopened_group_file_shows_its_charts(dashboard_url, page, saved_group):
    page.goto(dashboard_url)
    wait_for_app(page)
    _open_page(page, "Upload logs")
    page.get_by_label("Group file on this computer").fill(str(saved_group))
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Open the group").click()
    page.get_by_text("Every page shows the group file our group.omsgroup").wait_for(timeout=60_000)
    wait_for_app(page)
    _open_page(page, "Overview")
    _shows_the_group(page, "group-file-reopened.png")


def test_run_with_a_group_file_opens_it_on_the_first_page(page, saved_group):
    # The passphrase as `oms-dash run --group` hands it on once it was checked in the terminal.
    env = {**os.environ, "OMS_DASH_PASSPHRASE": PASSPHRASE}
    proc, url = start_dashboard("--group", str(saved_group), env=env)
    try:
        page.goto(url)
        wait_for_app(page)
        page.wait_for_selector(".js-plotly-plot .main-svg")
        _shows_the_group(page, "group-file-run.png")
    finally:
        stop_dashboard(proc)

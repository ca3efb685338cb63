"""Every page opens in a real browser, draws without an exception box, and is screenshotted."""

from __future__ import annotations

import pytest

from oms_dash.ui.registry import PAGES
from tests.browser.conftest import ARTIFACTS, wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("spec", PAGES, ids=[p.module for p in PAGES])
def test_page_opens_without_exception(dashboard_url, page, spec):
    path = "" if spec == PAGES[0] else spec.url_path  # the default page lives at the root
    page.goto(f"{dashboard_url}/{path}")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == spec.title
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / f"page-{spec.module}.png"), full_page=True)

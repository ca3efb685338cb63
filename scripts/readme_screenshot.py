"""Retake docs/screenshot.png (the README's picture): the Overview page on the demo group.

    .venv/bin/python scripts/readme_screenshot.py

Needs Debian's chromium and the test extra (playwright). Starts `oms-dash run` on a free port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, _free_port  # noqa: E402


def main() -> None:
    port = _free_port()
    url = f"http://localhost:{port}"
    command = [sys.executable, "-m", "oms_dash.cli", "run", "--port", str(port), "--no-browser"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url)
            page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2",
                                   timeout=60_000)
            page.wait_for_timeout(3000)  # the charts' transitions
            page.mouse.move(1270, 990)  # no tooltip in the picture
            page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()

"""A real headless Chromium (Debian's) driving `oms-dash run` on a free localhost port.

In CI (CI=true) a missing browser is a failure, not a skip: the browser tests are the only ones
that see what a user sees.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from oms_dash.report import CHROMIUM_FLAGS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
LAUNCH_ARGS = [*CHROMIUM_FLAGS, "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _need_browser():
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + ": browser tests must run in CI")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dashboard(*options: str, env: dict[str, str] | None = None):
    """`oms-dash run [options]` on a free port; returns (process, url) once it answers."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"server-{port}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "oms_dash.cli", "run", "--port", str(port),
                             "--no-browser", *options], stdout=log, stderr=subprocess.STDOUT, env=env)
    proc.log = log
    url = f"http://localhost:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                stop_dashboard(proc)
                pytest.fail(f"oms-dash run exited early; see {log.name}")
            time.sleep(0.5)
    stop_dashboard(proc)
    pytest.fail("the dashboard did not answer within 60 s")


def stop_dashboard(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    proc.log.close()


@pytest.fixture(scope="session")
def dashboard_url():
    proc, url = start_dashboard()
    yield url
    stop_dashboard(proc)


@pytest.fixture(scope="session")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(45_000)
    yield pg
    context.close()


def wait_for_app(page) -> None:
    """Streamlit has finished a run when its status widget is gone and a heading is drawn."""
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)

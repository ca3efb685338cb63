"""What only a browser shows: the real uploader, charts drawn, meeting mode, and the network."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from oms_dash.ui.registry import PAGES
from tests.browser.conftest import ARTIFACTS, wait_for_app

pytestmark = pytest.mark.browser
CHART_PAGES = {"overview", "compare", "member", "report"}
MARKER = "ZZ-MARKER-7731"  # a member code nobody else uses, to look for on disk
UPLOAD = ("member,date,symptom,severity,notes\n"
          + "".join(f"{m},2026-0{mo}-{d:02d},{s},{(d + mo) % 4},\n"
                    for m in (MARKER, "ZZ2", "ZZ3", "ZZ4") for mo in (3, 4, 5)
                    for d in (2, 9, 16, 23) for s in ("jerks", "sleep", "walking")))


def _open_page(page, title: str) -> None:
    """Clicks the page in the sidebar, or in meeting mode (no sidebar) in the menu at the top."""
    # Meeting mode moves the menu from the sidebar to the top on its rerun: a link found just
    # before may be gone, so look again (a click that waited 45 s on a removed sidebar link failed
    # a CI run).
    deadline = time.monotonic() + 45
    while True:
        try:
            top = page.locator('[data-testid="stTopNav"]')
            if top.count() and top.first.is_visible():
                section = next(spec.section for spec in PAGES if spec.title == title)
                page.locator('[data-testid="stTopNavSection"]', has_text=section).first.click(timeout=5_000)
                page.locator('[data-testid="stTopNavDropdownLink"]', has_text=title).first.click(
                    timeout=5_000)
            else:
                page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click(timeout=5_000)
            break
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
            page.keyboard.press("Escape")  # a menu left open by a half-done try
    page.wait_for_function("t => document.querySelector('h1') && "
                           "document.querySelector('h1').innerText.trim() === t", arg=title)
    wait_for_app(page)


def _upload(page, tmp_path: Path) -> None:
    path = tmp_path / "group-log.csv"
    path.write_text(UPLOAD)
    _open_page(page, "Upload logs")
    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_text("Loaded 4 member(s)").wait_for(timeout=60_000)
    wait_for_app(page)


def test_overview_draws_charts_on_the_demo_data(dashboard_url, page):
    page.goto(dashboard_url)
    wait_for_app(page)
    assert page.get_by_text("Demo data: not real people").count() >= 1
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.locator(".js-plotly-plot").count() >= 2


def test_upload_through_the_real_input_changes_every_page(dashboard_url, page, tmp_path):
    page.goto(dashboard_url)
    wait_for_app(page)
    _upload(page, tmp_path)
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == "144"
    page.screenshot(path=str(ARTIFACTS / "upload-done.png"), full_page=True)
    _open_page(page, "Overview")
    assert page.get_by_text("Demo data: not real people").count() == 0
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert MARKER not in page.content()  # members appear as Member A, B, …


def test_nothing_leaves_this_computer(dashboard_url, page, tmp_path):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(dashboard_url)
    wait_for_app(page)
    _upload(page, tmp_path)
    for spec in PAGES:
        _open_page(page, spec.title)
    hosts = {urlparse(u).hostname for u in requested if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts <= {"localhost", "127.0.0.1"}, sorted(hosts)
    assert len(requested) > 10  # the recorder really saw the app's own traffic


def test_an_upload_writes_no_file(dashboard_url, page, tmp_path):
    since = time.time() - 1
    page.goto(dashboard_url)
    wait_for_app(page)
    _upload(page, tmp_path)
    _open_page(page, "Overview")
    roots = [Path("/tmp"), Path.home(), Path(__file__).resolve().parents[2]]
    written = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in {".venv", ".git", "proc", "test-artifacts"}
                       and not d.startswith(("pytest-", "playwright", "tmp"))]
            for name in files:
                path = Path(folder) / name
                try:
                    if path.stat().st_mtime >= since and MARKER.encode() in path.read_bytes():
                        written.append(str(path))
                except OSError:
                    continue
    assert written == []


MEETING_PAGES = [spec for spec in PAGES if spec.in_meeting]


def _projector_page(browser, timeout: int = 45_000):
    """A fresh session in a 1280×720 window, as a projector shows it: (context, page); the caller
    closes the context."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(timeout)
    return context, page


@pytest.mark.parametrize("spec", MEETING_PAGES, ids=[p.module for p in MEETING_PAGES])
def test_meeting_mode_on_each_page_at_1280x720(dashboard_url, browser, spec):
    context, page = _projector_page(browser)
    try:
        page.goto(dashboard_url)
        wait_for_app(page)
        page.get_by_text("Meeting mode").click()
        wait_for_app(page)
        _open_page(page, spec.title)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not page.locator('[data-testid="stSidebar"]').is_visible()  # the charts get the width
        if spec.module in CHART_PAGES:
            page.wait_for_selector(".js-plotly-plot .main-svg")
            # The toolbar keeps only the camera: nothing else to run under the chart's title.
            assert page.locator(".js-plotly-plot").first.locator(".modebar-btn").count() == 1
            sizes = page.eval_on_selector_all(
                ".js-plotly-plot .gtitle, .js-plotly-plot .xtitle, .js-plotly-plot .ytitle",
                "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
            assert sizes and min(sizes) >= 16, sizes
        page.screenshot(path=str(ARTIFACTS / f"meeting-{spec.module}.png"))
        page.get_by_role("button", name="Leave meeting mode").first.click()
        wait_for_app(page)
        page.locator('[data-testid="stSidebarNav"]').wait_for(state="visible")
        assert page.locator("h1").first.inner_text().strip() == spec.title
    finally:
        context.close()


def test_a_deep_link_works_on_a_fresh_server(browser):
    """A bookmark or a Reference link opened first after start-up finds its page."""
    from tests.browser.conftest import start_dashboard, stop_dashboard

    proc, url = start_dashboard()
    try:
        page = browser.new_page()
        page.goto(f"{url}/reference?entry=myoclonus")
        wait_for_app(page)
        assert page.locator("h1").first.inner_text().strip() == "Reference"
        assert page.get_by_text("Jerks (myoclonus)").count() >= 1
        page.close()
    finally:
        stop_dashboard(proc)


def _demo_banner(page) -> int:
    return page.get_by_text("Demo data: not real people").count()


def test_a_reload_or_a_second_tab_keeps_the_uploaded_group(dashboard_url, page, tmp_path):
    page.goto(dashboard_url)
    wait_for_app(page)
    _upload(page, tmp_path)
    _open_page(page, "Overview")
    assert "session=" in page.url
    page.reload()
    wait_for_app(page)
    assert _demo_banner(page) == 0
    assert page.get_by_text("your uploaded logs").count() >= 1
    second = page.context.new_page()
    second.goto(page.url)
    wait_for_app(second)
    assert _demo_banner(second) == 0
    _open_page(second, "Upload logs")
    assert second.get_by_text("group-log.csv").count() >= 1  # its card, with what was read
    second.close()
    fresh = page.context.browser.new_page()  # no token: somebody else's session starts on the demo
    fresh.goto(dashboard_url)
    wait_for_app(fresh)
    assert _demo_banner(fresh) >= 1
    fresh.close()


def test_meeting_mode_hides_the_upload_page_and_file_names(dashboard_url, browser, tmp_path):
    context, page = _projector_page(browser)
    try:
        page.goto(dashboard_url)
        wait_for_app(page)
        _upload(page, tmp_path)
        page.get_by_text("Meeting mode").click()
        wait_for_app(page)
        for section in {spec.section for spec in MEETING_PAGES}:
            page.locator('[data-testid="stTopNavSection"]', has_text=section).first.click()
            assert page.locator('[data-testid="stTopNavDropdownLink"]', has_text="Upload logs").count() == 0
            page.keyboard.press("Escape")
        assert "group-log.csv" not in page.content()
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


def _luminance(rgb: str) -> float:
    channels = [float(v) / 255 for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _seen(rgb: str, opacity: float) -> str:
    """A colour drawn at ``opacity`` over white, as the eye sees it."""
    channels = [float(v) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    return "rgb(" + ", ".join(str(c * opacity + 255 * (1 - opacity)) for c in channels) + ")"


def _contrast(fore: str, back: str = "rgb(255, 255, 255)") -> float:
    hi, lo = sorted((_luminance(fore), _luminance(back)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _choose(page, label: str, options: list[str]) -> None:
    """Picks options in a sidebar multiselect or selectbox, as a coordinator does: typing the start
    of each name narrows the open list to it (under load a long list once stayed closed to clicks)."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stWidgetLabel"]', has_text=label).first
    widget = box.locator("xpath=..")
    for option in options:
        choice = page.get_by_role("option", name=option, exact=True)
        for attempt in range(4):  # the list opens on a click once the widget has settled
            field = widget.locator("input").first
            field.click()
            field.fill("")
            field.press_sequentially(option[:12])
            try:
                choice.wait_for(timeout=10_000)
                break
            except Exception:  # noqa: BLE001 - closed again by a rerun: press once more
                page.keyboard.press("Escape")
                wait_for_app(page)
                if attempt == 3:
                    ARTIFACTS.mkdir(exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / f"choose-{label.lower()}-failed.png"))
                    raise AssertionError(f"{option!r} never appeared in the {label} list") from None
        choice.click()
        wait_for_app(page)
    page.keyboard.press("Escape")
    wait_for_app(page)


def _assert_on_one_screen(page, chart, what) -> None:
    """Scrolled so its top is just under Streamlit's menu bar, the chart (its title block inside)
    and the caption under it are on a 1280x720 screen: what a projector shows of it at once."""
    bars = [page.locator(f'[data-testid="{t}"]') for t in ("stHeader", "stTopNav")]
    top = max([b.first.bounding_box() for b in bars if b.count()] or [None],
              key=lambda b: b["y"] + b["height"] if b else 0)
    under = top["y"] + top["height"] if top else 0  # the menu bar covers what is above it
    chart.evaluate("""(e, top) => {
        e.scrollIntoView({block: "start"});
        let box = e.parentElement;  // Streamlit scrolls its main section, not the window
        const scrolls = b => b.scrollHeight > b.clientHeight
            && /(auto|scroll)/.test(getComputedStyle(b).overflowY);
        while (box && !scrolls(box)) box = box.parentElement;
        (box || window).scrollBy(0, -top);
    }""", under)
    page.mouse.move(640, 1)  # off any button: a tooltip scrolled under the pointer would take the next click
    page.wait_for_timeout(300)
    box = chart.bounding_box()
    assert box["y"] >= under - 1 and box["y"] + box["height"] <= 720, (what, box)  # inside the screen
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (what, box)
    bottom = box["y"] + box["height"]
    boxes = (e.bounding_box() for e in page.locator('[data-testid="stCaptionContainer"]').all())
    # Its caption (show_chart puts it straight under the chart, one element gap away), if it has one.
    for caption in [c for c in boxes if c and bottom - 1 <= c["y"] <= bottom + 32]:
        assert caption["y"] + caption["height"] <= 720, (what, box, caption)


def test_meeting_mode_shows_the_prepared_choice_and_each_chart_fits_1280x720(dashboard_url, browser):
    context, page = _projector_page(browser, timeout=60_000)
    try:
        page.goto(dashboard_url)
        wait_for_app(page)
        _choose(page, "Members", ["Member A", "Member B"])
        _choose(page, "Treatment", ["ACTH"])
        page.get_by_text("Meeting mode").click()
        wait_for_app(page)
        for title in ("Overview", "Compare patterns", "Member view"):
            _open_page(page, title)
            if title != "Member view":
                line = page.get_by_text("Showing:").first.locator("xpath=..").inner_text()
                assert "2 of 12 members" in line and "ACTH" in line, line
            page.wait_for_selector(".js-plotly-plot .main-svg")
            for i in range(page.locator(".js-plotly-plot").count()):
                _assert_on_one_screen(page, page.locator(".js-plotly-plot").nth(i), (title, i))
            # The colour as seen: Streamlit greys captions by the container's opacity, not its colour.
            captions = page.eval_on_selector_all(
                '[data-testid="stCaptionContainer"]',
                "els => els.map(e => [getComputedStyle(e).color, parseFloat(getComputedStyle(e).opacity)])")
            assert captions and min(_contrast(_seen(c, a)) for c, a in captions) >= 4.5, captions
            page.screenshot(path=str(ARTIFACTS / f"prepared-meeting-{title.split()[0].lower()}.png"))
        _open_page(page, "Compare patterns")
        page.get_by_role("tab", name="Before / after").click()
        wait_for_app(page)
        assert page.get_by_text("ACTH").count() >= 1 and page.get_by_text("starting IVIG").count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


def test_member_view_with_many_symptoms_in_meeting_mode_fits_1280x720(dashboard_url, browser):
    """Seven symptoms chosen, then meeting mode: the member's chart, its title and caption on one
    projector screen (seven panels were taller than the screen; squeezed, their titles overlapped)."""
    symptoms = ["Eye movements (opsoclonus)", "Jerks (myoclonus)", "Standing and sitting (stance)",
                "Walking and balance (gait, ataxia)", "Arm and hand use", "Speech", "Sleep problems"]
    context, page = _projector_page(browser, timeout=60_000)
    try:
        page.goto(dashboard_url)
        wait_for_app(page)
        _open_page(page, "Member view")
        _choose(page, "Symptoms", symptoms)
        page.get_by_text("Meeting mode").click()
        wait_for_app(page)
        assert page.locator("h1").first.inner_text().strip() == "Member view"
        chart = page.locator(".js-plotly-plot").first
        chart.locator(".main-svg").first.wait_for()
        _assert_on_one_screen(page, chart, "member chart")
        legend = " ".join(t.text_content() for t in chart.locator(".legend .legendtext").all())
        assert all(name in legend for name in symptoms), legend  # every symptom named
        # Panel titles do not run into each other.
        titles = [t.bounding_box() for t in chart.locator(".annotation-text").all()]
        titles = sorted((t for t in titles if t), key=lambda t: t["y"])
        assert all(b["y"] >= a["y"] + a["height"] for a, b in zip(titles, titles[1:], strict=False)), \
            titles
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path="/tmp/meeting-member-many-symptoms.png")
        page.screenshot(path=str(ARTIFACTS / "meeting-member-many-symptoms.png"))
    finally:
        context.close()

"""The per-chart PNG for slides, as a user meets it on a page: offered in both modes, never an
empty file, and a plain message with the camera-button hint when it cannot be made."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from oms_dash.ui import state, widgets

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _chart_page():
    import plotly.graph_objects as go

    from oms_dash.ui.widgets import show_chart

    show_chart(go.Figure(go.Bar(x=["a"], y=[1])), "test-chart", "4 members · not medical advice",
               table=__import__("pandas").DataFrame({"week": [1], "value": [1.0]}))


def _open(monkeypatch, png: bytes | None, meeting: bool = False) -> AppTest:
    monkeypatch.setattr(widgets, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(widgets, "slide_png", lambda fig, caption: png)
    at = AppTest.from_function(_chart_page, default_timeout=30)
    at.session_state[state.MEETING_KEY] = meeting
    return at.run()


def _downloads(at: AppTest) -> list:
    return at.get("download_button")


@pytest.mark.parametrize("meeting", [False, True], ids=["screen", "meeting"])
def test_png_for_slides_is_offered_in_both_modes(monkeypatch, meeting):
    at = _open(monkeypatch, PNG, meeting)
    assert not at.exception
    at.button(key="png_make_test-chart").click().run()
    assert not at.warning
    assert len(_downloads(at)) == 1
    assert bool(at.expander) is not meeting  # the table stays tucked away in meeting mode


def test_a_failed_png_is_explained_and_no_empty_file_is_offered(monkeypatch):
    at = _open(monkeypatch, None)
    at.button(key="png_make_test-chart").click().run()
    assert not at.exception
    assert _downloads(at) == []
    assert "could not be made" in at.warning[0].value and "camera button" in at.warning[0].value


def test_without_a_browser_the_camera_button_is_suggested(monkeypatch):
    monkeypatch.setattr(widgets, "find_chromium", lambda: None)
    at = AppTest.from_function(_chart_page, default_timeout=30).run()
    assert not at.button and any("camera button" in c.value for c in at.caption)


def test_meeting_toolbar_keeps_only_the_camera():
    assert widgets.plot_config("x", meeting=True)["modeBarButtons"] == [["toImage"]]
    assert "modeBarButtons" not in widgets.plot_config("x")
    assert widgets.plot_config("x")["toImageButtonOptions"]["scale"] == 2

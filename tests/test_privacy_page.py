"""The Privacy & about page (AppTest, no browser): it says the plain facts and forgets an upload."""

from __future__ import annotations

import inspect

import pandas as pd
from streamlit.testing.v1 import AppTest

import oms_dash
from oms_dash.model import GroupData
from oms_dash.privacy import min_group_size
from oms_dash.ui.pages import privacy as page


def _app() -> None:
    from oms_dash.ui.pages.privacy import render

    render()


def _uploaded_group() -> GroupData:
    group = GroupData()
    group.observations = pd.DataFrame({
        "member": pd.Series(["F01", "F02"], dtype="str"),
        "date": pd.to_datetime(["2025-03-04", "2025-03-05"]),
        "item": pd.Series(["myoclonus", "sleep"], dtype="str"),
        "score": [2.0, 1.0],
        "raw_value": pd.Series(["2", "1"], dtype="str"),
        "raw_scale": pd.Series(["0-3", "0-3"], dtype="str"),
        "source_file": pd.Series(["diary.csv", "diary.csv"], dtype="str"),
        "source_row": [2, 3],
    })
    return group


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [s.value for s in at.subheader]
    parts += [s.value for s in at.success]
    return "\n".join(parts)


def test_page_renders_and_says_the_plain_facts():
    at = AppTest.from_function(_app, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Privacy & about"
    text = _text(at)
    for phrase in ["memory only", "Nothing is written to disk", "No usage statistics",
                   "this computer only", "No fonts, scripts or images",
                   "removed as soon as a file is read", "Every note is read",
                   "stray contact detail", "[removed]", "put together as *other*", "Member A",
                   f"fewer than {min_group_size()} members", "never drawn in charts",
                   "not medical advice", oms_dash.__version__]:
        assert phrase in text, phrase
    assert "demo group" in " ".join(m.value for m in at.markdown)


def test_forget_button_clears_the_uploaded_group():
    at = AppTest.from_function(_app, default_timeout=30)
    at.session_state["uploaded_group"] = _uploaded_group()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "2 members" in " ".join(m.value for m in at.markdown)
    at.button(key=page.FORGET_BUTTON_KEY).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "uploaded_group" not in at.session_state
    assert any("Forgotten" in s.value for s in at.success)
    at.run()  # the confirmation is shown once
    assert not at.success


def test_page_never_uses_unsafe_html():
    assert "unsafe_allow_html" not in inspect.getsource(page)

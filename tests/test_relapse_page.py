"""Compare patterns, Relapses and Before / after: the preset and its error rates, the before/after
sentence and the choice to leave out members who started another treatment."""

from __future__ import annotations

from tests.test_pattern_pages import open_app, open_view, page, uploaded


def _words(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_the_relapse_setting_is_chosen_with_its_error_rates_and_carried_to_the_member_view():
    at = open_app(uploaded())
    at.switch_page(page("compare")).run()
    open_view(at, "Relapses")
    box = at.selectbox(key="pg_rule_mp_preset")
    assert box.value == "balanced" and list(box.options) == ["Cautious", "Balanced (default)", "Sensitive"]
    assert "In simulated weekly Mitchell-Pike scores like these" in _words(at)
    box.set_value("cautious").run()
    assert not at.exception
    assert "cautious setting" in _words(at)
    at.number_input(key="pg_rule_mp_rise").set_value(6.0).run()
    assert "has not been measured" in _words(at)  # changed from the preset: no rates claimed
    at.switch_page(page("member")).run()
    assert "cautious setting" in _words(at)


def test_before_after_says_its_sentence_and_can_leave_out_other_starts():
    at = open_app(uploaded())
    at.switch_page(page("compare")).run()
    open_view(at, "Before / after")
    assert not at.exception
    words = _words(at)
    assert "In the 4 weeks after starting" in words or "not enough data" in words
    at.checkbox(key="pg_ba_leave_out").check().run()
    assert not at.exception and at.checkbox(key="pg_ba_leave_out").value

"""The column mapping's symptom columns on the Upload page (AppTest): any column of a wide file can be
read as a symptom named after its heading, a mapping mixing the two layouts is refused in words, and
a refusal is said once."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from oms_dash.ui.pages.upload import ITEMS_LABEL, file_key
from tests.conftest import map_columns, shown, upload

# Wobble holds words as often as scores: not read on its own, only when chosen.
WIDE = (b"member,date,jerks,Wobble\nF01,2026-03-01,1,none\nF01,2026-03-02,2,a lot\n"
        b"F01,2026-03-03,0,severe\nF02,2026-03-01,1,mild\nF02,2026-03-02,1,a bit\n")
FORM = (b"Timestamp,Eye movements (opsoclonus) 0-3,Jerks 0-3\n"
        b"3/14/2026 20:15:02,2,1\n3/15/2026 20:15:02,1,1\n")


def _submit(at: AppTest, fk: str) -> None:
    map_columns(at, fk)
    assert not at.exception, [e.value for e in at.exception]


def _facts(at: AppTest) -> str:
    return next(shown(m.value) for m in at.markdown if "member(s)" in m.value)


def test_a_column_chosen_as_a_symptom_is_read_under_its_heading():
    at = upload(("wide.csv", WIDE))
    fk = file_key("wide.csv", WIDE)
    assert "wobble" not in _facts(at).lower()
    assert any("'Wobble'" in shown(c.value) and ITEMS_LABEL.split(" (")[0] in shown(c.value)
               for c in at.caption)  # the hint names where to choose it
    items = at.multiselect(key=f"map_{fk}_items")
    assert items.label == ITEMS_LABEL and "Wobble" in items.options
    at.selectbox(key=f"map_{fk}_member").set_value("member")
    at.selectbox(key=f"map_{fk}_date").set_value("date")
    items.set_value(["Wobble"])
    _submit(at, fk)
    assert "Wobble" in _facts(at)  # as the heading spells it
    # The mapping in use stays in sight, with the way back to automatic recognition.
    (mapped,) = [e for e in at.expander if e.label == "Read with your column mapping"]
    assert mapped.proto.expanded
    # Its unreadable cells are said, row by row, and the good ones kept.
    assert [m.value for m in at.metric if m.label == "Accepted"] == ["5"]
    messages = at.dataframe[0].value
    bad = messages[(messages["column"] == "Wobble") & (messages["status"] == "not used")]
    assert sorted(bad["row"]) == ["3", "6"]
    # Back to automatic: the list shows what automatic recognition reads, and Wobble is not read.
    at.button(key=f"map_{fk}_clear").click().run()
    assert at.multiselect(key=f"map_{fk}_items").value == ["jerks"]
    assert "wobble" not in _facts(at).lower()


def test_symptom_columns_with_a_symptom_name_column_are_refused_in_words():
    long = b"member,date,symptom,severity,Wobble\nF01,2026-03-01,jerks,2,1\nF01,2026-03-02,jerks,1,3\n"
    at = upload(("long.csv", long))
    fk = file_key("long.csv", long)
    for role in ("member", "date", "symptom", "severity"):
        at.selectbox(key=f"map_{fk}_{role}").set_value(role)
    at.multiselect(key=f"map_{fk}_items").set_value(["Wobble"])
    _submit(at, fk)
    refusal = [e.value for e in at.error if "one row per symptom" in e.value]
    assert refusal and "not both" in refusal[0]
    assert not any(b.key == f"map_{fk}_clear" for b in at.button)  # nothing was applied
    at.multiselect(key=f"map_{fk}_items").set_value([])
    _submit(at, fk)
    assert not any("one row per symptom" in e.value for e in at.error)
    assert [m.value for m in at.metric if m.label == "Accepted"] == ["2"]


def test_a_column_cannot_be_both_the_date_and_a_symptom():
    at = upload(("wide.csv", WIDE))
    fk = file_key("wide.csv", WIDE)
    at.selectbox(key=f"map_{fk}_member").set_value("member")
    at.selectbox(key=f"map_{fk}_date").set_value("date")
    at.multiselect(key=f"map_{fk}_items").set_value(["date", "Wobble"])
    _submit(at, fk)
    assert any("only one role" in e.value for e in at.error)


def test_a_form_without_its_member_question_is_explained_once():
    at = upload(("responses.csv", FORM))
    fk = file_key("responses.csv", FORM)
    assert any("no question holds the member code" in e.value for e in at.error)  # the file's own error
    at.selectbox(key=f"map_{fk}_date").set_value("Timestamp")
    at.multiselect(key=f"map_{fk}_items").set_value(["Eye movements (opsoclonus) 0-3", "Jerks 0-3"])
    _submit(at, fk)
    about_members = [e.value for e in at.error if "member code" in e.value]
    assert len(about_members) == 1, about_members
    at.text_input(key=f"map_{fk}_code").set_value("F05")
    _submit(at, fk)
    assert not any("member code" in e.value for e in at.error)
    assert [m.value for m in at.metric if m.label == "Accepted"] == ["2"]
    # One field holds the code: the mapping's, not a second one among the file's options.
    assert [t.key for t in at.text_input if t.value == "F05"] == [f"map_{fk}_code"]
    at.text_input(key=f"map_{fk}_code").set_value("F06")
    _submit(at, fk)
    assert at.session_state["uploaded_group"].members == ["F06"]

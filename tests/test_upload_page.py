"""The Upload page, driven through Streamlit's AppTest: an upload becomes the group every page shows."""

from __future__ import annotations

import json

import pytest

from oms_dash.ui.pages.upload import file_key
from tests.conftest import UPLOAD, map_columns, upload

GOOD = (b"member,date,symptom,severity\nQ1,2026-01-05,jerks,2\nQ1,2026-01-06,jerks,1\n"
        b"Q2,2026-01-05,sleep,3\nQ2,2026-02-30,sleep,1\n")


def test_upload_shows_counts_and_the_problem_row():
    at = upload(("group.csv", GOOD))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows read": "4", "Accepted": "3", "Rejected": "1", "Skipped by design": "0"}
    problems = at.dataframe[0].value
    bad = problems[problems["status"] == "not used"]
    assert list(bad["row"]) == ["5"]
    assert "30 February 2026 does not exist" in bad["what"].iloc[0]
    # One banner says what every page shows now, with the file it comes from.
    assert [s.value.replace("\\", "") for s in at.success] == [
        "Loaded 2 member(s) from 1 usable file(s) (group.csv). Every page now shows these logs."]
    # The shell above the page already knows: no demo banner, the sidebar names the upload.
    assert not any("Demo data" in w.value for w in at.warning)
    assert any("uploaded logs" in c.value for c in at.sidebar.caption)
    # Each recognised symptom links to its Reference entry.
    assert any("[Jerks (myoclonus)](./reference?entry=myoclonus)" in m.value for m in at.markdown)


def test_uploaded_group_replaces_the_demo_on_other_pages():
    at = upload(("group.csv", GOOD))
    at.switch_page("oms_dash/ui/page_scripts/privacy.py").run()
    assert not at.exception
    assert not any("Demo data" in w.value for w in at.warning)
    assert any("uploaded logs" in c.value for c in at.sidebar.caption)


def test_forget_returns_to_the_demo_group():
    at = upload(("group.csv", GOOD))
    at.switch_page(UPLOAD).run()
    at.button(key="forget_on_upload").click().run()
    assert "uploaded_group" not in at.session_state
    assert "parsed_files" not in at.session_state  # the parsed tables are gone from memory too
    assert len(at.file_uploader[0].value or []) == 0  # the files are gone from the uploader too
    assert any("Demo data" in w.value for w in at.warning)


def test_unrecognised_columns_offer_a_mapping_form_not_a_dead_end():
    odd = b"Kid,Logged on,Sign noticed,Rated\nQ1,2026-01-05,jerks,2\nQ1,2026-01-06,sleep,1\n"
    at = upload(("odd.csv", odd))
    assert any("I could not tell which columns" in e.value for e in at.error)  # said once, in red
    assert not [w for w in at.warning if "Demo data" not in w.value]  # not repeated in yellow
    assert any("Tell oms_dash which column is which" in m.value for m in at.markdown)
    fk = file_key("odd.csv", odd)
    map_columns(at, fk, member="Kid", date="Logged on", symptom="Sign noticed", severity="Rated")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accepted"] == "2"


def test_a_picture_renamed_csv_is_explained():
    at = upload(("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(200)))
    assert any("picture" in e.value for e in at.error) or any(
        "picture" in str(d.value) for d in at.dataframe)


def test_member_notes_only_on_request_and_codes_only_off_meeting_mode():
    note = '"slept badly, teething"'  # quoted: the note has a comma in it
    data = "member,date,symptom,severity,notes\n" + "".join(
        f"Q{m},2026-01-{d:02d},jerks,{d % 4},{note if d == 3 else ''}\n"
        for m in (1, 2, 3) for d in range(1, 20))
    at = upload(("notes.csv", data.encode()))
    at.switch_page("oms_dash/ui/page_scripts/member.py").run()
    assert not at.exception
    shown = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "teething" not in shown  # notes are hidden until asked for
    at.toggle(key="member_view_show_notes").set_value(True).run()
    notes = at.dataframe[-1].value
    assert list(notes["note"]) == ["slept badly, teething"]
    assert at.selectbox(key="member_view_member").format_func("Q1") == "Member A"
    at.toggle(key="member_view_reveal_codes").set_value(True).run()
    assert at.selectbox(key="member_view_member").format_func("Q1") == "Q1"
    at.toggle(key="meeting_mode").set_value(True).run()
    assert at.selectbox(key="member_view_member").format_func("Q1") == "Member A"


@pytest.mark.parametrize("page", ["overview", "compare", "member", "report"])
def test_pattern_pages_draw_an_uploaded_group(page):
    rows = "".join(f"U{m},2026-{mo:02d}-{d:02d},{s},{(m + d + mo) % 4}\n"
                   for m in range(1, 6) for mo in (3, 4, 5, 6) for d in (1, 8, 15, 22)
                   for s in ("jerks", "sleep", "walking", "eyes"))
    at = upload(("five.csv", ("member,date,symptom,severity\n" + rows).encode()))
    at.switch_page(f"oms_dash/ui/page_scripts/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    assert charts, page
    specs = " ".join(c.proto.spec for c in charts)
    assert "U1" not in specs  # codes never reach a chart
    assert "Member A" in specs


FORM = (b'Timestamp,Member code,Date of symptoms,Jerks (0-3),"Any illness, fever or vaccination today?",'
        b'Anything else?\n'
        b'2026-03-01 20:00:00,F01,2026-03-01,1,,\n'
        b'2026-03-02 20:00:00,F01,2026-03-02,1,no,\n'
        b'2026-03-03 20:00:00,F01,2026-03-03,2,"bad cold, 38.6",\n'
        b'2026-03-04 20:00:00,F01,2026-03-04,2,MMR jab,\n'
        b'2026-03-05 20:00:00,F01,2026-03-05,1,went to the zoo,slept badly\n')


def _card_subheaders(at) -> list[str]:
    return [s.value for s in at.subheader if s.value != "Templates"]


def test_a_forms_illness_question_shows_on_the_card_as_events_and_other_answers_are_counted():
    at = upload(("form.csv", FORM))
    facts = " ".join(m.value for m in at.markdown)
    assert "events: 1 infection / fever, 1 vaccination, 1 other event" in facts
    other = [i.value for i in at.info if "kept as 'other event'" in i.value.replace("\\", "")]
    assert len(other) == 1 and "1 answer" in other[0]
    # The notes question is kept as notes: the card says where they are shown and where never.
    notes = [c.value for c in at.caption if "Kept as notes" in c.value]
    assert len(notes) == 1 and "Anything else?" in notes[0].replace("\\", "")
    assert "Member view" in notes[0] and "never drawn" in notes[0]
    # The mapping form offers events and starts from the columns it recognised.
    fk = file_key("form.csv", FORM)
    assert at.selectbox(key=f"map_{fk}_member").value == "Member code"
    assert at.selectbox(key=f"map_{fk}_date").value == "Date of symptoms"
    assert at.selectbox(key=f"map_{fk}_notes").value == "Anything else?"
    assert at.multiselect(key=f"map_{fk}_items").value == ["Jerks (0-3)"]
    assert at.multiselect(key=f"map_{fk}_events").value == ["Any illness, fever or vaccination today?"]


def test_a_column_not_used_takes_the_green_check_away_and_events_can_be_mapped():
    data = (b"member,date,symptom,severity,Extra\nF01,2026-03-01,jerks,2,\n"
            b"F01,2026-03-02,jerks,1,chickenpox\n")
    at = upload(("diary.csv", data))
    (card,) = _card_subheaders(at)
    assert "check_circle" not in card
    unused = [i.value for i in at.info if "Columns not used" in i.value]
    assert len(unused) == 1 and "Extra" in unused[0]
    fk = file_key("diary.csv", data)
    events = at.multiselect(key=f"map_{fk}_events")
    assert events.value == [] and "Extra" in events.options
    events.set_value(["Extra"])
    map_columns(at, fk)
    assert not at.exception
    facts = " ".join(m.value for m in at.markdown)
    assert "events: 1 infection / fever" in facts
    assert not any("Columns not used" in i.value for i in at.info)
    (card,) = _card_subheaders(at)
    assert "check_circle" in card


def test_long_messages_wrap_in_the_problems_table():
    ambiguous = b"member,date,symptom,severity\nF01,03/04/2026,jerks,2\nF01,04/05/2026,jerks,1\n"
    at = upload(("us.csv", ambiguous))
    table = at.dataframe[0]
    longest = max(len(m) for m in table.value["what"])
    assert longest > 200  # the date-order warning
    # Rows taller than 4rem (64 px) are the ones Streamlit wraps text in; the message column is the
    # widest.
    assert table.proto.row_height > 64
    widths = {name: spec["width"] for name, spec in json.loads(table.proto.columns).items()
              if "width" in spec}
    assert widths["what"] == max(widths.values())


def test_cards_keep_their_order_and_their_expanders_after_a_fix():
    day_first = (b"member,date,symptom,severity\nF01,03/04/2026,jerks,2\nF01,13/04/2026,jerks,1\n"
                 b"F01,05/05/2026,jerks,lots\n")
    other = b"member,date,symptom,severity\nF02,2026-03-14,jerks,2\nF02,2026-03-02,jerks,x\n"
    at = upload(("eu.csv", day_first), ("other.csv", other))
    order = [card.split(" ", 1)[1] for card in _card_subheaders(at)]
    cards = [e for e in at.expander if e.label != "What each column means"]
    before = {e._block_id: e.label for e in cards}
    assert None not in before and len(before) == len(cards) == 6
    # Month first: 13/04/2026 is no date then, and the card's counts change.
    at.radio(key=f"opt_{file_key('eu.csv', day_first)}_order").set_value("Month first (03/14/2026)").run()
    assert not at.exception
    assert [card.split(" ", 1)[1] for card in _card_subheaders(at)] == order
    after = {e._block_id: e for e in at.expander if e.label != "What each column means"}
    # The same expanders, known to the browser by the same ids although their titles changed (the
    # counts), so it keeps each open or closed as the user left it; none opened or closed by itself.
    assert set(after) == set(before)
    assert any(after[i].label != label for i, label in before.items())
    messages = [e for e in after.values() if e.label.startswith("Messages")]
    assert [e.proto.expanded for e in messages] == [True, True]


def test_our_own_template_filled_in_gets_the_green_check_with_its_notes():
    """A diary made from the template, a note included, is read whole: nothing to warn about."""
    from oms_dash.templates import template_bytes

    lines = template_bytes("diary_long.csv").decode().splitlines()
    lines.append("F01,2026-03-04,jerks,1,,,slept badly after the infusion")
    at = upload(("diary.csv", "\n".join(lines).encode()))
    (card,) = _card_subheaders(at)
    assert "check_circle" in card, card
    assert any("Kept as notes" in c.value and "'notes'" in c.value for c in at.caption)

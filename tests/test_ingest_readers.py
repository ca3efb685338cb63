"""The two text readers (pyarrow for rectangular files, the forgiving one for the rest) agree."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms_dash import readers
from oms_dash.readers import UnreadableFile, read_table


def _both(name: str, data: bytes, monkeypatch):
    fast = read_table(name, data)
    with monkeypatch.context() as m:
        m.setattr(readers, "_read_text_fast", lambda *a, **k: None)
        slow = read_table(name, data)
    return fast, slow


def _same(fast, slow) -> None:
    assert list(fast.cells.columns) == list(slow.cells.columns)
    pd.testing.assert_frame_equal(fast.cells.reset_index(drop=True).astype(str),
                                  slow.cells.reset_index(drop=True).astype(str))
    assert fast.rows.tolist() == slow.rows.tolist()
    assert fast.header_row == slow.header_row
    assert (fast.delimiter, fast.encoding) == (slow.delimiter, slow.encoding)


@pytest.mark.parametrize("text", [
    "member,date,jerks\nF01,2026-03-01,2\nF01,2026-03-02,1\n",
    "Title,,\n\nmember,date,jerks\nF01,2026-03-01,2\n\nF01,2026-03-02,1\n\n\n",
    'member,date,notes\r\nF01,2026-03-01,"a\r\nb"\r\nF01,2026-03-02,"say ""hi"""\r\n',
    "member;date;jerks;;\nF01;01/03/2026;2;;\n",
    "member\tdate\tjerks\nF01\t2026-03-01\t\n",
    "member,date,jerks\nF01,2026-03-01\nF01,2026-03-02,1,extra\n",
])
def test_fast_and_forgiving_readers_agree(text, monkeypatch):
    fast, slow = _both("log.csv", text.encode(), monkeypatch)
    _same(fast, slow)


def test_the_fast_reader_is_used_for_a_plain_file(monkeypatch):
    calls = []
    original = readers._read_text_fast

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(readers, "_read_text_fast", spy)
    read_table("log.csv", b"member,date,jerks\nF01,2026-03-01,2\n")
    assert calls == [True]


row = st.lists(st.sampled_from(["F01", "", "2026-03-01", "2", "a,b", 'q"q', "x\ny", "é", " "]),
               min_size=0, max_size=5)


# A supporting property: 300 examples are plenty (the accounting tests run 1,000 in CI).
@settings(max_examples=min(300, settings().max_examples))
@given(rows=st.lists(row, min_size=1, max_size=8), delimiter=st.sampled_from([",", ";", "\t"]),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_readers_agree_on_arbitrary_tables(rows, delimiter, newline):
    def cell(c: str) -> str:
        return f'"{c.replace(chr(34), chr(34) * 2)}"' if any(x in c for x in (delimiter, '"', "\n")) else c

    text = newline.join(delimiter.join(cell(c) for c in r)
                        for r in [["member", "date", "jerks"], *rows]) + newline
    data = text.encode()
    try:
        fast = read_table("t.csv", data)
    except UnreadableFile as exc:
        fast = exc.code
    original = readers._read_text_fast
    readers._read_text_fast = lambda *a, **k: None
    try:
        slow = read_table("t.csv", data)
    except UnreadableFile as exc:
        slow = exc.code
    finally:
        readers._read_text_fast = original
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
    else:
        _same(fast, slow)

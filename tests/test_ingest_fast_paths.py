"""The ingest's shortcuts (issue 3, speed) give exactly what the long way gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms_dash.validation import _all_distinct, _first_of_duplicates, combine_daily


def _codes(frame: pd.DataFrame):
    out = []
    for column in frame.columns:
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        out.append((codes, len(uniques)))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_all_distinct_never_says_distinct_when_rows_repeat(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    frame = pd.DataFrame({f"c{i}": rng.integers(0, int(rng.integers(1, 30)), n).astype(str)
                          for i in range(int(rng.integers(1, 5)))})
    truly = bool((_first_of_duplicates(frame) == np.arange(n)).all())
    shown = _all_distinct(_codes(frame), n)
    assert not shown or truly  # "distinct" is only said when it is so
    if truly and frame.shape[1] <= 3:  # small keys are always decided
        assert shown


def test_all_distinct_stops_at_the_first_columns_that_tell_rows_apart():
    frame = pd.DataFrame({"member": ["F01", "F01", "F02"], "date": ["1", "2", "1"],
                          "notes": ["x", "x", "x"]})
    asked = []

    def parts():
        for column, part in zip(frame.columns, _codes(frame), strict=True):
            asked.append(column)
            yield part

    assert _all_distinct(parts(), 3)
    assert asked == ["member", "date"]


@pytest.mark.parametrize("rule", ["max", "mean"])
@pytest.mark.parametrize("seed", range(10))
def test_combine_daily_with_a_day_key_matches_combining_by_the_columns(rule, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    members = rng.choice(["F01", "F02", "F03"], n)
    days = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 40, n), unit="D")
    items = rng.choice(["gait", "jerks", "sleep", "speech"], n)
    obs = pd.DataFrame({"member": pd.Series(members, dtype="str"), "date": days,
                        "item": pd.Series(items, dtype="str"),
                        "score": rng.integers(0, 4, n).astype(float), "source_row": np.arange(n) + 2})
    m_codes, m_uniques = pd.factorize(obs["member"])
    d_codes, d_uniques = pd.factorize(obs["date"])
    i_codes, i_uniques = pd.factorize(obs["item"])
    key = ((m_codes * (len(d_uniques) + 1) + d_codes) * (len(i_uniques) + 1) + i_codes).astype(np.int64)
    slow, slow_folded = combine_daily(obs, rule)
    fast, fast_folded = combine_daily(obs, rule, key)
    assert slow_folded == fast_folded
    pd.testing.assert_frame_equal(slow, fast)


def _rows(n: int, note: str = "") -> str:
    return "".join(f"F{i % 7:02d},2026-0{1 + i % 9}-{1 + i % 28:02d},jerks,{i % 4},{note}\n"
                   for i in range(n))


_BIG = 40_000  # rows: well past the head that is decoded before pyarrow reads the bytes


@pytest.mark.parametrize("name, data", [
    ("utf8", ("member,date,symptom,severity,notes\n" + _rows(_BIG, "café")).encode("utf-8")),
    ("bom", b"\xef\xbb\xbf" + ("member,date,symptom,severity,notes\n" + _rows(_BIG)).encode("utf-8")),
    ("title line", ("OMS diary, group A\nmember,date,symptom,severity,notes\n"
                    + _rows(_BIG, "naïve")).encode("utf-8")),
    ("quoted", ("member,date,symptom,severity,notes\n" + _rows(_BIG)
                + 'F01,2026-03-01,jerks,1,"two\nlines"\n').encode("utf-8")),
    ("cp1252 late", ("member,date,symptom,severity,notes\n" + _rows(_BIG)
                     + "F01,2026-03-01,jerks,1,café\n").encode("cp1252")),
    ("bom, not utf-8 late", b"\xef\xbb\xbf" + ("member,date,symptom,severity,notes\n" + _rows(_BIG)
                                               + "F01,2026-03-01,jerks,1,café\n").encode("cp1252")),
    ("title, cp1252 late", ("Diary\nmember,date,symptom,severity,notes\n" + _rows(_BIG)
                            + "F01,2026-03-01,jerks,1,café\n").encode("cp1252")),
    ("ragged late", ("member,date,symptom,severity,notes\n" + _rows(_BIG)
                     + "F01,2026-03-01,jerks,1,x,extra\n").encode("utf-8")),
    ("small", b"member;date;symptom;severity\nF01;2026-03-01;jerks;2\n"),
    ("small cp1252", "member,date,symptom,severity,notes\nF01,2026-03-01,jerks,2,café\n".encode("cp1252")),
])
def test_reading_utf8_without_decoding_it_all_gives_what_decoding_first_gives(name, data):
    from oms_dash.readers import _read_text, decode_text, read_table

    got = read_table("log.csv", data)
    want = _read_text(*decode_text(data), data)
    assert (got.encoding, got.delimiter, got.header_row) == (want.encoding, want.delimiter, want.header_row)
    assert list(got.cells.columns) == list(want.cells.columns)
    pd.testing.assert_frame_equal(got.cells, want.cells)
    assert (got.rows == want.rows).all()


def test_columns_hashed_in_the_background_give_the_same_result(monkeypatch):
    import threading

    from oms_dash import ingest
    from oms_dash.codes import column_codes_for
    from oms_dash.ingest import ReadOptions, read_file

    data = ("member,date,symptom,severity,notes\n" + _rows(25_000, "ok")
            + "F01,2026-03-01,jerks,9,\n,2026-03-02,jerks,1,\nF01,2026-03-01,jerks,9,\n").encode("utf-8")
    options = ReadOptions(today=pd.Timestamp("2026-11-01").date())
    background = read_file("big.csv", data, options)
    # nothing left running after a read
    assert not [t for t in threading.enumerate() if t.name.startswith("oms_dash-codes")]
    monkeypatch.setattr(ingest, "column_codes_for", lambda cells: column_codes_for(cells, min_rows=10**9))
    inline = read_file("big.csv", data, options)
    assert background.report.as_json() == inline.report.as_json()
    pd.testing.assert_frame_equal(background.tables.observations, inline.tables.observations)
    pd.testing.assert_frame_equal(background.report.rejected_rows, inline.report.rejected_rows)


@pytest.mark.parametrize("sleep_header", ["Sleep", "Sleep 0-10"])
def test_each_score_keeps_its_own_scale_whether_one_scale_or_several(sleep_header):
    # One scale for the whole file is written out in one go; several are looked up per cell.
    from oms_dash.ingest import ReadOptions, read_file

    data = (f"member,date,Jerks,{sleep_header}\nF01,2026-03-01,2,\nF01,2026-03-02,x,1\n"
            "F02,2026-03-02,n/a,3\n").encode()
    result = read_file("diary.csv", data, ReadOptions(today=pd.Timestamp("2026-04-01").date()))
    obs = result.tables.observations
    sleep_scale = "0-10" if "0-10" in sleep_header else "0-3"
    expected = {("F01", "2026-03-01", "myoclonus"): "0-3", ("F01", "2026-03-02", "sleep"): sleep_scale,
                ("F02", "2026-03-02", "sleep"): sleep_scale}
    shown = {(m, f"{d:%Y-%m-%d}", i): s for m, d, i, s
             in obs[["member", "date", "item", "raw_scale"]].itertuples(index=False)}
    assert shown == expected
    # Where a score came from is stored once per distinct value (a category), as text.
    assert isinstance(obs["raw_scale"].dtype, pd.CategoricalDtype)
    assert obs["raw_scale"].cat.categories.dtype == "str"
    assert [p.code for p in result.report.problems if p.row is not None] == ["bad_score"]


def test_notes_and_yes_no_columns_read_the_same_from_the_shared_column_codes():
    # The ingest hands its column hashing to the recognisers; without it they hash for themselves.
    from oms_dash.adapters import _text_cells, is_yes_no
    from oms_dash.codes import column_codes_for
    from oms_dash.readers import RawTable

    cells = pd.DataFrame({"notes": pd.Series(["", " tired ", "  ", "cold", " tired ", "x"] * 50, dtype="str"),
                          "melatonin": pd.Series(["Yes", " no", "", "Y", "N", "yes"] * 50, dtype="str")})
    alone = RawTable(cells=cells, rows=np.arange(2, len(cells) + 2))
    shared = RawTable(cells=cells, rows=alone.rows, column_codes=column_codes_for(cells, min_rows=1))
    try:
        pd.testing.assert_frame_equal(_text_cells(shared, "notes"), _text_cells(alone, "notes"))
        assert _text_cells(alone, "notes")["text"].tolist()[:3] == ["tired", "cold", "tired"]
        assert is_yes_no(cells["melatonin"]) and is_yes_no(cells["melatonin"], ["Yes", " no", "", "Y", "N"])
        assert not is_yes_no(cells["notes"])
    finally:
        shared.column_codes.close()


@pytest.mark.parametrize("seed", range(10))
def test_joined_columns_get_the_codes_hashing_the_joined_cells_would_give(seed):
    # A wide file's score cells are its symptom columns one after another: their codes come from
    # each column's own, and must be exactly pd.factorize's (same numbering, same distinct values).
    from oms_dash.codes import ColumnCodes

    rng = np.random.default_rng(seed)
    words = np.array(["", "0", "1", "2", "3", " 2", "mild", "n/a", "x"])
    columns = [pd.Series(words[rng.integers(0, int(rng.integers(1, len(words) + 1)),
                                            int(rng.integers(0, 40)))], dtype="str")
               for _ in range(int(rng.integers(1, 6)))]
    factorize = ColumnCodes()
    joined = factorize.concatenated(columns)
    codes, uniques = factorize(joined)
    expected_codes, expected_uniques = pd.factorize(pd.concat(columns, ignore_index=True),
                                                    use_na_sentinel=False)
    np.testing.assert_array_equal(codes, expected_codes)
    assert list(uniques) == list(expected_uniques)
    pd.testing.assert_series_equal(joined, pd.concat(columns, ignore_index=True))


_CELLS = st.lists(st.sampled_from(["", "", "", "1", "2", "3", "0", " ", "é", "x y", "tired", "F01"]),
                  min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(cells=_CELLS, cuts=st.lists(st.integers(0, 60), max_size=3), start=st.integers(0, 5))
def test_column_codes_equal_pandas_factorize_for_every_shape_of_column(cells, cuts, start):
    # Scores of one character and mostly blank notes are coded without hashing every cell; the
    # counts, duplicates and dates the user sees rest on those codes being exactly pandas' own.
    import pyarrow as pa

    from oms_dash.codes import factorize_text

    bounds = sorted({0, len(cells), *[c for c in cuts if c < len(cells)]})
    chunks = [pa.array(cells[a:b], pa.large_string()) for a, b in zip(bounds, bounds[1:], strict=False)]
    column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.large_string())),
                       dtype="str").iloc[min(start, len(cells) - 1):]
    codes, uniques = factorize_text(column)
    expected_codes, expected_uniques = pd.factorize(column, use_na_sentinel=False)
    assert codes.tolist() == expected_codes.tolist()
    assert uniques.tolist() == expected_uniques.tolist() and uniques.dtype == "str"

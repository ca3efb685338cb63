"""Each column's cells as integer codes and its distinct values (as pd.factorize gives them),
worked out once per column and shared by the stages that need them: the privacy scan, the
recognisers and validation all work on distinct values, never cell by cell.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa


def lean_arrow_memory() -> None:
    """Arrow's jemalloc allocator for this process (a command that reads logs, or the server),
    unless ARROW_DEFAULT_MEMORY_POOL chooses one or this pyarrow has none. Its default, mimalloc,
    keeps more of what a big read frees: on the benchmark's long_treatment (a million rows) the
    peak memory of `oms-dash check --json` fell from ~490 MB to ~420 MB (1.81x to 1.58x a bare
    pandas.read_csv process), its time the same."""
    import os

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without it: its default stays
        pass


def arrow_of(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow data of a text column pandas keeps in Arrow (its str dtype), without a copy (the
    same object each time, so it can key a cache); None for any other column."""
    array = values.array
    return array.__arrow_array__() if isinstance(array, pd.arrays.ArrowStringArray) else None


def stacked_text(columns: list[pd.Series], rows: int | None = None) -> pd.Series | None:
    """The first ``rows`` cells (all by default) of each column, one column after another, as one
    "str" column renumbered 0..; None when one of them is not text pandas keeps in Arrow. Joined
    by pyarrow, without a pandas object per column: 1,000 short columns in ~5 ms, where pd.concat
    of them takes ~0.5 s."""
    arrays = [arrow_of(c) if c.dtype == "str" else None for c in columns]
    if any(a is None for a in arrays):
        return None
    chunks = [chunk for a in arrays for chunk in (a if rows is None else a.slice(0, rows)).chunks]
    if not chunks:
        return pd.Series([], dtype="str")
    joined = pa.chunked_array(chunks, type=arrays[0].type) if len({c.type for c in chunks}) == 1 \
        else pa.chunked_array([c.cast(pa.large_string()) for c in chunks])
    return pd.Series(pd.arrays.ArrowStringArray(joined), dtype="str", copy=False)


def clean_member_code(text: str) -> str:
    """A member code as it is compared: full-width letters and digits as plain ones (NFKC), no
    spaces and no invisible characters (a zero-width space pasted from a chat), upper case: 'ｆ０１',
    ' f 01' and 'F01' are one member."""
    plain = unicodedata.normalize("NFKC", text) if not text.isascii() else text
    if not plain.isascii():
        plain = "".join(c for c in plain if unicodedata.category(c) not in ("Cf", "Cc"))
    return "".join(plain.split()).upper()


def factorize_text(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """pd.factorize(values, use_na_sentinel=False), asked of pyarrow itself for a column of text
    it holds (a missing cell, NaN, counts as a value of its own): the same codes and distinct values
    in the same order, without pandas' wrapping around them."""
    arrow = arrow_of(values)
    if values.dtype != "str" or not isinstance(arrow, pa.ChunkedArray) or not len(values):
        return pd.factorize(values, use_na_sentinel=False)
    encoded = arrow.dictionary_encode(null_encoding="encode")
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks],
                           dtype=np.intp, casting="safe")
    uniques = pd.Index(pd.arrays.ArrowStringArray(encoded.chunk(encoded.num_chunks - 1).dictionary
                                                  .cast(arrow.type)), dtype="str")
    return codes, uniques


class ColumnCodes:
    """pd.factorize, once per column within one validation: the canonical layout shares the raw
    table's arrays (a long file's member, date, symptom and severity columns are its raw columns),
    so each is hashed once. Text columns only; anything else is factorized as asked."""

    def __init__(self):
        self._seen: dict[int, tuple] = {}
        self._pending: dict[int, tuple] = {}  # started in the background by prefetch()
        self._pool = None

    def prefetch(self, columns) -> None:
        """Starts factorizing these text columns in two background threads (pyarrow hashes them
        without holding the GIL; the privacy scan waits for them first, so both cores work), while
        the caller does other work; a later call for a column takes the result, or does the work
        itself if no thread has started it. close() ends them."""
        from concurrent.futures import ThreadPoolExecutor

        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="oms_dash-codes")
        for values in columns:
            arrow = arrow_of(values)
            if values.dtype == "str" and arrow is not None and id(arrow) not in self._pending:
                self._pending[id(arrow)] = (arrow, self._pool.submit(factorize_text, values))

    @property
    def pool(self):
        """The background threads of a big table's read (None for a small one); validation lends
        them work of its own too, once the columns are hashed."""
        return self._pool

    def close(self) -> None:
        """Drops background work not started yet and waits for the rest (nothing outlives a read)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._pending.clear()

    def concatenated(self, columns: list[pd.Series]) -> pd.Series:
        """The columns one after another (renumbered 0..), with their codes made from each
        column's own: a wide file's score cells are its symptom columns, already hashed. Equal to
        pd.factorize of the joined column: its distinct values appear in the same order."""
        joined = stacked_text(columns)
        if joined is None:
            return pd.concat(columns, ignore_index=True)
        if not all(self._knows(c) for c in columns):
            # Columns no one has hashed yet (a small table's): the joined column is hashed once
            # when asked, not each of them (1,000 columns of 5 rows: 0.35 s saved).
            return joined
        arrow = arrow_of(joined)
        parts = [self(c) for c in columns]
        together = pd.Index(np.concatenate([np.asarray(u, dtype=object) for _, u in parts]), dtype="str")
        where, uniques = pd.factorize(together, use_na_sentinel=False)
        starts = np.cumsum([0] + [len(u) for _, u in parts])
        codes = np.concatenate([where[start + np.asarray(c)] for (c, _), start
                                in zip(parts, starts[:-1], strict=True)])
        self._seen[id(arrow)] = (arrow, (codes, uniques))
        return joined

    def _knows(self, values: pd.Series) -> bool:
        """Whether this column is hashed already, or being hashed in the background."""
        arrow = arrow_of(values)
        return arrow is not None and (id(arrow) in self._seen or id(arrow) in self._pending)

    def __call__(self, values: pd.Series):
        if values.dtype != "str":
            values = values.fillna("").astype(str)
        arrow = arrow_of(values)
        if arrow is not None:
            hit = self._seen.get(id(arrow))
            if hit is not None and hit[0] is arrow:
                return hit[1]
        pending = self._pending.pop(id(arrow), None) if arrow is not None else None
        if pending is not None and pending[0] is arrow and not pending[1].cancel():
            result = pending[1].result()
        else:
            result = factorize_text(values)
        if arrow is not None:
            self._seen[id(arrow)] = (arrow, result)
        return result


def column_codes_for(cells: pd.DataFrame, min_rows: int = 20_000) -> ColumnCodes:
    """A factorizer for one file's validation; for a big table it starts on the columns at once."""
    factorize = ColumnCodes()
    if len(cells) >= min_rows:
        factorize.prefetch(cells[c] for c in cells.columns)
    return factorize

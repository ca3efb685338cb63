"""Each column's cells as integer codes and its distinct values (as pd.factorize gives them),
worked out once per column and shared by the stages that need them: the privacy scan, the
recognisers and validation all work on distinct values, never cell by cell.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa


def arrow_of(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow data of a text column pandas keeps in Arrow (its str dtype), without a copy (the
    same object each time, so it can key a cache); None for any other column."""
    array = values.array
    return array.__arrow_array__() if isinstance(array, pd.arrays.ArrowStringArray) else None


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
    in the same order, without pandas' wrapping around them (a sixth of the time on a million cells).
    Two shapes every diary has are coded without hashing each cell: a column of one-character
    cells (scores 0-3) and a column that is mostly blank (notes)."""
    arrow = arrow_of(values)
    if values.dtype != "str" or not isinstance(arrow, pa.ChunkedArray) or not len(values):
        return pd.factorize(values, use_na_sentinel=False)
    pieces = _short_cells(arrow)
    if pieces is not None:
        widths = _widths(pieces)
        if widths.max(initial=0) <= 1:
            found = _one_character_codes(pieces, widths)
            if found is not None:
                return found
        if np.count_nonzero(widths) * 2 <= len(widths):
            return _mostly_blank_codes(arrow, widths)
    return _dictionary_codes(arrow)


def _dictionary_codes(arrow: pa.ChunkedArray) -> tuple[np.ndarray, pd.Index]:
    encoded = arrow.dictionary_encode(null_encoding="encode")
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks],
                           dtype=np.intp, casting="safe")
    uniques = pd.Index(pd.arrays.ArrowStringArray(encoded.chunk(encoded.num_chunks - 1).dictionary
                                                  .cast(arrow.type)), dtype="str")
    return codes, uniques


# Columns longer than this on average are neither one-character nor mostly blank: not looked at.
_SHORT_CELLS = 2
# A one-character column with more distinct characters than this is hashed instead (each one
# costs a pass to find where it first appears).
_FEW_CHARACTERS = 12


def _short_cells(arrow: pa.ChunkedArray) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Each chunk's (cell offsets, bytes) as pyarrow holds them, for a column of short cells and no
    missing values; None for any other column (it is hashed as it is)."""
    if arrow.null_count or not (pa.types.is_large_string(arrow.type) or pa.types.is_string(arrow.type)):
        return None
    offset_type = np.int64 if pa.types.is_large_string(arrow.type) else np.int32
    pieces = []
    for chunk in arrow.chunks:
        if not len(chunk):
            continue
        _validity, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[chunk.offset:chunk.offset + len(chunk) + 1]
        if offsets[-1] - offsets[0] > _SHORT_CELLS * len(chunk):
            return None
        data = (np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None
                else np.zeros(0, dtype=np.uint8))
        pieces.append((offsets, data))
    return pieces or None


def _widths(pieces) -> np.ndarray:
    """Bytes per cell, written straight into one array (short cells: 32 bits are plenty)."""
    widths = np.empty(sum(len(offsets) - 1 for offsets, _data in pieces), dtype=np.int32)
    start = 0
    for offsets, _data in pieces:
        end = start + len(offsets) - 1
        np.subtract(offsets[1:], offsets[:-1], out=widths[start:end], casting="unsafe")
        start = end
    return widths


def _one_character_codes(pieces, widths: np.ndarray):
    """Codes for a column whose cells are each one character or blank, by a table of 257 entries
    (the 256 byte values and blank): no hashing. None when it holds too many distinct characters."""
    if widths.min(initial=1) == 1:  # no blank cell: the bytes are the cells, one each
        keys = np.concatenate([data[offsets[0]:offsets[-1]] for offsets, data in pieces]).astype(np.int16)
    else:
        keys = np.concatenate([data[np.minimum(offsets[:-1], max(len(data) - 1, 0))] if len(data)
                               else np.zeros(len(offsets) - 1, np.uint8) for offsets, data in pieces])
        keys = np.where(widths == 1, keys.astype(np.int16), np.int16(256))
    present = np.flatnonzero(np.bincount(keys, minlength=257))
    if len(present) > _FEW_CHARACTERS:
        return None
    firsts = [int(np.argmax(keys == key)) for key in present]
    order = present[np.argsort(firsts, kind="stable")]
    table = np.zeros(257, dtype=np.intp)
    table[order] = np.arange(len(order))
    # One byte is one character: UTF-8 writes every other character with two bytes or more.
    uniques = pd.Index(["" if key == 256 else chr(key) for key in order], dtype="str")
    return table[keys], uniques


def _mostly_blank_codes(arrow: pa.ChunkedArray, widths: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Codes for a column that is mostly blank: only its filled cells are hashed, and the blank
    value takes its place among them in order of first appearance, as pd.factorize numbers it."""
    blank = widths == 0
    filled = np.flatnonzero(~blank)
    codes = np.empty(len(widths), dtype=np.intp)
    if not len(filled):
        codes[:] = 0
        return codes, pd.Index([""], dtype="str")
    filled_codes, filled_values = _dictionary_codes(arrow.take(pa.array(filled)))
    first_blank = int(np.argmax(blank))
    before = int(np.searchsorted(filled, first_blank))  # filled cells above the first blank one
    blank_code = int(filled_codes[:before].max()) + 1 if before else 0
    codes[blank] = blank_code
    codes[filled] = filled_codes + (filled_codes >= blank_code)
    uniques = np.asarray(filled_values, dtype=object)
    return codes, pd.Index(np.insert(uniques, blank_code, ""), dtype="str")


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
        joined = pd.concat(columns, ignore_index=True)
        arrow = arrow_of(joined)
        if arrow is None or not columns or any(c.dtype != "str" for c in columns):
            return joined
        parts = [self(c) for c in columns]
        together = pd.Index(np.concatenate([np.asarray(u, dtype=object) for _, u in parts]), dtype="str")
        where, uniques = pd.factorize(together, use_na_sentinel=False)
        starts = np.cumsum([0] + [len(u) for _, u in parts])
        codes = np.concatenate([where[start + np.asarray(c)] for (c, _), start
                                in zip(parts, starts[:-1], strict=True)])
        self._seen[id(arrow)] = (arrow, (codes, uniques))
        return joined

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

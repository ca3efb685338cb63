"""Bytes to a raw table of text cells, whatever the file: encodings, delimiters, title lines, Excel.

The raw table keeps the user's header names and, for every data record, the row number the user
sees in a spreadsheet, so that every later message can point at "row 14, column Date".
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import sys
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from oms_dash.codes import arrow_of, stacked_text
from oms_dash.model import Problem
from oms_dash.privacy import column_letter

DELIMITERS = (",", ";", "\t", "|")
# The csv module refuses a cell over 128 kB with an error; a long cell is read, then rejected alone.
csv.field_size_limit(sys.maxsize)
# Columns read from a file, at most: diaries have tens; a file of 100,000 columns is not one, and
# reading them all would take minutes.
MAX_COLUMNS = 1_000
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ""}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


class UnreadableFile(Exception):
    """A file with nothing usable in it; the message is for the person who chose the file."""

    def __init__(self, message: str, code: str = "unreadable", sheets: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.sheets = sheets or []  # a workbook's sheets, when it is one (to choose another)


@dataclass
class RawTable:
    """Header names (unique, as the user wrote them) and text cells; `rows` are spreadsheet rows."""

    cells: pd.DataFrame
    rows: np.ndarray
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1
    dropped_empty_columns: int = 0
    extra_cells: np.ndarray | None = None  # per row: filled cells beyond the header (text files)
    # column -> (codes, distinct values), as pd.factorize: set by the ingest, which hashes every
    # column once (in the background) and shares the result with each stage that needs it.
    column_codes: Callable[[pd.Series], tuple] | None = field(default=None, repr=False)
    problems: list[Problem] = field(default_factory=list)  # cells not read, cells filled in
    columns_not_read: int = 0  # columns beyond MAX_COLUMNS


_MAGIC = (
    (b"\x89PNG", "a PNG picture"), (b"\xff\xd8\xff", "a JPEG picture"), (b"GIF8", "a GIF picture"),
    (b"%PDF", "a PDF document"), (b"BM", None),
)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .xls files (and encrypted .xlsx)
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # its stream name in the directory


def read_table(name: str, data: bytes, sheet: str | int | None = None, progress=None) -> RawTable:
    """Reads any supported file into a RawTable, or raises UnreadableFile with a plain explanation.
    ``progress(fraction)``, if given, is called as a big text file is read, piece by piece."""
    suffix = PurePath(name).suffix.lower()
    if not data or (not data[:4096].strip() and not data.strip()):
        raise UnreadableFile("The file is empty: there is nothing in it to read.", "empty")
    if suffix == ".numbers":
        raise UnreadableFile(
            "This is an Apple Numbers file, which oms_dash cannot read. In Numbers choose "
            "File > Export To > CSV (or Excel), then upload that file.", "numbers")
    if data[:8] == _OLE_MAGIC and (suffix in EXCEL_SUFFIXES or _ENCRYPTED_PACKAGE in data[:1_000_000]):
        # Excel saves a workbook with a password inside an old-style container, as an encrypted
        # package: it is not an .xls, and no reader can open it without the password.
        raise UnreadableFile(
            "This Excel workbook is password-protected, so oms_dash cannot open it. Open it in Excel "
            "(with its password), remove the password (File > Info > Protect Workbook > Encrypt with "
            "Password, and clear it), then save it as .xlsx or CSV and upload that file.",
            "password_protected")
    if suffix == ".xls" or data[:8] == _OLE_MAGIC:
        raise UnreadableFile(
            "This is an old-style Excel file (.xls). Open it in Excel or LibreOffice and choose "
            "File > Save As > Excel Workbook (.xlsx) or CSV, then upload that file.", "xls")
    for magic, what in _MAGIC:
        if what and data.startswith(magic):
            raise UnreadableFile(
                f"This file is {what}, not a table of symptom logs (it may have been renamed to "
                f"{suffix or 'a table name'}). Please upload the CSV or Excel file itself.", "not_a_table")
    if data[:4] == b"PK\x03\x04":
        if suffix in EXCEL_SUFFIXES or suffix not in TEXT_SUFFIXES:
            return _read_excel(name, data, sheet)
        raise UnreadableFile(
            "This file is a compressed (zip) file, not a table. If it is an export from an app, "
            "unzip it first and upload the CSV inside.", "zip")
    if suffix in EXCEL_SUFFIXES:
        raise UnreadableFile(
            "This file is named like an Excel workbook but is not one (it may be damaged). "
            "Open it in Excel and save it again as .xlsx or CSV.", "corrupt_excel")
    data, problems = _without_stray_zero_bytes(name, data)
    data, unclosed = _close_runaway_quote(name, data)
    table = _read_utf8_lazily(data, progress)
    if table is None:
        text, encoding = decode_text(data)
        table = _read_text(text, encoding, data)
    if table.columns_not_read:
        problems.append(Problem(
            file=name, row=None, column=None, severity="warning", code="too_many_columns",
            message=f"The file has {MAX_COLUMNS + table.columns_not_read:,} columns; oms_dash read "
            f"the first {MAX_COLUMNS:,} (a diary has far fewer) and not the "
            f"{table.columns_not_read:,} after them."))
    table.problems = problems + unclosed + _drop_overlong_cells(name, table)
    return table


def _without_stray_zero_bytes(name: str, data: bytes) -> tuple[bytes, list[Problem]]:
    """A text file with a few zero bytes (left by a crash or a copy) has them removed, with a
    warning: only a file full of them (a program, a picture) is refused as not text. UTF-16 text,
    every other byte zero, is left to decode_text."""
    sample = data[:4000]
    if b"\x00" not in sample or sample.count(b"\x00") > len(sample) // 4:
        return data, []
    zeros = data.count(b"\x00")
    controls = sum(sample.count(bytes([c])) for c in range(1, 32) if c not in (9, 10, 13))
    if zeros > max(10, len(data) // 1000) or controls > len(sample) // 100:
        return data, []
    return data.replace(b"\x00", b""), [Problem(
        file=name, row=None, column=None, severity="warning", code="zero_bytes",
        message=f"The file holds {zeros:,} zero byte{'s' if zeros > 1 else ''} (invisible characters no "
        "text holds, left by a crash or a copy); they were removed and the rest was read.")]


def _close_runaway_quote(name: str, data: bytes) -> tuple[bytes, list[Problem]]:
    """A quote that opens a cell and is never closed would take every later line into that cell
    (97 rows of 100 lost in one note). When a file ends inside quotes, the quote is closed at the
    end of its own line, the lines after it are read as rows, and the row is named."""
    if data.count(b'"') % 2 == 0 or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data, []  # every quote closed (doubled quotes inside a cell count two)
    lines = data.split(b"\n")
    delimiter = sniff_delimiter(data[:200_000].decode("latin-1").splitlines()[:60]).encode()
    in_quote, opened, record, opened_record = False, None, 0, 0
    for number, line in enumerate(lines):
        if not in_quote:
            record += 1
        if b'"' in line:
            was_in = in_quote
            in_quote = _ends_in_quote(line, delimiter, in_quote)
            if in_quote and not was_in:
                opened, opened_record = number, record
    if not in_quote or opened is None:
        return data, []
    line = lines[opened]
    lines[opened] = line[:-1] + b'"\r' if line.endswith(b"\r") else line + b'"'
    return b"\n".join(lines), [Problem(
        file=name, row=opened_record, column=None, severity="warning", code="unclosed_quote",
        message="a quote is opened and never closed; it was closed at the end of this row, and the lines "
        "after it were read as rows (close the quote in the file to be sure)")]


def _ends_in_quote(line: bytes, delimiter: bytes, in_quote: bool) -> bool:
    """Whether a line ends inside a quoted cell, as a CSV reader reads it: a quote opens a cell
    only at its start, and two quotes inside one stand for a quote."""
    at_cell_start, i = not in_quote, 0
    while i < len(line):
        char = line[i:i + 1]
        if in_quote:
            if char == b'"':
                if line[i + 1:i + 2] == b'"':
                    i += 1
                else:
                    in_quote = False
        elif char == b'"' and at_cell_start:
            in_quote = True
        at_cell_start = not in_quote and char == delimiter
        i += 1
    return in_quote


def _drop_overlong_cells(name: str, table: RawTable) -> list[Problem]:
    """Each cell longer than a spreadsheet cell can be (a runaway note, a pasted file) is emptied
    with an error on that cell: it costs that cell, not the file, and is never printed."""
    problems = []
    suspects = []
    for batch in _batches(list(table.cells.columns), len(table.cells)):
        # The longest cell's bytes first (no text is that short in bytes and long in characters):
        # a tenth of the time of counting every cell's characters.
        if _longest_in_bytes(table.cells, batch) > MAX_CELL_CHARS:
            suspects += batch
    for column in suspects:
        if _longest_in_bytes(table.cells, [column]) <= MAX_CELL_CHARS:
            continue
        lengths = table.cells[column].str.len()
        for at in np.flatnonzero((lengths > MAX_CELL_CHARS).to_numpy()):
            problems.append(Problem(
                file=name, row=int(table.rows[at]), column=column, severity="error", code="cell_too_long",
                message=f"the cell in column {column} holds {int(lengths.iat[at]):,} characters, more than "
                f"a spreadsheet cell can ({MAX_CELL_CHARS:,}); it was not read"))
        table.cells[column] = table.cells[column].where(lengths <= MAX_CELL_CHARS, "")
    return problems


# Columns are looked at together in batches of about this many cells: one call for many short
# columns, and never more than this many cells' lengths in memory at once.
BATCH_CELLS = 1_000_000


def _batches(columns: list, rows: int) -> list[list]:
    """The columns in batches of about BATCH_CELLS cells (one column a batch in a long file)."""
    size = max(1, BATCH_CELLS // max(rows, 1))
    return [columns[i:i + size] for i in range(0, len(columns), size)]


def _longest_in_bytes(cells: pd.DataFrame, columns: list) -> int:
    """The longest cell of these columns, in bytes: one pyarrow call for them all when they are
    Arrow text (a 5-row file of 1,000 columns: 0.13 s -> under 0.01 s)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    stacked = stacked_text([cells[c] for c in columns])
    arrays = [arrow_of(stacked)] if stacked is not None else [pa.array(cells[c]) for c in columns]
    return max((pc.max(pc.binary_length(a)).as_py() or 0) for a in arrays)


_HEAD_BYTES = 800_000  # holds at least the 200,000 characters the delimiter and header come from


def _read_utf8_lazily(data: bytes, progress=None) -> RawTable | None:
    """The fast reader on UTF-8 bytes as they came, without decoding the whole file first: only its
    head is decoded (for the delimiter and the header), and pyarrow checks the UTF-8 of every cell
    as it reads. None when decode_text must judge the file (a BOM other than UTF-8's, zero bytes,
    bytes that are not UTF-8) or when it needs the forgiving path: the caller then goes the usual way."""
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[3:], "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4000]:
        return None
    else:
        body, encoding = data, "utf-8"
    try:
        head = codecs.getincrementaldecoder("utf-8")().decode(body[:_HEAD_BYTES],
                                                               final=len(body) <= _HEAD_BYTES)
    except UnicodeDecodeError:
        return None
    lines = head[:200_000].splitlines()[:60]
    return _read_text_fast(head, lines, encoding, sniff_delimiter(lines), utf8_body=body,
                           progress=progress)


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode Text"), else Windows-1252/Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    sample = data[:4000]
    if len(sample) >= 4 and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: every other byte is zero for Latin text.
        enc = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        return data.decode(enc, errors="replace"), enc
    if b"\x00" in sample:
        raise UnreadableFile("This file is not a text table (it contains binary data). Please "
                             "upload a CSV, TSV, TXT or Excel (.xlsx) file.", "binary")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    legacy = _legacy_encoding(data)
    if legacy != "cp1252":
        try:
            return data.decode(legacy), legacy
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


# What text that is not UTF-8 is, in the families' languages: Western European (what Excel saves
# as "CSV" there), Japanese, Chinese (simplified, traditional) and Korean. Chosen among these only:
# on a few lines charset-normalizer's open guess is often wrong (cp1250 for French).
_LEGACY_ENCODINGS = ["cp1252", "cp932", "gb18030", "big5", "euc_kr"]


def _legacy_encoding(data: bytes) -> str:
    """The likeliest of _LEGACY_ENCODINGS for bytes that are not UTF-8 (Shift-JIS read as
    Windows-1252 would make every member code mojibake)."""
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    best = from_bytes(data[:65_536], cp_isolation=_LEGACY_ENCODINGS).best()
    return best.encoding if best is not None else "cp1252"


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample lines into the most consistent number of fields."""
    best, best_score = ",", (-1.0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not counts:
            continue
        values, freq = np.unique(counts, return_counts=True)
        mode = int(values[np.argmax(freq)])
        if mode < 2:
            continue
        score = (float(freq.max()) / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_text(text: str, encoding: str, data: bytes | None = None) -> RawTable:
    lines = text[:200_000].splitlines()[:60]
    delimiter = sniff_delimiter(lines)
    fast = _read_text_fast(text, lines, encoding, delimiter, data)
    if fast is not None:
        return fast
    sample_width = max((len(r) for r in csv.reader(lines, delimiter=delimiter)), default=1)
    try:
        with warnings.catch_warnings():
            # Lines longer than the names: pandas would cut them with a warning, losing cells.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            grid = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(sample_width + 4),
                               dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                               index_col=False, engine="c", quotechar='"')
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError):
        # Ragged lines longer than the sample: the csv module copes with anything.
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        width = max(len(r) for r in records)
        grid = pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=str)
    return _from_grid(grid, encoding=encoding, delimiter=delimiter)


# A big file without quotes is read in pieces of about this size, cut at line ends, so that the
# page can say how far it is. Each piece costs a little (a 26 MB file: 67 ms in one piece, 76 ms
# in six), and a piece this size is read in about a twentieth of a second: smaller files are read
# in one go, as quickly as a progress bar could be drawn.
PIECE_BYTES = 16_000_000
MAX_PIECES = 8


def _pieces(source: bytes, quoted: bool) -> list:
    """``source`` as zero-copy pieces cut after a line end (one piece when quotes could hold one)."""
    n = len(source)
    count = 1 if quoted else min(MAX_PIECES, n // PIECE_BYTES)
    cuts = [0]
    for i in range(1, count):
        end = source.find(b"\n", max(cuts[-1], n * i // count))
        if end < 0:
            break
        cuts.append(end + 1)
    cuts.append(n)
    view = memoryview(source)
    return [view[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if b > a] or [view]


def _read_text_fast(text: str, lines: list[str], encoding: str, delimiter: str,
                    data: bytes | None = None, utf8_body: bytes | None = None,
                    progress=None) -> RawTable | None:
    """pyarrow's multi-threaded reader for the common case of a rectangular file; None when the file
    needs the forgiving path (ragged rows, odd line breaks or quotes above the header).
    `utf8_body`: the whole text as undecoded UTF-8 (then `text` is only its head, and a body that
    is not valid UTF-8 gives None)."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow comes with Streamlit
        return None
    sample = [r for r in csv.reader(lines, delimiter=delimiter)]
    width = max((len(r) for r in sample), default=0)
    if width < 2 or len(sample) != len(lines):
        return None
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in sample], dtype=str)
    try:
        header_at = _find_header(grid)
    except UnreadableFile:
        return None
    # The header's line must start where the sample says: nothing unusual above it. (The lines
    # above it are found one by one: splitting the whole text would copy all of it.)
    preamble, offset = [], 0
    for _ in range(header_at):
        end = text.find("\n", offset)
        if end < 0:
            return None
        preamble.append(text[offset:end])
        offset = end + 1
    if any(('"' in ln) or ("\r" in ln.rstrip("\r")) for ln in preamble):
        return None
    if [ln.rstrip("\r") for ln in preamble] != lines[:header_at]:
        return None
    columns = len(sample[header_at])
    names = [f"f{i}" for i in range(columns)]
    if utf8_body is not None:
        source = utf8_body[len(text[:offset].encode("utf-8")):] if offset else utf8_body
        quoted = b'"' in utf8_body
    else:
        # UTF-8 bytes as they came (BOM cut) when nothing is skipped: no re-encoding.
        source = (data[3:] if data is not None and offset == 0 and encoding == "utf-8-sig"
                  else data if data is not None and offset == 0 and encoding == "utf-8"
                  else text[offset:].encode("utf-8"))
        quoted = '"' in text
    pieces = _pieces(source, quoted)
    kept = names[:MAX_COLUMNS]

    def read_piece(piece, block_size: int | None = None):
        return pacsv.read_csv(
            pa.py_buffer(piece),
            read_options=pacsv.ReadOptions(column_names=names, **(
                {"block_size": block_size, "use_threads": False} if block_size else {})),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                             newlines_in_values=quoted, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(kept, pa.large_string()), include_columns=kept,
                strings_can_be_null=False, quoted_strings_can_be_null=False))

    parts = []
    try:
        for done, piece in enumerate(pieces, start=1):
            try:
                parts.append(read_piece(piece))
            except pa.ArrowInvalid as exc:
                if "straddl" not in str(exc):
                    raise
                # A line longer than the reader's block (a 50 MB line): the piece read as one block.
                parts.append(read_piece(piece, block_size=len(piece) + 1))
            if progress is not None and len(pieces) > 1:
                progress(done / len(pieces))
        table = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    body = table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    body.columns = range(len(kept))
    table = _from_grid(body, encoding=encoding, delimiter=delimiter, header_at=0, line_offset=header_at,
                       no_missing=True)
    table.columns_not_read = columns - len(kept)
    return table


# Excel's own limits: a cell holds at most 32,767 characters and a sheet 16,384 columns. A longer
# cell cannot come from Excel, and is not read (printing it could fill the screen).
MAX_CELL_CHARS = 32_767
EXCEL_COLUMNS, EXCEL_ROWS = 16_384, 1_048_576
# A workbook's parts unpacked, at most: about 2 million filled cells (400,000 rows of 5 columns), read
# in about 30 seconds on a slow computer; a "zip bomb" (a few MB that unpack to gigabytes of rows)
# is refused unread.
MAX_WORKBOOK_BYTES = 80_000_000
# Cells looked at in one sheet (rows x the width of its table, empty ones too): a table as wide as
# Excel allows stops here rather than yield millions of empty cells.
MAX_SHEET_CELLS = 8_000_000
_ROWS_PER_PIECE = 50_000
_DAMAGED = ("This Excel workbook could not be opened (it may be damaged or password-protected). "
            "Open it in Excel and save it again as .xlsx or CSV.")


def _excel_cell_text(value) -> str:
    """A workbook cell as the text a CSV of it would hold: dates as ISO, 2.0 as 2, times as 08:30;
    a number no diary holds (NaN, infinity) as its own word, for the checks to reject that cell."""
    try:
        if value is None or value is pd.NaT:
            return ""
        if isinstance(value, bool | np.bool_):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float | np.floating) and not np.isfinite(value):
            return "NaN" if np.isnan(value) else "infinity"
        if isinstance(value, dt.datetime):  # also pd.Timestamp
            ts = pd.Timestamp(value)
            return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dt.time):
            return value.strftime("%H:%M" if not value.second else "%H:%M:%S")
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return str(int(value))
        return str(value)
    except (ValueError, TypeError, OverflowError):  # a cell no format above fits: keep its text
        return str(value)


def _open_workbook(data: bytes):
    """The workbook, opened to be read row by row, after checks on its package that no reader
    makes: every part it needs is there, and its parts do not unpack to more than oms_dash reads."""
    import openpyxl

    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        parts = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(_DAMAGED, "corrupt_excel") from exc
    if "xl/workbook.xml" not in {p.filename for p in parts}:
        raise UnreadableFile(_DAMAGED, "corrupt_excel")
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_WORKBOOK_BYTES:
        raise UnreadableFile(
            f"This workbook unpacks to {unpacked / 1e6:,.0f} MB, more than oms_dash reads "
            f"({MAX_WORKBOOK_BYTES / 1e6:,.0f} MB): it holds far more than years of diaries, or it "
            "is built to fill the computer's memory. Save the sheet with the diary as CSV and upload "
            "that file.", "too_big")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise UnreadableFile(_DAMAGED, "corrupt_excel") from exc
    return book, package


def _read_excel(name: str, data: bytes, sheet: str | int | None) -> RawTable:
    book, package = _open_workbook(data)
    try:
        return _read_book(name, book, package, sheet)
    except _NotANumber:
        book.close()
        book, package = _open_workbook(_numbers_made_readable(package))
        return _read_book(name, book, package, sheet)
    finally:
        book.close()


class _NotANumber(Exception):
    """A number cell that holds no number (NaN): the reader stops at it, the whole sheet with it."""


# A number cell's value: <c> without a type (or t="n"), a formula perhaps, then <v>.
_NUMBER_VALUE = re.compile(rb'(<c\b(?:(?!\bt=")[^>])*(?:\bt="n"[^>]*)?>'
                           rb'(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>)([^<]*)(</v>)')


def _numbers_made_readable(package: zipfile.ZipFile) -> bytes:
    """The workbook again, each number cell that holds no number (NaN, a word) written as infinity,
    which is read, and then rejected as that cell's score or date, as any other odd value is."""

    def readable(match: re.Match) -> bytes:
        value = match.group(2).strip()
        try:
            float(value) if re.search(rb"[.eE]", value) else int(value)
        except ValueError:
            return match.group(1) + b"1e999" + match.group(3)
        return match.group(0)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for part in package.infolist():
            content = package.read(part)
            if part.filename.startswith("xl/worksheets/"):
                content = _NUMBER_VALUE.sub(readable, content)
            rewritten.writestr(part, content)
    return buffer.getvalue()


def _read_book(name: str, book, package: zipfile.ZipFile, sheet: str | int | None) -> RawTable:
    sheets = [str(s) for s in book.sheetnames]
    if isinstance(sheet, int) and not 0 <= sheet < len(sheets):
        sheet = str(sheet)
    if isinstance(sheet, str) and sheet not in sheets:
        raise UnreadableFile(f"This workbook has no sheet called '{sheet}'. Its sheets are: "
                             f"{', '.join(sheets)}.", "no_such_sheet", sheets)
    parts = _sheet_parts(package)
    if sheet is not None:
        chosen = sheets[sheet] if isinstance(sheet, int) else sheet
        try:
            return _read_sheet(name, book, package, parts.get(chosen), sheets, chosen)
        except UnreadableFile as exc:
            exc.sheets = sheets
            raise
    # No sheet chosen: the first sheet that holds a table (a cover or notes sheet is passed over).
    first_problem = None
    for sheet_name in sheets:
        try:
            return _read_sheet(name, book, package, parts.get(sheet_name), sheets, sheet_name)
        except UnreadableFile as exc:
            if exc.code in ("corrupt_excel", "too_big"):
                raise
            first_problem = first_problem or exc
    if len(sheets) > 1:
        raise UnreadableFile(f"None of the sheets of this workbook ({', '.join(sheets)}) holds a "
                             "table with column names and rows of data under them.", "no_table", sheets)
    first_problem.sheets = sheets
    raise first_problem


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the package: the workbook names its sheets, its relations say
    where each one is (for the merged cells, which a row-by-row reader does not give)."""
    try:
        workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in relations if r.tag.endswith("Relationship")}
    parts = {}
    for element in workbook.iter():
        if element.tag.endswith("}sheet"):
            relation = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            target = targets.get(relation, "")
            parts[element.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


_MERGED = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})\"")


def _merged_ranges(package: zipfile.ZipFile, part: str | None) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column), 0-based, of each merged range of a sheet,
    found in its part as it unpacks, piece by piece (the ranges are listed after the cells)."""
    if part is None:
        return []
    ranges, tail = [], b""
    try:
        with package.open(part) as source:
            while piece := source.read(1 << 20):
                text = tail + piece
                ranges += [(int(r1) - 1, _column_index(c1), int(r2) - 1, _column_index(c2))
                           for c1, r1, c2, r2 in _MERGED.findall(text)]
                cut = text.rfind(b"<")  # a tag cut in two is found whole in the next piece
                tail = text[cut:] if cut >= 0 and b">" not in text[cut:] else b""
    except (KeyError, zipfile.BadZipFile, OSError):
        return []
    return ranges


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _read_sheet(name: str, book, package: zipfile.ZipFile, part: str | None, sheets: list[str],
                sheet_name: str) -> RawTable:
    """The sheet's cells, read row by row as text and bounded by its table: as wide as the widest of
    its top rows (where the header is) and as long as its last row holding a value, whatever size
    the sheet says it has (one stray cell far away must not make a million empty rows)."""
    problems: list[Problem] = []
    try:
        sheet = book[sheet_name]
        head = list(sheet.iter_rows(min_row=1, max_row=30, max_col=EXCEL_COLUMNS, values_only=True))
        width = max((max((i + 1 for i, v in enumerate(r) if v is not None and v != ""), default=0)
                     for r in head), default=0)
        if not width:
            raise UnreadableFile(f"The sheet '{sheet_name}' is empty.", "empty")
        pieces, rows, blank_run, looked_at = [], [], 0, 0
        blank = [""] * width
        for number, values in enumerate(sheet.iter_rows(min_row=1, max_row=EXCEL_ROWS, max_col=width,
                                                              values_only=True), 1):
            looked_at += width
            if looked_at > MAX_SHEET_CELLS:
                raise UnreadableFile(
                    f"The sheet '{sheet_name}' is too big to read: it holds more than "
                    f"{MAX_SHEET_CELLS:,} cells in its {width:,} columns. Save the diary's columns "
                    "as CSV and upload that file.", "too_big")
            if values.count(None) == width:
                blank_run += 1  # kept only if a later row holds a value
                continue
            rows += [blank] * blank_run
            blank_run = 0
            row = [_excel_cell_text(v) for v in values]
            for column, text in enumerate(row):
                if len(text) > MAX_CELL_CHARS:
                    row[column] = ""
                    problems.append(Problem(
                        file=name, row=number, column=column_letter(column), severity="error",
                        code="cell_too_long",
                        message=f"the cell in column {column_letter(column)} holds {len(text):,} characters, "
                        f"more than a spreadsheet cell can ({MAX_CELL_CHARS:,}); it was not read"))
            rows.append(row)
            if len(rows) >= _ROWS_PER_PIECE:  # as compact text columns, not millions of objects
                pieces.append(pd.DataFrame(rows, dtype=str))
                rows = []
    except UnreadableFile:
        raise
    except MemoryError as exc:
        raise UnreadableFile(f"The sheet '{sheet_name}' is too big for this computer's memory. Save "
                             "the diary's columns as CSV and upload that file.", "too_big") from exc
    except ValueError as exc:
        if "invalid literal" in str(exc):  # openpyxl's int() of a number cell's text
            raise _NotANumber from exc
        raise UnreadableFile(f"The sheet '{sheet_name}' could not be read (it may be damaged). Save "
                             "it again as .xlsx or CSV.", "corrupt_excel") from exc
    except Exception as exc:  # openpyxl raises many types for damaged parts
        raise UnreadableFile(f"The sheet '{sheet_name}' could not be read (it may be damaged). Save "
                             "it again as .xlsx or CSV.", "corrupt_excel") from exc
    if rows or not pieces:
        pieces.append(pd.DataFrame(rows, dtype=str))
    grid = pieces[0] if len(pieces) == 1 else pd.concat(pieces, ignore_index=True)
    problems += _fill_merged(name, grid, _merged_ranges(package, part))
    table = _from_grid(grid, encoding=None, delimiter=None)
    table.sheet = sheet_name
    table.sheets = sheets
    table.problems = problems
    return table


def _fill_merged(name: str, grid: pd.DataFrame, ranges) -> list[Problem]:
    """Each merged range filled with its first cell's text, as a spreadsheet shows it (a member code
    merged down 30 rows belongs to each of them), with a warning that says so."""
    problems = []
    for first_row, first_column, last_row, last_column in ranges:
        if first_row >= len(grid) or first_column >= grid.shape[1]:
            continue
        text = grid.iat[first_row, first_column]
        last_row, last_column = min(last_row, len(grid) - 1), min(last_column, grid.shape[1] - 1)
        if not text or (last_row, last_column) == (first_row, first_column):
            continue
        grid.iloc[first_row:last_row + 1, first_column:last_column + 1] = text
        where = f"{column_letter(first_column)}{first_row + 1}:{column_letter(last_column)}{last_row + 1}"
        problems.append(Problem(
            file=name, row=first_row + 1, column=column_letter(first_column), severity="warning",
            code="merged_cells",
            message=f"the cells {where} are merged; each of them was read as holding the merged cell's "
            "value, as the spreadsheet shows it"))
    return problems


_NUMBERISH = re.compile(r"^[\s\d.,:/\-+]*$")


def _find_header(grid: pd.DataFrame) -> int:
    """The row of column names among the top rows: the first with two or more cells, mostly words.

    A title line like "OMS diary,Family F01" passes that test too, so when the first such row names
    no known column and a later, at least as wide row names two or more (member, date, a symptom...),
    the later row is the header."""
    from oms_dash.adapters import header_key, is_known_header  # adapters import this module

    first, first_width = None, 0
    for i in range(min(len(grid), 30)):
        cells = [c.strip() for c in grid.iloc[i].tolist() if isinstance(c, str) and c.strip()]
        if len(cells) >= 2 and sum(not _NUMBERISH.match(c) for c in cells) >= max(2, len(cells) // 2):
            known = sum(is_known_header(header_key(c)) for c in cells)
            if first is None:
                if known:
                    return i
                first, first_width = i, len(cells)
            elif known >= 2 and len(cells) >= first_width:
                return i
    if first is not None:
        return first
    raise UnreadableFile("I could not find a row of column names (like member, date, symptom, "
                         "severity) near the top of this file. Please make the first row the "
                         "column names.", "no_header")


def _filled_rows(part: pd.DataFrame) -> np.ndarray:
    """Per row, whether any of its cells holds more than spaces: asked of all the columns stacked
    in one column when they are Arrow text (1,000 columns: ~0.8 s -> ~10 ms), else column by column."""
    stacked = stacked_text([values for _, values in part.items()])
    if stacked is None:
        filled = np.zeros(len(part), dtype=bool)
        for pos in part.columns:
            filled |= (part[pos].str.strip() != "").to_numpy()
        return filled
    cells = (stacked.str.strip() != "").to_numpy()
    return cells.reshape(part.shape[1], len(part)).any(axis=0)


def _last_filled_row(body: pd.DataFrame) -> int:
    """How many rows remain once blank rows at the end are cut (looked at from the end, in chunks)."""
    end, chunk = len(body), 256
    while end > 0:
        start = max(0, end - chunk)
        hits = np.flatnonzero(_filled_rows(body.iloc[start:end]))
        if len(hits):
            return start + int(hits[-1]) + 1
        end, chunk = start, chunk * 4
    return 0


def _from_grid(grid: pd.DataFrame, encoding: str | None, delimiter: str | None,
               header_at: int | None = None, line_offset: int = 0, no_missing: bool = False) -> RawTable:
    """`header_at`: the header's row in `grid` when already known; `line_offset`: lines above `grid`;
    `no_missing`: the grid is known to hold text in every cell (no NaN to fill)."""
    columns_not_read = max(0, grid.shape[1] - MAX_COLUMNS)
    grid = grid.iloc[:, :MAX_COLUMNS]
    grid = grid if no_missing or not grid.isna().any().any() else grid.fillna("")
    grid.columns = range(grid.shape[1])
    if header_at is None:
        header_at = _find_header(grid)
    header = [str(h).strip() for h in grid.iloc[header_at].tolist()]
    body = grid.iloc[header_at + 1:]
    # Blank lines (or rows of bare delimiters) after the last record are not rows of data.
    body = body.iloc[:_last_filled_row(body)]
    keep, names, seen = [], [], {}
    dropped = 0
    # In a text file, cells to the right of the last column name are cells a row has beyond the
    # header: a split decimal comma (3,5) or a stray delimiter. They are not read as a column; the
    # rows that have them are reported (their other cells may have shifted).
    named = [pos for pos, name in enumerate(header) if name]
    width = (named[-1] + 1) if named and delimiter is not None else len(header)
    beyond = np.zeros(len(body), dtype=int)
    for pos in range(width, len(header)):
        beyond += (body[pos].str.strip() != "").to_numpy()
    for pos, name in enumerate(header[:width]):
        if not name:
            if not (body[pos] != "").any():
                dropped += 1
                continue
            name = f"column {column_letter(pos)}"
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        names.append(name if count == 1 else f"{name} ({count})")
        keep.append(pos)
    cells = body[keep]  # copy-on-write: no copy of the text is needed
    cells.columns = names
    header_at += line_offset
    rows = np.arange(header_at + 2, header_at + 2 + len(cells))
    cells.index = pd.RangeIndex(len(cells))
    if not len(cells):
        raise UnreadableFile("This file has column names but no rows of data under them.",
                             "header_only")
    return RawTable(cells=cells, rows=rows, encoding=encoding, delimiter=delimiter,
                    header_row=header_at + 1, dropped_empty_columns=dropped + len(header) - width,
                    extra_cells=beyond if beyond.any() else None, columns_not_read=columns_not_read)


"""Problems as people read them: one renderer for the page's tables and the command line."""

from __future__ import annotations

import re

import pandas as pd

from oms_dash.model import FileReport
from oms_dash.schema import item_label

SEVERITY_WORDS = {"error": "not used", "warning": "check", "info": "note"}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Messages say what to choose in words both interfaces share; the command line adds its option.
CLI_HINTS = {
    "member_from_file_name": "On the command line: --member CODE.",
    "ambiguous_dates": "On the command line: add --monthfirst (or --dayfirst).",
    "ambiguous_dates_chosen": "On the command line: add --monthfirst or --dayfirst.",
    "sheet": "On the command line: --sheet NAME.",
}


def cli_message(code: str, message: str) -> str:
    """A problem's message as `oms-dash check` prints it: with the option to use, when there is one."""
    hint = CLI_HINTS.get(code)
    return f"{message} {hint}" if hint else message


def problems_frame(report: FileReport) -> pd.DataFrame:
    """The problems of a file as a table: where (row, column), how serious, what and how to fix."""
    return pd.DataFrame({
        "row": ["" if p.row is None else str(p.row) for p in report.problems],  # "" = the whole file
        "column": [p.column or "" for p in report.problems],
        "status": [SEVERITY_WORDS.get(p.severity, p.severity) for p in report.problems],
        "what": [p.message for p in report.problems],
    }, dtype=object)


_COUNTED_NOUN = re.compile(r"\b(row|entry)\b")


def plural(n: int, word: str, many: str | None = None) -> str:
    """"1 relapse", "3 relapses", "0 relapses" (``many``: an irregular plural)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def counted(n: int, reason: str) -> str:
    """A count and what it counts, read naturally: '1 empty row', '3 empty rows', '2 food entries
    (not symptom data)'. ``reason`` is a singular noun phrase, as skip reasons are."""
    if n != 1:
        reason = _COUNTED_NOUN.sub(lambda m: {"row": "rows", "entry": "entries"}[m[1]], reason, count=1)
    return f"{n:,} {reason}"


def skipped_text(report: FileReport) -> str:
    """Why rows were skipped, counted: '2 rows with nothing recorded (...); 1 empty row'."""
    return "; ".join(counted(n, reason) for reason, n in report.skipped_reasons.items())


def summary_line(report: FileReport) -> str:
    skipped = skipped_text(report)
    return (f"{report.rows_read} rows read: {report.rows_accepted} accepted, {report.rows_rejected} "
            f"rejected, {report.rows_skipped} skipped" + (f" ({skipped})" if skipped else ""))


def render_report_text(report: FileReport, max_rows: int = 50) -> str:
    """A readable plain-text account of one file for `oms-dash check`."""
    lines = [f"== {report.file}", f"   format: {report.format}"
             + ("" if report.usable else "   -> NOT USABLE")]
    if report.encoding and report.delimiter:
        lines.append(f"   read as: {report.encoding} text, "
                     f"{DELIMITER_NAMES.get(report.delimiter, repr(report.delimiter))}-separated")
    if report.rows_read:
        lines.append("   " + summary_line(report))
    if report.members:
        lines.append(f"   members: {len(report.members)}")
    if report.date_min is not None:
        lines.append(f"   dates: {report.date_min:%Y-%m-%d} to {report.date_max:%Y-%m-%d}")
    if report.symptoms:
        lines.append("   symptoms: " + ", ".join(item_label(s) for s in report.symptoms))
    if report.daily_rule:
        lines.append(f"   same-day readings combined by {report.daily_rule}")
    for shown, p in enumerate(report.problems):
        if shown >= max_rows:
            lines.append(f"   ... and {len(report.problems) - max_rows} more (use --json for all)")
            break
        where = ", ".join(x for x in (f"row {p.row}" if p.row is not None else "",
                                      f"column '{p.column}'" if p.column else "") if x)
        lines.append(f"   [{SEVERITY_WORDS.get(p.severity, p.severity)}] "
                     + (f"{where}: " if where else "") + cli_message(p.code, p.message))
    return "\n".join(lines)

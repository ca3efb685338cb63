"""Problems as people read them: one renderer for the page's tables and the command line."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from oms_dash.model import FileReport
from oms_dash.schema import item_label

SEVERITY_WORDS = {"error": "not used", "warning": "check", "info": "note"}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class ProblemKind:
    """What one problem code means, for whoever meets it: in the code, in `check --json`, in a test.

    option: the reading option (a field of ingest.ReadOptions) that fixes it, when one does;
    cli_hint: how to choose that option on the command line, added to the message there.
    """

    title: str
    help: str
    severity: str  # as it is usually made; a few codes are a warning or a note by case
    option: str | None = None
    cli_hint: str | None = None


# Every code a Problem is made with (tests/test_problems_catalogue.py checks that none is missing).
# Messages say what to choose in words both interfaces share; the command line adds its option.
CATALOGUE: dict[str, ProblemKind] = {
    # The file as a whole could not be read (readers.UnreadableFile).
    "empty": ProblemKind("The file or sheet is empty", "Upload the file that holds the diary.", "error"),
    "numbers": ProblemKind("An Apple Numbers file", "Export it from Numbers as CSV or Excel.", "error"),
    "password_protected": ProblemKind("A password-protected workbook",
                                      "Remove the password in Excel and save it again.", "error"),
    "xls": ProblemKind("An old-style Excel file (.xls)", "Save it again as .xlsx or CSV.", "error"),
    "not_a_table": ProblemKind("Not a table (a picture, PDF or the like)",
                               "Upload the CSV or Excel file itself.", "error"),
    "zip": ProblemKind("A zip file", "Unzip it and upload the CSV inside.", "error"),
    "corrupt_excel": ProblemKind("A damaged Excel workbook", "Open it in Excel and save it again.", "error"),
    "binary": ProblemKind("Binary data, not text", "Upload a CSV, TSV, TXT or Excel file.", "error"),
    "too_big": ProblemKind("Too big to check on this computer",
                           "Split it into smaller files (a year of diaries each) and upload those.", "error"),
    # Read, with one cell or a few lines costing a warning (readers.py), never the whole file.
    "cell_too_long": ProblemKind("A cell longer than a spreadsheet cell can be",
                                 "Shorten the cell; the rest of its row was read.", "error"),
    "too_many_columns": ProblemKind("More columns than a diary has",
                                    "Remove the empty or extra columns; the first ones were read.",
                                    "warning"),
    "merged_cells": ProblemKind("Merged cells", "Each merged cell was read as holding its value; unmerge "
                                "them in the spreadsheet to be sure.", "warning"),
    "zero_bytes": ProblemKind("Invisible zero bytes in the text",
                              "They were removed; save the file again as CSV UTF-8 to be sure.", "warning"),
    "unclosed_quote": ProblemKind("A quote opened and never closed",
                                  "Close the quote in the file; the lines after it were read as rows.",
                                  "warning"),
    "no_such_sheet": ProblemKind("The chosen sheet is not in the workbook", "Choose one of its sheets.",
                                 "error", option="sheet"),
    "no_table": ProblemKind("No sheet holds a table", "Put the column names in the first row of a sheet.",
                            "error"),
    "no_header": ProblemKind("No row of column names", "Make the first row the column names.", "error"),
    "header_only": ProblemKind("Column names but no data", "Upload the file with the diary's rows.", "error"),
    "unreadable": ProblemKind("The file could not be read", "Save it again as CSV UTF-8.", "error"),
    "missing_file": ProblemKind("The file could not be opened", "Check the file's name and place.", "error"),
    # How the file was read, and what it made of the columns (ingest, adapters).
    "bad_option": ProblemKind("An unknown reading option", "Use one of the options offered.", "error"),
    "internal_error": ProblemKind("A fault in oms_dash itself",
                                  "Save the file again as CSV UTF-8; tell the maintainers.", "error"),
    "needs_mapping": ProblemKind("The columns were not recognised",
                                 "Rename the columns, or say which column is which.", "error",
                                 option="mapping"),
    "sheet": ProblemKind("Which sheet of a workbook was read", "Choose another sheet if needed.", "info",
                         option="sheet", cli_hint="--sheet NAME"),
    "redacted_cells": ProblemKind("Contact details blanked in a column",
                                  "Nothing to do: they are never shown.", "info"),
    "identifying_column": ProblemKind("An identifying column was removed",
                                      "Nothing to do; keep names out of the file next time.", "warning"),
    "member_from_file_name": ProblemKind("The member code was guessed",
                                         "Give the file its member's code.", "info",
                                         option="member", cli_hint="--member CODE"),
    "notes_column": ProblemKind("A column kept as notes only", "Nothing to do.", "info"),
    "date_from_timestamp": ProblemKind("Blank dates filled from the form's timestamp",
                                       "Check those answers' dates.", "info"),
    "custom_item": ProblemKind("A symptom column oms_dash does not know",
                               "Nothing to do: it is kept as its own symptom.", "info"),
    "custom_items": ProblemKind("Symptom names oms_dash does not know",
                                "Nothing to do: each is kept as its own symptom.", "info"),
    "amount_column": ProblemKind("A column of amounts, not scores", "Nothing to do: it is not used.", "info"),
    "yes_no_column": ProblemKind("A column of yes/no answers, not scores",
                                 "Use an 'event' column for things that happened.", "info"),
    "group_counts_only": ProblemKind("Age, sex or country: used only for group counts", "Nothing to do.",
                                     "info"),
    "unused_column": ProblemKind("A column that was not used",
                                 "Rename it, or say which column is which, if it holds scores.", "info",
                                 option="mapping"),
    "flaredown_scale": ProblemKind("Flaredown's 0-4 scores rescaled to 0-3", "Nothing to do.", "info"),
    "skipped_columns": ProblemKind("Columns that are not symptom data", "Nothing to do.", "info"),
    "date_order": ProblemKind("How the dates' day/month order was decided", "Nothing to do.", "info",
                              option="date_order"),
    "ambiguous_dates": ProblemKind("Dates that could be day-first or month-first",
                                   "Choose month-first if day-first is wrong.", "warning",
                                   option="date_order", cli_hint="add --monthfirst (or --dayfirst)"),
    "ambiguous_dates_chosen": ProblemKind("Dates read in the order the others show",
                                          "Choose the other order if that is wrong.", "warning",
                                          option="date_order", cli_hint="add --monthfirst or --dayfirst"),
    "events_read": ProblemKind("Answers read as events", "Nothing to do.", "info"),
    "events_other": ProblemKind("Events of no stated kind", "Say the kind (cold, fever, jab, taper).",
                                "info"),
    "daily_rule": ProblemKind("Several readings a day combined", "Choose the daily mean if preferred.",
                              "info", option="daily_rule"),
    "nothing_usable": ProblemKind("Nothing in the file could be used", "See the file's other problems.",
                                  "error"),
    # One row or cell (validation): the row is rejected, or the cell is not used.
    "extra_cells": ProblemKind("A row with more cells than column names",
                               "Check the row: a decimal comma splits a cell in two.", "error"),
    "duplicate": ProblemKind("An exact copy of an earlier row", "Nothing to do: the copy is not used.",
                             "error"),
    "missing_member": ProblemKind("No member code", "Write the member's code on the row.", "error"),
    "bad_date": ProblemKind("A date that could not be read", "Write the date like 2026-03-14.", "error"),
    "bad_score": ProblemKind("A score that could not be read", "Write a whole number on the column's scale.",
                             "error"),
    "end_before_start": ProblemKind("A course that ends before it starts",
                                    "Correct the dates, or leave the end blank.", "error"),
    "missing_treatment": ProblemKind("A course with no treatment name", "Write the treatment's name.",
                                     "error"),
    "total_mismatch": ProblemKind("A total that differs from its items",
                                  "Nothing to do: the items are used; check the total.", "warning"),
}


def cli_message(code: str, message: str) -> str:
    """A problem's message as `oms-dash check` prints it: with the option to use, when there is one."""
    kind = CATALOGUE.get(code)
    hint = kind.cli_hint if kind else None
    return f"{message} On the command line: {hint}." if hint else message


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

"""Upload logs: read members' files, show per file what was used and what was not, and why.

The files the group is read from are a set kept in this session's memory (never on disk), not
the uploader's value: Streamlit empties a file uploader when the user moves to another page, and the
coordinator must still see, on the way back, what was wrong with each file and fix its options.
The uploader only adds files to the set (and is emptied for the next ones); "Remove this file" on a
card takes one out, "Forget uploaded data" all of them.

Every file has its own reading options (date order, member code, sheet, column mapping), set on its
own card: a US form and a European diary uploaded together are each read their own way, and a change
re-reads only that file, from the bytes in the set. The options live in this session by file (name
and content); the parses are kept by content and options (oms_dash.ui.cache), so moving between
pages re-reads nothing. Every string that comes from a file reaches Markdown only through `plain()`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass, field

import streamlit as st

from oms_dash.adapters import EVENT_ROLE, FORMAT_BEARABLE, FORMAT_FLAREDOWN_PERSONAL, ITEM_ROLE
from oms_dash.dictionary import data_dictionary_markdown
from oms_dash.ingest import FileResult, ReadOptions, merge
from oms_dash.model import FileReport, GroupData
from oms_dash.privacy import to_csv_bytes
from oms_dash.problems import counted, problems_frame, skipped_text
from oms_dash.schema import EVENT_LABELS
from oms_dash.templates import TEMPLATES, template_bytes
from oms_dash.ui import cache, group_panel, state
from oms_dash.ui.cache import parse_file
from oms_dash.ui.text import plain, symptom_link

ACCEPTED_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "xls", "numbers"]
NO_COLUMN = "(none)"
MAPPING_ROLES = {"member": "Column with the member code", "date": "Date", "symptom": "Symptom name",
                 "severity": "Severity / score", "treatment": "Treatment given (optional)",
                 "notes": "Notes, free text (optional)"}
ITEMS_LABEL = "Columns that are symptoms (each read as a symptom named after its heading)"
EVENTS_LABEL = "Columns that are events (illness, fever, vaccination, steroid taper…)"
# Repeatable roles of the mapping: a multiselect each, by its session-state suffix.
MAPPING_LISTS = {ITEM_ROLE: "items", EVENT_ROLE: "events"}
DATE_ORDERS = {"Automatic (from the dates)": None, "Day first (14/03/2026)": "dayfirst",
               "Month first (03/14/2026)": "monthfirst"}
DAILY_RULES = {"the highest reading of the day (daily maximum)": "max",
               "the average of the day's readings (daily mean)": "mean"}
FIRST_SHEET = "(the first sheet with a table)"
# file key -> that file's ReadOptions (daily rule aside): the fixes made on the cards, kept over a refresh
FILE_OPTIONS_KEY = state.kept_on_server("upload_file_options")
DAILY_RULE_KEY = state.kept_on_server("upload_daily_rule")
SINGLE_PERSON_FORMATS = {FORMAT_BEARABLE, FORMAT_FLAREDOWN_PERSONAL}
# File-level notes that are guesses the user should confirm: shown on the card like warnings.
GUESSES = {"member_from_file_name"}
# What a file's option fixes: its area opens when one of these is on the card.
FIXED_BY_OPTIONS = {"ambiguous_dates", "ambiguous_dates_chosen", "member_from_file_name", "sheet"}
ROW_WARNINGS = {"total_mismatch": "{n} weekly total(s) do not match the six item scores; oms_dash uses "
                                  "the item scores. The rows are listed under Messages below."}
ROW_WARNING_OTHER = "{n} row(s) were kept but need a look; they are listed under Messages below."


@dataclass(frozen=True)
class LoadedFile:
    name: str
    data: bytes


@dataclass
class LoadedSet:
    """The uploaded files the group is read from, in the order they were added."""

    files: dict[str, LoadedFile] = field(default_factory=dict)  # file key -> file
    group_of: tuple = ()  # the (file key, options) pairs the group in the session was read from
    news: list[str] = field(default_factory=list)  # what the last addition or removal did, said once


def _loaded() -> LoadedSet:
    # Under the state key "Forget uploaded data" clears (from any page), so the bytes go with the group.
    return st.session_state.setdefault(state.LOADED_FILES_KEY, LoadedSet())


def file_key(name: str, data: bytes) -> str:
    """Which file a card's options belong to: its name and content, not its place in the list."""
    return hashlib.sha256(name.encode() + b"\0" + data).hexdigest()[:16]


def _store() -> dict[str, ReadOptions]:
    return st.session_state.setdefault(FILE_OPTIONS_KEY, {})


def _widget_keys(fk: str) -> tuple[str, str, str]:
    return f"opt_{fk}_order", f"opt_{fk}_member", f"opt_{fk}_sheet"


def _options_for(fk: str) -> ReadOptions:
    """The file's own options, with what the user just changed on its card taken in.

    The stored options are the truth: a widget's own state is dropped while the user is on another
    page, so on the way back it is set again from them.
    """
    opts = _store().get(fk, ReadOptions())
    order_key, member_key, sheet_key = _widget_keys(fk)
    ss = st.session_state
    if order_key in ss:
        opts = dataclasses.replace(opts, date_order=DATE_ORDERS[ss[order_key]])
    else:
        ss[order_key] = next(k for k, v in DATE_ORDERS.items() if v == opts.date_order)
    if member_key in ss:
        opts = dataclasses.replace(opts, member=ss[member_key].strip() or None)
    else:
        ss[member_key] = opts.member or ""
    if sheet_key in ss:
        opts = dataclasses.replace(opts, sheet=None if ss[sheet_key] == FIRST_SHEET else ss[sheet_key])
    else:
        ss[sheet_key] = opts.sheet or FIRST_SHEET
    _store()[fk] = opts
    return opts


def _daily_rule() -> str:
    """One rule for the whole group, shown to the user: same-day readings are never added up."""
    if "upload_rule" not in st.session_state:
        rule = st.session_state.get(DAILY_RULE_KEY, "max")
        st.session_state["upload_rule"] = next(k for k, v in DAILY_RULES.items() if v == rule)
    choice = st.radio("When a symptom was logged several times on one day, the dashboard uses",
                      list(DAILY_RULES), key="upload_rule", horizontal=True,
                      help="For every file. Readings of one day are never added up.")
    st.session_state[DAILY_RULE_KEY] = DAILY_RULES[choice]
    return DAILY_RULES[choice]


def _forget_options_of_removed_files(present: set[str]) -> None:
    """A file taken out of the uploader takes its options (member codes, column names) with it."""
    kept = st.session_state.get(FILE_OPTIONS_KEY, {})
    for fk in [k for k in kept if k not in present]:
        del kept[fk]


def _empty_uploader() -> None:
    """A new key gives an empty uploader, ready for the next files."""
    st.session_state[state.UPLOADER_GENERATION] = st.session_state.get(state.UPLOADER_GENERATION, 0) + 1


def _take_in(uploads) -> None:
    """Files dropped on the uploader join the loaded set; a file already in it is not added twice."""
    loaded = _loaded()
    added, again = [], []
    for upload in uploads:
        data = upload.getvalue()
        fk = file_key(upload.name, data)
        (again if fk in loaded.files else added).append(upload.name)
        loaded.files.setdefault(fk, LoadedFile(upload.name, data))
    if added:
        loaded.news.append(f"Added {', '.join(added)}; the group is now read from {len(loaded.files)} "
                           "file(s).")
    if again:
        loaded.news.append(f"Already loaded, not added twice: {', '.join(again)}.")
    _empty_uploader()
    st.rerun()


def _remove_file(fk: str) -> None:
    """Takes one file out of the group, and out of memory: its bytes, parses, options and the
    calculations made from the group it was part of."""
    loaded = _loaded()
    gone = loaded.files.pop(fk)
    cache.forget_file(fk)
    for key in [k for k in st.session_state
                if str(k).startswith((f"opt_{fk}_", f"map_{fk}_", f"card_{fk}_"))]:
        del st.session_state[key]
    _forget_options_of_removed_files(set(loaded.files))
    if loaded.files:
        cache.forget_derived()
        loaded.news.append(f"Removed {gone.name}. {len(loaded.files)} file(s) are still loaded; every "
                           "page now shows the group without it.")
    else:
        state.forget_uploaded_group()
        _loaded().news.append(f"Removed {gone.name}. No file is loaded now: the other pages show the "
                              "demo group.")


# --- the column mapping ---------------------------------------------------------------------------

def mapping_problem(picks: dict[str, str], items: list[str], member_code: str,
                    events: list[str] = ()) -> str | None:
    """Why a column mapping cannot be used yet, in words for the person who chose it (None: it can).

    ``picks``: the one column of each role (or NO_COLUMN); ``items``: the columns chosen as symptoms;
    ``events``: the columns chosen as events.
    """
    chosen = [c for c in picks.values() if c != NO_COLUMN] + list(items) + list(events)
    if picks["date"] == NO_COLUMN:
        return "Choose the column that holds the dates."
    if len(chosen) != len(set(chosen)):
        return "Each column can have only one role: choose a different column for each."
    if (picks["symptom"] == NO_COLUMN) != (picks["severity"] == NO_COLUMN):
        return ("For a file with one row per symptom, choose both the symptom column and the score "
                "column. For a file with one column per symptom, leave both at (none).")
    if items and picks["symptom"] != NO_COLUMN:
        return ("A file has either one row per symptom (a symptom name column and a score column) or "
                "one column per symptom, not both: set the symptom name and score to (none), or "
                "empty the list of columns that are symptoms.")
    if picks["member"] == NO_COLUMN and not member_code:
        return ("Choose the column with the member codes, or type one member code if every row of "
                "this file is about the same child. Without either, oms_dash cannot tell whose rows "
                "these are, and it will not guess from the file name.")
    return None


def _apply_mapping(fk: str) -> None:
    ss = st.session_state
    picks = {role: ss[f"map_{fk}_{role}"] for role in MAPPING_ROLES}
    items, events = list(ss[f"map_{fk}_items"]), list(ss[f"map_{fk}_events"])
    code = ss[f"map_{fk}_code"].strip()
    problem = mapping_problem(picks, items, code, events)
    if problem:
        ss[f"map_{fk}_problem"] = problem
        return
    ss.pop(f"map_{fk}_problem", None)
    mapping = tuple((role, column) for role, column in picks.items() if column != NO_COLUMN) + tuple(
        (ITEM_ROLE, column) for column in items) + tuple((EVENT_ROLE, column) for column in events)
    _store()[fk] = dataclasses.replace(_store().get(fk, ReadOptions()), mapping=mapping,
                                       member=code or None)
    ss[_widget_keys(fk)[1]] = code  # the member code field of the file's options says the same


def _clear_mapping(fk: str) -> None:
    """Back to automatic recognition; the form then starts again from what that recognises."""
    _store()[fk] = dataclasses.replace(_store().get(fk, ReadOptions()), mapping=())
    for key in [*(f"map_{fk}_{role}" for role in MAPPING_ROLES),
                *(f"map_{fk}_{name}" for name in MAPPING_LISTS.values())]:
        st.session_state.pop(key, None)
    st.session_state.pop(f"map_{fk}_problem", None)


def _mapping_form(result: FileResult, fk: str, opts: ReadOptions) -> None:
    ss = st.session_state
    choices = [NO_COLUMN, *result.headers]
    # The user's own mapping, else what was recognised: the form starts from what is in use.
    start = opts.mapping or result.detected
    chosen = {role: column for role, column in start if role not in MAPPING_LISTS}
    for role in MAPPING_ROLES:
        if f"map_{fk}_{role}" not in ss:
            ss[f"map_{fk}_{role}"] = chosen.get(role) if chosen.get(role) in choices else NO_COLUMN
    for role, name in MAPPING_LISTS.items():
        if f"map_{fk}_{name}" not in ss:
            ss[f"map_{fk}_{name}"] = list(dict.fromkeys(c for r, c in start
                                                        if r == role and c in result.headers))
    if f"map_{fk}_code" not in ss:
        ss[f"map_{fk}_code"] = opts.member or ""
    unused = [p for p in result.report.problems if p.code == "unused_column"]
    if unused:
        # A note per column not read, or past adapters.MAX_COLUMN_NOTES one naming a few.
        named = [f"'{plain(p.column)}'" for p in unused if p.column]
        said = "Not read: " + ", ".join(named) + "." if named else plain(unused[0].message)
        st.caption(said + " To read one as a "
                   "symptom named after its heading, choose it under **Columns that are symptoms** "
                   "below (its cells need scores 0–3 or none / mild / moderate / severe); to read "
                   "it as what happened (an illness, a vaccination...), under **Columns that are "
                   "events**.")
    with st.form(f"mapping_{fk}", border=False):
        who = st.columns(2)
        who[0].selectbox(MAPPING_ROLES["member"], choices, key=f"map_{fk}_member")
        who[1].text_input("…or one member code for every row", key=f"map_{fk}_code",
                          placeholder="for example F07", help="Use a code, never a name.")
        what = st.columns(3)
        for col, role in zip(what, ("date", "symptom", "severity"), strict=True):
            col.selectbox(MAPPING_ROLES[role], choices, key=f"map_{fk}_{role}")
        besides = st.columns(2)
        for col, role in zip(besides, ("treatment", "notes"), strict=True):
            col.selectbox(MAPPING_ROLES[role], choices, key=f"map_{fk}_{role}")
        st.multiselect(ITEMS_LABEL, result.headers, key=f"map_{fk}_items",
                       placeholder="none: only the columns oms_dash recognises",
                       help="For a file with one column per symptom. Columns named after a symptom "
                            "oms_dash knows are read without being chosen here.")
        st.multiselect(EVENTS_LABEL, result.headers, key=f"map_{fk}_events",
                       placeholder="none",
                       help="Each answer becomes an event of its day: an infection or fever, a "
                            "vaccination, a steroid taper, or 'other' when the words do not say; "
                            "blank, 'no', 'none' and '-' are not events.")
        st.caption("A file has either one row per symptom (choose the symptom name and score "
                   "columns) or one column per symptom (leave those at (none), and choose here any "
                   "symptom column oms_dash did not read).")
        st.form_submit_button("Read this file again with these columns", on_click=_apply_mapping,
                              args=(fk,))
    if ss.get(f"map_{fk}_problem"):
        st.error(ss[f"map_{fk}_problem"], icon=":material/edit_note:")
    if opts.mapping:
        st.button("Go back to automatic recognition", key=f"map_{fk}_clear", on_click=_clear_mapping,
                  args=(fk,))


# --- one file's card ------------------------------------------------------------------------------

def rows_detail(report: FileReport) -> list[str]:
    """What the four counts do not say: why rows were skipped, and cells left out of kept rows."""
    lines = []
    if report.skipped_reasons:
        lines.append(f"Skipped by design: {skipped_text(report)}.")
    cells = report.cells_not_used
    if cells:
        lines.append(f"{_cells(cells)} not used in rows that were kept (a bad score next to good "
                     "ones); they are listed under Messages.")
    return lines


def _cells(n: int) -> str:
    return f"{n:,} cell" + ("" if n == 1 else "s")


def _messages_title(report: FileReport, count: int) -> str:
    cells = report.cells_not_used
    parts = [text for n, text in ((report.rows_rejected, counted(report.rows_rejected, "row rejected")),
                                  (report.rows_skipped, f"{report.rows_skipped:,} skipped by design"),
                                  (cells, f"{_cells(cells)} not used in kept rows")) if n]
    return f"Messages ({count:,})" + (": " + " · ".join(parts) if parts else "")


def attention_lines(report: FileReport,
                    said_elsewhere: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """What must be seen on the card, not only in the messages table: ("error" | "warning", text).

    File-level errors and warnings, guesses (a member code from the file name), and row warnings
    counted by kind. Removed identifying columns have their own message; so do the problems whose
    codes are in ``said_elsewhere``.
    """
    lines = []
    for p in report.problems:
        if p.row is not None or p.code == "identifying_column" or p.code in said_elsewhere:
            continue
        if p.severity == "error" or p.severity == "warning" or p.code in GUESSES:
            where = f"Column '{p.column}': " if p.column else ""
            lines.append(("error" if p.severity == "error" else "warning", plain(where + p.message)))
    row_warnings = Counter(p.code for p in report.problems if p.row is not None and p.severity == "warning")
    for code, n in row_warnings.items():
        lines.append(("warning", plain(ROW_WARNINGS.get(code, ROW_WARNING_OTHER).format(n=n))))
    return lines


# Columns whose content the dashboard does not draw: the card names them, and shows no green check.
NOT_USED = {"unused_column": "not used", "yes_no_column": "yes/no answers, not used",
            "amount_column": "amounts, not used"}
COLUMNS_SKIPPED = "skipped_columns"  # an app's columns that are not symptom data, said in one message
NOTES_ONLY = "notes_column"


def columns_not_used(report: FileReport) -> list[str]:
    """What the card says about columns whose content is not used (Markdown, the file's own words
    through plain())."""
    lines = []
    unused = [f"'{plain(p.column)}' ({NOT_USED[p.code]})" for p in report.problems
              if p.code in NOT_USED and p.column]
    if unused:
        lines.append("Columns not used: " + ", ".join(unused) + ". Messages below say why; "
                     "**Map them yourself** can read one as a symptom or as events.")
    # Many columns of one kind come as one note (adapters.MAX_COLUMN_NOTES), said as it is.
    lines += [plain(p.message) + " **Map them yourself** can read one as a symptom or as events."
              for p in report.problems if p.code in NOT_USED and not p.column]
    lines += [plain(p.message) for p in report.problems if p.code == COLUMNS_SKIPPED]
    return lines


def notes_line(report: FileReport) -> str | None:
    """Where a notes column went. Notes are used (the Member view shows them when asked), so they
    do not take the green check away: our own template has a notes column."""
    notes = [f"'{plain(p.column)}'" for p in report.problems if p.code == NOTES_ONLY and p.column]
    if not notes:
        return None
    return ("Kept as notes: " + ", ".join(notes) + " (shown on the Member view when asked, with contact "
            "details removed; never drawn in charts or reports).")


def events_line(report: FileReport) -> str | None:
    """The events read, by kind: "events: 3 infection / fever, 1 vaccination, 1 other event"."""
    if not report.events:
        return None
    return "events: " + ", ".join(f"{n} {EVENT_LABELS.get(kind, kind).lower()}"
                                  for kind, n in report.events.items())


# The problems table: the message column is the wide one, and rows are tall enough for it to wrap
# (Streamlit wraps a cell's text only in rows taller than 4rem).
PROBLEM_COLUMN_WIDTHS = {"row": 50, "column": 140, "status": 75, "what": 470}
MESSAGE_CHARS_PER_LINE = 62  # about what the message column holds at its width
LINE_PIXELS, MAX_MESSAGE_LINES = 21, 8


def problems_table_layout(frame) -> dict:
    """st.dataframe's column_config and row_height for the problems table: long messages wrap over
    as many lines as the longest needs (up to MAX_MESSAGE_LINES; a click shows all of a cell)."""
    config = {name: st.column_config.TextColumn(name, width=width)
              for name, width in PROBLEM_COLUMN_WIDTHS.items() if name in frame}
    config["what"] = st.column_config.TextColumn(
        "what", width=PROBLEM_COLUMN_WIDTHS["what"],
        help="What was found and how to fix it. Click a message to read it in a box of its own.")
    longest = max((len(str(m)) for m in frame["what"]), default=0)
    lines = min(MAX_MESSAGE_LINES, -(-longest // MESSAGE_CHARS_PER_LINE))
    layout = {"column_config": config}
    if lines > 1:
        layout["row_height"] = lines * LINE_PIXELS + 14
    return layout


def _kept_expander(label: str, key: str, expanded: bool, icon: str | None = None):
    """An expander the browser keeps open or closed as the user left it when a fix re-reads the
    file: its identity is its key, not its label (which holds counts that change)."""
    return st.expander(label, expanded=expanded, key=key, icon=icon)


def _status_icon(report: FileReport, attention: list[tuple[str, str]], not_used: list[str]) -> str:
    if not report.usable:
        return ":red[:material/error:]"
    if attention or report.rows_rejected or report.cells_not_used:
        return ":orange[:material/warning:]"
    if not_used:  # used, but not all of it: no green check over what was left out
        return ":blue[:material/info:]"
    return ":green[:material/check_circle:]"


def _options_area(result: FileResult, fk: str, opts: ReadOptions, open_it: bool) -> None:
    """The file's own reading options; a change re-reads this file only."""
    report = result.report
    order_key, member_key, sheet_key = _widget_keys(fk)
    # A column mapping in use has its own member column or code: one field for it, in the mapping.
    without_member_column = not opts.mapping and (
        report.format in SINGLE_PERSON_FORMATS or st.session_state.get(member_key)
        or any(p.code == "member_from_file_name" for p in report.problems))
    with _kept_expander("Options for this file", f"card_{fk}_options", open_it, icon=":material/tune:"):
        st.radio("How are this file's dates written?", list(DATE_ORDERS), key=order_key, horizontal=True,
                 help="Usually worked out from the dates themselves; choose when they could be read "
                      "either way (03/04/2026).")
        if without_member_column:
            st.text_input("Member code for single-person exports", key=member_key,
                          placeholder="if empty: a code in the file name, or a neutral P- code",
                          help="This file has no member column: every row gets this code. Use a code, "
                               "never a name; files of the same child get the same code.")
        if len(result.sheets) > 1:  # the core names a workbook's sheets, also when none was read
            st.selectbox("Sheet to read", [FIRST_SHEET, *result.sheets], key=sheet_key)


def _file_card(result: FileResult, fk: str, opts: ReadOptions) -> None:
    report = result.report
    # While the mapping form says why the user's choice cannot be used, that message is the one to
    # read: the file's own "columns not recognised" error (often the same words) waits behind it.
    attention = attention_lines(report, frozenset({"needs_mapping"}) if st.session_state.get(
        f"map_{fk}_problem") else frozenset())
    not_used = columns_not_used(report)
    with st.container(border=True):
        st.subheader(f"{_status_icon(report, attention, not_used)} {plain(report.file)}", anchor=False)
        st.caption(f"Recognised as: **{plain(report.format)}**")
        if report.rows_read:
            cols = st.columns(4)
            cols[0].metric("Rows read", report.rows_read)
            cols[1].metric("Accepted", report.rows_accepted)
            cols[2].metric("Rejected", report.rows_rejected)
            cols[3].metric("Skipped by design", report.rows_skipped)
            for line in rows_detail(report):
                st.write(plain(line))
        facts = []
        if report.members:
            facts.append(f"{len(report.members)} member(s)")
        if report.date_min is not None:
            facts.append(f"{report.date_min:%d %b %Y} to {report.date_max:%d %b %Y}")
        if report.symptoms:
            facts.append("symptoms: " + ", ".join(symptom_link(s) for s in report.symptoms))
        if events_line(report):
            facts.append(events_line(report))
        if facts:
            st.write(" · ".join(facts))
        for p in report.problems:
            if p.code == "events_other":
                st.info(plain(p.message), icon=":material/help:")
        for line in not_used:
            st.info(line, icon=":material/visibility_off:")
        if notes_line(report):
            st.caption(notes_line(report))
        if report.daily_rule:
            st.caption(f"Same-day readings of a symptom were combined by {plain(report.daily_rule)}.")
        if report.pii_columns:
            st.error("Removed before anything was shown or kept: "
                     + "; ".join(f"**{plain(f['column'])}**: {plain(f['reason'])}"
                                 for f in report.pii_columns),
                     icon=":material/shield:")
        for kind, text in attention:
            (st.error if kind == "error" else st.warning)(text)
        if report.rows_read or len(result.sheets) > 1:
            # Open while there is something to fix, or something the user chose, to see.
            chosen = opts.date_order or opts.member or opts.sheet
            fixable = any(p.code in FIXED_BY_OPTIONS for p in report.problems)
            _options_area(result, fk, opts, open_it=bool(fixable or chosen))
        if result.needs_mapping:
            # The file's own error above says what was not recognised; this is where to answer it.
            st.markdown(":material/table_edit: **Tell oms_dash which column is which**, then read the "
                        "file again:")
            _mapping_form(result, fk, opts)
        elif opts.mapping:  # open, so the user sees the file is read their way and how to undo it
            with _kept_expander("Read with your column mapping", f"card_{fk}_mapping", True,
                                icon=":material/table_edit:"):
                _mapping_form(result, fk, opts)
        elif report.rows_read:
            with _kept_expander("Columns read wrongly? Map them yourself", f"card_{fk}_mapping", False,
                                icon=":material/table_edit:"):
                _mapping_form(result, fk, opts)
        if report.problems:
            frame = problems_frame(report)
            # File-level errors are on the card already; the table opens for rows and cells.
            row_errors = any(p.severity == "error" and p.row is not None for p in report.problems)
            # Opened by what the file first showed, then as the user leaves it (a fix does not
            # fold the table away, nor open it).
            opened = st.session_state.setdefault(f"card_{fk}_messages_opened", row_errors)
            with _kept_expander(_messages_title(report, len(frame)), f"card_{fk}_messages", opened):
                st.dataframe(frame, hide_index=True, width="stretch", **problems_table_layout(frame))
        with st.container(horizontal=True):
            if report.rejected_rows is not None and len(report.rejected_rows):
                st.download_button("Download the rows with problems (CSV)",
                                   to_csv_bytes(report.rejected_rows),
                                   file_name=f"rejected-rows-{report.file.rsplit('.', 1)[0]}.csv",
                                   mime="text/csv", key=f"rejected_{fk}",
                                   help="The rejected rows, and kept rows with a cell that was not used, "
                                        "as your file has them, each with the reason.")
            st.button("Remove this file", icon=":material/close:", key=f"remove_{fk}",
                      on_click=_remove_file, args=(fk,),
                      help="Take this file out of the group; the other loaded files stay.")


# --- the page -------------------------------------------------------------------------------------

def _forget_button() -> None:
    if st.button("Forget uploaded data", icon=":material/delete:", key="forget_on_upload",
                 help="Every loaded file, and everything read from it, leaves this computer's memory."):
        state.forget_uploaded_group()
        st.rerun()


def _size_words(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{max(1, round(size / 1e3))} kB"


def _read_all(files: dict[str, LoadedFile],
              rule: str) -> list[tuple[FileResult, str, ReadOptions]]:
    """Each loaded file read with its own options (from the cache when already read so)."""
    read = []
    progress = st.progress(0.0, text="Reading files…")
    for i, (fk, file) in enumerate(files.items()):
        opts = dataclasses.replace(_options_for(fk), daily_rule=rule)
        progress.progress(i / len(files), text=plain(f"Reading {file.name} ({_size_words(len(file.data))})…"))

        def report(fraction: float, words: str, i=i) -> None:
            progress.progress(min(1.0, (i + fraction) / len(files)),
                              text=plain(words[:1].upper() + words[1:]))

        result = parse_file(fk, file.name, file.data, opts, progress=report)
        read.append((result, fk, opts))
    progress.empty()
    return read


def _keep_group(loaded: LoadedSet, read_from: tuple, group) -> None:
    """A new set of files or options: store its group and rerun, so the sidebar and the other pages
    say so too. With nothing usable the other pages go back to the demo group."""
    loaded.group_of = read_from
    if group.usable:
        state.set_uploaded_group(group)
    else:
        st.session_state.pop(state.UPLOAD_KEY, None)
    st.rerun()


def _say_news(loaded: LoadedSet) -> None:
    for line in loaded.news:
        st.info(plain(line), icon=":material/info:")
    loaded.news.clear()


def _loaded_files(loaded: LoadedSet, rule: str) -> list[FileResult]:
    """The group and the card of every loaded file, whether or not the uploader holds it now."""
    read = _read_all(loaded.files, rule)
    results = [result for result, _, _ in read]
    read_from = tuple((fk, opts) for _, fk, opts in read)
    if loaded.group_of != read_from:  # merged once per set of files and options, not per rerun
        _keep_group(loaded, read_from, merge(results, rule))
    _say_news(loaded)
    kept = st.session_state.get(state.UPLOAD_KEY)
    _group_banner(results, kept if kept is not None else GroupData())
    for result, fk, opts in read:
        _file_card(result, fk, opts)
    return results


def _group_banner(results: list[FileResult], group) -> None:
    """The one line saying what every page shows now (then the files that could not be used)."""
    usable = [r.report.file for r in results if r.report.usable]
    unusable = [r.report.file for r in results if not r.report.usable]
    if group.usable:
        st.success(f"Loaded {len(group.members)} member(s) from {len(usable)} usable file(s) ("
                   + ", ".join(plain(n) for n in usable) + "). Every page now shows these logs.",
                   icon=":material/check:")
        if unusable:
            st.warning(f"{len(unusable)} file(s) could not be used: " + ", ".join(plain(n) for n in unusable)
                       + ". Each one's card below says why.", icon=":material/block:")
    else:
        st.error("None of the loaded files can be used yet, so the other pages show the **demo group** "
                 "(invented people). Each file's card below says why.", icon=":material/block:")
    _forget_button()


def render() -> None:
    st.title("Upload logs")
    st.write("Drop your members' symptom logs here: our templates, Google Forms responses, "
             "Flaredown or Bearable exports, CSV or Excel. Files stay in this computer's memory; "
             "nothing is saved or sent anywhere.")
    loaded = _loaded()
    _forget_options_of_removed_files(set(loaded.files))
    if not loaded.files:
        st.info("No logs uploaded yet: the other pages show the **demo group** (invented people).")
    rule = _daily_rule()
    uploads = st.file_uploader("Add log files", type=ACCEPTED_TYPES, accept_multiple_files=True,
                               key=state.uploader_key(),
                               help="You can choose several files at once. They join the files "
                                    "already loaded.")
    if uploads:
        _take_in(uploads)
    results = []
    if loaded.files:
        st.caption("Each loaded file has its card below. Files you add join them; **Remove this file** "
                   "on a card takes one out, **Forget uploaded data** all of them.")
        results = _loaded_files(loaded, rule)
    else:
        _say_news(loaded)
    group_panel.render(results)
    st.divider()
    st.subheader("Templates", anchor=False)
    st.write("Give these to families who do not have a diary yet. Use a member code like F01, "
             "never a child's name.")
    with st.container(horizontal=True):  # buttons wrap instead of cutting their labels short
        for name, label in TEMPLATES.items():
            st.download_button(f"{label} (CSV)", template_bytes(name), f"oms-{name}", "text/csv")
        st.download_button("Data dictionary (Markdown)", data_dictionary_markdown().encode(),
                           "oms-data-dictionary.md", "text/markdown")
    with st.expander("What each column means"):
        st.markdown(data_dictionary_markdown())

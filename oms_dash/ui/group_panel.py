"""The group file on the Upload page: open a saved group, add the loaded logs to it, mark a meeting.

The file stays where it is on this computer (a path, not an upload: adding logs writes to it in
place). The passphrase is typed for each action and never kept, not even in this session's
memory; a group opened is shown by every page like an upload. `oms-dash run --group FILE` names
the file (OMS_DASH_GROUP_FILE) and, once the passphrase was checked in the terminal, hands it to
the server (OMS_DASH_PASSPHRASE), which opens the group for each new session.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from oms_dash.group_cli import GROUP_FILE_VARIABLE, PASSPHRASE_VARIABLE
from oms_dash.group_file import MIN_PASSPHRASE_LENGTH, PASSPHRASE_HINT
from oms_dash.ingest import FileResult
from oms_dash.theme import plural
from oms_dash.ui import state
from oms_dash.ui.text import plain

OPENED_KEY = state.kept_on_server("group_file_opened")  # the path of the group file last opened
# (the group as opened, its small-group size, its upload history): while the pages show that group,
# its size holds.
_SHOWN_KEY = state.kept_on_server("group_file_shown")
_STARTED_KEY = "_group_file_opened_on_start"


def open_on_start() -> None:
    """`oms-dash run --group FILE`: a new session shows that group, once. Not after "Forget uploaded
    data" or files were taken in (both start a new uploader generation, which a refresh keeps)."""
    _keep_small_group_size()
    path, passphrase = os.environ.get(GROUP_FILE_VARIABLE), os.environ.get(PASSPHRASE_VARIABLE)
    ss = st.session_state
    if not path or not passphrase or ss.get(_STARTED_KEY) or ss.get(state.UPLOADER_GENERATION, 0) \
            or state.holds_uploaded_files():
        return
    ss[_STARTED_KEY] = True
    _open(path, passphrase)


def _shown_group_file():
    """The group file the pages show, as (group, small-group size, upload history), or None (an
    upload, the demo)."""
    shown = st.session_state.get(_SHOWN_KEY)
    return shown if shown is not None and shown[0] is st.session_state.get(state.UPLOAD_KEY) else None


def _keep_small_group_size() -> None:
    """The group's small-group size, on every run while its group is shown: the dashboard's own
    (`--min-group`) is set again on each run, and only a stricter one of the two applies."""
    from oms_dash import privacy

    shown = _shown_group_file()
    if shown is not None and shown[1] > privacy.min_group_size():
        privacy.set_min_group_size(shown[1])


def _show(group, min_group_size: int, uploads: list[dict]) -> None:
    state.set_uploaded_group(group)
    st.session_state[_SHOWN_KEY] = (group, min_group_size, uploads)
    _keep_small_group_size()


def _open(path: str, passphrase: str) -> bool:
    from oms_dash import group_file, privacy

    try:
        opened = group_file.open_group(path, passphrase)
    except group_file.GroupFileError as exc:
        st.error(plain(str(exc)), icon=":material/lock:")
        return False
    _show(opened.group, group_file.stricter_min_group_size(opened.settings, privacy.min_group_size()),
          opened.uploads)
    st.session_state[OPENED_KEY] = path
    return True


def render(results: list[FileResult]) -> None:
    opened = st.session_state.get(OPENED_KEY)
    default = opened or os.environ.get(GROUP_FILE_VARIABLE, "")
    st.divider()
    # A heading in Markdown: the page's subheaders are its files' cards (and Templates).
    st.markdown("#### :material/lock: Group file: keep the group from one meeting to the next")
    st.write("A group file keeps what passed the privacy check (never names, e-mails or birth dates; "
             "free-text notes only if you ask), encrypted with a passphrase. Add each month's logs "
             "to it instead of keeping the families' raw files.")
    if opened and _shown_group_file() is not None:
        _, k, uploads = _shown_group_file()
        st.success(plain(f"Every page shows the group file {Path(opened).name} (group figures from fewer "
                         f"than {k} members are hidden)."), icon=":material/lock:")
        _upload_history(uploads)
    with st.form("group_file_form", border=False, clear_on_submit=True):  # the passphrase is not kept
        path = st.text_input("Group file on this computer", value=default, key="group_file_path",
                             placeholder="/home/me/our-group.omsgroup")
        passphrase = st.text_input("Passphrase", type="password", key="group_file_passphrase")
        today = dt.date.today()
        day = st.date_input("Day of the meeting to mark", value=today, max_value=today, format="YYYY-MM-DD",
                            key="group_meeting_day",
                            help="Today, or a meeting held without a report (such as the one before "
                                 "the group file was made): \"since the last meeting\" counts from it.")
        with st.container(horizontal=True):
            open_it = st.form_submit_button("Open the group", icon=":material/lock_open:")
            add = st.form_submit_button("Add the loaded logs to it", icon=":material/add:",
                                        disabled=not any(r.tables is not None for r in results))
            meeting = st.form_submit_button("Mark the day as a meeting", icon=":material/event:")
    if (open_it or add or meeting) and not (path and passphrase):
        st.error("Give the group file and its passphrase.")
    elif open_it and _open(path, passphrase):
        st.rerun()
    elif add:
        _add(path, passphrase, results)
    elif meeting:
        _mark_meeting(path, passphrase, day or today)
    _new_group_form()


HISTORY_COLUMNS = {"upload": "Upload", "added_at": "Added (UTC)", "files": "Files", "rows_new": "New",
                   "rows_duplicate": "Already in the group", "rows_conflict": "Conflicting",
                   "rows_combined": "Combined with another file's reading of the same day",
                   "rows_rejected": "Rows rejected"}


def _upload_history(uploads: list[dict]) -> None:
    if not uploads:
        return
    with st.expander(f"Upload history ({plural(len(uploads), 'upload')})", icon=":material/history:"):
        table = pd.DataFrame(uploads)[list(HISTORY_COLUMNS)]
        table["added_at"] = table["added_at"].str.replace("T", " ").str.removesuffix("Z")
        st.dataframe(table.rename(columns=HISTORY_COLUMNS), hide_index=True)


def _add(path: str, passphrase: str, results: list[FileResult]) -> None:
    from oms_dash import group_file

    try:
        added = group_file.add(path, passphrase, results)
    except group_file.GroupFileError as exc:
        st.error(plain(str(exc)), icon=":material/lock:")
        return
    _open(path, passphrase)
    st.success(f"Added as upload {added.upload}: {added.rows_new:,} new observations, "
               f"{added.rows_duplicate:,} already in the group (not added twice), "
               f"{added.rows_conflict:,} with another score than the group's (the group's were kept).",
               icon=":material/check:")
    for f in added.files:
        st.caption(plain(f"{f.file}: {f.rows_new:,} new, {f.rows_duplicate:,} already in the group, "
                         f"{f.rows_conflict:,} conflicting, {f.rows_combined:,} combined with another "
                         "file's reading of the same day."))
    if len(added.conflicts):
        shown = added.conflicts.assign(date=pd.to_datetime(added.conflicts["date"]).dt.strftime("%Y-%m-%d"))
        st.dataframe(shown.rename(columns={"group_score": "the group's score",
                                           "new_score": "the file's score"}), hide_index=True)


def _mark_meeting(path: str, passphrase: str, day: dt.date | None = None) -> None:
    from oms_dash import group_file

    day = day or dt.date.today()
    try:
        meetings = group_file.mark_meeting(path, passphrase, day)
    except group_file.GroupFileError as exc:
        st.error(plain(str(exc)), icon=":material/lock:")
        return
    shown = _shown_group_file()
    if shown is not None and st.session_state.get(OPENED_KEY) == path:  # the pages show it: they say so
        _show(dataclasses.replace(shown[0], meetings=meetings), *shown[1:])
    if day == dt.date.today():
        st.success("Today is marked as a meeting in the group file. From tomorrow, Overview and the "
                   "meeting report say what changed since today.", icon=":material/event:")
    elif meetings[-1] == day:
        st.success(f"The meeting of {day:%d %b %Y} is recorded in the group file: Overview and the "
                   "meeting report say what changed since then.", icon=":material/event:")
    else:
        st.success(f"The meeting of {day:%d %b %Y} is recorded in the group file. A later meeting "
                   f"({meetings[-1]:%d %b %Y}) is recorded too: what changed is counted from that one.",
                   icon=":material/event:")


def offer_meeting_mark() -> None:
    """On the Meeting report page, while the pages show a group file (not in meeting mode: the
    file's name is the coordinator's): mark today as a meeting in it, with the report."""
    shown, path = _shown_group_file(), st.session_state.get(OPENED_KEY)
    if shown is None or not path or state.meeting_mode():
        return
    name = Path(path).name
    if dt.date.today() in shown[0].meetings:
        st.success(plain(f"Today is marked as a meeting in the group file {name}: from tomorrow, Overview "
                         "and the next report say what changed since today."), icon=":material/event:")
        return
    with st.form("report_meeting_form", clear_on_submit=True):  # the passphrase is not kept
        st.markdown(f"**Is this report for today's meeting?** Mark today as a meeting in the group file "
                    f"{plain(name)}: from tomorrow, Overview and the next report say what changed since "
                    "today. This report says what changed since the meeting before today.")
        passphrase = st.text_input("Passphrase of the group file", type="password",
                                   key="report_meeting_passphrase")
        if not st.form_submit_button("Mark today as a meeting", icon=":material/event:"):
            return
    if passphrase:
        _mark_meeting(path, passphrase)
    else:
        st.error("Give the group file's passphrase to mark today as a meeting.")


def _new_group_form() -> None:
    from oms_dash import group_file

    with st.popover("Make a new group file", icon=":material/note_add:"):
        st.markdown(":material/key: **Keep the passphrase safe.** " + PASSPHRASE_HINT)
        with st.form("group_file_new", border=False, clear_on_submit=True):
            path = st.text_input("Where to save it", placeholder="/home/me/our-group.omsgroup",
                                 key="group_file_new_path")
            first = st.text_input("Passphrase (four or more unrelated words)", type="password",
                                  key="group_file_new_passphrase")
            again = st.text_input("The same passphrase again", type="password", key="group_file_new_again")
            keep_notes = st.checkbox("Keep free-text notes too", key="group_file_new_notes")
            if not st.form_submit_button("Make the group file"):
                return
        if not path or not first:
            st.error("Give a place to save it and a passphrase.")
        elif first != again:
            st.error("The two passphrases are not the same.")
        elif len(first) < MIN_PASSPHRASE_LENGTH:
            st.error("That passphrase is too short to protect the group: use four or more unrelated words.")
        else:
            try:
                group_file.create(path, first, keep_notes=keep_notes)
            except group_file.GroupFileError as exc:
                st.error(plain(str(exc)))
                return
            st.success(plain(f"Made {Path(path).name}. Open it above, then add the loaded logs to it."))

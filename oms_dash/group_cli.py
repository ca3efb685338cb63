"""`oms-dash group …`: make a group file, add logs to it, show it, forget a member, change its passphrase,
record a meeting.

The passphrase is asked for at a prompt (twice when it is new), or read from the OMS_DASH_PASSPHRASE
environment variable (OMS_DASH_NEW_PASSPHRASE for a new one, for scripts); never from an argument,
which other users of the computer could see. Imported by `oms-dash` for every command, so the group
file's module (and SQLCipher) is only imported when a group command runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path

PASSPHRASE_VARIABLE = "OMS_DASH_PASSPHRASE"
NEW_PASSPHRASE_VARIABLE = "OMS_DASH_NEW_PASSPHRASE"
GROUP_FILE_VARIABLE = "OMS_DASH_GROUP_FILE"  # the group `oms-dash run --group` shows (ui/group_panel.py)
SHOWN_CONFLICTS = 20  # in text output; --json lists them all


class _Refused(Exception):
    """A passphrase that cannot be used; the message says why."""


def add_group_parser(sub) -> None:
    from oms_dash.cli import _add_reading_options

    group = sub.add_parser("group", help="keep the group's logs from meeting to meeting, encrypted",
                           description="A group file (*.omsgroup) keeps what passed the privacy check, "
                                       "encrypted with a passphrase that is never stored. The passphrase "
                                       f"is asked for, or taken from ${PASSPHRASE_VARIABLE}.")
    commands = group.add_subparsers(dest="group_command", metavar="GROUP_COMMAND", required=True)
    new = commands.add_parser("new", help="make a new, empty group file")
    new.add_argument("file", metavar="FILE")
    new.add_argument("--keep-notes", action="store_true", help="also keep the logs' free-text notes")
    new.add_argument("--daily", choices=["max", "mean"], default="max",
                     help="combine several readings of a symptom on one day by max (default) or mean")

    add = commands.add_parser("add", help="add log files to a group file",
                              description="Read log files as `oms-dash check` does and add them to the "
                                          "group. Exit code 2 when a file is unusable (the others are "
                                          "added).")
    add.add_argument("file", metavar="FILE")
    add.add_argument("logs", nargs="+", metavar="LOG")
    add.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add.add_argument("--take-new", action="append", default=[], metavar="LOG",
                     help="where a score of this log differs from the group's, take the log's "
                          "(default: keep the group's); may be given for several logs")
    _add_reading_options(add)
    add.set_defaults(daily=None)  # the group's own daily rule, unless one is given

    show = commands.add_parser("show", help="what a group file holds: members, dates, uploads, meetings")
    show.add_argument("file", metavar="FILE")
    show.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    forget = commands.add_parser("forget-member", help="delete every row of one member, for good")
    forget.add_argument("file", metavar="FILE")
    forget.add_argument("code", metavar="CODE")

    passphrase = commands.add_parser("passphrase", help="change the group file's passphrase")
    passphrase.add_argument("file", metavar="FILE")

    meeting = commands.add_parser("meeting", help="record a meeting date, for \"since the last meeting\"",
                                  description="Record that the group met (today, or --date), so that "
                                              "\"since the last meeting\" counts from it. `report "
                                              "--group` records the day it is made; this records a "
                                              "meeting held without it, such as the one before the "
                                              "group file was made.")
    meeting.add_argument("file", metavar="FILE")
    meeting.add_argument("--date", metavar="YYYY-MM-DD", type=_meeting_day, default=None,
                         help="the day of the meeting (default: today)")


def run_group(args) -> int:
    from oms_dash.group_file import GroupFileError

    command = {"new": _new, "add": _add, "show": _show, "forget-member": _forget,
               "passphrase": _change_passphrase, "meeting": _meeting}[args.group_command]
    try:
        return command(args)
    except (GroupFileError, _Refused) as exc:
        print(str(exc), file=sys.stderr)
        return 1


def _ask(prompt: str, variable: str, new: bool = False) -> str:
    """The passphrase from the environment variable, else from the prompt (twice when new)."""
    from oms_dash.group_file import MIN_PASSPHRASE_LENGTH, PASSPHRASE_HINT

    given = os.environ.get(variable)
    if given is None:
        if new:
            print(PASSPHRASE_HINT, file=sys.stderr)
        try:
            given = getpass.getpass(prompt)
            if new and getpass.getpass("The same passphrase again: ") != given:
                raise _Refused("The two passphrases were not the same; nothing was changed.")
        except EOFError:
            raise _Refused(f"No passphrase was given: type it at the prompt, or set {variable}.") from None
    if new and len(given) < MIN_PASSPHRASE_LENGTH:
        raise _Refused(f"That passphrase is too short to protect the group (fewer than "
                       f"{MIN_PASSPHRASE_LENGTH} characters). {PASSPHRASE_HINT}")
    return given


def run_with_group(path: str) -> int:
    """`oms-dash run --group FILE`: the passphrase checked here, then handed to the dashboard's server
    (its environment, which only this user can read) with the file's name."""
    from oms_dash import group_file

    try:
        passphrase = _passphrase()
        group_file.settings(path, passphrase)
    except (group_file.GroupFileError, _Refused) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    os.environ[PASSPHRASE_VARIABLE] = passphrase
    os.environ[GROUP_FILE_VARIABLE] = str(Path(path).resolve())
    return 0


def read_group(path: str):
    """`oms-dash report/summary --group FILE`: the group file's group and its passphrase (to mark a
    meeting with), its small-group size applied when it is stricter than the one set; None when it
    cannot be opened (the reason printed)."""
    from oms_dash import group_file, privacy

    try:
        passphrase = _passphrase()
        opened = group_file.open_group(path, passphrase)
    except (group_file.GroupFileError, _Refused) as exc:
        print(str(exc), file=sys.stderr)
        return None
    privacy.set_min_group_size(group_file.stricter_min_group_size(opened.settings, privacy.min_group_size()))
    return opened.group, passphrase


def _passphrase() -> str:
    return _ask("Passphrase of the group file: ", PASSPHRASE_VARIABLE)


def _new(args) -> int:
    from oms_dash import group_file

    passphrase = _ask("Passphrase for the new group file: ", PASSPHRASE_VARIABLE, new=True)
    group_file.create(args.file, passphrase, daily_rule=args.daily, keep_notes=args.keep_notes)
    notes = "with" if args.keep_notes else "without"
    print(f"Made the group file {args.file} ({notes} free-text notes). Add logs with "
          f"`oms-dash group add {args.file} LOG...`.")
    return 0


def _add(args) -> int:
    import dataclasses

    from oms_dash import group_file
    from oms_dash.cli import print_reports, read_logs, reading_options
    from oms_dash.ingest import read_file

    passphrase = _passphrase()
    rule = args.daily or group_file.settings(args.file, passphrase)["daily_rule"]
    options = dataclasses.replace(reading_options(args), daily_rule=rule)
    results = read_logs(args.logs, lambda shown, data: read_file(shown, data, options))
    reports = [r.report for r in results]
    take_new = _shown_names(args.take_new, args.logs, reports)
    added = group_file.add(args.file, passphrase, results, take_new_from=take_new)
    conflicts = [{"member": c.member, "date": c.date.strftime("%Y-%m-%d"), "item": c.item,
                  "group_score": c.group_score, "new_score": c.new_score, "file": c.file, "kept": c.kept}
                 for c in added.conflicts.itertuples(index=False)]
    if args.json:
        files = [{"file": f.file, "label": f.label, "rows_new": f.rows_new,
                  "rows_duplicate": f.rows_duplicate, "rows_conflict": f.rows_conflict,
                  "rows_combined": f.rows_combined} for f in added.files]
        print_reports(reports, True, {"group": {"upload": added.upload, **added.counts(), "files": files,
                                                "conflicts": conflicts}})
    else:
        print_reports(reports, False)
        print(f"Added to the group as upload {added.upload}: {added.rows_new:,} new observations, "
              f"{added.rows_duplicate:,} already in the group (not added twice), "
              f"{added.rows_conflict:,} with another score than the group's.")
        if added.rows_combined:
            print(f"{added.rows_combined:,} readings were combined with another file's reading of the same "
                  "day (by the group's daily rule) before they were added.")
        for c in conflicts[:SHOWN_CONFLICTS]:
            kept = "took the new score" if c["kept"] == "new file" else "kept the group's"
            print(f"  {c['member']} {c['date']} {c['item']}: group {c['group_score']:g}, "
                  f"{c['file']} {c['new_score']:g} ({kept})")
        if len(conflicts) > SHOWN_CONFLICTS:
            print(f"  … and {len(conflicts) - SHOWN_CONFLICTS:,} more (--json lists them all).")
        if any(c["kept"] == "group" for c in conflicts):
            print("To take a file's scores instead, add it again with --take-new LOG.")
    return 0 if all(r.usable for r in reports) else 2


def _shown_names(chosen: list[str], logs: list[str], reports) -> set[str]:
    """The --take-new logs by the names their reports carry (as given on the command line)."""
    by_given = {given: report.file for given, report in zip(logs, reports, strict=True)}
    unknown = [c for c in chosen if c not in by_given and c not in by_given.values()]
    if unknown:
        raise _Refused(f"--take-new names {', '.join(unknown)}, which is not one of the logs being added.")
    return {by_given.get(c, c) for c in chosen}


def _show(args) -> int:
    from oms_dash import group_file

    shown = group_file.summary(args.file, _passphrase())
    if args.json:
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return 0
    if shown["observations"]:
        print(f"{shown['members']:,} members, {shown['observations']:,} observations from "
              f"{shown['date_min']} to {shown['date_max']}.")
    else:
        print(f"{shown['members']:,} members, no observations yet.")
    print("Uploads:" if shown["uploads"] else "No uploads yet.")
    for u in shown["uploads"]:
        print(f"  {u['upload']}. {u['added_at'].replace('T', ' ').replace('Z', ' UTC')}: {u['files']} "
              f"file(s), {u['rows_new']:,} new, {u['rows_duplicate']:,} already in the group, "
              f"{u['rows_conflict']:,} conflicting, {u['rows_combined']:,} combined with another file's "
              f"reading of the same day, {u['rows_rejected']:,} rows rejected")
    print("Meetings: " + (", ".join(shown["meetings"]) if shown["meetings"] else "none marked yet"))
    return 0


def _forget(args) -> int:
    from oms_dash import group_file

    deleted = group_file.forget_member(args.file, _passphrase(), args.code)
    print(f"Member {group_file.normalised_code(args.code)} was forgotten: {deleted:,} rows deleted for good "
          "and the file compacted.")
    return 0


def _meeting_day(text: str) -> dt.date:
    """A --date: an ISO day, not in the future (a meeting to come cannot be counted from)."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date written as YYYY-MM-DD, like 2026-11-05.") from None
    if day > dt.date.today():
        raise argparse.ArgumentTypeError(
            f"{day.isoformat()} is still to come: record a meeting once it is held.")
    return day


def _meeting(args) -> int:
    from oms_dash import group_file

    meetings = group_file.mark_meeting(args.file, _passphrase(), args.date)
    day = args.date or dt.date.today()
    print(f"Meeting of {day.isoformat()} recorded. \"Since the last meeting\" now counts from "
          f"{meetings[-1].isoformat()}" + (" (a later meeting is recorded)." if meetings[-1] != day else "."))
    return 0


def _change_passphrase(args) -> int:
    from oms_dash import group_file

    current = _passphrase()
    group_file.settings(args.file, current)  # a wrong passphrase is said before a new one is asked
    new = _ask("New passphrase: ", NEW_PASSPHRASE_VARIABLE, new=True)
    group_file.change_passphrase(args.file, current, new)
    print(f"The passphrase of {args.file} was changed; the old one no longer opens it.")
    return 0

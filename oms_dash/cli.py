"""`oms-dash`: run the dashboard, check log files, build the meeting report.

Kept light on purpose: `check` imports neither Streamlit nor plotly (start-up is most of its time).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import webbrowser
from pathlib import Path

DESCRIPTION = """oms_dash: a private dashboard for OMS family support groups.
Everything stays on this computer."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oms-dash", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="open the dashboard in your browser (the default command)",
                         description="Start the dashboard on this computer only and open it in "
                                     "your browser. Stop it with Ctrl+C.")
    run.add_argument("--port", type=int, default=None, help="port to use (default: a free one from 8501)")
    run.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    run.add_argument("--min-group", type=int, metavar="K", default=None,
                     help="hide group figures drawn from fewer than K members (default 3; never lower)")
    run.add_argument("--group", metavar="FILE", help="show this group file (its passphrase is asked for)")

    check = sub.add_parser("check", help="check log files and say what is wrong, row by row",
                           description="Read log files exactly as the Upload page does and report, "
                                       "for each file, what was recognised, accepted, rejected or "
                                       "skipped, and why. Exit code 0 when every file is usable, "
                                       "2 when one is not.")
    check.add_argument("files", nargs="+", metavar="FILE", help="CSV, TSV, TXT or Excel (.xlsx) files")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    _add_reading_options(check)

    summary = sub.add_parser("summary", help="the numbers behind the pages, for a program to read",
                             description="Read log files as `check` does and print the numbers the "
                                         "pages show: relapses found, before/after each treatment, "
                                         "the group's weekly course, symptoms that move together. "
                                         "Groups under the small-group size are hidden, as on the pages.")
    summary.add_argument("files", nargs="*", metavar="FILE")
    summary.add_argument("--group", metavar="GROUP_FILE",
                         help="read this group file instead of log files (its passphrase is asked for)")
    summary.add_argument("--json", action="store_true", help="print one JSON object (the documented form)")
    summary.add_argument("--preset", choices=("cautious", "balanced", "sensitive"), default="balanced",
                         help="how readily a rise counts as a relapse (default balanced)")
    summary.add_argument("--min-group", type=int, metavar="K", default=None,
                         help="hide group figures drawn from fewer than K members (default 3; never lower)")
    _add_reading_options(summary)

    report = sub.add_parser("report", help="build the one-page meeting report (HTML, optional PDF)",
                            description="Build a self-contained meeting report with no names in it. "
                                        "Without FILEs, the demo data is used and the report says so.")
    report.add_argument("files", nargs="*", metavar="FILE")
    report.add_argument("--group", metavar="GROUP_FILE",
                        help="read this group file instead of log files (its passphrase is asked for), "
                             "and mark today as a meeting in it")
    report.add_argument("--no-mark", action="store_true",
                        help="with --group: do not mark today as a meeting (a draft before the meeting)")
    report.add_argument("-o", "--output", default="report.html", help="HTML file to write")
    report.add_argument("--pdf", metavar="PDF", help="also write a PDF (needs Chromium)")
    report.add_argument("--paper", choices=("a4", "letter"), default="a4",
                        help="paper size of the PDF (default a4; letter in the US and Canada)")
    report.add_argument("--meeting", action="store_true", help="large type for a projector")
    report.add_argument("--relative", action="store_true",
                        help="weeks since each member's first log instead of calendar dates")
    _add_reading_options(report)
    report.add_argument("--min-group", type=int, metavar="K", default=None,
                        help="hide group figures drawn from fewer than K members (default 3; never lower)")
    from oms_dash.group_cli import add_group_parser

    add_group_parser(sub)
    return parser


def _add_reading_options(command: argparse.ArgumentParser) -> None:
    """The options that say how to read the files: the same for every command that reads logs."""
    order = command.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", action="store_true", help="read dates like 03/04/2026 as 3 April")
    order.add_argument("--monthfirst", action="store_true", help="read dates like 03/04/2026 as 4 March")
    command.add_argument("--member", metavar="CODE",
                         help="member code for single-person exports (Flaredown, Bearable)")
    command.add_argument("--sheet", metavar="NAME", help="Excel sheet to read (default: the first)")
    command.add_argument("--daily", choices=["max", "mean"], default="max",
                         help="combine several readings of a symptom on one day by max (default) or mean")


def reading_options(args):
    """ReadOptions from the reading options of ``_add_reading_options``."""
    from oms_dash.ingest import ReadOptions

    order = "dayfirst" if args.dayfirst else "monthfirst" if args.monthfirst else None
    return ReadOptions(date_order=order, member=args.member, sheet=args.sheet, daily_rule=args.daily)


def main(argv: list[str] | None = None) -> int:
    _console_safe()
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a closed pipe shows up here, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`oms-dash check x.csv | head -3`): stop quietly, no traceback.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1


def _console_safe() -> None:
    """Output never fails on a console that cannot show a character (a Windows code page): such a
    character (from a file name or a header) is printed as '?' instead."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "min_group", None):
        if args.min_group < 3:
            print("--min-group cannot go below 3: smaller groups could point at a child.", file=sys.stderr)
            return 2
        from oms_dash.privacy import set_min_group_size

        set_min_group_size(args.min_group)  # this process's (the report's); run hands it on
    if getattr(args, "group", None) and args.command == "run":
        from oms_dash.group_cli import run_with_group

        if run_with_group(args.group):
            return 1
    if args.command in (None, "run"):
        return run_dashboard(getattr(args, "port", None), getattr(args, "no_browser", False),
                             getattr(args, "min_group", None))
    if args.command == "check":
        return check_files(args)
    if args.command == "report":
        return build_report(args)
    if args.command == "summary":
        return print_summary(args)
    if args.command == "group":
        from oms_dash.group_cli import run_group

        return run_group(args)
    return 2


def _free_port(start: int = 8501) -> int:
    for port in range(start, start + 100):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit("No free port found between 8501 and 8600; give one with --port.")


def run_dashboard(port: int | None, no_browser: bool, min_group: int | None = None) -> int:
    from oms_dash.settings import as_flags, script_args

    port = port or _free_port()
    # Not beside oms_dash/ui/pages/: Streamlit would list a pages/ folder next to its script.
    entry = Path(__file__).parent / "dashboard_entry.py"
    url = f"http://localhost:{port}"
    cmd = [sys.executable, "-m", "oms_dash.serve", "run", str(entry), *as_flags(port),
           *script_args(min_group)]
    print(f"oms_dash is starting at {url}  (this computer only; press Ctrl+C to stop)", flush=True)
    parent = os.getpid()
    server = subprocess.Popen(cmd, preexec_fn=(lambda: _stop_with_parent(parent))
                              if sys.platform == "linux" else None)
    # The server holds uploaded diaries in memory: when this command is stopped (its terminal
    # closed, or a kill), the server stops with it rather than running on unseen.
    asked_to_stop = []

    def stop(signum, frame) -> None:
        asked_to_stop.append(signum)
        server.terminate()

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    # Ctrl+C stops it even where it was started with SIGINT ignored (a background job of a script,
    # as a CI runner may start it): the terminal line says "press Ctrl+C to stop".
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not no_browser and not os.environ.get("CI"):
        threading.Thread(target=_open_when_ready, args=(url,), daemon=True).start()
    try:
        code = server.wait()
        return 0 if asked_to_stop else code
    except KeyboardInterrupt:  # Ctrl+C (the server may have had it too: stopping twice is fine)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        return 0


def _stop_with_parent(parent: int) -> None:
    """In the server's process, before Streamlit starts (Linux): the kernel stops it when its
    parent, this command, ends in any way, even killed outright."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # the parent ended before the line above: nobody to serve
        os._exit(0)


def _open_when_ready(url: str) -> None:
    import urllib.request

    for _ in range(60):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)  # noqa: S310 (localhost)
            webbrowser.open(url)
            return
        except OSError:
            time.sleep(0.5)


def check_files(args) -> int:
    from oms_dash.ingest import read_file

    options = reading_options(args)
    reports = [r.report for r in read_logs(args.files, lambda shown, data: read_file(shown, data, options))]
    print_reports(reports, args.json)
    return 0 if all(r.usable for r in reports) else 2


def read_logs(names: list[str], read) -> list:
    """`read(shown name, bytes)` for each file named on the command line; a file that cannot be
    opened gets an unusable FileResult that says why. A file is named as given, without its
    folders, unless two files share that name."""
    from oms_dash.codes import lean_arrow_memory
    from oms_dash.ingest import FileResult
    from oms_dash.model import FileReport, Problem

    lean_arrow_memory()
    results = []
    bare = [Path(name).name for name in names]
    shown_names = [b if bare.count(b) == 1 else str(name) for b, name in zip(bare, names, strict=True)]
    for name, shown in zip(names, shown_names, strict=True):
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            report = FileReport(file=shown)
            reason = "it does not exist" if not path.exists() else f"it could not be opened ({exc.strerror})"
            report.problems.append(Problem(file=str(name), severity="error", code="missing_file",
                                           message=f"The file {name} could not be read: {reason}."))
            results.append(FileResult(report))
            continue
        results.append(read(shown, data))
    return results


def print_reports(reports: list, as_json: bool, extra: dict | None = None) -> None:
    """check's output: a text card per file, or one JSON object (with `extra`'s keys added)."""
    from oms_dash.problems import cli_message, render_report_text

    if as_json:
        files = [r.as_json() for r in reports]
        for file, report in zip(files, reports, strict=True):
            for shown, p in zip(file["problems"], report.problems, strict=True):
                shown["message"] = cli_message(p.code, p.message)
        print(_printable(json.dumps({"files": files, **(extra or {})}, indent=2, ensure_ascii=False)))
    else:
        for report in reports:
            print(_printable(render_report_text(report)))


def read_group_or_files(args, options, nothing: str):
    """The group `report` and `summary` are made from: the group file of ``--group`` (the
    passphrase asked for, or $OMS_DASH_PASSPHRASE), or the FILEs read as `check` reads them (what
    `check` says of each on stderr). Returns (group, passphrase or None, exit code): the group is
    None, with the reason said, when there is nothing to use (``nothing``: what is then not made)."""
    from oms_dash.codes import lean_arrow_memory
    from oms_dash.ingest import read_paths
    from oms_dash.problems import render_report_text

    lean_arrow_memory()
    if args.group:
        if args.files:
            print("Give log files or --group, not both: add the logs to the group file first "
                  "(`oms-dash group add`).", file=sys.stderr)
            return None, None, 2
        from oms_dash.group_cli import read_group

        opened = read_group(args.group)
        if opened is None:
            return None, None, 1
        group, passphrase = opened
        if not group.usable:
            print(f"The group file holds no symptom scores yet: {nothing}.", file=sys.stderr)
            return None, None, 2
        return group, passphrase, 0
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print("These files could not be found: " + ", ".join(missing), file=sys.stderr)
        return None, None, 2
    group = read_paths(args.files, options)
    # Every guess (a date order, a neutral member code), warning and removal is said, exactly as
    # `check` says it: nothing is made from files read quietly.
    for report in group.reports:
        print(_printable(render_report_text(report)), file=sys.stderr)
    if not group.usable:
        print(f"Nothing usable was found in these files: {nothing}.", file=sys.stderr)
        return None, None, 2
    return group, None, 0


def print_summary(args) -> int:
    """`oms-dash summary`: what `check` says of each file on stderr, then the summary on stdout."""
    from oms_dash.summary import group_summary

    if not args.files and not args.group:
        print("Give the log files to summarise, or a group file with --group.", file=sys.stderr)
        return 2
    group, _, code = read_group_or_files(args, reading_options(args), "no summary")
    if group is None:
        return code
    summary = group_summary(group, preset=args.preset)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(f"{len(summary['members'])} members; {len(summary['relapses'])} relapses found "
              f"({args.preset} setting). Add --json for every number.")
        for ba in summary["before_after"]:
            print(f"  {ba['treatment']}: {ba['n_members']} members with logs on both sides, median change "
                  f"{ba['median_change'] if ba['median_change'] is not None else 'not shown'}")
        if "since_last_meeting" in summary:
            print(f"Since the last meeting ({summary['since_last_meeting']['meeting']}): "
                  f"{summary['since_last_meeting']['rows']:,} symptom scores from "
                  f"{len(summary['since_last_meeting']['members_logged'])} members.")
    return 0


# Characters a terminal acts on instead of showing (ESC starts a command that can rewrite the screen,
# U+202E turns the text around): a file name or a cell can hold them. JSON writes C0 ones escaped.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    return _TERMINAL_CONTROLS.sub("", text)


def build_report(args) -> int:
    from oms_dash.report import build_report_cli

    return build_report_cli(args, reading_options(args))


if __name__ == "__main__":
    sys.exit(main())

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

    check = sub.add_parser("check", help="check log files and say what is wrong, row by row",
                           description="Read log files exactly as the Upload page does and report, "
                                       "for each file, what was recognised, accepted, rejected or "
                                       "skipped, and why. Exit code 0 when every file is usable, "
                                       "2 when one is not.")
    check.add_argument("files", nargs="+", metavar="FILE", help="CSV, TSV, TXT or Excel (.xlsx) files")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    order = check.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", action="store_true", help="read dates like 03/04/2026 as 3 April")
    order.add_argument("--monthfirst", action="store_true", help="read dates like 03/04/2026 as 4 March")
    check.add_argument("--member", metavar="CODE",
                       help="member code for single-person exports (Flaredown, Bearable)")
    check.add_argument("--sheet", metavar="NAME", help="Excel sheet to read (default: the first)")
    check.add_argument("--daily", choices=["max", "mean"], default="max",
                       help="combine several readings of a symptom on one day by max (default) or mean")

    report = sub.add_parser("report", help="build the one-page meeting report (HTML, optional PDF)",
                            description="Build a self-contained meeting report with no names in it. "
                                        "Without FILEs, the demo data is used and the report says so.")
    report.add_argument("files", nargs="*", metavar="FILE")
    report.add_argument("-o", "--output", default="report.html", help="HTML file to write")
    report.add_argument("--pdf", metavar="PDF", help="also write a PDF (needs Chromium)")
    report.add_argument("--paper", choices=("a4", "letter"), default="a4",
                        help="paper size of the PDF (default a4; letter in the US and Canada)")
    report.add_argument("--meeting", action="store_true", help="large type for a projector")
    report.add_argument("--relative", action="store_true",
                        help="weeks since each member's first log instead of calendar dates")
    report.add_argument("--member", metavar="CODE", help="member code for single-person exports")
    report.add_argument("--min-group", type=int, metavar="K", default=None,
                        help="hide group figures drawn from fewer than K members (default 3; never lower)")
    return parser


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
        # Read once when the privacy module is imported, by this process and the dashboard's.
        os.environ["OMS_DASH_MIN_GROUP_SIZE"] = str(args.min_group)
    if args.command in (None, "run"):
        return run_dashboard(getattr(args, "port", None), getattr(args, "no_browser", False))
    if args.command == "check":
        return check_files(args)
    if args.command == "report":
        return build_report(args)
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


def run_dashboard(port: int | None, no_browser: bool) -> int:
    from oms_dash.settings import as_flags

    port = port or _free_port()
    # Not beside oms_dash/ui/pages/: Streamlit would list a pages/ folder next to its script.
    entry = Path(__file__).parent / "dashboard_entry.py"
    url = f"http://localhost:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", str(entry), *as_flags(port)]
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
    from oms_dash.ingest import ReadOptions, read_file
    from oms_dash.problems import cli_message, render_report_text

    order = "dayfirst" if args.dayfirst else "monthfirst" if args.monthfirst else None
    options = ReadOptions(date_order=order, member=args.member, sheet=args.sheet, daily_rule=args.daily)
    reports = []
    # A file is named as given, without its folders, unless two files share that name.
    bare = [Path(name).name for name in args.files]
    shown_names = [b if bare.count(b) == 1 else str(name) for b, name in zip(bare, args.files, strict=True)]
    for name, shown in zip(args.files, shown_names, strict=True):
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            from oms_dash.model import FileReport, Problem

            report = FileReport(file=shown)
            reason = "it does not exist" if not path.exists() else f"it could not be opened ({exc.strerror})"
            report.problems.append(Problem(str(name), None, None, "error", "missing_file",
                                           f"The file {name} could not be read: {reason}."))
            reports.append(report)
            continue
        reports.append(read_file(shown, data, options).report)
    if args.json:
        files = [r.as_json() for r in reports]
        for file, report in zip(files, reports, strict=True):
            for shown, p in zip(file["problems"], report.problems, strict=True):
                shown["message"] = cli_message(p.code, p.message)
        print(_printable(json.dumps({"files": files}, indent=2, ensure_ascii=False)))
    else:
        for report in reports:
            print(_printable(render_report_text(report)))
    return 0 if all(r.usable for r in reports) else 2


# Characters a terminal acts on instead of showing (ESC starts a command that can rewrite the screen,
# U+202E turns the text around): a file name or a cell can hold them. JSON writes C0 ones escaped.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    return _TERMINAL_CONTROLS.sub("", text)


def build_report(args) -> int:
    from oms_dash.report import build_report_cli

    return build_report_cli(args)


if __name__ == "__main__":
    sys.exit(main())

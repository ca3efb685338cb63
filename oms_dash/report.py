"""The meeting report: one self-contained HTML page (plotly.js inline, nothing loaded from the
network), optional PDF through the machine's Chromium, and PNG export of single charts.

Only display labels ("Member A") appear; free-text notes never do. Every string that came from
a user's file is HTML-escaped.
"""

from __future__ import annotations

import atexit
import datetime as dt
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import markdown
import plotly.graph_objects as go

from oms_dash import analysis, charts, schema, sentences, since_meeting, theme
from oms_dash.model import GroupData
from oms_dash.reference import DISCLAIMER, PAGE_PATH, Entry, Reference, load_reference, reviewed_text

# Reference entry ids (oms_dash/reference/*.yaml) beside the charts they explain: treatment (the
# before/after chart) and relapses. Three, so that the printed report keeps to four pages.
HIGHLIGHTS = ("treatment-overview", "relapses", "relapse-triggers")
# Fixed, not responsive: a chart must keep its size when printed. 680×350 CSS px fits the printable
# width of A4 (186 mm ≈ 703 px) and Letter (192 mm ≈ 725 px) with 12 mm margins, two to a page with
# the sentence above each (at 380 px high the sentences pushed Letter to a fifth page).
PRINT_CHART_SIZE = (680, 350)
PRINT_ROW_HEIGHT = 14  # px a row label needs on a printed chart
MEETING_PRINT_HEIGHT = 450  # meeting type needs more room around a plot: fewer charts to a page
PRINT_TITLE_SIZES = {False: (15, 12), True: (20, 16)}  # (title, subtitle) px, screen / meeting
PLOT_CONFIG = {"displaylogo": False, "responsive": False, "displayModeBar": False}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
# Headless, and nothing of its own over the network (updates, sync, first-run pages): on a closed
# network those connections fail, many at a time.
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")
# A4 is the paper of most of the world (ISO 216); Letter is for the US, Canada and a few others.
PAPER_SIZES = {"a4": "A4", "letter": "Letter"}  # CSS page-size keywords, also the names shown
DEFAULT_PAPER = "a4"
SLIDE_SIZE = (1280, 720)  # "Download as PNG": a 16:9 slide, drawn at scale 2


@dataclass
class ReportFigure:
    name: str
    figure: go.Figure
    caption: str
    sentence: str = ""  # what the chart shows in one plain sentence, said above it


def group_caption(group: GroupData, today: dt.date | None = None, relative: bool = False) -> str:
    obs = group.observations
    lo = obs["date"].min() if len(obs) else None
    hi = obs["date"].max() if len(obs) else None
    return theme.caption(len(group.members), lo, hi, relative=relative, today=today)


def report_figures(group: GroupData, meeting: bool = False, today: dt.date | None = None,
                   relative: bool = False, labels: dict[str, str] | None = None,
                   treatment: str | None = None,
                   rule_for: Callable[[str], analysis.RelapseRule] | None = None) -> list[ReportFigure]:
    """The report's key charts, built by the same builders the pages use, with the same group-wide
    Member A/B labels as the pages (made from every member of the group, or ``labels`` when the
    group is a part of it: GroupData.within). ``relative``: time in weeks since each member's first
    log, and no calendar date on any chart or caption. ``treatment`` and ``rule_for`` (measure ->
    relapse rule): the ones chosen on the pages (default: the most widely used treatment, the rule
    the pages start from)."""
    cap = group_caption(group, today, relative)
    labels = labels or charts.member_labels(group.members)
    # The daily table and the daily totals once, for every chart (each would make its own).
    daily = analysis.daily_scores(group.observations)
    scores = analysis.score_series(daily)
    anchors = analysis.first_logs(daily) if relative else None
    axis = "first_log" if relative else "calendar"
    weekly, excluded = analysis.weekly_severity(daily), []
    if relative:
        shifted = analysis.relative_weeks(weekly, anchors)
        weekly, excluded = shifted.table, shifted.excluded
    measure = scores.measure
    course = analysis.group_course(scores, anchors=anchors)
    figures = [
        ReportFigure("group-course", charts.group_course_figure(course, meeting, time_axis=axis), cap,
                     sentences.group_course_sentence(course.table, measure, axis)),
        ReportFigure("heatmap", charts.heatmap_figure(weekly, meeting=meeting, labels=labels, time_axis=axis,
                                                      excluded=excluded),
                     cap, sentences.heatmap_sentence(weekly, time_axis=axis)),
    ]
    cohort = analysis.cohort(scores.table, by="first_log", onsets=group.onsets)
    figures.append(ReportFigure("members", charts.cohort_figure(cohort, measure, meeting, labels=labels),
                                cap, sentences.cohort_sentence(cohort, measure)))
    figures.append(ReportFigure("member-panels", charts.member_small_multiples_figure(
        scores.table, measure, meeting, labels=labels, anchors=anchors, time_axis=axis), cap,
        sentences.small_multiples_sentence(scores.table, measure)))
    common = treatment or _most_common_treatment(group)
    if common:
        result = analysis.before_after(scores, group.treatments, common)
        figures.append(ReportFigure("before-after", charts.before_after_figure(
            result, measure, meeting, labels=labels), cap,
            analysis.before_after_sentence(result, schema.treatment_label(common), measure)))
    rule = (rule_for or analysis.RelapseRule.for_measure)(measure)
    relapses = analysis.detect_relapses(scores, rule).table
    context = analysis.relapse_context(relapses, group.events)
    followed = analysis.events_followed(relapses, group.events, scores.table)
    figures.append(ReportFigure("relapses", charts.relapse_figure(
        context, len(group.members), rule, meeting=meeting, labels=labels, followed=followed,
        anchors=anchors, time_axis=axis), cap, sentences.relapse_sentence(context, len(group.members))))
    return figures


def _most_common_treatment(group: GroupData) -> str | None:
    if group.treatments.empty:
        return None
    counts = group.treatments.groupby("treatment")["member"].nunique().sort_values(ascending=False)
    return str(counts.index[0]) if len(counts) else None


def _summary_rows(group: GroupData, relative: bool = False) -> list[tuple[str, str]]:
    obs = group.observations
    rows = [("Members", str(len(group.members)))]
    if len(obs):
        first, last = obs["date"].min(), obs["date"].max()
        rows.append(("Span of the logs", theme.relative_span(first, last)) if relative
                    else ("Dates", f"{first:%d %b %Y} – {last:%d %b %Y}"))
        rows.append(("Symptom scores", f"{len(obs):,}"))
    rows.append(("Treatment courses", str(len(group.treatments))))
    rows.append(("Events noted (infections, tapers…)", str(len(group.events))))
    if group.reports:
        read = sum(r.rows_read for r in group.reports)
        rejected = sum(r.rows_rejected for r in group.reports)
        rows.append(("Log rows read / not used", f"{read:,} / {rejected:,}"))
    return rows


def highlight_entries(reference: Reference | None = None) -> list[Entry]:
    """The reference entries the report quotes; an id that no longer exists is an error, not a gap."""
    ref = reference or load_reference()
    missing = [entry_id for entry_id in HIGHLIGHTS if entry_id not in ref.entries]
    if missing:
        raise KeyError(f"The report quotes reference entries that do not exist: {', '.join(missing)}")
    return [ref.entries[entry_id] for entry_id in HIGHLIGHTS]


# {{entry:...}} cross-references become links to the dashboard's Reference page: dead in a file.
_REFERENCE_LINK = re.compile(r"\[([^\]]+)\]\(\./" + re.escape(PAGE_PATH) + r"[^)]*\)")


def _highlights_html() -> str:
    """The highlights, each with its section's review date, then one source list for the whole
    report, numbered in order of first use."""
    ref = load_reference()
    numbers: dict[str, int] = {}
    parts = []
    for entry in highlight_entries(ref):
        cited = sorted(numbers.setdefault(k, len(numbers) + 1) for k in entry.sources)
        marks = ", ".join(f"[{n}]" for n in cited)
        body = _REFERENCE_LINK.sub(r"*\1* in oms_dash's Reference", entry.body)
        reviewed = html.escape(reviewed_text(ref.section(entry.section)))
        parts.append(f"<section class='highlight'><h3>{html.escape(entry.title)}</h3>"
                     f"{markdown.markdown(body)}<p class='sources'>Sources: {marks}. {reviewed}</p>"
                     "</section>")
    items = "".join(
        f"<li>{html.escape(ref.sources[k].citation)}"
        + (f" {html.escape(ref.sources[k].link)}" if ref.sources[k].link else "")
        + "</li>" for k in numbers)
    return ("<div class='reference'>" + "\n".join(parts) + "<h3 class='source-list'>Sources</h3>"
            f"<ol class='sources'>{items}</ol></div>")


CSS = """
:root { --ink: #1B2631; --muted: #52606D; --accent: #0072B2; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; line-height: 1.45; }
body.meeting { font-size: 20px; max-width: 1280px; }
h1 { margin: 0 0 4px; } h2 { border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
.notice { background: #FFF4CE; border-left: 6px solid #E69F00; padding: 10px 14px; margin: 12px 0; }
.disclaimer { background: #EAF2F8; border-left: 6px solid var(--accent); padding: 10px 14px; }
table.summary { border-collapse: collapse; margin: 8px 0 16px; }
table.summary td { padding: 4px 14px 4px 0; border-bottom: 1px solid #D9E2EC; }
figure { margin: 18px 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { color: var(--muted); font-size: 0.9em; }
.sentence { font-size: 1.05em; margin: 0 0 6px; }
.highlight { break-inside: avoid; } .sources { color: var(--muted); font-size: 0.85em; }
ol.sources { padding-left: 1.6em; overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 0.85em; margin-top: 24px; }
/* size auto: the paper of the printer or of the print dialog, A4 or Letter; 12 mm fits both. */
@page { size: auto; margin: 12mm; }
@media print {
  body, body.meeting { max-width: none; padding: 0; font-size: 10pt; line-height: 1.35; }
  h1 { font-size: 18pt; } h2 { font-size: 13pt; margin: 10px 0 6px; break-after: avoid; }
  h3 { font-size: 11pt; margin: 8px 0 2px; break-after: avoid; }
  p { margin: 4px 0; } .notice, .disclaimer { padding: 6px 10px; margin: 6px 0; }
  table.summary { margin: 4px 0 8px; } table.summary td { padding: 2px 14px 2px 0; }
  figure { margin: 6px 0 10px; } .sentence { font-size: 9pt; line-height: 1.25; margin: 0 0 2px; }
  .highlight p, .highlight li { margin: 2px 0; }
  .reference { columns: 2; column-gap: 8mm; font-size: 8.5pt; }
  .reference ul { padding-left: 1.2em; }
}
"""


def _fit_title(fig: go.Figure, meeting: bool) -> None:
    """Re-wraps a chart's title block for the printed chart's width, in a print-sized type, and
    gives the top margin room for every line (plotly neither wraps nor measures titles)."""
    title, subtitle = charts.title_parts(fig)
    title_size, subtitle_size = PRINT_TITLE_SIZES[meeting]
    room = PRINT_CHART_SIZE[0] - 30  # the title starts 1.2 % in; keep clear of the right edge
    title_lines = textwrap.wrap(title, int(room / (0.56 * title_size))) or [""]
    sub_lines = textwrap.wrap(subtitle, int(room / (0.56 * subtitle_size)))
    text = "<br>".join(title_lines)
    if sub_lines:
        text += f"<br><span style='font-size:{subtitle_size}px'>" + "<br>".join(sub_lines) + "</span>"
    panel_titles = any(a.yanchor == "bottom" and (a.y or 0) >= 0.99 for a in fig.layout.annotations)
    top = title_size * 2.4 + title_size * 1.3 * len(title_lines) + subtitle_size * 1.4 * len(sub_lines)
    top += theme.sizes(meeting)["legend"] * 2 if panel_titles else 0
    fig.update_layout(title=dict(text=text, font_size=title_size, pad_t=title_size), margin_t=int(top))


def _print_sized(fig: go.Figure, meeting: bool) -> go.Figure:
    """A copy drawn at the fixed size of a printed chart, its title fitted to that width (the
    page's own figure keeps its size)."""
    width, height = PRINT_CHART_SIZE
    height = MEETING_PRINT_HEIGHT if meeting else height
    printed = go.Figure(fig).update_layout(width=width, height=height, autosize=False)
    _fit_title(printed, meeting)
    # Rows labelled one by one on the page (every member) overprint each other on a printed chart
    # of fixed height: there plotly may leave some labels out instead.
    room = (height - printed.layout.margin.t - 60) / PRINT_ROW_HEIGHT
    for name in (k for k in printed.layout if k.startswith("yaxis")):
        axis = printed.layout[name]
        if axis.tickmode == "array" and axis.tickvals is not None and len(axis.tickvals) > room:
            axis.update(tickmode="auto", tickvals=None, ticktext=None)
    return printed


def _summary_html(group: GroupData, relative: bool = False) -> str:
    return "".join(f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>"
                   for k, v in _summary_rows(group, relative))


def _since_html(since: since_meeting.SinceMeeting | None, labels: dict[str, str] | None, meeting: bool,
                relative: bool) -> str:
    """The "Since the last meeting" section (a group file with an earlier meeting), as on Overview."""
    if since is None:
        return ""
    items = "".join(f"<li>{html.escape(line)}</li>"
                    for line in since_meeting.lines(since, labels or {}, meeting_mode=meeting))
    return (f"<h2>{html.escape(since_meeting.heading(since, relative))}</h2>"
            f"<ul class='since'>{items}</ul>")


def build_report_html(group: GroupData, meeting: bool = False, today: dt.date | None = None,
                      relative: bool = False, figures: list[ReportFigure] | None = None,
                      shown: str | None = None, since: since_meeting.SinceMeeting | None = None,
                      labels: dict[str, str] | None = None) -> str:
    """The whole report as one HTML string: no external resource of any kind. ``relative``: time
    shown as weeks since each member's first log; no calendar date of the logs appears. ``shown``:
    the one line saying which part of the group the report is made from (default: all of it).
    ``since``: what changed since the last meeting (``since_meeting``), its members named by
    ``labels`` (the group's Member A/B…; default: made from the group's members)."""
    today = today or dt.date.today()
    if since is not None and labels is None:
        labels = charts.member_labels(group.members)
    if figures is None:  # a caller that shows them too (the page) passes the ones it made
        figures = report_figures(group, meeting, today, relative)
    blocks = []
    for i, item in enumerate(figures):
        fig_html = _print_sized(item.figure, meeting).to_html(
            full_html=False, include_plotlyjs=(i == 0), config=PLOT_CONFIG, div_id=f"chart-{item.name}")
        said = f"<p class='sentence'>{html.escape(item.sentence)}</p>" if item.sentence else ""
        blocks.append(f"<figure class='chart-block'>{said}<div class='chart'>{fig_html}</div>"
                      f"<figcaption>{html.escape(item.caption)}</figcaption></figure>")
    demo = ("<p class='notice'><b>Demo data: not real people.</b> This report was made from the "
            "invented demo group that ships with oms_dash.</p>" if group.is_demo else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OMS support group report · {today:%d %b %Y}</title>
<style>{CSS}</style></head>
<body class="{'meeting' if meeting else ''}">
<header><h1>OMS support group: how the group is doing</h1>
<p>Generated on {today:%d %B %Y} with oms_dash. Members are shown as Member A, B, …; no names,
codes or notes appear in this report.</p>{demo}
<p class="disclaimer"><b>{html.escape(DISCLAIMER)}</b> These charts describe what families logged.
They show associations, not proof: they cannot say that a treatment caused a change.</p></header>
<p class="shown"><b>Shown:</b> {html.escape(shown or "the whole group")}</p>
<h2>The group in numbers</h2><table class="summary">{_summary_html(group, relative)}</table>
{_since_html(since, labels, meeting, relative)}
<h2>Key charts</h2>
{''.join(blocks)}
<h2>From the reference</h2>
{_highlights_html()}
<footer>oms_dash · {html.escape(group_caption(group, today, relative))}</footer>
</body></html>
"""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def with_paper(report_html: str, paper: str) -> str:
    """The report pinned to one paper size (for a PDF); the HTML file itself follows the printer."""
    if paper not in PAPER_SIZES:
        raise ValueError(f"Paper size '{paper}' is not known: use one of {', '.join(PAPER_SIZES)}.")
    rule = f"<style>@page {{ size: {PAPER_SIZES[paper]} portrait; }}</style>"
    return report_html.replace("</head>", rule + "</head>", 1)


def html_to_pdf(html_path: Path, pdf_path: Path, paper: str = DEFAULT_PAPER, timeout: int = 120) -> None:
    """Prints the report to PDF on A4 (default) or Letter paper with the machine's Chromium."""
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("No Chromium or Chrome was found on this computer, so no PDF was made. "
                           "Open the HTML report in your browser and use Print ▸ Save as PDF.")
    # Chromium's helpers may still be closing files when the profile folder is removed.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        paged = Path(profile) / "report.html"
        paged.write_text(with_paper(html_path.read_text(encoding="utf-8"), paper), encoding="utf-8")
        subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", "--virtual-time-budget=15000",
                        f"--print-to-pdf={Path(pdf_path).resolve()}", paged.as_uri()],
                       check=True, capture_output=True, timeout=timeout)


_KALEIDO: dict[str, bool] = {}


def _start_kaleido(kaleido) -> None:
    """One kaleido browser for the process, without MathJax (which it would fetch from the web)."""
    if not _KALEIDO.get("started"):
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        atexit.register(kaleido.stop_sync_server, silence_warnings=True)
        _KALEIDO["started"] = True


def figure_png(fig: go.Figure, width: int = SLIDE_SIZE[0], height: int = SLIDE_SIZE[1],
               scale: float = 2) -> bytes | None:
    """PNG bytes at presentation resolution, or None when no browser is available for kaleido."""
    if find_chromium() is None:
        return None
    import kaleido

    os.environ.setdefault("BROWSER_PATH", find_chromium() or "")
    try:
        _start_kaleido(kaleido)
        png = kaleido.calc_fig_sync(fig, opts={"format": "png", "width": width, "height": height,
                                               "scale": scale})
    except Exception:  # kaleido's browser start-up fails in many ways; the page offers the toolbar
        return None
    return png if png and png.startswith(PNG_SIGNATURE) else None


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def slide_figure(fig: go.Figure, caption: str | None = None) -> go.Figure:
    """A copy of a page's chart restyled for a slide: the meeting template (text ≥ 16 px at
    1280×720), the title re-wrapped for that size, and the caption written inside the image."""
    slide = charts.restyle(fig, meeting=True)
    if caption:
        charts.add_caption(slide, caption, meeting=True)
    return slide.update_layout(width=SLIDE_SIZE[0], height=SLIDE_SIZE[1], autosize=False)


def slide_png(fig: go.Figure, caption: str | None = None) -> bytes | None:
    """ "Download as PNG": the chart as a 2560×1440 slide image, or None when it could not be made."""
    return figure_png(slide_figure(fig, caption), *SLIDE_SIZE, scale=2)


def build_report_cli(args, options) -> int:
    """`oms-dash report`: read FILEs with ``options`` (check's reading options), saying what `check`
    would say of each file, or the group file of ``--group``, or else the demo group; write the HTML
    (and PDF). A group file's report says what changed since its last meeting, and today is marked
    as a meeting in it once the report is written (unless ``--no-mark``)."""
    from oms_dash.cli import read_group_or_files

    passphrase = None
    if args.files or args.group:
        group, passphrase, code = read_group_or_files(args, options, "no report was made")
        if group is None:
            return code
    else:
        from oms_dash.demo import demo_group

        group = demo_group()
        print("No files given: the report uses the demo group (invented people) and says so.")
    today = dt.date.today()
    since = since_meeting.since_last_meeting(group, today)
    out = Path(args.output)
    out.write_text(build_report_html(group, meeting=args.meeting, today=today, relative=args.relative,
                                     since=since), encoding="utf-8")
    print(f"Wrote {out} ({out.stat().st_size // 1024} KB, opens offline in any browser).")
    if args.group and not args.no_mark:
        from oms_dash import group_file

        try:
            group_file.mark_meeting(args.group, passphrase, today)
        except group_file.GroupFileError as exc:
            print(f"The report was written, but today was not marked as a meeting: {exc}", file=sys.stderr)
            return 1
        print(f"Marked today ({today:%d %b %Y}) as a meeting in {Path(args.group).name}: the next report "
              "says what changed since today. (--no-mark leaves it unmarked.)")
    if args.pdf:
        try:
            html_to_pdf(out, Path(args.pdf), paper=args.paper)
        except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
            print(f"No PDF: {exc}", file=sys.stderr)
            return 2
        print(f"Wrote {args.pdf}.")
    return 0


__all__ = ["ReportFigure", "build_report_html", "figure_png", "highlight_entries", "html_to_pdf",
           "report_figures", "slide_figure", "slide_png", "with_paper"]

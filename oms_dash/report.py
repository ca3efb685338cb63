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
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import markdown
import plotly.graph_objects as go

from oms_dash import analysis, charts, theme
from oms_dash.model import GroupData
from oms_dash.reference import DISCLAIMER, load_reference

HIGHLIGHTS = ("what-is-oms", "relapses", "relapse-triggers", "immunotherapy")
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


@dataclass
class ReportFigure:
    name: str
    figure: go.Figure
    caption: str


def group_caption(group: GroupData, today: dt.date | None = None) -> str:
    obs = group.observations
    lo = obs["date"].min() if len(obs) else None
    hi = obs["date"].max() if len(obs) else None
    return theme.caption(len(group.members), lo, hi, today=today)


def report_figures(group: GroupData, meeting: bool = False,
                   today: dt.date | None = None) -> list[ReportFigure]:
    """The report's key charts, built by the same builders the pages use."""
    obs = group.observations
    cap = group_caption(group, today)
    figures = [
        ReportFigure("group-course", charts.group_course_figure(analysis.group_course(obs), meeting),
                     cap),
        ReportFigure("heatmap", charts.heatmap_figure(analysis.weekly_severity(obs), meeting=meeting), cap),
    ]
    scores = analysis.score_series(obs)
    measure = scores.attrs.get("measure", "auto") if hasattr(scores, "attrs") else "auto"
    cohort = analysis.cohort(scores, by="first_log", onsets=group.onsets)
    figures.append(ReportFigure("members", charts.cohort_figure(cohort, measure, meeting), cap))
    figures.append(ReportFigure("member-panels",
                                charts.member_small_multiples_figure(scores, measure, meeting), cap))
    common = _most_common_treatment(group)
    if common:
        result = analysis.before_after(scores, group.treatments, common)
        figures.append(ReportFigure("before-after",
                                    charts.before_after_figure(result, measure, meeting), cap))
    rule = analysis.RelapseRule()
    relapses = analysis.detect_relapses(scores, rule)
    context = analysis.relapse_context(relapses, group.events)
    figures.append(ReportFigure("relapses", charts.relapse_figure(context, len(group.members), rule,
                                                                  meeting=meeting), cap))
    return figures


def _most_common_treatment(group: GroupData) -> str | None:
    if group.treatments.empty:
        return None
    counts = group.treatments.groupby("treatment")["member"].nunique().sort_values(ascending=False)
    return str(counts.index[0]) if len(counts) else None


def _summary_rows(group: GroupData) -> list[tuple[str, str]]:
    obs = group.observations
    rows = [("Members", str(len(group.members)))]
    if len(obs):
        rows.append(("Dates", f"{obs['date'].min():%d %b %Y} – {obs['date'].max():%d %b %Y}"))
        rows.append(("Symptom scores", f"{len(obs):,}"))
    rows.append(("Treatment courses", str(len(group.treatments))))
    rows.append(("Events noted (infections, tapers…)", str(len(group.events))))
    if group.reports:
        read = sum(r.rows_read for r in group.reports)
        rejected = sum(r.rows_rejected for r in group.reports)
        rows.append(("Log rows read / not used", f"{read:,} / {rejected:,}"))
    return rows


def _highlights_html() -> str:
    ref = load_reference()
    parts = []
    for entry_id in HIGHLIGHTS:
        entry = ref.entries.get(entry_id)
        if entry is None:
            continue
        section = ref.section(entry.section)
        cites = ", ".join(
            f"[{section.number(k)}] {html.escape(ref.sources[k].citation)}"
            + (f" (<a href='{html.escape(ref.sources[k].link or '')}'>"
               f"{html.escape(ref.sources[k].link_text or '')}</a>)" if ref.sources[k].link else "")
            for k in entry.sources)
        parts.append(f"<section class='highlight'><h3>{html.escape(entry.title)}</h3>"
                     f"{markdown.markdown(entry.body)}<p class='sources'>Sources: {cites}</p></section>")
    return "\n".join(parts)


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
.highlight { break-inside: avoid; } .sources { color: var(--muted); font-size: 0.85em; }
footer { color: var(--muted); font-size: 0.85em; margin-top: 24px; }
@page { margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .chart { width: 100% !important; }
  h2 { break-after: avoid; }
}
"""


def build_report_html(group: GroupData, meeting: bool = False, today: dt.date | None = None) -> str:
    """The whole report as one HTML string: no external resource of any kind."""
    today = today or dt.date.today()
    figures = report_figures(group, meeting, today)
    blocks = []
    for i, item in enumerate(figures):
        fig_html = item.figure.to_html(full_html=False, include_plotlyjs=(i == 0), config=PLOT_CONFIG,
                                       div_id=f"chart-{item.name}", default_width="100%")
        blocks.append(f"<figure><div class='chart'>{fig_html}</div>"
                      f"<figcaption>{html.escape(item.caption)}</figcaption></figure>")
    summary = "".join(f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>"
                      for k, v in _summary_rows(group))
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
<h2>The group in numbers</h2><table class="summary">{summary}</table>
<h2>Key charts</h2>
{''.join(blocks)}
<h2>From the reference</h2>
{_highlights_html()}
<footer>oms_dash · {html.escape(group_caption(group, today))}</footer>
</body></html>
"""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: int = 120) -> None:
    """Prints the report with the machine's Chromium (A4/Letter by the printer's page setting)."""
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("No Chromium or Chrome was found on this computer, so no PDF was made. "
                           "Open the HTML report in your browser and use Print ▸ Save as PDF.")
    # Chromium's helpers may still be closing files when the profile folder is removed.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", "--virtual-time-budget=15000",
                        f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
                       check=True, capture_output=True, timeout=timeout)


_KALEIDO: dict[str, bool] = {}


def _start_kaleido(kaleido) -> None:
    """One kaleido browser for the process, without MathJax (which it would fetch from the web)."""
    if not _KALEIDO.get("started"):
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        atexit.register(kaleido.stop_sync_server, silence_warnings=True)
        _KALEIDO["started"] = True


def figure_png(fig: go.Figure, width: int = 1280, height: int = 720, scale: float = 2) -> bytes | None:
    """PNG bytes at presentation resolution, or None when no browser is available for kaleido."""
    if find_chromium() is None:
        return None
    import kaleido

    os.environ.setdefault("BROWSER_PATH", find_chromium() or "")
    try:
        _start_kaleido(kaleido)
        return kaleido.calc_fig_sync(fig, opts={"format": "png", "width": width, "height": height,
                                                "scale": scale})
    except Exception:  # kaleido's browser start-up fails in many ways; the page offers the toolbar
        return None


def build_report_cli(args) -> int:
    """`oms-dash report`: read FILEs (or the demo group), write the HTML (and PDF)."""
    from oms_dash.ingest import ReadOptions, read_paths
    from oms_dash.problems import render_report_text

    if args.files:
        missing = [f for f in args.files if not Path(f).is_file()]
        if missing:
            print("These files could not be found: " + ", ".join(missing), file=sys.stderr)
            return 2
        group = read_paths(args.files, ReadOptions(member=args.member))
        for report in group.reports:
            if not report.usable:
                print(render_report_text(report), file=sys.stderr)
        if not group.usable:
            print("Nothing usable was found in these files; no report was made.", file=sys.stderr)
            return 2
    else:
        from oms_dash.demo import demo_group

        group = demo_group()
        print("No files given: the report uses the demo group (invented people) and says so.")
    out = Path(args.output)
    out.write_text(build_report_html(group, meeting=args.meeting), encoding="utf-8")
    print(f"Wrote {out} ({out.stat().st_size // 1024} KB, opens offline in any browser).")
    if args.pdf:
        try:
            html_to_pdf(out, Path(args.pdf))
        except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
            print(f"No PDF: {exc}", file=sys.stderr)
            return 2
        print(f"Wrote {args.pdf}.")
    return 0


__all__ = ["ReportFigure", "build_report_html", "figure_png", "html_to_pdf", "report_figures"]

"""The meeting report: the promised charts, nothing loaded from the network, nothing identifying."""

from __future__ import annotations

import datetime as dt
import os
import re
import struct

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from oms_dash import analysis, charts, report
from oms_dash.cli import main
from oms_dash.ingest import read_files
from oms_dash.reference import load_reference
from oms_dash.report import build_report_html, figure_png, find_chromium, report_figures

TODAY = dt.date(2026, 11, 25)
# A coordinator's file that arrived with identifying columns and a note.
IDENTIFYING = (
    "member,date,Child's name,Parent email,symptom,severity,treatment,notes\n"
    + "".join(
        f"{m},2026-{mo:02d}-{d:02d},{name},{email},{sym},{(d + i) % 4},{'IVIG' if d == 10 else ''},"
        f"{'called Dr Smith at 07700 900123' if d == 3 else ''}\n"
        for i, (m, name, email) in enumerate([("ZQ01", "Olivia Hart", "olivia.hart@example.com"),
                                               ("ZQ02", "Noah Price", "noah.p@example.org"),
                                               ("ZQ03", "Amelia Stone", "amelia@example.net"),
                                               ("ZQ04", "Jack Reed", "jack.reed@example.com")])
        for mo in (5, 6, 7, 8) for d in (3, 10, 17, 24) for sym in ("jerks", "sleep", "walking")))


@pytest.fixture(scope="module")
def uploaded_report():
    group = read_files([("families.csv", IDENTIFYING.encode())])
    return group, build_report_html(group, today=TODAY)


def _loaded_resources(html: str) -> list[str]:
    """Everything a browser would fetch by itself: script/img/iframe src, stylesheets, CSS urls."""
    found = re.findall(r"<(?:script|img|iframe|source|video|audio|embed)[^>]+src\s*=\s*['\"]([^'\"]+)",
                       html, re.I)
    found += re.findall(r"<link[^>]+href\s*=\s*['\"]([^'\"]+)", html, re.I)
    found += re.findall(r"@import\s+(?:url\()?['\"]?([^'\")\s;]+)", html, re.I)
    found += re.findall(r"url\(\s*['\"]?(https?:[^'\")]+)", html, re.I)
    found += re.findall(r"@font-face", html, re.I)
    return found


def _web_links(html: str) -> list[str]:
    """Any src or href attribute in the page pointing at the web: a report to print or share needs
    none (plotly.js's own source, inline, holds strings that look like links and are never loaded)."""
    page = re.sub(r"<script\b.*?</script>", "", html, flags=re.S | re.I)
    return re.findall(r"(?:src|href)\s*=\s*['\"]?((?:https?:)?//[^'\"\s>]+)", page, re.I)


def test_report_holds_the_key_charts(uploaded_report):
    group, html = uploaded_report
    for name in ("group-course", "heatmap", "members", "member-panels", "before-after", "relapses"):
        assert f'id="chart-{name}"' in html
    assert html.count("Plotly.newPlot") >= 6
    assert "From the reference" in html and "doi.org" in html  # highlights carry their citations
    assert "not medical advice" in html.lower()


def test_report_loads_nothing_from_the_network(uploaded_report):
    _, html = uploaded_report
    assert _loaded_resources(html) == []
    assert _web_links(html) == []


def test_report_has_summary_and_disclaimers_but_no_demo_note_for_real_files(uploaded_report):
    group, html = uploaded_report
    assert "The group in numbers" in html and f"<b>{len(group.members)}</b>" in html
    assert "Information, not medical advice" in html and "associations, not proof" in html
    assert "Demo data" not in html


def test_highlights_are_real_entries_including_treatment():
    entries = report.highlight_entries()
    assert [e.id for e in entries] == list(report.HIGHLIGHTS)  # none silently skipped
    assert any(e.section == "treatment" for e in entries)
    assert "relapses" in {e.section for e in entries} or any("relapse" in e.id for e in entries)


def test_each_highlight_prints_its_last_reviewed_date(uploaded_report):
    # A printed excerpt travels without the dashboard: it must say how fresh it is.
    _, html = uploaded_report
    ref = load_reference()
    blocks = re.findall(r"<section class='highlight'><h3>(.*?)</h3>(.*?)</section>", html, re.S)
    assert len(blocks) == len(report.HIGHLIGHTS)
    for entry, (title, block) in zip(report.highlight_entries(ref), blocks, strict=True):
        d = ref.section(entry.section).last_reviewed
        assert title == entry.title.replace("'", "&#x27;")
        assert f"Last reviewed {d.day} {d:%B %Y}." in block, entry.id


def test_a_missing_highlight_is_an_error_not_a_gap(monkeypatch):
    monkeypatch.setattr(report, "HIGHLIGHTS", (*report.HIGHLIGHTS, "no-such-entry"))
    with pytest.raises(KeyError, match="no-such-entry"):
        report.highlight_entries()


def test_report_numbers_its_sources_once(uploaded_report):
    _, html = uploaded_report
    ref = load_reference()
    cited = list(dict.fromkeys(k for e in report.highlight_entries(ref) for k in e.sources))
    source_list = re.search(r"<ol class='sources'>(.*?)</ol>", html, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", source_list, re.S)
    assert len(items) == len(cited) and html.count("<ol class='sources'>") == 1
    for number, key in enumerate(cited, start=1):
        assert items[number - 1].startswith(ref.sources[key].citation[:30].replace("&", "&amp;"))
    marks = {int(n) for n in re.findall(r"\[(\d+)\]", " ".join(re.findall(r"Sources: ([^<]*)</p>", html)))}
    assert marks == set(range(1, len(cited) + 1))  # every mark points into the one list


def test_report_has_no_dead_links_to_the_dashboard(uploaded_report):
    _, html = uploaded_report
    assert "?entry=" not in html and "href='./" not in html and 'href="./' not in html


def test_report_charts_are_sized_for_a_printed_page(uploaded_report):
    _, html = uploaded_report
    width, height = report.PRINT_CHART_SIZE
    assert width <= 700 and 2 * (height + 60) <= 960  # A4/Letter width at 12 mm margins; 2 a page
    assert html.count(f'"width":{width}') >= 6 and html.count(f'"height":{height}') >= 6
    assert html.count('"autosize":false') >= 6 and '"responsive": true' not in html
    assert html.count("class='chart-block'") >= 6
    assert re.search(r"figure\s*\{[^}]*break-inside:\s*avoid", html)
    assert not re.search(r"break-(?:before|after)\s*:\s*(?:page|always)", html)  # no forced page break
    assert re.search(r"@page\s*\{\s*size:\s*auto;\s*margin:\s*12mm", html)  # A4 or Letter, as printed


def test_report_contains_no_identifying_value(uploaded_report):
    group, html = uploaded_report
    removed = {f["column"] for r in group.reports for f in r.pii_columns}
    assert {"Child's name", "Parent email"} <= removed
    for secret in ("Olivia", "Hart", "olivia.hart@example.com", "noah.p@example.org", "Amelia",
                   "07700 900123", "Dr Smith", "ZQ01", "ZQ02", "ZQ03", "ZQ04"):
        assert secret not in html, secret
    assert "Member A" in html


def test_demo_report_says_it_is_demo_data(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "-o", str(out)]) == 0
    html = out.read_text()
    assert "Demo data: not real people" in html
    assert "demo group" in capsys.readouterr().out


def test_report_command_explains_a_missing_file(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "r.html")]) == 2
    assert "could not be found" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_meeting_report_uses_large_type():
    group = read_files([("families.csv", IDENTIFYING.encode())])
    for item in report_figures(group, meeting=True, today=TODAY):
        assert item.figure.layout.template.layout.font.size >= 16, item.name


def _need_chromium():
    if find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI")
        pytest.skip("no Chromium here")


@pytest.mark.slow
def test_png_export_has_presentation_size():
    _need_chromium()
    png = figure_png(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), width=1280, height=720, scale=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (2560, 1440)


def _font_sizes(node, inside_font: bool = False) -> list[float]:
    """Every font size in a figure: font/tickfont/textfont sizes and inline 'font-size:Npx'."""
    found: list[float] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "size" and inside_font and isinstance(value, int | float):
                found.append(value)
            else:
                found += _font_sizes(value, key.endswith("font"))
    elif isinstance(node, list | tuple):
        for value in node:
            found += _font_sizes(value, inside_font)
    elif isinstance(node, str):
        found += [float(n) for n in re.findall(r"font-size:\s*(\d+)px", node)]
    return found


def test_slide_png_is_meeting_sized_with_its_caption_inside(monkeypatch):
    _need_chromium()
    import kaleido

    given = []
    real = kaleido.calc_fig_sync
    monkeypatch.setattr(kaleido, "calc_fig_sync", lambda fig, **kw: given.append(fig) or real(fig, **kw))
    group = read_files([("families.csv", IDENTIFYING.encode())])
    screen = charts.group_course_figure(analysis.group_course(group.observations), meeting=False)
    cap = report.group_caption(group, TODAY)
    png = report.slide_png(screen, cap)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (2560, 1440)
    drawn = given[0].to_dict() if hasattr(given[0], "to_dict") else given[0]
    sizes = _font_sizes(drawn)
    assert sizes and min(sizes) >= 16, sorted(sizes)[:5]
    captions = [a for a in drawn["layout"]["annotations"] if a.get("name") == "caption"]
    assert len(captions) == 1
    assert captions[0]["text"].replace("<br>", " ") == cap  # n, span, generated on, not medical advice
    assert (drawn["layout"]["width"], drawn["layout"]["height"]) == (1280, 720)


def test_a_failed_png_export_gives_nothing_rather_than_an_empty_file(monkeypatch):
    import kaleido

    monkeypatch.setattr(report, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(report, "_start_kaleido", lambda _k: None)
    monkeypatch.setattr(kaleido, "calc_fig_sync", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    assert report.slide_png(go.Figure(go.Bar(x=["a"], y=[1])), "1 member") is None
    monkeypatch.setattr(kaleido, "calc_fig_sync", lambda *a, **k: b"")
    assert report.slide_png(go.Figure(go.Bar(x=["a"], y=[1])), "1 member") is None


@pytest.mark.slow
def test_pdf_report(tmp_path):
    _need_chromium()
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    assert main(["report", "-o", str(out), "--pdf", str(pdf), "--meeting", "--paper", "letter"]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert set(_pdf_pages(pdf.read_bytes())) == {(612, 792)}


def test_report_command_says_which_columns_it_removed(tmp_path, capsys):
    source = tmp_path / "families.csv"
    source.write_text(IDENTIFYING)
    assert main(["report", str(source), "-o", str(tmp_path / "r.html")]) == 0
    said = capsys.readouterr().err
    assert "Column 'Child's name' was removed" in said
    assert "Column 'Parent email' was removed" in said
    assert "Column 'notes' was removed" in said  # free text with phone numbers in it
    assert "Olivia" not in said and "07700" not in said


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of each page of a PDF Chromium wrote."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


@pytest.mark.slow
@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_printed_report_is_at_most_four_pages_on_the_chosen_paper(tmp_path, uploaded_report, paper, size):
    _need_chromium()
    _, html = uploaded_report
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    out.write_text(html, encoding="utf-8")
    report.html_to_pdf(out, pdf, paper=paper)
    pages = _pdf_pages(pdf.read_bytes())
    assert 1 <= len(pages) <= 4, len(pages)
    assert all((round(w), round(h)) == size for w, h in pages)


def test_an_unknown_paper_size_is_explained():
    with pytest.raises(ValueError, match="a4, letter"):
        report.with_paper("<html><head></head></html>", "a3")


def test_restyle_redraws_a_screen_chart_in_meeting_type_with_the_same_words():
    group = read_files([("families.csv", IDENTIFYING.encode())])
    screen = charts.group_course_figure(analysis.group_course(group.observations), meeting=False,
                                        caption="4 members · not medical advice")
    slide = charts.restyle(screen, meeting=True)
    assert charts.title_parts(slide) == charts.title_parts(screen)
    title, subtitle = charts.title_parts(screen)
    assert title.startswith("The group's course") and "n = " in subtitle
    assert slide.layout.template.layout.font.size >= 16
    assert f"font-size:{charts.theme.sizes(True)['subtitle']}px" in slide.layout.title.text
    assert not [a for a in slide.layout.annotations if a.name == "caption"]  # the caller adds its own
    assert screen.layout.template.layout.font.size < 16  # the page's own figure is untouched
    back = charts.restyle(slide, meeting=False)
    assert back.layout.template.layout.font.size == screen.layout.template.layout.font.size


def test_report_uses_the_group_wide_member_labels_of_the_pages():
    """A member known only from an event file ('AA00', first in order) is Member A on every page, so
    the first member with scores is Member B in the report too, not Member A."""
    from oms_dash.model import GroupData
    from oms_dash.schema import EVENT_COLUMNS

    logs = read_files([("families.csv", IDENTIFYING.encode())])
    extra = {"member": "AA00", "date": logs.observations["date"].min(), "kind": "infection", "detail": "",
             "source_file": "e.csv", "source_row": 2}
    events = pd.concat([logs.events, pd.DataFrame([extra])], ignore_index=True)[list(EVENT_COLUMNS)]
    group = GroupData(observations=logs.observations, treatments=logs.treatments, events=events)
    page_labels = charts.member_labels(group.members)
    assert page_labels["AA00"] == "Member A"
    heatmap = next(f.figure for f in report_figures(group, today=TODAY) if f.name == "heatmap")
    assert set(heatmap.data[0].y) == {page_labels[m] for m in ("ZQ01", "ZQ02", "ZQ03", "ZQ04")}
    assert "Member A" not in set(heatmap.data[0].y)


def test_report_in_relative_time_shows_no_calendar_date_of_the_logs():
    group = read_files([("families.csv", IDENTIFYING.encode())])  # logs from May to August 2026
    calendar = build_report_html(group, today=TODAY)
    assert "May 2026" in calendar
    relative = build_report_html(group, today=TODAY, relative=True)
    for month, number in (("May", 5), ("Jun", 6), ("Jul", 7), ("Aug", 8)):
        assert f"{month} 2026" not in relative and f"2026-0{number}" not in relative, month
    figures = {f.name: f.figure for f in report_figures(group, today=TODAY, relative=True)}
    assert figures["group-course"].layout.xaxis.title.text == "Weeks since first log"
    assert np.asarray(figures["heatmap"].data[0].x).dtype.kind in "iuf"  # weeks, not dates


def test_report_command_passes_relative_time_through(tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", "--relative", "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Span of the logs" in html and "Weeks since first log" in html
    assert "Symptom scores" in html  # a count, not a date: kept in both modes

"""The meeting report: the promised charts, nothing loaded from the network, nothing identifying."""

from __future__ import annotations

import datetime as dt
import os
import re
import struct

import plotly.graph_objects as go
import pytest

from oms_dash.cli import main
from oms_dash.ingest import read_files
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
    return found


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


def test_png_export_has_presentation_size():
    _need_chromium()
    png = figure_png(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), width=1280, height=720, scale=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (2560, 1440)


def test_pdf_report(tmp_path):
    _need_chromium()
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    assert main(["report", "-o", str(out), "--pdf", str(pdf), "--meeting"]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"

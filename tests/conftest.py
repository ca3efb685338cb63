"""Shared test helpers: small files written by the tests themselves."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: 1,000 examples in CI (issue 3), fewer on a laptop; never a deadline (2 slow cores).
settings.register_profile("ci", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# A fixed "today" so that future-date checks do not depend on when the tests run.
TODAY = dt.date(2026, 11, 1)


def read(name: str, data: str | bytes, encoding: str = "utf-8", **options):
    """read_file on bytes (text is encoded), with today fixed; returns the FileResult."""
    from oms_dash.ingest import ReadOptions, read_file

    options.setdefault("today", TODAY)
    raw = data if isinstance(data, bytes) else data.encode(encoding)
    return read_file(name, raw, ReadOptions(**options))


def accounted(report) -> bool:
    """The issue's invariant, spelled out (not the report's own property)."""
    return report.rows_read == report.rows_accepted + report.rows_rejected + report.rows_skipped


def problems_at(report, severity: str | None = None) -> list[tuple]:
    """(row, column, code) of each problem, optionally of one severity."""
    return [(p.row, p.column, p.code) for p in report.problems
            if severity is None or p.severity == severity]


def message_for(report, row: int | None, code: str | None = None) -> str:
    """The message of the (first) problem on a row, optionally of one code."""
    for p in report.problems:
        if p.row == row and (code is None or p.code == code):
            return p.message
    raise AssertionError(f"no problem at row {row} ({code}): {[p.as_dict() for p in report.problems]}")


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, text_or_bytes, encoding='utf-8') -> Path in a fresh folder."""

    def write(name: str, content, encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


def map_columns(at, fk: str, **roles: str) -> None:
    """Fill in the Upload page's column-mapping form of one file (role=column heading), submit it."""
    for role, column in roles.items():
        at.selectbox(key=f"map_{fk}_{role}").set_value(column)
    at.button(key=f"FormSubmitter:mapping_{fk}-Read this file again with these columns").click().run()


DASHBOARD = str(Path(__file__).resolve().parents[1] / "dashboard.py")
UPLOAD = "oms_dash/ui/page_scripts/upload.py"


def upload_page():
    """The dashboard (AppTest) opened on its Upload logs page."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.switch_page(UPLOAD).run()
    return at


def upload(*files: tuple[str, bytes], at=None, mime: str = "text/csv"):
    """Drops (name, data) files on the uploader of `at` (a fresh Upload page if none), as a user does."""
    at = at or upload_page()
    at.file_uploader[0].set_value([(name, data, mime) for name, data in files]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_tables(at):
    """Opens every "numbers behind this chart" table on the page and reruns: the tables are sent to
    the browser only once opened."""
    from oms_dash.ui.widgets import TABLE_KEY_PREFIX

    for key in [k for k in at.session_state if str(k).startswith(TABLE_KEY_PREFIX)]:
        at.session_state[key] = True
    return at.run()


def shown(text: str) -> str:
    """Markdown as the user reads it (escapes undone)."""
    return re.sub(r"\\(.)", r"\1", text)

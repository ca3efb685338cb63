"""The bundled synthetic demo group (see generate.py for how it is made). Not real people."""

from __future__ import annotations

import functools
from pathlib import Path

DEMO_DIR = Path(__file__).parent
DEMO_FILES = ("diary.csv", "mitchell_pike.csv", "treatments.csv", "members.csv")


def demo_paths() -> list[Path]:
    return [DEMO_DIR / name for name in DEMO_FILES]


@functools.cache
def demo_group():
    """The demo group read through the same ingest as any upload, flagged as demo. Read once per
    process and shared (never changed in place): every session that shows it, and the server's
    warm-up (oms_dash.serve), use the same one."""
    from oms_dash.ingest import read_paths

    group = read_paths(demo_paths())
    group.is_demo = True
    return group

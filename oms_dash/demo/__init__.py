"""The bundled synthetic demo group (see generate.py for how it is made). Not real people."""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).parent
DEMO_FILES = ("diary.csv", "mitchell_pike.csv", "treatments.csv", "members.csv")


def demo_paths() -> list[Path]:
    return [DEMO_DIR / name for name in DEMO_FILES]


def demo_group():
    """The demo group read through the same ingest as any upload, flagged as demo."""
    from oms_dash.ingest import read_paths

    group = read_paths(demo_paths())
    group.is_demo = True
    return group

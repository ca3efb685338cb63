"""Blank log templates families can fill in (downloadable from the Upload page)."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent
TEMPLATES = {
    "diary_long.csv": "Diary, one symptom per row",
    "diary_wide.csv": "Diary, one column per symptom",
    "treatment_courses.csv": "Treatment courses",
}


def template_bytes(name: str) -> bytes:
    return (TEMPLATES_DIR / name).read_bytes()

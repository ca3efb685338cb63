"""`oms-dash summary --json`: the numbers behind the pages, from the same functions, as a program
reads them: the same numbers the pages show, the same small-group suppression, dates as ISO days."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from oms_dash.cli import main
from oms_dash.demo import demo_paths
from oms_dash.summary import group_summary
from tests.conftest import DASHBOARD, open_tables, read

KEYS = {"members", "relapses", "rule", "before_after", "group_course", "cooccurrence"}


@pytest.fixture(scope="module")
def demo_summary() -> dict:
    from oms_dash.demo import demo_group

    return group_summary(demo_group())


def test_the_command_prints_the_documented_object(capsys):
    assert main(["summary", "--json", *map(str, demo_paths())]) == 0
    out = json.loads(capsys.readouterr().out)
    assert KEYS <= set(out)
    assert out["members"] == sorted(out["members"]) and "F01" in out["members"]
    day = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    assert out["relapses"]
    assert all(day.match(r["start"]) and r["preset"] == "balanced" for r in out["relapses"])
    assert all(day.match(w["week"]) for w in out["group_course"])
    first = out["before_after"][0]
    assert {"treatment", "weeks", "per_member", "n_members", "median_change", "interval", "lower", "higher",
            "same"} <= set(first)
    member = first["per_member"][0]
    assert {"member", "before", "after", "n_before", "n_after", "change", "flag"} <= set(member)
    assert {"a", "b", "rho", "n_members"} <= set(out["cooccurrence"][0])


def test_the_preset_is_chosen_and_changes_what_is_found(capsys):
    counts = {}
    for preset in ("cautious", "sensitive"):
        assert main(["summary", "--json", "--preset", preset, *map(str, demo_paths())]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["rule"]["preset"] == preset
        counts[preset] = len(out["relapses"])
    assert counts["cautious"] < counts["sensitive"]


def test_small_groups_are_suppressed_as_on_the_pages():
    rows = ["member,date,symptom,severity"] + [f"S{m},2026-01-{d:02d},ataxia,{(m + d) % 4}"
                                               for m in range(1, 5) for d in range(1, 29)]
    result = read("diary.csv", "\n".join(rows) + "\n")
    courses = read("courses.csv", "member,treatment,start,end\nS1,rituximab,2026-01-14,2026-01-15\n")
    from oms_dash.ingest import merge

    group = merge([result, courses])
    rare = next(b for b in group_summary(group)["before_after"] if b["treatment"] == "rituximab")
    assert rare["per_member"] == []  # one member had it: who had it could identify the child
    weeks = group_summary(group)["group_course"]
    assert all(w["median"] is not None for w in weeks if w["n"] >= 3)


def test_the_summary_has_the_pages_numbers(demo_summary):
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    at.session_state["_kept_pg_compare_view"] = "Before / after"
    open_tables(at.switch_page("oms_dash/ui/page_scripts/compare.py").run())
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    page_changes = sorted(round(v, 2) for v in table["change"].dropna())
    shown = demo_summary["before_after"][0]  # the most widely started treatment, as the page starts
    summary_changes = sorted(round(m["change"], 2) for m in shown["per_member"] if m["change"] is not None)
    assert page_changes == summary_changes
    at.session_state["_kept_pg_compare_view"] = "Relapses"
    open_tables(at.run())
    per_member = next(f.value for f in at.dataframe if "relapses" in f.value.columns)
    assert int(per_member["relapses"].sum()) == len(demo_summary["relapses"])

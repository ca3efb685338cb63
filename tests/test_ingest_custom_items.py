"""Symptoms outside the vocabulary keep the user's spelling (accents and all) for display."""

from __future__ import annotations

from oms_dash.ingest import merge
from oms_dash.schema import item_label
from tests.conftest import read


def test_an_accented_symptom_column_is_shown_as_written():
    result = read("wide.csv", "member,date,Irritabilité,Jerks\nF01,2026-03-01,2,1\n")
    items = set(result.tables.observations["item"])
    custom = items - {"myoclonus"}
    assert [item_label(i) for i in custom] == ["Irritabilité"]
    assert [item_label(s) for s in result.report.symptoms if s in custom] == ["Irritabilité"]


def test_an_accented_symptom_name_in_a_long_log_is_shown_as_written():
    result = read("long.csv", "member,date,symptom,severity\nF01,2026-03-01,Schläfrigkeit,2\n")
    assert [item_label(i) for i in result.tables.observations["item"]] == ["Schläfrigkeit"]


def test_spellings_that_differ_only_by_accents_are_one_symptom_in_the_users_spelling():
    one = read("a.csv", "member,date,symptom,severity\n"
                        "F01,2026-03-01,irritabilite,2\nF01,2026-03-02,Irritabilité,1\n")
    assert set(one.tables.observations["item"]) == {"irritabilité"}
    two = read("b.csv", "member,date,symptom,severity\nF02,2026-03-01,IRRITABILITE,3\n")
    group = merge([one, two])
    assert set(group.observations["item"]) == {"irritabilité"}
    assert len(group.observations) == 3

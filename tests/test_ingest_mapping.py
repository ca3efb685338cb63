"""The column mapping: any column can be chosen as a symptom; a form needs its member column."""

from __future__ import annotations

import pandas as pd

from tests.conftest import accounted, read

WIDE = ("member,date,Wobble,Jerks,Shoe size\n"
        "F01,2026-03-01,none,2,31\n"
        "F01,2026-03-02,severe,1,31\n"
        "F02,2026-03-01,mild,0,28\n")


def test_an_unrecognised_column_chosen_as_a_symptom_is_read_under_its_heading():
    automatic = read("wide.csv", WIDE.replace("none", "wobbly").replace("severe", "very").replace(
        "mild", "a bit"))
    assert not any("wobble" in s for s in automatic.report.symptoms)  # words, not scores: not read
    mapped = read("wide.csv", WIDE, mapping=(("member", "member"), ("date", "date"),
                                             ("item", "Wobble"), ("item", "Jerks")))
    report = mapped.report
    assert accounted(report) and report.usable
    obs = mapped.tables.observations
    wobble = obs[obs["item"].str.contains("wobble", case=False)]
    assert wobble["score"].tolist() == [0.0, 3.0, 1.0]
    assert set(obs["item"]) - set(wobble["item"]) == {"myoclonus"}  # Jerks: a known symptom
    assert any(p.column == "Shoe size" and "not used" in p.message for p in report.problems)


def test_a_numbered_symptom_column_keeps_its_scale():
    text = "member,date,Wobble 0-10\nF01,2026-03-01,10\nF01,2026-03-02,5\n"
    mapped = read("wide.csv", text, mapping=(("member", "member"), ("date", "date"),
                                             ("item", "Wobble 0-10")))
    assert mapped.tables.observations["score"].tolist() == [3.0, 1.5]


def test_a_mapped_form_without_a_member_column_is_an_error_not_one_child():
    text = ("Timestamp,How wobbly today?,Jerks\n"
            "3/20/2026 09:00:00,1,2\n3/21/2026 09:00:00,2,1\n")
    result = read("Form responses 1.csv", text, mapping=(("date", "Timestamp"),
                                                         ("item", "How wobbly today?")))
    assert not result.report.usable and result.needs_mapping
    assert accounted(result.report) and result.report.rows_accepted == 0
    (error,) = [p for p in result.report.problems if p.severity == "error" and p.row is None]
    assert "member code" in error.message
    one_child = read("Form responses 1.csv", text, member="F07",
                     mapping=(("date", "Timestamp"), ("item", "How wobbly today?")))
    assert one_child.report.usable and one_child.report.members == ["F07"]


def test_symptom_columns_and_a_symptom_name_column_together_are_refused():
    text = "member,date,symptom,severity,Wobble\nF01,2026-03-01,jerks,2,1\n"
    result = read("log.csv", text, mapping=(("member", "member"), ("date", "date"),
                                            ("symptom", "symptom"), ("severity", "severity"),
                                            ("item", "Wobble")))
    assert result.needs_mapping and not result.report.usable


def test_columns_chosen_as_events_are_read_as_events_and_only_those():
    text = ("member,date,Jerks,Happenings,Fever?\n"
            "F01,2026-03-01,2,MMR jab,yes\n"
            "F01,2026-03-02,1,none,no\n"
            "F01,2026-03-03,1,grandma visited,\n")
    automatic = read("wide.csv", text)
    assert automatic.tables.events["kind"].tolist() == ["infection"]  # only "Fever?" by its heading
    assert ("event", "Fever?") in automatic.detected  # what the mapping form starts from
    mapped = read("wide.csv", text, mapping=(("member", "member"), ("date", "date"),
                                             ("event", "Happenings"), ("event", "Fever?")))
    assert accounted(mapped.report)
    events = mapped.tables.events.sort_values(["date", "kind"])
    assert events[["date", "kind"]].values.tolist() == [
        [pd.Timestamp("2026-03-01"), "infection"], [pd.Timestamp("2026-03-01"), "vaccination"],
        [pd.Timestamp("2026-03-03"), "other"]]
    # A column left out of the mapping's events is not read as events, and the card is told so.
    without = read("wide.csv", text, mapping=(("member", "member"), ("date", "date"),
                                              ("event", "Happenings")))
    assert set(without.tables.events["kind"]) == {"vaccination", "other"}
    assert any(p.column == "Fever?" and p.code == "yes_no_column" for p in without.report.problems)

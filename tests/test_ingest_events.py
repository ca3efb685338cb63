"""Illness, fever, vaccination and taper answers are read as events, by stated keyword rules in five
languages, and reach the relapse context and the report (issue 12, item 2)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from oms_dash import analysis, report
from oms_dash.ingest import merge
from oms_dash.schema import classify_event, is_event_heading
from tests.conftest import accounted, read

QUESTION = "Any illness, fever or vaccination today?"
ANSWERS = ["", "no", "Nein", "bad cold, 38.6", "MMR jab", "ear infection - antibiotics", "chickenpox",
           "went to the zoo"]


def _form(answers: list[str], days: int | None = None, rise_from: int | None = None) -> str:
    """A Google Forms export of one child, one response a day from 1 March 2026, the illness question
    answered with ``answers`` (day by day); scores 0, or 3 from day ``rise_from`` on."""
    days = days or len(answers)
    lines = [f'Timestamp,Member code,Date of symptoms,Eye movements (0-3),Jerks (0-3),"{QUESTION}"']
    for i in range(days):
        day = dt.date(2026, 3, 1) + dt.timedelta(days=i)
        score = 3 if rise_from is not None and i >= rise_from else 0
        answer = answers[i] if i < len(answers) else ""
        lines.append(f'{day:%Y-%m-%d} 20:00:00,F01,{day:%Y-%m-%d},{score},{score},"{answer}"')
    return "\n".join(lines) + "\n"


def test_a_forms_illness_question_becomes_events_of_their_kinds():
    result = read("Diary (Responses).csv", _form(ANSWERS))
    rep, events = result.report, result.tables.events
    assert accounted(rep) and rep.rows_accepted == len(ANSWERS)
    assert events["detail"].tolist() == ANSWERS[3:]  # blank, "no" and "Nein" are not events
    assert events["kind"].tolist() == ["infection", "vaccination", "infection", "infection", "other"]
    assert events["date"].tolist() == [pd.Timestamp(f"2026-03-0{d}") for d in (4, 5, 6, 7, 8)]
    assert rep.events == {"infection": 3, "vaccination": 1, "other": 1}
    assert rep.as_json()["events"] == 5
    # The column is said to be read as events, and the one answer no rule classifies is counted.
    assert not any(p.code == "unused_column" for p in rep.problems)
    other = next(p for p in rep.problems if p.code == "events_other")
    assert other.column == QUESTION and "1 answer" in other.message and "'other event'" in other.message


@pytest.mark.parametrize("answer, kind", [
    # infection: English, German, French, Spanish, Italian, and a fever temperature
    ("a cold", "infection"), ("Fever", "infection"), ("tummy bug", "infection"),
    ("Erkältung", "infection"), ("Fieber", "infection"), ("rhume", "infection"),
    ("fièvre", "infection"), ("resfriado", "infection"), ("fiebre", "infection"),
    ("raffreddore", "infection"), ("febbre", "infection"), ("38,9", "infection"),
    ("101 F", "infection"), ("temp 39°C", "infection"),
    # vaccination
    ("4-in-1 booster", "vaccination"), ("flu jab", "vaccination"), ("Impfung", "vaccination"),
    ("geimpft", "vaccination"), ("vacciné", "vaccination"), ("vacuna", "vaccination"),
    ("vaccino", "vaccination"),
    # steroid taper
    ("started to taper pred", "steroid_taper"), ("weaning", "steroid_taper"),
    ("reduced dose", "steroid_taper"), ("Kortison ausschleichen", "steroid_taper"),
    ("sevrage", "steroid_taper"), ("dosis reducida", "steroid_taper"),
    ("dose ridotta", "steroid_taper"),
    # no rule says the kind
    ("grandma visited", "other"), ("38", "other"),
    # "no, but..." reads what follows the contrast word
    ("no, but MMR jab", "vaccination"), ("nein, aber Fieber", "infection"),
])
def test_answers_are_classified_by_the_stated_keyword_rules(answer, kind):
    assert classify_event(answer) == kind


@pytest.mark.parametrize("answer", ["", "  ", "no", "No.", "none", "N/A", "-", "–", "nil", "nothing",
                                    "nein", "keine", "non", "aucun", "ninguno", "nessuno", "niente",
                                    "no fever", "keine Impfung", "pas de fièvre", "sin fiebre"])
def test_answers_saying_nothing_happened_are_not_events(answer):
    assert classify_event(answer) is None


def test_a_yes_takes_its_kind_from_the_question():
    assert classify_event("Yes", "Fever?") == "infection"
    assert classify_event("ja", "Impfung heute?") == "vaccination"
    assert classify_event("yes", QUESTION) == "other"  # the question names three kinds


@pytest.mark.parametrize("heading", [QUESTION, "Illness", "Sick?", "Events", "Vaccinations",
                                     "Steroid taper", "Krankheit / Impfung", "Fièvre ?", "Maladie",
                                     "Enfermedad o vacuna", "Febbre o vaccinazione"])
def test_event_headings_are_recognised_in_five_languages(heading):
    assert is_event_heading(heading)


def test_event_columns_of_a_wide_diary_in_german_and_a_symptom_named_like_one_stays_a_symptom():
    text = ("member,date,Jerks 0-3,Being sick 0-3,Krankheit / Impfung\n"
            "F01,2026-03-01,1,2,Erkältung\n"
            "F01,2026-03-02,1,0,keine\n"
            "F01,2026-03-03,1,0,geimpft\n")
    result = read("wide.csv", text)
    assert accounted(result.report)
    assert set(result.tables.observations["item"]) == {"myoclonus", "vomiting"}
    assert result.tables.events["kind"].tolist() == ["infection", "vaccination"]


def test_a_long_diary_reads_every_event_column():
    text = ("member,date,symptom,severity,Fever?,Vaccination\n"
            "F01,2026-03-01,jerks,1,yes,\n"
            "F01,2026-03-02,jerks,2,no,MMR\n")
    result = read("long.csv", text)
    assert accounted(result.report)
    events = result.tables.events.sort_values("date")
    assert events[["date", "kind"]].values.tolist() == [[pd.Timestamp("2026-03-01"), "infection"],
                                                        [pd.Timestamp("2026-03-02"), "vaccination"]]


def test_bearable_factors_that_name_an_event_become_events():
    text = ('"date","weekday","time of day","category","rating/amount","detail","notes"\n'
            '"1st Sep 2026","Tue","am","Symptom","2","Jerking (Moderate)",""\n'
            '"2nd Sep 2026","Wed","am","Factors","","Outside | Ill",""\n'
            '"3rd Sep 2026","Thu","am","Factors","","Vaccinated",""\n'
            '"4th Sep 2026","Fri","am","Factors","","Outside | Nap",""\n')
    result = read("F03 bearable.csv", text)
    rep = result.report
    assert accounted(rep) and (rep.rows_accepted, rep.rows_skipped) == (3, 1)
    assert result.tables.events[["detail", "kind"]].values.tolist() == [["Ill", "infection"],
                                                                       ["Vaccinated", "vaccination"]]
    assert rep.skipped_reasons == {"row of category 'Factors' (not symptom data)": 1}


def test_a_relapse_after_a_reported_cold_names_the_cold_and_the_report_counts_the_events():
    # Calm for 40 days, a cold reported on day 37 (and a "no" before it), then scores stay high.
    answers = [""] * 36 + ["no", "bad cold, 38.6"]
    result = read("Diary (Responses).csv", _form(answers, days=75, rise_from=40))
    assert accounted(result.report)
    group = merge([result])
    assert group.events["kind"].tolist() == ["infection"]
    scores = analysis.score_series(group.observations)
    relapses = analysis.detect_relapses(scores, analysis.RelapseRule.for_measure(scores.measure)).table
    assert len(relapses) == 1
    context = analysis.relapse_context(relapses, group.events)
    assert context["preceded_by"].tolist() == ["infection"]
    assert context["days_since_infection"].tolist() == [3.0]
    assert ("Events noted (infections, tapers…)", "1") in report._summary_rows(group)
    figure = next(f.figure for f in report.report_figures(group) if f.name == "relapses")
    assert {trace.name for trace in figure.data} >= {"Infection / fever before"}


def test_a_long_diary_repeating_the_days_answer_on_each_symptom_row_notes_one_event():
    text = ("member,date,symptom,severity,illness\n"
            "F01,2026-03-01,jerks,1,cold\nF01,2026-03-01,sleep,2,cold\nF01,2026-03-01,gait,1,cold\n"
            "F01,2026-03-02,jerks,1,\n")
    result = read("long.csv", text)
    assert accounted(result.report) and result.report.rows_accepted == 4
    assert result.tables.events[["date", "kind"]].values.tolist() == [[pd.Timestamp("2026-03-01"),
                                                                      "infection"]]
    assert result.report.events == {"infection": 1}

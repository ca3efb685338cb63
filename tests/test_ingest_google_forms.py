"""Google Forms responses saved as CSV: Timestamp first, question texts as headers."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import accounted, read

HEADER = ("Timestamp,Email address,Member code,Eye movements (opsoclonus) 0-3,"
          "How bad were the jerks? [Morning],How bad were the jerks? [Evening],Balance / walking,"
          "Anything else?\n")


def test_google_forms_responses_with_email_grid_and_two_submissions_a_day():
    text = HEADER + ("3/14/2026 20:15:02,a@example.com,F01,2,1,3,mild,\n"
                     "3/14/2026 21:15:02,a@example.com,F01,1,2,1,severe,second go\n"
                     "3/15/2026 08:00:00,c@example.org,F02,0,0,0,none,\n")
    result = read("Symptom diary (Responses) - Form Responses 1.csv", text)
    report, obs = result.report, result.tables.observations
    assert accounted(report)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (3, 3, 0)
    assert report.format == "Google Forms responses"
    # The email column is identifying: dropped before anything is kept, and listed.
    assert [f["column"] for f in report.pii_columns] == ["Email address"]
    assert "Email address" not in result.headers
    assert not obs.astype(str).apply(lambda c: c.str.contains("@")).any().any()
    assert any(p.code == "identifying_column" and p.column == "Email address" for p in report.problems)
    # US timestamps, month-first; two submissions on 14 March combined by the daily maximum.
    f01 = obs[obs["member"] == "F01"]
    assert set(f01["date"]) == {pd.Timestamp("2026-03-14")}
    assert f01.set_index("item")["score"].to_dict() == {"opsoclonus": 2.0, "myoclonus": 3.0, "gait": 3.0}
    assert report.daily_rule == "the day's highest score (daily maximum)"
    assert any(p.code == "daily_rule" and "never the sum" in p.message for p in report.problems)
    assert report.members == ["F01", "F02"]


@pytest.mark.parametrize("stamp, expected", [
    ("3/14/2026 20:15:02", "2026-03-14"),
    ("14/03/2026 20:15:02", "2026-03-14"),
    ("2026/03/14 8:15:02 PM GMT-4", "2026-03-14"),
])
def test_google_forms_timestamp_locales(stamp, expected):
    text = ("Timestamp,Member code,Eye movements (opsoclonus) 0-3\n"
            f"{stamp},F01,2\n")
    result = read("form.csv", text)
    assert accounted(result.report)
    assert result.report.rows_accepted == 1
    assert result.tables.observations["date"].tolist() == [pd.Timestamp(expected)]


def test_google_forms_uses_a_date_question_over_the_submission_time():
    text = ("Timestamp,Member code,Date of symptoms,Jerks 0-10\n"
            "3/20/2026 09:00:00,F01,2026-03-18,10\n")
    result = read("form.csv", text)
    assert accounted(result.report)
    row = result.tables.observations.iloc[0]
    assert (row["date"], row["score"], row["raw_scale"]) == (pd.Timestamp("2026-03-18"), 3.0, "0-10")


def test_google_forms_grid_rows_name_the_symptom():
    text = ("Timestamp,Member code,Symptoms today [Jerks],Symptoms today [Sleep],Symptoms today [Speech]\n"
            "3/14/2026 20:15:02,F01,mild,severe,none\n")
    result = read("form.csv", text)
    assert accounted(result.report)
    assert result.tables.observations.set_index("item")["score"].to_dict() == \
        {"myoclonus": 1.0, "sleep": 3.0, "speech": 0.0}


def test_same_day_submissions_combined_by_mean_when_asked():
    text = ("Timestamp,Member code,Jerks\n"
            "3/14/2026 08:00:00,F01,1\n3/14/2026 20:00:00,F01,2\n")
    result = read("form.csv", text, daily_rule="mean")
    assert accounted(result.report)
    assert result.tables.observations["score"].tolist() == [1.5]
    assert result.report.daily_rule == "the day's average (daily mean)"


def test_a_form_without_a_member_question_asks_which_question_it_is():
    text = ("Zeitstempel,Mitgliedscode,Jerks\n"
            "14.03.2026 20:15:02,F01,2\n15.03.2026 20:15:02,F02,1\n")
    first = read("Formularantworten 1.csv", text)
    assert accounted(first.report) and first.needs_mapping
    assert any("no question holds the member code" in p.message for p in first.report.problems)
    mapped = read("Formularantworten 1.csv", text,
                  mapping=(("member", "Mitgliedscode"), ("date", "Zeitstempel")))
    assert accounted(mapped.report)
    assert mapped.report.members == ["F01", "F02"]
    assert mapped.tables.observations["date"].tolist() == [pd.Timestamp("2026-03-14"),
                                                           pd.Timestamp("2026-03-15")]
    one_child = read("Formularantworten 1.csv", text, member="F07")
    assert accounted(one_child.report) and one_child.report.members == ["F07"]


def test_a_blank_date_question_falls_back_to_the_day_the_form_was_sent():
    text = ("Timestamp,Member code,Date of symptoms,Jerks\n"
            "3/20/2026 09:00:00,F01,3/18/2026,2\n"
            "3/21/2026 09:00:00,F01,,1\n")
    result = read("form.csv", text)
    assert accounted(result.report) and result.report.rows_accepted == 2
    assert result.tables.observations["date"].tolist() == [pd.Timestamp("2026-03-18"),
                                                           pd.Timestamp("2026-03-21")]
    note = next(p for p in result.report.problems if p.code == "date_from_timestamp")
    assert "left blank once" in note.message


YES_NO_FORM = ("Timestamp,Child code,Eye movements (opsoclonus) 0-3,Any vomiting today?,"
               "Did you give melatonin for sleep?,Fever?\n"
               "3/14/2026 20:15:02,F01,2,Yes,No,y\n"
               "3/15/2026 20:15:02,F01,1,No,YES,FALSE\n"
               "3/16/2026 20:15:02,F01,1,,n,true\n")


def test_yes_no_questions_are_never_read_as_symptom_scores():
    result = read("form.csv", YES_NO_FORM)
    report, obs = result.report, result.tables.observations
    assert accounted(report) and report.rows_accepted == 3 and report.rows_rejected == 0
    assert set(obs["item"]) == {"opsoclonus"}  # no "sleep" = 0 from "No", no vomiting from "Yes"
    assert not any(p.severity == "error" for p in report.problems)
    skipped = {p.column for p in report.problems if p.code == "yes_no_column"}
    assert skipped == {"Any vomiting today?", "Did you give melatonin for sleep?"}
    assert all("yes/no" in p.message for p in report.problems if p.code == "yes_no_column")
    # "Fever?" asks about an event: its yeses are fevers on their days, its noes are no event.
    fevers = result.tables.events
    assert fevers[["date", "kind"]].values.tolist() == [[pd.Timestamp("2026-03-14"), "infection"],
                                                        [pd.Timestamp("2026-03-16"), "infection"]]


def test_a_severity_column_with_a_stray_yes_keeps_its_scores_and_reports_the_yes():
    text = "member,date,jerks\nF01,2026-03-01,2\nF01,2026-03-02,yes\n"
    report = read("wide.csv", text).report
    assert report.rows_accepted == 1 and report.rows_rejected == 1
    assert any(p.row == 3 and p.code == "bad_score" for p in report.problems)

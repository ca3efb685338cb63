"""The privacy core: identifying-data scan, labels, the small-group threshold, CSV safety."""

from __future__ import annotations

import io
import random
import time

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms_dash import privacy
from oms_dash.privacy import csv_safety, scan
from oms_dash.privacy import labels as display_labels
from oms_dash.privacy.csv_safety import csv_safe, to_csv_bytes
from oms_dash.privacy.labels import age_band, member_labels
from oms_dash.privacy.scan import (
    find_quasi_identifier_columns,
    is_quasi_identifier,
    redact_text,
    scan_table,
)

# --- the corpus: (header, values, expected kind) ---------------------------------------------------

IDENTIFYING: list[tuple[str, list[str], str]] = [
    # names, by heading
    ("Child's name", ["Emma Smith", "Noah Jones", "Olivia Brown", ""], "name"),
    ("First name", ["Emma", "Noah", "Olivia"], "name"),
    ("Surname", ["Smith", "Jones", "Brown"], "name"),
    ("Parent/carer name", ["Sarah Smith", "David Jones", "Ann Brown"], "name"),
    ("Full Name", ["Emma Smith", "Noah Jones", "Olivia Brown"], "name"),
    ("Name", ["Lily", "Jack", "Ava"], "name"),
    ("child_first_name", ["Lily", "Jack", "Ava"], "name"),
    ("What is your child's name?", ["Lily", "Jack", "Ava"], "name"),
    ("Username", ["lily_mum", "jackdad82", "ava.b"], "name"),
    ("Member name", ["F01", "F02", "F03", "F04", "F05", "F06", "F07", "F08", "F09", "Lily"], "name"),
    ("Child", ["Lily", "Jack", "Ava", "Mia"], "name"),
    ("Completed by", ["Sarah Smith", "Dad", "Mum", "David Jones"], "name"),
    # names, by content alone
    ("col_a", ["Emma Smith", "Noah Jones", "Olivia Brown", "Jack Wilson", "Smith, Lily"], "name"),
    # emails
    ("Email address", ["jane@example.com", "", "tom.b@example.co.uk"], "email"),
    ("E-mail", ["jane@example.com"], "email"),
    ("contact", ["jane@example.com", "tom.b+oms@example.co.uk", "x@y.org"], "email"),
    # phones, several national formats
    ("Phone", ["07700 900123", "07700 900456", "07700 900789"], "phone"),
    ("Telephone number", ["(555) 201-3344", "(555) 201-9876"], "phone"),
    ("mobile", ["06 12 34 56 78", "06 98 76 54 32"], "phone"),
    ("col_b", ["07700 900123", "+44 20 7946 0958", "(555) 201-3344", "+1 415 555 2671",
               "030 1234567", "06 12 34 56 78"], "phone"),
    ("col_c", ["+44 20 7946 0958", "+44 20 7946 0000", "+44 161 496 0000"], "phone"),
    ("col_d", ["030 1234567", "089 12345678", "040 7654321"], "phone"),
    ("col_e", ["06 12 34 56 78", "07 11 22 33 44", "01 23 45 67 89"], "phone"),
    ("col_f", ["(555) 201-3344", "+1 415 555 2671", "(212) 555-0199"], "phone"),
    # dates of birth
    ("Date of birth", ["2021-03-04", "2019-11-30"], "dob"),
    ("DOB", ["04/03/2021", "30/11/2019"], "dob"),
    ("Child's birthday", ["4 March 2021"], "dob"),
    ("born", ["2021-03-04"], "dob"),
    ("birth_date", ["2021-03-04"], "dob"),
    # postcodes and ZIP codes
    ("Postcode", ["SW1A 1AA", "M1 1AE"], "postcode"),
    ("ZIP code", ["94103", "10001", "60614"], "postcode"),
    ("zip", ["94103", "10001"], "postcode"),
    ("col_g", ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT"], "postcode"),
    # national and health ID numbers
    ("NHS number", ["9434765919", "943 476 5919"], "national_id"),
    ("nhs_no", ["9434765919"], "national_id"),
    ("SSN", ["123-45-6789"], "national_id"),
    ("National Insurance number", ["AB 12 34 56 C"], "national_id"),
    ("col_h", ["943 476 5919", "943 476 5919", "401 023 2137"], "national_id"),
    ("col_i", ["123-45-6789", "234-56-7890", "345-67-8901"], "national_id"),
    # addresses
    ("Home address", ["12 Baker Street, London", "3 Station Road"], "address"),
    ("Street", ["Baker Street"], "address"),
    ("col_j", ["12 Baker Street, London", "3 Station Road, Leeds", "Hauptstraße 5, Berlin",
               "12 rue de la Paix, Paris"], "address"),
    # web links
    ("Website", ["https://example.org/family"], "url"),
    ("col_k", ["https://example.org/a", "www.example.com/b", "http://x.example/c"], "url"),
    # notes with a contact detail inside: the whole column goes
    ("Notes", ["Good day", "Bad night, lots of jerks", "Call me: jane@example.com",
               "Slept well"] * 10, "email"),
    ("Comments", ["Eyes worse today", "GP said ring 07700 900123 if fever", "fine"] * 20, "phone"),
    ("Anything else you would like to tell us?",
     ["No", "Photos at https://example.org/album", "Started physio"], "url"),
    ("Bearable notes", ["Tired", "Call 07700 900123 after 6", "ok"], "phone"),
    ("Name of the person completing this form", ["Sarah Smith"], "name"),
    ("Mobile", ["07700 900123"], "phone"),
    ("NHS", ["9434765919"], "national_id"),
    ("IP address", ["192.168.0.1"], "ip"),
    # other languages
    ("Name des Kindes", ["Lena", "Jonas"], "name"),
    ("Prénom", ["Manon", "Jules"], "name"),
    ("Nom", ["Martin", "Bernard"], "name"),
    ("Geburtsdatum", ["04.03.2021"], "dob"),
    ("Straße", ["Hauptstraße 5"], "address"),
    ("PLZ", ["10115"], "postcode"),
    ("Telefoonnummer", ["06 12345678"], "phone"),
    ("Date de naissance", ["04/03/2021"], "dob"),
    ("Apellidos", ["García", "López", "Martínez"], "name"),
    ("Nombre y apellidos", ["Lucía García", "Mateo López"], "name"),
    # headings naming a child in other languages, with names not in the built-in list
    ("Niño", ["Lucía", "Mateo", "Sofía"], "name"),
    ("Kind", ["Jannik", "Bodhi", "Jannik", "Wren"], "name"),
    ("Enfant", ["Bodhi", "Anouk", "Thaddeus"], "name"),
    # a heading that is itself a person's name (wide files with a column per child)
    ("Olivia", ["1", "2", "3"], "name"),
    ("Harry", ["0", "2", ""], "name"),
    # addresses and postcodes in other languages and shapes
    ("Domicilio", ["Calle Mayor 12", "Avenida de la Paz 3"], "address"),
    ("Lugar", ["Calle Mayor 12, Madrid", "Avenida de la Paz 3", "Via Roma 5, Milano"], "address"),
    ("Zip5", ["90210", "10001", "60614"], "postcode"),
    ("Postal", ["90210", "10001-1234", "60614"], "postcode"),
    # dates of birth by heading, in several languages
    ("Birth", ["2019-03-14", "2020-11-02"], "dob"),
    ("Fecha nac.", ["14/03/2019"], "dob"),
    ("Geb.-Datum", ["14.03.2019"], "dob"),
    ("Date de naiss.", ["14/03/2019"], "dob"),
    # phones with a country code are phones, not ID numbers
    ("Numero di telefono", ["+39 333 123 4567"] * 4, "phone"),
    ("col_l", ["+39 333 123 4567", "+39 347 765 4321", "+1 415 555 2671"], "phone"),
    ("Bemerkungen", ["gut", "schlecht", "Papa: +1 415 555 2671"], "phone"),
    # short Spanish notes with one email among them
    ("Comentarios", ["Mala noche"] * 7 + ["escribe a maria.garcia@example.es"], "email"),
]

HARMLESS: list[tuple[str, list[str]]] = [
    # member codes and opaque ids
    ("member", ["F01", "F02", "F03", "F10"]),
    ("Member code", ["A-12", "B-07", "C-3"]),
    ("Child ID", ["F01", "F02", "F03"]),
    ("Patient", ["P1", "P2", "P3"]),
    ("Child's code", ["Bear", "Tiger", "Owl"]),  # pseudonyms chosen by the coordinator
    ("Datum", ["04.03.2025", "05.03.2025"]),
    ("Name", ["F01", "F02", "F03"]),  # anonymised by the coordinator: codes, not names
    ("user_id", ["aB3+/x==", "QEVuQwEAWRNGnuTRqXG2996KSkTIEw==", "Zk9/+1Qa8w==", "m2Xq/9+Zz0=="]),
    ("record_id", ["1", "2", "3", "10"]),
    # observation dates and times
    ("date", ["2025-03-04", "2025-03-05", "2025-03-06"]),
    ("checkin_date", ["2025-03-04", "2019-11-30"]),
    ("Timestamp", ["3/14/2026 20:15:02", "14/03/2026 20:15:02", "2026/03/14 8:15:02 PM GMT-4"]),
    ("Date", ["2025-03-04T10:00:00+01:00", "2025-03-05T21:15:00-05:00"]),
    ("Bearable date", ["22nd Sep 2020", "1st Oct 2020", "3rd Oct 2020"]),
    ("date formatted", ["22/09/2020", "01/10/2020"]),
    ("Excel dates", ["45234", "45235", "45236"]),
    ("Tag", ["04.03.2025 10:15", "05.03.2025 08:00"]),
    ("weekday", ["Monday", "Tuesday", "Sunday"]),
    ("time of day", ["am", "pm", "3:04", "all day", "pre", "mid"]),
    ("start", ["2025-03-06"]),
    ("end", ["2025-11-05", ""]),
    # symptoms and scores
    ("symptom", ["myoclonus", "dancing eyes", "sleep", "irritability"]),
    ("symptom name", ["Myoclonus", "Ataxia", "Opsoclonus"]),
    ("trackable_name", ["OMS", "Headache", "Prednisolone", "Jerks", "temperature_min"]),
    ("trackable_type", ["Condition", "Symptom", "Treatment", "Tag", "Weather"]),
    ("trackable_value", ["8.0 mg", "2", "0", "Taken", "4"]),
    ("trackable_id", ["1069", "3168", "52"]),
    ("Eye movements (opsoclonus) 0-3", ["0", "1", "2", "3"]),
    ("Jerks (myoclonus)", ["mild", "severe", "none"]),
    ("severity", ["0", "1", "2", "3"]),
    ("score", ["2.5", "3", "0"]),
    ("Total", ["14", "13", "18"]),
    ("Which symptoms did you notice today? (name them)", ["jerks, eyes", "sleep"]),
    ("How was your child today?", ["Good", "Bad", "OK", "Better"]),
    ("Sleep [Night]", ["Poor", "Good"]),
    # treatments and doses
    ("treatment", ["acth", "ivig", "rituximab"]),
    ("treatment name", ["ACTH", "IVIG", "Rituximab"]),
    ("medication name", ["Prednisolone", "Clonazepam"]),
    ("dose", ["8.0 mg", "10 mg/kg", "2 g/kg", "1,000 mg"]),
    ("Prednisolone (mg)", ["10", "5", "2.5"]),
    ("Taken", ["Taken", "Not Taken"]),
    # Bearable
    ("category", ["Symptom", "Mood", "Meds/Supplements", "Sleep"]),
    ("rating/amount", ["1", "2", "3", "7", "10"]),
    ("detail", ["Headache (Mild)", "Prednisolone (mg)", "Eye jerks (Severe)", "Tired | Anxious",
                "Vitamin B12 (mg)"]),
    # Flaredown extras
    ("Tags", ["school; tired", "sick"]),
    ("Foods", ["ginger; rice", "pasta"]),
    ("Weather summary", ["Partly cloudy", "Rain"]),
    ("Weather pressure", ["1013.2", "1008.7"]),
    ("Weather humidity", ["81", "77"]),
    ("Weather max temperature", ["12.5", "-1.5"]),
    # quasi-identifiers stay (they are banded and aggregated, not dropped)
    ("age", ["3", "4", "0", ""]),
    ("sex", ["female", "male", ""]),
    ("country", ["GB", "US", "DE"]),
    ("Child's age (years)", ["3", "4"]),
    # events, notes without contact details, blanks
    ("event", ["fever", "vaccination", "relapse"]),
    ("notes", ["Bad night", "Rituximab infusion today, no reaction",
               "Temperature 38.5 in the evening", "Dose reduced to 5 mg on 2025-03-04 at 14:30",
               "Weight 12.5 kg, IVIG 2 g/kg", "Seen at clinic 10/03/2025"]),
    ("White cell count", ["4.5", "7.2"]),
    ("Is your child mobile?", ["Yes", "No", "A little"]),
    ("NHS trust", ["Leeds Teaching Hospitals", "Great Ormond Street"]),
    ("Name of medication", ["Prednisolone", "IVIG"]),
    ("redcap_event_name", ["baseline_arm_1", "month_3_arm_1"]),
    ("Nombre de crises", ["2", "3"]),
    ("Batch number", ["Lot 4155552671 given", "Lot 3034567890 given", "Lot 2125550199 given"]),
    ("record", ["4155552671", "3034567890", "2125550199"]),
    ("Note of dose", ["Dose 5 mg at 12:00 on 2025-03-12, weight 9.3 kg, pressure 1013 hPa, lot 4412345"]),
    ("Month", ["Jan", "Jan", "Feb"]),
    ("Unnamed: 3", ["1", "2"]),
    # Flaredown "Download my data" (wide): the user's own names for conditions and treatments
    ("OMS", ["3", "2", "4"]),
    ("Prednisolone", ["8.0 mg", "Taken", "Not Taken"]),
    ("Weather min temperature", ["-3.5", "1.0"]),
    ("Weather precipitation intensity", ["0.0", "0.12"]),
    ("Date ", ["2025-03-04 10:00:00 +0100", "2025-03-05 09:12:00 -0500"]),
    ("empty", ["", "", ""]),
    # look-alikes of the headings and values above
    ("Kind", ["Headache", "Fever", "Jerks", "Sleep"]),  # English "kind": what kind of symptom
    ("kind", ["S1", "S2", "T4"]),
    ("Name", ["jerks", "sleep", "Opsoclonus"]),  # symptom names under a bare "Name" heading
    ("IVIG lot", ["LOT 1234-5678-90", "LOT 2234-5678-91"]),
    ("Version", ["1.2.3.4", "1.2.3.5"]),
    ("Birth weight (kg)", ["3.2", "2.9"]),
    ("Year of birth", ["2019", "2020"]),
    ("Max", ["3", "2"]),
    ("Onset date", ["2024-05-01", "2023-11-20"]),
    ("Who filled this in", ["Mum", "Dad", "Grandma", "Carer"]),
    ("Area", ["North", "South"]),
    ("Comentarios sin datos", ["Mala noche", "Buen día", "Fiebre 38.5 a las 14:30"]),
]


def _table(columns: list[tuple[str, list[str]]]) -> pd.DataFrame:
    length = max(len(values) for _, values in columns)
    data = {header: pd.Series(values + [""] * (length - len(values)), dtype="str")
            for header, values in columns}
    return pd.DataFrame(data)


def _flagged_one(header: str, values: list[str]) -> list[dict]:
    return scan_table(_table([(header, values)])).findings


@pytest.mark.parametrize(("header", "values", "kind"), IDENTIFYING,
                         ids=[f"{h}-{k}" for h, _, k in IDENTIFYING])
def test_identifying_column_is_flagged_with_its_kind(header, values, kind):
    findings = _flagged_one(header, values)
    assert [f["column"] for f in findings] == [header]
    assert findings[0]["kind"] == kind
    assert findings[0]["reason"]


@pytest.mark.parametrize(("header", "values"), HARMLESS, ids=[h for h, _ in HARMLESS])
def test_harmless_look_alike_is_not_flagged(header, values):
    assert _flagged_one(header, values) == []


def test_precision_and_recall_on_the_whole_corpus_in_one_table():
    columns = [(h, v) for h, v, _ in IDENTIFYING] + HARMLESS
    # Headers repeat across the corpus ("Name"): make each column unique for this table.
    columns = [(f"{h} #{i}" if h in {"Name", "Kind"} else h, v) for i, (h, v) in enumerate(columns)]
    findings = scan_table(_table(columns)).findings
    flagged = {f["column"] for f in findings}
    positives = {(f"{h} #{i}" if h in {"Name", "Kind"} else h) for i, (h, _, _) in enumerate(IDENTIFYING)}
    harmless = {c for c, _ in columns} - positives
    true_pos = len(flagged & positives)
    precision = true_pos / len(flagged)
    recall = true_pos / len(positives)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)
    assert flagged & harmless == set()


def test_non_text_headers_are_returned_as_they_are():
    table = pd.DataFrame({0: ["2025-03-04"], 1: ["jane@example.com"]})
    findings = scan_table(table).findings
    assert [f["column"] for f in findings] == [1]
    assert list(table.drop(columns=[f["column"] for f in findings]).columns) == [0]


def test_findings_follow_column_order_and_have_plain_reasons():
    table = _table([("date", ["2025-03-04"]), ("Email address", ["a@b.org"]),
                    ("Child name", ["Lily"]), ("severity", ["2"])])
    findings = scan_table(table).findings
    assert [f["column"] for f in findings] == ["Email address", "Child name"]
    assert findings[0]["reason"].startswith("looks like email addresses")
    for finding in findings:
        assert set(finding) == {"column", "reason", "kind"}
        assert finding["reason"].startswith("looks like ")  # reads on from "it ..." in the ingest
        assert finding["kind"] in scan.KINDS


def test_reason_never_quotes_a_cell():
    table = _table([("Notes", ["ok", "mail jane.doe@example.com please", "fine"]),
                    ("col", ["07700 900123", "07700 900456"])])
    for finding in scan_table(table).findings:
        assert "jane" not in finding["reason"] and "07700" not in finding["reason"]


def test_notes_with_an_email_are_flagged_as_a_whole_column():
    findings = _flagged_one("notes", ["fine"] * 400 + ["write to me: tom@example.org"] + ["ok"] * 50)
    assert findings and findings[0]["kind"] == "email"
    assert "whole column" in findings[0]["reason"]


def test_structured_column_with_a_stray_phone_is_kept_and_the_number_removed():
    # One number typed into a symptom column is not a phone column; dropping it would lose data,
    # so the column stays and the number itself is blanked in place.
    table = _table([("symptom", ["jerks"] * 20 + ["jerks, ring 07700 900123"])])
    assert scan_table(table).findings == []
    assert table["symptom"].iloc[-1] == f"jerks, ring {scan.REMOVED}"
    assert table["symptom"].iloc[:20].tolist() == ["jerks"] * 20


def test_a_stray_contact_detail_in_a_short_column_is_never_kept():
    # The audit's courses file: 1 dose of 4 holds a phone number, below the share that flags.
    table = _table([("member", ["F01", "F02", "F03", "F04"]),
                    ("treatment", ["ACTH", "IVIG", "IVIG", "IVIG"]),
                    ("dose", ["2 mg/kg", "1 g/kg", "1 g/kg", "per Dr Patel - ring Sarah 07700 900123"])])
    assert scan_table(table).findings == []
    assert table["dose"].tolist() == ["2 mg/kg", "1 g/kg", "1 g/kg",
                                      f"per Dr Patel - ring Sarah {scan.REMOVED}"]
    assert table["member"].tolist() == ["F01", "F02", "F03", "F04"]


# Cells with one identifying detail inside (the detail, the cell) and harmless cells that look alike.
STRAY_DETAILS: list[tuple[str, str]] = [
    ("07700 900123", "per Dr Patel - ring 07700 900123"),
    ("+44 20 7946 0958", "GP +44 20 7946 0958"),
    ("(555) 201-3344", "school (555) 201-3344"),
    ("+1 415 555 2671", "dad +1 415 555 2671"),
    ("+39 333 123 4567", "nonna +39 333 123 4567"),
    ("06 12 34 56 78", "appeler 06 12 34 56 78"),
    ("030 1234567", "Praxis 030 1234567"),
    ("jane@example.com", "copy to jane@example.com"),
    ("https://example.org/olivia", "photos https://example.org/olivia"),
    ("www.example.com/x", "see www.example.com/x"),
    ("943 476 5919", "NHS 943 476 5919"),
    ("123-45-6789", "ssn 123-45-6789"),
    ("SW1A 1AA", "moved to SW1A 1AA"),
    ("12 Baker Street", "now at 12 Baker Street"),
    ("Calle Mayor 12", "vive en Calle Mayor 12"),
    ("192.168.0.1", "router 192.168.0.1"),
]
HARMLESS_CELLS: list[str] = [
    "2 mg/kg", "1 g/kg", "Dose 5 mg at 12:00 on 2025-03-12", "LOT 1234-5678-90", "Version 1.2.3.4",
    "2025-03-04 10:15:00 +0100", "04.03.2025 10:15", "3/14/2026 20:15:02", "Weight 12.5 kg",
    "Lot 4155552671 given", "Temperature 38.5", "B12 5mg", "F01", "Bad night, lots of jerks",
    "Pressure 1013 hPa", "Score 14 of 18", "Ward 12", "walked 300 m today",
]


def test_redaction_of_kept_columns_precision_and_recall():
    cells = [cell for _, cell in STRAY_DETAILS] + HARMLESS_CELLS
    # Padded with plain symptom words so no column is flagged: each stray cell must be blanked.
    table = _table([("detail", cells + ["jerks"] * 200)])
    assert scan_table(table).findings == []
    out = table["detail"].tolist()
    removed = [detail not in out[i] and scan.REMOVED in out[i]
               for i, (detail, _) in enumerate(STRAY_DETAILS)]
    untouched = [out[len(STRAY_DETAILS) + i] == cell for i, cell in enumerate(HARMLESS_CELLS)]
    recall = sum(removed) / len(removed)
    precision = sum(removed) / (sum(removed) + untouched.count(False))
    assert recall == 1.0, [d for (d, _), ok in zip(STRAY_DETAILS, removed, strict=True) if not ok]
    assert precision == 1.0, [c for c, ok in zip(HARMLESS_CELLS, untouched, strict=True) if not ok]


def test_redaction_leaves_nothing_the_scan_would_find():
    for header, values, kind in IDENTIFYING:
        if kind in {"name", "dob"}:
            continue  # names and birth dates are found by heading, not blanked inside a cell
        for value in values:
            assert scan._value_kinds(redact_text(value)) in ((), ("name",)), (header, value)


def test_the_scan_reports_how_many_cells_it_blanked_and_leaves_dropped_columns_alone():
    table = _table([("Email", ["a@b.org"]),
                    ("detail", ["ok", "ring 07700 900123", "ring 07700 900123"] + ["ok"] * 7)])
    result = scan.scan_table(table)
    assert [f["column"] for f in result.findings] == ["Email"]
    assert result.redacted == {"detail": 2}
    assert table["Email"].iloc[0] == "a@b.org"  # a dropped column is not worked on
    assert table["detail"].tolist()[:3] == ["ok", f"ring {scan.REMOVED}", f"ring {scan.REMOVED}"]


def test_numbers_and_dates_columns_are_left_as_they_are():
    table = pd.DataFrame({"score": [1, 2, 3], "when": pd.to_datetime(["2025-03-04"] * 3),
                          "detail": pd.Series(["ok", None, "x@y.org now"], dtype="str")})
    scan_table(table)
    assert table["score"].tolist() == [1, 2, 3] and table["when"].notna().all()
    assert pd.isna(table["detail"].iloc[1]) and table["detail"].dtype == "str"


def test_every_note_is_read_not_a_sample():
    # 2,000 notes, the email in the first row only: a sample of 500 could miss it.
    notes = ["write to me: tom@example.org"] + ["Bad night, lots of jerks today"] * 1999
    findings = _flagged_one("notes", notes)
    assert findings and findings[0]["kind"] == "email"
    notes = ["Bad night, lots of jerks today"] * 1999 + ["ring 07700 900123 after six please"]
    assert _flagged_one("Diary entry", notes)[0]["kind"] == "phone"


def test_headings_that_are_person_names_are_flagged_with_their_own_reason():
    table = pd.DataFrame({"date": ["2026-03-01"] * 3, "symptom": ["jerks"] * 3,
                          "Olivia": ["1", "2", "3"], "Harry": ["2"] * 3, "Amelia": ["3"] * 3,
                          "Max": ["3"] * 3, "Jerks": ["1"] * 3})
    findings = scan_table(table).findings
    assert [f["column"] for f in findings] == ["Olivia", "Harry", "Amelia"]
    assert all(f["kind"] == "name" and "its heading looks like a person's name" in f["reason"]
               for f in findings)


def test_dates_of_birth_found_by_content():
    members = ["F01"] * 4 + ["F02"] * 4 + ["F03"] * 4
    diary = [f"2026-03-0{d}" for d in range(1, 5)] * 3
    table = pd.DataFrame({
        "member": members, "date": diary,
        "d2": ["2019-03-14"] * 4 + ["2020-11-02"] * 4 + ["2018-07-21"] * 4,  # a year+ before, fixed
        "Onset date": ["2024-05-01"] * 4 + ["2023-01-10"] * 4 + ["2024-09-09"] * 4,  # a known role
        "d3": ["2019-03-14", "2019-03-15", "2019-03-16", "2019-03-17"] * 3,  # changes per member
        "d4": ["2026-01-10"] * 12,  # weeks before: a course start, not a birth
    }, dtype="str")
    findings = scan_table(table).findings
    assert [(f["column"], f["kind"]) for f in findings] == [("d2", "dob")]
    assert "years before" in findings[0]["reason"]


def test_an_email_in_the_last_of_many_notes_is_found_and_doses_are_not_numbers_to_hide():
    # How fast the scan reads a million notes is benchmarks/ingest.py's to say, not a unit test's.
    rng = random.Random(2)
    words = "bad night good day jerks worse better slept well fever tired wobbly eyes".split()
    notes = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 10))) + f", {i % 10} mg"
             for i in range(20_000)]
    notes[-1] = "email tom@example.org"
    table = pd.DataFrame({"notes": pd.Series(notes, dtype="str")})
    assert [f["kind"] for f in scan_table(table).findings] == ["email"]


def test_courses_file_through_the_ingest_shows_no_phone_number():
    from oms_dash.ingest import read_files

    data = ("member,treatment,start,end,dose\n"
            "F01,ACTH,2026-01-10,2026-07-01,2 mg/kg\nF02,IVIG,2026-01-12,,1 g/kg\n"
            "F03,IVIG,2026-01-12,,1 g/kg\nF04,IVIG,2026-01-12,,per Dr Patel - ring Sarah 07700 900123\n")
    group = read_files([("courses.csv", data.encode())])
    doses = group.treatments["dose"].astype(str).tolist()
    assert not any("07700" in d for d in doses), doses
    assert any(scan.REMOVED in d for d in doses) and "2 mg/kg" in doses


def test_duplicate_headers_and_nan_cells_are_handled():
    table = pd.DataFrame([["Lily", "2", None], ["Jack", "3", "a@b.org"]],
                         columns=["Name", "Headache", "Headache"])
    findings = scan_table(table).findings
    assert [f["column"] for f in findings] == ["Name", "Headache"]


def test_empty_table_and_blank_column():
    assert scan_table(pd.DataFrame()).findings == []
    assert scan_table(_table([("symptom", ["", " ", ""])])).findings == []
    # The heading alone is enough: an empty email column is still flagged.
    assert _flagged_one("Email address", ["", ""])[0]["kind"] == "email"


def test_scan_is_fast_on_a_million_rows():
    rng = random.Random(6)
    n = 1_000_000
    table = pd.DataFrame({
        "user_id": pd.Series([f"aB{rng.randrange(10**6)}+/x==" for _ in range(1000)] * (n // 1000),
                             dtype="str"),
        "checkin_date": pd.Series(["2025-03-04"] * n, dtype="str"),
        "trackable_name": pd.Series(["Headache", "Prednisolone", "OMS", "Jerks"] * (n // 4),
                                    dtype="str"),
        "trackable_value": pd.Series(["8.0 mg", "2", "0", "4"] * (n // 4), dtype="str"),
        "contact": pd.Series(["07700 900123", "+44 20 7946 0958"] * (n // 2), dtype="str"),
    })
    start = time.perf_counter()
    findings = scan_table(table).findings
    elapsed = time.perf_counter() - start
    assert [f["column"] for f in findings] == ["contact"]
    assert elapsed < 5, elapsed


# --- quasi-identifiers and redaction ---------------------------------------------------------------

def test_quasi_identifier_headings():
    for header in ["age", "Sex", "gender", "Country", "Child's age (years)", "Age at onset (months)",
                   "country of residence", "Year of birth"]:
        assert is_quasi_identifier(header), header
    for header in ["Mood state", "date", "severity", "Sleep [Night]", "language delay score"]:
        assert not is_quasi_identifier(header), header
    table = _table([("user_id", ["x"]), ("age", ["3"]), ("sex", ["f"]), ("country", ["GB"])])
    assert find_quasi_identifier_columns(table) == ["age", "sex", "country"]
    assert "age" in scan.QUASI_IDENTIFIER_COLUMNS


def test_redact_text_removes_contact_details_only():
    note = ("Rang GP on 07700 900123 and +1 415 555 2671, emailed jane.doe@example.com; "
            "see https://example.org/x. Dose 5 mg on 2025-03-04 at 14:30, score 2.")
    redacted = redact_text(note)
    for secret in ["07700", "415 555", "jane.doe", "example.org"]:
        assert secret not in redacted
    for kept in ["Rang GP", "Dose 5 mg on 2025-03-04 at 14:30, score 2."]:
        assert kept in redacted
    assert redacted.count(scan.REMOVED) == 4
    assert redact_text("") == ""
    assert redact_text("Good day, fewer jerks") == "Good day, fewer jerks"


# --- age bands ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("age", "band"), [
    (0.5, "0–1"), (1, "0–1"), (1.99, "0–1"), (2, "2–3"), (3, "2–3"), (4, "4–6"), (6, "4–6"),
    (7, "7–11"), (11, "7–11"), (12, "12–17"), (17, "12–17"), (18, "18+"), (45, "18+"),
    ("3", "2–3"), ("18 months", "0–1"), ("30 months", "2–3"), ("5 years", "4–6"), ("2,5", "2–3"),
    (0, "unknown"), ("0", "unknown"), ("", "unknown"), (None, "unknown"), (float("nan"), "unknown"),
    (-1, "unknown"), ("abc", "unknown"), (200, "unknown"), (True, "unknown"),
])
def test_age_band(age, band):
    assert age_band(age) == band


# --- labels ---------------------------------------------------------------------------------------

def test_member_labels_are_stable_and_independent_of_order():
    codes = ["F03", "F01", "F10", "F02", "F01"]
    labels = member_labels(codes)
    assert labels == {"F01": "Member A", "F02": "Member B", "F03": "Member C", "F10": "Member D"}
    for _ in range(5):
        shuffled = codes[:]
        random.Random(_).shuffle(shuffled)
        assert member_labels(shuffled) == labels
    assert member_labels(pd.Series(codes)) == labels
    assert member_labels(c for c in codes) == labels


def test_member_labels_beyond_z():
    labels = member_labels(f"M{i:03d}" for i in range(60))
    assert labels["M000"] == "Member A"
    assert labels["M025"] == "Member Z"
    assert labels["M026"] == "Member AA"
    assert labels["M051"] == "Member AZ"
    assert labels["M052"] == "Member BA"
    assert len(set(labels.values())) == 60


def test_member_labels_ignore_blanks():
    assert member_labels(["", None, float("nan"), "F01"]) == {"F01": "Member A"}


# --- small groups ---------------------------------------------------------------------------------

def test_threshold_constant():
    assert display_labels.min_group_size() == 3


# --- CSV safety -----------------------------------------------------------------------------------

def test_csv_safe_escapes_formula_cells_only_in_text():
    frame = pd.DataFrame({
        "text": pd.Series(["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
                           "fine", None], dtype="str"),
        "number": [-1, 2, -3, 4, 5, 6, 7, 8],
        "=header": ["a"] * 8,
    })
    safe = csv_safe(frame)
    assert safe["text"].tolist()[:7] == ["'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)",
                                         "'\tx", "'\rx", "fine"]
    assert pd.isna(safe["text"].iloc[7])
    assert safe["number"].tolist() == [-1, 2, -3, 4, 5, 6, 7, 8]
    assert list(safe.columns) == ["text", "number", "'=header"]
    assert frame["text"].iloc[0].startswith("=")  # input untouched


def test_csv_safe_handles_object_and_category_columns():
    frame = pd.DataFrame({"obj": pd.Series(["=1", 5, None], dtype=object),
                          "cat": pd.Series(["-x", "y", "-x"], dtype="category"),
                          "when": pd.to_datetime(["2025-03-04", None, "2025-03-05"])})
    safe = csv_safe(frame)
    assert safe["obj"].tolist()[:2] == ["'=1", 5]
    assert safe["cat"].tolist() == ["'-x", "y", "'-x"]
    assert safe["when"].dtype == frame["when"].dtype


def test_to_csv_bytes_has_bom_and_round_trips():
    frame = pd.DataFrame({"member": ["Member A", "Member B"], "note": ["=cmd", "Zoë"],
                          "score": [-1.0, 2.5]})
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["note"].tolist() == ["'=cmd", "Zoë"]
    assert back["score"].tolist() == [-1.0, 2.5]
    assert list(back.columns) == ["member", "note", "score"]


def test_to_csv_bytes_keeps_a_meaningful_index_and_escapes_it():
    frame = pd.DataFrame({"mean": [1.5, 2.0]}, index=pd.Index(["=ivig", "acth"], name="treatment"))
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), encoding="utf-8-sig")
    assert back.to_dict("list") == {"treatment": ["'=ivig", "acth"], "mean": [1.5, 2.0]}
    filtered = pd.DataFrame({"a": ["x", "y", "z"]}).iloc[[2, 0]]
    back = pd.read_csv(io.BytesIO(to_csv_bytes(filtered)), encoding="utf-8-sig")
    assert "a" in back.columns


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.lists(st.text(max_size=40), min_size=1,
                                                         max_size=6)),
                min_size=1, max_size=5))
def test_scan_never_fails_and_findings_are_well_formed(columns):
    length = max(len(values) for _, values in columns)
    table = pd.DataFrame([[values[i] if i < len(values) else "" for _, values in columns]
                          for i in range(length)], columns=[h for h, _ in columns])
    findings = scan_table(table).findings
    headers = [f["column"] for f in findings]
    assert len(headers) == len(set(headers))
    assert all(f["kind"] in scan.KINDS and f["reason"].startswith("looks like ")
               for f in findings)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_redact_text_is_idempotent(text):
    once = redact_text(text)
    assert redact_text(once) == once


def test_core_does_not_import_streamlit_or_plotly():
    import ast
    import inspect

    for module in (privacy, scan, display_labels, csv_safety):
        tree = ast.parse(inspect.getsource(module))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & {"streamlit", "plotly"}, module.__name__


def test_the_small_group_threshold_can_be_raised_never_lowered(monkeypatch):
    monkeypatch.setattr(display_labels, "_min_group_size", display_labels.min_group_size())  # put back after
    display_labels.set_min_group_size(5)
    assert display_labels.min_group_size() == 5
    with pytest.raises(ValueError):
        display_labels.set_min_group_size(2)
    assert display_labels.min_group_size() == 5


def test_run_min_group_reaches_the_dashboards_process(monkeypatch):
    """`oms-dash run --min-group 5` hands the threshold to the dashboard's script, which sets it
    there before any page is drawn (an environment variable read at import is not needed)."""
    from oms_dash import cli
    from oms_dash.settings import apply_script_args

    started = []

    class Server:
        def __init__(self, cmd, **_options):
            started.append(cmd)

        def wait(self):
            return 0

    monkeypatch.setattr(display_labels, "_min_group_size", display_labels.min_group_size())
    monkeypatch.setattr(cli.subprocess, "Popen", Server)
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)
    assert cli.main(["run", "--min-group", "5", "--no-browser", "--port", "8599"]) == 0
    (cmd,) = started
    script_args = cmd[cmd.index("--") + 1:]
    display_labels.set_min_group_size(3)  # as a new process starts
    apply_script_args(script_args)
    assert display_labels.min_group_size() == 5

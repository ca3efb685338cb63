"""The data dictionary, written from the vocabulary so it can never disagree with the ingest."""

from __future__ import annotations

from oms_dash.schema import (
    EVENT_HEADING_WORDS,
    EVENT_KINDS,
    EVENT_LABELS,
    ITEMS,
    NO_EVENT_ANSWERS,
    SEVERITY_LABELS,
    TREATMENTS,
)


def data_dictionary_markdown() -> str:
    lines = [
        "# oms_dash data dictionary", "",
        "## Columns", "",
        "| column | meaning |", "|---|---|",
        "| member | the member's code, like F01 (never a name). Case and spaces do not matter. |",
        "| date | the diary day: 2026-03-14 is safest; 14/03/2026 and 3/14/2026 also work. |",
        "| symptom | the symptom's name (see the list below; other names are kept as their own, "
        "spelled as you wrote them). |",
        "| severity | a whole number: 0 none, 1 mild, 2 moderate, 3 severe (or those words, or both, like "
        "'Moderate (2)'). A blank is 'not recorded'. A yes/no question is not a severity. |",
        "| treatment | a treatment given that day (optional). |",
        "| event | what happened that day: an illness or fever, a vaccination, a steroid taper, a "
        "relapse... (optional; several event columns may be given, headed like 'Events', 'Illness', "
        "'Fever?', 'Vaccination' or 'Any illness, fever or vaccination today?'). |",
        "| notes | free text: kept private, never drawn in charts or reports (optional). |",
        "| start, end | a treatment course's first and last day (course files); an end may be planned "
        "ahead; a blank end or 'ongoing' means the course goes on. |",
        "", "In a wide diary, each symptom has its own column; a scale in the header (`0-10`) is honoured. "
        "A column oms_dash does not recognise can be chosen as a symptom in the column mapping on the "
        "Upload page; it is named after its heading.",
        "", "## Severity", "",
    ]
    lines += [f"- {score} = {label}" for score, label in SEVERITY_LABELS.items()]
    lines += ["", "## Symptoms and the words recognised for them", ""]
    for item in ITEMS:
        mp = " (Mitchell-Pike item)" if item.mitchell_pike else ""
        lines.append(f"- **{item.label}**{mp}: " + ", ".join(item.synonyms))
    lines += ["", "## Treatments", ""]
    lines += [f"- **{t.label}**: " + ", ".join(t.synonyms) for t in TREATMENTS]
    lines += ["", "## Events", "",
              "A column is read as events when its heading holds one of: "
              + ", ".join(EVENT_HEADING_WORDS) + ". Each answer's kind comes from the words below "
              "(accents and case aside; when an answer holds several, the longest wins); a body "
              "temperature of 37.5 °C (99.5 °F) or more written with a decimal or a unit ('38.6', "
              "'39 °C') is a fever. A 'yes' takes its kind from the heading ('Fever?'). An answer no "
              "word names is kept as 'Other event'. Not events: a blank, "
              + ", ".join(f"'{a}'" for a in sorted(NO_EVENT_ANSWERS))
              + ", and answers that start with 'no', 'kein', 'pas', 'sin', 'nessun'... ('no fever'), "
              "unless 'but' or the like follows ('no, but MMR jab').", ""]
    lines += [f"- **{EVENT_LABELS[k]}**: " + ", ".join(v) for k, v in EVENT_KINDS.items() if v]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(data_dictionary_markdown(), end="")

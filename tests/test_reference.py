"""The Reference content and its loader: sourced, complete against the vocabulary, searchable, safe."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from oms_dash import reference as rf
from oms_dash import schema
from oms_dash.reference.loader import small_number
from oms_dash.ui.registry import PAGES

# The shared fact sheet sits beside the project root (../shared); a worktree is one level deeper.
FACT_SHEET = next((p / "shared" / "oms-facts.md" for p in Path(__file__).resolve().parents[1:]
                   if (p / "shared" / "oms-facts.md").is_file()),
                  Path(__file__).resolve().parents[2] / "shared" / "oms-facts.md")
MAX_REVIEW_AGE = dt.timedelta(days=730)  # about two years


@pytest.fixture(scope="module")
def ref() -> rf.Reference:
    return rf.load_reference()


def _all_text(ref: rf.Reference) -> list[tuple[str, str]]:
    """(where, text) for every piece of prose a family reads."""
    out = []
    for s in ref.sections:
        out.append((f"{s.file}: title", s.title))
        out.append((f"{s.file}: summary", s.summary))
        out.append((f"{s.file}: intro", s.intro))
        for e in s.entries:
            out.append((f"{s.file}: {e.id}.title", e.title))
            out.append((f"{s.file}: {e.id}.body", e.body))
    return out


# --- sources ---------------------------------------------------------------------------------------

def test_every_cited_key_resolves_to_a_linked_or_journal_referenced_source(ref):
    cited = {k for s in ref.sections for k in s.sources} | {
        k for e in ref.all_entries() for k in e.sources}
    assert cited <= set(ref.sources)
    for key in cited:
        src = ref.sources[key]
        assert src.citation
        assert src.link or src.journal_ref, key
        if src.link:
            assert src.link.startswith(("https://", "http://")), key


def test_source_links_have_the_expected_forms(ref):
    for src in ref.sources.values():
        if src.doi:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", src.doi), src.key
            assert src.link == f"https://doi.org/{src.doi}"
        if src.pmid:
            assert src.pmid.isdigit(), src.key
        if src.pmid and not src.doi:
            assert src.link == f"https://pubmed.ncbi.nlm.nih.gov/{src.pmid}/"


def _fact_sheet_rows() -> dict[str, str]:
    rows = {}
    for line in FACT_SHEET.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"[a-z][a-z0-9\-]*", cells[0]) and cells[0] != "key":
            rows[cells[0]] = cells[2]
    return rows


JOURNAL_REF = ("journal_ref", "")


def _sheet_identifiers(cell: str) -> set[tuple[str, str]]:
    """The identifiers in one fact-sheet row, as (kind, value). Unknown forms fail loudly, so a new
    kind of identifier is not silently skipped."""
    out = set()
    for token in (t.strip() for t in cell.split("·")):
        if m := re.fullmatch(r"doi:(10\.\S+)", token):
            out.add(("doi", m.group(1)))
        elif m := re.fullmatch(r"PMID (\d+)", token):
            out.add(("pmid", m.group(1)))
        elif re.fullmatch(r"PMC\d+", token):
            out.add(("pmc", token))
        elif re.fullmatch(r"NCT\d{8}", token):
            out.add(("nct", token))
        elif re.fullmatch(r"https?://\S+", token):
            out.add(("url", token))
        elif "cite by journal reference" in token:
            out.add(JOURNAL_REF)
        else:
            raise AssertionError(f"unrecognised identifier in the fact sheet: {token!r}")
    return out


def _source_identifiers(src: rf.Source) -> set[tuple[str, str]]:
    out = {(kind, value) for kind, value in (("doi", src.doi), ("pmid", src.pmid), ("pmc", src.pmc),
                                             ("url", src.url)) if value}
    out |= {("nct", n) for n in re.findall(r"NCT\d{8}", src.note or "")}
    if src.journal_ref:
        out.add(JOURNAL_REF)
    return out


def test_fact_sheet_identifier_parsing_is_exact():
    assert _sheet_identifiers("doi:10.1/x · PMID 123 · PMC9 · NCT00033293") == {
        ("doi", "10.1/x"), ("pmid", "123"), ("pmc", "PMC9"), ("nct", "NCT00033293")}
    assert _sheet_identifiers("DOI/PMID not confirmed: cite by journal reference") == {JOURNAL_REF}
    src = rf.Source(key="k", citation="c", doi="10.1/x", pmid="12")  # a truncated PMID
    assert _source_identifiers(src) != _sheet_identifiers("doi:10.1/x · PMID 123")


@pytest.mark.skipif(not FACT_SHEET.is_file(), reason="the shared fact sheet is not next to the repo")
def test_sources_match_the_fact_sheet_with_no_made_up_identifiers(ref):
    # Exact, both ways: every identifier in the fact sheet's row is in sources.yaml under that key,
    # and sources.yaml has no identifier the row lacks (a truncated DOI or PMID fails).
    rows = _fact_sheet_rows()
    assert len(rows) >= 20
    missing = set(rows) - set(ref.sources)
    assert not missing, f"fact-sheet sources missing from sources.yaml: {sorted(missing)}"
    for key, cell in rows.items():
        src = ref.sources[key]
        sheet, ours = _sheet_identifiers(cell), _source_identifiers(src)
        assert ours == sheet, (f"{key}: only in the fact sheet {sorted(sheet - ours)}, "
                               f"only in sources.yaml {sorted(ours - sheet)}")
        if JOURNAL_REF in sheet:
            assert not (src.doi or src.pmid or src.url), key


@pytest.mark.skipif(not FACT_SHEET.is_file(), reason="the shared fact sheet is not next to the repo")
def test_sources_outside_the_table_link_only_to_addresses_the_fact_sheet_gives(ref):
    # Organisations and pages are listed in the sheet's prose, not its table: their links must be
    # written there exactly, and they carry no DOI or PMID.
    sheet = FACT_SHEET.read_text(encoding="utf-8")
    for key in set(ref.sources) - set(_fact_sheet_rows()):
        src = ref.sources[key]
        assert src.url and not (src.doi or src.pmid or src.pmc or src.journal_ref), key
        assert re.search(re.escape(src.url) + r"(?![\w/%-])", sheet), f"{key}: {src.url}"


# --- sections and entries ---------------------------------------------------------------------------

def test_every_section_has_citations_a_review_date_and_the_disclaimer(ref):
    assert len(ref.sections) >= 9
    for s in ref.sections:
        assert s.sources, s.file
        assert rf.sources_for(s.id) and len(rf.sources_for(s.id)) == len(s.sources)
        assert rf.DISCLAIMER in rf.review_line(s)
        d = s.last_reviewed
        assert f"Last reviewed {d.day} {d:%B %Y}." in rf.review_line(s), s.file
        for e in s.entries:
            assert e.sources, e.id


def test_every_review_date_is_a_real_recent_date():
    # Read the files themselves: the date must be written as a real date (not a string the loader
    # happened to accept), not in the future, and re-checked within the last MAX_REVIEW_AGE.
    today = dt.date.today()
    for path in sorted(rf.CONTENT_DIR.glob("*.yaml")):
        if path.name == rf.SOURCES_FILE:
            continue
        reviewed = yaml.safe_load(path.read_text(encoding="utf-8")).get("last_reviewed")
        assert type(reviewed) is dt.date, f"{path.name}: last_reviewed {reviewed!r} is not a date"
        assert reviewed <= today, f"{path.name}: last_reviewed {reviewed} is in the future"
        assert today - reviewed <= MAX_REVIEW_AGE, (
            f"{path.name}: last reviewed {reviewed}, more than {MAX_REVIEW_AGE.days} days ago: "
            "re-check it against the fact sheet")


def test_numbered_source_lists_hold_only_what_is_cited_and_marks_point_into_them(ref):
    # The numbered list is the section's own keys, then any other key an entry cites, each once;
    # an entry's marks are exactly the numbers of its own sources in that list.
    for s in ref.sections:
        raw = yaml.safe_load((rf.CONTENT_DIR / s.file).read_text(encoding="utf-8"))
        own = list(dict.fromkeys(raw["sources"]))
        extra = [k for e in s.entries for k in e.sources if k not in own]
        assert list(s.sources) == list(dict.fromkeys([*own, *extra])), s.file
        assert len(set(s.sources)) == len(s.sources), s.file
        for e in s.entries:
            numbers = sorted(s.sources.index(k) + 1 for k in e.sources)
            assert rf.citation_marks(e, s) == "Sources: " + ", ".join(f"[{n}]" for n in numbers)
            assert all(1 <= n <= len(s.sources) for n in numbers), e.id


def test_required_sections_are_present(ref):
    ids = {s.id for s in ref.sections}
    assert {"what-is-oms", "symptoms", "causes", "diagnosis", "treatment", "course",
            "rating-scales", "glossary", "support"} <= ids
    assert "dashboard-scale" in ref.entries and "mitchell-pike" in ref.entries
    assert "anticonvulsants" in ref.entries and "not-seizures" in ref.entries


def test_symptoms_section_is_exactly_the_vocabulary(ref):
    symptoms = ref.section("symptoms")
    assert [e.id for e in symptoms.entries] == [i.id for i in schema.ITEMS]
    for item in schema.ITEMS:
        entry = rf.entry_for_item(item.id)
        assert entry is not None and entry.item_id == item.id
        assert entry.section == "symptoms"
    assert rf.entry_for_item("no-such-symptom") is None
    assert rf.entry_for_item("what-is-oms") is None  # an entry, but not a vocabulary item


def test_item_synonyms_come_from_the_schema_and_the_ingest_recognises_them(ref):
    for item in schema.ITEMS:
        entry = ref.entries[item.id]
        assert entry.synonyms == tuple(dict.fromkeys((item.label, *item.synonyms)))
        for synonym in entry.synonyms:
            assert schema.match_item(synonym) == entry.id, synonym
        assert "Words the dashboard recognises" in rf.synonyms_markdown(entry)


def test_every_entry_with_synonyms_for_an_item_is_that_items_entry(ref):
    for entry in ref.all_entries():
        if entry.item_id is not None:
            assert all(schema.match_item(s) == entry.id for s in entry.synonyms)
        else:
            assert rf.synonyms_markdown(entry) == ""


def test_symptom_yaml_does_not_copy_synonyms_by_hand():
    raw = yaml.safe_load((rf.CONTENT_DIR / "symptoms.yaml").read_text(encoding="utf-8"))
    assert all("synonyms" not in e for e in raw["entries"])


def test_scoring_paragraph_follows_the_schema(ref):
    for item in schema.ITEMS:
        body = ref.entries[item.id].body
        assert "**How it is scored.**" in body
        if item.mitchell_pike:
            count = small_number(len(schema.MITCHELL_PIKE_ITEMS))
            assert f"one of the {count} items commonly used" in body
            assert "could not check the exact wording of each level" in body
        else:
            assert "not one of the" in body


def test_dashboard_scale_entry_states_the_totals_from_the_schema(ref):
    body = ref.entries["dashboard-scale"].body
    assert f"total from {schema.SEVERITY_MIN} to\n{schema.MITCHELL_PIKE_TOTAL_MAX}" in body or (
        f"{schema.MITCHELL_PIKE_TOTAL_MAX}" in body)
    assert "0 none, 1 mild, 2 moderate, 3 severe" in body
    mp = ref.entries["mitchell-pike"].body
    for item_id in schema.MITCHELL_PIKE_ITEMS:
        assert schema.item_label(item_id) in mp
    assert "commonly used" in mp
    assert (f"commonly scored from {schema.SEVERITY_MIN} (normal) to {schema.SEVERITY_MAX} (severe); "
            "we\ncould not check the exact wording of each level in the original scale.") in mp


def test_mitchell_pike_level_words_are_never_stated_flatly(ref):
    # The level wording is uncertain in the fact sheet: only the two ends, hedged, may be given
    # ("0 (normal) to 3 (severe)"), never the list "0 normal, 1 mild, ...". The dashboard's own
    # diary scale ("0 none, 1 mild, ...") is its own and may be listed.
    flat = re.compile(r"\b0\s*[=:(]?\s*normal\)?\s*[,;]\s*1\b", re.IGNORECASE)
    assert flat.search("scored 0-3 (0 normal, 1 mild, 2 moderate, 3 severe)")
    assert flat.search("0 = normal; 1 = mild")
    for where, text in _all_text(ref):
        assert not flat.search(text), where


def test_internal_links_point_at_existing_entries(ref):
    for where, text in _all_text(ref):
        for target in re.findall(r"\]\(\./reference\?entry=([^)]+)\)", text):
            assert target in ref.entries, f"{where} links to missing entry {target}"


# --- what the text must never say -----------------------------------------------------------------

DOSE = re.compile(
    r"\d\s*(mg|mcg|µg|μg|g|ml|iu|units?)\b|mg\s*/\s*kg|/\s*kg\b|/\s*m2\b|/\s*m²|per kilo|"
    r"\bmilligram|\bmicrogram", re.IGNORECASE)
ANTICONVULSANT = re.compile(
    r"anticonvulsant|anti-convulsant|anti-?epileptic|valproate|valproic|levetiracetam|keppra|"
    r"lamotrigine|seizure medic|epilepsy medic", re.IGNORECASE)
NEGATION = re.compile(r"\b(not|no|never|nor)\b|n't", re.IGNORECASE)
# Claims that something works, cures or causes. Checked in every piece of text a family reads,
# headings included. "cause"/"causes" are claims only as verbs: as nouns ("the cause", "unknown
# cause", the section "Causes and associations", "causes of ...") they name a topic.
CLAIM = re.compile(
    r"\b(cur(?:e|es|ed|ing)|works|worked|helped|effective|effectiveness|efficacy|caused|causing)\b",
    re.IGNORECASE)
CAUSE_VERB = re.compile(
    r"(?<!\bthe )(?<!\ba )(?<!\bno )(?<!\bknown )(?<!\bunknown )(?<!\bpossible )(?<!\bmain )"
    r"\bcauses?\b(?! and associations)(?! of\b)", re.IGNORECASE)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n\s*[-*]\s+|\n\n", text) if s.strip()]


def test_no_entry_mentions_a_dose(ref):
    for where, text in _all_text(ref):
        assert not DOSE.search(text), f"{where}: {DOSE.search(text).group(0)!r}"


def test_dose_pattern_catches_doses():
    for text in ("2 mg/kg", "1.5 mg per day", "400mg", "10 ml", "375 mg/m2", "2 units"):
        assert DOSE.search(text), text
    for text in ("0–3", "1 in 5 million", "18 months", "0.18 new cases per million", "10 children"):
        assert not DOSE.search(text), text


def test_no_text_presents_anticonvulsants_as_a_treatment(ref):
    for where, text in _all_text(ref):
        for sentence in _sentences(text):
            if ANTICONVULSANT.search(sentence):
                assert NEGATION.search(sentence), f"{where}: {sentence!r}"
    body = ref.entries["anticonvulsants"].body
    assert "not a treatment for OMS" in body
    for name in ("valproate", "levetiracetam", "lamotrigine"):
        assert name not in " ".join(t for _w, t in _all_text(ref)).lower()


def test_seizures_are_presented_as_not_a_symptom(ref):
    assert "not a symptom of OMS" in ref.section("symptoms").intro
    assert "not a symptom of OMS" in ref.entries["not-seizures"].body


def _causal_claim(text: str) -> str | None:
    m = CLAIM.search(text) or CAUSE_VERB.search(text)
    return m.group(0) if m else None


def test_causal_claim_pattern_catches_claims_and_spares_topics():
    for text in ("IVIG works.", "Steroids cured her.", "ACTH is effective for OMS.",
                 "Rituximab helped the children.", "Stopping ACTH caused a relapse.",
                 "Late treatment causes poor outcomes.", "Neuroblastoma can cause OMS.",
                 "Vaccines cause relapses.", "the effectiveness of IVIG", "This is a cure."):
        assert _causal_claim(text), text
    for text in ("Causes and associations", "because the jerks are not epileptic",
                 "the cause is not known", "an unknown cause", "causes of OMS in adults",
                 "associated with better outcomes", "Some families find it helps to bring questions.",
                 "went with the most severe long-term problems", "linked with", "workshop"):
        assert not _causal_claim(text), text


def test_no_causal_or_it_works_language(ref):
    # Covers treatments and course alike: "associated with" / "linked with", never that a treatment
    # works, helped, is effective or cures, nor that anything causes OMS, a relapse or an outcome.
    for where, text in _all_text(ref):
        for sentence in _sentences(text):
            claim = _causal_claim(sentence)
            assert claim is None, f"{where}: {claim!r} in {sentence!r}"


# --- things the fact sheet marks uncertain and says to leave out ----------------------------------

UNCERTAIN_CLAIMS = {
    "strabismus (uncertain in the fact sheet: leave out)": re.compile(
        r"strabism|\bsquint|cross-eyed", re.IGNORECASE),
    "'the EEG is always normal' (uncertain in the fact sheet)": re.compile(
        r"\bEEGs?\b[^.]*\b(always|invariably)\b[^.]*\bnormal\b|"
        r"\b(always|invariably)\b[^.]*\bnormal\b[^.]*\bEEGs?\b", re.IGNORECASE),
}
BAND_WORD = re.compile(r"\b(mild|moderate|severe)\b", re.IGNORECASE)
_NUMBER = r"(?<![\d.])(\d+)(?!\.\d)"
_NOT_A_SCORE = r"(?!\s*(?:%|percent|weeks?|months?|years?|days?|hours?|per\b|in\b|of\b|out of\b))"
RANGE = re.compile(_NUMBER + r"\s*(?:–|-|to)\s*" + _NUMBER + _NOT_A_SCORE)
THRESHOLD = re.compile(
    r"(?:≥|≤|>|<|\b(?:over|above|under|below|at least|more than|less than)\b)\s*" + _NUMBER
    + _NOT_A_SCORE + r"|" + _NUMBER + r"\s*(?:\+|or (?:more|above|higher|less|below|lower))",
    re.IGNORECASE)


def _total_band(sentence: str) -> str | None:
    """A severity band for the Mitchell-Pike total: 'mild', 'moderate' or 'severe' in the same
    sentence as a part of the total range (a range or threshold above one item's maximum, other than
    the whole range 0 to the total maximum)."""
    if not BAND_WORD.search(sentence):
        return None
    whole = (schema.SEVERITY_MIN, schema.MITCHELL_PIKE_TOTAL_MAX)
    for m in RANGE.finditer(sentence):
        low, high = int(m.group(1)), int(m.group(2))
        if schema.SEVERITY_MAX < high <= schema.MITCHELL_PIKE_TOTAL_MAX and (low, high) != whole:
            return m.group(0)
    for m in THRESHOLD.finditer(sentence):
        if schema.SEVERITY_MAX < int(m.group(1) or m.group(2)) <= schema.MITCHELL_PIKE_TOTAL_MAX:
            return m.group(0)
    return None


def test_total_band_pattern_catches_bands():
    for text in ("A total of 0–6 is mild.", "Severe: 13-18.", "Moderate OMS means 7 to 12 points.",
                 "A total above 12 is severe.", "Totals of 10 or more are severe."):
        assert _total_band(text), text
    for text in ("Each item is scored 0–3 (0 none, 1 mild, 2 moderate, 3 severe).",
                 "a total from 0 to 18", "no agreed cut-offs that call a total mild or severe",
                 "totals such as 11 at onset falling to 3", "0.27 to 0.40 new cases per million",
                 "treatment more than 30 weeks after onset went with the most severe problems",
                 "Some had a severe course: 7 to 12 months of treatment.",
                 "61% had a severe course, more than 10% of them adults."):
        assert not _total_band(text), text


def test_content_leaves_out_what_the_fact_sheet_marks_uncertain(ref):
    for where, text in _all_text(ref):
        for what, pattern in UNCERTAIN_CLAIMS.items():
            assert not pattern.search(text), f"{where} mentions {what}"
        for sentence in _sentences(text):
            band = _total_band(sentence)
            assert band is None, f"{where}: a severity band for the total ({band!r}) in {sentence!r}"
    for entry in ref.all_entries():  # search words too: no synonym may lead to them
        for synonym in entry.synonyms:
            assert not UNCERTAIN_CLAIMS["strabismus (uncertain in the fact sheet: leave out)"].search(
                synonym), entry.id


def test_every_fact_carries_no_unsafe_html(ref):
    for where, text in _all_text(ref):
        assert not re.search(r"<\s*[a-z!/]", text, re.IGNORECASE), where


# --- the fact sheet's corrections of 2026-12-01: the wrong wording must not come back ----------------

def _flat(text: str) -> str:
    """Prose with its line breaks undone, so a phrase wrapped in the YAML is still found."""
    return " ".join(text.split())


def _sentence_with(text: str, needle: str) -> str:
    found = [_flat(s) for s in _sentences(text) if needle in _flat(s)]
    assert len(found) == 1, (needle, found)
    return found[0]


def test_drooling_and_vomiting_are_family_reports_not_ninds(ref):
    for item_id in ("drooling", "vomiting"):
        entry = ref.entries[item_id]
        assert "NINDS" not in entry.body and "ninds" not in entry.sources, item_id
        assert "Some families also report" in entry.body, item_id
    for where, text in _all_text(ref):
        for sentence in _sentences(text):
            if re.search(r"drool|vomit", sentence, re.IGNORECASE):
                assert "NINDS" not in sentence, f"{where}: {sentence!r}"


def test_the_unsourced_hypotonia_figure_is_gone(ref):
    assert not re.search(r"\b9\b[^.]*\b14\b|\b14\b[^.]*\b9\b", ref.entries["hypotonia"].body)
    for where, text in _all_text(ref):
        assert not re.search(r"\b9 (of|in) 14\b", text), where


def test_speech_figures_are_for_the_oldest_age_band_and_ninds_lists_only_difficulty(ref):
    body = ref.entries["speech"].body
    assert "oldest" in _sentence_with(body, "1 in 3")
    ninds = _sentence_with(body, "NINDS")
    assert "difficulty speaking" in ninds
    assert not re.search(r"dysarthria|mutism", ninds, re.IGNORECASE)  # NORD's words, not NINDS's
    assert "ninds" not in ref.entries["term-dysarthria"].sources


def test_infections_entry_names_the_reported_infections_without_causal_words(ref):
    entry = ref.entries["infections"]
    assert {"brunklaus2011", "huber2010", "syrbe2015"} <= set(entry.sources)
    body = entry.body
    assert "do not say which infections" not in _flat(body)
    assert "56" in _sentence_with(body, "101 people")
    assert "8%" in _sentence_with(body, "vaccination in the month")
    assert "has been reported after" in _sentence_with(body, "Mycoplasma")
    assert "adenovirus" in _sentence_with(body, "Mycoplasma")


def test_new_infection_sources_carry_the_fact_sheets_identifiers(ref):
    assert ref.sources["huber2010"].doi == "10.1007/s00431-009-1048-3"
    syrbe = ref.sources["syrbe2015"]
    assert (syrbe.doi, syrbe.pmid, syrbe.pmc) == ("10.1186/s40064-015-1429-1", "26543770", "PMC4628014")


def test_early_treatment_entry_neither_assumes_cause_nor_misreads_de_grandis(ref):
    entry = ref.entries["early-treatment"]
    assert entry.title == "Early treatment and outcomes"
    assert not re.search(r"\bwhy\b|matters", entry.title, re.IGNORECASE)
    de_grandis = _sentence_with(entry.body, "2 months")
    assert "diagnosis" in de_grandis and "before treatment" not in de_grandis
    assert "14 children" in de_grandis
    assert "not statistically significant" in _flat(entry.body)
    assert "degrandis2009" in entry.sources


def test_outlook_gives_the_normal_outcomes_beside_the_lasting_problems(ref):
    body = _flat(ref.entries["long-term-outcomes"].body)
    assert "one-third" in body and "no remaining symptoms" in body
    assert "60%" in body and "51%" in body  # the problems stay, beside the good outcomes
    assert "median of about 7" in body and "53 years" in body and "one child had IVIG" in body
    assert "more intensive" in body
    assert "mitchell2015" in ref.entries["long-term-outcomes"].sources
    assert "one-third" in _flat(ref.entries["oms-course-overview"].body)


def test_relapses_are_common_only_as_one_older_study_found(ref):
    for where, text in _all_text(ref):
        assert not re.search(r"relapses are common in OMS", text, re.IGNORECASE), where
    body = _flat(ref.entries["relapses"].body)
    assert "one older study" in _sentence_with(body, "relapses are common")
    assert "median of about 7" in body


def test_the_neuroblastoma_share_is_called_a_second_hand_figure(ref):
    entry = ref.entries["neuroblastoma"]
    assert "second-hand" in _flat(entry.body) and "storz2019" in entry.sources
    assert "quoted" in _sentence_with(entry.body, "2 to 3 in every 100")


@pytest.mark.parametrize(("key", "title"), [
    ("tate2012", "Active comparator-controlled, rater-blinded study of corticotropin-based"),
    ("mitchell2015", "Effect of increased immunosuppression on developmental outcome"),
    ("pranzatelli2005", "Sleep disturbance and rage attacks in opsoclonus-myoclonus syndrome"),
])
def test_sources_carry_the_full_titles_the_fact_sheet_gives(ref, key, title):
    citation = " ".join(ref.sources[key].citation.split())
    assert title in citation and "full title not recorded" not in citation


# --- entries a newly diagnosed family needs ---------------------------------------------------------

MEDICATION_SAFETY = "Never stop, reduce or change a medicine on your own"


def test_relapse_entry_says_what_a_relapse_looks_like_and_what_to_do(ref):
    entry = ref.entries[rf.RELAPSE_ENTRY]
    assert entry.section == "course" and "relapse" in entry.title.lower()
    assert {"pnb-relapse"} <= set(entry.sources)
    body = _flat(entry.body)
    triggers = _sentence_with(body, "small report of 10 children")
    for trigger in ("fever", "reduced or stopped", "immunisations"):
        assert trigger in triggers, trigger
    assert "reported" in triggers
    assert "contact your child's team promptly" in body
    assert MEDICATION_SAFETY in body
    for symptom in ("opsoclonus", "myoclonus", "gait"):  # what it can look like, linked
        assert rf.entry_url(symptom) in body
    for neighbour in ("relapses", "relapse-triggers"):  # every relapse page leads to what to do
        assert rf.relapse_entry_url() in ref.entries[neighbour].body, neighbour


def test_relapse_link_opens_the_relapse_entry(ref):
    url = rf.relapse_entry_url()
    assert url == f"./{rf.PAGE_PATH}?{rf.ENTRY_PARAM}={rf.RELAPSE_ENTRY}"
    assert rf.find_entry(url.split("=", 1)[1], ref).id == rf.RELAPSE_ENTRY


def test_inherited_or_catching_answers_no_and_no_naming_its_lay_source(ref):
    entry = ref.entries["inherited-or-catching"]
    assert entry.sources == ("orphanet1183",)
    body = _flat(entry.body)
    assert "Is it inherited? No." in body and "Is it catching? No." in body
    assert "Orphanet" in entry.body  # a lay fact names its source


def test_long_treatment_entry_gives_only_the_side_effect_figures_and_the_safety_line(ref):
    entry = ref.entries["long-treatment"]
    assert entry.section == "treatment" and "tate2012" in entry.sources
    side_effects = _sentence_with(entry.body, "55%")
    assert "10%" in side_effects and "corticosteroid excess" in side_effects
    assert "which side effects to watch for" in _flat(entry.body)
    assert MEDICATION_SAFETY in _flat(entry.body)


# --- search and links ------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "first"), [
    ("dancing eyes", "opsoclonus"),
    ("jerks", "myoclonus"),
    ("OMAS", "what-is-oms"),
    ("Kinsbourne", "what-is-oms"),
    ("Balance / Walking", "gait"),
    ("wobbly", "gait"),
    ("night waking", "sleep"),
    ("seizures", "not-seizures"),
    ("keppra", "anticonvulsants"),
    ("IVIG", "ivig"),
    ("relapse", "relapses"),
    # one-letter slips
    ("rituximub", "rituximab-cyclophosphamide"),
    ("relaps", "relapses"),
    ("steriods", "steroids-and-acth"),
    ("neuroblastma", "neuroblastoma"),
    # lay words and questions
    ("chickenpox", "infections"),
    ("is it inherited", "inherited-or-catching"),
    ("is it catching", "inherited-or-catching"),
    ("cure", "treatment-overview"),
    ("emergency", rf.RELAPSE_ENTRY),
    ("my child has a fever", rf.RELAPSE_ENTRY),
])
def test_search_finds_entries_by_word_or_synonym(query, first):
    found = rf.search(query)
    assert found and found[0].id == first, [e.id for e in found[:5]]


def test_search_matches_any_word_and_ignores_little_words():
    ids = [e.id for e in rf.search("what are the jerks")]
    assert ids[0] == "myoclonus"
    assert "opsoclonus" in [e.id for e in rf.search("eyes walking")]
    assert "gait" in [e.id for e in rf.search("eyes walking")]
    assert "relapse-triggers" in [e.id for e in rf.search("vaccines")]


@pytest.mark.parametrize("query", ["glossary", "Glossary", "Causes and associations", "rating scales",
                                   "Course and outcome", "Support and further reading", "symptoms"])
def test_search_by_section_title_finds_that_sections_entries_first(ref, query):
    words = " ".join(query.lower().split())
    section = next(s for s in ref.sections if words in (s.title.lower(), s.id.replace("-", " ")))
    found = rf.search(query, ref)
    first = found[:len(section.entries)]
    assert {e.id for e in first} == {e.id for e in section.entries}, [e.id for e in first]


def test_search_by_section_title_keeps_the_page_order_of_its_entries(ref):
    glossary = ref.section("glossary")
    found = rf.search("glossary", ref)
    assert [e.id for e in found[:len(glossary.entries)]] == [e.id for e in glossary.entries]


def test_a_slip_finds_what_the_right_spelling_finds():
    assert [e.id for e in rf.search("rituximub")] == [e.id for e in rf.search("rituximab")]
    assert [e.id for e in rf.search("slep")][0] == "sleep"


def test_only_one_letter_slips_are_forgiven():
    # Two letters off, or a different first letter, is another word: "autism" is not "mutism",
    # "tired" is not "third", "rash" is not "rays". The reference uses none of the three.
    for word in ("autism", "tired", "rash"):
        assert rf.search(word) == [], word


def test_search_of_nothing_finds_nothing():
    assert rf.search("") == []
    assert rf.search("   ") == []
    assert rf.search("zzzqqq") == []


def test_reference_url_opens_an_entry_or_searches():
    assert rf.reference_url("gait") == "./reference?entry=gait"
    assert rf.reference_url("mood_behaviour") == "./reference?entry=mood_behaviour"
    assert rf.reference_url("Balance / Walking") == "./reference?entry=gait"
    assert rf.reference_url("what-is-oms") == "./reference?entry=what-is-oms"
    assert rf.reference_url("head tilt") == "./reference?q=head%20tilt"
    assert rf.reference_url("") == "./reference"


# Schema treatments the reference cannot yet document, each with its reason.
UNDOCUMENTED_TREATMENTS: dict[str, str] = {
    "clonazepam": "the fact sheet has no source for it (corrected 2026-12-01)",
}


def test_every_schema_treatment_has_an_entry_or_a_stated_reason(ref):
    for treatment in schema.TREATMENTS:
        entry = rf.entry_for_treatment(treatment.id, ref)
        if treatment.id in UNDOCUMENTED_TREATMENTS:
            assert entry is None, treatment.id
            assert rf.reference_url(treatment.id) == f"./reference?q={treatment.id}"
        else:
            assert entry is not None and entry.section == "treatment", treatment.id
            assert rf.reference_url(treatment.id) == f"./reference?entry={entry.id}"


def test_clonazepam_is_not_named_but_a_family_s_word_still_finds_symptom_care(ref):
    # Corrected fact sheet: clonazepam has no source. No text names it; symptom care says only that
    # other medicines may be used, ask the team; the drug's names remain search words.
    for where, text in _all_text(ref):
        assert "clonazepam" not in text.lower(), where
    assert "Other medicines may be used for symptoms" in ref.entries["symptom-care"].body
    for word in ("clonazepam", "Klonopin", "rivotril"):
        assert rf.search(word)[0].id == "symptom-care", word


def test_reference_url_path_is_the_registered_page():
    spec = next(p for p in PAGES if p.module == "reference")
    assert spec.url_path == rf.PAGE_PATH


def test_find_entry_accepts_ids_and_symptom_names(ref):
    assert rf.find_entry("gait", ref).id == "gait"
    assert rf.find_entry("GAIT", ref).id == "gait"
    assert rf.find_entry("dancing eyes", ref).id == "opsoclonus"
    assert rf.find_entry("nothing like this", ref) is None
    assert rf.find_entry(None, ref) is None


def test_sources_markdown_numbers_and_links(ref):
    section = ref.section("treatment")
    md = rf.sources_markdown(section, ref)
    assert md.startswith("**[1]**")
    assert f"**[{len(section.sources)}]**" in md
    assert "https://doi.org/10.1016/S2352-4642%2817%2930130-X" in md  # parentheses escaped
    only = rf.sources_markdown(section, ref, keys=["haden2009"])
    assert only.startswith(f"**[{section.number('haden2009')}]**")
    journal_only = rf.source_markdown(ref.sources["pranzatelli2005"])
    assert "journal reference" in journal_only and "http" not in journal_only


def test_load_reference_is_cached_and_immutable():
    first = rf.load_reference()
    assert rf.load_reference() is first
    assert rf.load_reference(rf.CONTENT_DIR) is first
    with pytest.raises(TypeError):
        first.entries["x"] = None  # type: ignore[index]


def test_core_module_does_not_import_streamlit():
    code = "import sys, oms_dash.reference as r; r.load_reference(); print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- malformed content fails the loader, naming file and field -------------------------------------

def _copy_content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    for path in rf.CONTENT_DIR.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


def _edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_a_copy_of_the_content_loads_from_a_folder(tmp_path):
    loaded = rf.load_reference(_copy_content(tmp_path))
    assert set(loaded.entries) == set(rf.load_reference().entries)


@pytest.mark.parametrize(("file", "change", "field", "words"), [
    ("symptoms.yaml", lambda d: d["entries"][0].pop("body"), "entries[0].body", "non-empty"),
    ("symptoms.yaml", lambda d: d["entries"][1].update(sources=["nobody2099"]),
     "entries[1].sources[0]", "not a source key"),
    ("symptoms.yaml", lambda d: d["entries"][0].update(sources=[]), "entries[0].sources",
     "at least one"),
    ("symptoms.yaml", lambda d: d["entries"][3].update(synonyms=["walking"]),
     "entries[3].synonyms", "oms_dash.schema"),
    ("treatment.yaml", lambda d: d.pop("last_reviewed"), "last_reviewed", "YYYY-MM-DD"),
    ("treatment.yaml", lambda d: d.update(last_reviewed="soon"), "last_reviewed", "YYYY-MM-DD"),
    ("course.yaml", lambda d: d.update(sources=[]), "sources", "at least one"),
    ("course.yaml", lambda d: d["entries"][0].update(titel="typo"), "entries[0].titel",
     "not a known field"),
    ("course.yaml", lambda d: d["entries"][0].update(id="Has Spaces"), "entries[0].id",
     "lower-case"),
    ("glossary.yaml", lambda d: d["entries"][0].update(body="See {{entry:nowhere}}."),
     "entries[0].body", "unknown entry 'nowhere'"),
    ("glossary.yaml", lambda d: d["entries"][0].update(body="Total {{total_max}}."),
     "entries[0].body", "unknown placeholder"),
    ("glossary.yaml", lambda d: d["entries"].append(dict(d["entries"][0])), "entries[",
     "also in"),
    ("glossary.yaml", lambda d: d.update(order=1), "order", "also used by"),
    ("treatment.yaml", lambda d: d["entries"][1].update(treatments=["aspirin"]),
     "entries[1].treatments[0]", "not a treatment id"),
    ("treatment.yaml", lambda d: d["entries"][2].update(treatments=["acth"]),
     "entries[2].treatments", "already documented"),
    ("sources.yaml", lambda d: d["sources"][0].pop("doi") and d["sources"][0].pop("pmid"),
     "sources[0]", "needs a doi, pmid or url"),
    ("sources.yaml", lambda d: d["sources"][1].update(url="www.example.org"), "sources[1].url",
     "https://"),
])
def test_malformed_content_fails_with_file_and_field(tmp_path, file, change, field, words):
    folder = _copy_content(tmp_path)
    _edit(folder, file, change)
    with pytest.raises(rf.ReferenceContentError) as info:
        rf.load_reference(folder)
    message = str(info.value)
    assert file in message and field in message and words in message, message


def test_invalid_yaml_names_the_file(tmp_path):
    folder = _copy_content(tmp_path)
    (folder / "support.yaml").write_text("id: support\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(rf.ReferenceContentError, match=r"support\.yaml.*not valid YAML near line"):
        rf.load_reference(folder)


def test_a_section_that_is_not_a_mapping_names_the_file(tmp_path):
    folder = _copy_content(tmp_path)
    (folder / "extra.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(rf.ReferenceContentError, match=r"extra\.yaml"):
        rf.load_reference(folder)


def test_missing_sources_file_is_reported(tmp_path):
    folder = _copy_content(tmp_path)
    (folder / "sources.yaml").unlink()
    with pytest.raises(rf.ReferenceContentError, match=r"sources\.yaml.*missing"):
        rf.load_reference(folder)

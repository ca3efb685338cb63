"""The one place names live: item vocabulary, severity scale, treatments, event kinds, table columns.

Every other module (ingest, reference, analysis, charts) takes its names from here, so that a
symptom added to the vocabulary is recognised, scored, documented and drawn the same way everywhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

# --- severity -------------------------------------------------------------------------------------

SEVERITY_MIN = 0
SEVERITY_MAX = 3
SEVERITY_LABELS: dict[int, str] = {0: "none", 1: "mild", 2: "moderate", 3: "severe"}
# Words people write instead of numbers; mapped onto the common 0-3 scale.
SEVERITY_WORDS: dict[str, int] = {
    "none": 0, "no": 0, "normal": 0, "absent": 0, "not present": 0, "nil": 0, "0": 0,
    "mild": 1, "slight": 1, "low": 1, "minimal": 1, "a little": 1,
    "moderate": 2, "medium": 2, "mod": 2, "some": 2,
    "severe": 3, "high": 3, "bad": 3, "very bad": 3, "extreme": 3, "extremely": 3,
}


@dataclass(frozen=True)
class Item:
    """A symptom or rating-scale item that logs score on the 0-3 scale."""

    id: str
    label: str
    synonyms: tuple[str, ...] = ()
    mitchell_pike: bool = False  # one of the six Mitchell-Pike items commonly used
    group: str = "symptom"


ITEMS: tuple[Item, ...] = (
    Item("opsoclonus", "Eye movements (opsoclonus)",
         ("opsoclonus", "eye movements", "eye movement", "dancing eyes", "eyes", "eye jerks",
          "eye flutter", "eye darting"), True),
    Item("myoclonus", "Jerks (myoclonus)",
         ("myoclonus", "jerks", "jerking", "myoclonic jerks", "twitching", "twitches", "body jerks",
          "muscle jerks", "startles"), False),
    Item("stance", "Standing and sitting (stance)",
         ("stance", "standing", "sitting", "sitting balance", "standing balance", "posture"), True),
    Item("gait", "Walking and balance (gait, ataxia)",
         ("gait", "walking", "balance", "ataxia", "unsteady", "unsteadiness", "wobbly", "wobbliness",
          "falls", "falling", "staggering", "balance / walking", "balance/walking"), True),
    Item("arm_hand", "Arm and hand use",
         ("arm/hand function", "arm hand function", "hand function", "arm function", "arm/hand",
          "hands", "fine motor", "reaching", "grasping", "hand use", "arm and hand"), True),
    Item("speech", "Speech",
         ("speech", "talking", "words", "language", "speaking", "speech and language"), True),
    Item("mood_behaviour", "Mood and behaviour",
         ("mood/behaviour", "mood/behavior", "mood", "behaviour", "behavior", "mood and behaviour",
          "irritability", "irritable", "rage", "rages", "crying", "tantrums", "meltdowns"), True),
    Item("sleep", "Sleep problems",
         ("sleep", "sleep disturbance", "sleep problems", "poor sleep", "night waking", "insomnia",
          "sleeplessness", "waking at night", "night terrors"), False),
    Item("tremor", "Tremor",
         ("tremor", "tremors", "shaking", "shakiness", "shaky", "trembling"), False),
    Item("drooling", "Drooling",
         ("drooling", "dribbling", "saliva"), False),
    Item("vomiting", "Vomiting",
         ("vomiting", "vomit", "being sick", "sickness", "throwing up"), False),
    Item("hypotonia", "Low muscle tone (hypotonia)",
         ("hypotonia", "low muscle tone", "floppiness", "floppy", "low tone", "muscle tone"), False),
)

ITEMS_BY_ID: dict[str, Item] = {item.id: item for item in ITEMS}
MITCHELL_PIKE_ITEMS: tuple[str, ...] = tuple(i.id for i in ITEMS if i.mitchell_pike)
MITCHELL_PIKE_TOTAL_MAX = SEVERITY_MAX * len(MITCHELL_PIKE_ITEMS)  # 18


# --- treatments and events ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Treatment:
    id: str
    label: str
    synonyms: tuple[str, ...] = ()
    kind: str = "immunotherapy"  # immunotherapy | steroid | tumour | symptomatic | therapy | other


TREATMENTS: tuple[Treatment, ...] = (
    Treatment("acth", "ACTH", ("acth", "corticotropin", "acthar", "tetracosactide", "synacthen"),
              "steroid"),
    Treatment("dexamethasone", "Dexamethasone pulses", ("dexamethasone", "dex", "dexa"), "steroid"),
    Treatment("methylprednisolone", "IV methylprednisolone",
              ("methylprednisolone", "ivmp", "methylpred", "solu-medrol", "solumedrol"), "steroid"),
    Treatment("prednisolone", "Prednisolone / prednisone",
              ("prednisolone", "prednisone", "pred", "oral steroids", "steroids", "steroid"),
              "steroid"),
    Treatment("ivig", "IVIG", ("ivig", "iv immunoglobulin", "immunoglobulin", "igiv", "gamunex",
                               "privigen", "octagam", "scig"), "immunotherapy"),
    Treatment("rituximab", "Rituximab", ("rituximab", "rituxan", "mabthera", "ritux"),
              "immunotherapy"),
    Treatment("cyclophosphamide", "Cyclophosphamide", ("cyclophosphamide", "cytoxan", "cyclo"),
              "immunotherapy"),
    Treatment("chemotherapy", "Chemotherapy", ("chemotherapy", "chemo"), "tumour"),
    Treatment("tumour_surgery", "Tumour surgery",
              ("tumour surgery", "tumor surgery", "resection", "tumour removal", "tumor removal",
               "surgery"), "tumour"),
    Treatment("trazodone", "Trazodone (sleep)", ("trazodone",), "symptomatic"),
    Treatment("clonazepam", "Clonazepam", ("clonazepam", "klonopin", "rivotril"), "symptomatic"),
    Treatment("therapy", "Physio / OT / speech therapy",
              ("physiotherapy", "physio", "physical therapy", "occupational therapy", "ot",
               "speech therapy", "salt"), "therapy"),
)
TREATMENTS_BY_ID: dict[str, Treatment] = {t.id: t for t in TREATMENTS}

# Event answers ("bad cold, 38.6", "MMR jab", "Impfung") are sorted into kinds by these keywords, in
# English, German, French, Spanish and Italian, written without accents (text is compared that
# way: "Erkältung" is "erkaltung"). A keyword counts as a whole word; when an answer holds several,
# the longest wins ("flu jab" is a vaccination, not the flu). An answer none of them names is kept
# as "other"; see classify_event for the answers that are not events at all.
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "infection": (
        "infection", "infections", "fever", "feverish", "temperature", "high temperature", "cold",
        "a cold", "flu", "influenza", "virus", "viral", "bug", "cough", "coughing", "runny nose",
        "sore throat", "tonsillitis", "ear infection", "otitis", "chest infection", "bronchitis",
        "bronchiolitis", "pneumonia", "croup", "tummy bug", "stomach bug", "gastroenteritis",
        "diarrhoea", "diarrhea", "covid", "covid-19", "coronavirus", "rsv", "chickenpox",
        "chicken pox", "measles", "hand foot and mouth", "strep", "uti", "urine infection",
        "conjunctivitis", "antibiotic", "antibiotics", "ill", "illness", "sick", "unwell", "poorly",
        # German
        "infekt", "infektion", "fieber", "erkaltung", "erkaltet", "grippe", "schnupfen", "husten",
        "halsschmerzen", "mittelohrentzundung", "ohrenentzundung", "mandelentzundung",
        "lungenentzundung", "magen-darm", "magen darm", "durchfall", "windpocken", "masern", "krank",
        "antibiotikum",
        # French
        "fievre", "rhume", "toux", "otite", "angine", "gastro", "gastro-enterite", "varicelle",
        "rougeole", "bronchiolite", "malade", "maladie", "antibiotiques",
        # Spanish
        "infeccion", "fiebre", "resfriado", "resfrio", "catarro", "gripe", "tos", "varicela",
        "sarampion", "enfermo", "enferma", "enfermedad", "antibiotico", "antibioticos",
        # Italian
        "infezione", "febbre", "raffreddore", "tosse", "gastroenterite", "varicella", "morbillo",
        "malato", "malata", "malattia", "antibiotici"),
    "vaccination": (
        "vaccination", "vaccinations", "vaccine", "vaccines", "vaccinated", "jab", "jabs",
        "immunisation", "immunization", "immunisations", "immunizations", "immunised", "immunized",
        "shot", "shots", "booster", "mmr", "dtap", "6-in-1", "4-in-1", "flu jab", "flu shot",
        "flu vaccine", "bcg",
        # German
        "impfung", "impfungen", "geimpft", "impfen", "auffrischimpfung",
        # French ("vacciné" is "vaccine")
        "vaccin", "vaccins", "rappel",
        # Spanish
        "vacuna", "vacunas", "vacunacion", "vacunado", "vacunada",
        # Italian
        "vaccino", "vaccini", "vaccinazione", "vaccinato", "vaccinata", "richiamo"),
    "steroid_taper": (
        "steroid taper", "taper", "tapering", "tapered", "wean", "weaning", "weaned", "dose reduced",
        "reduced dose", "dose reduction", "lower dose", "dose lowered", "stopped steroids",
        "coming off steroids", "steroids reduced",
        # German
        "ausschleichen", "ausgeschlichen", "dosis reduziert", "dosisreduktion",
        # French
        "sevrage", "dose reduite", "dose diminuee", "baisse de dose", "diminution de dose",
        "decroissance",
        # Spanish
        "reduccion de dosis", "dosis reducida", "bajada de dosis", "retirada de corticoides",
        # Italian
        "dose ridotta", "riduzione della dose", "riduzione dose", "scalaggio", "scalare"),
    "relapse": ("relapse", "flare", "flare-up", "flare up", "relapse noted", "ruckfall", "schub",
                "rechute", "poussee", "recaida", "brote", "ricaduta", "recidiva"),
    "other": (),
}
EVENT_LABELS: dict[str, str] = {
    "infection": "Infection / fever", "vaccination": "Vaccination", "steroid_taper": "Steroid taper",
    "relapse": "Relapse noted", "other": "Other event",
}
# Headings of columns read as events (a whole word of the heading, accents and case aside):
# "Any illness, fever or vaccination today?", "Krankheit / Impfung", "Fièvre ?", "Events".
EVENT_HEADING_WORDS: tuple[str, ...] = (
    "event", "events", "trigger", "triggers", "what happened", "life event", "life events",
    "illness", "illnesses", "ill", "sick", "unwell", "fever", "infection",
    "infections", "vaccination", "vaccinations", "vaccine", "vaccines", "vaccinated", "jab", "jabs",
    "immunisation", "immunisations", "immunization", "immunizations", "taper", "tapering", "wean",
    "weaning",
    "ereignis", "ereignisse", "krankheit", "krank", "fieber", "infekt", "infektion", "impfung",
    "impfungen", "geimpft", "ausschleichen",
    "evenement", "evenements", "maladie", "malade", "fievre", "vaccin", "vaccins",
    "evento", "eventos", "enfermedad", "enfermo", "fiebre", "infeccion", "vacuna", "vacunas",
    "vacunacion",
    "eventi", "malattia", "malato", "febbre", "infezione", "vaccino", "vaccini", "vaccinazione")
# Answers that say nothing happened: not events. An answer that starts with one of NO_EVENT_WORDS
# ("no fever", "keine Impfung", "pas de fièvre") is not an event either, unless a word of
# CONTRAST_WORDS follows ("no, but MMR jab"): then what follows it is read.
NO_EVENT_ANSWERS: frozenset[str] = frozenset({
    "-", "--", "---", "n/a", "na", "n a", "nil", "nothing", "none", "no", "n", "false", "nope", "not",
    "nah", "0",
    "all good", "all fine", "fine", "ok", "okay", "healthy", "well",
    "nein", "keine", "kein", "nichts", "nix", "gesund",
    "non", "aucun", "aucune", "rien", "neant",
    "ninguno", "ninguna", "nada", "sin",
    "nessuno", "nessuna", "niente", "nulla"})
NO_EVENT_WORDS: frozenset[str] = frozenset({
    "no", "none", "nothing", "not", "nope", "nein", "kein", "keine", "keiner", "nichts", "non",
    "aucun", "aucune", "rien", "pas", "ningun", "ninguno", "ninguna", "nada", "sin", "nessun",
    "nessuno", "nessuna", "niente", "senza"})
CONTRAST_WORDS: frozenset[str] = frozenset({
    "but", "except", "apart from", "aber", "ausser", "sondern", "mais", "sauf", "pero", "salvo",
    "excepto", "ma", "tranne"})
# Answers that say "yes" to the column's question ("Fever?": "yes"): the heading tells the kind.
YES_ANSWERS: frozenset[str] = frozenset({"yes", "y", "true", "x", "ja", "j", "oui", "si"})  # "sì" too
# A body temperature written as a number is a fever: 37.5-43.5 °C or 99.5-110 °F, written with a
# decimal ("38.6", "38,6") or a unit ("39 °C", "101F").
FEVER_CELSIUS = (37.5, 43.5)
FEVER_FAHRENHEIT = (99.5, 110.0)

# --- the tidy tables every input becomes -------------------------------------------------------------

OBSERVATION_COLUMNS = ("member", "date", "item", "score", "raw_value", "raw_scale",
                       "source_file", "source_row")
# Where an observation came from (its file, its scale): categories, a few values over many rows.
PROVENANCE_COLUMNS = frozenset({"raw_scale", "source_file"})
TREATMENT_COLUMNS = ("member", "treatment", "start", "end", "dose", "source_file", "source_row")
EVENT_COLUMNS = ("member", "date", "kind", "detail", "source_file", "source_row")
NOTE_COLUMNS = ("member", "date", "text", "source_file", "source_row")
PROFILE_COLUMNS = ("member", "age_band", "sex", "country")


# --- matching ----------------------------------------------------------------------------------------

def normalise_text(text: str) -> str:
    """Lower-case, strip accents and punctuation noise so 'Balance / Walking ' matches 'balance/walking'."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = text.lower().replace("_", " ")
    text = re.sub(r"\s*/\s*", "/", text)
    text = re.sub(r"[^a-z0-9/+&\- ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _phrase_table(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # Longest phrases first, so 'sleep disturbance' wins over 'sleep' and 'eye movements' over 'eyes'.
    return [(normalise_text(phrase), target) for phrase, target in sorted(pairs, key=lambda p: -len(p[0]))]


@functools.cache
def _phrases(kind: str) -> list[tuple[str, str]]:
    """(normalised phrase, id), longest first; built on first use."""
    if kind == "item":
        return _phrase_table([(s, i.id) for i in ITEMS
                              for s in (i.id.replace("_", " "), i.label, *i.synonyms)])
    if kind == "treatment":
        return _phrase_table([(s, t.id) for t in TREATMENTS
                              for s in (t.id.replace("_", " "), t.label, *t.synonyms)])
    return _phrase_table([(s, k) for k, syns in EVENT_KINDS.items() for s in syns])


@functools.cache
def _exact(kind: str) -> dict[str, str]:
    exact: dict[str, str] = {}
    for phrase, target in _phrases(kind):
        exact.setdefault(phrase, target)
    return exact


@functools.cache
def _as_word(phrase: str) -> re.Pattern[str]:
    """The phrase as a whole word (not inside another word). Compiled only for a phrase that
    occurs in some text: compiling all ~240 up front cost every `oms-dash check` 20-40 ms."""
    return re.compile(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])")


def _match(text: str, kind: str, exact_only: bool) -> str | None:
    norm = normalise_text(text)
    if not norm:
        return None
    found = _exact(kind).get(norm)
    if found is not None or exact_only:
        return found
    for phrase, target in _phrases(kind):
        if phrase and phrase in norm and _as_word(phrase).search(norm):
            return target
    return None


def match_item(text: str, exact_only: bool = False) -> str | None:
    """The vocabulary item a header or symptom name refers to, found even inside longer text."""
    return _match(text, "item", exact_only)


def match_treatment(text: str) -> str | None:
    return _match(text, "treatment", exact_only=False)


def match_event(text: str) -> str | None:
    return _match(text, "event", exact_only=False)


_NUMBER_WITH_UNIT = re.compile(
    r"(?<![\d.,])(\d{2,3})(?:[.,](\d{1,2}))?\s*(°|º|degrees?|grad)?\s*([cf])?(?![a-z\d])", re.I)


def states_a_fever(text: str) -> bool:
    """Whether the text gives a body temperature of a fever (FEVER_CELSIUS, FEVER_FAHRENHEIT):
    "38.6", "38,6 °C", "101F". A whole number without a unit ("38") is not read as one."""
    for whole, decimal, degrees, unit in _NUMBER_WITH_UNIT.findall(str(text)):
        if not (decimal or degrees or unit):
            continue
        value = float(f"{whole}.{decimal or 0}")
        fahrenheit = unit.lower() == "f" or (not unit and value >= 90)
        low, high = FEVER_FAHRENHEIT if fahrenheit else FEVER_CELSIUS
        if low <= value <= high:
            return True
    return False


def _words_after_contrast(norm: str) -> str | None:
    """What follows the first contrast word ("no, but MMR jab" -> "mmr jab"), or None."""
    for word in sorted(CONTRAST_WORDS, key=len, reverse=True):
        found = re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", norm)
        if found:
            return norm[found.end():].strip()
    return None


def event_kinds_named(text: str) -> set[str]:
    """Every kind of EVENT_KINDS whose keywords the text names (a heading may name several)."""
    norm = normalise_text(text)
    return {kind for phrase, kind in _phrases("event")
            if phrase and phrase in norm and _as_word(phrase).search(norm)}


def classify_event(answer: str, heading: str = "") -> str | None:
    """The kind of event an answer reports, or None when it reports none.

    None: a blank answer, one of NO_EVENT_ANSWERS, or one that starts with a word of NO_EVENT_WORDS
    ("no fever") with no contrast word after it ("no, but a cold" reads "a cold"). A "yes"
    (YES_ANSWERS) takes its kind from the heading ("Fever?") when the heading names one kind only.
    Otherwise the kind named by EVENT_KINDS's keywords, "infection" for a fever temperature
    ("38.6"), or "other" when no rule says.
    """
    norm = normalise_text(answer)
    if not norm or norm in NO_EVENT_ANSWERS or not re.search(r"[a-z0-9]", norm):
        return None
    if norm.split(" ")[0].split("/")[0].strip("-") in NO_EVENT_WORDS:
        rest = _words_after_contrast(norm)
        return classify_event(rest, heading) if rest else None
    if norm in YES_ANSWERS:
        named = event_kinds_named(heading)
        return named.pop() if len(named) == 1 else "other"
    return match_event(norm) or ("infection" if states_a_fever(answer) else "other")


# One pattern for all the words (a word at a time was 0.25 ms a heading: 1,000 columns, 0.25 s).
_EVENT_HEADING = re.compile("(?<![a-z0-9])(?:" + "|".join(map(re.escape, EVENT_HEADING_WORDS))
                            + ")(?![a-z0-9])")


def is_event_heading(heading: str) -> bool:
    """Whether a column's heading asks about events (EVENT_HEADING_WORDS)."""
    return _EVENT_HEADING.search(normalise_text(heading)) is not None


def item_label(item_id: str) -> str:
    """Readable label for an item id; unknown items (kept as their own) are shown as written."""
    item = ITEMS_BY_ID.get(item_id)
    return item.label if item else str(item_id).capitalize()


def treatment_label(treatment_id: str) -> str:
    t = TREATMENTS_BY_ID.get(treatment_id)
    return t.label if t else str(treatment_id)


def custom_item_id(text: str) -> str:
    """Id for a symptom outside the vocabulary, kept as its own item (never rejected) in the user's
    own spelling: lower case, spaces tidied, accents kept ("Irritabilité" -> "irritabilité", which
    item_label shows as "Irritabilité"). Spellings that differ only by accents or case are one
    item: see ``same_custom_items``."""
    text = unicodedata.normalize("NFC", str(text)).lower().replace("_", " ")
    text = re.sub(r"\s*/\s*", "/", text)
    text = re.sub(r"[^\w/+&\- ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def same_custom_items(ids) -> dict[str, str]:
    """{id: the id to use} joining custom items spelled alike but for accents or case
    ("irritabilite", "irritabilité"): the spelling with accents wins (the user's own), then the first."""
    chosen: dict[str, str] = {}
    for item_id in ids:
        if item_id in ITEMS_BY_ID:
            continue
        key = normalise_text(item_id)
        best = chosen.get(key)
        if best is None or (best.isascii() and not item_id.isascii()):
            chosen[key] = item_id
    return {i: chosen[normalise_text(i)] for i in ids if i not in ITEMS_BY_ID
            and chosen[normalise_text(i)] != i}


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

EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "infection": ("infection", "fever", "cold", "flu", "virus", "viral", "temperature", "cough",
                  "ear infection", "chest infection", "tummy bug", "stomach bug", "covid", "rsv",
                  "ill", "illness", "sick"),
    "vaccination": ("vaccination", "vaccine", "vaccinated", "jab", "immunisation", "immunization",
                    "shot", "booster"),
    "steroid_taper": ("steroid taper", "taper", "tapering", "wean", "weaning", "dose reduced",
                      "reduced dose", "dose reduction", "stopped steroids"),
    "relapse": ("relapse", "flare", "flare-up", "flare up", "relapse noted"),
    "other": (),
}
EVENT_LABELS: dict[str, str] = {
    "infection": "Infection / fever", "vaccination": "Vaccination", "steroid_taper": "Steroid taper",
    "relapse": "Relapse noted", "other": "Other event",
}

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


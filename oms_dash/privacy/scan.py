"""The identifying-data scan: which columns of an upload identify people, and the contact details
to blank in the columns that are kept.

The contract (``scan_table``):
- Input: a raw upload, one column per header as the user wrote it, cells as strings ("" = blank).
- Output: one finding per flagged column, ``{"column", "reason", "kind"}``; the ingest drops every
  flagged column before anything is shown, cached or exported, and lists the findings to the user.
- A column is flagged when its heading says it holds identifying data (in English, German,
  French, Spanish, Dutch or Italian), when its heading is itself a first name ("Olivia" in a wide
  file), when it holds dates of birth (by heading, or dates years before the diary dates and fixed
  per member), or when a meaningful share (``MIN_SHARE``) of a sample of its values looks
  identifying. Free-text columns (notes, comments, long sentences) are flagged on a single email,
  phone number, web link, postcode, ID number or street address in any note, all notes read: the
  whole column is dropped, because one leaked contact detail is enough to identify a family.
- Every other text column is kept, but each cell's email, link, phone or ID number, IP address,
  postcode or street address is replaced by "[removed]" in place (``scan_table``),
  so a stray detail in a short column is never shown either. Names inside free text cannot be
  found reliably; that is why notes are never drawn in charts or reports.
- Every column is read through its distinct values (``_Distinct``): a million-row diary holds a
  few thousand dates, members and scores, and each is checked once, by a pre-filter (RE2 in
  pyarrow when there are many) and then, for the few that pass it, one by one; the redacted values
  are mapped back to their cells by code. So no cell is skipped and none is worked on alone; the
  ingest shares the hashing (the codes) with validation, which needs it anyway.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from oms_dash.codes import arrow_of, factorize_text, stacked_text
from oms_dash.schema import match_event, match_item, match_treatment

SAMPLE_SIZE = 500
MIN_SHARE = 0.3  # share of checked values that must look identifying to flag a structured column
PHONE_REGIONS = ("GB", "US", "DE", "FR", "AU", "NL", "IE")
REMOVED = "[removed]"

KINDS: dict[str, str] = {
    "name": "people's names",
    "email": "email addresses",
    "phone": "phone numbers",
    "address": "home addresses",
    "postcode": "postcodes or ZIP codes",
    "dob": "exact dates of birth",
    "national_id": "NHS, social security or other ID numbers",
    "url": "web links",
    "ip": "internet (IP) addresses",
}

# --- header words --------------------------------------------------------------------------------


def _norm_header(header: object) -> str:
    text = str(header).replace("\u00df", "ss").replace("\u1e9e", "SS")  # Straße -> strasse
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"['\u2019`]s\b", "", text)  # "child's name" -> "child name"
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _phrases(*phrases: str) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(p) for p in phrases), key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


# Ordered: the first kind whose heading pattern matches wins ("email address" is an email, not an
# address; "ip address" is an IP address).
_HEADER_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", _phrases("email", "e mail", "mail", "emails", "courriel", "mail address")),
    ("ip", _phrases("ip address", "ipv4", "ipv6", "ip addresses")),
    ("url", _phrases("url", "urls", "website", "web site", "web address", "homepage", "home page",
                     "link", "links", "facebook", "instagram", "twitter", "tiktok", "social media",
                     "linkedin")),
    ("phone", _phrases("phone", "telephone", "tel no", "mobile number", "mobile no", "cell number",
                       "mobile phone", "cellphone", "cell phone", "whatsapp", "contact number", "fax",
                       "telefon", "telefoon", "telefoonnummer", "telephone number", "phone no",
                       "landline")),
    ("dob", _phrases("dob", "d o b", "date of birth", "birth date", "birthdate", "birthday",
                     "born on", "date born", "geburtsdatum", "date de naissance",
                     "fecha de nacimiento", "geboortedatum", "data di nascita", "fecha nac",
                     "fecha de nac", "fecha nacimiento", "f nac", "fec nac", "geb datum",
                     "gebdatum", "geb dat", "geburtstag", "geboren am", "date de naiss",
                     "date naiss", "date de naiss", "ne le", "nee le", "data nascita",
                     "data di nasc", "geboortedag")),
    ("national_id", _phrases("nhs number", "nhs no", "nhs id", "chi number", "ssn",
                             "social security", "national insurance", "ni number", "ni no",
                             "insurance number", "insurance no", "insurance id",
                             "medicare number", "medicaid number", "passport", "hospital number",
                             "hospital no", "mrn", "medical record number", "health card number",
                             "national id", "national identity", "bsn", "pps number", "pps no",
                             "personnummer", "steuer id", "sozialversicherungsnummer",
                             "versichertennummer", "numero de securite sociale", "insee",
                             "tax id", "driving licence", "driver license", "drivers license",
                             "health insurance number", "ihi")),
    ("postcode", _phrases("postcode", "post code", "postal code", "zip", "zip code", "zipcode",
                          "postleitzahl", "plz", "code postal", "eircode", "postcodes", "zip5",
                          "zip4", "zip 5", "zip 4", "zips", "codigo postal", "postnummer",
                          "codice postale")),
    ("address", _phrases("address", "street", "home address", "street address", "house number",
                         "house no", "address line", "adresse", "anschrift", "strasse", "road",
                         "flat number", "apartment", "domicilio", "direccion", "indirizzo",
                         "woonadres", "wohnadresse", "calle")),
)
# Words that identify only as the whole heading: "Mobile" is a phone, "Is your child mobile?" is not.
_EXACT_HEADERS = {"born": "dob", "mobile": "phone", "cell": "phone", "tel": "phone", "ip": "ip",
                  "nhs": "national_id", "medicare": "national_id", "nom": "name", "naam": "name",
                  "nombre": "name", "adres": "address"}

_NAME_PHRASES = _phrases(
    "first name", "last name", "full name", "given name", "family name", "surname", "surnames",
    "forename", "forenames", "firstname", "lastname", "fullname", "nickname", "username",
    "user name", "maiden name", "middle name", "christian name", "initials", "signature",
    "vorname", "nachname", "prenom", "nom de famille", "achternaam", "voornaam", "apellido",
    "apellidos", "nombre y apellidos", "nombre completo", "nome", "cognome", "nom complet",
)
_THINGS = (
    "symptom", "symptoms", "trackable", "treatment", "treatments", "medication", "medications",
    "medicine", "medicines", "meds", "drug", "drugs", "condition", "conditions", "item", "items",
    "file", "form", "event", "food", "foods", "tag", "tags", "category", "instrument", "scale",
    "question", "sheet", "weather", "activity", "activities", "test", "tests", "vaccine",
    "hospital", "clinic", "supplement", "supplements", "therapy", "trial", "study", "brand",
    "product", "column", "field", "variable",
)
# A heading that names a thing, not a person: "symptom name", "trackable_name", "name of medication".
_THING_NAME = re.compile(r"(?<![a-z0-9])(?:{t}) names?(?![a-z0-9])|(?<![a-z0-9])names? of (?:the |your )?"
                         r"(?:{t})(?![a-z0-9])".replace("{t}", "|".join(_THINGS)))
# Headings naming a person; flagged only when the values are words, not codes like F01.
_PERSON_WORDS = _phrases(
    "child", "children", "parent", "parents", "patient", "mother", "father", "mum", "mom", "dad",
    "guardian", "carer", "caregiver", "respondent", "completed by", "filled in by",
    "reported by", "submitted by", "contact person", "kid", "son", "daughter", "baby", "person",
    # other languages: "Kind" is also an English word, so its values must look like names too
    "nino", "nina", "ninos", "hijo", "hija", "kind", "kinder", "enfant", "enfants", "bambino",
    "bambina", "figlio", "figlia", "sohn", "tochter", "fils", "fille", "madre", "padre", "mutter",
    "vater", "mere", "pere", "eltern", "moeder", "vader",
)
_CODE_WORDS = _phrases("code", "codes", "id", "ids", "number", "no", "ref", "reference", "pseudonym",
                       "alias", "label", "key", "study id", "initials")
_NOTE_WORDS = _phrases(
    "note", "notes", "comment", "comments", "remark", "remarks", "free text", "anything else",
    "other information", "additional information", "further information", "journal", "diary entry",
    "description", "describe", "tell us", "observations", "memo", "notizen", "bemerkungen",
    "opmerkingen", "commentaires", "comentarios", "comentario", "notas", "nota", "observaciones",
    "commenti", "commento", "osservazioni", "anmerkungen", "kommentar", "kommentare", "notiz",
    "opmerking", "notitie", "notities", "remarques", "commentaire",
)

QUASI_IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "age", "age at onset", "age at diagnosis", "age years", "age months", "sex", "gender",
    "country", "nationality", "city", "town", "region", "state", "county", "province",
    "ethnicity", "race", "year of birth", "birth year", "hospital", "clinic", "school",
)

# --- value patterns ------------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]")
# UK postcodes, upper case only so doses like "b12 5mg" are not taken for one.
_UK_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b")
_NHS_SPACED = re.compile(r"\b(\d{3})[ -](\d{3})[ -](\d{4})\b")
_SSN = re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")
_UK_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?,? (?:[A-Z][a-z']+ ){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Close|Way|Court|Ct|Place|Crescent|Gardens|"
    r"Terrace|Boulevard|Blvd|Square|Grove|Mews|Row|Parade|Walk)\b\.?"
    r"|\b[A-Z][a-z\u00e4\u00f6\u00fc\u00df]+(?:stra(?:ss|\u00df)e|weg|platz|allee|gasse|straat|laan|"
    r"plein|gracht) \d{1,4}[a-z]?\b"
    r"|(?i:\b\d{1,4}(?: ?bis)?,? (?:rue|avenue|boulevard|bd|chemin|all\u00e9e|impasse|quai) )"
    # Spanish and Italian: "Calle Mayor 12", "Avenida de la Paz 3", "Via Roma 5"
    r"|\b(?:Calle|Avenida|Avda\.|Plaza|Paseo|Camino|Carrer|Via|Viale|Piazza|Corso) "
    r"(?:(?:de|del|la|las|los|el|di|della|dei) )*[A-Z][\w'\u00c0-\u00ff]+"
    r"(?: [A-Z][\w'\u00c0-\u00ff]+){0,3},? \d{1,4}\b"
)
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
                   r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)")
_VERSION_BEFORE = re.compile(r"(?i)(?:\bv|version|release|build)\s*$")
# Words before a number that make it a batch, lot or reference number, not a phone.
_REFERENCE_BEFORE = re.compile(r"(?i)\b(?:lot|batch|ref|reference|order|invoice|serial|id|no|nr|"
                               r"code|version|receipt|tracking)\.?\s*[:#]?\s*$")
_COUNTRY_CODE_BEFORE = re.compile(r"(?:\+\d{1,3}|\d)[ \-]?$")
_DIGITS = re.compile(r"\d")
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of letters: "+44 20 7946 0958" has none
_PHONE_CANDIDATE = re.compile(r"[+(]?\d[\d ()./\-]{7,}\d")
MIN_PHONE_DIGITS = 9  # the shortest national number with its trunk 0 (Irish 01 234 5678)
# A date or a time inside a phone-number match means it is not a phone ("04.03.2025 10:15");
# dotted French numbers (06.12.34.56.78) have more groups, so they are not taken for dates.
_DATE_IN = re.compile(r"(?<![\d./\-])\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}(?![./\-]?\d)|\d{1,2}:\d{2}")
_NANP_SHAPE = re.compile(r"^\(?\d{3}\)?[ .\-]?\d{3}[ .\-]\d{4}$")
_CODE = re.compile(r"^[A-Za-z]{0,4}[ _\-]?\d{1,6}[A-Za-z]?$")
_FULL_DATE = re.compile(
    r"^(?:\d{4}[./\-]\d{1,2}[./\-]\d{1,2}|\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}"
    r"|\d{1,2}(?:st|nd|rd|th)?\.? [A-Za-z\u00e0-\u00ff]{3,10}\.? \d{4}"
    r"|[A-Za-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4})(?:[ T].*)?$")
_ZIP_VALUE = re.compile(r"^\d{5}(?:-\d{4})?$")
_NAME_VALUE = re.compile(
    r"^[A-Z][a-z\u00e0-\u00ff'\u2019\-]+\.?(?:,? [A-Z][a-z\u00e0-\u00ff'\u2019\-]*\.?){0,3}$")

# Common given names in the countries our groups come from. Words that are also ordinary words,
# months, places, foods or symptoms (May, Jan, Georgia, Grace, Ginger...) are left out on purpose.
_GIVEN_NAMES = frozenset("""
aaliyah aaron abigail adam adrian aidan aisha alex alexander alexandra alfie alice amelia amy
ana andrea andrew angela anna anne annie antoine archie arthur ava barbara ben benjamin beth
brian callum camille carlos caroline catherine charlie charlotte chloe chris christian
christopher ciara claire clara conor daniel david declan diana dylan edward eleanor elena eliza
elizabeth ella ellie emily emma eoin eric ethan eva evie fatima felix finn francesca
freddie freya gabriel george hannah harper harriet harry hugo imogen isaac
isabel isabella isla ivy jack jacob james jamie jane jasper jayden jennifer jessica joe
john jonas jonathan joseph joshua julia julie karen kate katie kevin laura lauren leah lena
leo leon liam lily lisa lucas lucy luis luke maria mark marie martin mary matilda matthew max
maya megan mia michael michelle mila mohammed muhammad nathan niamh nicholas noah nora oliver
olivia oscar owen paul peter phoebe poppy rachel rebecca richard robert ronan rosie ruby ryan
samuel sara sarah sean sebastian sienna siobhan sofia sophie stephen steven theo thomas tom
tommy william zara zoe amelie lea louise manon jules lucie camila emil finja hanna
jonah lotte luca mats milan sem sven tess daan bram lieke fenna sanne jeroen
""".split())
# Given names that are also everyday headings ("Max" temperature, "Mark"): not taken for a person.
_NAME_HEADINGS_NOT_PEOPLE = frozenset({"max", "mark", "will", "bill", "chris", "rosie", "ruby"})
_PERSON_HEADING = re.compile(r"^[A-Z][a-z\u00e0-\u00ff'\-]+(?: [A-Z][a-z\u00e0-\u00ff'\-]+)?$")
# Everyday words a person heading may hold that are not names ("Completed by": Mum, Dad).
_NOT_NAMES = frozenset("""
mum mom mam mama mummy mother dad daddy papa father parent parents carer grandma grandpa granny
nan nana grandad grandmother grandfather nurse doctor teacher child baby me myself both other
yes no none unknown good bad ok fine
""".split())

# Words that say a heading is about birth: with full dates in it, a column of dates of birth.
# ("Year of birth" holds years: a quasi-identifier, kept for the age band.)
_BIRTH_WORDS = _phrases("birth", "born", "naissance", "nacimiento", "nac", "geburt", "geb",
                        "geboren", "nascita", "geboorte", "naiss")
# Headings that hint at a postcode without saying so: flagged when they hold 5-digit ZIP codes.
_POSTAL_WORDS = _phrases("postal", "post", "cp", "cap", "area", "zone", "district")
# Date headings with a known meaning in a diary: never dates of birth.
_DATE_ROLE_WORDS = _phrases(
    "date", "day", "onset", "diagnosis", "diagnosed", "start", "started", "end", "ended", "stop",
    "stopped", "began", "first", "last", "visit", "admission", "discharge", "infusion", "dose",
    "from", "to", "until", "since", "course", "relapse", "treatment", "timestamp", "time", "when",
    "checkin", "datum", "fecha", "week", "month", "logged", "entry", "recorded", "updated", "created")
_MEMBER_HEADINGS = _phrases("member", "member code", "member id", "user id", "participant",
                            "child id", "child code", "patient id", "family", "code", "id")

# The cheap pre-filter, run by pyarrow over a whole column (so RE2 syntax: no look-arounds): every
# cell that could hold an email, web link, phone or ID number, IP address, UK postcode or street
# address matches it. Most cells (scores, doses, plain dates, symptoms, most notes) do not, and
# only the cells that do are looked at one by one.
_STREET_WORDS = ("street|st|road|rd|avenue|ave|lane|ln|drive|close|way|court|ct|place|crescent|"
                 "gardens|terrace|boulevard|blvd|square|grove|mews|row|parade|walk|rue|chemin|"
                 "all\u00e9e|impasse|quai|bd|calle|avenida|avda|plaza|paseo|camino|carrer|via|"
                 "viale|piazza|corso")
_CANDIDATE = re.compile("|".join((
    r"@", r"://", r"(?i:www\.)",
    r"(?:\d[ ()./\-]{0,3}){8}\d",  # nine digits or more in a run: phone, NHS, SSN
    r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}",
    r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",  # UK postcode
    r"[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]",  # UK National Insurance number
    rf"\d.*(?i:\b(?:{_STREET_WORDS})\b)", rf"(?i:\b(?:{_STREET_WORDS})\b).*\d",
    "(?i:stra(?:ss|\u00df)e|str\\.|weg|platz|allee|gasse|straat|laan|plein|gracht) \\d",
)))
# A cell that is only a date and a time passes the pre-filter (ten digits in a row) but holds no
# phone number: a timestamp column of a million distinct values is not read one by one.
_DATE_TIME_ONLY = re.compile(
    r"^\s*(?:\d{4}[./\-]\d{1,2}[./\-]\d{1,2}|\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4})"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?: ?[AaPp]\.?[Mm]\.?)?)?"
    r"(?: ?(?:[+\-]\d{2}:?\d{2}|Z|(?:GMT|UTC)(?:[+\-]\d{1,2}(?::?\d{2})?)?))?\s*$")

# --- value checks --------------------------------------------------------------------------------


def _nhs_check_digit_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _is_nhs_number(text: str, match: re.Match) -> bool:
    """A spaced 3-3-4 number with a valid check digit, not the end of a phone number with its
    country code ("+39 333 123 4567", "+1 415 555 2671")."""
    return (_nhs_check_digit_ok("".join(match.groups()))
            and not _COUNTRY_CODE_BEFORE.search(text[:match.start()]))


def _has_nhs_number(text: str) -> bool:
    return any(_is_nhs_number(text, m) for m in _NHS_SPACED.finditer(text))


def _ip_addresses(text: str) -> list[re.Match]:
    """IPv4 addresses, not version numbers ("1.2.3.4", "v2.0.1.3": one digit per part or "v")."""
    return [m for m in _IPV4.finditer(text)
            if any(len(part) > 1 for part in m.group(0).split("."))
            and not _VERSION_BEFORE.search(text[:m.start()])]


def _maybe_phone(text: str) -> bool:
    """Cheap test before the library's: a run of phone characters with enough digits, once dates
    and times are taken out. Most cells (scores, doses, dates) stop here."""
    if len(_DIGITS.findall(text)) < MIN_PHONE_DIGITS:
        return False
    rest = _DATE_IN.sub(" ", text)
    for match in _PHONE_CANDIDATE.finditer(rest):
        run = match.group(0)
        bare = run.isdigit() and not run.startswith("0")  # see _phone_spans
        if not bare and len(_DIGITS.findall(run)) >= MIN_PHONE_DIGITS:
            return True
    return False


def _phone_spans(text: str, all_regions: bool = False) -> list[tuple[int, int]]:
    """Where phone numbers are in ``text``, found with the phonenumbers library.

    A match counts when it has at least ``MIN_PHONE_DIGITS`` digits, holds no date or time, and is
    written the way people write phones (leading +, 0 or an area code in brackets, or the North
    American 3-3-4 grouping), or is grouped (not one bare run of digits, which may be a batch or
    record number) and valid for one of ``PHONE_REGIONS``. The ranges kept for films and examples
    (07700 900xxx, 555) are not "valid" but are clearly phone numbers; German rules call almost any
    7 digits "valid", hence the minimum length.
    """
    if not _maybe_phone(text):
        return []
    # Imported here: its metadata costs ~25 ms, and most files hold nothing phone-like.
    import phonenumbers
    from phonenumbers import Leniency, PhoneNumberMatcher

    spans: list[tuple[int, int]] = []
    for region in PHONE_REGIONS:
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
            raw = match.raw_string.strip()
            digits = len(_DIGITS.findall(raw))
            if digits < MIN_PHONE_DIGITS or _DATE_IN.search(raw):
                ok = False
            elif raw[:1] not in "+(0" and _REFERENCE_BEFORE.search(text[:match.start]):
                ok = False  # "LOT 1234-5678-90", "Ref 415 555 2671"
            elif raw[:1] in "+(0" or _NANP_SHAPE.match(raw):
                ok = True
            else:  # a bare run of digits is a phone only when grouped and valid somewhere
                ok = not raw.isdigit() and phonenumbers.is_valid_number(match.number)
            if ok:
                spans.append((match.start, match.end))
        if spans and not all_regions:
            break
    return spans


def _looks_like_name(value: str) -> bool:
    if not _NAME_VALUE.match(value):
        return False
    tokens = [t.strip(".,").lower() for t in value.replace(",", " ").split()]
    return any(t in _GIVEN_NAMES for t in tokens)


def _looks_like_code(value: str) -> bool:
    """Member codes (F01, A-12, 7) and opaque tokens (aB3+/x==): not names."""
    if _CODE.match(value):
        return True
    return " " not in value and len(value) >= 4 and bool(_DIGITS.search(value))


def _value_kinds(value: str) -> tuple[str, ...]:
    """Every identifying kind found inside one cell, most specific first."""
    found: list[str] = []
    if "@" in value and _EMAIL.search(value):
        found.append("email")
    lowered = value.lower()
    if ("://" in value or "www." in lowered) and _URL.search(value):
        found.append("url")
    has_digit = bool(_DIGITS.search(value))
    if has_digit:
        if _SSN.search(value) or _has_nhs_number(value):
            found.append("national_id")
        elif _UK_NINO.search(value):
            found.append("national_id")
        if _ip_addresses(value):
            found.append("ip")
        if _phone_spans(_EMAIL.sub(" ", _URL.sub(" ", value))):
            found.append("phone")
        if _UK_POSTCODE.search(value):
            found.append("postcode")
        if _STREET.search(value):
            found.append("address")
    elif _looks_like_name(value):
        found.append("name")
    return tuple(found)


# --- the scan ------------------------------------------------------------------------------------


def _header_kind(norm: str) -> str | None:
    if not norm:
        return None
    for kind, pattern in _HEADER_KINDS:
        if pattern.search(norm):
            return kind
    return _EXACT_HEADERS.get(norm)


def _header_says_name(norm: str) -> bool:
    if not norm or _THING_NAME.search(norm):
        return False
    words = norm.split()
    return (bool(_NAME_PHRASES.search(norm)) or norm in {"name", "names"}
            or words[-1] in {"name", "names"} or words[0] == "name")


def _heading_is_a_name(header: str) -> bool:
    """A heading that is itself a first name ("Olivia" in `date,symptom,Olivia,Harry`): the heading
    is shown in messages and charts, so the column goes whatever it holds."""
    header = header.strip()
    if not _PERSON_HEADING.match(header):
        return False
    first = _norm_header(header).split()[0]
    return (first in _GIVEN_NAMES and first not in _NAME_HEADINGS_NOT_PEOPLE
            and not _is_vocabulary(header))


def _is_vocabulary(value: str) -> bool:
    """A symptom, treatment or event word oms_dash knows ("Jerks", "IVIG", "Fever"): not a name."""
    return bool(match_item(value) or match_treatment(value) or match_event(value))


def _looks_like_person(value: str) -> bool:
    """A capitalised word or two that is not a code, an everyday word or a symptom: under a
    heading naming a person ("Kind", "Niño"), a name even when it is not in our list ("Bodhi")."""
    return (bool(_NAME_VALUE.match(value)) and not _looks_like_code(value)
            and value.strip(".").lower() not in _NOT_NAMES and not _is_vocabulary(value))


def _is_person_heading(norm: str) -> bool:
    # Short headings only: a form question such as "How was your child today?" is not a name; and
    # "Child's code" holds pseudonyms the coordinator chose, even word-like ones ("Bear").
    return (len(norm.split()) <= 3 and bool(_PERSON_WORDS.search(norm))
            and not _CODE_WORDS.search(norm) and not _NOTE_WORDS.search(norm)
            and not is_quasi_identifier(norm))


def _is_free_text(norm: str, values: list[str]) -> bool:
    if _NOTE_WORDS.search(norm):
        return True
    if not values:
        return False
    long = sum(1 for v in values if len(_WORD.findall(v)) >= 4)
    return long / len(values) >= MIN_SHARE


def _share(values: list[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _finding(column: str, kind: str, basis: str) -> dict:
    return {"column": column, "reason": f"looks like {KINDS[kind]} ({basis})", "kind": kind}


# Most specific first: a spaced NHS number is also a possible phone number.
_CONTENT_ORDER = ("email", "national_id", "phone", "url", "postcode", "address", "ip", "name")


def _as_text(column: pd.Series) -> pd.Series | None:
    """The column as pandas text, or None for numbers, dates and booleans (nothing to find)."""
    if column.dtype == "str":
        return column
    if column.dtype == object or isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype("str")
    return None


# Below this many distinct values the pre-filter runs in Python: pyarrow's RE2 costs ~3 ms to set
# up its pattern, which Python's re spends on about a hundred values (30 us each).
VECTORISED_FROM = 100


def _candidate_values(values: pd.Series) -> list[str]:
    """The values worth a closer look, found by the pre-filter (vectorised, RE2 in pyarrow, on
    many values), leaving out those that are just a date and time."""
    if len(values) < VECTORISED_FROM:
        return [v for v in values.dropna().tolist()
                if _CANDIDATE.search(v) and not _DATE_TIME_ONLY.search(v)]
    mask = _ascii_matches(values, _CANDIDATE.pattern)
    if mask is None:
        mask = values.str.contains(_CANDIDATE, na=False)
    if not mask.any():
        return []
    found = values[mask]
    date_time = _ascii_matches(found, _DATE_TIME_ONLY_RE2)
    if date_time is None:
        date_time = found.str.contains(_DATE_TIME_ONLY, na=False).to_numpy()
    return found[~date_time].tolist()


# _DATE_TIME_ONLY for RE2, whose \s leaves out the vertical tab and \x1c-\x1f that Python's
# takes (its $ is the very end, as Python's is after \s*). Asked of pyarrow, a Forms export's
# timestamps (every one a candidate) are no longer matched one by one in Python: 0.11 s of 0.72 s
# of read_file on the benchmark's 30,000-row form (profiled).
_DATE_TIME_ONLY_RE2 = _DATE_TIME_ONLY.pattern.replace(r"\s", r"[\s\x0b\x1c-\x1f]")


def _ascii_matches(values: pd.Series, pattern: str) -> np.ndarray | None:
    """Where an RE2 pattern is found in each value, asked of pyarrow directly when every value is
    plain ASCII (there RE2 reads \\d and \\b as Python does); None otherwise. pandas would make
    the same choice, but it parses a long pattern again on every call to find that out (7 ms
    each)."""
    arrow = arrow_of(values)
    if values.dtype != "str" or arrow is None or arrow.null_count:
        return None
    import pyarrow.compute as pc

    if not pc.all(pc.string_is_ascii(arrow)).as_py():
        return None
    return pc.match_substring_regex(arrow, pattern).to_numpy(zero_copy_only=False)


class _Distinct:
    """One column seen through its distinct values (``factorize``: codes per cell, distinct
    values). Every distinct value is read once, whatever the number of cells repeating it (a
    million-row diary has a few thousand dates, members and scores); the sample and the cell
    counts come from the codes, so no cell is left out and no work is per cell in Python."""

    def __init__(self, column: pd.Series, factorize=None):
        self.column = column
        self.is_text = _as_text(column) is not None
        codes, uniques = (factorize or factorize_text)(column)
        self.codes = np.asarray(codes)
        values = pd.Series(uniques)
        self.values = (values if values.dtype == "str" else values.astype("str")).reset_index(drop=True)
        self._content: dict[str, tuple[str, ...]] | None = None
        self._filled_rows: tuple[bool, np.ndarray | None] | None = None

    def _filled(self) -> tuple[bool, np.ndarray | None]:
        """(any cell filled, the filled rows or None when every row is), worked out once."""
        if self._filled_rows is None:
            filled = (self.values.notna() & (self.values != "")).to_numpy()
            self._filled_rows = (bool(filled.any()),
                                 None if filled.all() else np.flatnonzero(filled[self.codes]))
        return self._filled_rows

    def sample(self, size: int = SAMPLE_SIZE) -> list[str]:
        """Up to ``size`` non-blank values, spread evenly from the first row to the last."""
        anything, rows = self._filled()
        if not anything:
            return []
        n = len(self.codes) if rows is None else len(rows)
        spread = np.linspace(0, n - 1, min(n, size)).round().astype(int)
        rows = spread if rows is None else rows[spread]
        picked = self.values.take(self.codes[rows]).tolist()
        return [v.strip() for v in picked if v.strip()]

    def content(self) -> dict[str, tuple[str, ...]]:
        """Each distinct candidate value -> the identifying kinds inside it (names aside); {} for
        a column of numbers or dates."""
        if self._content is None:
            self._content = {} if not self.is_text else {
                value: tuple(k for k in _value_kinds(value.strip()) if k != "name")
                for value in _candidate_values(self.values)}
        return self._content

    def redact(self) -> tuple[pd.Series, int] | None:
        """(the column with each identifying part of its cells replaced by "[removed]", number of
        cells changed), or None when nothing in it needs to go. The few distinct values that change
        are mapped back to their cells through the codes."""
        changed = {v: redact_text(v) for v, found in self.content().items() if found}
        if not changed:
            return None
        hit = self.values.isin(list(changed)).to_numpy()
        values = self.values.copy()
        values[hit] = self.values[hit].map(changed)
        cells = int(np.bincount(self.codes, minlength=len(values))[hit].sum())
        column = pd.Series(values.array.take(self.codes), index=self.column.index, dtype="str")
        return column, cells


def _heading_finding(header: str, norm: str) -> dict | None:
    """The finding a column's heading alone makes, whatever the column holds."""
    kind = _header_kind(norm)
    if kind is not None:
        return _finding(header, kind, "judging by its heading")
    if _heading_is_a_name(header):
        return {"column": header, "kind": "name", "heading_is_name": True,
                "reason": f"looks like {KINDS['name']} (its heading looks like a person's name)"}
    return None


def _scan_column(header: str, column: _Distinct) -> dict | None:
    norm = _norm_header(header)
    found = _heading_finding(header, norm)
    if found is not None:
        return found
    values = column.sample()
    if _header_says_name(norm):
        # A "name" column holding only codes like F01 was anonymised by the coordinator, and a
        # bare "Name" holding symptom words names symptoms: kept. One real name and it goes.
        bare = re.sub(r" \d+$", "", norm) in {"name", "names"}
        if values and all(_looks_like_code(v) or (bare and _is_vocabulary(v)) for v in values):
            return None
        return _finding(header, "name", "judging by its heading")
    if not values:
        return None
    basis = "judging by its heading and its values"
    if _BIRTH_WORDS.search(norm) and _share(values, _FULL_DATE.match) >= 0.5:
        return _finding(header, "dob", basis)
    if _POSTAL_WORDS.search(norm) and _share(values, _ZIP_VALUE.match) >= MIN_SHARE:
        return _finding(header, "postcode", basis)
    if _is_person_heading(norm) and _share(values, _looks_like_person) >= 0.5:
        return _finding(header, "name", basis)
    if _is_free_text(norm, values):
        # Every note is read, not a sample: one contact detail anywhere is enough.
        hits = {k for kinds in column.content().values() for k in kinds}
        for kind in _CONTENT_ORDER:
            if kind in hits:
                return {"column": header,
                        "reason": f"looks like free-text notes with {KINDS[kind]} in them, so the "
                                  "whole column is left out",
                        "kind": kind}
    # A structured column goes when a meaningful share of a sample looks identifying; a stray
    # contact detail in a kept column is blanked by scan_table instead.
    counts: Counter[str] = Counter()
    for value, times in Counter(values).items():  # each distinct value is judged once
        for kind in _value_kinds(value):
            counts[kind] += times
    checked = len(values)
    common = [k for k in _CONTENT_ORDER if counts[k] and counts[k] >= MIN_SHARE * checked]
    if not common:
        return None
    kind = max(common, key=lambda k: counts[k])  # ties: the first in _CONTENT_ORDER
    return _finding(header, kind, f"{counts[kind]} of {checked} values checked")


# A cell of at most eight digits, or blank, can hold nothing identifying: a phone or an ID
# number has nine digits or more (see _CANDIDATE), a date has separators, a name has letters.
_SHORT_NUMBER = r"^[ \t\r\n]*[0-9]{0,8}[ \t\r\n]*$"
# Tables with fewer rows are searched for such columns cell by cell, stacked (the larger ones'
# columns are hashed in the background anyway: codes.column_codes_for).
SHORT_NUMBERS_BELOW_ROWS = 20_000


def _short_number_columns(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per column (by position): whether every cell is blank or a number of at most eight digits,
    and whether any of its cells holds one. Found for all the columns at once, from one stacked
    column: a table of 1,000 such columns is not read through 1,000 sets of distinct values (~2 ms
    each, 2 s in all on a 5-row file)."""
    n, k = table.shape
    nothing = np.zeros(k, dtype=bool)
    if n >= SHORT_NUMBERS_BELOW_ROWS or not k:
        return nothing, nothing
    stacked = stacked_text([values for _, values in table.items()])
    if stacked is None:
        return nothing, nothing
    import pyarrow.compute as pc

    arrow = arrow_of(stacked)
    short = pc.match_substring_regex(arrow, _SHORT_NUMBER).fill_null(False)
    digit = pc.match_substring_regex(arrow, "[0-9]").fill_null(False)
    short = short.to_numpy(zero_copy_only=False).reshape(k, n)
    digit = digit.to_numpy(zero_copy_only=False).reshape(k, n)
    return short.all(axis=1), digit.any(axis=1)


def _scan_short_numbers(header: str, filled: bool) -> dict | None:
    """_scan_column of a column of blanks and short numbers (_short_number_columns), from its
    heading alone: such a value is never a phone, an ID number, a date or a name, and under a
    heading asking for a name it is a code (a column under such a heading that is all blank goes).
    Not for a postal heading, whose 5-digit numbers may be ZIP codes."""
    norm = _norm_header(header)
    found = _heading_finding(header, norm)
    if found is not None or not _header_says_name(norm) or filled:
        return found
    return _finding(header, "name", "judging by its heading")


def _parsed_dates(column: pd.Series) -> pd.Series | None:
    """The column (most of it full dates) as calendar days, or None when it cannot be read so."""
    text = _as_text(column)
    if text is None:
        return None
    text = text.str.strip().str.slice(0, 10)  # the day, without a time or a time zone
    dayfirst = bool(text.str.contains(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$", na=False).any())
    try:
        return pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst)
    except (ValueError, OverflowError):
        return None


# Dates of birth by content are judged on at most this many rows, spread over the file.
DOB_ROWS = 5000


def _birth_dates_by_content(table: pd.DataFrame, skip: set, column, plain: set = frozenset()
                            ) -> list[dict]:
    """Date columns under a heading with no known meaning whose dates are all a year or more
    before the row's observation date and the same for every row of a member: dates of birth.
    ``column(position)``: the column's ``_Distinct``, whose sample says whether it holds dates;
    ``plain``: the positions of columns known to hold no dates."""
    positions = {}
    for position, header in enumerate(table.columns):
        if header not in skip and header not in positions and position not in plain \
                and _share(column(position).sample(200), _FULL_DATE.match) >= 0.8:
            positions[header] = position
    if len(positions) < 2:
        return []
    if len(table) > DOB_ROWS:
        table = table.iloc[np.linspace(0, len(table) - 1, DOB_ROWS).round().astype(int)]
    dates = {}
    for header, position in positions.items():
        parsed = _parsed_dates(table.iloc[:, position])
        if parsed is not None and parsed.notna().any():
            dates[header] = parsed
    if len(dates) < 2:
        return []
    observed = max(dates, key=lambda h: (_DATE_ROLE_WORDS.search(_norm_header(h)) is not None,
                                         dates[h].nunique()))
    member = next((position for position, h in enumerate(table.columns)
                   if _MEMBER_HEADINGS.search(_norm_header(h)) and h not in skip), None)
    findings = []
    for header, parsed in dates.items():
        if header == observed or _DATE_ROLE_WORDS.search(_norm_header(header)):
            continue
        both = parsed.notna() & dates[observed].notna()
        if not both.any():
            continue
        gap = (dates[observed][both] - parsed[both]).dt.days
        if (gap < 365).any():
            continue
        if member is None:
            constant = parsed[both].nunique() == 1
        else:
            constant = bool((parsed[both].groupby(table.iloc[:, member][both]).nunique() <= 1).all())
        if constant:
            findings.append(_finding(header, "dob", "its dates are years before the diary dates "
                                                    "and the same for each member"))
    return findings


@dataclass(frozen=True)
class Scan:
    """What ``scan_table`` found: the columns to drop, and the kept columns whose cells it blanked
    ({column: number of cells changed}), for telling the user."""

    findings: list[dict]
    redacted: dict


def scan_table(table: pd.DataFrame, factorize=None) -> Scan:
    """The columns of a raw upload that identify people, and the identifying part of every cell of
    every other text column blanked in place, so nothing identifying is shown, cached or exported
    from a kept column either: emails, web links, phone and ID numbers, IP addresses, postcodes and
    street addresses become "[removed]" ("ring Sarah 07700 900123" -> "ring Sarah [removed]");
    each column's distinct values are read once for both. See the module docstring for the rules.

    ``table``: the user's headers as columns, cells as strings ("" or NaN for blank); duplicate
    headers are allowed. ``findings``: at most one per header, in column order, each
    ``{"column", "reason", "kind"}``; ``column`` is the header label itself, so
    ``table.drop(columns=[f["column"] for f in findings])`` removes them all. ``kind`` is a key of
    ``KINDS``. ``reason`` is plain words for a parent that read on from "it" ("looks like email
    addresses (judging by its heading)") and never quotes a cell.
    ``factorize(column) -> (codes, distinct values)`` (``pd.factorize`` by default) lets the ingest
    share the hashing it does anyway."""
    findings: dict = {}
    columns: dict[int, _Distinct] = {}

    def column(position: int) -> _Distinct:
        if position not in columns:
            columns[position] = _Distinct(table.iloc[:, position], factorize)
        return columns[position]

    short, filled = _short_number_columns(table)
    # Columns of short numbers hold no date, no contact detail and nothing to blank: only their
    # headings are read.
    plain = {position for position, header in enumerate(table.columns)
             if short[position] and not _POSTAL_WORDS.search(_norm_header(header))}
    for position, header in enumerate(table.columns):
        if header in findings:
            continue
        finding = (_scan_short_numbers(str(header), bool(filled[position])) if position in plain
                   else _scan_column(str(header), column(position)))
        if finding is not None:
            finding["column"] = header
            findings[header] = finding
    for finding in _birth_dates_by_content(table, set(findings), column, plain):
        findings[finding["column"]] = finding
    order = {header: position for position, header in reversed(list(enumerate(table.columns)))}
    result = sorted(findings.values(), key=lambda f: order[f["column"]])
    redacted = _redact(table, set(findings), column, plain)
    return Scan(result, redacted)


def _redact(table: pd.DataFrame, skip: set, column, plain: set) -> dict:
    changed: dict = {}
    for position, header in enumerate(table.columns):
        if header in skip or position in plain:
            continue
        redacted = column(position).redact()
        if redacted is not None:
            table.isetitem(position, redacted[0])
            changed[header] = changed.get(header, 0) + redacted[1]
    return changed


def is_quasi_identifier(header: object) -> bool:
    """Age, sex, country and the like: kept, but shown only in aggregates (age as an age band).

    The heading, without words naming the person ("Child's age" -> "age"), is one of
    ``QUASI_IDENTIFIER_COLUMNS`` or starts with one ("Age at onset (months)", "Country of residence").
    """
    return _is_quasi_identifier(str(header))


@lru_cache(maxsize=8192)  # asked of each heading four times in a read: 1,000 columns, 0.12 s
def _is_quasi_identifier(header: str) -> bool:
    norm = _PERSON_WORDS.sub(" ", _norm_header(header))
    norm = re.sub(r"\b(?:your|his|her|their|the)\b", " ", norm)
    norm = re.sub(r"\s+", " ", norm).strip()
    return any(norm == q or norm.startswith(q + " ") for q in QUASI_IDENTIFIER_COLUMNS)


def find_quasi_identifier_columns(table: pd.DataFrame) -> list[str]:
    return [str(c) for c in dict.fromkeys(table.columns) if is_quasi_identifier(c)]


def redact_text(text: str) -> str:
    """``text`` with emails, web links, phone numbers, ID numbers and postcodes replaced by
    "[removed]", for showing notes to the coordinator who opted in. Names are not found."""
    if not isinstance(text, str) or not text:
        return text
    text = _EMAIL.sub(REMOVED, text)
    text = _URL.sub(REMOVED, text)
    text = _SSN.sub(REMOVED, text)
    text = _NHS_SPACED.sub(lambda m: REMOVED if _is_nhs_number(text, m) else m.group(0), text)
    text = _UK_NINO.sub(REMOVED, text)
    for match in reversed(_ip_addresses(text)):
        text = text[:match.start()] + REMOVED + text[match.end():]
    spans = sorted(set(_phone_spans(text, all_regions=True)))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + REMOVED + text[end:]
    text = _UK_POSTCODE.sub(REMOVED, text)
    return _STREET.sub(REMOVED, text)

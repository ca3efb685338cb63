"""The Reference: plain-language, cited content about OMS, loaded from the YAML files beside this module.

Content is data. Each section file (``what-is-oms.yaml``, ``symptoms.yaml``, ...) holds an ``id``, a
``title``, an ``order``, a ``last_reviewed`` date, its ``sources`` (keys into ``sources.yaml``) and its
``entries`` (``id``, ``title``, Markdown ``body``, ``sources``, optional ``synonyms``). The loader
checks every file against that shape and raises :class:`ReferenceContentError`, naming the file and
the field, rather than letting a bad file break the page.

Two things are never written by hand, so they cannot drift from the vocabulary in
:mod:`oms_dash.schema`: the synonyms of a symptom entry (an entry whose id is a schema item id) and
the "how it is scored" paragraph of that entry. Bodies may also use placeholders, expanded at load
time: ``{{entry:<id>}}`` (a link to another entry, checked to exist) and the scale facts listed in
:data:`PLACEHOLDERS`.

No Streamlit here: the page in :mod:`oms_dash.ui.pages.reference` only draws what this module returns.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlencode

import yaml

from oms_dash import schema

CONTENT_DIR = Path(__file__).resolve().parent
SOURCES_FILE = "sources.yaml"
PAGE_PATH = "reference"  # url path of the Reference page (oms_dash.ui.registry); tested to agree
ENTRY_PARAM = "entry"  # query parameter naming the entry to open
SEARCH_PARAM = "q"  # query parameter pre-filling the search box

DISCLAIMER = "Information, not medical advice: talk to your child's neurologist."

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)(?::([a-z0-9_\-]+))?\s*\}\}")
_SECTION_KEYS = {"id", "title", "order", "last_reviewed", "summary", "intro", "sources", "entries"}
_ENTRY_KEYS = {"id", "title", "body", "sources", "synonyms"}
_SOURCE_KEYS = {"key", "citation", "doi", "pmid", "pmc", "url", "journal_ref", "note"}


class ReferenceContentError(ValueError):
    """A content file does not have the expected shape. The message names the file and the field."""

    def __init__(self, file: str | Path, field_path: str, problem: str) -> None:
        self.file = Path(file).name
        self.field = field_path
        self.problem = problem
        where = f"{self.file}, field '{field_path}'" if field_path else self.file
        super().__init__(f"Reference content error in {where}: {problem}")


# --- the content, as values ----------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """One published or institutional source. ``link`` is a DOI, PubMed or web address, or None
    for a source cited by its journal reference only (``journal_ref``)."""

    key: str
    citation: str
    doi: str | None = None
    pmid: str | None = None
    pmc: str | None = None
    url: str | None = None
    journal_ref: str | None = None
    note: str | None = None

    @property
    def link(self) -> str | None:
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        return self.url

    @property
    def link_text(self) -> str | None:
        if self.doi:
            return f"doi:{self.doi}"
        if self.pmid:
            return f"PMID {self.pmid}"
        return self.url


@dataclass(frozen=True)
class Entry:
    """One topic. ``body`` is the full Markdown (placeholders expanded, scoring paragraph added for
    symptom entries). ``item_id`` is set when the entry documents a schema vocabulary item."""

    id: str
    section: str
    title: str
    body: str
    sources: tuple[str, ...]
    synonyms: tuple[str, ...] = ()
    item_id: str | None = None


@dataclass(frozen=True)
class Section:
    """A group of entries from one file. ``sources`` is the numbered source list: the section's own
    keys first, then any key an entry cites that the section did not list, in order of first use."""

    id: str
    title: str
    order: int
    last_reviewed: dt.date
    sources: tuple[str, ...]
    entries: tuple[Entry, ...]
    file: str
    summary: str = ""
    intro: str = ""

    def number(self, key: str) -> int:
        """1-based position of a source key in this section's numbered list."""
        return self.sources.index(key) + 1


@dataclass(frozen=True)
class Reference:
    sections: tuple[Section, ...]
    sources: Mapping[str, Source]
    entries: Mapping[str, Entry] = field(default_factory=lambda: MappingProxyType({}))

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def all_entries(self) -> list[Entry]:
        return [e for s in self.sections for e in s.entries]


# --- placeholders expanded from the schema ---------------------------------------------------------

def _severity_scale() -> str:
    return ", ".join(f"{n} {label}" for n, label in schema.SEVERITY_LABELS.items())


def _mitchell_pike_levels() -> str:
    # The fact sheet's anchors for the scale: the lowest level reads "normal", not "none".
    labels = {**schema.SEVERITY_LABELS, schema.SEVERITY_MIN: "normal"}
    return ", ".join(f"{n} {label}" for n, label in sorted(labels.items()))


def _item_list(ids: Iterable[str]) -> str:
    return "; ".join(f"[{schema.item_label(i)}]({entry_url(i)})" for i in ids)


PLACEHOLDERS: dict[str, Any] = {
    "severity_scale": _severity_scale,
    "mitchell_pike_levels": lambda: _mitchell_pike_levels(),
    "severity_min": lambda: str(schema.SEVERITY_MIN),
    "severity_max": lambda: str(schema.SEVERITY_MAX),
    "mitchell_pike_count": lambda: str(len(schema.MITCHELL_PIKE_ITEMS)),
    "mitchell_pike_total_max": lambda: str(schema.MITCHELL_PIKE_TOTAL_MAX),
    "mitchell_pike_items": lambda: _item_list(schema.MITCHELL_PIKE_ITEMS),
    "diary_items": lambda: _item_list(i.id for i in schema.ITEMS if not i.mitchell_pike),
    "severity_words": lambda: _severity_words(),
}


def _severity_words(per_level: int = 3) -> str:
    """A few of the words the ingest reads as each level, e.g. '“mild”, “slight” = 1'."""
    by_level: dict[int, list[str]] = {}
    for word, level in schema.SEVERITY_WORDS.items():
        if not word.isdigit():
            by_level.setdefault(level, []).append(f"“{word}”")
    return "; ".join(f"{', '.join(words[:per_level])} = {level}"
                     for level, words in sorted(by_level.items()))


def _scoring_paragraph(item: schema.Item) -> str:
    scale = _severity_scale()
    if item.mitchell_pike:
        return (
            "**How it is scored.** This is one of the "
            f"{len(schema.MITCHELL_PIKE_ITEMS)} items commonly used in the "
            f"[Mitchell-Pike OMS Rating Scale]({entry_url('mitchell-pike')}). It is scored from "
            f"{schema.SEVERITY_MIN} to {schema.SEVERITY_MAX} ({_mitchell_pike_levels()}). "
            "The exact wording of each "
            "level could not be checked in a primary source, so ask your team how they score it. "
            "In a home diary, the dashboard puts this symptom on its common "
            f"{schema.SEVERITY_MIN}–{schema.SEVERITY_MAX} scale ({scale})."
        )
    return (
        "**How it is scored.** This is not one of the "
        f"{len(schema.MITCHELL_PIKE_ITEMS)} items commonly used in the "
        f"[Mitchell-Pike OMS Rating Scale]({entry_url('mitchell-pike')}), so it has no "
        "Mitchell-Pike score. When families note it in a diary, the dashboard puts it on its common "
        f"{schema.SEVERITY_MIN}–{schema.SEVERITY_MAX} scale ({scale})."
    )


# --- loading and checking -------------------------------------------------------------------------

def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceContentError(path, "", f"cannot be read ({exc.__class__.__name__})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" near line {mark.line + 1}" if mark is not None else ""
        raise ReferenceContentError(path, "", f"is not valid YAML{where}") from exc


def _need_str(path: Path, where: str, value: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ReferenceContentError(path, where, "must be a non-empty piece of text")
    return value.strip()


def _need_id(path: Path, where: str, value: Any) -> str:
    text = _need_str(path, where, value)
    if not _ID_RE.match(text):
        raise ReferenceContentError(
            path, where, f"'{text}' must be lower-case letters, digits, '-' or '_' (no spaces)")
    return text


def _need_keys(path: Path, where: str, value: Any, known: Mapping[str, Source]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ReferenceContentError(path, where, "must be a list of at least one source key")
    keys = []
    for i, key in enumerate(value):
        if not isinstance(key, str) or key not in known:
            raise ReferenceContentError(
                path, f"{where}[{i}]", f"'{key}' is not a source key in {SOURCES_FILE}")
        keys.append(key)
    return tuple(dict.fromkeys(keys))


def _check_unknown(path: Path, where: str, data: Mapping, allowed: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        field_path = f"{where}.{extra[0]}" if where else str(extra[0])
        raise ReferenceContentError(
            path, field_path, f"is not a known field (allowed: {', '.join(sorted(allowed))})")


def load_sources(path: Path) -> dict[str, Source]:
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ReferenceContentError(path, "sources", "must be a list of sources")
    out: dict[str, Source] = {}
    for i, raw in enumerate(data["sources"]):
        where = f"sources[{i}]"
        if not isinstance(raw, dict):
            raise ReferenceContentError(path, where, "must be a mapping with key and citation")
        _check_unknown(path, where, raw, _SOURCE_KEYS)
        key = _need_id(path, f"{where}.key", raw.get("key"))
        if key in out:
            raise ReferenceContentError(path, f"{where}.key", f"'{key}' is listed twice")
        values = {k: (str(raw[k]).strip() if raw.get(k) is not None else None)
                  for k in ("doi", "pmid", "pmc", "url", "journal_ref", "note")}
        src = Source(key=key, citation=_need_str(path, f"{where}.citation", raw.get("citation")),
                     **values)
        if src.link is None and not src.journal_ref:
            raise ReferenceContentError(
                path, where, f"'{key}' needs a doi, pmid or url, or an explicit journal_ref")
        if src.url and not src.url.startswith(("https://", "http://")):
            raise ReferenceContentError(path, f"{where}.url", "must start with https:// or http://")
        out[key] = src
    return out


def _expand(path: Path, where: str, text: str, titles: Mapping[str, str]) -> str:
    def replace(m: re.Match[str]) -> str:
        name, arg = m.group(1), m.group(2)
        if name == "entry":
            if arg not in titles:
                raise ReferenceContentError(path, where, f"links to an unknown entry '{arg}'")
            return f"[{titles[arg]}]({entry_url(arg)})"
        if name in PLACEHOLDERS and arg is None:
            return PLACEHOLDERS[name]()
        raise ReferenceContentError(path, where, f"unknown placeholder '{m.group(0)}'")

    out = _PLACEHOLDER_RE.sub(replace, text)
    if "{{" in out or "}}" in out:
        raise ReferenceContentError(path, where, "has an unclosed or malformed {{placeholder}}")
    return out


def _raw_section(path: Path, sources: Mapping[str, Source]) -> dict:
    """Shape-check one section file; returns plain values (bodies not yet expanded)."""
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ReferenceContentError(path, "", "must be a mapping with id, title, entries, ...")
    _check_unknown(path, "", data, _SECTION_KEYS)
    sec = {
        "id": _need_id(path, "id", data.get("id")),
        "title": _need_str(path, "title", data.get("title")),
        "summary": _need_str(path, "summary", data.get("summary", ""), allow_empty=True),
        "intro": _need_str(path, "intro", data.get("intro", ""), allow_empty=True),
        "sources": _need_keys(path, "sources", data.get("sources"), sources),
        "file": path.name,
    }
    order = data.get("order")
    if not isinstance(order, int) or isinstance(order, bool):
        raise ReferenceContentError(path, "order", "must be a whole number (the tab position)")
    sec["order"] = order
    reviewed = data.get("last_reviewed")
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError:
            reviewed = None
    if not isinstance(reviewed, dt.date) or isinstance(reviewed, dt.datetime):
        raise ReferenceContentError(path, "last_reviewed", "must be a date written YYYY-MM-DD")
    sec["last_reviewed"] = reviewed
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        raise ReferenceContentError(path, "entries", "must be a list of at least one entry")
    sec["entries"] = []
    for i, raw in enumerate(entries):
        where = f"entries[{i}]"
        if not isinstance(raw, dict):
            raise ReferenceContentError(path, where, "must be a mapping with id, title, body, sources")
        _check_unknown(path, where, raw, _ENTRY_KEYS)
        entry = {
            "id": _need_id(path, f"{where}.id", raw.get("id")),
            "title": _need_str(path, f"{where}.title", raw.get("title")),
            "body": _need_str(path, f"{where}.body", raw.get("body")),
            "sources": _need_keys(path, f"{where}.sources", raw.get("sources"), sources),
            "where": where,
        }
        synonyms = raw.get("synonyms", [])
        if entry["id"] in schema.ITEMS_BY_ID and "synonyms" in raw:
            raise ReferenceContentError(
                path, f"{where}.synonyms",
                f"'{entry['id']}' is a vocabulary item: its synonyms come from oms_dash.schema.ITEMS "
                "and must not be copied here")
        if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip()
                                                     for s in synonyms):
            raise ReferenceContentError(path, f"{where}.synonyms", "must be a list of words or phrases")
        entry["synonyms"] = tuple(s.strip() for s in synonyms)
        sec["entries"].append(entry)
    return sec


def _build(folder: Path) -> Reference:
    folder = Path(folder)
    sources_path = folder / SOURCES_FILE
    if not sources_path.is_file():
        raise ReferenceContentError(sources_path, "", "is missing")
    sources = load_sources(sources_path)
    raws = [_raw_section(p, sources) for p in sorted(folder.glob("*.yaml")) if p.name != SOURCES_FILE]
    if not raws:
        raise ReferenceContentError(folder / "*.yaml", "", "no section files found")

    titles: dict[str, str] = {}
    seen_sections: dict[str, str] = {}
    seen_orders: dict[int, str] = {}
    owner: dict[str, str] = {}
    for sec in raws:
        path = folder / sec["file"]
        if sec["id"] in seen_sections:
            raise ReferenceContentError(path, "id", f"section '{sec['id']}' is also in "
                                                    f"{seen_sections[sec['id']]}")
        if sec["order"] in seen_orders:
            raise ReferenceContentError(path, "order", f"{sec['order']} is also used by "
                                                       f"{seen_orders[sec['order']]}")
        seen_sections[sec["id"]] = seen_orders[sec["order"]] = sec["file"]
        for e in sec["entries"]:
            if e["id"] in titles:
                raise ReferenceContentError(path, f"{e['where']}.id",
                                            f"entry '{e['id']}' is also in {owner[e['id']]}")
            titles[e["id"]] = e["title"]
            owner[e["id"]] = sec["file"]

    sections = []
    for sec in sorted(raws, key=lambda s: s["order"]):
        path = folder / sec["file"]
        entries = []
        for e in sec["entries"]:
            body = _expand(path, f"{e['where']}.body", e["body"], titles)
            item = schema.ITEMS_BY_ID.get(e["id"])
            synonyms = e["synonyms"]
            if item is not None:
                body = f"{body}\n\n{_scoring_paragraph(item)}"
                synonyms = tuple(dict.fromkeys((item.label, *item.synonyms)))
            entries.append(Entry(id=e["id"], section=sec["id"], title=e["title"], body=body,
                                 sources=e["sources"], synonyms=synonyms,
                                 item_id=item.id if item else None))
        numbered = tuple(dict.fromkeys([*sec["sources"], *(k for e in entries for k in e.sources)]))
        sections.append(Section(
            id=sec["id"], title=sec["title"], order=sec["order"], last_reviewed=sec["last_reviewed"],
            sources=numbered, entries=tuple(entries), file=sec["file"], summary=sec["summary"],
            intro=_expand(path, "intro", sec["intro"], titles) if sec["intro"] else ""))
    by_id = {e.id: e for s in sections for e in s.entries}
    return Reference(sections=tuple(sections), sources=MappingProxyType(sources),
                     entries=MappingProxyType(by_id))


@functools.lru_cache(maxsize=8)
def _load_cached(folder: Path) -> Reference:
    return _build(folder)


def load_reference(folder: str | Path | None = None) -> Reference:
    """The checked Reference from ``folder`` (default: the files shipped with the package).

    Raises ReferenceContentError naming the file and field when any file is malformed. Cached per
    folder; the returned values are immutable.
    """
    return _load_cached(Path(folder).resolve() if folder is not None else CONTENT_DIR)


# --- lookups used by the pages ---------------------------------------------------------------------

def entry_url(entry_id: str) -> str:
    """Relative link that opens the Reference page at an entry (no check that the entry exists)."""
    return f"./{PAGE_PATH}?{urlencode({ENTRY_PARAM: entry_id}, quote_via=quote)}"


def find_entry(name: str | None, reference: Reference | None = None) -> Entry | None:
    """The entry an id, an item id or a symptom name refers to (as the ingest would read it)."""
    if not name or not str(name).strip():
        return None
    ref = reference or load_reference()
    text = str(name).strip()
    if text in ref.entries:
        return ref.entries[text]
    if text.lower() in ref.entries:
        return ref.entries[text.lower()]
    item_id = schema.match_item(text, exact_only=True)
    return ref.entries.get(item_id) if item_id else None


def entry_for_item(item_id: str, reference: Reference | None = None) -> Entry | None:
    """The symptom entry documenting a vocabulary item, or None for items outside the vocabulary."""
    ref = reference or load_reference()
    entry = ref.entries.get(item_id)
    return entry if entry is not None and entry.item_id == item_id else None


def reference_url(item_id: str) -> str:
    """Link for other pages (charts, problem tables) to open the Reference at an item's entry.

    A vocabulary item or entry id opens that entry; any other symptom name opens the Reference with
    the search box filled in, so a family's own word still leads somewhere useful.
    """
    entry = find_entry(item_id)
    if entry is not None:
        return entry_url(entry.id)
    text = schema.normalise_text(str(item_id)).strip()
    if not text:
        return f"./{PAGE_PATH}"
    return f"./{PAGE_PATH}?{urlencode({SEARCH_PARAM: text}, quote_via=quote)}"


def sources_for(section: str | Section, reference: Reference | None = None) -> list[Source]:
    """A section's sources in their numbered order (number = position + 1)."""
    ref = reference or load_reference()
    sec = section if isinstance(section, Section) else ref.section(section)
    return [ref.sources[k] for k in sec.sources]


# --- search ---------------------------------------------------------------------------------------

_STOPWORDS = frozenset(
    "a an and are as at be been by can could do does for from had has have he her his how i if in "
    "is it its me my of on or our she so that the their them there they this to was we what when "
    "where which who why will with you your about".split()
)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s/\-]+", schema.normalise_text(text)) if w]


def _has_phrase(haystack: str, phrase: str) -> bool:
    return bool(phrase) and re.search(
        r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])", haystack) is not None


_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "es", "s", "ed", "e")


def _stem(word: str) -> str:
    """A crude stem, enough for 'vaccines' to find 'vaccination' and 'jerks' to find 'jerk'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _word_hit(word: str, tokens: Iterable[str]) -> bool:
    # Short words must match whole (so "ot" does not find "other"); longer ones match as a prefix
    # of their stem, so "jerk" finds "jerks" and "relapsing" finds "relapse".
    if len(word) < 4:
        return word in tokens
    stem = _stem(word)
    return any(t.startswith(stem) for t in tokens)


def search(query: str, reference: Reference | None = None) -> list[Entry]:
    """Entries matching any word of ``query`` or any synonym, best first.

    Ranking: the query naming an entry (its title, id or a synonym, or the vocabulary item the
    ingest would read it as) first; then the whole phrase in a title, synonym or body; then the
    number of query words found (names count more than body text). Common little words are ignored.
    """
    ref = reference or load_reference()
    phrase = " ".join(_words(query or ""))
    if not phrase:
        return []
    words = [w for w in phrase.split() if w not in _STOPWORDS] or phrase.split()
    item_id = schema.match_item(query)
    scored = []
    for rank, entry in enumerate(ref.all_entries()):
        names = [" ".join(_words(n)) for n in (entry.title, entry.id, *entry.synonyms)]
        name_tokens = {t for n in names for t in n.split()}
        body = " ".join(_words(entry.body))
        body_tokens = set(body.split())
        score = 0
        if phrase in names:
            score += 100
        if entry.item_id is not None and entry.item_id == item_id:
            score += 60
        if any(_has_phrase(n, phrase) for n in names) or any(
                len(n) >= 4 and _has_phrase(phrase, n) for n in names):
            score += 40
        elif _has_phrase(body, phrase):
            score += 20
        score += sum(5 for w in words if _word_hit(w, name_tokens))
        score += sum(1 for w in words if _word_hit(w, body_tokens))
        if score:
            scored.append((-score, rank, entry))
    return [e for _s, _r, e in sorted(scored, key=lambda t: (t[0], t[1]))]


# --- Markdown the page (and a printed report) shows -----------------------------------------------

def _md_url(url: str) -> str:
    # Parentheses and spaces would end a Markdown link early (DOIs such as 10.1016/S2352-4642(17)...).
    return quote(url, safe=":/?=&%#+@,;~")


def source_markdown(source: Source) -> str:
    text = source.citation
    if source.link:
        text += f" [{source.link_text}]({_md_url(source.link)})"
    elif source.journal_ref:
        text += " (no DOI or PubMed link confirmed: cited by its journal reference)"
    if source.pmid and source.doi:
        text += f" · [PMID {source.pmid}]({_md_url(f'https://pubmed.ncbi.nlm.nih.gov/{source.pmid}/')})"
    if source.note:
        text += f" *{source.note}*"
    return text


def sources_markdown(section: Section, reference: Reference | None = None,
                     keys: Iterable[str] | None = None) -> str:
    """The numbered source list of a section (or just ``keys`` from it, keeping their numbers)."""
    ref = reference or load_reference()
    wanted = sorted(keys, key=section.number) if keys is not None else list(section.sources)
    lines = [f"**[{section.number(k)}]** {source_markdown(ref.sources[k])}" for k in wanted]
    return "  \n".join(lines)


def citation_marks(entry: Entry, section: Section) -> str:
    """'Sources: [1], [3]' for the end of an entry, numbered as in its section's list."""
    return "Sources: " + ", ".join(f"[{n}]" for n in sorted(section.number(k) for k in entry.sources))


def synonyms_markdown(entry: Entry) -> str:
    """For symptom entries: the words the dashboard recognises in logs, from the schema."""
    if entry.item_id is None or not entry.synonyms:
        return ""
    words = ", ".join(f"“{s}”" for s in entry.synonyms)
    return f"**Words the dashboard recognises in logs:** {words}."


def review_line(section: Section) -> str:
    d = section.last_reviewed
    return f"Last reviewed {d.day} {d:%B %Y}. {DISCLAIMER}"


__all__ = [
    "CONTENT_DIR", "DISCLAIMER", "ENTRY_PARAM", "PAGE_PATH", "PLACEHOLDERS", "SEARCH_PARAM",
    "Entry", "Reference", "ReferenceContentError", "Section", "Source",
    "citation_marks", "entry_for_item", "entry_url", "find_entry", "load_reference", "load_sources",
    "reference_url", "review_line", "search", "source_markdown", "sources_for", "sources_markdown",
    "synonyms_markdown",
]

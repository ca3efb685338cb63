"""Load the content files, check their shape, and expand what comes from the schema.

Each section file holds ``id``, ``title``, ``order``, ``last_reviewed``, ``sources`` (keys into
``sources.yaml``), optional ``summary`` and ``intro``, and ``entries`` (``id``, ``title``, Markdown
``body``, ``sources``, optional ``synonyms`` and ``treatments``). Anything else, or anything missing,
raises :class:`ReferenceContentError` naming the file and the field.

Never written by hand, so they cannot drift from :mod:`oms_dash.schema`: a symptom entry's synonyms
and its "How it is scored" paragraph, and the scale facts behind the ``{{placeholders}}``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from oms_dash import schema
from oms_dash.reference.model import (
    Entry,
    Reference,
    ReferenceContentError,
    Section,
    Source,
    entry_url,
)

CONTENT_DIR = Path(__file__).resolve().parent
SOURCES_FILE = "sources.yaml"

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)(?::([a-z0-9_\-]+))?\s*\}\}")
_SECTION_KEYS = {"id", "title", "order", "last_reviewed", "summary", "intro", "sources", "entries"}
_ENTRY_KEYS = {"id", "title", "body", "sources", "synonyms", "treatments"}
_SOURCE_KEYS = {"key", "citation", "doi", "pmid", "pmc", "url", "journal_ref", "note"}


# --- placeholders expanded from the schema ---------------------------------------------------------

_SMALL_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                  "ten", "eleven", "twelve")


def small_number(n: int) -> str:
    """Counts up to twelve in words ("the six items"), larger ones as digits."""
    return _SMALL_NUMBERS[n] if 0 <= n < len(_SMALL_NUMBERS) else str(n)


def _severity_scale() -> str:
    return ", ".join(f"{n} {label}" for n, label in schema.SEVERITY_LABELS.items())


def _item_list(ids: Iterable[str]) -> str:
    return "; ".join(f"[{schema.item_label(i)}]({entry_url(i)})" for i in ids)


# No placeholder for the Mitchell-Pike level words: the fact sheet marks them uncertain, so the text
# gives only the ends ("0 (normal) to 3 (severe)") with the hedge, never the levels as a flat list.
PLACEHOLDERS: dict[str, Any] = {
    "severity_scale": _severity_scale,
    "severity_min": lambda: str(schema.SEVERITY_MIN),
    "severity_max": lambda: str(schema.SEVERITY_MAX),
    "mitchell_pike_count": lambda: small_number(len(schema.MITCHELL_PIKE_ITEMS)),
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
            f"{small_number(len(schema.MITCHELL_PIKE_ITEMS))} items commonly used in the "
            f"[Mitchell-Pike OMS Rating Scale]({entry_url('mitchell-pike')}). It is commonly "
            f"scored from {schema.SEVERITY_MIN} (normal) to {schema.SEVERITY_MAX} (severe); we "
            "could not check the exact wording of each level in the original scale, so ask your "
            "team how they score it. "
            "In a home diary, the dashboard puts this symptom on its common "
            f"{schema.SEVERITY_MIN}–{schema.SEVERITY_MAX} scale ({scale})."
        )
    return (
        "**How it is scored.** This is not one of the "
        f"{small_number(len(schema.MITCHELL_PIKE_ITEMS))} items commonly used in the "
        f"[Mitchell-Pike OMS Rating Scale]({entry_url('mitchell-pike')}), so it has no "
        "Mitchell-Pike score. When families note it in a diary, the dashboard puts it on its common "
        f"{schema.SEVERITY_MIN}–{schema.SEVERITY_MAX} scale ({scale})."
    )


# --- loading and checking -------------------------------------------------------------------------

# libyaml's safe loader where PyYAML was built with it (its wheels are): the Reference's files are
# read on the first page that links to an entry: 0.07 s with the pure-Python loader, 0.012 s with
# the C one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceContentError(path, "", f"cannot be read ({exc.__class__.__name__})") from exc
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
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
        treatments = raw.get("treatments", [])
        if not isinstance(treatments, list):
            raise ReferenceContentError(path, f"{where}.treatments", "must be a list of treatment ids")
        for j, tid in enumerate(treatments):
            if tid not in schema.TREATMENTS_BY_ID:
                raise ReferenceContentError(
                    path, f"{where}.treatments[{j}]",
                    f"'{tid}' is not a treatment id in oms_dash.schema.TREATMENTS")
        entry["treatments"] = tuple(treatments)
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
    treated_by: dict[str, str] = {}
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
            for tid in e["treatments"]:
                if tid in treated_by:
                    raise ReferenceContentError(
                        path, f"{e['where']}.treatments",
                        f"treatment '{tid}' is already documented by entry '{treated_by[tid]}'")
                treated_by[tid] = e["id"]

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
                                 item_id=item.id if item else None, treatments=e["treatments"]))
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

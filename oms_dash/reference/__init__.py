"""The Reference: plain-language, cited content about OMS, loaded from the YAML files beside this module.

Content is data. Each section file (``what-is-oms.yaml``, ``symptoms.yaml``, ...) holds an ``id``, a
``title``, an ``order``, a ``last_reviewed`` date, its ``sources`` (keys into ``sources.yaml``) and its
``entries`` (``id``, ``title``, Markdown ``body``, ``sources``, optional ``synonyms`` and
``treatments``). The loader checks every file against that shape and raises
:class:`ReferenceContentError`, naming the file and the field, rather than letting a bad file break
the page.

Two things are never written by hand, so they cannot drift from the vocabulary in
:mod:`oms_dash.schema`: the synonyms of a symptom entry (an entry whose id is a schema item id) and
the "how it is scored" paragraph of that entry. Bodies may also use placeholders, expanded at load
time: ``{{entry:<id>}}`` (a link to another entry, checked to exist) and the scale facts listed in
:data:`PLACEHOLDERS`.

Modules: ``model`` (the values and links), ``loader`` (read and check the files), ``search``, and
``markdown`` (numbered sources and review lines for the page). This module holds the lookups other
pages use (:func:`reference_url`, :func:`entry_for_item`, ...) and re-exports the rest, among it the
links :func:`entry_url` and :func:`relapse_entry_url` (the entry every marked relapse links to).

No Streamlit here: the page in :mod:`oms_dash.ui.pages.reference` only draws what this package returns.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from oms_dash import schema
from oms_dash.reference.loader import CONTENT_DIR, PLACEHOLDERS, SOURCES_FILE, load_reference, load_sources
from oms_dash.reference.markdown import (
    citation_marks,
    review_line,
    reviewed_text,
    source_markdown,
    sources_markdown,
    synonyms_markdown,
)
from oms_dash.reference.model import (
    DISCLAIMER,
    ENTRY_PARAM,
    PAGE_PATH,
    RELAPSE_ENTRY,
    SEARCH_PARAM,
    Entry,
    Reference,
    ReferenceContentError,
    Section,
    Source,
    entry_url,
    relapse_entry_url,
)
from oms_dash.reference.search import search

# --- lookups used by the pages ---------------------------------------------------------------------

def find_entry(name: str | None, reference: Reference | None = None) -> Entry | None:
    """The entry an entry id, item id, symptom name (as the ingest reads it) or treatment id names."""
    if not name or not str(name).strip():
        return None
    ref = reference or load_reference()
    text = str(name).strip()
    if text in ref.entries:
        return ref.entries[text]
    if text.lower() in ref.entries:
        return ref.entries[text.lower()]
    item_id = schema.match_item(text, exact_only=True)
    if item_id:
        return ref.entries.get(item_id)
    if text in schema.TREATMENTS_BY_ID:
        return entry_for_treatment(text, ref)
    return None


def entry_for_item(item_id: str, reference: Reference | None = None) -> Entry | None:
    """The symptom entry documenting a vocabulary item, or None for items outside the vocabulary."""
    ref = reference or load_reference()
    entry = ref.entries.get(item_id)
    return entry if entry is not None and entry.item_id == item_id else None


def entry_for_treatment(treatment_id: str, reference: Reference | None = None) -> Entry | None:
    """The entry documenting a schema treatment, or None where the reference has no cited text."""
    ref = reference or load_reference()
    for entry in ref.all_entries():
        if treatment_id in entry.treatments:
            return entry
    return None


def reference_url(item_id: str) -> str:
    """Link for other pages (charts, problem tables) to open the Reference at an item's entry.

    A vocabulary item, entry id or schema treatment id opens that entry; any other name opens the
    Reference with the search box filled in, so a family's own word still leads somewhere useful.
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


__all__ = [
    "CONTENT_DIR", "DISCLAIMER", "ENTRY_PARAM", "PAGE_PATH", "PLACEHOLDERS", "RELAPSE_ENTRY", "SEARCH_PARAM",
    "SOURCES_FILE",
    "Entry", "Reference", "ReferenceContentError", "Section", "Source",
    "citation_marks", "entry_for_item", "entry_for_treatment", "entry_url", "find_entry",
    "load_reference", "load_sources", "reference_url", "relapse_entry_url", "review_line",
    "reviewed_text", "search", "source_markdown", "sources_for", "sources_markdown", "synonyms_markdown",
]

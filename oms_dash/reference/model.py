"""The Reference as values: sources, entries, sections, the error a bad content file raises, and links.

Frozen dataclasses only; no file reading (see loader) and no Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from urllib.parse import quote, urlencode

PAGE_PATH = "reference"  # url path of the Reference page (oms_dash.ui.registry); tested to agree
ENTRY_PARAM = "entry"  # query parameter naming the entry to open
SEARCH_PARAM = "q"  # query parameter pre-filling the search box
# The entry every relapse the dashboard marks links to (course.yaml): what a relapse can look like,
# what has been reported before one, and what to do. Tested to exist.
RELAPSE_ENTRY = "relapse-suspected"

DISCLAIMER = "Information, not medical advice: talk to your child's neurologist."


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
    treatments: tuple[str, ...] = ()  # schema treatment ids this entry documents


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


def entry_url(entry_id: str) -> str:
    """Relative link that opens the Reference page at an entry (no check that the entry exists)."""
    return f"./{PAGE_PATH}?{urlencode({ENTRY_PARAM: entry_id}, quote_via=quote)}"


def relapse_entry_url() -> str:
    """Link from a relapse the dashboard marks (charts, tables) to what a relapse can look like and
    what to do (the entry RELAPSE_ENTRY)."""
    return entry_url(RELAPSE_ENTRY)

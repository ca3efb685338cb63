"""Markdown for the page (and any printed report): numbered sources, citation marks, review lines.

Plain Markdown only: nothing here needs ``unsafe_allow_html``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from oms_dash.reference.loader import load_reference
from oms_dash.reference.model import DISCLAIMER, Entry, Reference, Section, Source


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


def reviewed_text(section: Section) -> str:
    """'Last reviewed 1 December 2026.': the date a family needs beside any excerpt of a section."""
    d = section.last_reviewed
    return f"Last reviewed {d.day} {d:%B %Y}."


def review_line(section: Section) -> str:
    return f"{reviewed_text(section)} {DISCLAIMER}"

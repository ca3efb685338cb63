"""Search the Reference by any word or synonym, best match first."""

from __future__ import annotations

import re
from collections.abc import Iterable

from oms_dash import schema
from oms_dash.reference.loader import load_reference
from oms_dash.reference.model import Entry, Reference

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
    ingest would read it as) first; then the query naming the entry's section ("glossary" finds
    every glossary entry, in page order); then the whole phrase in a title, synonym or body; then
    the number of query words found (names count more than section titles, which count more than
    body text). Common little words are ignored.
    """
    ref = reference or load_reference()
    phrase = " ".join(_words(query or ""))
    if not phrase:
        return []
    words = [w for w in phrase.split() if w not in _STOPWORDS] or phrase.split()
    item_id = schema.match_item(query)
    section_names = {s.id: [" ".join(_words(n)) for n in (s.title, s.id)] for s in ref.sections}
    scored = []
    for rank, entry in enumerate(ref.all_entries()):
        sec_names = section_names.get(entry.section, [])
        sec_tokens = {t for n in sec_names for t in n.split()}
        names = [" ".join(_words(n)) for n in (entry.title, entry.id, *entry.synonyms)]
        name_tokens = {t for n in names for t in n.split()}
        body = " ".join(_words(entry.body))
        body_tokens = set(body.split())
        score = 0
        if phrase in names:
            score += 100
        if phrase in sec_names:
            score += 50
        if entry.item_id is not None and entry.item_id == item_id:
            score += 60
        if any(_has_phrase(n, phrase) for n in names) or any(
                len(n) >= 4 and _has_phrase(phrase, n) for n in names):
            score += 40
        elif _has_phrase(body, phrase):
            score += 20
        score += sum(5 for w in words if _word_hit(w, name_tokens))
        score += sum(2 for w in words if _word_hit(w, sec_tokens))
        score += sum(1 for w in words if _word_hit(w, body_tokens))
        if score:
            scored.append((-score, rank, entry))
    return [e for _s, _r, e in sorted(scored, key=lambda t: (t[0], t[1]))]

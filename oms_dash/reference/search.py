"""Search the Reference by any word or synonym, best match first, forgiving one-letter slips.

Lay words ("chickenpox", "cure", "emergency") are entry synonyms in the YAML files, not lists here.
"""

from __future__ import annotations

import difflib
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


# difflib screens and ranks the candidates (a one-letter slip scores at least 0.75 in a word of four
# letters or more); _one_slip_apart keeps only true slips, so "tired" never becomes "third".
_SLIP_CUTOFF = 0.75
_SLIP_CANDIDATES = 10
_SLIP_MIN_LENGTH = 4


def _one_slip_apart(typed: str, known: str) -> bool:
    """One letter wrong, missing, extra or swapped with its neighbour. The first letter must agree:
    slips there are rare, and allowing them reads "autism" as "mutism"."""
    if typed == known or typed[:1] != known[:1] or abs(len(typed) - len(known)) > 1:
        return False
    i = next((k for k, (a, b) in enumerate(zip(typed, known, strict=False)) if a != b),
             min(len(typed), len(known)))
    if len(typed) > len(known):
        return typed[i + 1:] == known[i:]
    if len(typed) < len(known):
        return typed[i:] == known[i + 1:]
    swapped = typed[i + 1:i + 2] + typed[i:i + 1] + typed[i + 2:]
    return typed[i + 1:] == known[i + 1:] or swapped == known[i:]


def _forgive_slips(words: list[str], vocabulary: set[str]) -> list[str]:
    """Each word the reference does not use (not even as a prefix of its stem) replaced by the
    closest word it does use one slip away, if any: "rituximub" becomes "rituximab"."""
    known = sorted(vocabulary)
    out = []
    for word in words:
        if len(word) >= _SLIP_MIN_LENGTH and word not in _STOPWORDS and not _word_hit(word, vocabulary):
            close = difflib.get_close_matches(word, known, n=_SLIP_CANDIDATES, cutoff=_SLIP_CUTOFF)
            word = next((c for c in close if _one_slip_apart(word, c)), word)
        out.append(word)
    return out


def search(query: str, reference: Reference | None = None) -> list[Entry]:
    """Entries matching any word of ``query`` or any synonym, best first.

    Ranking: the query naming an entry (its title, id or a synonym, or the vocabulary item the
    ingest would read it as) first; then the query naming the entry's section ("glossary" finds
    every glossary entry, in page order); then the whole phrase in a title, synonym or body; then
    the number of query words found (names count more than section titles, which count more than
    body text). Common little words are ignored, and a word the reference never uses is read as
    the closest word it does use (a one-letter slip).
    """
    ref = reference or load_reference()
    typed = _words(query or "")
    if not typed:
        return []
    section_names = {s.id: [" ".join(_words(n)) for n in (s.title, s.id)] for s in ref.sections}
    texts = []
    for entry in ref.all_entries():
        sec_names = section_names.get(entry.section, [])
        names = [" ".join(_words(n)) for n in (entry.title, entry.id, *entry.synonyms)]
        body = " ".join(_words(entry.body))
        texts.append((entry, sec_names, names, body))
    vocabulary = {t for _e, sec_names, names, body in texts
                  for text in (*sec_names, *names, body) for t in text.split()}
    phrase = " ".join(_forgive_slips(typed, vocabulary))
    words = [w for w in phrase.split() if w not in _STOPWORDS] or phrase.split()
    item_id = schema.match_item(query) or schema.match_item(phrase)
    scored = []
    for rank, (entry, sec_names, names, body) in enumerate(texts):
        sec_tokens = {t for n in sec_names for t in n.split()}
        name_tokens = {t for n in names for t in n.split()}
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

"""The entity tagger: one Aho-Corasick pass finds every alias of the watchlist in a text.

Matching rules:
- the longest alias wins, leftmost first ("Google DeepMind" is one mention of google-deepmind,
  not also one of google);
- an alias matches only on word boundaries, so "AWS" is not found in "LAWS"; a CJK character
  next to a Latin name counts as a boundary, since those scripts put no spaces between words;
- `aliases` match with their exact case, `aliases_ignore_case` in any case;
- non-breaking and other Unicode spaces match a space, typographic apostrophes match "'";
  possessives and hyphenated forms need no rule of their own: "Amazon’s" and "Amazon-backed"
  are "Amazon" followed by a boundary;
- a one-edit misspelling of a long name counts (extractors/fuzzy.py), as an ambiguous alias;
- ambiguous aliases count only with support in the text (an unambiguous mention of the same
  entity, or one of its context terms), and no mention counts inside an `exclude` match
  (extractors/watchlist.py describes the fields).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import ahocorasick

from extractors.fuzzy import misspellings
from extractors.watchlist import KINDS, Entity, Watchlist, load_watchlist, parse_watchlist

_EXCLUDE_WINDOW = 120  # characters around a mention searched for `exclude` patterns

__all__ = ["KINDS", "Entity", "Mention", "Tagger", "Watchlist", "load_watchlist", "parse_watchlist"]

EXACT, IGNORE_CASE, FUZZY = "exact", "ignore_case", "fuzzy"


@dataclass(frozen=True)
class Mention:
    entity: str
    kind: str
    text: str  # the surface form as it appears in the text
    start: int
    end: int


# Length-preserving normalisation, so offsets in the normalised text are offsets in the input.
_NORMALISE = {
    "\u00a0": " ",  # no-break space
    "\u2007": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\t": " ",
    "\n": " ",
    "\r": " ",
    "\u2019": "'",  # typographic apostrophes
    "\u2018": "'",
    "\u02bc": "'",
    "\u2010": "-",  # hyphens
    "\u2011": "-",
}


def _normalise(text: str) -> str:
    # One str.replace per character present is many times faster than str.translate with a
    # mapping table, which goes through Python for every character.
    for char, repl in _NORMALISE.items():
        if char in text:
            text = text.replace(char, repl)
    return text


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    # A few characters lowercase to two ("İ"); keep those as they are to keep offsets.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _scoped(pattern: str) -> str:
    """A pattern whose leading global flags ("(?i)...") become a scoped group, so that
    patterns can be joined into one alternation."""
    m = re.match(r"\(\?([aiLmsux]+)\)", pattern)
    return f"(?{m.group(1)}:{pattern[m.end() :]})" if m else pattern


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # kana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= o <= 0xD7AF  # hangul
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
    )


def _is_word(ch: str) -> bool:
    return ch == "_" or (ch.isalnum() and not _is_cjk(ch))


@dataclass(frozen=True)
class _Alias:
    length: int
    text: str  # normalised alias (for exact-case checks)
    entity: str
    mode: str  # EXACT, IGNORE_CASE or FUZZY
    ambiguous: bool  # needs support in the text to count


def _terms_regex(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for context terms: capitalised terms match their case, others any case."""
    if not terms:
        return None
    parts = [
        f"(?-i:{re.escape(t)})" if any(c.isupper() for c in t) else re.escape(t) for t in terms
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


class Tagger:
    """Finds watchlist mentions in text. Picklable: the automaton is rebuilt after unpickling."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self._kind = {e.id: e.kind for e in watchlist.entities}
        # One alternation per entity; a pattern's own inline flags stay scoped to it.
        self._exclude = {
            e.id: re.compile("|".join(f"(?:{_scoped(p)})" for p in e.exclude))
            for e in watchlist.entities
            if e.exclude
        }
        self._context = {e.id: _terms_regex(e.context) for e in watchlist.entities}
        self._automaton = self._build()

    def __getstate__(self) -> dict[str, Any]:
        return {"watchlist": self.watchlist}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["watchlist"])  # type: ignore[misc]  # rebuild the automaton

    def _build(self) -> Any:
        payloads: dict[str, list[_Alias]] = {}

        def add(key: str, alias: _Alias) -> None:
            payloads.setdefault(key, []).append(alias)

        for e in self.watchlist.entities:
            for names, mode in ((e.aliases, EXACT), (e.aliases_ignore_case, IGNORE_CASE)):
                for name in names:
                    norm = _normalise(name)
                    add(_lower(norm), _Alias(len(norm), norm, e.id, mode, name in e.ambiguous))
        taken = set(payloads)
        for e in self.watchlist.entities:
            if not e.fuzzy:
                continue
            long_names = [a for a in e.aliases if a not in e.ambiguous]
            for variant, name in misspellings(long_names, taken).items():
                add(variant, _Alias(len(variant), name, e.id, FUZZY, True))
        automaton = ahocorasick.Automaton()
        for key, items in payloads.items():
            automaton.add_word(key, items)
        automaton.make_automaton()
        return automaton

    def _candidates(self, text: str) -> list[tuple[int, int, _Alias]]:
        norm = _normalise(text)
        found: list[tuple[int, int, _Alias]] = []
        for last, items in self._automaton.iter(_lower(norm)):
            for alias in items:
                start, end = last - alias.length + 1, last + 1
                if alias.mode == EXACT and norm[start:end] != alias.text:
                    continue
                if alias.mode == FUZZY and norm[start] != alias.text[0]:
                    continue  # a misspelling keeps the name's first letter, case included
                if start > 0 and alias.text[0].isalnum() and _is_word(text[start - 1]):
                    continue
                if end < len(text) and alias.text[-1].isalnum() and _is_word(text[end]):
                    continue
                found.append((start, end, alias))
        # Leftmost first, then longest, then exact names before misspellings.
        found.sort(key=lambda c: (c[0], c[0] - c[1], c[2].mode == FUZZY))
        chosen: list[tuple[int, int, _Alias]] = []
        taken_until = 0
        for start, end, alias in found:
            if start >= taken_until:
                chosen.append((start, end, alias))
                taken_until = end
        return chosen

    def _excluded(self, text: str, start: int, end: int, entity: str) -> bool:
        """Whether an `exclude` match around the mention contains it. Searching a window per
        mention is cheaper than scanning the whole text with every pattern: mentions are
        sparse, and the patterns rarely start with a literal the regex engine can skip to."""
        pattern = self._exclude.get(entity)
        if pattern is None:
            return False
        lo = max(0, start - _EXCLUDE_WINDOW)
        for m in pattern.finditer(text, lo, end + _EXCLUDE_WINDOW):
            if m.start() <= start and end <= m.end():
                return True
        return False

    def tag(self, text: str) -> list[Mention]:
        """Every mention in `text`, in order, longest alias first where they overlap."""
        if not text:
            return []
        chosen = [
            (start, end, alias)
            for start, end, alias in self._candidates(text)
            if not self._excluded(text, start, end, alias.entity)
        ]
        supported = {alias.entity for _, _, alias in chosen if not alias.ambiguous}
        mentions: list[Mention] = []
        for start, end, alias in chosen:
            if alias.ambiguous and alias.entity not in supported:
                context = self._context.get(alias.entity)
                if context is None or not context.search(text):
                    continue
                supported.add(alias.entity)  # one context check per entity and text
            mentions.append(
                Mention(alias.entity, self._kind[alias.entity], text[start:end], start, end)
            )
        return mentions

    def counts(self, text: str) -> dict[str, int]:
        return dict(Counter(m.entity for m in self.tag(text)))

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

Speed (issue 5 asks for 20 MB/s per core at a few thousand aliases): the automaton's pass is
in Rust (ahocorasick-rs), and the rest is Python work per hit and per mention, kept small.
Each automaton key carries what its checks need, precomputed, so a hit costs a few
comparisons; overlaps are settled as the hits arrive, not by sorting; `exclude` patterns and
context terms are checked only where a mention needs them (extractors/disambiguation.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import ahocorasick_rs

from extractors.disambiguation import Context, Exclusion
from extractors.fuzzy import misspellings
from extractors.watchlist import KINDS, Entity, Watchlist, load_watchlist, parse_watchlist

# The contiguous NFA: as small as pyahocorasick's trie and faster. The DFA is faster still
# but, at 5,000 aliases (632,000 keys with the misspellings), needs over twice the memory.
_IMPLEMENTATION = ahocorasick_rs.Implementation.ContiguousNFA

__all__ = ["KINDS", "Entity", "Mention", "Tagger", "Watchlist", "load_watchlist", "parse_watchlist"]


@dataclass(frozen=True)
class Mention:
    entity: str
    kind: str
    text: str  # the surface form as it appears in the text
    start: int
    end: int


_new = object.__new__


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


# Word characters below U+0080: a set lookup decides most boundaries without a call.
_ASCII_WORD = frozenset(c for c in map(chr, range(128)) if _is_word(c))


# What a mention's entity brings to the checks after the pass, as a tuple for speed:
# (entity id, kind, ambiguous alias?, the entity's `exclude` patterns or None).
_Target = tuple[str, str, bool, Exclusion | None]

# How a hit on a key is checked. One alias per key is the rule; several (two entities sharing
# a name, or one name in both case modes) are tried in order, the first that passes wins.
_ANY_CASE, _SAME_CASE, _FIRST_LETTER, _SEVERAL = 0, 1, 2, 3


class Tagger:
    """Finds watchlist mentions in text. Picklable: the automaton is rebuilt after unpickling."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self._exclude = {e.id: Exclusion(e.exclude) for e in watchlist.entities if e.exclude}
        # Entities with the same context terms share them, so one search per text answers for
        # all of them.
        contexts: dict[tuple[str, ...], Context] = {}
        self._context = {
            e.id: contexts.setdefault(e.context, Context(e.context))
            for e in watchlist.entities
            if e.context
        }
        self._automaton = self._build()

    def __getstate__(self) -> dict[str, Any]:
        return {"watchlist": self.watchlist}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["watchlist"])  # type: ignore[misc]  # rebuild the automaton

    def _build(self) -> ahocorasick_rs.AhoCorasick:
        """The automaton, whose keys are the lowercased aliases and misspellings, and in
        self._values, for each key by its index, the tuple `_candidates` unpacks per hit:
        (check the left boundary, check the right boundary, mode, expected text, target,
        alternatives). The expected text is the normalised alias for _SAME_CASE, the name's
        first letter for _FIRST_LETTER; with _SEVERAL, alternatives holds (mode, expected,
        target) for each alias of the key, in watchlist order. A boundary is checked on a side
        where the alias (the name, for a misspelling) ends in a letter or digit; aliases
        sharing a key share its letters, so the first one's rule is the key's."""
        values: dict[str, tuple[Any, ...]] = {}

        def add(key: str, value: tuple[Any, ...]) -> None:
            old = values.setdefault(key, value)
            if old is not value:  # a second alias on this key: try each in turn
                alts = old[5] if old[2] == _SEVERAL else (old[2:5],)
                values[key] = (old[0], old[1], _SEVERAL, "", None, (*alts, value[2:5]))

        for e in self.watchlist.entities:
            plain, ambiguous = self._target(e, False), self._target(e, True)
            for names, mode in ((e.aliases, _SAME_CASE), (e.aliases_ignore_case, _ANY_CASE)):
                for name in names:
                    norm = _normalise(name)
                    target = ambiguous if name in e.ambiguous else plain
                    add(
                        _lower(norm),
                        (norm[0].isalnum(), norm[-1].isalnum(), mode, norm, target, ()),
                    )
        taken = set(values)
        # Equal values are stored once: a name's hundreds of misspellings share one.
        shared: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for e in self.watchlist.entities:
            if not e.fuzzy:
                continue
            target = self._target(e, True)  # a misspelling is ambiguous
            long_names = [a for a in e.aliases if a not in e.ambiguous]
            for variant, name in misspellings(long_names, taken).items():
                value = (name[0].isalnum(), name[-1].isalnum(), _FIRST_LETTER, name[0], target, ())
                add(variant, shared.setdefault(value, value))
        letters = "".join(values)
        self._ascii_keys = letters.isascii() and "?" not in letters
        self._values = list(values.values())
        return ahocorasick_rs.AhoCorasick(
            values, store_patterns=False, implementation=_IMPLEMENTATION
        )

    def _lowered(self, norm: str) -> str:
        """The text the automaton runs over: `norm` lowercased, offsets kept. When every key
        is ASCII (and has no "?"), no other character can be part of a match, so those become
        "?" first and str.lower takes its ASCII path, several times faster; but for the Kelvin
        sign, the one character that lowercases to an ASCII letter (k). Words looked for in
        this text (exclusion hints, context terms) are printable ASCII: found the same."""
        if self._ascii_keys and not norm.isascii() and "\u212a" not in norm:
            return norm.encode("ascii", "replace").decode("ascii").lower()
        return _lower(norm)

    def _target(self, e: Entity, ambiguous: bool) -> _Target:
        return (e.id, e.kind, ambiguous, self._exclude.get(e.id))

    def _candidates(self, text: str) -> tuple[list[int], list[int], list[_Target], str]:
        """The hits that pass their checks, leftmost first, the longest where they overlap,
        as their starts, ends and targets (three lists: no tuple per hit for the cyclic
        garbage collector to walk); and the normalised, lowercased text they were found in."""
        norm = _normalise(text)
        low = self._lowered(norm)
        n = len(text)
        ascii_word = _ASCII_WORD
        starts: list[int] = []
        ends: list[int] = []
        targets: list[_Target] = []
        chosen_end = 0  # end of the last chosen hit
        values = self._values
        # Every hit, overlapping ones too, by end, and at one end the longest first.
        for index, start, end in self._automaton.find_matches_as_indexes(low, overlapping=True):
            left, right, mode, expect, target, alts = values[index]
            # The right boundary first: it is what most failing hits fail, a misspelling
            # variant that is the name less its last letter ("anthropi" in "anthropic").
            if right and end < n:
                c = text[end]
                if c in ascii_word or (c > "\x7f" and _is_word(c)):
                    continue
            if left and start:
                c = text[start - 1]
                if c in ascii_word or (c > "\x7f" and _is_word(c)):
                    continue
            if mode == _SAME_CASE:
                if not norm.startswith(expect, start):
                    continue
            elif mode == _FIRST_LETTER:
                if norm[start] != expect:
                    continue  # a misspelling keeps the name's first letter, case included
            elif mode == _SEVERAL:
                for alt_mode, alt_expect, alt_target in alts:  # the first that passes wins
                    if (
                        alt_mode == _ANY_CASE
                        or (alt_mode == _SAME_CASE and norm.startswith(alt_expect, start))
                        or (alt_mode == _FIRST_LETTER and norm[start] == alt_expect)
                    ):
                        target = alt_target
                        break
                else:
                    continue
            if start >= chosen_end:
                starts.append(start)
                ends.append(end)
                targets.append(target)
                chosen_end = end
                continue
            # Overlap. Hits arrive by end, so this one ends last: it replaces the chosen hits
            # it overlaps when it starts at or before the first of them (it is then the
            # longest of those that start leftmost), else that first one keeps its place.
            i = len(ends) - 1
            while i > 0 and ends[i - 1] > start:
                i -= 1
            if start <= starts[i]:
                del starts[i:], ends[i:], targets[i:]
                starts.append(start)
                ends.append(end)
                targets.append(target)
                chosen_end = end
        return starts, ends, targets, low

    def tag(self, text: str) -> list[Mention]:
        """Every mention in `text`, in order, longest alias first where they overlap."""
        if not text:
            return []
        starts, ends, targets, low = self._candidates(text)
        mentions: list[Mention] = []
        supported: set[str] = set()
        pending: list[int] = []  # indexes of mentions by ambiguous aliases
        new = _new
        for start, end, (entity, kind, ambiguous, exclude) in zip(
            starts, ends, targets, strict=True
        ):
            if exclude is not None and exclude.contains(text, low, start, end):
                continue
            if ambiguous:
                pending.append(len(mentions))
            else:
                supported.add(entity)
            # Mention(...) without its __init__, which goes through object.__setattr__ for
            # each field (the dataclass is frozen): a third of the cost, once per mention.
            m = new(Mention)
            d = m.__dict__
            d["entity"], d["kind"], d["text"], d["start"], d["end"] = (
                entity,
                kind,
                text[start:end],
                start,
                end,
            )
            mentions.append(m)
        if not pending:
            return mentions
        # Ambiguous aliases count with an unambiguous mention of their entity in the text, or
        # one of its context terms (looked for once per text).
        dropped: set[int] = set()
        found: dict[Context, bool] = {}
        for i in pending:
            entity = mentions[i].entity
            if entity in supported:
                continue
            context = self._context.get(entity)
            if context is not None:
                if context not in found:
                    found[context] = context.found(text, low)
                if found[context]:
                    supported.add(entity)
                    continue
            dropped.add(i)
        if dropped:
            mentions = [m for i, m in enumerate(mentions) if i not in dropped]
        return mentions

    def counts(self, text: str) -> dict[str, int]:
        return dict(Counter(m.entity for m in self.tag(text)))

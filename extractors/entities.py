"""The entity tagger: one Aho-Corasick pass finds every alias of the watchlist in a text.

Matching rules:
- the longest alias wins, leftmost first ("Google DeepMind" is one mention of google-deepmind,
  not also one of google);
- an alias matches only on word boundaries, so "AWS" is not found in "LAWS"; a CJK character
  next to a Latin name counts as a boundary, since those scripts put no spaces between words;
- `aliases` match with their exact case, `aliases_ignore_case` in any case;
- non-breaking and other Unicode spaces match a space, typographic apostrophes match "'";
  soft hyphens and zero-width characters are skipped ("Open\u00adAI" is OpenAI), offsets
  still point into the text as given; possessives and hyphenated forms need no rule of their
  own: "Amazon’s" and "Amazon-backed" are "Amazon" followed by a boundary;
- in an all-caps stretch (a headline: no lower-case letter in its line or sentence nearby) a
  name matches in capitals ("ANTHROPIC AND OPENAI SIGN"); elsewhere a name with its first
  letter right and other letters in another case ("CoPilot") counts as an ambiguous alias;
- no mention counts inside a URL, an e-mail address, a dotted code name or a file name
  ("docs.oracle.com", "Microsoft.Extensions", "CLAUDE.md"), nor inside an `exclude` match;
- a one-edit misspelling of a long name counts (extractors/fuzzy.py) when the text names the
  entity or a relative correctly too;
- ambiguous aliases are decided from their collocations, their neighbouring sentences and
  the rest of the text (extractors/senses_resolver.py; extractors/watchlist.py describes the
  fields).

Speed (issue 5 asks for 20 MB/s per core at a few thousand aliases): the automaton's pass is
in Rust (ahocorasick-rs); the loops per hit and per mention are extractors/hitloop.py,
compiled by Cython at install when a C compiler is there (else run as Python, see _loops).
Each automaton key carries what its checks need, precomputed, so a hit costs a few
comparisons; overlaps are settled as the hits arrive, not by sorting; `exclude` patterns and
ambiguous mentions are decided only where they occur (extractors/senses_resolver.py).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from functools import cached_property
from itertools import compress
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import ahocorasick_rs

from extractors import fuzzy, hitloop
from extractors.compiled import fresh_build
from extractors.disambiguation import Exclusion, case_exceptions
from extractors.fuzzy import misspellings
from extractors.hitloop import ANY_CASE as _ANY_CASE
from extractors.hitloop import FIRST_LETTER as _FIRST_LETTER
from extractors.hitloop import SAME_CASE as _SAME_CASE
from extractors.hitloop import SENSE as _SENSE
from extractors.hitloop import SEVERAL as _SEVERAL
from extractors.hitloop import URLISH as _URLISH
from extractors.hitloop import is_word as _is_word
from extractors.records import Entity, Mention, Watchlist
from extractors.senses_resolver import Resolver
from extractors.story_names import name_words
from extractors.typography import INVISIBLE, INVISIBLE_CHARS, NORMALISE, lower, normalise, squeeze
from extractors.watchlist import load_watchlist, parse_watchlist

# The contiguous NFA: as small as pyahocorasick's trie and faster. The DFA is faster still
# but, at 5,000 aliases (632,000 keys with the misspellings), needs over twice the memory.
_IMPLEMENTATION = ahocorasick_rs.Implementation.ContiguousNFA

__all__ = ["Tagger", "load_watchlist", "parse_watchlist"]


def _loops() -> ModuleType:
    """extractors/hitloop.py compiled (extractors._hitloop), or as it is when that is missing
    or older than the source (extractors/compiled.py)."""
    return fresh_build("extractors._hitloop", Path(hitloop.__file__)) or hitloop


if TYPE_CHECKING:  # the compiled module is this source's
    _LOOPS = hitloop
else:
    _LOOPS = _loops()

# Length-preserving normalisation and invisible characters: extractors/typography.py.
_NORMALISE = NORMALISE
_INVISIBLE = INVISIBLE
_INVISIBLE_CHARS = INVISIBLE_CHARS
_normalise = normalise
_lower = lower
_squeeze = squeeze


# Non-ASCII characters frequent in news text once normalised (quotes, dashes, ellipsis,
# bullet, accented vowels): see Tagger._lowered.
_COMMON_NON_ASCII = "\u201c\u201d\u2014\u2013\u2026\u2022\u00e9\u00a9\u00ae\u2122"


# What a mention's entity brings to the checks after the pass, as a tuple for speed:
# (entity id, kind, how sure the alias is, the entity's `exclude` patterns or None).
_Target = tuple[str, str, int, Exclusion | None]
# How sure: a plain alias; an ambiguous one; a misspelling (or another case of a plain alias),
# which counts only when the text names the entity or a relative correctly too.
_PLAIN, _AMBIGUOUS, _MISSPELT = 0, 1, 2

# How a hit on a key is checked (_ANY_CASE, _SAME_CASE, ...): extractors/hitloop.py.
_FILE_EXTENSION = re.compile(
    r"\.(?:md|txt|py|js|ts|json|toml|ya?ml|html?|css|cs|go|rs|java|rb|sh|exe|dll|so)\b"
)
_SHOUT_SPAN = 80  # characters either side that must have no lower-case letter


def _in_code(text: str, start: int, end: int) -> bool:
    """Whether the mention at start:end, with one of . / @ : right before or after it, is
    part of a URL, an e-mail address, a dotted code name or a file name:
    "docs.oracle.com/java", "x@amazon.com", "Microsoft.Extensions", "Aspire.Hosting.Azure",
    "CLAUDE.md"; not "Amazon.com" or "Google.org" in a sentence."""
    if not ((start and text[start - 1] in _URLISH) or text[end : end + 1] in _URLISH):
        return False
    before = text[max(0, start - 200) : start]
    head = before[max(before.rfind(" "), before.rfind("\n"), before.rfind("\t")) + 1 :]
    if "://" in head or "@" in head or head.startswith("www."):
        return True
    if start >= 2 and text[start - 1] == "." and _is_word(text[start - 2]):
        return True
    after = text[end : end + 40]
    if after[:1] == "." and after[1:2].isupper():
        return True
    if _FILE_EXTENSION.match(after):
        return True
    # A domain followed by a path: "amazon.com/dp/…".
    return after[:1] == "/" and "." in text[start:end] + after.split("/", 1)[0]


def _shouting(text: str, start: int, end: int) -> bool:
    """Whether the capitals at start:end are in an all-caps stretch: no lower-case letter in
    their line or sentence within _SHOUT_SPAN characters either side."""
    before = text[max(0, start - _SHOUT_SPAN) : start]
    for stop in ("\n", ". ", "! ", "? "):
        at = before.rfind(stop)
        if at >= 0:
            before = before[at + len(stop) :]
    after = text[end : end + _SHOUT_SPAN]
    for stop in ("\n", ". ", "! ", "? "):
        at = after.find(stop)
        if at >= 0:
            after = after[:at]
    return before == before.upper() and after == after.upper()


class Tagger:
    """Finds watchlist mentions in text. Picklable: the automaton is rebuilt after unpickling."""

    def __init__(self, watchlist: Watchlist, misspelling_budget: int = fuzzy.BUDGET) -> None:
        self.watchlist = watchlist
        self.misspelling_budget = misspelling_budget
        self._exclude = {e.id: Exclusion(e.exclude) for e in watchlist.entities if e.exclude}
        self._resolver = Resolver(watchlist)
        self._automaton = self._build()

    @cached_property
    def name_words(self) -> frozenset[str]:
        """The watchlist's name words, which a story key leaves out of a text's names
        (extractors/story_names.py `name_words`)."""
        return name_words(self.watchlist)

    def __getstate__(self) -> dict[str, Any]:
        return {"watchlist": self.watchlist, "budget": self.misspelling_budget}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Rebuild the automaton.
        self.__init__(state["watchlist"], state.get("budget", fuzzy.BUDGET))  # type: ignore[misc]

    def _build(self) -> ahocorasick_rs.AhoCorasick | ahocorasick_rs.BytesAhoCorasick:
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
            plain, ambiguous = self._target(e, _PLAIN), self._target(e, _AMBIGUOUS)
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
        budget = self.misspelling_budget  # bounds memory and build time (extractors/fuzzy.py)
        self.misspellings_left_out = 0  # names that got none, the budget spent
        for e in self.watchlist.entities:
            if not e.fuzzy:
                continue
            target = self._target(e, _MISSPELT)
            long_names = [a for a in e.aliases if a not in e.ambiguous]
            if budget <= 0:
                self.misspellings_left_out += sum(map(fuzzy.eligible, long_names))
                continue
            variants = misspellings(long_names, taken)
            budget -= len(variants)
            for variant, name in variants.items():
                value = (name[0].isalnum(), name[-1].isalnum(), _FIRST_LETTER, name[0], target, ())
                add(variant, shared.setdefault(value, value))
        # Other senses' words ride along in the same pass, when none is an alias too.
        sense_keys = self._resolver.other_keys
        self._sense_words = all(k.isascii() and k not in values for k in sense_keys)
        if self._sense_words:
            for key in sense_keys:
                values[key] = (key[0].isalnum(), key[-1].isalnum(), _SENSE, key, None, ())
        letters = "".join(values)
        self._ascii_keys = letters.isascii() and "?" not in letters
        self._values = list(values.values())
        self._checks = hitloop.boundaries(self._values)
        if self._ascii_keys:
            # The text then goes over as ASCII bytes (see _candidates): the bytes automaton
            # skips the str one's offset bookkeeping, 5-10% of the pass.
            return ahocorasick_rs.BytesAhoCorasick(
                (key.encode("ascii") for key in values), implementation=_IMPLEMENTATION
            )
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
            # The punctuation most texts have, replaced first (a str.replace each, a few
            # microseconds): the encoder's "replace" goes through its slow path for the whole
            # text once it meets one (some 6 ns a character), and most texts then have none.
            for char in _COMMON_NON_ASCII:
                if char in norm:
                    norm = norm.replace(char, "?")
            if norm.isascii():
                return norm.lower()
            return norm.encode("ascii", "replace").decode("ascii").lower()
        return _lower(norm)

    def _target(self, e: Entity, how: int) -> _Target:
        return (e.id, e.kind, how, self._exclude.get(e.id))

    def _variant(
        self, text: str, norm: str, start: int, end: int, expect: str, target: _Target
    ) -> Any:
        """The target of a hit whose letters are those of a case-sensitive alias in another
        case, or None: capitals in an all-caps stretch are the alias itself; the first letter
        right and another capital inside ("CoPilot") an alias that needs support."""
        surface = norm[start:end]
        if surface == surface.upper():
            return target if _shouting(text, start, end) else None
        if surface[0] != expect[0] or not any(c.isupper() for c in surface[1:]):
            return None
        if target[2] != _PLAIN:
            return target
        how = _AMBIGUOUS if target[0] in self._resolver.senses else _MISSPELT
        return (target[0], target[1], how, target[3])

    def _candidates(
        self, text: str
    ) -> tuple[list[int], list[int], list[_Target], str, list[tuple[int, str, str]]]:
        """The hits that pass their checks, leftmost first, the longest where they overlap,
        as their starts, ends and targets (three lists: no tuple per hit for the cyclic
        garbage collector to walk); the normalised, lowercased text they were found in; and
        the other senses' words found, as (start, key, text)."""
        norm = _normalise(text)
        low = self._lowered(norm)
        # With ASCII keys, a character that is not ASCII is in no match: as "?", one byte,
        # the offsets in bytes are those in the text.
        automaton = self._automaton
        if isinstance(automaton, ahocorasick_rs.BytesAhoCorasick):
            hits = automaton.find_matches_as_indexes(
                low.encode("ascii", "replace"), overlapping=True
            )
        else:
            hits = automaton.find_matches_as_indexes(low, overlapping=True)
        starts, ends, targets, senses = _LOOPS.select(
            text, norm, hits, self._values, self._variant, self._checks
        )
        return starts, ends, targets, low, senses

    def tag(self, text: str, anchors: Iterable[str] = ()) -> list[Mention]:
        """Every mention in `text`, in order, longest alias first where they overlap.
        `anchors`: entities the same article names elsewhere (the body, for its title)."""
        if not text:
            return []
        # Invisible characters are rare: a few str searches (fast) rule them out, where a
        # regex would walk the text character by character.
        if text.isascii() or not any(c in text for c in _INVISIBLE_CHARS):
            return self._tag(text, frozenset(anchors))
        squeezed, breaks, shifts = _squeeze(text)

        def back(offset: int) -> int:
            return offset + shifts[bisect_right(breaks, offset) - 1]

        out = []
        for m in self._tag(squeezed, frozenset(anchors)):
            start, end = back(m.start), back(m.end - 1) + 1
            out.append(Mention(m.entity, m.kind, text[start:end], start, end))
        return out

    def _tag(self, text: str, anchors: frozenset[str]) -> list[Mention]:
        starts, ends, targets, low, senses = self._candidates(text)
        if not starts:
            return []
        # One loop drops the hits inside an `exclude` match or a URL (rare: the lists are
        # copied only when there is one) and makes the mentions of the others.
        mentions, dropped, entities, hows = _LOOPS.mentions(
            text, low, starts, ends, targets, case_exceptions(text), _in_code
        )
        excluded: list[tuple[str, int, int]] = []
        if dropped:
            gone = set(dropped)
            # Ambiguous names inside an `exclude` match ("Bing Crosby"): the resolver reads a
            # text's first spelling of a name as what the text calls it (URLs are not).
            n = len(text)
            excluded = [
                (entities[i], starts[i], ends[i])
                for i in dropped
                if hows[i] == 1
                and not (starts[i] and text[starts[i] - 1] in "./@:")
                and not (ends[i] < n and text[ends[i]] in "./@:")
            ]
            keep = [i not in gone for i in range(len(starts))]
            starts = list(compress(starts, keep))
            ends = list(compress(ends, keep))
            entities = list(compress(entities, keep))
            hows = list(compress(hows, keep))
        if any(hows):
            keep = self._resolver.resolve(
                text,
                entities,
                starts,
                ends,
                hows,
                anchors,
                senses if self._sense_words else None,
                excluded,
            )
            mentions = list(compress(mentions, keep))
        return mentions

    def counts(self, text: str) -> dict[str, int]:
        return dict(Counter(m.entity for m in self.tag(text)))

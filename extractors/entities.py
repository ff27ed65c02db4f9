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
in C, and the rest is Python work per hit and per mention, kept small. Each automaton key
carries what its checks need, precomputed, so a hit costs a few comparisons; overlaps are
settled as the hits arrive, not by sorting; an `exclude` regex runs only in the window around
a mention of its entity, and only when the window holds the words its matches need (found
from the pattern itself, see _required); context terms are looked for with str.find, their
regex run only where one is found.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick

from extractors.fuzzy import misspellings
from extractors.watchlist import KINDS, Entity, Watchlist, load_watchlist, parse_watchlist

_EXCLUDE_WINDOW = 120  # characters around a mention searched for `exclude` patterns

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


# Word characters below U+0080: a set lookup decides most boundaries without a call.
_ASCII_WORD = frozenset(c for c in map(chr, range(128)) if _is_word(c))

# Characters that case-insensitively match an ASCII letter yet do not lowercase to it (İ, ı,
# ſ): where the text has one, the shortcuts that look for words in the lowercased text (the
# hints of `exclude` patterns, context terms) are not taken.
_CASE_EXCEPTIONS = re.compile("[\u0130\u0131\u017f]")


# Letters and digits, most frequent in English text first; as a translation that sorts
# strings by it (other characters after them).
_BY_FREQUENCY = {ord(c): i for i, c in enumerate("etaoinshrdlcumwfgypbvkjxqz0123456789 ")}

# What a mention's entity brings to the checks after the pass, as a tuple for speed:
# (entity id, kind, ambiguous alias?, the entity's `exclude` patterns or None).
_Target = tuple[str, str, bool, "_Exclusion | None"]

# How a hit on a key is checked. One alias per key is the rule; several (two entities sharing
# a name, or one name in both case modes) are tried in order, the first that passes wins.
_ANY_CASE, _SAME_CASE, _FIRST_LETTER, _SEVERAL = 0, 1, 2, 3


class _Context:
    """An entity's context terms, and whether a text has one of them."""

    def __init__(self, terms: tuple[str, ...]) -> None:
        # Capitalised terms match their case, others any case.
        parts = [
            f"(?-i:{re.escape(t)})" if any(c.isupper() for c in t) else re.escape(t) for t in terms
        ]
        self.regex = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
        # Where each term can only be: a capitalised one in the text as it is, another in the
        # normalised, lowercased text. A case-insensitive regex crawls through a whole article;
        # str.find does not, and the regex then checks only the places found. Terms beyond
        # printable ASCII are left to the regex: their case folding is not str.lower's, or the
        # normalisation changes them.
        self.needles = (
            [(t, True) if any(c.isupper() for c in t) else (t, False) for t in terms]
            if all(" " <= c <= "~" for t in terms for c in t)
            else None
        )

    def found(self, text: str, low: str) -> bool:
        if self.needles is not None:
            match = self.regex.match
            for needle, same_case in self.needles:
                hay = text if same_case else low
                at = hay.find(needle)
                while at >= 0:
                    if match(text, at):
                        return True
                    at = hay.find(needle, at + 1)
            if not _CASE_EXCEPTIONS.search(text):
                return False
        return self.regex.search(text) is not None


# For each `exclude` pattern, sets of strings such that every match holds one string of each
# set (lowercase, looked for in the lowercased text). A window that lacks all the strings of
# one of a pattern's sets holds no match of it; when that is so of every pattern, the regex
# need not run, and most mentions are decided so.
_Hints = tuple[tuple[frozenset[str], ...], ...]

try:  # the regex parser is internal to `re`; without it every window runs the regex
    _sre: Any = importlib.import_module("re._constants")
    _sre_parse: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover
    _sre_parse = None


def _required(items: Any) -> list[frozenset[str]]:
    """Sets of strings, one of each found in every match of the parsed regex `items`. Runs of
    printable ASCII literals only: those stay themselves, lowercased, in the normalised text
    (the normalisation maps other characters onto " ", "'" and "-", never away from them)."""
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL and 0x20 <= av < 0x7F:
            run.append(chr(av))
            continue
        if run:
            found.append(frozenset({"".join(run).lower()}))
            run = []
        if op is _sre.SUBPATTERN:
            found += _required(av[3])
        elif op is _sre.ATOMIC_GROUP:
            found += _required(av)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            found += _required(av[2])
        elif op is _sre.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                best = _most_telling(_required(branch))
                if not best:
                    break  # a branch without a required string: the alternation has none
                union |= best
            else:
                # A string holding another of the set adds nothing: "brazil" covers "brazilian".
                found.append(frozenset(t for t in union if not any(u in t for u in union - {t})))
        # Anything else (classes, assertions, back-references) requires nothing known.
    if run:
        found.append(frozenset({"".join(run).lower()}))
    return found


def _most_telling(sets: list[frozenset[str]]) -> frozenset[str]:
    """The set least likely to be in a window by chance: the one whose shortest string is
    longest, then the smallest."""
    return max(sets, key=lambda s: (min(map(len, s)), -len(s)), default=frozenset())


def _hints(patterns: Sequence[str]) -> _Hints | None:
    """Each pattern's required sets, the cheapest to rule out first (fewest strings, then the
    longest); None when a pattern has none (or cannot be analysed): every window then runs
    the regex."""
    if _sre_parse is None:
        return None
    out = []
    for pattern in patterns:
        try:
            sets = _required(_sre_parse.parse(pattern).data)
        except Exception:  # an unknown construct: no hints rather than a wrong one
            return None
        if not sets:
            return None
        out.append(tuple(sorted(set(sets), key=lambda s: (len(s), -min(map(len, s))))))
    return tuple(out)


class _Exclusion:
    """An entity's `exclude` patterns, and whether a mention sits inside one of their matches."""

    def __init__(self, patterns: Sequence[str]) -> None:
        # One alternation; a pattern's own inline flags stay scoped to it.
        self.parts = [f"(?:{_scoped(p)})" for p in patterns]
        self.regex = re.compile("|".join(self.parts))
        self.hints = _hints(patterns)
        # Back-references (numbered, named, conditional) would point elsewhere in a shorter
        # alternation: keep the whole one for those.
        self.narrowable = not re.search(r"\\[1-9]|\(\?P=|\(\?\(", "".join(patterns))
        self._narrowed: dict[tuple[int, ...], re.Pattern[str]] = {}

    def contains(self, text: str, low: str, start: int, end: int) -> bool:
        """Whether a match in the window around the mention contains it (`low` is the text
        the automaton ran over, see Tagger._lowered). Searching a window per mention is
        cheaper than scanning the whole text with every pattern: mentions are sparse, and the
        patterns rarely start with a literal the regex engine can skip to."""
        lo = start - _EXCLUDE_WINDOW if start > _EXCLUDE_WINDOW else 0
        hi = end + _EXCLUDE_WINDOW
        regex = self.regex if self.hints is None else self._narrow(self.hints, text, low, lo, hi)
        if regex is None:
            return False
        for m in regex.finditer(text, lo, hi):
            if m.start() > start:
                return False  # matches come in order: none after this one can contain it
            if end <= m.end():
                return True
        return False

    def _narrow(
        self, hints: _Hints, text: str, low: str, lo: int, hi: int
    ) -> re.Pattern[str] | None:
        """The alternation of the patterns that may match in the window, None if none may.
        Leaving out patterns that match nowhere in the window changes no match of the rest."""
        if _CASE_EXCEPTIONS.search(text, lo, hi):
            return self.regex
        window = low[lo:hi]
        alive: tuple[int, ...] = ()
        for i, sets in enumerate(hints):
            for strings in sets:
                for string in strings:
                    if string in window:
                        break
                else:
                    break  # a set is missing: pattern i matches nowhere in the window
            else:
                alive += (i,)
        if not alive:
            return None
        if len(alive) == len(self.parts) or not self.narrowable:
            return self.regex
        narrowed = self._narrowed.get(alive)
        if narrowed is None:
            narrowed = self._narrowed[alive] = re.compile("|".join(self.parts[i] for i in alive))
        return narrowed


class Tagger:
    """Finds watchlist mentions in text. Picklable: the automaton is rebuilt after unpickling."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self._exclude = {e.id: _Exclusion(e.exclude) for e in watchlist.entities if e.exclude}
        # Entities with the same context terms share them, so one search per text answers for
        # all of them.
        contexts: dict[tuple[str, ...], _Context] = {}
        self._context = {
            e.id: contexts.setdefault(e.context, _Context(e.context))
            for e in watchlist.entities
            if e.context
        }
        self._automaton = self._build()

    def __getstate__(self) -> dict[str, Any]:
        return {"watchlist": self.watchlist}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["watchlist"])  # type: ignore[misc]  # rebuild the automaton

    def _build(self) -> Any:
        """The automaton. Its keys are the lowercased aliases and misspellings; each key's
        value is the tuple `_candidates` unpacks per hit: (length, check the left boundary,
        check the right boundary, mode, expected text, target, alternatives). The expected
        text is the normalised alias for _SAME_CASE, the name's first letter for
        _FIRST_LETTER; with _SEVERAL, alternatives holds (mode, expected, target) for each
        alias of the key, in watchlist order."""
        keys: dict[str, list[tuple[int, str, _Target]]] = {}
        # Aliases sharing a key share its letters, so the boundary rules are the key's: on a
        # side where the alias (the name, for a misspelling) ends in a letter or digit.
        bounds: dict[str, tuple[bool, bool]] = {}
        for e in self.watchlist.entities:
            plain, ambiguous = self._target(e, False), self._target(e, True)
            for names, mode in ((e.aliases, _SAME_CASE), (e.aliases_ignore_case, _ANY_CASE)):
                for name in names:
                    norm = _normalise(name)
                    key = _lower(norm)
                    target = ambiguous if name in e.ambiguous else plain
                    keys.setdefault(key, []).append((mode, norm, target))
                    bounds.setdefault(key, (norm[0].isalnum(), norm[-1].isalnum()))
        taken = set(keys)
        for e in self.watchlist.entities:
            if not e.fuzzy:
                continue
            target = self._target(e, True)  # a misspelling is ambiguous
            long_names = [a for a in e.aliases if a not in e.ambiguous]
            for variant, name in misspellings(long_names, taken).items():
                keys.setdefault(variant, []).append((_FIRST_LETTER, name[0], target))
                bounds.setdefault(variant, (name[0].isalnum(), name[-1].isalnum()))
        self._ascii_keys = all(k.isascii() and "?" not in k for k in keys)
        automaton = ahocorasick.Automaton()
        # A trie node finds its child for a letter by a linear search, in the order children
        # were added: keys added in order of letter frequency make the common steps short.
        # Equal values are stored once: a name's hundreds of misspellings share a few.
        values: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for key in sorted(keys, key=lambda k: k.translate(_BY_FREQUENCY)):
            alts = keys[key]
            left, right = bounds[key]
            value: tuple[Any, ...]
            if len(alts) == 1:
                mode, expect, target = alts[0]
                value = (len(key), left, right, mode, expect, target, ())
            else:
                value = (len(key), left, right, _SEVERAL, "", None, tuple(alts))
            automaton.add_word(key, values.setdefault(value, value))
        automaton.make_automaton()
        return automaton

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
        for last, (length, left, right, mode, expect, target, alts) in self._automaton.iter(low):
            end = last + 1
            start = end - length
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
        found: dict[_Context, bool] = {}
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

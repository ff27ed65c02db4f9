"""An entity's `exclude` patterns: no mention counts inside one of their matches.
extractors/entities.py finds the aliases and asks this; how ambiguous names are decided is
extractors/senses_resolver.py.

It runs once per mention, so it avoids regex work where plain string searches can rule it
out: an `exclude` regex runs only in the window around a mention, and only when the window
holds the words its matches need (found from the pattern itself, see _required). The words
are looked for in the normalised, lowercased text the automaton ran over, whose offsets are
those of the text.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from typing import Any

from extractors.hitloop import EXCLUDE_WINDOW, ruled_out
from extractors.typography import NORMALISE

__all__ = ["EXCLUDE_WINDOW", "Exclusion", "case_exceptions", "exclusion_hints"]


# Characters that case-insensitively match an ASCII letter yet do not lowercase to it (İ, ı,
# ſ): where the text has one, the shortcuts that look for words in the lowercased text (the
# hints of `exclude` patterns, context terms) are not taken.
_CASE_EXCEPTIONS = re.compile("[\u0130\u0131\u017f]")


def case_exceptions(text: str) -> bool:
    """Whether `text` has a character of _CASE_EXCEPTIONS: asked once per text, where a
    regex search of each mention's window walks it one character at a time."""
    return not text.isascii() and ("\u0130" in text or "\u0131" in text or "\u017f" in text)


def _scoped(pattern: str) -> str:
    """A pattern whose leading global flags ("(?i)...") become a scoped group, so that
    patterns can be joined into one alternation."""
    m = re.match(r"\(\?([aiLmsux]+)\)", pattern)
    return f"(?{m.group(1)}:{pattern[m.end() :]})" if m else pattern


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
        if op is _sre.IN:
            same = _one_normal_char(av)
            if same:  # "[-\u2010\u2011]": "-" in the normalised text whichever it is
                run.append(same)
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


def _one_normal_char(members: Any) -> str:
    """The printable ASCII character every member of a character class becomes in the
    normalised text ("-" for "[-\u2010\u2011]"), or "" when they differ or the class has
    ranges, categories or a negation. Only characters without case are taken, so that no
    flag (?i) can make the class match another one."""
    chars = set()
    for op, av in members:
        if op is not _sre.LITERAL:
            return ""
        c = chr(av)
        if c.lower() != c or c.upper() != c:
            return ""
        chars.add(NORMALISE.get(c, c))
    if len(chars) != 1:
        return ""
    (c,) = chars
    return c if 0x20 <= ord(c) < 0x7F else ""


def _most_telling(sets: list[frozenset[str]]) -> frozenset[str]:
    """The set least likely to be in a window by chance: the one whose shortest string is
    longest, then the smallest."""
    return max(sets, key=lambda s: (min(map(len, s)), -len(s)), default=frozenset())


def exclusion_hints(patterns: Sequence[str]) -> _Hints | None:
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


def _gates(
    patterns: Sequence[str], hints: _Hints | None
) -> tuple[tuple[int, tuple[frozenset[str], ...]], ...] | None:
    """Per pattern, the most characters a match of it spans (the window's width for a
    pattern without bound) and its required strings; None without hints."""
    if hints is None:
        return None
    widths = []
    for pattern in patterns:
        try:
            widest = _sre_parse.parse(pattern).getwidth()[1]
        except Exception:  # pragma: no cover  (the hints parsed it already)
            return None
        widths.append(min(widest, 2 * EXCLUDE_WINDOW + 1000))
    return tuple(zip(widths, hints, strict=True))


class Exclusion:
    """An entity's `exclude` patterns, and whether a mention sits inside one of their matches."""

    def __init__(self, patterns: Sequence[str]) -> None:
        # One alternation; a pattern's own inline flags stay scoped to it.
        self.parts = [f"(?:{_scoped(p)})" for p in patterns]
        self.regex = re.compile("|".join(self.parts))
        self.hints = exclusion_hints(patterns)
        # Back-references (numbered, named, conditional) would point elsewhere in a shorter
        # alternation: keep the whole one for those.
        self.narrowable = not re.search(r"\\[1-9]|\(\?P=|\(\?\(", "".join(patterns))
        self._narrowed: dict[tuple[int, ...], re.Pattern[str]] = {}
        self.gates = _gates(patterns, self.hints)

    def contains(self, text: str, low: str, start: int, end: int, exceptions: bool = True) -> bool:
        """Whether a match in the window around the mention contains it (`low` is the text
        the automaton ran over, see entities.Tagger._lowered; `exceptions` False says the
        text has none of the characters of _CASE_EXCEPTIONS, see case_exceptions). Searching
        a window per mention is cheaper than scanning the whole text with every pattern:
        mentions are sparse, and the patterns rarely start with a literal the regex engine
        can skip to."""
        lo = start - EXCLUDE_WINDOW if start > EXCLUDE_WINDOW else 0
        hi = end + EXCLUDE_WINDOW
        # A match that contains the mention lies within its pattern's longest match of it,
        # so a pattern's required strings are looked for there only (a few dozen
        # characters, where the window has some 250): most mentions end here.
        if (
            self.gates is not None
            and not (exceptions and _CASE_EXCEPTIONS.search(text, lo, hi))
            and ruled_out(low, start, end, self)
        ):
            return False
        regex = (
            self.regex
            if self.hints is None
            else self._narrow(self.hints, text, low, lo, hi, exceptions)
        )
        if regex is None:
            return False
        for m in regex.finditer(text, lo, hi):
            if m.start() > start:
                return False  # matches come in order: none after this one can contain it
            if end <= m.end():
                return True
        return False

    def _narrow(
        self, hints: _Hints, text: str, low: str, lo: int, hi: int, exceptions: bool
    ) -> re.Pattern[str] | None:
        """The alternation of the patterns that may match in the window, None if none may.
        Leaving out patterns that match nowhere in the window changes no match of the rest."""
        if exceptions and _CASE_EXCEPTIONS.search(text, lo, hi):
            return self.regex
        alive = self._alive(hints, low[lo:hi])
        if not alive:
            return None
        if len(alive) == len(self.parts) or not self.narrowable:
            return self.regex
        narrowed = self._narrowed.get(alive)
        if narrowed is None:
            narrowed = self._narrowed[alive] = re.compile("|".join(self.parts[i] for i in alive))
        return narrowed

    @staticmethod
    def _alive(hints: _Hints, window: str) -> tuple[int, ...]:
        """The patterns that may match in `window`: those none of whose sets it lacks."""
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
        return alive

"""Typography the tagger sees through: Unicode spaces, typographic apostrophes and hyphens
(mapped, length kept), invisible characters (skipped), and case folding that keeps offsets.
Shared by extractors/entities.py and extractors/senses_resolver.py, so both look for words in
the same text."""

from __future__ import annotations

import re

__all__ = ["INVISIBLE", "INVISIBLE_CHARS", "NORMALISE", "lower", "normalise", "squeeze"]

# Length-preserving normalisation, so offsets in the normalised text are offsets in the input.
NORMALISE = {
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


# Characters that show nothing and may sit inside a word: soft hyphen, zero-width space,
# non-joiner and joiner, word joiner, byte-order mark. Skipped, with offsets mapped back.
INVISIBLE_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]+")


def squeeze(text: str) -> tuple[str, list[int], list[int]]:
    """`text` without invisible characters, and how to map its offsets back: at squeezed
    offset `breaks[i]` and after, add `shifts[i]`."""
    breaks, shifts, parts = [0], [0], []
    last = shift = 0
    for m in INVISIBLE.finditer(text):
        parts.append(text[last : m.start()])
        shift += m.end() - m.start()
        breaks.append(m.start() - shift + (m.end() - m.start()))
        shifts.append(shift)
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), breaks, shifts


_ASCII_NORMALISE = {c: r for c, r in NORMALISE.items() if c.isascii()}


def normalise(text: str) -> str:
    # One str.replace per character present is many times faster than str.translate with a
    # mapping table, which goes through Python for every character; an ASCII text has only
    # the ASCII ones to look for.
    table = _ASCII_NORMALISE if text.isascii() else NORMALISE
    for char, repl in table.items():
        if char in text:
            text = text.replace(char, repl)
    return text


def lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    # A few characters lowercase to two ("İ"); keep those as they are to keep offsets.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)

"""One text per page from several candidates: trafilatura's text, plus the lines two
independent extractors agree it missed.

The rules, each measured on the tuning half of WCXB's dev split (docs/extraction.md):

- trafilatura (tables kept) is the base: the best single candidate measured. Its lines are
  all kept; a line it repeats is kept once.
- A line it lacks is added when readability-lxml and resiliparse both have it: two
  extractors with unrelated heuristics (Readability scores containers by their paragraphs,
  resiliparse drops elements by their names and roles) rarely agree on page chrome, and
  where trafilatura is wrong it is mostly wrong by missing part of the body.
- A first line that is the page's title is dropped: the title is stored on its own, and a
  body that repeats it would count its mentions twice.
- readability-lxml costs as much as trafilatura, resiliparse a tenth of it; so readability
  runs only when resiliparse finds a tenth more words than trafilatura (`DOUBT_SHARE`).
  Below that no line could be added anyway but a few.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
# C0/C1 control characters: pages double-encoded as UTF-8 leave U+0080-U+009F behind, which
# trafilatura drops and the other extractors keep; lines must compare equal across them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

DOUBT_SHARE = 0.1  # resiliparse's extra words, as a share of the base's, that call for a vote
MIN_REPEAT_WORDS = 3  # a repeated line this long or longer is a duplicate; shorter ones are not


@dataclass(frozen=True)
class Line:
    key: str  # lowercase words joined by one space: what lines are compared by
    text: str  # the line as extracted, stripped


@dataclass(frozen=True)
class Choice:
    text: str
    added: int  # lines added from the vote (0: the base text alone)
    voted: bool  # whether the second opinion (readability) was asked


def clean(text: str) -> str:
    return _CONTROL.sub("", text)


def lines(text: str) -> list[Line]:
    out: list[Line] = []
    for raw in clean(text).splitlines():
        words = _WORD.findall(raw.lower())
        if words:
            out.append(Line(" ".join(words), raw.strip()))
    return out


def _joined(found: list[Line]) -> str:
    return " " + " ".join(line.key for line in found) + " "


def extra_words(base: list[Line], other: list[Line]) -> int:
    """Words of `other`'s lines that are nowhere in `base`."""
    have = _joined(base)
    return sum(len(line.key.split()) for line in other if f" {line.key} " not in have)


def choose(base_text: str, cheap_text: str, second: Callable[[], str]) -> Choice:
    """The base text, deduplicated, plus the lines `cheap_text` (resiliparse) and
    `second()` (readability, called only when the cheap text says the base missed some)
    both hold and the base lacks."""
    base = lines(base_text)
    kept: list[Line] = []
    seen: set[str] = set()
    for line in base:
        if line.key in seen and len(line.key.split()) >= MIN_REPEAT_WORDS:
            continue
        seen.add(line.key)
        kept.append(line)
    cheap = lines(cheap_text)
    base_words = sum(len(line.key.split()) for line in kept)
    if extra_words(kept, cheap) < DOUBT_SHARE * max(base_words, 1):
        return Choice("\n".join(line.text for line in kept), 0, False)
    other = lines(second())
    have = _joined(kept)
    texts = (_joined(other), _joined(cheap))
    added = 0
    for found, confirm in ((other, texts[1]), (cheap, texts[0])):
        for line in found:
            key = f" {line.key} "
            if key in have or key not in confirm:
                continue
            kept.append(line)
            have += line.key + " "
            added += 1
    return Choice("\n".join(line.text for line in kept), added, True)


def without_headline(text: str, title: str) -> str:
    """The text without its first line when that line is the title (words compared)."""
    first, _, rest = text.partition("\n")
    found = lines(first)
    title_words = " ".join(_WORD.findall(title.lower()))
    return rest.lstrip("\n") if found and title_words and found[0].key == title_words else text

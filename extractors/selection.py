"""One text per page from several candidates: trafilatura's text, plus the lines two
independent extractors agree it missed.

The rules, each measured on the tuning half of WCXB's dev split (docs/extraction.md):

- trafilatura (tables kept) is the base: the best single candidate measured. Its lines are
  all kept; a line it repeats is kept once.
- A line it lacks is added when readability and resiliparse both have it: two
  extractors with unrelated heuristics (Readability scores containers by their paragraphs,
  resiliparse drops elements by their names and roles) rarely agree on page chrome, and
  where trafilatura is wrong it is mostly wrong by missing part of the body.
- A first line that is the page's title is dropped: the title is stored on its own, and a
  body that repeats it would count its mentions twice.
- readability is asked only when resiliparse (a tenth of trafilatura's time) finds a tenth
  more words than trafilatura (`DOUBT_SHARE`): below that no line could be added anyway but
  a few, and asking it always scored no better.

Two page-level corrections for the pages where the line vote cannot help, because
trafilatura took the wrong part of the page as a whole:

- **Too little** (`_rescued`): readability, trafilatura's fellow container-scorer, does
  not confirm its text (bag-of-words similarity under `DISAGREE`), and two of the other
  extractors (resiliparse, readability, trafilatura's `baseline`, jusText) agree with each
  other (`RESCUE_AGREE`) on a text at least `RESCUE_RATIO` times as long that holds
  trafilatura's (`HOLD`): the shorter of those two is taken. trafilatura kept one section
  of a long page; independent extractors found the whole. The two rescuers run only then.
- **Too much** (`_trimmed`): resiliparse's text is at most half as long as trafilatura's and
  inside it, readability and resiliparse agree closely (`TRIM_AGREE`), and trafilatura's
  text is like neither (`TRIM_DISAGREE`): resiliparse's is taken. trafilatura's own fallback
  swapped its text for a whole listing or a page's chrome that both others left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
# C0/C1 control characters: pages double-encoded as UTF-8 leave U+0080-U+009F behind, which
# trafilatura drops and the other extractors keep; lines must compare equal across them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

DOUBT_SHARE = 0.1  # resiliparse's extra words, as a share of the base's, that call for a vote
MIN_REPEAT_WORDS = 3  # a repeated line this long or longer is a duplicate; shorter ones are not
# Page-level corrections (module docstring); similarities are bag-of-words Dice, 0..1.
DISAGREE = 0.5  # readability this unlike the chosen text does not confirm it
RESCUE_RATIO = 2.0  # a rescuing text has at least this many times the chosen text's words
RESCUE_AGREE = 0.7  # the two rescuers are at least this alike
HOLD = 0.8  # share of the smaller text's words the larger one must hold
TRIM_RATIO = 2.0  # trafilatura's text has at least this many times resiliparse's words
TRIM_AGREE = 0.9  # readability and resiliparse at least this alike
TRIM_DISAGREE = 0.6  # trafilatura's text less than this like either of them

RESILIPARSE = "resiliparse"  # the names `choose` gives the texts it is handed
READABILITY = "readability"


@dataclass(frozen=True)
class Line:
    key: str  # lowercase words joined by one space: what lines are compared by
    text: str  # the line as extracted, stripped


@dataclass(frozen=True)
class Choice:
    text: str
    added: int  # lines added from the vote (0: the base text alone)
    voted: bool  # whether the second opinion (readability) was asked
    source: str = ""  # the candidate whose whole text replaced the base's ("": none did)


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


def words(text: str) -> Counter[str]:
    """The text's lowercase words, counted with multiplicity."""
    return Counter(_WORD.findall(text.lower()))


def similarity(a: str, b: str) -> float:
    """Bag-of-words Dice: shared words over the mean word count; 0 when either is empty."""
    wa, wb = words(a), words(b)
    na, nb = wa.total(), wb.total()
    return 2 * (wa & wb).total() / (na + nb) if na and nb else 0.0


def held(inner: str, outer: str) -> float:
    """The share of `inner`'s words that `outer` holds (1 when `inner` has none)."""
    wi = words(inner)
    n = wi.total()
    return (wi & words(outer)).total() / n if n else 1.0


def choose(
    base_text: str,
    cheap_text: str,
    second: Callable[[], str],
    rescuers: Callable[[], Mapping[str, str]] | None = None,
) -> Choice:
    """The base text, deduplicated, plus the lines `cheap_text` (resiliparse) and
    `second()` (readability, called only when the cheap text says the base missed some)
    both hold and the base lacks; or, when trafilatura took the wrong part of the page as a
    whole, another candidate's text (module docstring). `rescuers()` (called only then)
    gives more candidates' texts by name; without it the page-level corrections are off."""
    asked: list[str] = []

    def second_text() -> str:
        if not asked:
            asked.append(second())
        return asked[0]

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
    added = 0
    if extra_words(kept, cheap) >= DOUBT_SHARE * max(base_words, 1):
        other = lines(second_text())
        have = _joined(kept)
        texts = (_joined(other), _joined(cheap))
        for found, confirm in ((other, texts[1]), (cheap, texts[0])):
            for line in found:
                key = f" {line.key} "
                if key in have or key not in confirm:
                    continue
                kept.append(line)
                have += line.key + " "
                added += 1
    text = "\n".join(line.text for line in kept)
    if rescuers is not None:
        if asked and similarity(text, asked[0]) < DISAGREE:
            pool = {RESILIPARSE: cheap_text, READABILITY: asked[0], **rescuers()}
            name = _rescued(text, pool)
            if name:
                return Choice(pool[name].strip(), 0, True, name)
        elif TRIM_RATIO * words(cheap_text).total() <= words(text).total() and _trimmed(
            text, cheap_text, second_text
        ):
            return Choice(cheap_text.strip(), 0, True, RESILIPARSE)
    return Choice(text, added, bool(asked))


def _rescued(text: str, pool: Mapping[str, str]) -> str:
    """The name of the candidate that replaces a text that holds too little, or ""."""
    n = words(text).total()
    longer = [
        name
        for name, found in pool.items()
        if words(found).total() >= RESCUE_RATIO * max(n, 1) and held(text, found) >= HOLD
    ]
    best: tuple[float, str, str] | None = None
    for i, a in enumerate(longer):
        for b in longer[i + 1 :]:
            alike = similarity(pool[a], pool[b])
            if alike >= RESCUE_AGREE and (best is None or alike > best[0]):
                best = (alike, a, b)
    if best is None:
        return ""
    _, a, b = best
    return a if words(pool[a]).total() <= words(pool[b]).total() else b


def _trimmed(text: str, cheap_text: str, second: Callable[[], str]) -> bool:
    """Whether resiliparse's much shorter text replaces a text that holds too much."""
    if held(cheap_text, text) < HOLD:
        return False
    if similarity(text, cheap_text) >= TRIM_DISAGREE:
        return False
    other = second()
    return similarity(other, cheap_text) >= TRIM_AGREE and similarity(text, other) < TRIM_DISAGREE


def without_headline(text: str, title: str) -> str:
    """The text without its first line when that line is the title (words compared)."""
    first, _, rest = text.partition("\n")
    found = lines(first)
    title_words = " ".join(_WORD.findall(title.lower()))
    return rest.lstrip("\n") if found and title_words and found[0].key == title_words else text

"""What a report leads with: the part of a story key that links other outlets' own reports
of one event.

Two outlets reporting one event write their own sentences, quotes and background, so they
share few word sequences and, over the whole text, hardly more names than a different story
of the same company that week (tests/data/clusters/report_pairs.jsonl: names agreeing
0.11-0.31 between reports of one event, 0-0.36 between different stories). What they share
is their lead: the headline and first sentences give the event's figure ("$11.2bn",
"412,880 vehicles", "40%") and who it is about. A different story that recalls the event
does so in a background sentence, later. So the lead part is the pairs (figure, name) of
the headline and the text's first `LEAD_WORDS` words, each pair hashed to 32 bits; two
reports published within `LEAD_WINDOW` whose leads share a pair (a figure and a name) are
the same story, ranked below any match of names or shingles (extractors/stories.py
`matches`). Each pair is also an LSH band, so such reports are candidates of each other.
Most leads give no figure; for them the headline's kind of happening (a death, an outage,
a lawsuit: extractors/story_events.py) paired with its names does the same within
`EVENT_WINDOW`, when the leads share MIN_EVENT_NAMES names (`Lead.same`).

Measured in docs/extraction.md ("Other outlets' own reports", "Reports that lead with no
figure").
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from extractors.story_events import headline_events
from extractors.story_names import capitalised, names

LEAD_WORDS = 40  # the headline and this many words of the text (60 merged two Nvidia rounds)
LEAD_WINDOW = timedelta(hours=72)  # other outlets report an event within a day or two
# A match by the headline's kind of happening and names, with no figure to go by, only this
# close: 116 of the 121 same-event pairs of real feeds (tests/data/clusters/feed_pairs.jsonl)
# are within 24 hours and 118 within 36, while a service that went down, or a company sued,
# can be again within days.
EVENT_WINDOW = timedelta(hours=36)
# Pairs a lead contributes at most: its first figures and names, so that a lead listing many
# (a results table in prose) adds a bounded number of bands.
MAX_FIGURES = 4
MAX_NAMES = 10
MAX_EVENTS = 3  # kinds of happening a headline contributes at most
MIN_EVENT_NAMES = 2  # names two leads share besides their headlines' kind of happening
LEAD_CHARS = 600  # a headline, and a lead's words, past this are cut: no lead is longer
# Each part's count is a byte of the signature's count word (`lead_part`).
assert MAX_FIGURES * MAX_NAMES < 256 and MAX_EVENTS * MAX_NAMES < 256
# The lead part ends the signature: its hashes, their number and this mark (little-endian
# 32-bit words), so that a signature with or without a names part before it reads back.
MARK = 0x4441454C  # "LEAD"
_MARK_BYTES = MARK.to_bytes(4, "little")
_POSSESSIVE = re.compile(r"['’]s$")
# Not after a word's letter or apostrophe: a lookbehind, not \b, which an apostrophe would
# restart after at every one ("A'A'A'..." quadratic on hostile headlines).
_HYPHENED = re.compile(r"(?<![\w'’-])[A-Z][\w'’]*(?:-[\w'’]+)+")
_FOLD = (0xD6E8FEB86659FD93, 0xA0761D6478BD642F)  # a lead band is no shingles or names band
_UNITS = {
    "bn": 1e9, "bln": 1e9, "billion": 1e9, "mn": 1e6, "mln": 1e6, "m": 1e6, "million": 1e6,
    "trillion": 1e12, "tn": 1e12, "b": 1e9, "k": 1e3,
}  # fmt: skip
# Scale letters an amount carries only after a currency sign ("$9B", "$500k"): without one,
# "70B" is a model's size and "5k" a race.
_CURRENCY_ONLY = frozenset({"b", "k"})
# A figure: an amount with its currency or scale word ("$2bn", "€1.73 billion", "$9B", "7.3bn
# yuan", "2.6 bln euros"), a percentage ("40%", "40 per cent"), power ("500MW", "1.4GW", "a
# 1.4-gigawatt campus"; a hyphen only before a word: "a 5-m wall" is no amount), or a count
# written with thousands separators ("412,880"). Not a bare number: a year, a model number,
# a resolution ("1080p") or "9 of 10" says nothing about which event it is.
_FIGURE = re.compile(
    r"(?<![\w.,])(?P<cur>(?:US|C|A|HK|S)?[$€£¥])?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<unit>%|per\s?cent\b|percent\b)"
    r"|(?:\s|-(?=[a-z]{4}))?(?P<scale>bn\b|bln\b|billion\b|mn\b|mln\b|m\b|million\b|trillion\b|tn\b|b\b|k\b"
    r"|mw\b|gw\b|megawatts?\b|gigawatts?\b))?",
    re.IGNORECASE,
)


# A company's valuation in an aside that introduces it: background every report of the
# company repeats ("ChatGPT-maker OpenAI, valued at $500 billion, said …"), not the event's
# figure (a round's "at a $183 billion valuation" and a deal "valued at $2.3 billion" are).
_BOILERPLATE_VALUE = re.compile(
    r",\s*(?:which\s+(?:is|was)\s+|most\s+recently\s+|last\s+)?valued\s+at\s+"
    r"(?:(?:about|around|roughly|some|nearly|more\s+than|over|almost)\s+)?$",
    re.IGNORECASE,
)


def lead_text(title: str, text: str) -> str:
    """The headline and the first LEAD_WORDS words of the text, each at most LEAD_CHARS
    characters (a hostile page's one-word headline of a megabyte reads as a short one)."""
    words = " ".join(text[: 50 * LEAD_CHARS].split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])
    title = title[:LEAD_CHARS]
    return f"{title}.\n{words[:LEAD_CHARS]}" if title else words[:LEAD_CHARS]


def figures(text: str) -> list[str]:
    """The figures of a text, each written one way whatever the text wrote ("$2bn", "$2
    billion" and "2 billion dollars" are `2e+09`; "40%" and "40 per cent" `40%`), in the
    order met, once each."""
    out: dict[str, None] = {}
    for m in _FIGURE.finditer(text):
        if _BOILERPLATE_VALUE.search(text, max(0, m.start() - 40), m.start()):
            continue  # "ChatGPT-maker OpenAI, valued at $500 billion,": who, not what
        number = m.group("num")
        value = float(number.replace(",", ""))
        unit = (m.group("unit") or m.group("scale") or "").lower().replace(" ", "")
        if unit in _CURRENCY_ONLY and not m.group("cur"):
            unit = ""
        if unit == "%" or unit.startswith("per"):
            out[f"{value:g}%"] = None
        elif unit in ("mw", "megawatt", "megawatts"):
            out[f"{value * 1e6:g}W"] = None
        elif unit in ("gw", "gigawatt", "gigawatts"):
            out[f"{value * 1e9:g}W"] = None
        elif unit in _UNITS:
            out[f"{value * _UNITS[unit]:.6g}"] = None
        elif m.group("cur") or "," in number:
            out[f"{value:.6g}"] = None
    return list(out)


def plain_name(word: str) -> str:
    """A name as leads compare it: without a possessive ("Macron's" is "macron") or accents
    ("Orbán" is "orban": outlets differ in both)."""
    word = _POSSESSIVE.sub("", word)
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


class _Plain(frozenset[str]):
    """Known words already as leads compare them (`_plain_known`)."""


def _plain_known(known: frozenset[str]) -> _Plain:
    """Known words as leads compare them: only a few have a possessive or accents to drop."""
    return _Plain(known.union(plain_name(k) for k in known if not k.isascii() or "'" in k))


def lead_names(text: str, known: frozenset[str] | _Plain = frozenset()) -> list[str]:
    """The names of a lead in the order met: extractors/story_names.py `names`, with the
    watchlist's own (who the event is about) and without figures and two-letter names ("AI",
    "US", "EU": in every lead of a warehouse's week). `known`: words the whole text names,
    which count where they start a sentence too ("Databricks agreed ..." opens most leads
    that name Databricks at all). Each is a `plain_name`, and a hyphened name is also each
    of its capitalised parts ("Russia-Ukraine talks", "Paris-based")."""
    plain = known if isinstance(known, _Plain) else _plain_known(known)
    found = names(text).union(w for w in capitalised(text) if plain_name(w) in plain)
    parts = {p.lower() for m in _HYPHENED.findall(text) for p in m.split("-") if p[:1].isupper()}
    kept = {plain_name(n) for n in found | parts}
    kept = {n for n in kept if len(n) > 2 and not n[:1].isdigit()}
    lower = plain_name(text.lower())
    return sorted(kept, key=lambda n: (lower.find(n), n))


@dataclass(frozen=True)
class Lead:
    """What a lead says, as sorted 32-bit hashes: its (figure, name) pairs; its headline's
    (kind of happening, name) pairs (extractors/story_events.py), with the names the
    headline gives; and the lead's names and figures, to verify with."""

    pairs: npt.NDArray[np.uint32]
    events: npt.NDArray[np.uint32]
    names: npt.NDArray[np.uint32]
    figures: npt.NDArray[np.uint32]

    def __len__(self) -> int:
        return len(self.pairs) + len(self.events)

    def hashes(self) -> npt.NDArray[np.uint32]:
        """What it is found by: its pairs and its events."""
        return np.concatenate([self.pairs, self.events])

    def same(self, other: Lead, apart: timedelta) -> bool:
        """Two leads `apart` in time tell one event: within LEAD_WINDOW they share a (figure,
        name) pair; or within EVENT_WINDOW both headlines report one kind of happening to one
        name, and the leads share MIN_EVENT_NAMES names, unless both give figures and none is
        the same (two recalls by one carmaker in a week are of different sizes)."""
        if apart > LEAD_WINDOW:
            return False
        if np.intersect1d(self.pairs, other.pairs).size:
            return True
        if apart > EVENT_WINDOW or not np.intersect1d(self.events, other.events).size:
            return False
        if np.intersect1d(self.names, other.names).size < MIN_EVENT_NAMES:
            return False
        return not (
            len(self.figures)
            and len(other.figures)
            and not np.intersect1d(self.figures, other.figures).size
        )


_EMPTY = np.empty(0, dtype="<u4")
NO_LEAD = Lead(_EMPTY, _EMPTY, _EMPTY, _EMPTY)


def _hashes(values: set[str]) -> npt.NDArray[np.uint32]:
    return np.array(sorted({zlib.crc32(v.encode()) for v in values}), dtype="<u4")


def _title_case(title: str) -> bool:
    """Whether a headline capitalises most of its words of four letters or more (Title
    Case), so that its capitals say nothing of which words are names."""
    long = [w for w in title.split() if len(w) > 3 and w[:1].isalpha()]
    return len(long) >= 3 and sum(w[:1].isupper() for w in long) > 0.6 * len(long)


def lead_of_text(title: str, text: str, known: frozenset[str] = frozenset()) -> Lead:
    """The lead of an article: NO_LEAD when it gives no name, or neither a figure nor a
    headline's kind of happening. `known`: as for `lead_names`."""
    title = title[:LEAD_CHARS]
    plain = _plain_known(known)  # once for the lead, the headline and the text's words
    # Who the lead concerns: the headline's names and the names of the lead's words. A
    # headline in Title Case capitalises "Sued", "Raises" and "Over": of its words only those
    # the text (or the watchlist) names ("Acme Raises $10M Series A" and "Globex Raises $10M"
    # shared the pair of "$10M" and "raises").
    headline = lead_names(title, plain)
    if _title_case(title):
        headline = [n for n in headline if n in plain]
    body = lead_names(lead_text("", text), plain)[:MAX_NAMES]
    named = list(dict.fromkeys([*headline, *body]))[:MAX_NAMES]
    found = figures(lead_text(title, text))[:MAX_FIGURES]
    kinds = headline_events(title)[:MAX_EVENTS]
    if not named or not (found or kinds):
        return NO_LEAD
    pairs = _hashes({f"{f}\x1f{n}" for f in found for n in named})
    if not kinds:
        return Lead(pairs, _EMPTY, _EMPTY, _hashes(set(found)))
    return Lead(
        pairs,
        _hashes({f"{k}\x1e{n}" for k in kinds for n in headline[:MAX_NAMES]}),
        _hashes({*body, *headline[:MAX_NAMES]}),
        _hashes(set(found)),
    )


def lead_part(lead: Lead) -> bytes:
    """The bytes a signature ends with for a lead (none for NO_LEAD): the pairs, events,
    names and figures, their counts in one word (a byte each from the lowest: a part
    written before there were events reads as pairs alone), the mark."""
    if not len(lead):
        return b""
    parts = (lead.pairs, lead.events, lead.names, lead.figures)
    counts = sum(len(p) << 8 * i for i, p in enumerate(parts))
    body = b"".join(p.astype("<u4").tobytes() for p in parts)
    return body + counts.to_bytes(4, "little") + _MARK_BYTES


def split_lead(signature: bytes, sizes: tuple[int, ...]) -> tuple[bytes, Lead]:
    """A signature without its lead part, and its lead (NO_LEAD without one). `sizes`: the
    lengths the rest may have (shingles alone, shingles and names)."""
    if len(signature) >= 8 and signature[-4:] == _MARK_BYTES:
        counts = int.from_bytes(signature[-8:-4], "little")
        sizes_of = [counts >> 8 * i & 0xFF for i in range(4)]
        rest = len(signature) - 8 - 4 * sum(sizes_of)
        if rest in sizes:
            found = np.frombuffer(signature, dtype="<u4", count=sum(sizes_of), offset=rest)
            ends = np.cumsum([0, *sizes_of])
            parts = [found[ends[i] : ends[i + 1]] for i in range(4)]
            return signature[:rest], Lead(*parts)
    return signature, NO_LEAD


def lead_band_keys(lead: Lead) -> tuple[int, ...]:
    """One LSH band per (figure, name) pair and per (kind, name) pair: reports sharing one
    are candidates."""
    with np.errstate(over="ignore"):
        folded = (lead.hashes().astype(np.uint64) + np.uint64(_FOLD[1])) * np.uint64(_FOLD[0])
    return tuple(int(v) for v in folded.view(np.int64))

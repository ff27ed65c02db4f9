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

Measured in docs/extraction.md ("Other outlets' own reports"): on the set's blind parts
11 of 48 reports and briefs linked, none of its 60 different stories merged, nor any
different pair of the other pair sets.
"""

from __future__ import annotations

import re
import zlib
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from extractors.story_names import names

LEAD_WORDS = 40  # the headline and this many words of the text (60 merged two Nvidia rounds)
LEAD_WINDOW = timedelta(hours=72)  # other outlets report an event within a day or two
# Pairs a lead contributes at most: its first figures and names, so that a lead listing many
# (a results table in prose) adds a bounded number of bands.
MAX_FIGURES = 4
MAX_NAMES = 10
# The lead part ends the signature: its hashes, their number and this mark (little-endian
# 32-bit words), so that a signature with or without a names part before it reads back.
MARK = 0x4441454C  # "LEAD"
_MARK_BYTES = MARK.to_bytes(4, "little")
_FOLD = (0xD6E8FEB86659FD93, 0xA0761D6478BD642F)  # a lead band is no shingles or names band
_UNITS = {
    "bn": 1e9, "billion": 1e9, "mn": 1e6, "m": 1e6, "million": 1e6, "trillion": 1e12, "tn": 1e12,
}  # fmt: skip
# A figure: an amount with its currency or scale word ("$2bn", "€1.73 billion", "7.3bn
# yuan"), a percentage ("40%", "40 per cent"), power ("500MW", "1.4GW"), or a count written
# with thousands separators ("412,880"). Not a bare number: a year, a model number, a
# resolution ("1080p") or "9 of 10" says nothing about which event it is.
_FIGURE = re.compile(
    r"(?<![\w.,])(?P<cur>(?:US|C|A|HK|S)?[$€£¥])?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<unit>%|per\s?cent\b|percent\b|bn\b|billion\b|mn\b|m\b|million\b|trillion\b"
    r"|tn\b|mw\b|gw\b|megawatts?\b|gigawatts?\b))?",
    re.IGNORECASE,
)


def lead_text(title: str, text: str) -> str:
    """The headline and the first LEAD_WORDS words of the text."""
    words = text.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS]
    return f"{title}.\n{' '.join(words)}" if title else " ".join(words)


def figures(text: str) -> list[str]:
    """The figures of a text, each written one way whatever the text wrote ("$2bn", "$2
    billion" and "2 billion dollars" are `2e+09`; "40%" and "40 per cent" `40%`), in the
    order met, once each."""
    out: dict[str, None] = {}
    for m in _FIGURE.finditer(text):
        number = m.group("num")
        value = float(number.replace(",", ""))
        unit = (m.group("unit") or "").lower().replace(" ", "")
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


def lead_names(text: str) -> list[str]:
    """The names of a lead in the order met: extractors/story_names.py `names`, with the
    watchlist's own (who the event is about) and without figures and two-letter names ("AI",
    "US", "EU": in every lead of a warehouse's week)."""
    lower = text.lower()
    found = [n for n in names(text) if len(n) > 2 and not n[:1].isdigit()]
    return sorted(found, key=lambda n: (lower.find(n), n))


def lead_hashes(title: str, text: str) -> npt.NDArray[np.uint32]:
    """The lead's (figure, name) pairs as sorted 32-bit hashes; empty when its lead gives no
    figure or no name."""
    lead = lead_text(title, text)
    found, named = figures(lead)[:MAX_FIGURES], lead_names(lead)[:MAX_NAMES]
    pairs = {zlib.crc32(f"{f}\x1f{n}".encode()) for f in found for n in named}
    return np.array(sorted(pairs), dtype="<u4")


def lead_part(hashes: npt.NDArray[np.uint32]) -> bytes:
    """The bytes a signature ends with for these hashes (none for an empty lead)."""
    if not len(hashes):
        return b""
    return hashes.astype("<u4").tobytes() + len(hashes).to_bytes(4, "little") + _MARK_BYTES


def split_lead(signature: bytes, sizes: tuple[int, ...]) -> tuple[bytes, npt.NDArray[np.uint32]]:
    """A signature without its lead part, and the lead's hashes (empty without one). `sizes`:
    the lengths the rest may have (shingles alone, shingles and names)."""
    if len(signature) >= 8 and signature[-4:] == _MARK_BYTES:
        count = int.from_bytes(signature[-8:-4], "little")
        rest = len(signature) - 8 - 4 * count
        if rest in sizes:
            return signature[:rest], np.frombuffer(signature, dtype="<u4", count=count, offset=rest)
    return signature, np.empty(0, dtype="<u4")


def lead_band_keys(hashes: npt.NDArray[np.uint32]) -> tuple[int, ...]:
    """One LSH band per (figure, name) pair: reports sharing one are candidates."""
    with np.errstate(over="ignore"):
        folded = (hashes.astype(np.uint64) + np.uint64(_FOLD[1])) * np.uint64(_FOLD[0])
    return tuple(int(v) for v in folded.view(np.int64))

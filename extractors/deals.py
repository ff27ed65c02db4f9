"""Deal extraction: investments and acquisitions between watchlist entities, sentence by sentence.

A first, rule-based pass. Inside one sentence the tagged entities are replaced by markers and a
few patterns are matched over that skeleton ("X ... invested ... in Y", "Y was acquired by X",
"investors in Y include X", "X's investment in Y"); an amount, qualifier and year are read
from the same sentence. Only one deal per (kind, investor, target) is kept per article: the
first that states an amount, else the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.entities import Mention
from extractors.text import sentence_spans

# Products are not parties to deals; their owners are.
PARTY_KINDS = frozenset({"lab", "cloud", "company"})

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters never found in real text
_E = _OPEN + r"(\d+)" + _CLOSE
_GAP = r"[^\ue000]*?"  # any text without another entity in it

_PATTERNS: list[tuple[str, re.Pattern[str], tuple[str, str]]] = [
    (
        "investment",
        re.compile(
            _E
            + _GAP
            + r"\b(?:invest|invests|invested|investing)\b"
            + _GAP
            + r"\b(?:in|into|for access to|for a stake in)\s+"
            + _E
        ),
        ("investor", "target"),
    ),
    (
        "investment",
        re.compile(_E + r"['’]s?\s+(?:[\w-]+\s+){0,3}(?:investment|stake)\s+(?:in|into)\s+" + _E),
        ("investor", "target"),
    ),
    (
        "investment",
        re.compile(
            _E + _GAP + r"\b(?:acquire|take|took|buy|bought)s?\s+an?\s+(?:[\w-]+\s+){0,3}"
            r"(?:stake|position)\s+in\s+" + _E
        ),
        ("investor", "target"),
    ),
    (
        "investment",
        re.compile(r"\b[Ii]nvestors\s+in\s+" + _E + r"\s+(?:also\s+)?include\s+" + _E),
        ("target", "investor"),
    ),
    (
        "acquisition",
        re.compile(
            _E + _GAP + r"\b(?:was|were|had been|has been)\s+(?:\w+\s+)?" + r"acquired\s+by\s+" + _E
        ),
        ("target", "investor"),
    ),
    (
        "acquisition",
        re.compile(
            _E
            + r"\s+(?:has\s+|had\s+|will\s+)?"
            + r"(?:acquired|acquires|acquire|bought|buys)\s+"
            + _E
        ),
        ("investor", "target"),
    ),
]

_UNITS = {
    "trillion": 1e12,
    "tn": 1e12,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
}
_MONEY = r"\$\s?(\d+(?:[.,]\d+)?)\s*(trillion|billion|million|tn|bn|mn|b|m)\b"
_RANGE = re.compile(r"between\s+" + _MONEY + r"\s+and\s+" + _MONEY, re.I)
_AMOUNT = re.compile(
    r"(?:\b(up to|at least|more than|over|about|around|roughly|nearly|almost)\s+)?" + _MONEY, re.I
)
_YEAR = re.compile(r"\b(?:in|since)\s+((?:19|20)\d\d)\b")
_REPORTEDLY = re.compile(r"\b(reportedly|reported|according to|is said to|sources said)\b", re.I)


@dataclass(frozen=True)
class Deal:
    kind: str  # investment | acquisition
    investor: str  # entity id: the investor or acquirer
    target: str  # entity id
    amount_usd: float | None  # the amount, or the low end of a range
    amount_max_usd: float | None  # the high end of a range, else the amount
    qualifier: str  # "up to", "at least", "reportedly", ... ("" when plain)
    year: int | None
    evidence: str  # the sentence that states it
    start: int  # offset of that sentence in the text


def _usd(number: str, unit: str) -> float:
    return float(number.replace(",", "")) * _UNITS[unit.lower()]


def parse_amount(text: str) -> tuple[float | None, float | None, str]:
    """The first amount in `text` as (low, high, qualifier); (None, None, "") when none."""
    m = _RANGE.search(text)
    if m:
        return _usd(m.group(1), m.group(2)), _usd(m.group(3), m.group(4)), ""
    m = _AMOUNT.search(text)
    if m:
        value = _usd(m.group(2), m.group(3))
        return value, value, (m.group(1) or "").lower()
    return None, None, ""


def _skeleton(sentence: str, offset: int, mentions: list[Mention]) -> tuple[str, list[Mention]]:
    parts: list[str] = []
    cursor = 0
    for i, m in enumerate(mentions):
        parts.append(sentence[cursor : m.start - offset])
        parts.append(f"{_OPEN}{i}{_CLOSE}")
        cursor = m.end - offset
    parts.append(sentence[cursor:])
    return "".join(parts), mentions


def find_deals(text: str, mentions: list[Mention]) -> list[Deal]:
    """Deals stated in `text`, given its mentions (from `Tagger.tag` on the same text)."""
    parties = [m for m in mentions if m.kind in PARTY_KINDS]
    found: dict[tuple[str, str, str], Deal] = {}
    for start, end in sentence_spans(text):
        inside = [m for m in parties if start <= m.start and m.end <= end]
        if len(inside) < 2:
            continue
        sentence = text[start:end]
        skeleton, ents = _skeleton(sentence, start, inside)
        for kind, pattern, roles in _PATTERNS:
            for m in pattern.finditer(skeleton):
                first, second = ents[int(m.group(1))], ents[int(m.group(2))]
                by_role = dict(zip(roles, (first.entity, second.entity), strict=True))
                if by_role["investor"] == by_role["target"]:
                    continue
                low, high, qualifier = parse_amount(sentence)
                if _REPORTEDLY.search(sentence):
                    qualifier = f"{qualifier}, reportedly" if qualifier else "reportedly"
                year = _YEAR.search(sentence)
                deal = Deal(
                    kind=kind,
                    investor=by_role["investor"],
                    target=by_role["target"],
                    amount_usd=low,
                    amount_max_usd=high,
                    qualifier=qualifier,
                    year=int(year.group(1)) if year else None,
                    evidence=sentence,
                    start=start,
                )
                key = (kind, deal.investor, deal.target)
                if key not in found or (found[key].amount_usd is None and low is not None):
                    found[key] = deal
    return sorted(found.values(), key=lambda d: d.start)

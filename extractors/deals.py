"""Deal extraction: investments, acquisitions, mergers, partnerships, compute and distribution
deals between watchlist entities, sentence by sentence.

Inside one sentence the tagged entities (labs, clouds, companies and products) are replaced by
markers and the rules below are matched over that skeleton ("X … invested … in Y", "Y was
acquired by X", "X provides Y with computing power", "Y … its models via X"). The amount,
qualifier and year are read from the words of the match and what follows it up to the next
entity, so two deals in one sentence keep their own amounts. Kinds and roles:

- investment, acquisition: `investor` invests in or acquires `target`;
- compute: `investor` (the cloud provider) supplies computing power to `target` (a lab);
- distribution: `investor` (the platform) offers `target`'s models;
- partnership, merger: symmetric, the two ids in alphabetical order.

A compute or distribution provider named as a company is replaced by its cloud (or product)
when the sentence names that too ("Amazon … through its AWS unit" -> aws). Only one deal per
(kind, investor, target) is kept per article: the first that states an amount, else the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from extractors.entities import Mention
from extractors.text import sentence_spans

SYMMETRIC = frozenset({"partnership", "merger"})

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters never found in real text
_GAP = r"[^\ue000;]*?"  # text without another entity (or a semicolon) in it
_ANY = r"[^;]*?"  # text that may hold other entities
_APOS = r"['’]s?"


def _e(name: str) -> str:
    return _OPEN + rf"(?P<{name}>\d+)" + _CLOSE


_UNITS = {"trillion": 1e12, "tn": 1e12, "billion": 1e9, "bn": 1e9, "b": 1e9,
          "million": 1e6, "mn": 1e6, "m": 1e6}  # fmt: skip
_MONEY = r"\$\s?(\d+(?:[.,]\d+)?)\s*(trillion|billion|million|tn|bn|mn|b|m)\b"
_RANGE = re.compile(r"between\s+" + _MONEY + r"\s+and\s+" + _MONEY, re.IGNORECASE)
_AMOUNT = re.compile(
    r"(?:\b(up to|at least|more than|over|about|around|roughly|nearly|almost)\s+)?" + _MONEY,
    re.IGNORECASE,
)
# A year the deal happened in; "founded in 2015" is about something else.
_YEAR = re.compile(
    r"(?<!founded )(?<!formed )(?<!established )(?<!born )\b(?:in|since|from)\s+((?:19|20)\d\d)\b"
)
_REPORTEDLY = re.compile(r"\b(reportedly|reported|according to|is said to|sources said)\b", re.I)


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    # Whether the words after the match (up to the next entity) may hold its amount: yes for
    # "X invested in Y, paying $N", no for partnerships, whose sentences often go on to
    # state another deal's amount. The year is read from there in every case.
    tail: bool = True
    # Named groups: inv (investor/provider/first party), tgt (target/second party), and
    # optionally inv2 / tgt2 for a second deal of the same kind in the sentence.


def _rule(kind: str, *parts: str) -> Rule:
    return Rule(kind, re.compile("".join(parts), re.IGNORECASE), tail=kind != "partnership")


_MODELS = r"(?:its|their)\s+(?:\w+\s+){0,2}models"
RULES: list[Rule] = [
    # --- investment
    _rule("investment", _e("inv"), _GAP, r"\b(?:invest|invests|invested|investing)\b", _GAP,
          r"\b(?:in|into|for access to|for a stake in)\s+", _e("tgt")),
    _rule("investment", _e("inv"), _APOS, r"\s+(?:[\w-]+\s+){0,3}(?:investment|stake)\s+(?:in|into)\s+",
          _e("tgt")),
    _rule("investment", _e("inv"), _GAP, r"\b(?:acquire|take|took|buy|bought|hold|holds)s?\s+an?\s+",
          r"(?:[\w-]+\s+){0,3}(?:stake|position)\s+in\s+", _e("tgt")),
    _rule("investment", r"\binvestors\s+in\s+", _e("tgt"), r"\s+(?:also\s+)?include\s+", _e("inv")),
    _rule("investment", _e("inv"), r"-backed\s+", _e("tgt")),
    _rule("investment", _e("tgt"), _GAP, r"\b(?:raised|raises|raising|secured|secures)\b", _GAP,
          r"\b(?:from|led by)\s+", _e("inv")),
    # "Y has deals with X1 and X2, receiving $A and $B from each, respectively"
    _rule("investment", _e("tgt"), _GAP, r"\bdeals?\s+with\s+(?:both\s+)?", _e("inv"), r"\s+and\s+",
          _e("inv2"), _GAP, r"\breceiving\s+(?P<a1>[^\ue000]*?)\s+and\s+(?P<a2>[^\ue000]*?)\s+from each"),
    # --- acquisition
    _rule("acquisition", _e("tgt"), _GAP, r"\b(?:was|were|had been|has been|is being)\s+(?:\w+\s+)?",
          r"acquired\s+by\s+", _e("inv")),
    # ("Microsoft acquired Inflection AI's staff" is not an acquisition of Inflection AI.)
    _rule("acquisition", _e("inv"), r"\s+(?:has\s+|had\s+|will\s+|agreed to\s+)?",
          r"(?:acquired|acquires|acquire|bought|buys|buy)\s+", _e("tgt"), r"(?!['’]s?\s)"),
    _rule("acquisition", _e("inv"), _APOS, r"\s+(?:\w+\s+){0,2}(?:acquisition|purchase|takeover)\s+of\s+",
          _e("tgt")),
    # --- merger
    _rule("merger", r"\bmerged?\s+with\s+", _e("inv"), r"\s+to\s+form\s+", _e("tgt")),
    _rule("merger", r"\bmerged?\s+(?:[\w,-]+\s+){0,4}?", _e("inv"), r",?\s+with\s+", _e("tgt")),
    _rule("merger", _e("inv"), r"\s+and\s+", _e("tgt"), r"\s+(?:to\s+)?merge\b"),
    # --- partnership
    _rule("partnership", _e("inv"), _APOS, r"\s+(?:\w+\s+){0,2}(?:partnership|alliance)\s+with\s+",
          _e("tgt")),
    _rule("partnership", r"\b(?:partnership|relationship|alliance)\s+between\s+", _e("inv"),
          r"\s+and\s+", _e("tgt"), r"(?=[^.]*\bpartner)"),
    _rule("partnership", _e("inv"), r"\s+(?:has\s+|have\s+)?partnered\s+with\s+", _e("tgt")),
    _rule("partnership", _e("inv"), _GAP, r"\b(?:signed|inked|ink|struck|strike|has|have)\s+",
          r"(?:[\w-]+\s+){0,3}?(?:deals?|agreements?|partnerships?)\s+with\s+(?:both\s+)?",
          _e("tgt"), r"(?:\s+and\s+", _e("tgt2"), ")?"),
    # --- compute: a provider supplies computing power to a lab
    _rule("compute", _e("inv"), _GAP, r"\b(?:provides?|providing|supplies|supply|supplying|gives?)\s+",
          _e("tgt"), r"\s+with\s+", _GAP, r"\b(?:compute|computing|computational|processing)\b"),
    _rule("compute", _e("inv"), _ANY, r"\b(?:provider|supplier)\s+of\s+", _GAP,
          r"\b(?:compute|computing|computational|processing|cloud)\b", _GAP, r"\bfor\s+", _e("tgt")),
    _rule("compute", r"\boffer\w*\s+", _e("tgt"), r"\s+(?:the\s+)?(?:use\s+of|access\s+to)\s+",
          r"(?:", _OPEN, r"\d+", _CLOSE, _APOS, r"\s+)?", _e("inv"), _GAP,
          r"\b(?:cloud|computing|compute|GPUs?|data cent)"),
    _rule("compute", _e("tgt"), _GAP, r"\b(?:cloud|computing|compute)\s+(?:deal|contract|agreement)\s+with\s+",
          _e("inv")),
    # --- distribution: a platform offers a lab's models
    _rule("distribution", _e("tgt"), _GAP, r"\b(?:offer\w*|mak\w+|sell\w*|provid\w+)\s+", _MODELS,
          r"\s+(?:available\s+)?(?:via|through|on)\s+", _e("inv"), r"(?:\s+and\s+", _e("inv2"), ")?"),
    _rule("distribution", r"\boffer\s+access\s+through\s+", _e("inv"), r",?\s+to\s+", _GAP,
          r"\bmodels\b", _GAP, r"(?:such as|including|like)\s+", _e("tgt"),
          r"(?:\s+and\s+", _e("tgt2"), ")?"),
    _rule("distribution", _e("tgt"), _APOS, r"\s+(?:\w+\s+)?models\s+(?:are\s+|will be\s+)?",
          r"(?:available|offered|hosted)\s+(?:on|via|through)\s+", _e("inv")),
]  # fmt: skip


@dataclass(frozen=True)
class Deal:
    kind: str
    investor: str  # entity id: the investor, acquirer, provider or platform (first party)
    target: str  # entity id (second party)
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


def _skeleton(sentence: str, offset: int, mentions: Sequence[Mention]) -> str:
    parts: list[str] = []
    cursor = 0
    for i, m in enumerate(mentions):
        parts.append(sentence[cursor : m.start - offset])
        parts.append(f"{_OPEN}{i}{_CLOSE}")
        cursor = m.end - offset
    parts.append(sentence[cursor:])
    return "".join(parts)


def _region(skeleton: str, m: re.Match[str]) -> str:
    """The match and what follows it up to the next entity: where its amount and year are."""
    tail = skeleton[m.end() :]
    cut = tail.find(_OPEN)
    return m.group() + (tail if cut < 0 else tail[:cut])


def find_deals(
    text: str,
    mentions: Sequence[Mention],
    ancestors: Callable[[str], Sequence[str]] | None = None,
) -> list[Deal]:
    """Deals stated in `text`, given its mentions (from `Tagger.tag` on the same text).

    `ancestors(entity_id)` lets a provider named as a company be narrowed to its cloud or
    product named in the same sentence (see the module docstring)."""
    found: dict[tuple[str, str, str], Deal] = {}
    for start, end in sentence_spans(text):
        inside = [m for m in mentions if start <= m.start and m.end <= end]
        if len(inside) < 2:
            continue
        sentence = text[start:end]
        skeleton = _skeleton(sentence, start, inside)
        for rule in RULES:
            for m in rule.pattern.finditer(skeleton):
                for deal in _deals_of(rule, m, skeleton, inside, sentence, start, ancestors):
                    key = (deal.kind, deal.investor, deal.target)
                    if key not in found or (
                        found[key].amount_usd is None and deal.amount_usd is not None
                    ):
                        found[key] = deal
    return sorted(found.values(), key=lambda d: (d.start, d.kind, d.investor, d.target))


def _narrow(
    entity: str, inside: Sequence[Mention], ancestors: Callable[[str], Sequence[str]] | None
) -> str:
    """A company's cloud or product named in the same sentence stands in for it as provider."""
    if ancestors is None:
        return entity
    for m in inside:
        if m.entity != entity and entity in ancestors(m.entity) and m.kind in ("cloud", "product"):
            return m.entity
    return entity


def _deals_of(
    rule: Rule,
    m: re.Match[str],
    skeleton: str,
    inside: Sequence[Mention],
    sentence: str,
    start: int,
    ancestors: Callable[[str], Sequence[str]] | None,
) -> list[Deal]:
    groups: Mapping[str, str | None] = m.groupdict()
    region = _region(skeleton, m)
    low, high, qualifier = parse_amount(region if rule.tail else m.group())
    if _REPORTEDLY.search(region):
        qualifier = f"{qualifier}, reportedly" if qualifier else "reportedly"
    year_match = _YEAR.search(region)
    year = int(year_match.group(1)) if year_match else None
    pairs: list[tuple[str, str, tuple[float | None, float | None, str]]] = []
    investors = [g for g in ("inv", "inv2") if groups.get(g)]
    targets = [g for g in ("tgt", "tgt2") if groups.get(g)]
    amounts = [groups.get("a1"), groups.get("a2")]
    for i, inv in enumerate(investors):
        for tgt in targets:
            amount = (low, high, qualifier)
            if amounts[0] is not None:  # "receiving $A and $B from each, respectively"
                amount = parse_amount(amounts[i] or "")
            pairs.append(
                (inside[int(groups[inv] or 0)].entity, inside[int(groups[tgt] or 0)].entity, amount)
            )
    kinds = {mention.entity: mention.kind for mention in inside}
    deals: list[Deal] = []
    for investor, target, (lo, hi, qual) in pairs:
        if kinds[target] == "product":
            continue  # models and apps are not parties to deals; their makers are
        if rule.kind in ("compute", "distribution"):
            investor = _narrow(investor, inside, ancestors)
        elif kinds[investor] == "product":
            continue
        if rule.kind in SYMMETRIC:
            investor, target = sorted((investor, target))
        if investor == target:
            continue
        deals.append(Deal(rule.kind, investor, target, lo, hi, qual, year, sentence, start))
    return deals

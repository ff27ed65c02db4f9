"""`labwatch eval deals --edits`: does the deal finder still find a deal once its sentence is
written the way another outlet would write it?

A gold set says which deals a text states. An edit changes how the text says it and not what
it says: a party's name dressed as the press dresses names ("Norway's Aker", "London-based
Aker", "venture firm Aker", "Aker Corp.", "Aker (NASDAQ: AKR)", "Aker, a company based in
London,"), an adverb before the verb ("quietly", "reportedly"), a wire's dateline, a
sentence of other news before or after, an amount written another way. For
every deal the finder gets right in the original text, an edit should leave it found, and
should add no deal. The share kept is a measure of how well the rules generalise that needs
no new labels: a rule written for one phrasing that breaks on the same news told with a
place before a name shows here, on any gold set.

Each edit is applied once per text, at a party of a deal found right (picked by a seeded
random choice, so a run is repeatable), and only where the result is still English: not
inside a name, not after "the" or a possessive, not where the edited name is in a list
(an appositive there would read as another item).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from extractors.deals import find_deals
from extractors.entities import Tagger
from extractors.records import Deal, Mention
from flows.eval_deals import GoldSentence, Triple, triples

# An edit: (text, the tagger's mentions, the parties it may dress, a seeded random source)
# -> the edited text, or None where it does not apply.
Edit = Callable[[str, Sequence[Mention], frozenset[str], random.Random], str | None]

_PLACES = ("Norway's", "Japan's", "France's", "Britain's", "India's", "South Korea's")
_BASED = ("London-based", "Paris-based", "California-based", "Tokyo-based")
_TITLES = ("tech group", "venture firm", "US company", "industry giant")
_LEGAL = (" Inc.", " Corp.", " Ltd")
_TICKERS = (" (NASDAQ: XYZ)", " (NYSE: XYZ)", " (XYZ.O)")
_ADVERBS = ("quietly", "formally", "recently", "officially", "finally", "jointly")
_APPOSITIVE = ", a company based in London,"
# words after which a name can take nothing before it: an article, a possessive pronoun
_NO_PREFIX_AFTER = frozenset("the a an its their his her our former".split())
# what may follow a name for an appositive to read as one ("Aker, a company …, led the round")
_VERB_AFTER = frozenset(
    """has have had is was will would said says led agreed signed struck announced plans
    planned are were could may might also with for in on about to from into over""".split()
)
# a noun after a name makes it a modifier ("Nvidia chips", "the Aker deal"): no suffix there
_NOUN_AFTER = frozenset(
    """shares services chips models tools systems accelerators ventures processors servers
    units investment deal stake round contract""".split()
)
_AMOUNT = re.compile(r"\$(\d+(?:\.\d+)?) (billion|million)\b")
_VERB = re.compile(r" (?:(?:has|have|will|is|are) )?([a-z]+(?:ed|s))\b")


def _first_mentions(mentions: Sequence[Mention], parties: frozenset[str]) -> list[Mention]:
    """The first mention of each party."""
    seen: set[str] = set()
    out = []
    for m in mentions:
        if m.entity in parties and m.entity not in seen:
            seen.add(m.entity)
            out.append(m)
    return out


def _bare_before(text: str, start: int) -> bool:
    """Whether a word may go right before the name at `start`: at a sentence's start or after
    a lower-case word or punctuation, not after an article, a possessive, a capitalised word
    (inside a name or a title) or a hyphen."""
    if start > 0 and text[start - 1] not in " (":
        return False
    head = text[:start].rstrip()
    if not head:
        return True
    last = head.split()[-1]
    if last.lower() in _NO_PREFIX_AFTER or last.endswith(("'s", "’s", "-", '"', "“")):
        return False
    return not (last[0].isupper() and not last.endswith((",", ".", ":", ";")))


def _possessive_after(text: str, end: int) -> bool:
    return text[end : end + 2] in ("'s", "’s")


def _before_name(words: Sequence[str]) -> Edit:
    def edit(
        text: str, mentions: Sequence[Mention], parties: frozenset[str], rng: random.Random
    ) -> str | None:
        at = [
            m
            for m in _first_mentions(mentions, parties)
            if _bare_before(text, m.start) and not _possessive_after(text, m.end)
        ]
        if not at:
            return None
        m = rng.choice(at)
        word = rng.choice(words)
        if m.start == 0:
            word = word[0].upper() + word[1:]
        return f"{text[: m.start]}{word} {text[m.start :]}"

    return edit


def _after_name(suffixes: Sequence[str]) -> Edit:
    def edit(
        text: str, mentions: Sequence[Mention], parties: frozenset[str], rng: random.Random
    ) -> str | None:
        at = []
        for m in _first_mentions(mentions, parties):
            nxt = re.match(r"[ ,]\s*([\w-]*)", text[m.end : m.end + 30])
            if (
                nxt
                and nxt.group(1).lower() not in _NOUN_AFTER
                and not _possessive_after(text, m.end)
            ):
                at.append(m)
        if not at:
            return None
        m = rng.choice(at)
        return f"{text[: m.end]}{rng.choice(suffixes)}{text[m.end :]}"

    return edit


def appositive(
    text: str, mentions: Sequence[Mention], parties: frozenset[str], rng: random.Random
) -> str | None:
    """ "Aker, a company based in London, led …": after a name that a verb or a preposition
    follows, not one in a list."""
    at = []
    for m in _first_mentions(mentions, parties):
        nxt = re.match(r" ([a-z][\w-]*)", text[m.end : m.end + 30])
        if not nxt or not (nxt.group(1) in _VERB_AFTER or nxt.group(1).endswith("ed")):
            continue
        head = text[: m.start].rstrip()
        if head.endswith((",", " and", " &")) or not _bare_before(text, m.start):
            continue
        at.append(m)
    if not at:
        return None
    m = rng.choice(at)
    return f"{text[: m.end]}{_APPOSITIVE}{text[m.end :]}"


def _before_verb(words: Sequence[str]) -> Edit:
    """ "Aker quietly led …", "Aker has formally agreed …": a word between a party and its
    verb."""

    def edit(
        text: str, mentions: Sequence[Mention], parties: frozenset[str], rng: random.Random
    ) -> str | None:
        for m in _first_mentions(mentions, parties):
            v = _VERB.match(text, m.end)
            if (
                v
                and v.group(1) not in _NOUN_AFTER
                and v.group(1) not in ("is", "was", "has", "its")
            ):
                at = v.start(1)
                return f"{text[:at]}{rng.choice(words)} {text[at:]}"
        return None

    return edit


def dateline(
    text: str, mentions: Sequence[Mention], parties: frozenset[str], rng: random.Random
) -> str | None:
    """A wire's dateline before the text."""
    if re.match(r"[A-Z]{3,}", text):
        return None  # one already
    return "LONDON, March 3 (Reuters) - " + text


def news_before(
    text: str, mentions: Sequence[Mention], parties: frozenset[str], rng: random.Random
) -> str | None:
    """A sentence of other news before the text."""
    return "Shares of both companies rose in early trading. " + text


def news_after(
    text: str, mentions: Sequence[Mention], parties: frozenset[str], rng: random.Random
) -> str | None:
    """A sentence of other news after the text."""
    return text.rstrip() + " The news was first reported by Bloomberg."


def amount(
    text: str, mentions: Sequence[Mention], parties: frozenset[str], rng: random.Random
) -> str | None:
    """The first "$N billion" written "$Nbn", "US$N billion" or "N billion dollars"."""
    m = _AMOUNT.search(text)
    if m is None:
        return None
    n, unit = m.groups()
    short = "bn" if unit == "billion" else "m"
    new = rng.choice((f"${n}{short}", f"US${n} {unit}", f"{n} {unit} dollars"))
    return f"{text[: m.start()]}{new}{text[m.end() :]}"


EDITS: dict[str, Edit] = {
    "place's": _before_name(_PLACES),
    "place-based": _before_name(_BASED),
    "title": _before_name(_TITLES),
    "appositive": appositive,
    "legal form": _after_name(_LEGAL),
    "listing": _after_name(_TICKERS),
    "adverb": _before_verb(_ADVERBS),
    "reportedly": _before_verb(("reportedly",)),
    "dateline": dateline,
    "news before": news_before,
    "news after": news_after,
    "amount": amount,
}

EDIT_COLUMNS = ["edit", "texts", "deals", "kept", "share", "new_false_positives"]


@dataclass
class EditCount:
    texts: int = 0
    deals: int = 0  # deals found right in the texts before the edit
    kept: int = 0  # of those, found after it
    added: int = 0  # deals found after the edit that neither the text nor the gold has

    @property
    def share(self) -> float:
        return self.kept / self.deals if self.deals else 1.0


@dataclass(frozen=True)
class EditLoss:
    sentence: str
    edit: str
    lost: tuple[Triple, ...]
    added: tuple[Triple, ...]
    text: str  # the edited text


@dataclass
class EditScores:
    edits: dict[str, EditCount] = field(default_factory=dict)
    losses: list[EditLoss] = field(default_factory=list)

    @property
    def overall(self) -> EditCount:
        out = EditCount()
        for c in self.edits.values():
            out.texts += c.texts
            out.deals += c.deals
            out.kept += c.kept
            out.added += c.added
        return out


def _found(deals: Sequence[Deal]) -> set[Triple]:
    return {t for d in deals for t, _ in triples(d.kind, d.investor, d.target, d.roles)}


def evaluate_edits(
    gold: Sequence[GoldSentence],
    tagger: Tagger,
    find: Callable[[str, Sequence[Mention], date | None], list[Deal]] | None = None,
    edits: dict[str, Edit] | None = None,
) -> EditScores:
    """For every gold text and edit: the deals found right before it, and how many of them
    are found after it (`find` is given the text, its mentions and its date; by default the
    deal finder with the tagger's watchlist)."""
    if find is None:
        ancestors = tagger.watchlist.ancestors

        def find(text: str, mentions: Sequence[Mention], day: date | None) -> list[Deal]:
            return find_deals(text, mentions, ancestors, day)

    scores = EditScores()
    for name in edits or EDITS:
        scores.edits[name] = EditCount()
    for s in gold:
        want = {t for g in s.deals for t, _ in triples(g.kind, g.investor, g.target, g.roles)}
        mentions = tagger.tag(s.text)
        before = _found(find(s.text, mentions, s.day))
        right = before & want
        if not right:
            continue
        parties = frozenset(e for t in right for e in t[1:])
        for name, edit in (edits or EDITS).items():
            edited = edit(s.text, mentions, parties, random.Random(f"{s.id}:{name}"))
            if edited is None:
                continue
            after = _found(find(edited, tagger.tag(edited), s.day))
            count = scores.edits[name]
            count.texts += 1
            count.deals += len(right)
            count.kept += len(right & after)
            added = (after - before) - want
            count.added += len(added)
            if right - after or added:
                scores.losses.append(
                    EditLoss(s.id, name, tuple(sorted(right - after)), tuple(sorted(added)), edited)
                )
    return scores


def as_json(scores: EditScores) -> dict[str, object]:
    """The scores as plain data, for `--format json`."""
    return {
        "edits": {r[0]: dict(zip(EDIT_COLUMNS[1:], r[1:], strict=True)) for r in edit_rows(scores)},
        "losses": [
            {"id": x.sentence, "edit": x.edit, "lost": [" ".join(t) for t in x.lost],
             "added": [" ".join(t) for t in x.added], "text": x.text}
            for x in scores.losses
        ],
    }  # fmt: skip


def edit_rows(scores: EditScores) -> list[list[str]]:
    """The table of `labwatch eval deals --edits`: one row per edit and one for all."""
    rows = []
    for name, c in [*scores.edits.items(), ("all", scores.overall)]:
        share = f"{c.share:.3f}" if c.deals else "-"  # (no deal the edit could touch)
        rows.append([name, str(c.texts), str(c.deals), str(c.kept), share, str(c.added)])
    return rows

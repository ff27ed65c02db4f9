"""Parties named by a description rather than their name: "The start-up, which is backed by
Amazon and Google, …" after a sentence about Anthropic; "OpenAI has agreed to acquire
Statsig. The ChatGPT maker will pay $1.1 billion … for the start-up."

A description ("the start-up", "the company", "the brand", "the chipmaker", "the French
start-up", "the ChatGPT maker") becomes a mention of the entity it stands for, so the deal
rules read it as that party:

- "the <product> maker/developer" is the product's maker;
- at the start of a sentence it is the previous sentence's subject (its first party);
- elsewhere it is the nearest party before it, in its sentence or the one before, that its
  own clause does not already name ("… while Microsoft and Nvidia will invest in the
  company": not Microsoft or Nvidia) and whose kind fits (a cloud or a product is no
  start-up or company; a chipmaker is a company).

A description before a name ("the AI start-up Anthropic") or after one ("Anthropic, the
start-up,") is a title, not a reference, and is left alone. Only sentences that can hold a
deal are read (the caller asks).

Pronouns ("its largest investor", "its investment in") are read by
extractors/deal_pronouns.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from extractors.deal_skeleton import LIST_JOIN, OWNER_BEFORE, PEOPLE_OF_WORDS
from extractors.records import Mention

_DESCRIPTION = re.compile(
    r"\b[Tt]he\s+(?P<fill>(?:[\w.-]+\s+){0,3}?)"
    r"(?P<noun>start-?up|company|firm|brand|lab|chipmaker|giant|maker|developer)\b(?!-)"
)
# a description followed by a name or "of" is a title ("the start-up Anthropic", "the maker
# of Claude"); one with a preposition of its own is a phrase ("the company behind X")
_TITLE_AFTER = re.compile(r"(?:['’]s)?\s+(?:of|behind|that\s+makes|called|named)\b|\s+[A-Z]")
_CLAUSE = re.compile(r"[,;]\s|\s(?:while|whereas|but)\s")
_SPEAKER = re.compile(r"\b(?:said|says|added|noted|told\s+\w+)\s+(?:that\s+)?$")
_KINDS = {"chipmaker": ("company",)}
# the name of a product right before "maker" or "developer" ("the iPhone maker", "the Cursor
# developer"), not a nationality ("the French AI developer") nor an acronym ("the AI maker")
_NAMED_PRODUCT = re.compile(
    r"(?:^|\s)(?![A-Z][a-z]*(?:an|ese|ish|ch|i)\s+$|[A-Z]{1,4}\s+$)"
    r"(?:[A-Za-z]+[A-Z][\w.-]*|[A-Z][a-z][\w.-]+)\s+$"
)
# a name that only says whose people they are ("former Google researchers"; not "Adept's
# co-founders", where the company is named)
_PEOPLE_OF = re.compile(r"\s+" + PEOPLE_OF_WORDS)
_ANY = ("lab", "company")


def describe(
    text: str,
    sentence: tuple[int, int],
    previous: tuple[int, int] | None,
    mentions: Sequence[Mention],
    ancestors: Callable[[str], Sequence[str]] | None,
    kinds: Callable[[str], str | None],
    lede: tuple[int, int] | None = None,
) -> list[Mention]:
    """Mentions for the descriptions in text[sentence] that stand for a party; `mentions`
    are the text's, in order; `kinds(entity)` gives an entity's kind. `lede`: the text's
    first sentence, whose subject a description stands for when no nearer party fits (an
    article calls its subject "the start-up" paragraphs later)."""
    start, end = sentence
    out: list[Mention] = []
    for m in _DESCRIPTION.finditer(text, start, end):
        a, b = m.start(), m.end()
        inside = [x for x in mentions if x.start < b and a < x.end]
        if _TITLE_AFTER.match(text, b) or any(x.kind != "product" for x in inside):
            continue  # a title ("the start-up Anthropic"), or a name's own phrase
        noun = m.group("noun").lower()
        before = text[max(start, a - 3) : a]
        if "," in before and any(x.end in range(a - 3, a) for x in mentions):
            continue  # "Anthropic, the start-up," is an aside about the name
        entity = _maker(m, mentions, ancestors) if noun in ("maker", "developer") else None
        if entity is None and noun in ("maker", "developer") and _NAMED_PRODUCT.search(m["fill"]):
            continue  # "the iPhone maker": a product the watchlist lacks, its maker unknown
        if entity is None and _SPEAKER.search(text, max(start, a - 40), a):
            # "Microsoft said the company will …": the speaker
            entity = next((x.entity for x in reversed(mentions) if start <= x.end <= a), None)
        if entity is None:
            entity = _antecedent(
                text, start, previous, a, [*mentions, *out], noun, kinds, ancestors, lede
            )
        if entity is not None:
            kind = kinds(entity) or "company"
            out.append(Mention(entity, kind, m.group(), a, b))
    return out


def _maker(
    m: re.Match[str], mentions: Sequence[Mention], ancestors: Callable[[str], Sequence[str]] | None
) -> str | None:
    """ "the ChatGPT maker": the maker of the product named inside the description."""
    for x in mentions:
        if m.start() <= x.start and x.end <= m.end() and x.kind == "product" and ancestors:
            return next(iter(ancestors(x.entity)), None)
    return None


def _antecedent(
    text: str,
    start: int,
    previous: tuple[int, int] | None,
    at: int,
    mentions: Sequence[Mention],
    noun: str,
    kinds: Callable[[str], str | None],
    ancestors: Callable[[str], Sequence[str]] | None,
    lede: tuple[int, int] | None = None,
) -> str | None:
    allowed = _KINDS.get(noun, _ANY)

    def fits(entity: str) -> bool:
        """A lab or company; or a cloud that is a company of its own (CoreWeave, not Azure)."""
        kind = kinds(entity)
        return kind in allowed or (
            kind == "cloud" and noun != "chipmaker" and not (ancestors and ancestors(entity))
        )

    def subject(span: tuple[int, int] | None) -> str | None:
        """A sentence's subject: its first party that fits (for "the start-up", not the
        backers of a round: "a16z and Accel co-led Decagon's Series C")."""
        if span is None:
            return None
        fitting = [
            x
            for x in mentions
            if span[0] <= x.start < span[1]
            and fits(x.entity)
            and not (
                noun in _YOUNG
                and (_BACKING_AFTER.match(text, x.end) or _BACKERS_TITLE.match(text, x.end))
            )
        ]
        return fitting[0].entity if fitting else None

    # the lede, when it is an earlier sentence than the one before
    earlier = lede if lede and lede[1] <= (previous or (start, start))[0] else None

    def topic(own: set[str]) -> str | None:
        """The lede's one party that fits, besides the clause's own; for "the start-up" or
        "the lab", its one lab. A lede naming a buyer and its target leaves it open."""
        if earlier is None or _ANOTHER_ONE.search(text, earlier[1], at):
            return None  # ("a little-known coding start-up said …": the start-up is that one)
        named = [
            x
            for x in mentions
            if earlier[0] <= x.start < earlier[1] and fits(x.entity) and x.entity not in own
        ]
        found = {x.entity for x in named}
        if noun in ("start-up", "startup", "lab") and len(found) > 1:
            found = {x.entity for x in named if x.kind == "lab"}
        return found.pop() if len(found) == 1 else None

    lead = text[start:at].strip(" \"'“‘(")
    if not lead:
        # the sentence's subject: the previous sentence's first party
        return subject(previous) or topic(set())
    cut = max((c.end() for c in _CLAUSE.finditer(text, start, at)), default=start)
    # the clause's own parties: not a preposition's object ("Google has invested $3 billion
    # in Anthropic and owns 14% of the company": Anthropic)
    own = {
        x.entity
        for x in mentions
        if cut <= x.start < at and not _PREPOSITION_BEFORE.search(text, cut, x.start)
    }
    if text.startswith(("which ", "who "), cut):  # "OpenAI, which will take a stake in the
        head = [x.entity for x in mentions if start <= x.end < cut]  # company": not OpenAI
        own.update(head[-1:])
    lo = previous[0] if previous else start
    for x in sorted(mentions, key=lambda x: -x.start):
        if x.start >= at or x.start < lo:
            continue
        if _PEOPLE_OF.match(text, x.end):
            continue  # "founded by two former Google researchers": people, not the company
        if _backer(text, mentions, start if start <= x.start else lo, x):
            continue  # "a round co-led by A and B, valuing the company": not a backer
        if noun in _YOUNG and _BACKERS_TITLE.match(text, x.end):
            continue  # "counts Microsoft and Nvidia among its investors. The start-up"
        if noun in _YOUNG and (
            _MODEL_AFTER.match(text, x.end)
            or any(
                y.kind == "product" and 0 < y.start - x.end <= 3 and text[x.end] in "'’"
                for y in mentions
            )
        ):
            continue  # "ahead of OpenAI's GPT-5.1": a maker named for its model
        if x.entity not in own and fits(x.entity) and x.kind != "product":
            return x.entity
    return topic(own)


# a company brought in without its name after the lede: a description may stand for it
_ANOTHER_ONE = re.compile(
    r"\b(?:[Aa]n?|[Aa]nother|[Oo]ne)\s+(?:[\w-]+\s+){0,3}?(?:start-?up|company|firm|lab|"
    r"chipmaker|maker|developer|group|rival)\b"
)
_PREPOSITION_BEFORE = re.compile(r"\b(?:in|into|of|for|to|from|on)\s+(?:the\s+)?$", re.IGNORECASE)
# the rest of a list of names after its first ("…, Accel and Lux Capital")
_MORE_NAMES = r"(?:\s*(?:,|,?\s+and|&)\s*[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,2})*"
# what a round's backers do, after their list ("A and Accel co-led", "A, B and C backed")
_BACKING_AFTER = re.compile(
    _MORE_NAMES + r"\s+(?:also\s+)?(?:co-)?(?:led|leads|backed|backs|invested|invests|funded|"
    r"participated)\b"
)
_YOUNG = ("start-up", "startup", "lab")
# a model's name after its maker's: "OpenAI's GPT-5.1-Codex-Max", "Google's Gemini 3 Pro"
_MODEL_AFTER = re.compile(r"['’]s\s+(?:[A-Z][\w.-]*\s+)?[A-Z][\w.-]*\d")
# a list of a company's backers named as such ("counts A, B and C among its investors")
_BACKERS_TITLE = re.compile(
    _MORE_NAMES + r"\s+(?:among|as)\s+(?:its|their)\s+(?:[\w-]+\s+)?(?:investors|backers|"
    r"shareholders|owners|funders)\b"
)
# the backers a round is led by ("co-led by Norway's Aker")
_AGENT_BEFORE = re.compile(rf"(?i:\b(?:led|co-led|backed|funded)\s+by)\s+(?:{OWNER_BEFORE})?$")
# what joins two backers of one list ("A and Norway's B")
_BACKER_JOIN = re.compile(rf"{LIST_JOIN.pattern}(?:{OWNER_BEFORE})?")


def _backer(text: str, mentions: Sequence[Mention], start: int, x: Mention) -> bool:
    """Whether `x` is in a list of backers ("led by A and B") in its sentence."""
    first = x
    for y in sorted(mentions, key=lambda y: -y.start):
        if (
            y.end <= first.start
            and y.start >= start
            and _BACKER_JOIN.fullmatch(text, y.end, first.start)
        ):
            first = y
    return _AGENT_BEFORE.search(text, start, first.start) is not None

"""The phrasings deals are written in, as patterns over a sentence's skeleton
(extractors/deal_skeleton.py), each with the keywords a sentence must hold for it to run.

Each rule names its parties with groups: `inv` (investor, acquirer, buyer, licensee, hirer,
platform or first partner) and `tgt` (the other party); groups may hold a list of parties
("Microsoft and Nvidia"). A rule's builder turns a match into `Found` records, which
extractors/deals.py turns into deals (amounts, year, status, provider by kind).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Protocol

import ahocorasick_rs

from extractors.deal_skeleton import (
    AMOUNT_MARK,
    APOS,
    GAP,
    ITEM,
    MARK,
    OPEN,
    PEOPLE_OF_WORDS,
    A,
    Builder,
    Context,
    Found,
    L,
    P,
    fill_ok,
    until_party,
)

# --- what the words around a deal say about it

COMPUTE_WORDS = re.compile(
    r"\b(?:compute|computing|computational|cloud|capacity|data[- ]cent(?:er|re)s?|GPUs?|TPUs?|"
    r"chips?|superchips?|servers?|infrastructure|gigawatts?|accelerators?|supercomputers?|"
    r"processors?|AI\s+factor(?:y|ies)|Trainium|Blackwell|"
    # (a supply agreement of chips or capacity; not of displays, batteries or power)
    r"(?<!display\s)(?<!battery\s)(?<!power\s)(?<!energy\s)(?<!panel\s)(?<!screen\s)"
    r"(?<!component\s)(?<!material\s)supply\s+(?:deal|agreement|contract)s?)\b",
    re.IGNORECASE,
)
# bought from a chipmaker: "spend $3 billion on Nvidia hardware"
_HARDWARE = re.compile(r"\b(?:hardware|systems|racks?)\b", re.IGNORECASE)
# what one company supplies another: chips, servers, capacity on them, a cloud
_MACHINES = re.compile(
    r"\b(?:GPUs?|TPUs?|chips?|superchips?|servers?|accelerators?|supercomputers?|processors?|"
    r"hardware|racks?|capacity|compute|cloud|Trainium|Blackwell|AI\s+factor(?:y|ies))\b",
    re.IGNORECASE,
)
LICENSE_WORDS = re.compile(r"\blicen[cs](?:e|es|ed|ing)\b", re.IGNORECASE)
HIRE_WORDS = re.compile(
    r"\b(?:hire[sd]?|hiring|rehire[sd]?|poach(?:es|ed|ing)?|bring\s+over|brought\s+over|"
    r"bring\s+aboard|brought\s+aboard|"
    r"bring\s+on|brought\s+on|join(?:s|ed|ing)?\s+(?:the\s+)?\w+['’]s?\s+(?:team|staff)|"
    # ("to license Inflection AI's models and take on most of its staff")
    r"(?:take|takes|took|taking)\s+on\s+(?:(?:most|many|some|all|much)\s+of\s+)?(?:its|their|the)\s+"
    r"(?:[\w-]+\s+)?(?:staff|team|employees|workforce))\b",
    re.IGNORECASE,
)
_TO_SELL = re.compile(r"\bto\s+(?:sell|resell|offer|distribute)\s*(?:\ue000|$)", re.IGNORECASE)
USE_WORDS = re.compile(
    r"\b(?:to\s+use|to\s+access|for\s+access|for\s+the\s+use|for\s+(?:the\s+)?rights?|to\s+"
    r"train|for\s+training)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    name: str
    source: str  # the pattern, matched without regard to case (`pattern`)
    build: Builder
    needs: tuple[str, ...] = ()  # the lowercased sentence holds one of these, or skip
    also: re.Pattern[str] | None = None  # and, when set, this matches in the sentence
    # The pattern in lower case, matched case-sensitively on the lowercased skeleton: the
    # same matches, several times faster than IGNORECASE (whose alternations skip nothing).
    fast: re.Pattern[str] | None = None

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The pattern with IGNORECASE, for the sentences `fast` cannot read: those whose
        lowering changes their length ("İ"), which are few. Compiled when first needed:
        compiling all of them took 36 ms of every process that finds deals (each analysis
        worker's start, issue 19)."""
        return re.compile(self.source, re.IGNORECASE)


def _pattern(*parts: str) -> str:
    return "".join(parts)


def pairs(kind: str, *, tail: bool = True, by_kind: bool = False, swap: bool = False) -> Builder:
    """Every investor with every target of the match."""

    def build(m: re.Match[str], ctx: Context) -> list[Found]:
        inv, tgt = ctx.group(m, "inv"), ctx.group(m, "tgt")
        if swap:
            inv, tgt = tgt, inv
        found = []
        for i in inv:
            for t in tgt:
                found.append(Found(kind, i, t, ctx.text, m.span(), tail=tail, by_kind=by_kind))
        return found

    return build


# "… in Z's $N round", "… in a $N funding": compiled once, not per match.
_ROUND_OF = re.compile(
    rf"(?:['’]s\s+|\s+in\s+(?:(?:a|an|its|the|their)\s+)?)(?:{A}\s+)?(?:[\w-]+\s+){{0,3}}?"
    r"(?:round|raise|funding)",
    re.IGNORECASE,
)


def investing(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "X (and Y) invest(s) … in Z": several investors share one amount (a round) unless the
    sentence pairs their amounts "respectively"; "in Z's $N round", "backs Z in a $N round"
    make them participants."""
    if not fill_ok(m.groupdict().get("fill") or ""):
        return []
    inv, tgt = ctx.group(m, "inv"), ctx.group(m, "tgt")
    after = ctx.text[m.end() : m.end() + 80]
    round_of = _ROUND_OF.match(after)
    amount = None
    if round_of:
        marks = ctx.amounts(round_of.group())
        amount = marks[0] if marks else None
    found: list[Found] = []
    for t in tgt:
        if len(inv) > 1:
            own = ctx.amounts(m.group())
            if len(own) == len(inv) and "respectively" in ctx.text[m.start() : m.end() + 40]:
                found += [Found("investment", i, t, ctx.text, m.span(), amount=a, share=k > 0)
                          for k, (i, a) in enumerate(zip(inv, own, strict=True))]  # fmt: skip
                continue
            roles = tuple((i, "participant") for i in inv)
            found.append(Found("investment", inv[0], t, ctx.text, m.span(), roles, amount))
        elif round_of:
            roles = ((inv[0], "participant"),)
            found.append(Found("investment", inv[0], t, ctx.text, m.span(), roles, amount))
        elif joined := _joined(ctx, m.end(), {inv[0], t}):
            # "X invested in Y alongside Z", "…, joined by Z": co-investors of one round
            roles = tuple((i, "participant") for i in (inv[0], *joined))
            found.append(Found("investment", inv[0], t, ctx.text, m.span(), roles))
        else:
            found.append(Found("investment", inv[0], t, ctx.text, m.span()))
            # "X will invest $10 billion in Y, and Z up to $5 billion": Z's own deal
            more = _AND_ALSO.match(ctx.text, m.end())
            if more:
                k = ctx.amounts(more.group("amt"))[0]
                z = ctx.group(more, "inv2")[0]
                found.append(Found("investment", z, t, ctx.text, (m.start(), more.end()), amount=k))
    return found


_AND_ALSO = re.compile(rf",?\s+and\s+(?P<inv2>{P})\s+(?P<amt>{A})", re.IGNORECASE)


def background_pairs(kind: str, *, swap: bool = False) -> Builder:
    plain = pairs(kind, swap=swap)

    def build(m: re.Match[str], ctx: Context) -> list[Found]:
        return [
            Found(f.kind, f.investor, f.target, f.text, f.span, background=True)
            for f in plain(m, ctx)
        ]

    return build


# A round named just before "X, in which Y invested": the round's, not X's ("a round led by
# General Catalyst, in which Nvidia also invested")
_ROUND_BEFORE = re.compile(
    r"\b(?:led|co-led|headed|by|from|round|series\s+[a-z]|funding|financing)\s+(?:\S+\s+){0,2}$",
    re.IGNORECASE,
)
# A clause dated with the news ("which Alphabet agreed on Tuesday to buy"): its deal is the
# news, not one recalled (also read by extractors/deals.py for whole asides)
DATED_NEWS = re.compile(
    r"\b(?:on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|today|yesterday|"
    r"this\s+week)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[,;—–()]")


def background_of_company(kind: str) -> Builder:
    """`background_pairs`, but not of a product: "Claude, which Amazon backed as its default
    assistant" is no deal (an aside about a model is not about its maker); and news, not
    background, when the clause is dated with the news ("which Alphabet agreed on Tuesday
    to buy")."""
    plain, recalled = pairs(kind), background_pairs(kind)

    def build(m: re.Match[str], ctx: Context) -> list[Found]:
        # the clause's date may follow the match, up to the clause's end (which a match that
        # ends on its aside's comma has reached)
        end = _CLAUSE_END.search(ctx.text, m.end() - 1)
        dated = DATED_NEWS.search(ctx.text, m.start(), end.start() if end else len(ctx.text))
        found = (plain if dated else recalled)(m, ctx)
        return [f for f in found if ctx.kinds[f.target] != "product"]

    return build


def in_which_holder() -> Builder:
    """`background_of_company` investments, but none when the "in which" follows a round's
    lead (`_ROUND_BEFORE`)."""
    owner = background_of_company("investment")

    def build(m: re.Match[str], ctx: Context) -> list[Found]:
        if _ROUND_BEFORE.search(ctx.text, max(0, m.start() - 60), m.start()):
            return []
        return owner(m, ctx)

    return build


def filled(kind: str) -> Builder:
    """Pairs whose object may carry a title ("acquire XDR provider Cybereason"), but no phrase
    of its own ("buy chips from Nvidia" is not buying Nvidia)."""
    plain = pairs(kind)

    def build(m: re.Match[str], ctx: Context) -> list[Found]:
        return plain(m, ctx) if fill_ok(m.group("fill")) else []

    return build


def generic(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "X signs a deal with Y", "X and Y signed an agreement": a compute deal when its words
    or a cloud party say so (provider by kind), licensing when it licenses, else a
    partnership."""
    words = m.group() + until_party(ctx.text, m.end(), 120)
    inv = ctx.group(m, "inv")
    tgt = ctx.group(m, "tgt")
    if not tgt:  # "X and Y signed a deal": the first with the others
        inv, tgt = inv[:1], inv[1:]
    found: list[Found] = []
    for i in inv:
        for t in tgt:
            kinds = {ctx.kinds[i], ctx.kinds[t]}
            if LICENSE_WORDS.search(words) or (
                _DATA_DEAL.search(words) and not COMPUTE_WORDS.search(words)
            ):
                kind = "acquihire" if HIRE_WORDS.search(words) else "licensing"
                found.append(Found(kind, i, t, ctx.text, m.span()))
            elif _TO_SELL.search(words):  # "a deal with Y to sell Claude models": a platform
                found.append(Found("distribution", i, t, ctx.text, m.span()))
            elif (
                _DISTRIBUTION_DEAL.search(words)
                and "lab" in kinds
                and len(kinds) == 2
                and _MODELS_OFFERED.search(ctx.text)
            ):
                # "Mistral AI's distribution agreement with Microsoft": the platform (the
                # cloud or company, by kind) offers the lab's models
                found.append(Found("distribution", t, i, ctx.text, m.span(), by_kind=True))
            elif ("cloud" in kinds and kinds != {"cloud"}) or (
                COMPUTE_WORDS.search(words)
                and (kinds != {"company"} or _MACHINES.search(ctx.text, m.start(), m.end() + 160))
            ):
                found.append(Found("compute", t, i, ctx.text, m.span(), by_kind=True))
            else:
                # (two companies and no machines named: "Nvidia has struck a partnership with
                # Tata Group to develop AI infrastructure" is no supply of one to the other)
                found.append(Found("partnership", i, t, ctx.text, m.span(), tail=False))
    return found


# (its models on the platform, not "to let merchants sell inside ChatGPT")
_MODELS_OFFERED = re.compile(r"\b(?:models?|available|offer\w*|host\w*)\b", re.IGNORECASE)
_DISTRIBUTION_DEAL = re.compile(
    r"\bdistribution\s+(?:deal|agreement|pact|contract|partnership)s?\b", re.IGNORECASE
)
# a deal for data or content to train on is a licence: "a $60 million a year deal with Reddit
# for AI training data", "a content deal" (not compute to train on: checked first)
_DATA_DEAL = re.compile(
    r"\b(?:training\s+data|(?:content|data)\s+(?:deal|agreement|pact|contract)s?)\b", re.IGNORECASE
)


def paying(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "X pays Y $N to license … / for capacity / to use …"."""
    words = m.group()
    (i,), (t,) = ctx.group(m, "inv"), ctx.group(m, "tgt")
    if HIRE_WORDS.search(words):
        return [Found("acquihire", i, t, ctx.text, m.span())]
    if LICENSE_WORDS.search(words):
        return [Found("licensing", i, t, ctx.text, m.span())]
    if COMPUTE_WORDS.search(words) or ctx.kinds[t] == "cloud":
        return [Found("compute", t, i, ctx.text, m.span(), by_kind=True)]
    if USE_WORDS.search(words):
        return [Found("licensing", i, t, ctx.text, m.span())]
    if _FOR_A_STAKE.search(words):  # "Meta will pay Scale AI $14.3 billion for a 49% stake"
        return [Found("investment", i, t, ctx.text, m.span())]
    return []


# "X's agreement to pay …": a possessive names the payer only before such a noun
_NOMINAL_AFTER = re.compile(
    r"['’]s?\s+(?:[\w-]+\s+)?(?:agreement|deal|offer|plan|decision|move|bid|willingness|"
    r"commitment|pledge)\b",
    re.IGNORECASE,
)


def _agreed_by(m: re.Match[str], ctx: Context) -> bool:
    after = ctx.text[m.end("inv") : m.end("inv") + 1]
    return after not in ("'", "’") or _NOMINAL_AFTER.match(ctx.text, m.end("inv")) is not None


def _paid_for(m: re.Match[str], ctx: Context) -> list[Found]:
    """Money for a company's people is an acqui-hire; for its technology, a licence only when
    the sentence says so ("Meta spent $30 billion on Nvidia's technology" bought chips)."""
    if _PEOPLE_RE.search(m.group() + until_party(ctx.text, m.end(), 40)):
        return pairs("acquihire")(m, ctx)
    if LICENSE_WORDS.search(m.group()):
        return pairs("licensing")(m, ctx)
    return []


# a company's staff, hired or paid for
_PEOPLE = (
    r"(?:staff|team|employees|workforce|talent|founders?|co-?founders?|researchers|engineers|"
    r"executives|leadership|chief|CEO|people)"
)
_PEOPLE_RE = re.compile(r"\b" + _PEOPLE + r"\b", re.IGNORECASE)
# a gap of words that does not cross into a coordinated clause (", and …", ", but …")
_CLAUSE_GAP = r"\s*(?:(?![^\ue000;\s]*,\s+(?:and|but)\s)[^\ue000;\s]+\s+)*?"
# a partner's title before its name: "the British group", "his rocket company" (no verb)
_TITLED = r"(?:(?:the|its|his|her|their)\s+)?(?P<title>(?:[\w-]+\s+){0,3}?)"


def _title_ok(m: re.Match[str]) -> bool:
    return fill_ok(m.group("title") or "")


# a party that ends its list item ("$1 billion in Nokia", not "$10 billion in OpenAI-related
# data centers")
_ITEM_END = r"(?=\s*(?:[,.;]|and\b|$))"
# what a company's own sale is called ("its planned $3 billion sale to OpenAI"; not a "chip
# sale", a "share sale" or a "stake sale")
_SALE_WORDS = (
    r"(?:planned|proposed|pending|potential|possible|agreed|attempted|failed|collapsed|aborted|"
    r"rumou?red|long-rumou?red|all-stock|all-cash|cash|stock|cash-and-stock|\w+-dollar)"
)
_AMOUNT_IN = re.compile(rf"{A}\s+in\s+{P}")
_UNWATCHED_LAST = r"(?:,?\s+and\s+[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,2})?"
_FOR_A_STAKE = re.compile(r"\bfor\s+(?:a|an|its)\s+(?:[\w%.-]+\s+){0,3}?(?:stake|shares|equity)\b")


def licensing(m: re.Match[str], ctx: Context) -> list[Found]:
    kind = "acquihire" if HIRE_WORDS.search(ctx.text[m.start() :]) else "licensing"
    return [f for f in pairs(kind)(m, ctx)]


def buying_compute(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "X buys/rents/taps … compute from Y": Y supplies X."""
    words = m.group() + ctx.text[m.end() : m.end() + 30]
    if COMPUTE_WORDS.search(words) or _HARDWARE.search(words):
        return pairs("compute", swap=True)(m, ctx)
    # "Meta agrees to spend $10 billion on Google Cloud": money spent on a cloud buys its compute
    if _SPENT_ON.search(m.group()):
        return [f for f in pairs("compute", swap=True)(m, ctx) if ctx.kinds[f.investor] == "cloud"]
    return []


_SPENT_ON = re.compile(
    r"\b(?:spen(?:d|ds|ding|t)|commit\w*)\b[^\ue000]*\b(?:on|with)\s+\ue000", re.IGNORECASE
)


def supplying(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "X supplies … to Y", "X provides Y with …": X supplies Y."""
    if not COMPUTE_WORDS.search(m.group()):
        return []
    return pairs("compute")(m, ctx)


_FORMED = r"(?:formed|set\s+up|created|launched|founded|established|started)"
_PEOPLE_AFTER = re.compile(r"\s+(?:[\w-]+\s+)?" + PEOPLE_OF_WORDS, re.IGNORECASE)


def _venture_of(m: re.Match[str], ctx: Context, first: list[int]) -> list[Found]:
    """A venture formed by `first` with the listed partners (or by the listed alone)."""
    partners = list(dict.fromkeys([*first, *ctx.group(m, "inv")]))
    if len(partners) < 2 or any(ctx.kinds[p] == "product" for p in partners):
        return []
    if _PEOPLE_AFTER.match(ctx.text, m.end()):
        return []  # "started by Google and Meta veterans": people, not the companies
    roles = tuple((p, "partner") for p in partners)
    # (a venture named, then who formed it: its forming is context)
    return [
        Found("joint_venture", partners[0], partners[1], ctx.text, m.span(), roles, background=True)
    ]


# Joint ventures are told with partners the watchlist lacks ("MGX, Bpifrance, Mistral AI and
# Nvidia will set up a joint venture", "with Oracle, Silver Lake and MGX"): such a list is read
# item by item, each item a watched party or a capitalised name, with a few words before it
# ("Abu Dhabi fund MGX", "French public bank Bpifrance").
_LIST_ITEMS = re.compile(r"\s*,\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+")
# where a clause starts before its subject: a dateline's dash, a colon
_CLAUSE_OPEN = re.compile(
    r".*(?:\s[-—–]\s|:\s|\b(?:after|before|when|since|while|because|that|until|once|where|"
    r"although|though)\s)",
    re.DOTALL,
)
# what may stand between a subject and its verb ("A and B on Monday agreed to set up")
_SUBJECT_TAIL = re.compile(
    r"(?:\s+(?:on\s+\w+day|today|this\s+week|jointly|together|have|has|had|will|would|are|is|"
    r"plan(?:s|ned)?\s+to|agreed\s+to|agree\s+to|to|said\s+(?:they|it)\s+(?:would|will|had|have)|"
    r"said|say))+\s*$",
    re.IGNORECASE,
)
# where a list after "with" ends: a lower-case word that starts another phrase
_LIST_END = re.compile(
    r"[;:(]|\.(?:\s|$)|\s+(?:to|that|which|who|in|for|on|at|as|among|under|with|from|by|will|"
    r"would|said|is|are|was|were|have|has|had|plans?|after|before|while|since)\b|"
    r",\s+(?=[a-z])(?!(?:the|its|a|an|and)\b)"
)


_NEGATED = re.compile(r"\b(?:not|never|no\s+longer)\b|n['’]t\b", re.IGNORECASE)
_NOT_IN_NAMES = frozenset(
    "a an the its their it they he she we which who whose that said says say would will not "
    "never no is are was were be been has have had to of with from by for in on at as than "
    "but or if when while after before including such like".split()
)
# a list of people, not of companies: "Former Google and OpenAI researchers", "Sequoia and
# Accel partners", "Nvidia chief executive Jensen Huang"
_PEOPLE_ITEM = re.compile(
    r"\b(?:[Ff]ormer|[Ee]x|" + PEOPLE_OF_WORDS[3:-4] + r"|partners|chief|executives?|CEO|president|"
    r"chairman|spokes(?:man|woman|person)|analysts?|lenders|banks|creditors)\b"
)


def _listed(ctx: Context, text: str) -> list[int]:
    """The watched parties of a list whose items may be names the watchlist lacks; none when
    `text` is not such a list (an item of more than five words, or one naming nothing)."""
    items = _LIST_ITEMS.split(text.strip())
    out: list[int] = []
    for item in items:
        words = item.split()
        found = ctx.parties(item)
        if not words or len(words) > 5 or len(found) > 1:
            return []
        if any(w.lower() in _NOT_IN_NAMES for w in words[words[0].lower() in ("its", "the") :]):
            return []  # a clause, not a name: "Microsoft said it would not"
        if _PEOPLE_ITEM.search(item):
            return []  # people, not companies
        if not found and not any(w[:1].isupper() for w in words):
            return []
        out += found
    return out


def _subject_list(ctx: Context, end: int) -> list[int]:
    """The parties of the subject that ends at `end`: from the clause's start, without what
    stands between a subject and its verb."""
    head = ctx.text[:end]
    opened = _CLAUSE_OPEN.match(head)
    head = head[opened.end() :] if opened else head
    head = _SUBJECT_TAIL.sub("", head)
    listed = _listed(ctx, head)
    if listed:
        return listed
    # "TikTok signed a deal to form …": the clause's one party, when it opens the clause
    found = ctx.parties(head)
    if len(found) == 1 and MARK.match(head.lstrip()) and not _NEGATED.search(head):
        return found
    return []


def _object_list(ctx: Context, start: int) -> list[int]:
    """The parties of the list that starts at `start` ("with Oracle, Silver Lake and MGX")."""
    tail = ctx.text[start : start + 240]
    cut = _LIST_END.search(tail)
    items = _LIST_ITEMS.split((tail[: cut.start()] if cut else tail).strip())
    # the list ends before a person ("with OpenAI, Nvidia chief executive Jensen Huang said")
    kept = next((items[:i] for i, x in enumerate(items) if _PEOPLE_ITEM.search(x)), items)
    return _listed(ctx, " and ".join(kept))


def venture_listed(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "A, B and C (will) set up a joint venture (with D and E)": the subject's parties and
    the listed partners, names the watchlist lacks skipped."""
    partners = _subject_list(ctx, m.start())
    if m.groupdict().get("with"):
        partners += _object_list(ctx, m.end())
    partners = list(dict.fromkeys(partners))
    # the deal's words start with its subject: "A and B declined to set up" is denied
    opened = _CLAUSE_OPEN.match(ctx.text, 0, m.start())
    return _venture(m, ctx, partners, background=False, start=opened.end() if opened else 0)


def venture_named(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "Stargate, the joint venture OpenAI, SoftBank and Oracle unveiled": its forming is
    context."""
    return _venture(m, ctx, _listed(ctx, m.group("list")), background=True)


# the venture's size before its noun: "a $500bn joint venture", "the $10 billion venture"
_VENTURE_SIZE = re.compile(A + r"\s+(?:[\w-]+\s+){0,2}?(?:joint[ -])?venture", re.IGNORECASE)


def _venture(
    m: re.Match[str], ctx: Context, partners: list[int], background: bool, start: int | None = None
) -> list[Found]:
    if len(partners) < 2 or any(ctx.kinds[p] == "product" for p in partners):
        return []
    roles = tuple((p, "partner") for p in partners)
    size = _VENTURE_SIZE.search(ctx.text, max(0, m.start() - 40), m.end())
    amount = int(AMOUNT_MARK.findall(size.group())[0]) if size else None
    return [
        Found(
            "joint_venture",
            partners[0],
            partners[1],
            ctx.text,
            (m.start() if start is None else start, m.end()),
            roles,
            amount=amount,
            background=background,
        )
    ]


def joint_venture(m: re.Match[str], ctx: Context) -> list[Found]:
    partners = ctx.group(m, "inv")
    if len(set(partners)) < 2:
        return []
    roles = tuple((p, "partner") for p in partners)
    return [Found("joint_venture", partners[0], partners[1], ctx.text, m.span(), roles)]


# --- funding rounds

# names the watchlist does not hold, after a list's watched ones: capitalised words
# ("and former GitHub chief executive Nat Friedman": a name after its lowercase title)
_UNWATCHED = (
    r"(?:(?:\s*,\s*|,?\s+(?:and|&)\s+)(?:(?:former|ex-|early|angel|individual|other)[\w-]*\s+)?"
    r"[A-Z][^,;\ue000\ue002]{0,60}?)*"
)
_LEAD = re.compile(
    rf"\b(?:co-)?led\s+by\s+(?:(?:[\w-]+\s+){{0,3}}?)"
    rf"(?:[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){{0,3}}\s*,\s*){{0,3}}{L('lead')}"
    rf"|\bwith\s+{L('lead3')}\s+(?:leading|as\s+(?:the\s+)?lead(?:\s+investor)?)\b"
    rf"|{L('lead2')}\s+(?:also\s+)?(?:co-)?led\b(?!\s+by)"
    rf"|(?P<hyphen>{P})-led\b",
    re.IGNORECASE,
)
_PARTICIPANTS = re.compile(
    r"\b(?:with\s+participation\s+from|participation\s+from|joined\s+by|alongside|as\s+well\s+as|"
    r"(?:investors?|backers?|participants?)\s+(?:that\s+|which\s+|who\s+)?(?:also\s+)?"
    r"(?:including|included|include|includes|such\s+as)|"
    r"(?:that|which)\s+(?:also\s+)?(?:included|includes|include|drew|attracted)|"
    # "Y's Series C, led by A, included B and C"
    r"(?:also\s+)?(?:included|includes)|"
    r"(?:also\s+)?(?:drew|draws|draw|drawing)(?:\s+money\s+from)?|attract(?:ed|s)|including)\s+"
    rf"(?:(?:[\w-]+\s+){{0,2}}?){L('part')}"
    # backers the watchlist does not name may close the list: "with A, B and Khosla
    # Ventures also taking part", "with A, DST Global and GIC joining"
    rf"|(?:\bwith\s+(?:(?:existing|earlier|previous|new|returning|other)\s+(?:backers|investors)\s+)?"
    rf"(?:[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){{0,3}},\s+){{0,3}})?{L('part2')}{_UNWATCHED}"
    r"\s+(?:(?:are|is|were|was|will\s+be|have|has)\s+)?"
    r"(?:also\s+)?(?:taking\s+part|took\s+part|participating|"
    r"participated|joining|joined|join|joins|investing|invested|putting\s+(?:(?:money|cash)\s+)?in|"
    r"pil(?:e|es|ed|ing)\s+in|"
    r"(?:(?:was|were)\s+)?among\s+(?:(?:the|its|their)\s+)?(?:[\w-]+\s+){0,2}?(?:backers|investors|"
    r"participants)|"
    r"expected\s+to\s+(?:take\s+part|participate|join|invest))\b",
    re.IGNORECASE,
)
_FROM = re.compile(
    rf"\bfrom\s+(?:(?:[\w-]+\s+){{0,2}}?)(?:[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){{0,3}}\s*,\s*)"
    rf"{{0,4}}{L('src')}",
    re.IGNORECASE,
)


def _joined(ctx: Context, at: int, known: set[int]) -> list[int]:
    """Parties said to take part right after a clause that ends at `at` ("alongside Z",
    "with participation from Z", "joined by Z"), in the same clause: not those in `known`."""
    # (matched in the skeleton itself, not a slice of it: `Context.group` reads what follows
    # a list at the match's offsets)
    end = at + len(re.split(r"[;.]\s", ctx.text[at:], maxsplit=1)[0])
    out: list[int] = []
    for pm in _PARTICIPANTS.finditer(ctx.text, at, end):
        if pm.start() - at > 40:  # a list further on belongs to something else
            break
        for p in ctx.group(pm, "part") or ctx.group(pm, "part2"):
            if p not in known and p not in out:
                out.append(p)
    return out


def _round(
    ctx: Context, m: re.Match[str], target: int, leads: list[int], participants: list[int]
) -> list[Found]:
    """The round's deal: the first lead (or backer) as investor, every member with its role;
    its amount is the round's first amount after `m`'s verb, belonging to the round."""
    for lm in _LEAD.finditer(ctx.text, m.start()):
        leads += (
            ctx.group(lm, "lead")
            or ctx.group(lm, "lead2")
            or ctx.group(lm, "lead3")
            or ctx.group(lm, "hyphen")
        )
    # Backers in the order the sentence names them: "from A, alongside B" has A first.
    named: list[tuple[int, int]] = [(-1, p) for p in participants]
    for pm in _PARTICIPANTS.finditer(ctx.text, m.start()):
        named += [(pm.start(), p) for p in ctx.group(pm, "part") or ctx.group(pm, "part2")]
    takers = [p for _, p in named]
    sources: list[int] = []
    for fm in _FROM.finditer(ctx.text, m.start()):
        sources += ctx.group(fm, "src")
        named += [(fm.start(), p) for p in ctx.group(fm, "src")]
    members: list[tuple[int, str]] = []
    for p in leads:
        if p != target and p not in dict(members):
            members.append((p, "lead"))
    for _, p in sorted(named, key=lambda n: n[0]):
        if p != target and p not in dict(members):
            members.append((p, "participant"))
    if not members:
        return []
    plain = not leads and not takers and len(sources) == 1
    roles = () if plain else tuple(members)
    return [Found("investment", members[0][0], target, ctx.text, m.span(), roles)]


def raising(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "Y raised $N (from X | in a round led by X, with participation from Z …)"."""
    (target,) = ctx.group(m, "tgt")[:1] or (None,)
    if target is None:
        return []
    return _round(ctx, m, target, [], [])


def leading(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "X led Y's $N round", "X led the round in Y", "X joined Y in a round for Z"."""
    targets = ctx.group(m, "tgt")
    if not targets:
        return []
    leads = ctx.group(m, "lead")
    part = ctx.group(m, "part")
    return _round(ctx, m, targets[-1], leads, part)


# A product and its owner ("Amazon's new Alexa+", "Perplexity's answer engine"), and a
# model and its maker ("Anthropic's Claude"), for the rules of a model that powers a product
_USER = (
    rf"(?:(?P<owner>{P})['’]s\s+(?:[\w+.-]+\s+){{0,3}}?(?:(?P<user>{P})\S*\s+)?"
    rf"|(?P<user2>{P})\S*\s+(?:[\w-]+\s+){{0,2}}?)"
)
_MODEL = rf"(?:(?P<maker>{P})['’]s\s+(?:[\w.-]+\s+){{0,2}}?)?(?P<model>{P})"


def model_licensed(m: re.Match[str], ctx: Context) -> list[Found]:
    """A model that powers a product: the product's owner (the possessive before it, else
    the product, whose maker is the party) licenses the model's maker (the possessive before
    the model, else the model, whose maker is the party). Not a company's chips or a cloud
    ("powered by Nvidia chips", "runs on AWS": compute), nor a company's own model."""
    groups = m.groupdict()
    users = (
        ctx.parties(groups.get("owner"))
        or ctx.parties(groups.get("user"))
        or ctx.parties(groups.get("user2"))
    )
    models = ctx.parties(groups.get("model"))
    makers = ctx.parties(groups.get("maker"))
    if not users or not (models or makers):
        return []
    if models and ctx.kinds[models[0]] not in ("product", "lab"):
        return []
    target = makers[0] if makers else models[0]
    user = users[0]
    if ctx.kinds[user] == "cloud" or user == target:
        return []
    return [Found("licensing", user, target, ctx.text, m.span(), tail=False)]


# --- the rules

_INVEST_VERB = (
    r"\b(?:invest(?:s|ed|ing)?|pour(?:s|ed|ing)?|put(?:s|ting)?|pump(?:s|ed|ing)?|"
    r"inject(?:s|ed|ing)?|plough(?:s|ed|ing)?|sink(?:s|ing)?|sank|plow(?:s|ed|ing)?|"
    r"wire[sd]?|wiring)\b"
)
_STAKE = r"(?:investments?|stakes?|holdings?)"
_DEAL_NOUN = (
    r"(?:deals?|agreements?|contracts?|partnerships?|pacts?|alliances?|tie-?ups?|"
    r"collaborations?|memorand(?:um|a)\s+of\s+understanding|MoUs?|arrangements?)"
)
_DEAL_VERB = (
    r"\b(?:sign(?:s|ed|ing)?|ink(?:s|ed|ing)?|struck|strikes?|striking|seal(?:s|ed|ing)?|"
    r"reach(?:es|ed|ing)?|announc(?:e|es|ed|ing)|land(?:s|ed|ing)?|agree[sd]?|"
    r"enter(?:s|ed|ing)?(?:\s+into)?|has|have|had|form(?:s|ed|ing)?|launch(?:es|ed|ing)?|"
    r"expand(?:s|ed|ing)?|extend(?:s|ed|ing)?|renew(?:s|ed|ing)?|clinch(?:es|ed)?|"
    r"deepen(?:s|ed|ing)?|broaden(?:s|ed|ing)?|widen(?:s|ed|ing)?|strengthen(?:s|ed|ing)?|"
    r"finali[sz](?:e|es|ed|ing)|unveil(?:s|ed|ing)?|cut|cuts|secur(?:e|es|ed|ing))"
)
_WORDS = r"(?:(?:[\w,%.-]+|" + A + r",?)\s+)"
_ACQUIRE = (
    r"\b(?:acquir(?:e|es|ed|ing)|buy(?:s|ing)?|bought|purchas(?:e|es|ed|ing)|"
    r"snap(?:s|ped|ping)?\s+up|tak(?:e|es|ing)\s+over|took\s+over|absorb(?:s|ed|ing)?)\s+"
)
_VERSION = r"(?:(?:\s+|-)[\w.-]*\d[\w.-]*)?"  # "Grok 3", "Llama 3.1", "DeepSeek-R1"
_FILL = r"(?P<fill>(?:[\w&()’'.:-]+\s+){0,8}?)"
# "acquiring the assets of Y", "acquiring all of the outstanding shares of common stock of Y"
_ASSETS_OF = (
    r"(?:(?:the\s+(?:[\w-]+\s+)?assets|all\s+(?:of\s+)?the\s+(?:outstanding\s+)?(?:shares|stock)"
    r"(?:\s+of\s+common\s+stock)?)\s+of\s+)?"
)
_ROUND = r"(?:round|funding|raise|financing|Series\s+[A-Z]\b|seed)"
# A party named with a description in an aside ("Mistral, the French lab ...", "G42 (an Abu
# Dhabi firm ..."): up to five words after its article, none a party nor a clause word.
# (not a stock or a stake: "Nvidia, the stock SoftBank bought in 2019")
_DESCRIPTION = (
    r"(?:(?:the|a|an)\s+(?:(?!(?:which|that|who|whose|in|of|by|for|with|to|and|or|stocks?|"
    r"shares?|stakes?|bonds?)\s)[\w:-]+\s+){0,5}?)"
)
# Not a party named in a comparison fronted before the subject ("Like OpenAI, the start-up
# Microsoft acquired …"), nor one whose stake or shares are the thing ("a 49% stake in Scale
# AI, which Meta paid $14.3 billion for")
_NOT_FRONTED = (
    r"(?<!\blike )(?<!\bunlike )(?<!\bthan )(?<!\bbesides )(?<!\binstead of )(?<!\bapart from )"
    r"(?<!\baside from )(?<!\bcompared with )(?<!\bcompared to )(?<!\bas with )(?<!\bas for )"
    r"(?<!\bstake in )(?<!\bstakes in )(?<!\bshares in )(?<!\bshares of )(?<!\bstake of )"
)
# An aside about a party, before its relative clause's subject: "Anthropic, which", "Silo AI,
# the Finnish lab that", "Run:ai, the Israeli start-up" ("that" or no pronoun only after a
# description: "told Anthropic that AMD bought" is no aside)
_RELATIVE = rf"{_NOT_FRONTED}(?P<tgt>{P})(?:,?\s+which\s+|\s*(?:,|—|–|--|\()\s*{_DESCRIPTION}(?:(?:which|that)\s+)?)"
# Where an aside about a party closes: its comma, dash or bracket, or the sentence's end
# ("…, said Anthropic, the start-up backed by Amazon.")
_ASIDE_END = r"\s*(?:,|—|–|--|\)|[.!?]?\s*$)"
# ... before "in which": "G42, in which", "Mistral, the lab in which"
_DESCRIBED = rf"{_NOT_FRONTED}(?P<tgt>{P})(?:,?\s+|\s*(?:,|—|–|--|\()\s*{_DESCRIPTION})"
# A party that only qualifies a noun after it is not the subject: "a start-up founded by two
# former Google researchers, said it had raised …"
_NOT_A_MODIFIER = (
    r"(?!\s+(?:researchers?|employees?|engineers?|executives?|veterans?|alumni|staff(?:ers)?|"
    r"scientists?|co-?founders?|founders?|insiders?)\b)"
)
# A party named as a noun's modifier: "$40 billion OpenAI round", "Databricks' Series J",
# "the Y cloud contract" (a few words may follow it: "OpenAI funding round")
# (words of a noun phrase, not a preposition or article: "joined Nvidia in a round for Y"
# names Y's round, "backed away from Y's round" backs nothing)
_NOT_NOUN = r"(?!(?:in|into|for|of|a|an|the|with|to|from|by|at|on|as|away|out|off)\s)"
_PREMODIFIER = rf"(?P<tgt>{P})(?:{APOS})?\s+(?:{_NOT_NOUN}(?:[\w-]+|{A})\s+){{0,3}}?"
# money on top: "with another $4 billion"
_MORE = re.compile(r"\b(?:another|further|additional|extra)\b", re.IGNORECASE)
# the words between a verb and the noun phrase's party: "leads a new $40 billion OpenAI round"
_BEFORE_PREMODIFIER = rf"(?:(?:a|an|the)\s+)?(?:new\s+)?(?:{A}\s+)?(?:{_NOT_NOUN}[\w-]+\s+){{0,2}}?"
_PREMODIFIER_OR_OWNER = rf"(?:(?:the|a|an)\s+)?(?P<tgt>{P})(?:{APOS})?\s+"
# after a company bought: not its products, capacity or shares
_NOT_THE_COMPANY = (
    r"(?!['’]|\s+(?:cloud|capacity|chips?|GPUs?|TPUs?|servers?|shares|stock|services|products|"
    r"hardware|equipment|compute|computing|stakes?|models?|technology)\b)"
)
# the keywords of rules whose words are common alone ("partner", "investor"): the phrase
_PROVIDER_TITLES = tuple(f"{w} {t}" for w in ("cloud", "compute", "computing", "training",
                                               "infrastructure", "chip", "gpu")
                         for t in ("partner", "provider", "supplier"))  # fmt: skip
_HOLDER_OF = tuple(f"{w}{n} {p}" for w in ("backer", "investor", "shareholder", "stakeholder",
                                           "funder") for n in ("", "s") for p in ("in", "of"))  # fmt: skip
_LED_ROUND = r"(?:round|funding|raise|financing|investment|Series\s+[A-Z]\b|seed)"
_CHIPS = (
    r"(?:chips?|superchips?|GPUs?|TPUs?|accelerators?|processors?|processing\s+units?|servers?|"
    r"capacity|compute|"
    r"computing|cloud|infrastructure|data\s+cent(?:er|re)s?|supercomputers?|Trainium\w*|systems)"
)

_TOTAL = re.compile(r"\b(?:total|overall|cumulative|combined)\b", re.IGNORECASE)
# "(its) total investment in Y to $N"
_CUMULATIVE = (
    r"(?:total|overall|cumulative|combined)\s+(?:investments?|stakes?|commitments?|backing|"
    rf"funding|outlay)\s+(?:in|into)\s+(?P<tgt>{P})\s+to\s+(?:[\w-]+\s+){{0,2}}?(?P<amt>{A})"
)
_DESIGNATE_VERB = (
    r"(?:mak(?:e|es|ing)|made|nam(?:e|es|ed|ing)|select\w*|chos\w+|choos\w+|pick\w*|"
    r"designat\w*|tap(?:s|ped|ping)?|anoint\w*|crown\w*)"
)
_DESIGNATE_BEFORE = re.compile(r"\b" + _DESIGNATE_VERB + r"\s+$", re.IGNORECASE)
# "its primary cloud", "the main provider", "chief outside supplier", "preferred training partner"
_PROVIDER_TITLE = (
    r"(?P<title>(?:[\w-]+\s+){1,3}?(?:partner|provider|supplier|cloud|vendor|host)s?)\b"
    # (the title ends there: not "its largest cloud customer", "its cloud rival's")
    r"(?!['’]|\s+(?:customers?|users?|clients?|rivals?|competitors?|business|market|unit|"
    r"division|revenue|spending|bills?|contracts?|platform)\b)"
)
# a provider's title as the press writes it: "<adjective> <title word>" ("primary cloud",
# "main provider", "chief outside supplier") or "<kind> <title noun>" ("compute supplier")
_DESIGNATIONS = tuple(
    f"{a} {t}"
    for a in ("primary", "preferred", "main", "exclusive", "chief", "principal", "sole",
              "default", "lead", "leading", "key", "strategic", "largest", "biggest", "outside",
              "external", "first", "second", "new", "official", "core", "major", "anchor")
    for t in ("cloud", "provider", "supplier", "partner", "vendor", "compute", "training",
              "infrastructure", "ai", "host", "gpu", "chip")
) + tuple(
    f"{k} {t}"
    for k in ("cloud", "compute", "computing", "training", "infrastructure", "chip", "gpu",
              "inference", "hosting", "distribution")
    for t in ("provider", "partner", "supplier", "vendor", "host")
)  # fmt: skip

# what the rules' builders test after a match (defined before RULES, whose lambdas name them):
# models used only to train or benchmark, a site built for a maker's chips, a name that is a
# preposition's object
_TO_TEST = re.compile(
    rf"(?:\s*(?:,|,?\s+and|&)\s*{P})*\s+to\s+(?:train|benchmark|test|compare|evaluate|distil)",
    re.IGNORECASE,
)
_FOR_CHIPS = re.compile(
    r"['’]s?\s+(?:[\w-]+\s+){0,3}?(?:chips?|GPUs?|accelerators?|processors?|superchips?|servers|"
    r"systems|hardware)\b",
    re.IGNORECASE,
)
_OBJECT_OF = re.compile(r"\b(?:with|by|from|of|using|on|for|to)\s+$", re.IGNORECASE)


def offered_product(m: re.Match[str], ctx: Context) -> list[Found]:
    """A platform that gives its customers a lab's product distributes it (not another
    company's or a cloud's)."""
    return [
        f
        for f in pairs("distribution", tail=False)(m, ctx)
        if ctx.kinds[f.target] in ("lab", "product")
    ]


RULES: list[Rule] = [
    # --- investments
    Rule("invest", _pattern(L("inv"), GAP, _INVEST_VERB, GAP,
                            r"\b(?:in|into|for\s+access\s+to|for\s+a\s+stake\s+in)\s+",
                            r"(?:(?:the|its|a|an)\s+(?:[\w-]+\s+){0,2}?(?:funding\s+)?round\s+"
                            # ("in Abu Dhabi's G42", "in French start-up Mistral AI")
                            r"(?:of|in|for)\s+)?", r"(?P<fill>(?:(?!in\s|into\s)[\w'’-]+\s+){0,3}?)",
                            rf"(?P<tgt>{ITEM}(?:\s*,\s*{ITEM})*(?:,?\s+(?:and|&)\s+{ITEM})?)",
                            # ("in Y, and Z $5 billion": Z is a second investor, not a target)
                            r"(?!\s+\ue002)"),
         investing, ("invest", " pour", " put", " pump", " inject", " plough", " sink", " sank", " plow",
                     " wire", " wiring")),
    # "SoftBank wires the final $22.5bn to OpenAI": money sent to a company
    Rule("wire-to", _pattern(L("inv"), GAP, r"\b(?:wire[sd]?|wiring|transferr(?:ed|ing)|transfers?)\s+",
                             r"(?:(?:the|its|a|an|final|remaining|last|first|another)\s+){0,2}", A,
                             r"(?:\s+(?:[\w-]+\s+){0,5}?)?\s*(?:to|into)\s+", L("tgt")),
         pairs("investment"), (" wire", " wiring", "transfer")),
    Rule("possessive-stake", _pattern(L("inv", possessive="required"), r"\s+", _WORDS, "{0,4}?",
                                      r"(?:", _STAKE, r"|backing|funding)\s+(?:of\s+[^\ue000\ue002;]{0,25}?\s+)?(?:in|into)\s+",
                                      L("tgt")),
         lambda m, ctx: [replace(f, background=True) if _TOTAL.search(m.group()) else f
                         for f in pairs("investment")(m, ctx)],
         ("invest", "stake", "holding", "backing", "funding")),
    Rule("possessive-headline", _pattern(rf"(?P<inv>{P})['’]s\s+(?:{A}\s+)?", rf"(?P<tgt>{P})",
                                         r"\s+(?:investment|stake)\b"),
         pairs("investment"), ("investment", "stake")),
    Rule("stake-noun", _pattern(L("inv"), GAP, r"\b(?:complet|finali[sz]|finish|clos|seal|announc|"
                                r"unveil|confirm|mak|weigh|consider|explor|plan)\w*\s+",
                                _WORDS, "{0,6}?", _STAKE, r"\s+(?:in|into|of)\s+", L("tgt")),
         pairs("investment"), ("investment", "stake")),
    Rule("stake-headline", _pattern(L("inv"), GAP, r"\b(?:complet|finali[sz]|clos|seal|announc|"
                                    r"confirm)\w*\s+", _WORDS, "{0,6}?",
                                    rf"(?P<tgt>{P})(?:{APOS})?\s+(?:[\w-]+\s+)?(?:investment|stake)\b"),
         pairs("investment"), ("investment", "stake")),
    Rule("stake-verb", _pattern(L("inv"), GAP, r"\b(?:take|takes|took|taking|acquir\w+|buy|buys|"
                                r"bought|buying|hold|holds|held|own|owns|owned|build|builds|has|have|had|"
                                r"built|purchas\w+|secur\w+|get|gets|got|control|controls|controlled)\s+",
                                _WORDS, "{0,5}?", r"(?:stake|position|holding|interest|share)s?\s+",
                                r"(?:of\s+[^\ue000;]{0,25}?\s+)?(?:in|of)\s+", L("tgt", possessive="optional")),
         lambda m, ctx: holding(m, ctx), ("stake", "position", "holding", "interest", " share")),
    Rule("stake-fraction", _pattern(L("inv"), GAP, r"\b(?:bought|buys|buy|buying|acquired|"
                                    r"acquires|acquire|took|takes|take|owns?|holds?|controls?)\s+"
                                    r"(?:(?:nearly|almost|about|roughly|around|just\s+(?:under|"
                                    r"over)|more\s+than|over|some)\s+)?(?:half|a\s+third|a\s+"
                                    r"quarter|a\s+majority|a\s+minority|\d+(?:\.\d+)?\s?(?:%|"
                                    r"per\s?cent))\s+(?:stake\s+)?(?:of|in)\s+(?:the\s+)?", _FILL,
                                    L("tgt", possessive="optional")),
         # ("own 70 per cent of the venture and Meta the rest": Meta is no company owned)
         lambda m, ctx: holding(m, ctx) if fill_ok(m.group("fill")) and " and " not in f" {m.group('fill')}" else [],
         (" half", " third", " quarter", "majority", "minority", "%", "per cent", "percent")),
    Rule("back", _pattern(L("inv"), GAP, r"\b(?:back|backs|backed|backing)\s+", L("tgt")),
         investing, (" back",)),
    Rule("backed-by", _pattern(L("tgt"), GAP, r"\b(?:is|was|are|were|has\s+been|have\s+been|"
                               r"is\s+being)\s+(?:\w+\s+)?(?:backed|funded)\s+by\s+", L("inv")),
         pairs("investment"), ("backed", "funded")),
    Rule("backer-of", _pattern(rf"(?P<tgt>{P})['’]s\s+(?:(?:largest|biggest|main|major|key|"
                               r"early|lead|top|first|longtime|long-time|existing)\s+)?"
                               rf"(?:backer|investor|shareholder|funder)s?,?\s+", L("inv")),
         background_pairs("investment"), ("backer", "investor", "shareholder", "funder")),
    Rule("backer-aside", _pattern(rf"(?P<inv>{P}),\s+(?P<one>one\s+of\s+)?(?:the\s+)?(?P<tgt>{P})['’]s\s+(?:"
                                  r"(?:largest|biggest|main|major|key|early|earliest|lead|top|first|"
                                  r"longtime|long-time|existing|outside|external|strategic)\s+){0,2}"
                                  # (a plural only after "one of": "Nvidia, OpenAI's investors
                                  # said, would …" is no aside)
                                  r"(?:backer|investor|shareholder|funder)(?(one)s|)\b"),
         background_pairs("investment"), ("backer", "investor", "shareholder", "funder")),
    # "Nvidia, an investor in Mistral AI, will …", "IBM, an early backer of Hugging Face, is"
    Rule("investor-in-aside", _pattern(rf"(?P<inv>{P}),\s+(?:an?|the|one)\s+(?:of\s+the\s+)?"
                                       r"(?:(?:largest|biggest|main|major|key|early|lead|top|first|"
                                       r"longtime|long-time|existing|other)\s+)?(?:backers?|"
                                       r"investors?|shareholders?|funders?)\s+(?:in|of)\s+(?:both\s+)?",
                                       L("tgt")),
         background_pairs("investment"), ("backer", "investor", "shareholder", "funder")),
    # "Y has deals with X1 and X2, receiving $A and $B from each, respectively"
    Rule("receiving-each", _pattern(rf"(?P<tgt>{P})", GAP, r"\bdeals?\s+with\s+(?:both\s+)?",
                                    rf"(?P<inv>{P})\s+and\s+(?P<inv2>{P})", GAP,
                                    rf"\breceiving\s+(?P<a1>{A})\s+and\s+(?P<a2>{A})\s+from\s+each"),
         lambda m, ctx: [
             Found("investment", ctx.parties(m.group(g))[0], ctx.group(m, "tgt")[0],
                   ctx.text, m.span(), amount=ctx.amounts(m.group(a))[0])
             for g, a in (("inv", "a1"), ("inv2", "a2"))],
         ("receiving",)),
    # ("Tencent and HongShan were early backers of Manus": a list may end on a name the
    # watchlist does not hold)
    Rule("holder-of", _pattern(L("inv"), _UNWATCHED_LAST, r"\s+(?:is|are|was|were|remains?|has\s+been|"
                               r"have\s+been)\s+(?:also\s+)?(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,2}?(?:backer|"
                               r"investor|shareholder|stakeholder|funder)s?\s+(?:in|of)\s+", L("tgt")),
         background_pairs("investment"), _HOLDER_OF),
    Rule("among-holders", _pattern(L("inv"), r"\s+(?:is|are|was|were|remains?)\s+(?:also\s+)?"
                                   r"(?:among|one\s+of)\s+", rf"(?P<tgt>{P})['’]s\s+(?:[\w-]+\s+)"
                                   r"{0,2}?(?:backers|investors|shareholders|funders)"),
         background_pairs("investment"), ("among", "one of")),
    # a round told by the valuation it gave: "Statsig was valued at $1.1 billion in a funding
    # round led by ICONIQ", "Sequoia led a $300 million Series D that valued Harvey at $3
    # billion" (the valuation is no amount of the deal)
    Rule("valued-in-round", _pattern(rf"(?P<tgt>{P})\s+(?:was|is|were|had\s+been)\s+valued\s+at\s+",
                                     rf"(?:(?:[\w-]+|{A})\s+){{0,3}}?in\s+(?:a|an|its|the)\s+",
                                     rf"(?:(?:[\w-]+|{A})\s+){{0,3}}?{_ROUND}\s+(?:[\w-]+\s+)?",
                                     r"(?:led|co-led)\s+by\s+", L("lead")),
         lambda m, ctx: leading(m, ctx), ("valued at",)),
    Rule("led-round-that-valued", _pattern(L("lead"), r"\s+(?:also\s+)?(?:led|co-led)\s+(?:a|an|the)\s+",
                                           rf"(?:(?:[\w-]+|{A})\s+){{0,4}}?{_ROUND}\s+(?:round\s+)?",
                                           rf"(?:that|which)\s+valued\s+(?P<tgt>{P})(?!['’])"),
         lambda m, ctx: leading(m, ctx), ("valued",)),
    # stakes listed by their amounts: "Nvidia has been taking stakes in partners and
    # customers, including $5 billion in Intel and $1 billion in Nokia"
    Rule("stakes-including", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:tak(?:e|es|en|ing)|took|buy\w*|"
                                      r"bought|invest\w*|pour\w*|put\w*|plac\w*|mak\w*|made)\s+"
                                      r"(?:[\w-]+\s+){0,3}?(?:stakes|investments|bets)\b[^;\ue000]{0,80}?"
                                      rf"\bincluding\s+(?P<list>{A}\s+in\s+{P}{_ITEM_END}(?:(?:\s*,\s*|,?\s+and\s+)"
                                      rf"{A}\s+in\s+{P}{_ITEM_END})*)"),
         lambda m, ctx: [
             Found("investment", ctx.parties(m.group("inv"))[0], ctx.parties(pair.group())[0],
                   ctx.text, m.span(), amount=ctx.amounts(pair.group())[0], background=True)
             for pair in _AMOUNT_IN.finditer(m.group("list"))],
         ("including",)),
    # "SoftBank has pledged $22.5 billion toward OpenAI's latest funding round"
    Rule("pledge-to", _pattern(L("inv"), GAP, r"\bpledg(?:e|es|ed|ing)\s+(?:[\w-]+\s+){0,2}?", A,
                               r"\s+(?:to|toward|towards|in)\s+(?:the\s+)?", rf"(?P<tgt>{P})",
                               # (a company's round, not "OpenAI's enterprise products")
                               rf"(?!['’]s?\s+(?!(?:[\w-]+\s+){{0,3}}?{_ROUND}))"),
         lambda m, ctx: [f for f in pairs("investment")(m, ctx)
                         if ctx.kinds[f.target] in ("lab", "company")],
         ("pledg",)),
    # "Oracle Cloud Infrastructure also counts Meta and xAI among its customers": a cloud's
    # customers buy its compute
    Rule("counts-customers", _pattern(rf"(?P<inv>{P})\s+(?:also\s+|already\s+|now\s+)?counts?\s+",
                                      L("tgt"), r"\s+among\s+its\s+(?:[\w-]+\s+){0,2}?(?:customers|"
                                      r"clients|tenants)"),
         lambda m, ctx: [f for f in background_pairs("compute")(m, ctx)
                         if ctx.kinds[f.investor] == "cloud"],
         ("among its",)),
    # "A and B were among the backers of Y's $N round (, which C led)"
    Rule("among-round", _pattern(L("part"), r"\s+(?:was|were|is|are)\s+(?:also\s+)?among\s+"
                                 r"(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:backers|investors|participants)\s+"
                                 rf"(?:of|in)\s+(?P<tgt>{P})['’]s\s+(?:(?:[\w-]+|{A})\s+){{0,4}}?"
                                 rf"{_ROUND}"),
         lambda m, ctx: leading(m, ctx), ("among",)),
    # "Participants in Y's round included A and B"
    Rule("round-members", _pattern(r"\b(?:participants|investors|backers)\s+in\s+(?:the\s+)?",
                                   rf"(?P<tgt>{P})['’]s\s+(?:(?:[\w-]+|{A})\s+){{0,4}}?{_ROUND}",
                                   r"\s+(?:also\s+)?(?:included|include|includes|were|are)\s+",
                                   L("part")),
         lambda m, ctx: leading(m, ctx), ("participants in", "investors in", "backers in")),
    Rule("investors-include", _pattern(r"\binvestors\s+in\s+", L("tgt"),
                                       r"\s+(?:also\s+)?include\s+", L("inv")),
         pairs("investment"), ("investors",)),
    Rule("join-round", _pattern(L("inv"), GAP, r"\b(?:join\w*|participat\w*\s+in|took\s+part\s+in|"
                                r"take\s+part\s+in|taking\s+part\s+in)\s+", rf"(?P<tgt>{P})['’]s\s+",
                                rf"(?:(?:[\w-]+|{A})\s+){{0,4}}?(?:funding\s+)?(?:round|raise|financing)"),
         lambda m, ctx: joined(m, ctx), (" join", "particip", "part in")),
    Rule("stock", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:receiv\w*|get|gets|got|tak\w*|took|buy|buys|buying|"
                           r"bought|purchas\w*)\s+", rf"(?P<amt>{A})\s+(?:of|in)\s+", rf"(?P<tgt>{P})",
                           r"\s+(?:stock|shares|equity)"),
         lambda m, ctx: [Found("investment", ctx.group(m, "inv")[0],
                               ctx.group(m, "tgt")[0], ctx.text, m.span(),
                               amount=ctx.amounts(m.group("amt"))[0])],
         ("stock", "shares", "equity")),
    # --- funding rounds
    Rule("raise", _pattern(rf"(?P<tgt>{P})", _NOT_A_MODIFIER, GAP,
                           r"\b(?:rais(?:e|es|ed|ing)|secur(?:e|es|ed|ing)|announc(?:e|es|ed|ing)|"
                           r"clos(?:e|es|ed|ing)|land(?:s|ed)?|nab(?:s|bed|bing)?|bagg?(?:ed|s)?|"
                           r"snag(?:s|ged)?|pick(?:s|ed|ing)?\s+up|collect(?:s|ed)?|"
                           r"negotiat(?:e|es|ed|ing)|"
                           r"receiv(?:e|es|ed)|complet(?:e|es|ed)|finali[sz](?:e|es|ed|ing)|"
                           r"pull(?:s|ed)\s+in|haul(?:s|ed)\s+in|get|gets|got)\b",
                           # money for itself: a round, or an amount in or from something
                           r"(?=\s+(?:(?:a|an|its|the|their|new|fresh)\s+)?(?:[\w-]+\s+)?(?:", A,
                           r",?\s+)?(?:[\w-]+\s+){0,3}?(?:round|funding|financing|Series|seed|"
                           r"raise|money|capital|cash|investment)\b|\s+(?:(?:a|an|about|around|roughly|"
                           r"nearly|almost|some|over|approximately|another|more\s+than|"
                           r"up\s+to|at\s+least)\s+)*", A,
                           r"(?:,\s*", A, r")?,?\s+(?:in|from|led|at|to|as)\b)"),
         raising, (" rais", " secur", " clos", " land", " nab", " bag", " receiv", " complet", "announc",
                   " snag", " pick", " collect", "negotiat",
                   " final", " pull", " haul", " got ", " get ", " gets ")),
    Rule("lead-round", _pattern(L("lead"), r"\s+(?:also\s+)?(?:co-)?led\s+(?:(?:the|a|an)\s+)?",
                                rf"(?:(?P<tgt0>{P})['’]s\s+)?", _WORDS, "{0,4}?", _LED_ROUND,
                                r"(?:\s+(?:[\w-]+\s+){0,2}?(?:in|for|of|into)\s+(?P<tgt1>",
                                P, "))?"),
         lambda m, ctx: leading_targets(m, ctx), (" led ", "-led ")),
    Rule("round-led-by", _pattern(rf"(?P<tgt>{P})['’]s\s+(?:{A}\s+)?(?:[\w-]+\s+){{0,3}}?",
                                  _ROUND, r"\w*\s+(?:[\w-]+\s+){0,2}?(?:was|is|has\s+been|"
                                  r"were)\s+(?:also\s+)?(?:co-)?led\s+by\b"),
         lambda m, ctx: raising(m, ctx), tuple(f"{v} {c}led by" for v in ("was", "is", "been", "were")
                                              for c in ("", "co-", "also ", "also co-"))),
    Rule("round-values", _pattern(_ROUND, r",?\s+(?:co-)?led\s+by\s+[^;]{0,120}?\b(?:values|valued|"
                                  rf"valuing)\s+(?P<tgt>{P})"),
         lambda m, ctx: raising(m, ctx), ("led by",)),
    Rule("lead-to-be", _pattern(L("lead"), GAP, r"\b(?:lead|leads|leading)\s+(?:(?:a|an|the)\s+)?",
                                _WORDS, "{0,5}?", _ROUND, r"\b", GAP, r"\b(?:in|for|of|into)\s+",
                                rf"(?P<tgt>{P})"),
         leading, ("lead",)),
    Rule("join-round-for", _pattern(L("part"), GAP, r"\b(?:join(?:s|ed|ing)?|participat\w*|"
                                    r"took\s+part|take\s+part)\s+", rf"(?:(?P<lead>{P})\s+)?",
                                    r"(?:in\s+)?(?:(?:a|an|the)\s+)?", _WORDS, "{0,4}?", _ROUND,
                                    r"\s+(?:for|in|of|into)\s+", rf"(?P<tgt>{P})"),
         lambda m, ctx: join_round_for(m, ctx), (" join", "particip", "took part", "take part", "taking part")),
    Rule("led-round", _pattern(rf"(?P<lead>{P})-led\s+", _WORDS, "{0,3}?", _ROUND,
                               rf"\s+(?:in|for|of|into)\s+(?P<tgt>{P})"),
         leading, ("-led",)),
    # --- acquisitions
    # ("Nvidia buys Lambda cloud capacity", "buys AMD shares": not the company itself)
    Rule("acquire", _pattern(L("inv"), GAP, _ACQUIRE, _ASSETS_OF, _FILL, L("tgt"), r"(?!['’]|\s+(?:cloud|"
                             r"capacity|chips?|GPUs?|TPUs?|servers?|shares|stock|services|"
                             r"products|hardware|equipment|compute|computing|stakes?)\b)"),
         filled("acquisition"), ("acqui", " buy", "bought", "purchas", "snap", "took over", "take over", "takes over",
          "taking over", "absorb")),
    # "X has agreed to pay $1.3 billion for Y", "X inks $8 billion deal for Y" (headlines),
    # "X has held talks about bidding for Y", "Y walked away from a takeover offer from X"
    # ("Alphabet's agreement on Tuesday to pay $32 billion in cash for Wiz")
    Rule("pay-for", _pattern(L("inv", possessive="optional"), GAP,
                             r"\bpa(?:y|ys|id|ying)\s+(?:[\w-]+\s+){0,2}?", A,
                             r"(?:\s+in\s+(?:cash|stock|cash\s+and\s+stock))?\s+for\s+", _FILL,
                             L("tgt"), _NOT_THE_COMPANY),
         lambda m, ctx: filled("acquisition")(m, ctx) if _agreed_by(m, ctx) else [],
         (" pay", " paid")),
    Rule("deal-for", _pattern(L("inv"), GAP, _DEAL_VERB, r"\s+(?:(?:a|an)\s+)?(?:", A, r"\s+)?",
                              r"(?:[\w-]+\s+){0,2}?(?:deal|agreement|pact)\s+(?:for|to\s+(?:buy|"
                              r"acquire))\s+", _FILL, L("tgt"), _NOT_THE_COMPANY),
         lambda m, ctx: [f for f in filled("acquisition")(m, ctx)
                         if ctx.kinds[f.target] in ("lab", "company")],
         ("deal for", "deal to", "agreement for", "agreement to", "pact for", "pact to")),
    # a company's sale to its buyer: "Windsurf's $3 billion sale to OpenAI collapsed", "the
    # start-up whose planned sale to OpenAI", "the sale of Windsurf to OpenAI"
    Rule("sale-to", _pattern(r"(?:", rf"(?P<tgt>{P})(?:['’]s?|,\s+(?:[^,;\ue000]{{0,60}}?\s+)?whose)\s+",
                             rf"(?:(?:{A}|{_SALE_WORDS})\s+){{0,3}}?sale\s+|\bsale\s+of\s+(?P<tgt2>{P})\s+)",
                             rf"to\s+(?P<inv>{P})(?!['’]|\s+of\s)"),
         lambda m, ctx: [Found("acquisition", i, t, ctx.text, m.span())
                         for i in ctx.group(m, "inv")
                         for t in ctx.group(m, "tgt") or ctx.group(m, "tgt2")],
         ("sale to", "sale of")),
    Rule("bid-for", _pattern(L("inv"), GAP, r"\b(?:bid|bids|bidding|made\s+(?:a|an)\s+(?:[\w-]+\s+)?"
                             r"(?:bid|offer))\s+for\s+", _FILL, L("tgt"), _NOT_THE_COMPANY),
         filled("acquisition"), ("bid", "offer for")),
    Rule("offer-from", _pattern(rf"(?P<tgt>{P})", GAP, rf"(?:{A}\s+)?(?:[\w-]+\s+)?(?:takeover|"
                                r"acquisition|buyout)\s+(?:offer|bid|approach|proposal)s?\s+from\s+",
                                rf"(?P<inv>{P})"),
         pairs("acquisition"), ("takeover", "buyout", "acquisition offer", "acquisition bid",
                                "acquisition approach", "acquisition proposal")),
    Rule("acquired-by", _pattern(L("tgt"), GAP, r"\b(?:was|were|had\s+been|has\s+been|is\s+being|"
                                 r"will\s+be|to\s+be|be|being|is|are)\s+(?:\w+\s+){0,2}?(?:acquired|"
                                 r"bought|purchased|snapped\s+up|taken\s+over|absorbed)\s+by\s+"
                                 r"(?:[\w'’-]+\s+){0,3}?", L("inv")),
         pairs("acquisition"), ("acquired", "bought", "purchased", "snapped", "taken over",
                               "absorbed")),
    Rule("acquisition-of", _pattern(L("inv", possessive="required"), r"\s+", _WORDS, "{0,4}?",
                                    r"(?:acquisitions?|purchases?|takeover|buyout|buy-out)\s+of\s+",
                                    _FILL, L("tgt"), r"(?!['’])"),
         filled("acquisition"), ("acquisition", "purchase", "takeover", "buyout", "buy-out")),
    Rule("announced-acquisition", _pattern(L("inv"), GAP, r"\b(?:announc\w*|complet\w*|clos\w*|"
                                           r"finali[sz]\w*|through|via|unveil\w*|confirm\w*)\s+"
                                           r"(?:(?:its|the|a|an|their)\s+)?", _WORDS, "{0,3}?",
                                           r"(?:acquisition|purchase|takeover|buyout)\s+of\s+",
                                           _FILL, L("tgt"), r"(?!['’])"),
         filled("acquisition"), ("acquisition", "purchase", "takeover", "buyout")),
    Rule("approached", _pattern(rf"(?P<tgt>{P})", GAP, r"\bapproached\s+by\s+", rf"(?P<inv>{P})",
                                r"\s+(?:about|over|regarding|for|with)\s+(?:(?:a|an|the)\s+)?"
                                r"(?:[\w-]+\s+)?(?P<noun>takeover|acquisition|buyout|purchase|"
                                r"investment|deal|sale)"),
         lambda m, ctx: pairs("investment" if m.group("noun").lower() == "investment"
                              else "acquisition")(m, ctx),
         ("approached",)),
    # --- mergers
    Rule("merge-form", _pattern(r"\bmerged?\s+with\s+", rf"(?P<inv>{P})", r"\s+to\s+form\s+",
                                rf"(?P<tgt>{P})"),
         pairs("merger"), ("merge",)),
    Rule("merge-with", _pattern(r"\bmerged?\s+(?:[\w,-]+\s+){0,4}?", rf"(?P<inv>{P})",
                                r",?\s+with\s+", rf"(?P<tgt>{P})"),
         pairs("merger"), ("merge",)),
    Rule("merge-and", _pattern(rf"(?P<inv>{P})", r"\s+and\s+", rf"(?P<tgt>{P})",
                               r"\s+(?:(?:to|will|agreed\s+to|plan\s+to)\s+)?(?:merge|combine)\b"),
         pairs("merger"), ("merge", "combine")),
    # "SpaceX merges with xAI", "X agreed to merge with Y": the subject and its partner
    Rule("merges-with", _pattern(rf"(?P<inv>{P})", r"\s+(?:(?:has|have|had|will|would|agreed\s+to|"
                                 r"plans?\s+to|is\s+to|to)\s+)?", r"\b(?:merg(?:e|es|ed|ing)|"
                                 r"combin(?:e|es|ed|ing))\s+with\s+", rf"(?P<tgt>{P})"),
         pairs("merger"), ("merg", "combin")),
    # a merger named by its noun: "Recursion's merger with Exscientia", "Recursion completed a
    # merger with the British group Exscientia", "xAI, which merged with his rocket company
    # SpaceX" (a title before the partner)
    Rule("merger-with", _pattern(r"(?:", L("inv", possessive="required"), r"\s+|", L("inv2"), GAP,
                                 r"\b(?:complet|announc|agree|finali[sz]|clos|seal|sign|reach|struck|"
                                 r"strik|pursu)\w*\s+(?:a|an|its|their|the)\s+)",
                                 rf"(?:(?:[\w-]+|{A})\s+){{0,3}}?merger\s+with\s+", _TITLED,
                                 rf"(?P<tgt>{P})(?!['’])"),
         lambda m, ctx: [Found("merger", i, t, ctx.text, m.span(), tail=False)
                         for i in ctx.group(m, "inv") or ctx.group(m, "inv2")
                         for t in ctx.group(m, "tgt")] if _title_ok(m) else [],
         ("merger with",)),
    Rule("merged-with-titled", _pattern(rf"(?P<inv>{P})", r"(?:,\s+which)?\s+(?:(?:has|have|had|will|"
                                        r"agreed\s+to|plans?\s+to)\s+)?merge[sd]?\s+with\s+",
                                        r"(?:its|his|her|their|the|a|an)\s+", _TITLED, rf"(?P<tgt>{P})",
                                        r"(?!['’])"),
         lambda m, ctx: pairs("merger")(m, ctx) if _title_ok(m) else [], ("merge",)),
    # "the merger of A and B", "Founded through the merger of A with B"
    Rule("merger-of", _pattern(r"\b(?:merger|combination)\s+(?:of|between)\s+(?:the\s+)?",
                               rf"(?P<inv>{P})", r"\s+(?:and|with)\s+(?:the\s+)?", rf"(?P<tgt>{P})"),
         pairs("merger"), ("merger of", "merger between", "combination of", "combination between")),
    Rule("combine", _pattern(r"\bcombin(?:e|es|ed|ing)\s+", rf"(?P<inv>{P})",
                             r"\s+(?:with|and)\s+", rf"(?P<tgt>{P})"),
         pairs("merger"), ("combin",)),
    # --- partnerships and deals of any kind (compute, licensing) by their words
    Rule("partnership-of", _pattern(rf"(?P<inv>{P})", APOS, r"\s+(?:\w+\s+){0,2}(?:partnership|"
                                    r"alliance)\s+with\s+", rf"(?P<tgt>{P})"),
         pairs("partnership", tail=False), ("partnership", "alliance")),
    Rule("partnership-between", _pattern(r"\b(?:partnership|relationship|alliance|tie-?up)\s+"
                                         r"between\s+", rf"(?P<inv>{P})", r"\s+and\s+",
                                         rf"(?P<tgt>{P})", r"(?=[^.]*\bpartner)"),
         pairs("partnership", tail=False), ("between",)),
    # ("will work with OpenAI on floating data centres", "is teaming up with Alibaba")
    Rule("partnered", _pattern(L("inv"), r"\s+(?:has\s+|have\s+|had\s+|will\s+|would\s+|to\s+|"
                               r"agreed\s+to\s+|plans?\s+to\s+)?(?:partnered|"
                               r"team(?:s|ed)?(?:\s+up)?|partners|join(?:s|ed)?\s+forces|"
                               r"(?:is|are)\s+(?:partnering|teaming\s+up)|(?:work(?:s|ed)?|"
                               r"(?:is|are)\s+working|collaborat(?:e|es|ed)|(?:is|are)\s+"
                               r"collaborating)(?:\s+(?:closely|together))?)"
                               # ("teamed up last month with", "joined forces with defence
                               # contractor Anduril")
                               r"(?:\s+(?:last|this|next|earlier\s+this)\s+(?:week|month|year)|"
                               r"\s+on\s+\w+day|\s+in\s+[A-Z][a-z]+)?"
                               # (a title of no function words: not "working with lawyers to
                               # sue Anthropic", "with customers such as Salesforce")
                               r"\s+with\s+(?:the\s+)?(?:(?!(?:to|such|as|including|like|for|in|on|"
                               r"of|and|or|the|a|an|from|at|by)\b)[a-z][\w-]*\s+){0,3}?",
                               L("tgt"), r"(?!['’])"),
         pairs("partnership", tail=False), ("partner", "teamed", "teams", "forces", "teaming",
                                            " work", "collaborat")),
    # "San Francisco, in partnership with Recology, is …": the partner in an aside
    # (not "A, together with B, invested in C": co-investors, not partners)
    Rule("in-partnership", _pattern(rf"(?P<inv>{P})", r",?\s+in\s+(?:a\s+)?(?:partnership|"
                                    r"collaboration)\s+with\s+(?:the\s+)?", rf"(?P<tgt>{P})"),
         pairs("partnership", tail=False), ("partnership with", "collaboration with")),
    # "A and B have partnered to …": the partners are the subject
    Rule("partnered-and", _pattern(L("inv"), r"\s+(?:have\s+|had\s+|will\s+|to\s+)?(?:partnered|"
                                   r"team(?:s|ed)?\s+up|joined\s+forces|are\s+partnering|"
                                   r"are\s+teaming\s+up|(?:work|collaborate)\s+together)\b(?!\s+with)"),
         lambda m, ctx: _among(m, ctx),
         ("partnered", "team up", "teams up", "teamed up", "teaming up", "joined forces",
          "are partnering", "together")),
    # (not across ", and": "invest $1 billion in Nokia to work on 6G, and unveiled
    # partnerships with Uber" is the subject's partnership, not Nokia's)
    # (not a list a title makes an object: "It counts A, B and C among its biggest customers
    # and has signed contracts with B")
    Rule("deal-with", _pattern(L("inv"), r"(?!\s+(?:among|as)\s+(?:its|their)\b)", _CLAUSE_GAP,
                               _DEAL_VERB, r"\s+(?:(?:a|an|the|its|their|two|"
                               r"new|similar)\s+)?", _WORDS, "{0,6}?", _DEAL_NOUN,
                               # "a five-year deal worth $17.4 billion with Y"
                               rf"(?:\s+(?:worth|valued\s+at)\s+(?:[\w-]+\s+){{0,2}}?{A})?",
                               r"\s+with\s+(?:both\s+)?", L("tgt")),
         generic, ("deal", "agreement", "contract", "partnership", "pact", "alliance", "tie",
                   "collaboration", "memorand", "mou", "arrangement")),
    Rule("deal-between", _pattern(L("inv"), r"\s+(?:have\s+|has\s+|had\s+|will\s+|jointly\s+|"
                                  r"today\s+|(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
                                  r"Saturday|Sunday)\s+|recently\s+|also\s+)?",
                                  _DEAL_VERB, r"\s+(?:(?:a|an|the)\s+)?", _WORDS, "{0,6}?",
                                  _DEAL_NOUN, r"\b"),
         lambda m, ctx: generic(m, ctx) if len(ctx.group(m, "inv")) > 1 else [],
         ("deal", "agreement", "contract", "partnership", "pact", "alliance", "tie",
          "collaboration", "memorand", "mou", "arrangement")),
    Rule("deal-possessive", _pattern(L("inv", possessive="required"), r"\s+", _WORDS, "{0,4}?",
                                     r"(?:deals?|agreements?|contracts?|pacts?|tie-?ups?)\s+with\s+",
                                     L("tgt")),
         generic, ("deal", "agreement", "contract", "pact", "tie-up", "tie up")),
    Rule("deal-expanded", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:expand|extend|increas|boost|"
                                   r"enlarg|sign|ink|renew)\w*\s+(?:its|their|a|an|the)\s+",
                                   rf"(?:{A}\s+)?(?P<tgt>{P})\s+(?:[\w-]+\s+)?",
                                   r"(?:contract|deal|agreement)"),
         generic, ("contract", "deal", "agreement")),
    Rule("said-pay", _pattern(rf"(?P<tgt>{P})\s+(?:said|says)\s+(?:that\s+)?", rf"(?P<inv>{P})",
                              GAP, r"\b(?:pay|pays|paid|spend|spends|spent)\b", GAP,
                              r"\b(?:under|as\s+part\s+of)\s+(?:an?|the|its|their)\s+",
                              r"(?:[\w-]+\s+){0,2}?(?:agreement|contract|deal)"),
         lambda m, ctx: generic(m, ctx), (" pay", " paid", "spend", "spent")),
    # --- compute
    Rule("provide-with", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:provid\w*|suppl(?:y|ies|ied|ying)|"
                                  r"giv(?:e|es|ing)|gave|equip\w*)\s+", L("tgt"),
                                  r"\s+with\s+", GAP, r"\b(?:compute|computing|computational|"
                                  r"processing|chips?|GPUs?|TPUs?|gigawatts?|capacity|servers?|"
                                  r"accelerators?|infrastructure|power)\b"),
         pairs("compute"), ("provid", "suppl", "giv", "gave", "equip")),
    Rule("supply-to", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:suppl(?:y|ies|ied|ying)|provid\w*|"
                               r"deliver\w*|sell(?:s|ing)?|sold|rent(?:s|ed|ing)?|leas\w*)\s+",
                               r"[^\ue000;]{0,80}?\bto\s+", L("tgt")),
         supplying, ("suppl", "provid", "deliver", "sell", "sold", "rent", "leas")),
    # "Nvidia would sell Humain up to 600,000 chips": the buyer as the verb's first object
    # (round 11; not "rent" or "lease", which a buyer does too: "rent Nvidia capacity from")
    Rule("sell-buyer-chips", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:suppl(?:y|ies|ied|ying)|"
                                      r"sell(?:s|ing)?|sold|ship(?:s|ped|ping)?)\s+", L("tgt"),
                                      r"\s+(?:(?:up\s+to|about|roughly|some|nearly|more\s+than|"
                                      r"as\s+many\s+as|another|an\s+additional)\s+)?"
                                      rf"(?:{A}\s+(?:(?:worth\s+)?of\s+)?|[\d,.]+\s+(?:million\s+)?)?"
                                      r"(?:of\s+)?(?:(?:its|their|the)\s+)?(?:[\w-]+\s+){0,3}?",
                                      _CHIPS, r"\b"),
         pairs("compute"), ("suppl", "sell", "sold", "ship")),
    Rule("give-capacity", _pattern(rf"(?P<inv>{P})", GAP, r"\bto\s+give\s+", rf"(?P<tgt>{P})",
                                   r"\s+(?:[\w-]+\s+){0,3}?(?:capacity|compute|computing|access)"),
         pairs("compute"), (" give",)),
    Rule("provider-of", _pattern(rf"(?P<inv>{P})", r"[^;]*?", r"\b(?:provider|supplier)\s+of\s+",
                                 GAP, r"\b(?:compute|computing|computational|processing|cloud)\b",
                                 GAP, r"\bfor\s+", rf"(?P<tgt>{P})"),
         pairs("compute"), ("provider", "supplier")),
    Rule("offer-use", _pattern(r"\boffer\w*\s+", rf"(?P<tgt>{P})", r"\s+(?:the\s+)?(?:use\s+of|"
                               r"access\s+to)\s+(?:", P, APOS, r"\s+)?", rf"(?P<inv>{P})", GAP,
                               r"\b(?:cloud|computing|compute|GPUs?|data\s+cent)"),
         pairs("compute"), ("offer",)),
    Rule("buy-from", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:buy(?:s|ing)?|bought|purchas\w*|"
                              r"rent(?:s|ed|ing)?|leas\w*|procur\w*|sourc\w*|spend(?:s|ing)?|"
                              # (not across a clause: "supplies the chips used to train
                              # models, and its bet on SSI")
                              r"spent|us(?:e|es|ed|ing))\b(?:(?!,\s+(?:and|but|while)\s)[^\ue000;]){0,80}?"
                              r"\b(?:from|on|with)\s+",
                              L("tgt", possessive="optional")),
         buying_compute, (" buy", "bought", "purchas", " rent", " leas", "procur", "sourc", "spen",
                          " use", " using")),
    Rule("buy-of", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:buy\w*|bought|purchas\w*|spend\w*|"
                            r"spent|commit\w*)\b[^\ue000;]{0,60}?\bof\s+", rf"(?P<tgt>{P})",
                            r"\s+(?:cloud\s+)?(?:services|capacity|compute|computing|cloud|"
                            r"chips|GPUs|TPUs)"),
         pairs("compute", swap=True), (" buy", "bought", "purchas", "spen", "commit")),
    Rule("use-chips", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:us(?:e|es|ed|ing)|deploy\w*|run\w*|"
                               r"rent\w*|buy\w*|bought|purchas\w*|access\w*|train\w*|"
                               # "AWS will offer Nvidia's new superchips on EC2"
                               r"offer(?:s|ed|ing)?|add(?:s|ed|ing)?|bring(?:s|ing)?|brought)\b"
                               # ("deploy six gigawatts of AMD graphics processors": a
                               # maker's name before its chips, as the press writes it)
                               # ("run its applications on Microsoft's Azure cloud")
                               r"[^\ue000;]{0,60}?", L("tgt", possessive="optional"), r"\s+(?!own\b)",
                               rf"(?:{P}\s+)?(?:[\w-]+\s+){{0,2}}?", _CHIPS, r"\b"),
         lambda m, ctx: using_chips(m, ctx), (" use", " using", "deploy", " run", " rent", " buy", "bought",
                                       "purchas", "access", " train", " offer", " add", " bring",
                                       " brought")),
    # "Tesla would have about 85,000 of Nvidia's H100 chips", "Mistral deploying 18,000 of
    # Nvidia's latest Grace Blackwell chips", "placing a $1 billion order for Nvidia's GB300
    # servers": a count of a maker's chips held or bought, or an order for them
    Rule("chips-count", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:(?:hav(?:e|es|ing)|had|get(?:s|ting)?|"
                                 r"got|receiv\w*|order\w*|install\w*|deploy\w*|buy\w*|bought|"
                                 r"purchas\w*|acquir\w*|secur\w*|add(?:s|ed|ing)?|us(?:e|es|ed|ing)|"
                                 r"run\w*|rent\w*|lease[sd]?|leasing|spen(?:d|ds|ding|t)\s+(?:[\w-]+\s+){0,2}?"
                                 rf"{A}\s+on)\s+(?:(?:about|around|roughly|"
                                 r"some|nearly|almost|more\s+than|over|up\s+to|at\s+least)\s+)?"
                                 r"\d[\d,.]*(?:\s+(?:million|thousand))?\s+of|"
                                 r"(?:plac\w+|put\w*\s+in|sign\w*)\s+(?:(?:a|an|its)\s+)?"
                                 rf"(?:{A}\s+)?(?:[\w-]+\s+){{0,2}}?orders?\s+for)\s+",
                                 rf"(?P<tgt>{P})['’]s\s+(?:[\w-]+\s+){{0,3}}?", _CHIPS,
                                 r"\b(?!\s+(?:chip\s+)?(?:orders?|sales|shipments|revenue|demand)\b)"),
         pairs("compute", swap=True), (" of ", "order")),
    Rule("primary-provider", _pattern(rf"(?P<tgt>{P})", GAP, r"\b(?:mak(?:e|es|ing)|made|nam(?:e|es|ed|"
                                      r"ing)|select\w*|chos\w+|choos\w+|pick\w*|designat\w*)\s+",
                                      rf"(?P<inv>{P})\s+(?:as\s+)?(?:its|their)\s+(?:[\w-]+\s+){{0,2}}?"
                                      r"(?:cloud|compute|computing|training|infrastructure|chip|GPU)\s+"
                                      r"(?:partner|provider|supplier)"),
         pairs("compute"), _PROVIDER_TITLES),
    Rule("the-provider-for", _pattern(r"\b(?:mak(?:e|es|ing)|made|nam(?:e|es|ed|ing))\s+",
                                      rf"(?P<inv>{P})\s+(?:the|a|an)\s+(?:[\w-]+\s+){{0,2}}?(?:cloud|"
                                      r"compute|computing|training|infrastructure)\s+(?:partner|"
                                      rf"provider|supplier)\s+(?:for|of|to)\s+(?P<tgt>{P})"),
         pairs("compute"), _PROVIDER_TITLES),
    # "Y has picked Oracle Cloud Infrastructure to extend …": a cloud chosen is a provider
    Rule("pick-cloud", _pattern(rf"(?P<tgt>{P})", GAP, r"\b(?:pick(?:s|ed)?|select(?:s|ed)?|"
                                r"chose|chosen|choos(?:e|es|ing))\s+", rf"(?P<inv>{P})",
                                r"(?!['’])\s+(?:to|for|as)\b"),
         lambda m, ctx: [f for f in pairs("compute")(m, ctx) if _picked_for_compute(m, ctx, f)],
         (" pick", " select", " chose", " choos")),
    Rule("tap", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:tap(?:s|ped|ping)?|add(?:s|ed|ing)?|"
                         r"turn(?:s|ed)?\s+to|sign(?:s|ed)?\s+up)\s+", L("tgt"),
                         r"\s+(?:as\s+(?:a|an)\s+)?(?:[\w-]+\s+){0,2}?(?:(?:for|as)\s+",
                         r"[^\ue000;]{0,40}?\b(?:compute|computing|capacity|cloud|chips|GPUs|"
                         r"supplier|provider|inference))"),
         pairs("compute", swap=True, by_kind=True), (" tap", " add", " turn", " sign")),
    # --- licensing and acqui-hires
    # money for a company's people or technology: "Google spent $2.4 billion on Windsurf's
    # leadership", "Nvidia agreed to pay $20 billion for Groq's technology and top engineers",
    # "paid $2.7 billion to bring Character.AI's founders back"
    Rule("pay-for-people", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:pa(?:y|ys|id|ying)|spen(?:d|ds|ding|t))\s+",
                                    r"(?:[\w-]+\s+){0,2}?", A, r"\s+(?:for|on|to\s+(?:hire|bring|"
                                    r"poach|license|licence)(?:\s+(?:in|on|over|aboard))?)\s+(?:some\s+of\s+)?",
                                    rf"(?P<tgt>{P})['’]s?\s+(?:[\w-]+\s+){{0,2}}?(?P<what>{_PEOPLE}|"
                                    # (not "pay $8 billion for Cohere's models": bought or
                                    # licensed, the sentence does not say)
                                    r"technology|IP|intellectual\s+property)\b"),
         lambda m, ctx: _paid_for(m, ctx),
         (" pay", " paid", " spen")),
    Rule("pay", _pattern(rf"(?P<inv>{P})", GAP, r"\bpa(?:y|ys|id|ying)\s+", rf"(?P<tgt>{P})",
                         r"(?!['’])[^;]{0,120}"),
         paying, (" pay", " paid")),
    Rule("pay-to-license", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:pa(?:y|ys|id|ying)|spend\w*|spent)"
                                    r"\s+[^\ue000;]{0,50}?\bto\s+licen[cs]e\s+", rf"(?P<tgt>{P})",
                                    APOS),
         licensing, ("licen",)),
    Rule("license-of", _pattern(rf"(?P<inv>{P})", GAP, r"\blicen[cs](?:e|es|ed|ing)\s+",
                                rf"(?P<tgt>{P})['’]s?"),
         licensing, ("licen",)),
    # "Apple will license Gemini for Siri": a model licensed by its name (its maker licenses)
    Rule("license-product", _pattern(rf"(?P<inv>{P})", GAP, r"\blicen[cs](?:e|es|ed|ing)\s+"
                                     rf"(?P<tgt>{P})(?!['’])"),
         lambda m, ctx: [f for f in pairs("licensing")(m, ctx) if ctx.kinds[f.target] == "product"],
         ("licen",)),
    # "Reddit licenses its posts to Google and OpenAI", "Disney agreed to license more than
    # 200 of its characters to OpenAI": the licensor's own things, to each licensee
    Rule("license-to", _pattern(rf"(?P<tgt>{P})", GAP, r"\blicen[cs](?:e|es|ed|ing)\s+"
                                r"(?:(?:[\w-]+\s+){1,4}?of\s+)?(?:its|their)"
                                r"\s+(?:[\w-]+\s+){0,3}?to\s+", L("inv")),
         pairs("licensing"), ("licen",)),
    Rule("hire-staff", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:hire[sd]?|hiring|rehire[sd]?|"
                                r"poach\w*|acquir(?:e|es|ed|ing)|brought\s+on|took\s+on|"
                                r"(?:bring|brings|bringing|brought)\s+(?:aboard|on\s+board))\s+"
                                r"(?:(?:most|many|some|much|several|dozens|all|the)\s+(?:of\s+)?)?",
                                rf"(?P<tgt>{P})(?:['’]s?)?\s+(?:[\w-]+\s+){{0,2}}?(?:staff|team|"
                                r"employees|workforce|talent|founders?|co-founders?|researchers|"
                                r"engineers|executives|leadership|chief|CEO|people)"),
         pairs("acquihire"), ("hire", "hiring", "poach", "acqui", "brought on", "took on",
                              "aboard", "on board")),
    # --- joint ventures
    Rule("joint-venture", _pattern(L("inv"), GAP, r"\b(?:announc\w*|form\w*|launch\w*|set\s+up|"
                                   r"sets\s+up|creat\w*|establish\w*|team\w*\s+up|unveil\w*)\b"
                                   r"[^\ue000;]{0,80}?\b(?:joint[ -]venture|(?:investment\s+)?fund\b)"),
         joint_venture, ("joint venture", "joint-venture", " fund ", " fund,", " fund.")),
    # "MGX, Bpifrance, Mistral AI and Nvidia will set up a joint venture", "SoftBank will
    # form a joint venture with OpenAI", "TikTok … to Form U.S. Joint Venture With Oracle,
    # Silver Lake and MGX": the subject's and the object's lists, unwatched names skipped
    Rule("venture-listed", _pattern(r"\b(?:announc(?:e|es|ed|ing)|form(?:s|ed|ing)?|"
                                    r"launch(?:es|ed|ing)?|set(?:s|ting)?\s+up|creat(?:e|es|ed|ing)|"
                                    r"establish(?:es|ed|ing)?|unveil(?:s|ed|ing)?|"
                                    r"confirm(?:s|ed|ing)?|agree[sd]?\s+(?:on|to)|sign(?:s|ed|ing)?)\s+"
                                    r"(?:plans\s+for\s+)?(?:(?:a|an|the|their)\s+)?"
                                    r"(?:[\w$€£.,/\ue002\ue003-]+\s+){0,3}?(?:joint[ -]venture"
                                    # ("set up a 50-50 venture", "will set up a company in Japan")
                                    r"|(?:50-50|50/50|equally[- ]owned)\s+(?:venture|company)"
                                    r"|(?<=\sa\s)(?:new\s+)?company\b)"
                                    r"(?:\s+(?:deal|agreement|company))?(?P<with>,?\s+(?:together\s+)?"
                                    r"(?:with|between|of)\s+)?"),
         venture_listed, ("joint venture", "joint-venture", "50-50", "50/50", "equally", "company")),
    # "OpenAI, SoftBank and Oracle unveiled Stargate, a venture that …": the venture named
    # after its partners' verb
    Rule("venture-appositive", _pattern(r"\b(?:announc(?:e|es|ed)|form(?:s|ed)?|launch(?:es|ed)?|"
                                        r"set\s+up|creat(?:e|es|ed)|unveil(?:s|ed)|establish(?:es|ed))\s+"
                                        r"(?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*,\s+(?:a|an|the)\s+"
                                        r"(?:[\w$€£\ue002\ue003-]+\s+){0,3}?(?:joint[ -])?venture\b"
                                        # (not "a venture-backed start-up", "a venture capital
                                        # firm")
                                        r"(?![-’']|\s+(?:capital|fund|firm|arm|debt|studio|"
                                        r"builder|partner))"),
         venture_listed, ("venture",)),
    # "a consortium of France's Bpifrance, the UAE investment firm MGX, Nvidia and Mistral AI"
    Rule("consortium-of", _pattern(r"\bconsortium\s+(?:of|including|made\s+up\s+of|comprising|"
                                   r"formed\s+by|led\s+by)\s+(?!(?:[\w-]+\s+)?(?:lenders|banks|"
                                   r"creditors|investors|bondholders)\b)"),
         lambda m, ctx: _venture(m, ctx, list(dict.fromkeys(_object_list(ctx, m.end()))), False),
         ("consortium",)),
    # "Stargate, the $500bn joint venture OpenAI, SoftBank and Oracle unveiled", "the joint
    # venture SoftBank and OpenAI set up last year"
    Rule("venture-named", _pattern(r"\bjoint[ -]venture\s+(?:that\s+)?(?P<list>(?:[^\ue000;]{0,40}?",
                                   P, r"){2,}?)(?:['’]s\s+\w+\s+)?\s+(?:(?:had|has|have)\s+)?",
                                   r"(?:announced|formed|set\s+up|created|launched|founded|"
                                   r"established|started|unveiled)\b"),
         venture_named, ("joint venture", "joint-venture")),
    # --- distribution: a platform offers a lab's models
    Rule("models-via", _pattern(rf"(?P<tgt>{P})", GAP, r"\b(?:offer\w*|mak\w+|sell\w*|provid\w+)\s+",
                                r"(?:its|their)\s+(?:\w+\s+){0,2}models\s+(?:available\s+)?",
                                r"(?:via|through|on)\s+", L("inv", possessive="optional")),
         pairs("distribution", tail=False), ("models",)),
    Rule("access-through", _pattern(r"\boffer\s+access\s+through\s+", rf"(?P<inv>{P})", r",?\s+to\s+",
                                    GAP, r"\bmodels\b", GAP, r"(?:such\s+as|including|like)\s+",
                                    L("tgt")),
         pairs("distribution", tail=False), ("offer access",)),
    # "Bharti Airtel will give its 360 million subscribers a free year of Perplexity Pro",
    # "SoftBank has offered Perplexity Pro to its subscribers", "Motorola preloads Perplexity
    # on its phones": a carrier's or a device maker's customers get a lab's product
    Rule("offer-subscribers", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:giv(?:e|es|ing)|gave|offer\w*|"
                                       r"provid\w*|bundl\w*)\s+(?:its|their)\s+(?:[\w-]+\s+){0,4}?"
                                       r"(?:subscribers|customers|users|members)\s+(?:(?:a|an)\s+)?"
                                       r"(?:free\s+)?(?:(?:[\w-]+\s+)?(?:year|years|months?|trial|"
                                       r"subscriptions?|access)\s+(?:of|to)\s+)?", rf"(?P<tgt>{P})"),
         offered_product,
         ("subscribers", "customers", "users", "members")),
    Rule("offer-to-subscribers", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:offer\w*|bundl\w*|preload\w*|"
                                          r"pre-?install\w*|giv(?:e|es|ing)|gave)\s+",
                                          rf"(?P<tgt>{P})", r"(?:\s+[\w-]+){0,2}?\s+(?:to|for|on|with)\s+"
                                          r"(?:its|their)\s+(?:[\w-]+\s+){0,3}?(?:subscribers|"
                                          r"customers|users|phones|handsets|devices|smartphones)\b"),
         offered_product,
         ("subscribers", "customers", "users", "phones", "handsets", "devices")),
    # ("Mistral's models are also sold to corporate customers through Microsoft's Azure cloud")
    Rule("models-available", _pattern(rf"(?P<tgt>{P})", APOS, r"\s+(?:[\w-]+\s+){0,3}?models?\s+",
                                      r"(?:(?:are|is|will\s+be|were|was|became|become|have\s+been|"
                                      r"has\s+been)\s+)?(?:(?:now|also|first|already)\s+)*(?:available|"
                                      r"offered|hosted|sold|resold|distributed)\s+(?:first\s+)?"
                                      r"(?:to\s+(?:[\w-]+\s+){0,3}?(?:customers|clients|users|"
                                      r"developers)\s+)?(?:on|via|through|in)\s+",
                                      rf"(?:{P}['’]s\s+)?(?P<inv>{P})"),
         pairs("distribution", tail=False), ("available", "offered", "hosted", " sold", "resold",
                                             "distributed")),
    Rule("make-available", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:mak(?:e|es|ing)|made)\s+",
                                    rf"(?P<tgt>{P})(?:['’]s)?\s+(?:(?:{P}|[\w-]+)\s+){{0,3}}?",
                                    r"(?:available|accessible)\b(?:\s+(?:to|on|via|through|in|"
                                    rf"inside)\s+(?:[\w-]+\s+){{0,2}}?(?P<inv2>{P}))?"),
         lambda m, ctx: hosting(m, ctx, product=True), ("available", "accessible")),
    # ("Salesforce and Google announced a partnership that brings Google's Gemini models into
    # Agentforce": the partner that is not the models' maker offers them)
    Rule("host-models", _pattern(L("inv"), _CLAUSE_GAP, r"\b(?:host\w*|offer\w*|add\w*|bring\w*|"
                                 r"integrat\w*|deploy\w*|distribut\w*|sell(?:s|ing)?|resell\w*)\s+"
                                 # ("will sell access to Google's Gemini models")
                                 r"(?:access\s+to\s+)?(?:models\s+from\s+)?",
                                 # ("Grok 3", "xAI's Grok", "Meta's Llama models", "Mistral AI's
                                 # flagship Mistral Large 2 model")
                                 rf"(?P<tgt>{P})", _VERSION, r"(?:['’]s\s+(?:", rf"(?P<model>{P})", _VERSION,
                                 r"\s+)?(?:(?:[\w.-]+\s+){0,4}?models?\b)?|\s+(?:[\w-]+\s+)?models?\b)?",
                                 r"\s*(?:(?:on|in|to|into|via|through)\s+", rf"(?P<inv2>{P}))?"),
         lambda m, ctx: hosting(m, ctx, product=True), (" host", " offer", " add", " bring",
                                                        "integrat", "deploy", "distribut", " sell",
                                                        "resell")),
    # "X carries/hosts (the latest) models from A, B and C"
    Rule("models-from", _pattern(rf"(?P<inv>{P})", GAP, r"\b(?:host\w*|offer\w*|add\w*|bring\w*|"
                                 r"carr(?:y|ies|ied|ying)|list\w*|sell\w*|feature\w*)\s+"
                                 r"(?:[\w-]+\s+){0,2}?models\s+from\s+", L("tgt")),
         lambda m, ctx: hosting(m, ctx), ("models from",)),

    # --- issue 14, round 4
    # "A led a $N round in Y, with B and C participating": the lead is not watched (no party
    # before "led"), the watched participants are the round's members
    Rule("unwatched-lead", _pattern(r"(?<![\ue001’'])\s(?:also\s+)?(?:co-)?(?:led|leads|leading|lead)\s+",
                                    rf"(?:(?:the|a|an)\s+)?(?:{A}\s+)?(?:[\w-]+\s+){{0,3}}?",
                                    _LED_ROUND, r"\s+(?:[\w-]+\s+){0,2}?(?:in|for|of|into)\s+",
                                    rf"(?P<tgt>{P})"),
         lambda m, ctx: raising(m, ctx), (" led ", " lead", "leading")),
    # "Y's $N funding, led by A, also drew B and C": the round named by its company
    # (both only where no party comes before: anchored at the sentence's start, they stop at
    # its first party)
    Rule("round-of", _pattern(rf"^[^\ue000]*?(?P<tgt>{P})['’]s\s+(?:{A}\s+)?(?:[\w-]+\s+){{0,3}}?",
                              _ROUND, r"\b(?!\s+(?:in|for|of|into)\s)"),
         lambda m, ctx: raising(m, ctx), ("round", "funding", "financing", "series", "raise")),
    Rule("round-in", _pattern(r"^[^\ue000]*?\b(?:the|a|an|its|their)\s+", rf"(?:{A}\s+)?",
                              r"(?:[\w-]+\s+){0,3}?", _ROUND, r"\s+(?:in|for|of|into)\s+",
                              rf"(?P<tgt>{P})"),
         lambda m, ctx: raising(m, ctx), ("round", "funding", "financing", "series", "raise")),
    # "Y announced a strategic investment from X"
    # (and in a headline's words: "OpenAI Gets Multibillion-Dollar Lifeline From Microsoft",
    # "Y Snags Funding From X's Vision Fund")
    Rule("investment-from", _pattern(rf"(?P<tgt>{P})", GAP, r"\b(?:announc|receiv|secur|land|"
                                     r"got|gets|won|wins|clos|complet|accept|tak|snag|nab|bag|"
                                     r"pull|rak)\w*\s+(?:(?:a|an|"
                                     rf"the|new|fresh)\s+)?(?:{A}\s+)?(?:[\w-]+\s+){{0,2}}?"
                                     r"(?:investment|funding|backing|financing|capital|lifeline|"
                                     r"cash|money|injection|infusion|funds)\s+from\s+"
                                     r"(?:[\w-]+\s+){0,2}?", L("inv", possessive="optional")),
         pairs("investment"), ("investment from", "funding from", "backing from",
                               "financing from", "capital from", "lifeline from", "cash from",
                               "money from", "injection from", "infusion from", "funds from")),
    # A cumulative stake: "X's latest injection takes its total investment in Y to $N", "the
    # deal brings X's total investment in Y to $N": the total, an earlier deal's sum
    Rule("cumulative", _pattern(L("inv", possessive="optional"), r"(?P<gap>", GAP, r")\b(?:brings?|"
                                r"bringing|brought|takes?|taking|took|lifts?|lifting|lifted|"
                                r"raises?|raising|raised|push(?:es|ed|ing)?|boost\w*)\s+",
                                r"(?:its|their|his|her)\s+", _CUMULATIVE),
         lambda m, ctx: cumulative(m, ctx), ("total", "overall", "cumulative", "combined")),
    Rule("cumulative-of", _pattern(r"\b(?:brings?|bringing|brought|takes?|taking|took|lifts?|"
                                   r"lifting|lifted|raises?|raising|raised|push(?:es|ed|ing)?|"
                                   r"boost\w*)\s+", L("inv", possessive="required"), r"\s+",
                                   _CUMULATIVE),
         lambda m, ctx: cumulative(m, ctx), ("total", "overall", "cumulative", "combined")),
    # An ownership share stated as the deal: "Amazon is Anthropic's largest investor",
    # "Anthropic, in which Alphabet owns about 14%,"
    Rule("is-holder", _pattern(L("inv"), r"\s+(?:is|are|was|were|remains?|has\s+been|have\s+"
                               r"been)\s+(?:(?:also|still)\s+)?", rf"(?P<tgt>{P})['’]s\s+(?:[\w-]+\s+){{0,2}}?"
                               r"(?:backer|investor|shareholder|stakeholder|funder|owner)s?\b"),
         background_pairs("investment"), ("backer", "investor", "shareholder", "funder", "owner")),
    # the same, told the other way round: "Anthropic's largest investor is Amazon",
    # "Mistral's best-known corporate backer had been Microsoft"
    Rule("holder-is", _pattern(rf"(?P<tgt>{P})['’]s\s+(?:[\w-]+\s+){{0,3}}?(?:backer|investor|"
                               r"shareholder|stakeholder|funder|owner)s?\s+(?:to\s+date\s+|so\s+far\s+)?"
                               r"(?:is|are|was|were|remains?|has\s+been|have\s+been|had\s+been)\s+"
                               r"(?:(?:also|still|now)\s+)?", L("inv"), r"(?!['’])"),
         background_pairs("investment"), ("backer", "investor", "shareholder", "funder", "owner")),
    # "Anthropic is roughly 14% owned by Google"
    Rule("owned-by", _pattern(rf"(?P<tgt>{P})\s+(?:is|are|was|were|remains?)\s+(?:[\w-]+\s+){{0,2}}?"
                              r"(?:\d+(?:\.\d+)?\s?(?:%|per\s?cent)|partly|partially|majority|"
                              r"minority|jointly)[- ]owned\s+by\s+", L("inv")),
         background_pairs("investment"), ("owned by",)),
    # "Periscope Data — now owned by Sisense — is …", "LinkedIn, which is owned by Microsoft,":
    # the owner bought it, as in "Microsoft-owned LinkedIn" (a share owned is a stake: above)
    Rule("owned-by-aside", _pattern(rf"(?P<tgt>{P})\s*(?:,|—|–|--|\()\s*(?:which\s+is\s+|that\s+is\s+)?"
                                    r"(?:now\s+|also\s+)?(?:wholly\s+)?owned\s+by\s+", L("inv"),
                                    # ("LinkedIn, owned by Microsoft since its 2016 takeover,")
                                    rf"(?:{_ASIDE_END}|\s(?:since|after|following)\b)"),
         background_pairs("acquisition"), ("owned by",)),
    # "Amazon has committed $8 billion to Anthropic" (money, not "committed to using")
    Rule("commit-to", _pattern(L("inv"), GAP, r"\bcommit(?:s|ted|ting)?\s+(?:(?:[\w-]+)\s+){0,2}?",
                               A, r"\s+(?:(?:[\w-]+)\s+){0,2}?to\s+", _FILL, L("tgt"),
                               r"(?!['’])"),
         lambda m, ctx: [f for f in filled("investment")(m, ctx)
                         if ctx.kinds[f.target] in ("lab", "company")],
         ("commit",)),
    # "Anthropic, in which Alphabet owns about 14%", "G42, in which Microsoft invested $1.5
    # billion last year,", "Mistral, the French lab in which Nvidia took a stake"
    Rule("in-which-holds", _pattern(_DESCRIBED, r"in\s+which\s+", L("inv"),
                                    r"\s+(?:(?:has|have|had)\s+)?(?:also\s+|already\s+|first\s+|both\s+|"
                                    r"previously\s+|since\s+|now\s+|reportedly\s+)?"
                                    r"(?:owns|holds?|has|had|controls?|held|owned|own|"
                                    r"invested(?!\s+(?:time|effort|energy|attention|resources)\b)|"
                                    # (money, not "put its trust")
                                    r"(?:poured|put|pumped|sank|sunk|ploughed|plowed|injected)"
                                    rf"(?=\s+(?:(?:about|some|around|nearly|more\s+than|over)\s+)?(?:{A}|(?:billions|millions|money|cash)\b))|"
                                    rf"(?:took|bought|acquired|built)\s+(?:an?\s+)?(?:[\w%.-]+\s+|{A}\s+){{0,2}}?stake)\b"),
         in_which_holder(), ("in which",)),
    # A cloud chosen, phrased as a designation: "Anthropic makes AWS its primary training
    # partner", "xAI named Oracle Cloud the main provider for its training runs", "the deal
    # makes AWS Anthropic's primary cloud", "AWS will be Anthropic's primary cloud provider"
    # (the verb is read before the party: patterns that open on a party marker are scanned
    # for it, not tried at every word)
    # (one pattern for the three, opening on the designated party: scanned for its marker,
    # not tried at every word; the verb before it is read by the builder)
    Rule("designate", _pattern(rf"(?P<inv>{P})\s+(?:(?P<copula>(?:will\s+(?:also\s+)?(?:be(?:come)?|remain)|"
                               r"becomes|became|is\s+(?:now\s+)?becoming|has\s+become|is\s+now|"
                               r"is|remains|continues\s+to\s+be|was|were|had\s+been)\s+"
                               r"(?:(?:also|still)\s+)?))?"
                               r"(?:as\s+)?(?:(?P<tgt>",
                               P, r")['’]s\s+|(?:its|their|the|a|an)\s+)?", _PROVIDER_TITLE),
         lambda m, ctx: designation(m, ctx), _DESIGNATIONS),
    # told the other way round: "Anthropic's primary cloud provider is AWS", "OpenAI's main
    # cloud provider remains Microsoft"
    Rule("provider-is", _pattern(rf"(?P<tgt>{P})['’]s\s+", _PROVIDER_TITLE, r"\s+(?:to\s+date\s+)?",
                                 r"(?P<copula>(?:is|are|was|were|remains?|has\s+been|had\s+been)\s+"
                                 r"(?:(?:also|still|now)\s+)?)", rf"(?P<inv>{P})(?!['’])"),
         lambda m, ctx: designated(m, ctx), _DESIGNATIONS),
    # "OpenAI moved its primary cloud from Microsoft to Oracle", "Y is shifting workloads to X"
    Rule("move-to", _pattern(rf"(?P<tgt>{P})", GAP, r"\b(?:mov|shift|switch|migrat|transfer)\w*\s+"
                             r"(?:(?:its|their|some|most|all|part)\s+)?[^;\ue000]{0,50}?"
                             rf"(?:\bfrom\s+{P}\s+)?\bto\s+(?P<inv>{P})"),
         lambda m, ctx: [f for f in pairs("compute", by_kind=True)(m, ctx)
                         if COMPUTE_WORDS.search(m.group()) or ctx.kinds[f.investor] == "cloud"],
         (" mov", " shift", " switch", "migrat", "transfer")),
    # "Grok will be available to Azure customers through Azure AI Foundry", "Grok is coming
    # to Azure": a model named by its product name, offered on a platform
    Rule("product-available", _pattern(rf"(?P<tgt>{P})", _VERSION, r"\s+(?:(?:[\w-]+\s+)?models?\s+)?"
                                       r"(?:(?:is|are|will\s+be|becomes?|became)\s+"
                                       r"(?:(?:now|also|already)\s+)?"
                                       r"(?:available|offered|hosted|coming|arriving|launching)|"
                                       # "Grok 3 arrives on Azure", "Llama lands on Bedrock"
                                       r"(?:now\s+)?(?:arriv(?:e|es|ed)|lands|landed|debut(?:s|ed)|"
                                       r"comes|came))\s+"
                                       rf"(?:to\s+{P}\s+(?:customers|users|developers|clients)\s+)?"
                                       # "available as a fully managed model in Bedrock"
                                       r"(?:as\s+(?:a|an)\s+(?:[\w-]+\s+){0,3}?(?:models?|"
                                       r"services?|options?|offerings?)\s+)?"
                                       r"(?:first\s+)?(?:on|via|through|in|to|inside)\s+"
                                       rf"(?:[\w-]+\s+){{0,2}}?(?P<inv>{P})",
                                       # (not a release on every cloud: "available on AWS,
                                       # Google Cloud and Azure")
                                       rf"(?!\s*,\s*{P}|,?\s+(?:and|&)\s+{P})"),
         lambda m, ctx: hosting(m, ctx, product=True), ("available", "offered", "hosted", "coming",
                                                        "arriv", "launching", "lands", "landed",
                                                        "debut", "comes", "came")),
    # "AWS customers will be able to use the start-up's Claude models through Bedrock": a
    # maker's models used through a platform
    Rule("use-models-through", _pattern(r"\b(?:use|access|run|call|tap|try)\s+(?:the\s+)?",
                                        rf"(?P<tgt>{P})(?:['’]s)?\s+(?:(?:[\w.-]+|{P})\s+){{0,3}}?",
                                        r"models?\s+(?:through|via|on)\s+(?:(?:the|its|"
                                        rf"their)\s+)?(?:[\w-]+\s+){{0,2}}?(?P<inv>{P})(?!['’])",
                                        # (not a release on every cloud: "on AWS, Azure and Google
                                        # Cloud"; "Bedrock, Amazon's service" is an aside)
                                        rf"(?!\s*,\s*{P}(?!['’])|,?\s+(?:and|&)\s+{P})"),
         pairs("distribution", tail=False), ("model",)),
    # "Microsoft Foundry customers will gain access to Anthropic's frontier models": a
    # platform's customers reach another's models through it
    Rule("customers-access", _pattern(rf"(?P<inv>{P})\s+(?:[\w-]+\s+){{0,2}}?(?:customers|users|"
                                      r"developers|clients|subscribers)\s+(?:(?:will|can|could|now)\s+)?"
                                      r"(?:gain|get|have|receive|be\s+given)s?\s+access\s+to\s+",
                                      rf"(?P<tgt>{P})['’]s?\s+(?:[\w.-]+\s+){{0,3}}?models?\b"),
         pairs("distribution", tail=False), ("access to",)),
    # --- round 5 (tests/data/deals_fresh.jsonl: the families of its `tune5` and `check5` parts)
    # "Y sold a 4% stake to X", "Y is selling shares to X": the buyer invests
    Rule("sell-stake", _pattern(L("tgt"), GAP, r"\b(?:sell|sells|sold|selling)\s+", _WORDS, "{0,5}?",
                                r"(?:stakes?|shares|equity|holdings?)\s+(?:in\s+itself\s+)?to\s+",
                                r"(?:[\w-]+\s+){0,2}?", L("inv")),
         pairs("investment"), ("sell", "sold")),
    # "Y is selling itself to X", "Y agreed to sell itself to X": an acquisition
    Rule("sell-itself", _pattern(L("tgt"), GAP, r"\b(?:sell|sells|sold|selling)\s+(?:itself|"
                                 r"the\s+company|the\s+business)\s+to\s+", L("inv")),
         pairs("acquisition"), ("itself to", "company to", "business to")),
    # "Y, whose investors include A and B, …": a stake held, background
    Rule("whose-backers", _pattern(rf"(?P<tgt>{P}),?\s+whose\s+(?:[\w-]+\s+)?(?:investors|backers|"
                                   r"shareholders|funders)\s+(?:also\s+)?(?:include|included|includes|"
                                   r"are|were)\s+", L("inv")),
         background_pairs("investment"), ("whose",)),
    # "X tops up its Anthropic stake", "X ups its stake in Y": money on top of a stake
    Rule("top-up", _pattern(L("inv"), GAP, r"\b(?:top(?:s|ped|ping)?\s+up|up(?:s|ped|ping)?|"
                            r"rais(?:e|es|ed|ing)|increas(?:e|es|ed|ing)|boost(?:s|ed|ing)?|"
                            r"lift(?:s|ed|ing)?)\s+(?:its\s+|their\s+)?",
                            rf"(?:(?P<tgt>{P})(?:{APOS})?\s+(?:stake|investment|holding)\b|"
                            rf"(?:stake|investment|holding)\s+in\s+(?P<tgt2>{P}))"),
         lambda m, ctx: _top_up(m, ctx),
         ("top", " up", "rais", "increas", "boost", "lift")),
    # "X approached Y about an acquisition": talks (the status words say how they ended)
    Rule("approached-about", _pattern(L("inv"), GAP, r"\bapproach(?:ed|es)?\s+", _FILL, L("tgt"),
                                      r"\s+(?:about|over|regarding|with)\s+(?:(?:a|an|the)\s+)?"
                                      r"(?:[\w-]+\s+)?(?P<noun>takeover|acquisition|buyout|purchase|"
                                      r"investment|sale)"),
         lambda m, ctx: pairs("investment" if m.group("noun").lower() == "investment"
                              else "acquisition")(m, ctx) if fill_ok(m.group("fill")) else [],
         ("approach",)),
    # "Y is in discussions with X about a cloud deal": a deal in talks, its kind as any deal's
    Rule("talks-about-deal", _pattern(L("inv"), GAP, r"\b(?:in|held|holding|hold|holds|began|"
                                      r"started|opened|entered)\s+(?:(?:early|advanced|final|"
                                      r"preliminary|exclusive)\s+)?(?:talks|discussions|"
                                      r"negotiations)\s+with\s+", L("tgt"),
                                      r"\s+(?:about|over|on|for|regarding|toward|towards)\s+"
                                      r"(?:(?:a|an|the|its|their|possible|potential)\s+)?",
                                      _WORDS, "{0,5}?", _DEAL_NOUN, r"\b"),
         generic, ("talks with", "discussions with", "negotiations with")),
    # "the acquisition of Y by X", "the $1.7 billion purchase of Y by X"
    Rule("acquisition-of-by", _pattern(r"\b(?:acquisition|purchase|takeover|buyout)\s+of\s+",
                                       _FILL, rf"(?P<tgt>{P})\s+by\s+", L("inv")),
         filled("acquisition"), ("acquisition of", "purchase of", "takeover of", "buyout of")),
    # "In a deal with Oracle, OpenAI will rent …": the deal's two parties, its kind by its words
    Rule("in-deal-with", _pattern(r"\b(?:in|under)\s+(?:a|an|the|its)\s+(?:[\w-]+\s+){0,3}?",
                                  _DEAL_NOUN, r"\s+with\s+", rf"(?P<tgt>{P}),\s+", L("inv")),
         generic, ("deal with", "agreement with", "contract with", "partnership with")),
    # "Meta's reported talks with Oracle over a cloud deal"
    Rule("talks-possessive", _pattern(L("inv", possessive="required"), r"\s+(?:[\w-]+\s+)?"
                                      r"(?:talks|discussions|negotiations)\s+with\s+", L("tgt"),
                                      r"\s+(?:about|over|on|for|regarding)\s+(?:(?:a|an|the)\s+)?",
                                      _WORDS, "{0,5}?", _DEAL_NOUN, r"\b"),
         generic, ("talks with", "discussions with", "negotiations with")),
    # "OpenAI grants Microsoft rights to its models": the grantee licenses them
    Rule("grant-rights", _pattern(rf"(?P<tgt>{P})", GAP, r"\bgrant(?:s|ed|ing)?\s+", L("inv"),
                                  r"\s+(?:(?:[\w-]+)\s+){0,2}?(?:rights?|licen[cs]es?|access)\s+"
                                  r"(?:to|for|of)\b"),
         pairs("licensing"), ("grant",)),
    # "Reddit will receive $60 million a year from Google for access to its posts": paid for
    # use, a licence
    Rule("paid-for-access", _pattern(rf"(?P<tgt>{P})", GAP, r"\b(?:receiv\w*|get|gets|got|earn\w*|"
                                     r"be\s+paid)\s+(?:[\w-]+\s+){0,2}?", A, r"[^\ue000;]{0,30}?\s+"
                                     r"from\s+", L("inv"), r"\s+(?:for\s+(?:access|the\s+(?:right|"
                                     r"use))|to\s+(?:use|access|train))\b"),
         pairs("licensing"), ("for access", "for the right", "for the use", "to use", "to access",
                              "to train")),
    # "a joint venture between India's Tata Group and Airbus"
    Rule("venture-between", _pattern(r"\bjoint[ -]ventures?\s+(?:between|of|with)\s+",
                                     r"(?:[\w-]+['’]s\s+)?", L("inv"),
                                     r"(?!\s+(?:and|&)\b)"),
         joint_venture, ("joint venture", "joint-venture")),
    # a venture named and then said who formed it: "Stargate, the data-center venture OpenAI
    # formed in January with SoftBank and Oracle", "the consortium, formed last year by
    # BlackRock, Microsoft and MGX"
    Rule("venture-formed-with", _pattern(r"\b(?:joint[ -])?(?:venture|consortium)\s+(?:that\s+)?",
                                         rf"(?P<one>{P})\s+(?:(?:had|has|have)\s+)?{_FORMED}\s+",
                                         r"(?:[\w-]+\s+){0,3}?with\s+", L("inv"), r"(?!['’])"),
         lambda m, ctx: _venture_of(m, ctx, ctx.parties(m.group("one"))),
         ("venture", "consortium")),
    Rule("venture-formed-by", _pattern(r"\b(?:joint[ -])?(?:venture|consortium)s?,?\s+(?:which\s+was\s+"
                                       r"|that\s+was\s+)?", _FORMED, r"\s+(?:[\w-]+\s+){0,3}?by\s+",
                                       L("inv"), r"(?!['’])"),
         lambda m, ctx: _venture_of(m, ctx, []), ("venture", "consortium")),
    # the same with partners the watchlist lacks ("formed last year by BlackRock, Global
    # Infrastructure Partners, Microsoft and MGX")
    Rule("venture-formed-by-listed", _pattern(r"\b(?:joint[ -])?(?:venture|consortium)s?,?\s+"
                                              r"(?:which\s+was\s+|that\s+was\s+)?", _FORMED,
                                              r"\s+(?:[\w-]+\s+){0,3}?by\s+"),
         lambda m, ctx: _venture(m, ctx, list(dict.fromkeys(_object_list(ctx, m.end()))), True),
         ("venture", "consortium")),
    # --- round 6: a party named inside the deal's noun phrase, as headlines and ledes name
    # it ("SoftBank leads $40 billion OpenAI round", "Amazon lands $38 billion OpenAI cloud
    # contract"), found missing by a grid of the plain forms of each kind
    # "X leads $N Y round", "X to co-lead Y's Series B": the lead of Y's round
    Rule("lead-premodifier", _pattern(L("lead"), GAP, r"\b(?:co-)?(?:lead|leads|leading|led)\s+",
                                      _BEFORE_PREMODIFIER, _PREMODIFIER, _ROUND, r"\b"),
         leading,
         (" lead", " led", "co-lead", "co-led")),
    # "Meta joined Databricks' $10 billion Series J", "Nvidia backed Mistral AI's €600 million
    # round", "A and B took part in the $N Y round": members of Y's round
    Rule("join-premodifier", _pattern(L("part"), GAP, r"\b(?:join(?:s|ed|ing)?|back(?:s|ed|ing)?|"
                                      r"participat(?:e|es|ed|ing)\s+in|t(?:ake|akes|ook|aking)\s+"
                                      r"part\s+in|c(?:ome|omes|ame)\s+in\s+on|invest(?:s|ed|ing)?"
                                      r"\s+in)\s+", _BEFORE_PREMODIFIER, _PREMODIFIER, _ROUND, r"\b"),
         leading,
         (" join", " back", "particip", "part in", "in on", "invest")),
    # "Nvidia, Nokia and Dell came in as strategic investors in Nscale's round"
    Rule("came-in-as", _pattern(L("part"), GAP, r"\b(?:c(?:ome|omes|ame)\s+in|sign(?:s|ed)\s+on|"
                                r"join(?:s|ed)?)\s+as\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+)?"
                                r"(?:investors?|backers?)\b(?:\s+in\s+", _PREMODIFIER_OR_OWNER,
                                r"(?:[\w-]+\s+){0,3}?", _ROUND, r")?"),
         leading,
         ("as strategic", "as investor", "as backer", "as an investor", "as a backer",
          "as the lead", "as lead", "as new", "as early")),
    # "X lands/wins/signs a $38 billion Y cloud contract": a deal named by its other party
    Rule("deal-premodifier", _pattern(L("inv"), GAP, r"\b(?:land(?:s|ed|ing)?|win(?:s|ning)?|won|"
                                      r"secur(?:e|es|ed|ing)|bag(?:s|ged)?|nab(?:s|bed)?|"
                                      r"sign(?:s|ed|ing)?|ink(?:s|ed|ing)?|strik(?:e|es|ing)|"
                                      r"struck|clinch(?:es|ed)?|scor(?:e|es|ed)|seal(?:s|ed|ing)?|"
                                      r"expand(?:s|ed|ing)?|extend(?:s|ed|ing)?|renew(?:s|ed|ing)?|"
                                      r"boost(?:s|ed|ing)?|deepen(?:s|ed|ing)?|broaden(?:s|ed|ing)?)"
                                      r"\s+", _BEFORE_PREMODIFIER, _PREMODIFIER,
                                      r"(?P<noun>deal|contract|pact|agreement|order)s?\b"),
         generic,
         (" land", " win", " won", " secur", " bag", " nab", " sign", " ink", "strik", "struck",
          "clinch", "scor", " seal", "expand", "extend", "renew", "boost", "deepen", "broaden")),
    # "AWS wins $38 billion contract from OpenAI": a contract awarded
    Rule("contract-from", _pattern(L("inv"), GAP, r"\b(?:land(?:s|ed|ing)?|win(?:s|ning)?|won|"
                                   r"secur(?:e|es|ed|ing)|bag(?:s|ged)?|nab(?:s|bed)?|"
                                   r"receiv(?:e|es|ed|ing)|get|gets|got)\s+(?:(?:a|an|the)\s+)?"
                                   r"(?:new\s+)?(?:", A, r"\s+)?(?:[\w-]+\s+){0,3}?"
                                   r"(?:contract|order|deal)s?\s+from\s+", L("tgt")),
         generic,
         ("contract from", "order from", "deal from", "contracts from", "orders from")),
    # "Y agrees to $700 million takeover by X", "Y backs a sweetened buyout by X"
    Rule("takeover-by", _pattern(L("tgt"), GAP, r"\b(?:takeover|acquisition|buyout|purchase)\s+"
                                 r"by\s+", L("inv")),
         pairs("acquisition"), ("takeover by", "acquisition by", "buyout by", "purchase by")),
    # "Nvidia's $700 million deal for Run:ai": a deal for a company, its purchase
    Rule("deal-for-possessive", _pattern(L("inv", possessive="required"), r"\s+(?:", A, r"\s+)?"
                                         r"(?:[\w-]+\s+){0,2}?(?:deal|bid|offer|swoop)\s+for\s+",
                                         _FILL, L("tgt"), _NOT_THE_COMPANY),
         filled("acquisition"), ("deal for", "bid for", "offer for", "swoop for")),
    # "Wiz sells to Google for $32 billion": a company sold
    Rule("sells-to", _pattern(L("tgt"), r"\s+(?:(?:has|have|had|will|to|agrees\s+to|agreed\s+to)\s+)?"
                              r"(?:sell|sells|sold)\s+to\s+", L("inv"), r"(?!['’])"),
         pairs("acquisition"), ("sell to", "sells to", "sold to")),
    # "Broadcom to make custom AI chips for OpenAI", "Samsung signs $16.5 billion deal to make
    # chips for Tesla": chips made for a buyer
    Rule("make-chips-for", _pattern(L("inv"), GAP, r"\b(?:mak(?:e|es|ing)|made|build(?:s|ing)?|"
                                    r"built|design(?:s|ed|ing)?|manufactur(?:e|es|ed|ing)|"
                                    r"produc(?:e|es|ed|ing)|suppl(?:y|ies|ied|ying)|"
                                    r"deliver(?:s|ed|ing)?)\s+(?:[\w-]+\s+){0,3}?(?:chips?|"
                                    r"processors?|accelerators?|semiconductors?|silicon|servers?|"
                                    r"supercomputers?|GPUs?|memory)\s+for\s+", L("tgt"),
                                    r"(?!['’])"),
         pairs("compute"), ("chip", "processor", "accelerator", "semiconductor", "silicon",
                            "server", "supercomputer", "gpu", "memory")),
    # "G42 will build a 1-gigawatt AI computing cluster in Abu Dhabi for OpenAI", "Crusoe is
    # developing a campus in Abilene for Oracle", "AWS will host a new AI supercomputer for
    # Nvidia's research team": computing built or run for a buyer
    Rule("build-site-for", _pattern(L("inv"), r"\s+(?:[\w-]+\s+){0,5}?(?:build(?:s|ing)?|built|"
                                    r"develop(?:s|ed|ing)?|construct(?:s|ed|ing)?|host(?:s|ed|ing)?|"
                                    r"operat(?:e|es|ed|ing)|run(?:s|ning)?|ran)\s+"
                                    r"(?:[^\ue000;]{0,50}?\s)?(?:data[- ]cent(?:er|re)s?|clusters?|"
                                    r"supercomputers?|campus(?:es)?|servers|capacity|"
                                    r"(?:AI|computing|compute)\s+(?:sites?|facilit(?:y|ies)|"
                                    r"infrastructure))\b[^\ue000;]{0,50}?\bfor\s+",
                                    L("tgt", possessive="optional")),
         # (not "for Nvidia's newest Blackwell chips": what it is for)
         lambda m, ctx: [] if _FOR_CHIPS.match(ctx.text, m.end("tgt")) else pairs("compute")(m, ctx),
         (" build", " built", "develop", "construct", " host", "operat", " run", " ran")),
    # "SpaceX and xAI are discussing a merger", "A and B weigh a combination"
    Rule("merger-talks", _pattern(L("inv"), r"\s+(?:are|were|have\s+been|had\s+been)?\s*(?:in\s+)?"
                                  r"(?:discuss\w*|weigh\w*|consider\w*|explor\w*|negotiat\w*|"
                                  r"talks\s+(?:on|about|over))\s+(?:(?:a|an|the)\s+)?"
                                  r"(?:possible\s+|potential\s+)?(?:merger|combination)\b"),
         lambda m, ctx: _among(m, ctx, "merger"), ("merger", "combination")),
    # "G42 lands $1.5 billion Microsoft investment": money received, named by its investor
    Rule("received-premodifier", _pattern(L("tgt"), GAP, r"\b(?:land(?:s|ed)?|get|gets|got|"
                                          r"secur(?:e|es|ed)|receiv(?:e|es|ed)|win|wins|won|"
                                          r"bag(?:s|ged)?|nab(?:s|bed)?|snag(?:s|ged)?|"
                                          r"attract(?:s|ed)?)\s+(?:(?:a|an|the)\s+)?(?:new\s+)?"
                                          r"(?:", A, r"\s+)?(?:[\w-]+\s+){0,2}?", rf"(?P<inv>{P})",
                                          rf"(?:{APOS})?\s+(?:[\w-]+\s+){{0,2}}?(?:investment|"
                                          r"funding|backing|cash|money|injection|infusion|"
                                          r"lifeline)\b"),
         pairs("investment"), (" land", " get", " got", " secur", " receiv", " win", " won",
                                " bag", " nab", " snag", "attract")),
    # "ASML becomes Mistral AI's top shareholder with a €1.3 billion investment": a stake
    # taken now (not a stake held: `is-holder`)
    Rule("becomes-holder", _pattern(L("inv"), GAP, r"\b(?:becom(?:e|es|ing)|became)\s+",
                                    rf"(?P<tgt>{P})['’]s\s+(?:[\w-]+\s+){{0,2}}?(?:shareholder|"
                                    r"investor|backer|stakeholder|owner)s?\b"),
         pairs("investment"), ("shareholder", "investor", "backer", "stakeholder", "owner")),
    # "Amazon doubles down on Anthropic with another $4 billion": more money for a company
    Rule("doubles-down", _pattern(L("inv"), GAP, r"\b(?:doubl(?:e|es|ed|ing)\s+down|"
                                  r"up(?:s|ped|ping)?\s+(?:its|their)\s+(?:[\w-]+\s+)?bet|"
                                  r"rais(?:e|es|ed|ing)\s+(?:its|their)\s+(?:[\w-]+\s+)?bet|"
                                  r"go(?:es)?\s+all[- ]in|went\s+all[- ]in)\s+on\s+", L("tgt"),
                                  r"\s+with\s+(?:(?:another|a\s+further|an\s+additional|an?\s+"
                                  r"extra|a\s+new)\s+)?", A),
         lambda m, ctx: [replace(f, tranche=bool(_MORE.search(m.group())))
                         for f in pairs("investment")(m, ctx)],
         ("down on", "bet on", "all-in on", "all in on")),
    # "OpenAI becomes an AWS customer", "Y signed on as a CoreWeave client": a provider's
    # customer buys its compute (a cloud's, or where the sentence says compute)
    Rule("becomes-customer", _pattern(L("tgt"), GAP, r"\b(?:becom(?:e|es|ing)|became|"
                                      r"sign(?:s|ed)?\s+on\s+as|join(?:s|ed)?\s+as)\s+(?:(?:a|an|the)\s+)?"
                                      r"(?:[\w-]+\s+){0,2}?", rf"(?P<inv>{P})\s+(?:[\w-]+\s+)?"
                                      r"(?:customer|client|tenant)s?\b"),
         lambda m, ctx: _customer(m, ctx), ("customer", "client", "tenant")),
    # "Cerebras wins Mistral AI as a customer": the same, told by the provider
    Rule("wins-customer", _pattern(L("inv"), GAP, r"\b(?:win(?:s|ning)?|won|land(?:s|ed)?|"
                                   r"add(?:s|ed)?|sign(?:s|ed)?|secur(?:e|es|ed)|bag(?:s|ged)?)\s+",
                                   L("tgt"), r"\s+as\s+(?:(?:a|an|its|their)\s+)?(?:[\w-]+\s+){0,2}?"
                                   r"(?:customer|client|tenant)s?\b"),
         lambda m, ctx: _customer(m, ctx), ("customer", "client", "tenant")),
    # "CoreWeave's biggest customer is Microsoft": a customer named, background compute
    Rule("customer-is", _pattern(rf"(?P<inv>{P})['’]s\s+(?:[\w-]+\s+){{0,2}}?(?:customer|client)"
                                 r"\s+(?:is|was|remains|has\s+been)\s+", rf"(?P<tgt>{P})(?!['’])"),
         lambda m, ctx: [replace(f, background=True) for f in _customer(m, ctx)],
         ("customer is", "customer was", "customer remains", "customer has been", "client is")),
    # "Microsoft was also CoreWeave's largest customer last year": the same, told the other
    # way round
    Rule("is-customer", _pattern(L("tgt"), r"\s+(?:is|was|are|were|remains?|has\s+been|had\s+been)\s+"
                                 r"(?:(?:also|still|now)\s+)?", rf"(?P<inv>{P})['’]s\s+(?:[\w-]+\s+){{0,2}}?",
                                 r"(?:customer|client|tenant)s?\b(?!\s+(?:base|list|service|support|data)\b)"),
         lambda m, ctx: [replace(f, background=True) for f in _customer(m, ctx)],
         ("customer", "client", "tenant")),
    # "Alphabet merges Google Brain and DeepMind": two parties merged by a third
    Rule("merges-list", _pattern(r"\bmerg(?:e|es|ed|ing)\s+(?:its\s+|their\s+)?", L("inv"),
                                 r"(?!['’])"),
         lambda m, ctx: _among(m, ctx, "merger"), ("merge",)),
    # "Perplexity's Sonar model now runs on Cerebras hardware", "Microsoft will run Bing's
    # search on Oracle Cloud Infrastructure": what runs on a provider's systems buys compute
    Rule("runs-on", _pattern(L("tgt", possessive="optional"), GAP, r"\b(?P<verb>run(?:s|ning)?|ran|"
                             r"train(?:s|ed|ing)?|serv(?:e|es|ed|ing)|host(?:s|ed|ing)?|"
                             r"power(?:s|ed|ing)?)\b[^\ue000;]{0,60}?\b(?:on|in|using|atop)\s+",
                             L("inv", possessive="optional"),
                             # (not "on Apple's own servers": one's own systems)
                             r"(?!\s+own\b)(?:\s+(?:[\w-]+\s+){0,2}?"
                             r"(?P<hw>hardware|chips?|GPUs?|TPUs?|accelerators?|systems|servers|"
                             r"clusters?|superchips?|supercomputers?|infrastructure|data\s+"
                             # (the word boundary ends the hardware's name, not the party's:
                             # "runs on AWS," had none and was never read)
                             r"cent(?:er|re)s?|wafers?)\b)?"),
         lambda m, ctx: [f for f in pairs("compute")(m, ctx)
                         if m.group("hw") or (ctx.kinds[f.investor] == "cloud" and _runs_own(m))],
         (" run", " ran", " train", " serv", " host", " power")),
    # "Cohere is launching its new model first on Microsoft Azure": a platform offers it
    Rule("launch-on", _pattern(L("tgt"), GAP, r"\b(?:launch(?:es|ed|ing)?|releas(?:e|es|ed|ing)|"
                               r"debut(?:s|ed|ing)?|roll(?:s|ed|ing)?\s+out)\s+(?:its\s+)?"
                               r"(?:[\w+.-]+\s+){0,4}?models?\s+"
                               r"(?:first\s+|exclusively\s+)?(?:on|via|through|in)\s+"
                               r"(?:[\w-]+\s+)?", L("inv")),
         pairs("distribution", tail=False), ("launch", "releas", "debut", "roll")),
    # "Harvey now also uses models from Anthropic and Google", "its agents run on a mix of
    # models from providers including OpenAI and Anthropic": a product built on another's
    # models licenses them (as it stands: background)
    Rule("uses-models-from", _pattern(L("inv", possessive="optional"), r"\s+(?:(?:[\w-]+\s+)?"
                                      r"(?:agents?|apps?|products?|assistants?|tools?|services?)\s+)?"
                                      r"(?:(?:now|also|still|already|will|would|can|could|mostly|"
                                      r"largely|partly|primarily|currently|both|all)\s+){0,3}"
                                      r"(?:us(?:e|es|ed|ing)|run(?:s|ning)?\s+on|ran\s+on|"
                                      r"(?:is|are|was|were)\s+built\s+on|buil(?:ds|t)\s+on|"
                                      r"rel(?:y|ies|ied)\s+on|tap(?:s|ped)?)\s+(?:a\s+mix\s+of\s+)?"
                                      r"(?:[\w-]+\s+){0,2}?models\s+(?:made\s+|built\s+)?(?:from|by)\s+"
                                      r"(?:(?:[\w-]+\s+){0,2}?(?:providers|developers|companies|labs|"
                                      r"makers)\s*,?\s+(?:including|such\s+as|like)\s+)?",
                                      rf"(?P<tgt>{P}(?:\s*(?:,|,?\s+and|&)\s*{P})*)", r"(?:['’]s\s+", P,
                                      r")?"),
         # (not "used models from OpenAI to train its R1", "from OpenAI and Google to
         # benchmark its own")
         lambda m, ctx: [] if _TO_TEST.match(ctx.text, m.end()) else [
             replace(f, background=True) for f in pairs("licensing", tail=False)(m, ctx)],
         ("models from", "models by", "models made", "models built")),
    # "Amazon's new Alexa+ is partly powered by Anthropic's Claude", "Perplexity's answer
    # engine runs on Meta's Llama": a product licenses the model that powers it (round 11)
    Rule("powered-by", _pattern(_USER, r"(?:(?:is|are|was|were|will\s+be|would\s+be|has\s+been|"
                                r"have\s+been|be)\s+)?(?:(?:partly|partially|mostly|largely|"
                                r"primarily|now|also|still|increasingly|already|in\s+part)\s+)?"
                                r"(?:powered|driven)\s+by\s+", _MODEL),
         model_licensed, ("powered by", "driven by")),
    # "Anthropic's Claude will power many of the requests handled by Amazon's Alexa+"
    Rule("powers", _pattern(_MODEL, r"(?:\s+(?:models?|technology))?\s+(?:(?:will|would|now|"
                            r"also|already|could|to)\s+)?power(?:s|ed|ing)?\b", GAP,
                            r"(?:(?P<owner>", P, r")['’]s\s+(?:[\w+.-]+\s+){0,2}?)?(?P<user>", P,
                            r")"),
         model_licensed, ("power",)),
    # "Apple is paying Google about $1 billion a year for a custom Gemini model"
    Rule("pays-for-model", _pattern(rf"(?P<owner>{P})\s+(?:(?:is|are|was|were|has|have|had|"
                                    r"will|would|now|also|already|still|reportedly)\s+){0,3}"
                                    r"(?:pay|pays|paid|paying)\s+",
                                    rf"(?P<maker>{P})\s+(?:(?:about|roughly|around|some|nearly|"
                                    rf"more\s+than|up\s+to)\s+)?(?:{A}\s+)?(?:(?:a|per|each)\s+"
                                    r"(?:year|month)\s+)?(?:for|to\s+use|to\s+license)\s+"
                                    r"(?:(?:a|an|its|their|the)\s+)?(?:[\w-]+\s+){0,2}?"
                                    rf"(?:(?P<model>{P})|models?\b|technology\b)"),
         model_licensed, (" pay", " paid")),
    # "Amazon's Alexa+ will lean on Anthropic's Claude": a model licensed for a product
    Rule("lean-on-model", _pattern(L("inv", possessive="optional"), GAP, r"\b(?:lean(?:s|ed|ing)?|"
                                   r"rel(?:y|ies|ied|ying)|draw(?:s|ing)?|drew)\s+on\s+",
                                   rf"(?P<tgt>{P})['’]s\s+(?P<model>{P})"),
         lambda m, ctx: [f for f in pairs("licensing")(m, ctx)
                         if ctx.kinds[ctx.parties(m.group("model"))[0]] == "product"],
         ("lean", "rely", "relies", "relied", "draw", "drew")),
    # "LinkedIn, which Microsoft bought for $26.2bn in 2016": a company's owner, an earlier deal
    # (and "Silo AI, the Finnish lab that AMD bought last year,")
    Rule("which-bought", _pattern(_RELATIVE, L("inv"), r"\s+(?:(?:has|have|had)\s+)?"
                                  r"(?:bought|acquired|purchased|took\s+over|snapped\s+up|took\s+private|"
                                  # ("which Alphabet agreed in March to buy")
                                  r"agreed\s+(?:(?:in|on|last)\s+\w+\s+)?to\s+(?:buy|acquire|purchase)|"
                                  # ("the start-up OpenAI paid $1.1 billion for")
                                  rf"paid\s+(?:(?:about|some|roughly|nearly|around)\s+)?{A}\s+for(?=\s*(?:,|—|–|\)|$|"
                                  r"\s+(?:last|this|earlier)\b|\s+in\s+(?:(?:19|20)\d\d|january|february|march|april|"
                                  r"may|june|july|august|september|october|november|december)\b)))\b"
                                  # (not a stake or shares bought in it, nor goods bought
                                  # from it: "the chipmaker that Microsoft bought chips from")
                                  rf"(?!\s+(?:an?\s+)?(?:{A}\s+|[\w%.-]+\s+){{0,2}}(?:stakes?|shares|equity|"
                                  rf"into)\b)(?!\s+(?:[\w,-]+\s+|{A}\s+){{0,7}}?from\b)"
                                  # (nor a quantity bought: "bought more than 400,000 …")
                                  r"(?!\s+(?:(?:more|fewer|less)\s+than\s+|over\s+|about\s+|some\s+)?\d)"),
         background_of_company("acquisition"),
         ("bought", "acquired", "purchased", "took over", "snapped up", "paid", "took private",
          "to buy", "to acquire", "to purchase")),
    # "Anthropic, which Amazon has backed with $8 billion,", "Mistral, the French lab that
    # Nvidia backed last year": an earlier investment told in an aside about its target
    Rule("which-backed", _pattern(_RELATIVE, L("inv"), r"\s+(?:(?:has|have|had)\s+)?(?:also\s+|"
                                  r"already\s+|first\s+|previously\s+|heavily\s+|long\s+|"
                                  r"early\s+|since\s+|reportedly\s+)?(?:backed|backs|funded|funds|"
                                  r"financed|bankrolled|invested\s+in(?!\s*\ue000)|"
                                  r"helped\s+(?:to\s+)?(?:fund|finance|back|bankroll))\b"
                                  # (not backing as support: "which Google backed in its
                                  # dispute with the FTC", "in court", "publicly", "as a
                                  # customer"; nor "funded research at")
                                  r"(?!\s+(?:[\w-]+\s+){0,2}?against\b)"
                                  r"(?!\s+(?:[\w-]+\s+){0,2}?(?:in|on|over|for|during|before|at|through)"
                                  r"\s+(?:(?:its|their|the|a|an)\s+)?(?:[\w-]+\s+){0,3}?(?:fight|dispute|"
                                  r"case|lawsuit|suit|battle|bid|challenge|effort|push|campaign|call|"
                                  r"plan|proposal|stance|position|appeal|complaint|court|debate|"
                                  r"contract|tender|election|vote|bill|law|act|policy|rules?|"
                                  r"regulators?|congress|parliament|brussels|washington|crisis|"
                                  r"turmoil|row|saga|standoff|feud)s?\b)"
                                  r"(?!\s+(?:publicly|openly|vocally|politically|loudly|as\s+(?:an?\s+)?"
                                  r"(?:[\w-]+\s+)?(?:customer|partner|supplier|ally))\b)"
                                  r"(?!\s+(?:(?:an?|the)\s+)?(?:research|stud(?:y|ies)|work|scholarships?|"
                                  r"grants?|fellowships?|programs?|programmes?|projects?|efforts?)\b)"
                                  # (nor a thing backed that the party is only the object of:
                                  # "which Amazon backed the idea of", "financed chips for")
                                  r"(?!\s+(?:[\w-]+\s+){1,5}?(?:of|for|at|about|to|on)\s*(?:[,.;)—–]|$))"),
         background_of_company("investment"),
         ("back", "fund", "financ", "bankroll", "invested in")),
    # "Moonshot AI, whose largest outside shareholder is Alibaba"
    Rule("whose-holder-is", _pattern(rf"(?P<tgt>{P}),?\s+whose\s+(?:(?:largest|biggest|main|major|"
                                     r"key|early|earliest|lead|top|first|longtime|long-time|"
                                     r"existing|outside|external|strategic|single)\s+){0,3}"
                                     r"(?:backers?|investors?|shareholders?|funders?)\s+"
                                     r"(?:is|are|was|were|remains?)\s+", L("inv")),
         background_pairs("investment"), ("whose",)),
    # "Mistral AI, whose €600 million Series B last June was led by General Catalyst"
    Rule("whose-round-led", _pattern(rf"(?P<tgt>{P}),?\s+whose\s+(?:{A}\s+)?(?:[\w-]+\s+){{0,2}}?"
                                     r"(?:round|series\s+[a-z]|funding|financing|raise)\b"
                                     r"(?:\s+[\w-]+){0,4}?\s+(?:was|were|had\s+been)\s+"
                                     r"(?:co-)?led\s+by\s+", L("inv")),
         background_pairs("investment"), ("whose",)),
    # "Silo AI, now part of AMD,": bought
    Rule("now-part-of", _pattern(rf"(?P<tgt>{P})\s*(?:,|—|–|--|\()\s*(?:(?:which|that)\s+is\s+)?"
                                 r"now\s+(?:a\s+)?part\s+of\s+", L("inv"),
                                 # (not "now part of Nvidia Inception", a programme)
                                 _ASIDE_END),
         background_of_company("acquisition"),
         ("now part of", "now a part of")),
    # "the social network was folded into xAI": a merger
    Rule("folded-into", _pattern(L("inv"), r"\s+(?:(?:was|were|is|has\s+been|had\s+been|will\s+be)"
                                 r"\s+)?fold(?:s|ed|ing)?\s+(?:[\w-]+\s+){0,3}?into\s+", L("tgt")),
         pairs("merger", tail=False), ("folded into", "fold into", "folds into", "folding")),
    # "Mistral AI has been talking to investors including Abu Dhabi's MGX about raising"
    Rule("talking-to-investors", _pattern(L("tgt"), GAP, r"\b(?:talk(?:s|ed|ing)?|speak(?:s|ing)?|"
                                          r"spoke|discuss(?:es|ed|ing)?|negotiat(?:e|es|ed|ing)|"
                                          r"in\s+talks)\s+(?:to|with)\s+(?:potential\s+|new\s+)?"
                                          r"(?:investors|backers)\s+(?:including|such\s+as|like)\s+"
                                          r"(?:[\w-]+\s+)?(?:[\w-]+['’]s\s+)?", L("inv")),
         pairs("investment"), ("investors including", "investors such as", "investors like",
                               "backers including")),
    # "the Microsoft-OpenAI partnership", "the IBM-Anthropic tie-up": two parties joined by a
    # hyphen or slash before the deal's noun
    Rule("pair-noun", _pattern(rf"(?P<inv>{P})\s*[-–/]\s*(?P<tgt>{P})\s+(?:[\w-]+\s+){{0,2}}?",
                               r"(?P<noun>deals?|partnerships?|tie-?ups?|alliances?|pacts?|"
                               r"agreements?|contracts?|mergers?|joint[ -]ventures?)\b"),
         lambda m, ctx: _pair_noun(m, ctx), ("deal", "partnership", "tie", "alliance", "pact",
                                             "agreement", "contract", "merger", "venture")),
    # "Apple, Google in talks over Gemini deal": the listed parties' talks about a deal
    Rule("talks-over-deal", _pattern(L("inv"), r"\s+(?:(?:are|were|have\s+been|had\s+been|remain)"
                                     r"\s+)?(?:in\s+)?(?:(?:early|advanced|final|preliminary|"
                                     r"exclusive)\s+)?(?:talks|discussions|negotiations)\s+"
                                     r"(?:over|about|on|for|regarding)\s+(?:(?:a|an|the|possible|"
                                     r"potential|new)\s+)*", _WORDS, "{0,4}?", _DEAL_NOUN, r"\b"),
         lambda m, ctx: generic(m, ctx) if len(ctx.group(m, "inv")) > 1 else [],
         ("talks", "discussions", "negotiations")),
    # "Google completes $32 billion Wiz acquisition": a purchase named by the company bought
    Rule("acquisition-premodifier", _pattern(L("inv"), GAP, r"\b(?:complet|clos|finali[sz]|"
                                             r"announc|seal|wrap|unveil|mak|agree\w*\s+to|"
                                             r"confirm|pursu)\w*\s+", _BEFORE_PREMODIFIER,
                                             _PREMODIFIER, r"(?:acquisition|purchase|takeover|"
                                             r"buyout)\b"),
         pairs("acquisition"), ("acquisition", "purchase", "takeover", "buyout")),
    # "Google and Amazon investments in Anthropic", "the Microsoft investment in OpenAI": a
    # headline's investment without the possessive
    Rule("investment-in-plain", _pattern(L("inv"), r"\s+(?:[\w-]+\s+)?(?:investments?|stakes?)\s+"
                                         r"(?:in|into)\s+", L("tgt"),
                                         r"(?!\s+(?:rivals?|competitors?|peers?)\b)"),
         pairs("investment"), ("investment", "stake")),
    # "Anthropic counts Google and Amazon among its biggest investors": stakes held
    Rule("counts-among", _pattern(L("tgt"), GAP, r"\bcount(?:s|ed)?\s+", L("inv"), r"\s+among\s+"
                                  r"(?:its|their)\s+(?:[\w-]+\s+){0,2}?(?:investors|backers|"
                                  r"shareholders)\b"),
         background_pairs("investment"), ("among its", "among their")),
    # "Manus, which counts Tencent as an investor", "… counts Amazon as its largest shareholder"
    Rule("counts-as", _pattern(rf"(?P<tgt>{P}),?\s+which\s+(?:also\s+)?counts\s+", L("inv"),
                               r"\s+as\s+(?:an?|its|one\s+of\s+its)\s+(?:[\w-]+\s+){0,2}?(?:investors?|"
                               r"backers?|shareholders?|funders?|owners?)\b"),
         background_of_company("investment"), ("counts",)),
    # "Databricks, a portfolio company of Andreessen Horowitz"
    Rule("portfolio-company", _pattern(rf"(?P<tgt>{P})\s*(?:,|—|–|--|\()\s*(?:an?|one)\s+(?:of\s+)?"
                                       r"(?:the\s+)?portfolio\s+compan(?:y|ies)\s+of\s+", L("inv")),
         background_of_company("investment"), ("portfolio compan",)),
    # "Deci, the Israeli start-up that became a unit of Nvidia last year", "Informatica
    # (acquired by Salesforce for $8 billion in November)": bought
    Rule("became-unit", _pattern(_RELATIVE, r"(?:(?:has|had)\s+)?(?:became|become|is\s+now)\s+an?\s+"
                                 r"(?:unit|subsidiary|division|part)\s+of\s+", L("inv"), r"(?!['’])"),
         background_of_company("acquisition"), ("became a", "become a", "is now a")),
    Rule("acquired-by-aside", _pattern(rf"(?P<tgt>{P})\s*(?:,|—|–|--|\()\s*(?:which\s+was\s+|"
                                       r"since\s+)?(?:acquired|bought|purchased|taken\s+over)\s+by\s+",
                                       L("inv"), r"(?!['’])"),
         background_of_company("acquisition"), ("acquired by", "bought by", "purchased by",
                                                "taken over by")),
    # "Adept, whose founders Amazon hired last year": an acqui-hire
    Rule("whose-founders-hired", _pattern(rf"(?P<tgt>{P}),?\s+whose\s+(?:co-?)?founders?(?:\s+and\s+"
                                          r"(?:most\s+of\s+its\s+)?(?:staff|team|researchers))?\s+",
                                          L("inv"), r"\s+(?:(?:has|had)\s+)?(?:re)?hired\b"),
         background_of_company("acquihire"), ("whose founder", "whose co-founder", "whose cofounder")),
    # "Anthropic, backed by Amazon and Google, raised …": backers in an aside
    # (and "CoreWeave, the neocloud part-owned by Nvidia,": a share owned is a stake)
    Rule("backed-by-aside", _pattern(rf"(?P<tgt>{P})\s*(?:,|—|–|--|\()\s*", _DESCRIPTION, "?",
                                     r"(?:which\s+is\s+|itself\s+)?(?:also\s+)?(?:heavily\s+|partly\s+)?"
                                     r"(?:backed|funded|part[- ]owned|(?:partly|partially|jointly|co|"
                                     r"minority)[- ]owned)\s+by\s+", L("inv"),
                                     # (an aside is read on its own, up to its comma)
                                     # (or at the sentence's end: "…, said Anthropic, the
                                     # start-up backed by Amazon.")
                                     _ASIDE_END),
         background_pairs("investment"), ("backed by", "funded by", "owned by")),
]  # fmt: skip


def _pair_noun(m: re.Match[str], ctx: Context) -> list[Found]:
    """The deal of "the X-Y <noun>": a merger or joint venture by its noun, else what its words
    say (`generic`)."""
    noun = m.group("noun").lower()
    (a,), (b,) = ctx.group(m, "inv"), ctx.group(m, "tgt")
    if noun.startswith("merger"):
        return [Found("merger", a, b, ctx.text, m.span(), tail=False)]
    if noun.startswith("joint"):
        roles = ((a, "partner"), (b, "partner"))
        return [Found("joint_venture", a, b, ctx.text, m.span(), roles)]
    found = generic(m, ctx)
    if noun.startswith(("deal", "agreement", "contract")):
        # a bare "deal" says nothing of its kind ("the rumored Apple-Perplexity deal" was a
        # purchase): only what its words make of it, not a partnership by default
        return [f for f in found if f.kind != "partnership"]
    return found


def _picked_for_compute(m: re.Match[str], ctx: Context, f: Found) -> bool:
    """A provider picked: a cloud (not to distribute), or any company picked for compute
    ("picks Cerebras for fast inference"; not "picked Nvidia to supply chips", which may be
    a supplier among others)."""
    after = until_party(ctx.text, m.end(), 60)
    if ctx.kinds[f.investor] == "cloud":
        return "distribut" not in after
    return m.group().lower().endswith("for") and bool(
        COMPUTE_WORDS.search(after) or _INFERENCE.search(after)
    )


def _customer(m: re.Match[str], ctx: Context) -> list[Found]:
    """A provider's customer: compute when the provider is a cloud or the sentence speaks of
    compute ("its GPUs", "for inference"); otherwise no deal this reader can type."""
    found = pairs("compute")(m, ctx)
    if COMPUTE_WORDS.search(ctx.text) or _INFERENCE.search(ctx.text):
        return found
    return [f for f in found if ctx.kinds[f.investor] == "cloud"]


_INFERENCE = re.compile(r"\b(?:inference|training\s+runs?)\b", re.IGNORECASE)


def _top_up(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "X tops up its Y stake", "X raises its stake in Y": a tranche of X's investment."""
    inv, tgt = ctx.group(m, "inv"), ctx.group(m, "tgt") or ctx.group(m, "tgt2")
    return [Found("investment", i, t, ctx.text, m.span(), tranche=True) for i in inv for t in tgt]


def holding(m: re.Match[str], ctx: Context) -> list[Found]:
    """A stake taken is news; a stake held ("X owns 7% of Y", "X holds a stake in Y", "X has
    a stake in Y") is background."""
    found = pairs("investment")(m, ctx)
    if _HELD.search(ctx.text, m.end("inv"), m.start("tgt")):
        return [replace(f, background=True) for f in found]
    return found


_HELD = re.compile(r"\b(?:own|owns|hold|holds|control|controls|(?:has|have)\s+an?)\s", re.I)


def joined(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "A and B took part in Y's $N round": one round, its members participants (no member
    is credited the round's total)."""
    inv = ctx.group(m, "inv")
    if not inv:
        return []
    roles = tuple((i, "participant") for i in inv)
    return [Found("investment", inv[0], t, ctx.text, m.span(), roles) for t in ctx.group(m, "tgt")]


def cumulative(m: re.Match[str], ctx: Context) -> list[Found]:
    """A cumulative stake ("bringing its total investment in Y to $N"): background, with the
    total as its amount; not after the investing clause that states the new money ("X invested
    $2 billion, bringing its total investment in Y to $5 billion": that rule's deal)."""
    gap = m.groupdict().get("gap") or ""
    if AMOUNT_MARK.search(gap) or _INVESTED.search(gap):
        return []
    k = ctx.amounts(m.group("amt"))[0]
    return [Found("investment", i, t, ctx.text, m.span(), amount=k, background=True)
            for i in ctx.group(m, "inv") for t in ctx.group(m, "tgt")]  # fmt: skip


_INVESTED = re.compile(_INVEST_VERB, re.IGNORECASE)


_NOT_PROVIDED = re.compile(
    r"\b(?:sales|search|marketing|reseller|resale|channel|media|"
    r"research|consulting|implementation|integration|launch|design)\b",
    re.I,
)


_TRAINING = re.compile(r"\b(?:training|inference|hosting)\b", re.IGNORECASE)


_HELD_COPULA = re.compile(
    r"\b(?:remains|continues\s+to\s+be|was|were|(?:has|have|had)\s+been|still|(?:is|are)\s+also)\b",
    re.IGNORECASE,
)


# chips of a brand had through another party, or let to one: "rent Nvidia GB300 capacity
# from Oracle", "rents Nvidia GPUs to Microsoft"
_THROUGH_ANOTHER = re.compile(
    r"\s*(?:[\w-]+\s+){0,3}?(?:from|through|via|to|on)\s+(?:(?:its|the|a|an)\s+)?(?:[\w-]+\s+){0,2}?"
    + OPEN,
    re.IGNORECASE,
)


_LET_OUT = re.compile(r"\b(?:rent|leas|hir)\w*\s+out\b", re.IGNORECASE)


def using_chips(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "Y will use X's TPUs", "Y agreed to deploy six gigawatts of AMD GPUs": X supplies Y. A
    maker named without the possessive is the brand of the chips, not the supplier, when the
    chips come from another party named after them or Y lets them out."""
    if ctx.text[m.end("tgt") : m.end("tgt") + 1] not in ("'", "’") and (
        _THROUGH_ANOTHER.match(ctx.text, m.end()) or _LET_OUT.search(m.group())
    ):
        return []  # ("rents out clusters of Nvidia GPUs": what a provider offers)
    return pairs("compute", swap=True)(m, ctx)


def designation(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "X will be/is Y's primary cloud provider"; "the deal makes X Y's primary cloud"; "Y
    makes/names/picks X (as) its primary cloud"."""
    if m.group("tgt"):
        if m.group("copula") or _DESIGNATE_BEFORE.search(
            ctx.text, max(0, m.start() - 16), m.start()
        ):
            return designated(m, ctx)
        return []
    if m.group("copula"):
        return []
    return designated_by(m, ctx)


def designated_by(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "Y makes/names/picks X (as) its primary cloud": the designation verb right before X,
    the party nearest before the verb (in its clause) is Y."""
    verb = _DESIGNATE_BEFORE.search(ctx.text, max(0, m.start() - 16), m.start())
    if verb is None:
        return []
    before = ctx.text[: verb.start()]
    last = before.rfind(OPEN)
    if last < 0 or ";" in before[last:]:
        return []
    tgt = ctx.parties(before[last:])
    return designated(m, ctx, ctx.group(m, "inv"), tgt[:1], (last, m.end()))


def designated(
    m: re.Match[str],
    ctx: Context,
    inv: list[int] | None = None,
    tgt: list[int] | None = None,
    span: tuple[int, int] | None = None,
) -> list[Found]:
    """A provider designated: a compute deal when a cloud is designated or the title (or what
    follows it) speaks of computing ("its chief outside supplier of AI compute")."""
    inv = ctx.group(m, "inv") if inv is None else inv
    tgt = ctx.group(m, "tgt") if tgt is None else tgt
    span = m.span() if span is None else span
    words = m.group("title") + until_party(ctx.text, m.end(), 60)
    if not inv or not tgt:
        return []
    if ctx.kinds[inv[0]] != "cloud" and not (
        COMPUTE_WORDS.search(words) or _TRAINING.search(m.group("title"))
    ):
        return []
    if _NOT_PROVIDED.search(m.group("title")):  # "its sales partner", "its search partner"
        return []
    if ctx.kinds[tgt[0]] == "product":
        return []
    # a standing or past designation is context, as a stake held is: "AWS remains
    # Anthropic's primary training partner", "Microsoft was its exclusive cloud provider"
    held = bool(_HELD_COPULA.search(m.groupdict().get("copula") or ""))
    if "distribution" in m.group("title").lower():  # "its first distribution partner"
        return [
            Found("distribution", i, t, ctx.text, span, tail=False, background=held)
            for i in inv
            for t in tgt
        ]
    return [
        Found("compute", i, t, ctx.text, span, by_kind=True, background=held)
        for i in inv
        for t in tgt
    ]


def _among(m: re.Match[str], ctx: Context, kind: str = "partnership") -> list[Found]:
    """ "A and B have partnered", "A and B are discussing a merger": the listed parties' deal
    of a symmetric `kind`, the first with each other."""
    inv = ctx.group(m, "inv")
    return [Found(kind, inv[0], t, ctx.text, m.span(), tail=False) for t in inv[1:]]


def leading_targets(m: re.Match[str], ctx: Context) -> list[Found]:
    targets = ctx.group(m, "tgt0") or ctx.group(m, "tgt1")
    if not targets:
        return []
    return _round(ctx, m, targets[0], ctx.group(m, "lead"), [])


def join_round_for(m: re.Match[str], ctx: Context) -> list[Found]:
    """ "X joined Y in a round for Z (led by W)": X and Y take part."""
    members = ctx.group(m, "part") + ctx.group(m, "lead")
    (target,) = ctx.group(m, "tgt")[:1] or (None,)
    if target is None:
        return []
    return _round(ctx, m, target, [], members)


# what runs on a cloud is the company's own: "Perplexity runs on AWS", "Perplexity's search
# runs on", "Perplexity, whose answer engine runs on" (not "models that run on AWS", "the demo
# app, built on Mistral's models, runs on AWS")
_OWN_THING = re.compile(
    r"(?:['’]s\s+(?:[\w-]+\s+){0,3}?|,\s+whose\s+(?:[\w-]+\s+){0,3}?|\s+)"
    r"(?:(?:also|now|still|already|largely|mostly|will|would|has|have|had|been|is|are)\s+)*$",
    re.IGNORECASE,
)


def _runs_own(m: re.Match[str]) -> bool:
    between = m.string[m.end("tgt") : m.start("verb")]
    if _OBJECT_OF.search(m.string, max(0, m.start("tgt") - 10), m.start("tgt")):
        return False  # "apps built with OpenAI's tools run on Azure"
    if "model" in between.lower() or "version" in between.lower() or re.search(r"\d", between):
        return False  # what runs is a model ("DeepSeek's R1 that runs on AWS")
    return _OWN_THING.match(between) is not None


def hosting(m: re.Match[str], ctx: Context, product: bool = False) -> list[Found]:
    """ "X hosts Y's models (on Z)", "X adds models from Y to Z": a distribution deal when
    models are named (or, with `product`, a model by its name: "make Llama available"); the
    more specific platform (Z) is the provider."""
    if "model" not in m.group().lower() and not (product and _names_product(m, ctx)):
        return []
    platform = ctx.group(m, "inv2") or ctx.group(m, "inv")
    if m.groupdict().get("inv2") or len(platform) == 1:
        platform = platform[:1]
    # the model named after its maker stands for the maker the watchlist gives it ("Google's
    # Gemini": Google DeepMind)
    model = ctx.parties(m.groupdict().get("model"))
    offered = model if model and ctx.kinds[model[0]] == "product" else ctx.group(m, "tgt")
    # (a list's members each offer them; the one that makes them is dropped with its own deal)
    return [Found("distribution", p, t, ctx.text, m.span(), tail=False)
            for p in platform for t in offered]  # fmt: skip


_VERSIONED = re.compile(r"(?:\s+|-)(?:[A-Za-z]+\s+)?[\w.]*\d")


def _names_product(m: re.Match[str], ctx: Context) -> bool:
    """Whether the offered party is a product, or names one ("xAI's Grok"): a model by its
    name, which stands for its maker."""
    tgt = ctx.group(m, "tgt")
    if any(ctx.kinds[t] == "product" for t in tgt):
        return True
    if m.groupdict().get("tgt") and _VERSIONED.match(ctx.text, m.end("tgt")):
        return True  # a lab's name with a model's version: "DeepSeek-R1", "Mistral Large 2"
    end = m.end("inv2") if m.groupdict().get("inv2") else m.end()
    start = m.end("tgt") if m.groupdict().get("tgt") else end
    after = ctx.parties(ctx.text[start:end])
    inv2 = set(ctx.group(m, "inv2"))
    return any(ctx.kinds[i] == "product" and i not in inv2 for i in after)


# What else a sentence must hold for a rule to run: cheap tests that spare the costly patterns
# most sentences ("provider" alone does not make "X provides … to Y" a compute deal).
_ROUND_WORDS = re.compile(r"round|funding|financing|series\s+[a-z]\b|seed|raise", re.I)
_MONEY_OR_ROUND = re.compile(
    r"[$€£¥₹₩]|\b(?:USD|EUR|GBP|JPY)\b|round|funding|financing|series\s+[a-z]\b|seed|money|"
    r"capital|cash|from\b",
    re.IGNORECASE,
)
# a verb of designation, then (after the party) a provider's title; or "Y's primary cloud
# provider" (one test for the three designation rules)
_DESIGNATED = re.compile(
    r"(?:\b(?:mak|made|nam|select|chos|choos|pick|designat|tap|anoint|crown)\w*\s+(?:\S+\s+){1,9}?"
    r"|\b(?:be|become|becomes|became|becoming|is|remain|remains|was|were|been)\s+(?:\S+\s+){0,3}?"
    r"\S+['’]s\s+"
    r"(?:\S+\s+){0,3}?)(?:partner|provider|supplier|cloud|vendor|host)s?\b",
    re.IGNORECASE,
)
# "Y's $N round", "the round in Y" (one test for both rules)
_ROUND_NAMED = re.compile(
    r"['’]s\s+(?:\S+\s+){0,4}?(?:round|funding|financing|series|raise)|"
    r"\b(?:round|funding|financing|raise|series\s+\w+|seed)\s+(?:in|for|of|into)\s",
    re.IGNORECASE,
)
_ALSO: dict[str, re.Pattern[str]] = {
    "round-values": re.compile(r"\bvalu(?:es|ed|ing)\b", re.IGNORECASE),
    "supply-to": COMPUTE_WORDS,
    "buy-from": re.compile(rf"{COMPUTE_WORDS.pattern}|{_HARDWARE.pattern}", re.IGNORECASE),
    "join-round": _ROUND_WORDS,
    "join-round-for": _ROUND_WORDS,
    "among-holders": re.compile(
        r"['’]s\s+(?:[\w-]+\s+){0,2}?(?:backers|investors|shareholders|funders)\b", re.I
    ),
    # "X's chips", or a brand's ("Google TPUs", read as X's when only the buyer is named too)
    "use-chips": re.compile(rf"(?:['’]s|\b[A-Z][\w-]*)\s+(?:[\w-]+\s+){{0,2}}?(?i:{_CHIPS})"),
    "lead-to-be": _ROUND_WORDS,
    "lead-round": re.compile(
        r"round|funding|financing|series\s+[a-z]\b|seed|raise|investment", re.I
    ),
    "led-round": _ROUND_WORDS,
    "raise": _MONEY_OR_ROUND,
    "host-models": re.compile(r"model", re.IGNORECASE),
    "models-via": re.compile(r"\b(?:its|their)\s+(?:\w+\s+){0,2}models\b", re.IGNORECASE),
    "stake-verb": re.compile(
        r"\b(?:stake|position|holding|interest|share)s?\s+(?:of\s+[^.;]{0,25}?\s+)?(?:in|of)\b",
        re.I,
    ),
    "stake-fraction": re.compile(
        r"(?:half|third|quarter|majority|minority|%|per\s?cent)\s+(?:stake\s+)?(?:of|in)\b", re.I
    ),
    "hire-staff": _PEOPLE_RE,
    "deal-possessive": re.compile(
        r"['’]s?\s+(?:\S+\s+){0,4}?(?:deals?|agreements?|contracts?|pacts?|tie-?ups?)\s+with\b",
        re.IGNORECASE,
    ),
    "deal-expanded": re.compile(r"\b(?:expand|extend|increas|boost|enlarg|renew|sign|ink)", re.I),
    "possessive-stake": re.compile(r"['’]", re.IGNORECASE),
    "possessive-headline": re.compile(r"['’]", re.IGNORECASE),
    "acquisition-of": re.compile(r"\bof\b", re.IGNORECASE),
    # round 4's rules: the phrase each needs, tested once a keyword is found
    "unwatched-lead": re.compile(
        r"\b(?:led|leads?|leading)\s+(?:\S+\s+){0,5}?(?:round|funding|financing|raise|"
        r"investment|series|seed)\b",
        re.IGNORECASE,
    ),
    "round-of": _ROUND_NAMED,
    "round-in": _ROUND_NAMED,
    "cumulative": re.compile(
        r"\b(?:total|overall|cumulative|combined)\s+(?:investment|stake|commitment|backing|"
        r"funding|outlay)s?\s+in",
        re.IGNORECASE,
    ),
    "cumulative-of": re.compile(
        r"['’]s\s+(?:total|overall|cumulative|combined)\s+(?:investment|stake|commitment|"
        r"backing|funding|outlay)s?\s+in",
        re.IGNORECASE,
    ),
    "is-holder": re.compile(
        r"['’]s\s+(?:[\w-]+\s+){0,2}?(?:backer|investor|shareholder|stakeholder|funder|owner)",
        re.IGNORECASE,
    ),
    "designate": _DESIGNATED,
    "move-to": COMPUTE_WORDS,
    "designate-of": _DESIGNATED,
    "will-be-provider": _DESIGNATED,
    "product-available": re.compile(
        r"\b(?:available|offered|hosted|coming|arriv\w+|launching|lands|landed|debut\w*|comes|"
        r"came)\s+(?:\S+\s+){0,6}?"
        r"(?:on|via|through|in|to|inside)\s",
        re.IGNORECASE,
    ),
}


def lower_outside_escapes(pattern: str) -> str:
    """A pattern's letters in lower case, its escapes (\\S, \\W) and group names kept."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        else:
            out.append(pattern[i].lower())
            i += 1
    return "".join(out).replace("(?p<", "(?P<")


RULES = [
    replace(r, also=_ALSO.get(r.name), fast=re.compile(lower_outside_escapes(r.source)))
    for r in RULES
]

# Which rules a sentence can match: one Aho-Corasick pass for every rule's keywords,
# overlapping (" joint venture" holds " join" and "joint venture"); a keyword found also counts
# for the shorter keywords inside it ("acquisition" holds "acqui").
_KEYWORDS = sorted({k for r in RULES for k in r.needs})
_AUTOMATON = ahocorasick_rs.AhoCorasick(_KEYWORDS)
_INSIDE = {k: frozenset(j for j in _KEYWORDS if j in k) for k in _KEYWORDS}
_RULES_OF = {k: [i for i, r in enumerate(RULES) if k in r.needs] for k in _KEYWORDS}
# per keyword (by its index in the automaton): every rule it calls for, its inner keywords' too
_KEYWORD_RULES = [frozenset(i for j in _INSIDE[k] for i in _RULES_OF[j]) for k in _KEYWORDS]


_CALLED: dict[frozenset[int], Plan] = {}
_BY_PRODUCT = frozenset({"host-models"})


# the case-insensitive `also` tests, lowered: run case-sensitively on the lowered sentence
_ALSO_LOW = {
    r.also: re.compile(lower_outside_escapes(r.also.pattern))
    for r in RULES
    if r.also is not None and r.also.flags & re.IGNORECASE
}


class Kinded(Protocol):
    @property
    def kind(self) -> str: ...


def rules_for(sentence: str, mentions: Sequence[Kinded] = ()) -> list[Rule]:
    """The rules whose keywords `sentence` holds (in the rules' order); none for most. When
    the sentence's `mentions` name a product, the rules that read a model by its name run
    without the word "model" ("Microsoft will host Grok on Azure"); asked only then."""
    lowered = " " + sentence.lower()
    hits = _AUTOMATON.find_matches_as_indexes(lowered, overlapping=True)
    if not hits:
        return []
    keys = frozenset(h[0] for h in hits)
    called = _CALLED.get(keys)
    if called is None:  # the rules a set of keywords calls, in order: asked again and again
        called = _plan(keys)
        if len(_CALLED) < 4096:
            _CALLED[keys] = called
    rules, tests, index, by_product = called
    if not tests:
        return list(rules)
    # each extra test once per sentence: the lowered pattern on the lowered sentence (the
    # same answer, faster), else the pattern itself
    holds = [
        (fast.search(lowered, 1) if fast is not None else also.search(sentence)) is not None
        for also, fast in tests
    ]
    out = [rule for rule, test in zip(rules, index, strict=True) if test < 0 or holds[test]]
    if (
        len(out) < len(rules)
        and any(named and not holds[test] for test, named in zip(index, by_product, strict=True))
        and any(m.kind == "product" for m in mentions)
    ):
        out = [
            rule
            for rule, test, named in zip(rules, index, by_product, strict=True)
            if test < 0 or holds[test] or named
        ]
    return out


# the rules a set of keywords calls, their distinct extra tests (each pattern with its
# lowered form), each rule's test by its index there (-1: none), and whether a product
# named in the sentence lets the rule run without its test
Plan = tuple[
    tuple[Rule, ...],
    tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...],
    tuple[int, ...],
    tuple[bool, ...],
]


def _plan(keys: frozenset[int]) -> Plan:
    """The rules a set of keywords calls, in order, and the distinct extra tests they need
    (each rule's test by its index there, -1 for none)."""
    order = sorted(frozenset().union(*(_KEYWORD_RULES[k] for k in keys)))
    rules = tuple(RULES[i] for i in order)
    alsos: list[re.Pattern[str]] = []
    index: list[int] = []
    for r in rules:
        if r.also is None:
            index.append(-1)
            continue
        if r.also not in alsos:
            alsos.append(r.also)
        index.append(alsos.index(r.also))
    tests = tuple((a, _ALSO_LOW.get(a)) for a in alsos)
    return rules, tests, tuple(index), tuple(r.name in _BY_PRODUCT for r in rules)

"""Funding rounds told across sentences. News announces a raise in one sentence and names its
backers in the next ones, by reference to the round:

    Anthropic said on Tuesday it had raised $13 billion in a Series F round. ICONIQ led the
    round, with Fidelity and Lightspeed as co-leads. General Catalyst and Coatue were among
    the other investors.

`announcement` finds the sentence's company raising money (its name, then a raise verb and a
round or an amount: "X raised $N", "X has closed a Series B", "X is in talks to raise", "X's
$N round"); `members` reads a later sentence's backers of that round, as leads ("led the
round", "the round was led by", "as co-leads", "anchored") or participants ("also
participated", "were among the other investors", "with participation from", "existing
investors including … took part"). extractors/deals.py joins them into the round's one deal,
with the announcement's amount, year and status. A later sentence that names no round and
says nothing of taking part ("Its customers include Microsoft"), negates it ("Nvidia did not
take part"), or announces another company's raise names no members.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.deal_skeleton import A, Context, P
from extractors.records import Mention

# --- the announcement, on the plain sentence after the company's name

_ROUND_WORDS = (
    r"(?:round|funding|financing|fund-?rais(?:e|ing)|raise|Series\s+[A-Z]\b|seed|"
    r"capital|investment|money|cash)"
)
# an amount of money, as written (extractors/amounts.py finds it exactly; this only places it)
_MONEY = r"(?:[$€£¥]\s?\d|(?:US|C|A|HK|S)\$\s?\d|\d[\d.,]*\s?(?:billion|million|bn|mn|m|b)\b)"
_RAISED = re.compile(
    # an aside after the name ("Mistral AI, the Paris-based lab, raised …")
    r"(?:\s*,[^,.;:]{1,120},)?"
    r"\s+(?:(?:said|says|announced|confirmed|disclosed)\s+(?:on\s+\w+\s+|today\s+|this\s+\w+\s+|"
    r"late\s+\w+\s+|in\s+a\s+[\w\s-]{0,30}?\s+)?(?:that\s+)?(?:it\s+)?)?"
    r"(?:(?:has|had|have|is|was|were|will|would|just|also|now|recently|reportedly|officially|"
    r"formally|quietly|finally|successfully|already|since|meanwhile|separately|today|"
    r"earlier|last\s+\w+|last|this\s+\w+)\s+){0,3}"
    r"(?:(?:in\s+(?:early\s+|advanced\s+|final\s+|late-stage\s+)?(?:talks|discussions|"
    r"negotiations)|seeking|looking|planning|preparing|aiming|set|close|expected|hoping|"
    r"moving|poised|on\s+track|about|trying|working)\s+(?:to\s+)?)?"
    r"(?P<verb>rais(?:e|es|ed|ing)|clos(?:e|es|ed|ing)|secur(?:e|es|ed|ing)|land(?:s|ed|ing)?|"
    r"complet(?:e|es|ed|ing)|announc(?:e|es|ed|ing)|bag(?:s|ged)?|nab(?:s|bed)?|"
    r"pull(?:s|ed)?\s+in|haul(?:s|ed)?\s+in|snag(?:s|ged)?|gets?|got|receiv(?:e|es|ed)|"
    r"tak(?:e|es)\s+in|took\s+in|wrap(?:s|ped)?\s+up|finali[sz](?:e|es|ed|ing)|"
    r"(?:emerged|emerges|came|comes|launched|launches)\s+(?:out\s+of|from)\s+stealth\s+with)\b"
    rf"(?P<obj>[^.;:]{{0,100}}?)(?:\b{_ROUND_WORDS}\b|{_MONEY})",
    re.IGNORECASE,
)
# "Anthropic's $13 billion Series F", "Mistral's new funding round"
_POSSESSIVE_ROUND = re.compile(
    r"['’]s?\s+(?:(?:new|latest|fresh|recent|first|second|third|\S*\d\S*|billion|million|"
    r"bn|mn|[\w-]+-dollar)\s+){0,5}?(?:(?:funding|financing|equity|venture|growth|seed|"
    r"mega-?)\s+)?(?:round|raise|Series\s+[A-Z]\b|fundraise|fund-?raising)",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|n['’]t|never|no|denied|den(?:y|ies))\b", re.IGNORECASE)
# a company's raise, not another's: the name is no object ("investors in X raised …")
_OBJECT_BEFORE = re.compile(
    r"\b(?:in|of|from|for|to|with|by|into|than|like|and|or)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Announcement:
    """A company raising money in one sentence: its mention and the end of the raise phrase."""

    target: Mention
    end: int  # offset in the text where the raise phrase ends


def announcement(
    text: str, span: tuple[int, int], inside: Sequence[Mention]
) -> Announcement | None:
    """The company the sentence `text[span]` says raised (or is raising) a round, if any: the
    first lab or company named right before a raise verb that has a round or an amount."""
    start, end = span
    for m in inside:
        if m.kind == "product":
            continue
        if _OBJECT_BEFORE.search(text, max(start, m.start - 12), m.start):
            continue
        r = _RAISED.match(text, m.end, end) or _POSSESSIVE_ROUND.match(text, m.end, end)
        if r is None:
            continue
        between = text[m.end : r.start("verb")] if "verb" in r.groupdict() else ""
        if _NEGATED.search(between):
            continue  # "X has not raised", "X denied it was raising"
        if any(m.end < o.start < r.end() for o in inside if o.entity != m.entity):
            # another party inside the phrase: "X raised money from Y" is the sentence's own
            # deal; "X, backed by Y, raised" still counts (the aside before the verb)
            verb = r.start("verb") if "verb" in r.groupdict() else r.end()
            if any(verb < o.start < r.end() for o in inside if o.entity != m.entity):
                continue
        return Announcement(m, r.end())
    return None


# "The Paris-based company raised €385mn", "The start-up last raised money in January", "It
# closed a Series B": a raise whose subject stands for the previous sentence's company
_DESCRIBED_SUBJECT = re.compile(
    r"\s*[\"“‘']?(?:It|(?:The|the)\s+(?:[\w.-]+\s+){0,4}?(?:start-?up|company|firm|lab|group|"
    r"developer|maker|hub|business|unicorn|outfit|provider|platform))\b"
)
# a raise by a company the watchlist does not hold ("Rival Apptronik closed a $350M Series A"):
# what follows it is about that round
_UNWATCHED_RAISE = re.compile(
    r"\b(?!(?:The|It|This|That|Its|Their)\b)(?-i:[A-Z])[\w.&-]*\s+(?:has\s+|had\s+|also\s+|just\s+)?"
    r"(?:raised|closed|secured|landed|completed|announced|raises|closes|secures|lands)\s+"
    r"(?:(?:a|an)\s+)?(?:[\w$€£.,-]+\s+){0,4}?(?:round|Series\s+[A-Z]\b|funding|seed|financing)\b",
    re.IGNORECASE,
)


def described_announcement(
    text: str, span: tuple[int, int], previous: Sequence[Mention]
) -> Announcement | None:
    """A raise whose subject is a description or "It" standing for the previous sentence's
    first lab or company: "The start-up last raised money in January"."""
    start, end = span
    d = _DESCRIBED_SUBJECT.match(text, start, end)
    if d is None:
        return None
    r = _RAISED.match(text, d.end(), end)
    if r is None or _NEGATED.search(text, d.end(), r.start("verb")):
        return None
    subject = next((m for m in previous if m.kind in ("lab", "company")), None)
    if subject is None:
        return None
    return Announcement(
        Mention(subject.entity, subject.kind, d.group(), d.start(), d.end()), r.end()
    )


def unwatched_raise(sentence: str) -> bool:
    """Whether the sentence tells another company's raise (one the watchlist does not name)."""
    return _UNWATCHED_RAISE.search(sentence) is not None


# --- a later sentence's backers, on its skeleton (extractors/deal_skeleton.py)

_REF_NOUN = (
    r"(?:round|funding|financing|fund-?rais(?:e|ing)|raise|investment|series\s+[a-z]\w*|seed|"
    r"tranche|deal|offering|cash\s+infusion|capital\s+infusion|(?:new|fresh)\s+(?:money|cash|"
    r"capital|funds?))"
)
# The sentence speaks of the round: "the round", "this financing", "the $13 billion raise";
# not "a round of layoffs", "the round of talks".
_REFERS = re.compile(
    rf"\b(?:the|this|that|its|their|the\s+latest|the\s+new)\s+(?:(?:[\w$€£.,%-]+|{A})\s+){{0,3}}?"
    rf"{_REF_NOUN}\b(?!\s+of\s+(?!funding|financing|investment|capital))",
    re.IGNORECASE,
)
# or says its parties took part without naming what in ("B and C also participated")
_TOOK_PART = re.compile(
    r"\b(?:participat(?:ed|es|ing|ion|e)|took\s+part|taking\s+part|take\s+part|joined|joining|"
    r"invest(?:ed|ing)?|backed|chipped\s+in|came\s+(?:in|back)|piled\s+in|put\s+(?:up|in)|"
    r"contributed|tagged\s+along|(?:increased|added\s+to|upped|topped\s+up)\s+(?:their|its)\s+"
    r"(?:holdings?|stakes?|positions?|bets?)|drew|attracted|"
    r"(?:other|existing|new|returning|additional|previous|earlier|further)\s+(?:investors|backers|"
    r"participants|shareholders|funders)|among\s+(?:the\s+)?(?:other\s+|existing\s+|new\s+)?"
    r"(?:investors|backers|participants|funders)|syndicate|co-?leads?|co-led|lead\s+investors?|"
    r"anchor(?:ed|s|ing)?|spearhead(?:ed|s|ing)?)\b|^\s*(?:investors|backers)\s+(?:include|"
    r"included|are|were)\b|\bled\s*(?:[.;,]|$)",
    re.IGNORECASE,
)
# names the watchlist does not hold in a list of backers ("A, B, the Qatar Investment
# Authority and C", "Jeff Bezos's family office"): capitalised words, or an article and
# capitalised words, and lower-case words after a possessive
_OTHER = (
    r"(?:(?:the\s+)?(?-i:[A-Z0-9])[\w&.'’-]*(?:\s+(?:(?-i:[A-Z0-9])[\w&.'’-]*|of|for))*"
    r"(?:(?<=['’]s)(?:\s+(?-i:[a-z])[\w-]*){1,3})?)"
)
_SEP = r"(?:\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&)\s+)"
# a list of backers: watched parties (with "the" before a fund of theirs, their fund's words,
# or "'s venture arm") and other names
_ITEM = (
    rf"(?:(?:the\s+)?{P}(?:\s+(?-i:[A-Z])[\w&.-]*)*(?:['’]s\s+(?:(?:[\w-]+\s+){{0,2}}?"
    rf"(?:arm|fund|unit|office|vehicle)\b|(?-i:[A-Z])[\w&.-]*(?:\s+(?-i:[A-Z])[\w&.-]*)*)"
    rf"(?:\s+\d+)?)?|{_OTHER})"
)
_BACKERS = rf"(?P<list>{_ITEM}(?:{_SEP}{_ITEM}){{0,12}})"
# what may follow "took part", "joined", "invested": the end of the clause, the round, an
# amount, or a word of manner; not another thing ("joined the board", "took part in a panel",
# "invested in Cohere")
_ROUND_AHEAD = (
    rf"(?:the|this|that|its|their|a|an)\s+(?:(?:[\w$€£.,%-]+|{A})\s+){{0,3}}?{_REF_NOUN}\b"
)
_IN_THE_ROUND = (
    rf"(?=\s*(?:[,.;:)]|$)|\s+(?:{A}|{_ROUND_AHEAD}|(?:in|into|on)\s+(?:{_ROUND_AHEAD}|the\s+"
    r"(?:[\w-]+\s+){0,2}?(?:start-?up|company|firm|group|business|lab)\b)|(?:again|too|"
    rf"as\s+well|alongside|with|as|through|via|from|for|up|it|them|in\s+(?:{A}|full)|"
    r"(?:(?:more|fresh|new|additional|further|some)\s+)?(?:money|cash|capital|funds?)|"
    r"(?:up\s+to|about|around|roughly|nearly|as\s+much\s+as)\s+\ue002)\b))"
)
# words between a backer and its verb: an auxiliary, a modal, talks ("are expected to join",
# "is in discussions to lead", "could also put in money", "are also in talks to invest")
_MODAL = (
    r"(?:(?:has|have|had|is|was|were|are|will|would|could|may|might|also|all|each|both|jointly|"
    r"already|expected\s+to|set\s+to|poised\s+to|likely\s+to|due\s+to|plans?\s+to|planning\s+to|"
    r"in\s+(?:early\s+|advanced\s+)?(?:talks|discussions|negotiations)\s+to|understood\s+to|"
    r"said\s+to|to)\s+){0,4}"
)
_LEADS = [
    re.compile(x, re.IGNORECASE)
    for x in (
        # "ICONIQ led the round", "A and B co-led the financing", "A is expected to lead"
        rf"{_BACKERS}\s+{_MODAL}(?:co-)?(?:led|leads|leading|lead|anchored|anchors|anchoring|"
        r"anchor|headed|heads|heading|head|spearheaded|spearheading|spearhead)\b(?!\s+by)",
        # "the round was led by A, B and C", "co-led by", "anchored by"
        r"\b(?:co-)?(?:led|headed|anchored|spearheaded)\s+by\s+" + _BACKERS,
        # "with A and B as co-leads", "with A as the lead investor"
        rf"\bwith\s+{_BACKERS}\s+as\s+(?:the\s+|joint\s+)?(?:co-)?lead(?:s|\s+investors?)?\b",
        # "A was the lead investor", "A and B were co-leads"
        rf"{_BACKERS}\s+(?:was|were|is|are|acted\s+as|served\s+as)\s+(?:the\s+)?(?:joint\s+)?"
        r"(?:co-)?lead(?:s|\s+investors?|\s+backers?)?\b",
        # "Leading the round was A", "Lead investors were A and B", "The lead investor is A"
        r"\b(?:(?:co-)?leading|heading|anchoring)\s+(?:the|this|that)\s+(?:[\w-]+\s+){0,2}?"
        r"(?:round|financing|raise|funding|deal|investment)\s+(?:was|were|is|are)\s+" + _BACKERS,
        r"\b(?:(?:the|its)\s+)?(?:co-)?lead\s+(?:investors?|backers?)\s+(?:was|were|is|are|"
        r"included|include|:)\s+" + _BACKERS,
        # "A-led", "A-co-led"
        rf"(?P<list>{P})-(?:co-)?led\b",
    )
]
_PARTS = [
    re.compile(x, re.IGNORECASE)
    for x in (
        # "B and C (also) participated / took part / joined / chipped in / put in $N",
        # "Microsoft, an existing investor, also took part"
        rf"{_BACKERS}(?:,\s+(?:an?|the|its|one\s+of)\s+[^,;\ue000]{{1,60}},)?\s+{_MODAL}"
        r"(?:participated|participating|participate|took\s+part|taking\s+part|take\s+part|"
        r"joined|joining|join|chipped\s+in|came\s+(?:in|back)|piled\s+in|put\s+(?:up|in)|"
        r"putting\s+(?:up|in)|contributed|contribute|invested|investing|invest|returned|"
        r"supplied|provided|rounded\s+out|tagged\s+along)\b" + _IN_THE_ROUND,
        # "B and C increased / added to their holdings"
        rf"{_BACKERS}\s+{_MODAL}(?:increased|added\s+to|upped|topped\s+up|raised)\s+(?:their|its)"
        r"\s+(?:holdings?|stakes?|positions?|bets?)\b",
        # "B and C were (also) among the (other) investors"
        rf"{_BACKERS}\s+(?:were|was|are|is)\s+(?:also\s+)?among\s+(?:the\s+|its\s+)?"
        r"(?:[\w-]+\s+){0,2}?(?:investors|backers|participants|funders|contributors)\b",
        # "B signed a letter of intent to invest $N in the round"
        rf"{_BACKERS}\s+{_MODAL}(?:[\w-]+\s+){{0,6}}?(?:invest|put|commit|contribute)\s+"
        rf"(?:(?:up\s+to|about|around|roughly|as\s+much\s+as)\s+)?(?:{A}\s+)?(?:in|into|to|toward|"
        rf"towards)\s+{_ROUND_AHEAD}",
        # "Also participating were B and C", "Joining it were B", "Investors in the round
        # included B", "Backers of the round include B", "Investors include B" (a sentence's
        # first words)
        r"(?:\b(?:(?:also\s+)?(?:participating|joining|investing|taking\s+part)(?:\s+(?:it|them|"
        r"in\s+the\s+(?:round|financing|raise|funding)))?|(?:investors|backers|participants)\s+"
        r"(?:in|of)\s+the\s+(?:[\w-]+\s+){0,2}?(?:round|financing|raise|funding)\s+(?:also\s+)?"
        r"(?:included|includes|include|were|are))|^\s*(?:investors|backers)\s+(?:include|included"
        r"|are|were))\s+(?:(?:were|was|are|is)\s+)?" + _BACKERS,
        # "with participation from B", "joined by B", "alongside B", "a syndicate including B",
        # "other investors included B", "existing backers such as B", "as are B",
        # "follow-on capital from existing investor B", "the raise also drew B"
        r"\b(?:participation\s+(?:from|by|of)|joined\s+by|alongside|along\s+with|"
        r"syndicate\s+(?:that\s+)?(?:including|included|of)|as\s+(?:are|were|is|was|did|do|does)|"
        r"(?:capital|money|funding|investment|cash)\s+from|(?:also\s+)?(?:drew|attracted)|"
        r"as\s+well\s+as|"
        r"(?:other|existing|new|returning|additional|previous|earlier|further)\s+(?:investors|backers|"
        r"participants|shareholders|funders)(?:\s+in\s+the\s+(?:round|financing))?"
        r"(?:\s+(?:including|included|include|such\s+as|like|were|are|was|comprised)|\s*:))\s+"
        r"(?:(?:new|existing|returning|other|strategic)\s+)?(?:(?:firms?|investors?|backers?)\s+)?"
        + _BACKERS,
    )
]
# a clause that denies taking part ("Nvidia did not take part", "Microsoft sat this one out")
_DENIES = re.compile(
    r"\b(?:not|n['’]t|never|no\s+longer|declin(?:ed|es|ing)|s[ai]t\s+(?:\w+\s+){0,2}out|"
    r"skipp(?:ed|ing)|pass(?:ed|es)\s+on|refus(?:ed|es)|opted\s+out|stayed\s+out|"
    r"absent|except|rather\s+than|instead\s+of|previous|prior|earlier|last)\b",
    re.IGNORECASE,
)
_CLAUSE_START = re.compile(r"[;:]|,\s+(?:but|while|whereas|although|though)\b|\.\s", re.IGNORECASE)


def members(skeleton: str, kinds: Sequence[str]) -> list[tuple[int, str]]:
    """The backers a later sentence names for the round, as (mention index, role), leads first;
    none when the sentence neither refers to a round nor says its parties took part."""
    if not (_REFERS.search(skeleton) or _TOOK_PART.search(skeleton)):
        return []
    ctx = Context(kinds, skeleton)
    out: dict[int, str] = {}
    for pattern, role in [*((x, "lead") for x in _LEADS), *((x, "participant") for x in _PARTS)]:
        for m in pattern.finditer(skeleton):
            cut = max((c.end() for c in _CLAUSE_START.finditer(skeleton, 0, m.start())), default=0)
            if _DENIES.search(skeleton, cut, m.end()):
                continue  # "Nvidia did not take part"; "A, which led the last round, joined"
            for i in ctx.parties(m.group("list")):
                if kinds[i] != "product":
                    out.setdefault(i, role)
    return sorted(out.items(), key=lambda x: x[1] != "lead")

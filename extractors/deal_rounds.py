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

from extractors.deal_skeleton import LEGAL_FORM, MARK, OWNER_BEFORE, TICKER_AFTER, A, P
from extractors.records import Mention

# --- the announcement, on the plain sentence after the company's name

# the nouns of a round of funding (not "investment", "cash" or "capital", which a company also
# announces when it spends them)
_ROUND_WORDS = (
    r"(?:(?:funding|financing|investment|venture|equity|growth|seed|Series\s+[A-Z])\s+round|"
    r"round\s+of\s+(?:funding|financing|investment)|funding|financing|fund-?rais(?:e|ing)|"
    r"Series\s+[A-Z]\b|seed\s+(?:funding|money|capital)|(?<!bond\s)round(?!\s+of\b))"
)
# an amount of money, as written (extractors/amounts.py finds it exactly; this only places it)
_MONEY = r"(?:[$€£¥]\s?\d|(?:US|C|A|HK|S)\$\s?\d|\d[\d.,]*\s?(?:billion|million|bn|mn|m|b)\b)"
# words that make a raise no round: debt, prices, forecasts, another company's round
_NOT_A_ROUND = re.compile(
    r"\b(?:bonds?|debt|loans?|notes|credit|convertible|IPO|offering|dividends?|forecasts?|"
    r"guidance|outlook|prices?|target|rates?|stakes?|holdings?|wages?|pay|capacity|layoffs|"
    r"tariffs?|talks|cuts?|sanctions|contracts?|acquisition|purchase|for|of)\b",
    re.IGNORECASE,
)
_SUBJECT_WORDS = (
    # an aside after the name ("Mistral AI, the Paris-based lab, raised …")
    r"(?P<aside>\s*,[^,.;:]{1,120},)?(?:\s+(?:today|on\s+\w+day|this\s+week))?"
    r"\s+(?:(?:said|says|announced|confirmed|disclosed)\s+(?:on\s+\w+\s+|today\s+|this\s+\w+\s+|"
    r"late\s+\w+\s+|in\s+a\s+[\w\s-]{0,30}?\s+)?(?:that\s+)?(?:it\s+)?)?"
    r"(?:(?:has|had|have|is|was|were|will|would|just|also|now|recently|reportedly|officially|"
    r"formally|quietly|finally|successfully|already|since|meanwhile|separately|today|"
    r"earlier|last\s+\w+|last|this\s+\w+)\s+){0,3}"
    r"(?:(?:in\s+(?:early\s+|advanced\s+|final\s+|late-stage\s+)?(?:talks|discussions|"
    r"negotiations)|seeking|looking|planning|preparing|aiming|set|close|expected|hoping|"
    r"moving|poised|on\s+track|about|trying|working)\s+(?:to\s+)?)?"
)
_RAISED = re.compile(
    _SUBJECT_WORDS
    # "raised $N", "raised about $N", "pulled in more than $N": a raise verb and an amount;
    # or a verb of getting or ending and a round ("closed a Series B", "secured $N in new
    # funding", "completed a $N round")
    + r"(?:(?P<verb>rais(?:e|es|ed|ing)|pull(?:s|ed)?\s+in|haul(?:s|ed)?\s+in|bag(?:s|ged)?|"
    r"nab(?:s|bed)?|snag(?:s|ged)?|tak(?:e|es)\s+in|took\s+in|secur(?:e|es|ed|ing)|"
    r"land(?:s|ed)?|receiv(?:e|es|ed)|got|gets|obtain(?:s|ed)?|"
    r"(?:emerged|emerges|came|comes|launched|launches)\s+(?:out\s+of|from)\s+stealth\s+with)"
    r"(?P<qual>\s+(?:(?:about|around|roughly|nearly|almost|more\s+than|over|some|another|up\s+to|"
    r"at\s+least|close\s+to|an?\s+(?:additional|further|fresh|new)|just\s+(?:over|under))\s+)*)"
    rf"(?={_MONEY})"
    r"|(?P<verb2>rais(?:e|es|ed|ing)|clos(?:e|es|ed|ing)|secur(?:e|es|ed|ing)|land(?:s|ed|ing)?|"
    r"complet(?:e|es|ed|ing)|announc(?:e|es|ed|ing)|bag(?:s|ged)?|nab(?:s|bed)?|"
    r"pull(?:s|ed)?\s+in|haul(?:s|ed)?\s+in|snag(?:s|ged)?|gets?|got|receiv(?:e|es|ed)|"
    r"wrap(?:s|ped)?\s+up|finali[sz](?:e|es|ed|ing))\b"
    rf"(?P<obj>[^.;:]{{0,80}}?)\b{_ROUND_WORDS})",
    re.IGNORECASE,
)
# "Anthropic's $13 billion Series F", "Mistral's new funding round" (not "round of layoffs")
_POSSESSIVE_ROUND = re.compile(
    r"['’]s?\s+(?:(?:new|latest|fresh|recent|\S*\d\S*|billion|million|"
    r"bn|mn|[\w-]+-dollar)\s+){0,5}?(?:(?:funding|financing|equity|venture|growth|seed|"
    r"mega-?)\s+)?(?:round(?!\s+of\s+(?!funding|financing|investment))|raise|Series\s+[A-Z]\b|"
    r"fundraise|fund-?raising)",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|n['’]t|never|no|denied|den(?:y|ies))\b", re.IGNORECASE)
# a company's raise, not another's: the name is no object ("investors in X raised …")
_OBJECT_BEFORE = re.compile(
    r"(?:\b(?:in|of|from|for|to|with|by|into|than|like|and|or)|['’]s)\s*$",
    re.IGNORECASE,
)
# "Norway's Aker", "Elon Musk's xAI": a place's or a person's possessive, no owner that is
# a party (a name the watchlist holds is a mention, checked apart)
_PLACE_OWNER = re.compile(rf"(?:^|(?<=[\s,;:(—–-])){OWNER_BEFORE}$")
_POSSESSIVE_ENDS = ("'s", "’s")
# an announcement that recalls an earlier raise: its round is background
_EARLIER = re.compile(
    r"\b(?:last|previously|to\s+date|in\s+total|so\s+far|since\s+(?:its\s+)?(?:founding|launch|"
    r"\d{4}))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Announcement:
    """A company raising money in one sentence: its mention and the end of the raise phrase."""

    target: Mention
    end: int  # offset in the text where the raise phrase ends
    verb: int  # where its verb starts (its amount comes after, not in an aside before)
    earlier: bool = False  # an earlier raise recalled ("last raised", "has raised … to date")


def _raise_at(text: str, at: int, end: int) -> re.Match[str] | None:
    """The raise phrase right after a company's name at `at`, if it is one of a round."""
    r = _RAISED.match(text, at, end) or _POSSESSIVE_ROUND.match(text, at, end)
    if r is None:
        return None
    groups = r.groupdict()
    if _NEGATED.search(text, at, _verb_start(r)):
        return None  # "X has not raised", "X denied it was raising"
    if groups.get("obj") and _NOT_A_ROUND.search(groups["obj"]):
        return None  # "closed a $2bn bond sale", "landed a cloud contract for its round"
    if _DEBT_AFTER.match(text, r.end(), min(end, r.end() + 80)):
        return None  # "raised $18 billion in a bond sale"
    return r


# what follows "raised $N" when the money is borrowed or earned
_DEBT_AFTER = re.compile(
    r"[^.;:]{0,40}?\b(?:bonds?|debt|loans?|notes|credit\s+(?:line|facility)|convertible|"
    r"contracts?|orders?|deals?|revenue|sales|grants?|subsid\w*|awards?|prize)\b",
    re.IGNORECASE,
)


def _recalled(text: str, r: re.Match[str], end: int) -> bool:
    """Whether the raise phrase `r` (its aside left out) and the rest of its clause recall an
    earlier raise: "last raised", "has raised $1 billion to date"."""
    start = r.end("aside") if "aside" in r.groupdict() and r.group("aside") else r.start()
    rest = re.match(r"[^,;.]*", text[r.end() : end])
    return bool(_EARLIER.search(text[start : r.end()] + (rest.group() if rest else "")))


def _verb_start(r: re.Match[str]) -> int:
    for name in ("verb", "verb2"):
        if name in r.groupdict() and r.group(name):
            return r.start(name)
    return r.start()


def announcement(
    text: str, span: tuple[int, int], inside: Sequence[Mention]
) -> Announcement | None:
    """The company the sentence `text[span]` says raised (or is raising) a round, if any: the
    first lab or company named right before a raise verb with an amount ("raised $N"), a verb
    of getting or ending with a round ("closed a Series B"), or a round it owns."""
    start, end = span
    for m in inside:
        if m.kind == "product":
            continue
        obj = _OBJECT_BEFORE.search(text, max(start, m.start - 12), m.start)
        if obj and not (
            obj.group().rstrip()[-2:] in _POSSESSIVE_ENDS  # (a preposition: the common case)
            and _PLACE_OWNER.search(text, max(start, m.start - 40), m.start)
            and not any(m.start - 40 < o.end <= m.start for o in inside)
        ):
            continue
        # past the name's legal form and listing: "Cohere Inc. (XYZ.O) said it had raised"
        at = legal.end() if (legal := LEGAL_FORM.match(text, m.end, end)) else m.end
        at = listed.end() if (listed := TICKER_AFTER.match(text, at, end)) else at
        r = _raise_at(text, at, end)
        if r is None:
            continue
        verb = _verb_start(r)
        if any(verb < o.start < r.end() for o in inside if o.entity != m.entity):
            continue  # another party inside the phrase: "X raised money from Y", its own deal
        return Announcement(m, r.end(), verb, _recalled(text, r, end))
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
    r"\b(?!(?:The|It|This|That|Its|Their)\b)(?-i:[A-Z])[\w.&-]*\s+(?:(?:has|had|have|also|just|"
    r"said\s+(?:on\s+\w+\s+)?(?:that\s+)?it\s+had|said\s+(?:on\s+\w+\s+)?(?:that\s+)?it\s+has)\s+)*"
    r"(?:(?:raised|raises|pulled\s+in|secured|closed|landed|bagged)\s+(?:(?:about|around|roughly|"
    rf"nearly|more\s+than|over|some|another)\s+)*(?={_MONEY})|(?:raised|closed|secured|landed|"
    r"completed|announced|raises|closes|secures|lands)\s+(?:(?:a|an)\s+)?(?:[\w$€£.,-]+\s+){0,4}?"
    r"(?:round|Series\s+[A-Z]\b|funding|seed|financing)\b)",
    re.IGNORECASE,
)
# a round of another company: "a $60 million round for Crosby", "after a round led by Schwarz
# Group", "the $105 million seed round of robotics start-up Genesis AI"
_ANOTHER_ROUND = re.compile(
    rf"\b(?:a|an)\s+(?:(?:[\w$€£.,-]+|{A})\s+){{0,4}}?(?:round|Series\s+[A-Z])\b"
    r"(?!\s+of\s+(?:layoffs|talks|tariffs?|cuts|sanctions|golf|voting)|\s+(?:in|for|of|into)\s+"
    r"\ue000)|\b(?:round|raise|financing|Series\s+[A-Z])\s+(?:of|for|in|into|at)\s+"
    r"(?:(?:[\w-]+\s+){0,3}?)(?-i:[A-Z])",
    re.IGNORECASE,
)


def described_announcement(
    text: str, span: tuple[int, int], previous: Sequence[Mention]
) -> Announcement | None:
    """A raise whose subject is a description or "It" standing for a company the previous
    sentence names (a lab first, as "the start-up" mostly is): "The start-up last raised
    money in January"."""
    start, end = span
    d = _DESCRIBED_SUBJECT.match(text, start, end)
    if d is None:
        return None
    r = _raise_at(text, d.end(), end)
    if r is None:
        return None
    subject = next((m for m in previous if m.kind == "lab"), None) or next(
        (m for m in previous if m.kind == "company"), None
    )
    if subject is None:
        return None
    here = Mention(subject.entity, subject.kind, d.group(), d.start(), d.end())
    return Announcement(here, r.end(), _verb_start(r), _recalled(text, r, end))


def another_round(sentence: str, skeleton: str) -> bool:
    """Whether the sentence tells another round: a raise by a company the watchlist does not
    name, a round given with an indefinite article, or the round of a company the watchlist
    does not name (the skeleton, whose watched parties are marks)."""
    return bool(_UNWATCHED_RAISE.search(sentence) or _ANOTHER_ROUND.search(skeleton))


# --- a later sentence's backers, on its skeleton (extractors/deal_skeleton.py)

_REF_NOUN = (
    r"(?:round|funding|financing|fund-?rais(?:e|ing)|raise|investment|series\s+[a-z]\b|seed|"
    r"tranche|deal|cash\s+infusion|capital\s+infusion|(?:new|fresh)\s+(?:money|cash|capital|"
    r"funds?))(?!\s+(?:of|for|in|into|to)\b(?!\s+(?:funding|financing|investment|capital)\b))"
)
# the round, named as one already told: "the round", "this financing", "the $13 billion
# raise", "that round"; not "a round" (another one), "the round of layoffs", "the final round"
_DEFINITE = (
    rf"(?:the|this|that|its|their)\s+(?!(?:final|opening|qualifying|knockout|playoff|"
    rf"semi-?final|quarter-?final)\b)(?:(?:[\w$€£.,%-]+|{A})\s+){{0,3}}?{_REF_NOUN}\b"
)
_REFERS = re.compile(rf"\b{_DEFINITE}", re.IGNORECASE)
# or says its parties took part without naming what in ("B and C also participated")
_TOOK_PART = re.compile(
    r"\b(?:participat(?:ed|es|ing|ion|e)|took\s+part|taking\s+part|take\s+part|joined|joining|"
    r"chipped\s+in|piled\s+in|put\s+(?:up|in)|contributed|tagged\s+along|(?:increased|added\s+to|"
    r"upped|topped\s+up)\s+(?:their|its)\s+(?:holdings?|stakes?|positions?|bets?)|"
    r"(?:other|new|returning|additional|further)\s+(?:investors|backers|participants|funders)|"
    r"among\s+(?:the\s+)?(?:other\s+|new\s+)?(?:investors|backers|participants|funders)|"
    r"syndicate|co-?leads?|co-led|lead\s+investors?|also\s+(?:invested|came\s+in|backed\s+it)|"
    r"came\s+in\s*[.;,])\b|^\s*(?:investors|backers)\s+(?:include|"
    r"included|are|were)\b|\bled\s*(?:[.;]|$)",
    re.IGNORECASE,
)
# names the watchlist does not hold in a list of backers ("A, B, the Qatar Investment
# Authority and C", "Jeff Bezos's family office"): capitalised words, or an article and
# capitalised words, and lower-case words after a possessive
_OTHER = (
    # (a name may open on a small letter before a capital: "eBay Ventures")
    r"(?:(?:the\s+)?(?-i:[A-Z0-9]|[a-z](?=[A-Z]))[\w&.'’-]*(?:\s+(?:(?-i:[A-Z0-9])[\w&.'’-]*|of|for))*"
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
# what may follow "took part", "joined", "invested": the end of the sentence, the round, an
# amount, money, or a backer's role; not another thing ("joined the board", "took part in a
# panel", "invested in Cohere", "joined as launch partners")
_IN_THE_ROUND = (
    rf"(?=\s*(?:[.;)]|,\s+(?:the\s+(?:company|start-?up|firm)\s+)?(?:said|says|according)\b|"
    r",\s+(?:and|while|with|but)\b|$)|"
    rf"\s+(?:{A}|{_DEFINITE}|(?:in|into|on)\s+(?:{_DEFINITE}|the\s+(?:[\w-]+\s+){{0,2}}?"
    r"(?:start-?up|company|firm|business|lab)\b)|(?:again|too|as\s+well)\s*(?:[.;,]|$)|"
    r"it\b|them\b|in\s*(?:[.;,]|$)|in\s+(?:" + A + r"|full)|"
    r"as\s+(?:an?\s+)?(?:(?:new|existing|strategic|returning|minority|early)\s+)*"
    r"(?:investors?|backers?|shareholders?|participants?)\b|"
    r"(?:(?:more|fresh|new|additional|further|some)\s+)?(?:money|cash|capital|funds?)\b|"
    r"(?:up\s+to|about|around|roughly|nearly|as\s+much\s+as)\s+\ue002))"
)
# words between a backer and its verb: an auxiliary, a modal, talks ("are expected to join",
# "is in discussions to lead", "could also put in money", "are also in talks to invest")
_MODAL = (
    r"(?:(?:has|have|had|is|was|were|are|will|would|could|may|might|also|all|each|both|jointly|"
    r"already|expected\s+to|set\s+to|poised\s+to|likely\s+to|due\s+to|plans?\s+to|planning\s+to|"
    r"in\s+(?:early\s+|advanced\s+)?(?:talks|discussions|negotiations)\s+to|understood\s+to|"
    r"said\s+to|to)\s+){0,4}"
)
# after a verb of leading: the round, or the end of its clause ("Sequoia led;", "IVP led.")
_LED_WHAT = rf"(?=\s+{_DEFINITE}|\s+(?:alongside\s+)?it\b|\s*(?:[.;]|,\s+with\b|$))"
_LEADS = [
    re.compile(x, re.IGNORECASE)
    for x in (
        # "ICONIQ led the round", "A and B co-led the financing", "A is expected to lead it"
        rf"{_BACKERS}\s+{_MODAL}(?:co-)?(?:led|leads|leading|lead|anchored|anchors|anchoring|"
        r"anchor|headed|heads|heading|head|spearheaded|spearheading|spearhead)\b" + _LED_WHAT,
        # "the round was led by A, B and C", "co-led by", "anchored by"
        rf"\b{_DEFINITE}(?:,[^,;]{{0,80}},)?\s+(?:was|is|has\s+been|will\s+be|were)\s+(?:also\s+)?"
        r"(?:co-)?(?:led|headed|anchored|spearheaded)\s+by\s+" + _BACKERS,
        # "with A and B as co-leads", "with A as the lead investor"
        rf"\bwith\s+{_BACKERS}\s+as\s+(?:the\s+|joint\s+)?(?:co-)?lead(?:s|\s+investors?)?\b",
        # "A was the lead investor", "A and B were co-leads"
        rf"{_BACKERS}\s+(?:was|were|is|are|acted\s+as|served\s+as)\s+(?:the\s+)?(?:joint\s+)?"
        r"(?:co-)?lead(?:s|\s+investors?|\s+backers?)\b",
        # "Leading the round was A", "Lead investors were A and B", "The lead investor is A"
        r"\b(?:(?:co-)?leading|heading|anchoring)\s+(?:the|this|that)\s+(?:[\w-]+\s+){0,2}?"
        r"(?:round|financing|raise|funding|deal|investment)\s+(?:was|were|is|are)\s+" + _BACKERS,
        r"(?:^|[.;]\s+)(?:(?:the|its)\s+)?(?:co-)?lead\s+(?:investors?|backers?)\s+(?:was|were|is|"
        r"are|included|include)\s+" + _BACKERS,
        # "A-led", "A-co-led"
        rf"(?P<list>{P})-(?:co-)?led\s+{_REF_NOUN}",
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
        r"rounded\s+out|tagged\s+along)\b" + _IN_THE_ROUND,
        # "B and C increased / added to their holdings"
        rf"{_BACKERS}\s+{_MODAL}(?:increased|added\s+to|upped|topped\s+up)\s+(?:their|its)"
        r"\s+(?:holdings?|stakes?|positions?|bets?)\b(?!\s+(?:in|of)\b)",
        # "B and C were (also) among the (other) investors" (not "… in its rival X", "… of
        # the bill")
        rf"{_BACKERS}\s+(?:were|was|are|is)\s+(?:also\s+)?among\s+(?:the\s+|its\s+)?"
        r"(?:[\w-]+\s+){0,2}?(?:investors|backers|participants|funders|contributors)\b"
        r"(?!\s+(?:in|of|at|for)\s+(?!(?:the|this|that)\s+(?:round|raise|financing|funding)))",
        # "B signed a letter of intent to invest $N in the round"
        rf"{_BACKERS}\s+{_MODAL}(?:[\w-]+\s+){{0,6}}?(?:invest|put|commit|contribute)\s+"
        rf"(?:(?:up\s+to|about|around|roughly|as\s+much\s+as)\s+)?(?:{A}\s+)?(?:in|into|to|toward|"
        rf"towards)\s+{_DEFINITE}",
        # "Also participating were B and C", "Joining it were B", "Investors in the round
        # included B", "Backers of the round include B", "Investors include B" (a sentence's
        # first words), "Other participants: B", "with participation from B"
        r"(?:\b(?:(?:also\s+)?(?:participating|joining|investing|taking\s+part)(?:\s+(?:it|them|"
        r"in\s+the\s+(?:round|financing|raise|funding)))?|(?:investors|backers|participants)\s+"
        r"(?:in|of)\s+the\s+(?:[\w-]+\s+){0,2}?(?:round|financing|raise|funding)\s+(?:also\s+)?"
        r"(?:included|includes|include|were|are)|participation\s+(?:from|by|of)|syndicate\s+"
        r"(?:that\s+)?(?:including|included|of)|(?:other|new|returning|additional|further)\s+"
        r"(?:investors|backers|participants|funders)(?:\s+in\s+the\s+(?:round|financing))?(?:\s+"
        r"(?:including|included|include|such\s+as|were|are|was|comprised)|\s*:)"
        r")|^\s*(?:investors|backers)\s+(?:include|included|are|were))\s+(?:(?:were|was|are|is)\s+)?"
        r"(?:(?:new|existing|returning|other|strategic)\s+)?(?:(?:firms?|investors?|backers?)\s+)?"
        + _BACKERS,
        # "the raise, led by A, also drew B"
        rf"\b{_DEFINITE}(?:,[^;]{{0,80}}?,)?\s+(?:also\s+)?(?:drew|attracted|included|brought\s+in)"
        r"\s+(?:(?:money|investment|capital)\s+from\s+)?" + _BACKERS,
    )
]
# after one of the forms above in the same sentence, these add more of the round's backers
# ("with participation from A, as well as existing investors B", "… among the investors, as
# are C and D", "led by A alongside B")
_MORE = re.compile(
    r"\b(?:as\s+well\s+as|alongside|along\s+with|joined\s+by|as\s+(?:are|were|is|was|did)|"
    r"(?:follow-on|additional|further)\s+(?:capital|money|funding|investment)\s+from)\s+"
    r"(?:(?:new|existing|returning|other|strategic)\s+)?(?:(?:firms?|investors?|backers?)\s+)?"
    + _BACKERS,
    re.IGNORECASE,
)
# a clause that denies taking part ("Nvidia did not take part", "Microsoft sat this one out"),
# or names an earlier round ("A, which led the previous round, joined")
_DENIES = re.compile(
    r"\b(?:not|n['’]t|never|no|nor|neither|no\s+longer|declin(?:ed|es|ing)|"
    r"s[ai]t\s+(?:\w+\s+){0,2}out|skipp(?:ed|ing)|pass(?:ed|es)\s+on|refus(?:ed|es)|opted\s+out|"
    r"stayed\s+out|absent|except|rather\s+than|instead\s+of|previous|prior|earlier|last|"
    r"most\s+recent|former|formerly)\b",
    re.IGNORECASE,
)
# a sentence that takes its backers back ("… but the company denied it", "Reports that Nvidia
# joined were denied", "… pulled out at the last minute")
_WITHDRAWN = re.compile(
    r"\b(?:den(?:y|ies|ied|ying)|false|untrue|pulled\s+out|walked\s+away|dropped\s+out|"
    r"backed\s+out|withdr[ae]w|rumou?r(?:s|ed)?|reports?\s+that)\b",
    re.IGNORECASE,
)
# a clause that only supposes taking part ("could join", "are in talks to invest")
_SUPPOSED = re.compile(
    r"\b(?:could|might|may|would|expected|likely|set\s+to|poised|plans?|planning|considering|"
    r"weighing|in\s+(?:early\s+|advanced\s+)?(?:talks|discussions|negotiations))\b",
    re.IGNORECASE,
)
# a date in the backer's clause: the round it names is another, earlier one
_DATED = re.compile(
    r"\b(?:in|since|back\s+in|during)\s+(?:(?:early|late|mid-?)\s*)?(?:January|February|March|"
    r"April|May|June|July|August|September|October|November|December|\d{4}|spring|summer|"
    r"autumn|fall|winter)\b|\blast\s+(?:year|spring|summer|autumn|fall|winter)\b|\b(?:a|two|"
    r"three)\s+years?\s+ago\b",
)
_CLAUSE_END = re.compile(r"[;:]|,\s+(?:but|while|whereas|although|though|and)\b|\.(?:\s|$)")


def _clause_end(text: str, at: int) -> int:
    m = _CLAUSE_END.search(text, at)
    return m.start() if m else len(text)


_CLAUSE_START = re.compile(r"[;:]|,\s+(?:but|while|whereas|although|though)\b|\.\s", re.IGNORECASE)
# a backer's people, not the backer: "Researchers from OpenAI", "Microsoft co-founder Bill
# Gates", "Google's former chief executive Eric Schmidt", "OpenAI's John Schulman"
_PREPOSITION_BEFORE = re.compile(r"\b(?:from|of|at)\s+$", re.IGNORECASE)
_PERSON_AFTER = re.compile(
    r"(?:['’]s)?\s+(?:former\s+|co-?)?(?:founder|chief|executive|president|chair\w*|ceo|cto|"
    r"cfo|head|researchers?|engineers?|veterans?|alumni|employees?|staff)\b|['’]s\s+(?-i:[A-Z])"
    r"[a-z]+\s+(?-i:[A-Z])[a-z]+\s+(?:and|joined|,)",
    re.IGNORECASE,
)


def members(skeleton: str, kinds: Sequence[str], *, talks: bool = False) -> list[tuple[int, str]]:
    """The backers a later sentence names for the round, as (mention index, role), leads first;
    none when the sentence neither refers to the round nor says its parties took part, or
    takes them back. A backer only supposed to take part ("could join") counts only for a
    round in talks (`talks`)."""
    if not (_REFERS.search(skeleton) or _TOOK_PART.search(skeleton)):
        return []
    if _WITHDRAWN.search(skeleton):
        return []
    out: dict[int, str] = {}
    first = len(skeleton)
    for pattern, role in [*((x, "lead") for x in _LEADS), *((x, "participant") for x in _PARTS)]:
        for m in pattern.finditer(skeleton):
            if _read(skeleton, m, role, kinds, out, talks):
                first = min(first, m.start())
    if out:  # "… as well as B", "… alongside C" after the round's backers
        for m in _MORE.finditer(skeleton, first):
            _read(skeleton, m, "participant", kinds, out, talks)
    return sorted(out.items(), key=lambda x: x[1] != "lead")


def _read(
    skeleton: str,
    m: re.Match[str],
    role: str,
    kinds: Sequence[str],
    out: dict[int, str],
    talks: bool,
) -> bool:
    """Add the backers of match `m` to `out` unless its clause denies or only supposes them."""
    cut = max((c.end() for c in _CLAUSE_START.finditer(skeleton, 0, m.start())), default=0)
    if _DENIES.search(skeleton, cut, m.end()):
        return False  # "Nvidia did not take part"; "A, which led the last round, joined"
    if not talks and _SUPPOSED.search(skeleton, cut, m.end()):
        return False  # "Microsoft could join the round": not a backer of a round closed
    if m.start("list") == m.start() and _PREPOSITION_BEFORE.search(
        skeleton, max(0, m.start() - 8), m.start()
    ):
        return False  # "Researchers from OpenAI and Meta have also joined"
    if _DATED.search(skeleton, cut, _clause_end(skeleton, m.end())):
        return False  # "Lightspeed led its Series E in March": an earlier round
    added = False
    for mark in MARK.finditer(skeleton, m.start("list"), m.end("list")):
        if _PERSON_AFTER.match(skeleton, mark.end()):
            continue  # "Microsoft co-founder Bill Gates"
        i = int(mark.group(1))
        if kinds[i] != "product":
            out.setdefault(i, role)
            added = True
    return added

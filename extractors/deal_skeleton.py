"""The skeleton deal rules read: a sentence with each tagged entity replaced by a party marker
(`P`: "\ue000" index "\ue001") and each amount of money by an amount marker (`A`: "\ue002" index
"\ue003"), so a pattern reads "P … invest … A … in P" whatever the names and the currency;
the pattern fragments every rule shares (lists of parties, gaps, titles) and the record a rule
returns (`Found`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

OPEN, CLOSE, AOPEN, ACLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
P = OPEN + r"\d+" + CLOSE
A = AOPEN + r"\d+" + ACLOSE
MARK = re.compile(OPEN + r"(\d+)" + CLOSE)
AMOUNT_MARK = re.compile(AOPEN + r"(\d+)" + ACLOSE)
# Words (and amounts) but no other party, lazily, a word at a time: what follows a gap is
# tried at word starts only, not at every character.
GAP = r"\s*(?:[^\ue000;\s]+\s+)*?"
APOS = r"['’]s?"
# A party may carry its fund's name: "Salesforce Ventures", "AMD Ventures", "Nvidia's fund",
# "Lightspeed Venture Partners", "ICONIQ Growth".
ITEM = (
    P + r"(?:\s+(?:ventures|venture|capital|partners|management|investments|group|fund|"
    r"holdings|growth|corp\.?|corporation|inc\.?|co\.|ltd\.?|plc|llc)){0,2}"
    # "Nvidia's venture arm", "Salesforce's investment fund": the company invests
    r"(?:['’]s\s+(?:(?:corporate\s+)?venture(?:[- ]capital)?\s+|investment\s+)(?:arm|fund|unit))?"
)


# What only says where or whose a party is, right before its name: a possessive ("Norway's",
# "the UAE's", "Saudi Arabia's", "Elon Musk's": one to three capitalised words; not a
# sentence's first word such as "In" or "After", nor "It's") or a place it is based in
# ("London-based", "San Francisco-headquartered"). A name the watchlist holds is a party, so
# "Microsoft's OpenAI stake" is never read this way where parties are markers.
_CAPITALISED = (
    r"(?!(?:In|On|At|By|For|From|With|After|Before|As|If|When|While|Since|Under|And|But|Or|"
    r"To|Of|Into|Like|Unlike|Including|Both|Neither|Either|Also|Then|Meanwhile|Its|His|Her|"
    r"Their|Our|This|That|These|Those|A|An)\s)[A-Z][\w.&-]*\s+"
)
OWNER_BEFORE = (
    rf"(?:[Tt]he\s+)?(?:{_CAPITALISED}){{0,2}}(?:"
    r"(?!(?:It|Today|Yesterday|Year|Week|Month|Company|Group)['’])[A-Z][\w.&-]*['’]s"
    r"|[A-Z][\w.&]*-(?:based|headquartered))\s+"
)
# What a party is, right before its name: "venture firm Andreessen Horowitz", "the AI
# start-up Anthropic", "cloud provider CoreWeave", "US chipmaker Nvidia", "Facebook parent
# Meta", "longtime partner Nvidia"; a title a party or a possessive owns ("OpenAI backer
# Microsoft", "its partner Nvidia") is left to the rules that read it (extractors/deals.py
# `_bare`)
TITLE_NOUNS = frozenset(
    """firm company group giant start-up startup lab provider maker chipmaker developer
    platform operator specialist outfit upstart unicorn conglomerate fund bank carrier retailer
    insurer designer manufacturer powerhouse heavyweight newcomer player pioneer titan
    investor parent owner partner""".split()
)


# a company's legal form after its name: "Microsoft Corp.", "Apple Inc.", "Meta Platforms, Inc."
LEGAL_FORM = re.compile(
    r",?\s+(?:Inc|Corp|Corporation|Ltd|Limited|Co|Plc|PLC|plc|LLC|AG|SE|N\.V|S\.A)\b\.?"
    r"(?=[\s,;:)]|$)"
)

# A listing after a party's name, as press releases and wires give it: "Snowflake (NYSE:
# SNOW)", "Microsoft (MSFT.O)", "SoftBank Group (9984.T)"
TICKER_AFTER = re.compile(
    r"\s*\((?:(?:NYSE|NASDAQ|Nasdaq|NYSE\s+American|LSE|TSX|TSE|HKEX|SGX|ASX|Euronext|OTC|"
    r"OTCQX|KRX|Xetra|SIX)\s*:\s*[A-Z][A-Z0-9.]{0,7}"
    r"(?:\s*[;,]\s*[A-Za-z ]+:\s*[A-Z][A-Z0-9.]{0,7})*"  # "(NASDAQ: NVDA; NYSE: X)"
    r"|[A-Z0-9]{1,6}\.[A-Z]{1,2})\)"
)


# a company's people, not the company: "two former Google researchers", "Meta veterans"
PEOPLE_OF_WORDS = (
    r"(?:researchers?|employees?|engineers?|executives?|veterans?|alumni|alums?|staff(?:ers)?|"
    r"scientists?|co-?founders?|founders?|insiders?)\b"
)


# what joins two names of one list in the text ("A, B", "A and B", "A & B")
LIST_JOIN = re.compile(r"\s*(?:,|,?\s+and|&)\s*")


# "A, B and C"; "to A and to B", "in A and in B": a preposition said again before the last
_SEP = r"(?:\s*,\s*|,?\s+(?:and|&)\s+(?:(?:to|in|into|with|from)\s+)?)"


def L(name: str, possessive: str = "no") -> str:
    """A list of parties ("P", "P and P", "P, P and P") as group `name`. With possessive "no"
    it is not a possessive ("Amazon’s deal" starts a new phrase); "required": "P's" or "P and
    P's"; "optional": either. The list's shape ("A and B, C" is no list) is checked by
    `Context.group`, which is cheaper than saying it in the pattern."""
    items = rf"(?P<{name}>{ITEM}(?:{_SEP}{ITEM})*)"
    if possessive == "required":
        return rf"(?P<{name}>{ITEM}(?:\s+(?:and|&)\s+{ITEM})?){APOS}"
    if possessive == "optional":
        return rf"{items}(?:{APOS})?"
    return rf"{items}(?!['’])"


# Words that may stand between a verb and its object ("acquire Apple device management firm
# Jamf") or a name and its title: anything but these, which start another phrase.
_STOP = frozenset(
    "a an the with to from by for in into on at of that which who whose is are was were be "
    "been has have had will would said says its their his her our it they as under over than "
    "after before while since near across around outside inside behind beyond within without "
    "through toward towards against among including like such".split()
)
MAX_FILL = 8


def until_party(text: str, start: int, limit: int) -> str:
    """The text from `start` up to the next party (at most `limit` characters)."""
    cut = text.find(OPEN, start, start + limit)
    return text[start : cut if cut >= 0 else start + limit]


def fill_ok(fill: str) -> bool:
    words = fill.split()
    return len(words) <= MAX_FILL and not any(w.lower().strip("(),.") in _STOP for w in words)


@dataclass(frozen=True)
class Found:
    """A deal as one rule matched it, before amounts, year and status are read."""

    kind: str
    investor: int  # index of the party in the sentence's mentions
    target: int
    text: str  # the skeleton the match is in
    span: tuple[int, int]
    roles: tuple[tuple[int, str], ...] = ()
    amount: int | None = None  # an amount marker the rule tied to this deal, else read later
    by_kind: bool = False  # compute: provider and buyer decided by the parties' kinds
    tail: bool = True  # the amount may follow the match (not for partnerships)
    background: bool = False  # stated as context: an aside, "-backed", "OpenAI's backer"
    tranche: bool = False
    share: bool = False  # "up to $5 billion and $10 billion, respectively": "up to" is shared


Builder = Callable[[re.Match[str], "Context"], list[Found]]
_SEPS = re.compile(
    r"\s*,\s*(?:(?:and|&)\s+(?:(?:to|in|into|with|from)\s+)?)?|\s+(?:and|&)\s+"
    r"(?:(?:to|in|into|with|from)\s+)?",
    re.IGNORECASE,
)
_AND_AFTER = re.compile(r",?\s+(?:and|&)\s", re.IGNORECASE)
# the list goes on with a name the watchlist does not hold: "A, B, DST Global and GIC"
_UNWATCHED_NEXT = re.compile(r"\s*,\s*[A-Z][^,;\ue000\ue002]{0,60}?(?:,|\s+(?:and|&)\s)")
_LAST_ITEMS = re.compile(rf"{P}(?:\s+\w+)?(?:\s+(?:[Aa]nd|&)\s+{P}(?:\s+\w+)?)?$")
# the same, for items that carry two words of a fund's name ("Nvidia Capital Partners") or
# its arm ("Nvidia's venture arm"), which the pattern above cannot end on
_LAST_FUNDS = re.compile(rf"{ITEM}(?:\s+(?:[Aa]nd|&)\s+{ITEM})?$", re.IGNORECASE)


@dataclass
class Context:
    """What builders need to know about the sentence: the parties' kinds."""

    kinds: Sequence[str]  # per mention index: lab, cloud, company, product
    text: str = ""  # the skeleton being matched

    def parties(self, group: str | None) -> list[int]:
        return [int(i) for i in MARK.findall(group or "")]

    def group(self, m: re.Match[str], name: str) -> list[int]:
        """The parties of a list group, as English writes lists: "A, B and C"; "A, B" only
        where a headline starts ("Microsoft, Nvidia to invest") or before a last item that
        is no party ("Cisco, AMD and Fujitsu"). Otherwise the list is what follows its last
        comma: in "Much like A and B, C started" the subject is C."""
        text = m.group(name) if name in m.groupdict() else None
        if not text:
            return []
        seps = list(_SEPS.finditer(text))
        if seps and ("," in text or len(seps) > 1):
            # ("And" in a headline's title case)
            ands = [i for i, s in enumerate(seps) if "nd" in s.group() or "&" in s.group()]
            comma_only = not ands
            last = len(seps) - 1
            proper = ands == [last]  # only the last separator is "and"
            opens = (
                m.start(name) == 0
                or _AND_AFTER.match(self.text, m.end(name))
                or _UNWATCHED_NEXT.match(self.text, m.end(name))
            )
            if not (proper or (comma_only and opens)):
                # "led by A, and B, C and D joined": ", and" ends one clause and a proper list
                # starts the next; a list ending the match is the first clause's object (A),
                # one the match goes on after is the next clause's subject (B, C and D)
                if len(ands) > 1 and ands[-1] == last and "," in seps[ands[-2]].group():
                    cut = seps[ands[-2]]
                    text = text[: cut.start()] if m.end(name) == m.end() else text[cut.end() :]
                else:
                    tail = _LAST_ITEMS.search(text) or _LAST_FUNDS.search(text)
                    # (neither: the list's last item, as the separators cut it)
                    text = tail.group() if tail else text[seps[-1].end() :]
        return [int(i) for i in MARK.findall(text)]

    def amounts(self, text: str) -> list[int]:
        return [int(i) for i in AMOUNT_MARK.findall(text)]

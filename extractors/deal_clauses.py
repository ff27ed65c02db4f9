"""What stands between a verb and the real party, taken out of a sentence's skeleton before
the rules read it: pre-modifiers ("OpenAI rival Anthropic", "Apple device management firm
Jamf", "Amazon-backed Anthropic", "Nvidia GB300 chips") and asides ("Anthropic, the maker of
Claude,"; "Microsoft, which has invested in OpenAI,"). The entities inside them stop being
parties of the main clause; asides are read on their own, and what they state is background.
Also: a clause after "and" that shares its subject, and a tranche in an elliptical clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from extractors.deal_skeleton import AOPEN, CLOSE, ITEM, MARK, OPEN, A, Found, P, fill_ok

# --- reducing the skeleton: pre-modifiers and asides

_TITLE = (
    r"rivals?|competitors?|challengers?|peers?|partners?|backers?|investors?|shareholders?|"
    r"owners?|parent|units?|subsidiar(?:y|ies)|makers?|developers?|creators?|builders?|"
    r"start-?ups?|firms?|company|companies|providers?|giants?|group|labs?|chipmakers?|"
    r"suppliers?|operators?|platforms?|leaders?|specialists?|spin-?(?:out|off)|division|"
    r"customers?|clients?|darling|upstart|outfit|vendor|affiliate|arm"
)
# "OpenAI rival Anthropic", "ChatGPT maker OpenAI", "Apple device management firm Jamf"
PREMODIFIER = re.compile(
    rf"(?P<mod>{P})(?:['’]s)?\s+(?P<fill>(?:[\w&().-]+\s+){{0,5}}?)(?P<title>{_TITLE})\s+(?={P})",
    re.IGNORECASE,
)
# A verb is no pre-modifier: "OpenAI approached Cursor maker Anysphere", "Meta buys AI
# chip maker Rivos" name the subject, a verb and the head's title (a past tense, or a deal's
# verb in the present).
_VERB_FIRST = re.compile(
    r"[a-z]+ed\s|(?i:approach|buy|acquire|invest|hire|back|join|take|sign|sell|license|"
    r"licence|tap|pick|name|court|eye|target|snap|nab|land|bag|woo|pursue|poach|fund|lead)s?\s"
)
# "Amazon-backed Anthropic", "Microsoft-owned LinkedIn"
HYPHENATED = re.compile(
    rf"(?P<mod>{P})-(?P<how>backed|funded|supported|owned|controlled)\s+(?:[\w-]+\s+){{0,3}}?(?P<head>{P})",
    re.IGNORECASE,
)
# "Amazon- and Google-backed Anthropic": the first name's hyphen suspended until the second's
SUSPENDED = re.compile(
    rf"(?P<mod>{P})-\s+(?:and|&)\s+{P}-(?P<how>backed|funded|supported|owned|controlled)\s+"
    rf"(?:[\w-]+\s+){{0,3}}?(?P<head>{P})",
    re.IGNORECASE,
)
# "CoreWeave, the Nvidia-backed cloud provider,": the aside's head is backed
HYPHENATED_ASIDE = re.compile(
    rf"(?P<head>{P}),\s+(?:the|an?)\s+(?P<mod>{P})-(?P<how>backed|funded|supported|owned|controlled)\b",
    re.IGNORECASE,
)
# "Nvidia GB300 chips", "Nvidia servers": a brand, not a party (a possessive may be one:
# "spend billions on Google's TPUs")
BRAND = re.compile(
    rf"(?P<mod>{P})\s+(?:[A-Z0-9][\w-]*\s+){{0,2}}?(?:[Cc]hips?|[Ss]uperchips?|GPUs?|TPUs?|"
    r"[Ss]ervers?|[Aa]ccelerators?|[Pp]rocessors?|[Hh]ardware|[Ss]upercomputers?|[Ss]ystems|"
    r"[Rr]acks?)\b"
)
# "Anthropic, the maker of Claude," "Microsoft, which has invested in OpenAI," "Microsoft,
# OpenAI's largest backer,": from the comma to the next comma (or the end)
# A comma inside a list of parties that the aside holds whole: the list goes on to "and P"
# and the aside closes after it ("whose backers include A, B and C, is …", "which counts A,
# B and C among its investors"), or the list is the clause's subject ("which A, B and C
# helped fund"). Not "Nvidia, an investor in OpenAI, Microsoft and Oracle rose", where the
# list after the aside is the sentence's subject.
_LIST_REST = rf"(?:\s*{ITEM}\s*,)*\s*{ITEM},?\s+(?:and|&)\s+{ITEM}(?:\s*(?:,|;|$)|\s+among\b)"
_LIST_COMMA = (
    r"(?:(?<=\ue001)|(?<=ventures)|(?<=capital)|(?<=partners)|(?<=group)|(?<=fund))"
    rf",(?={_LIST_REST})"
)
ASIDE = re.compile(
    rf"(?P<head>{P}),\s+(?P<aside>(?:(?:which|that)\s+{ITEM}(?:\s*,\s*{ITEM})+,?\s+(?:and|&)\s+{ITEM}"
    rf"(?=\s+[a-z])|(?:which|who|whose|the|an?|another|one\s+of|also)\b"
    rf"|(?:the\s+)?{P}['’]s?\s+(?:[\w-]+\s+){{0,2}}?(?:{_TITLE})\b)"
    rf"(?:[^,;\ue002]|{_LIST_COMMA}){{0,160}}?(?:\ue002\d+\ue003(?:[^,;\ue002]|{_LIST_COMMA}){{0,80}}?)?)"
    rf"(?=,(?!{_LIST_REST})|;|$)",
    re.IGNORECASE,
)
# A comparison fronted before the sentence's subject is no party's aside: "Like OpenAI, the
# start-up Microsoft acquired relies on …"
_FRONTED = re.compile(
    r"\b(?:like|unlike|than|besides|beyond|instead\s+of|apart\s+from|aside\s+from|compared\s+"
    r"(?:with|to)|as\s+with|as\s+for)\s+$",
    re.IGNORECASE,
)
ROUND_ASIDE = re.compile(
    r"(?:which|that)\s+(?:also\s+)?(?:drew|attracted|included|includes|saw\s+participation)\b",
    re.IGNORECASE,
)
# "DeepSeek rival Moonshot", "an OpenAI competitor, Foo": a rival's name before an unwatched
# one only describes it, so the watched name is no party ("Alibaba invested in DeepSeek rival
# Moonshot" is no deal with DeepSeek). A capitalised word after the title is the unwatched
# head, unless it is a function word of a title-case headline ("Rivals In", "Rival To").
RIVAL_OF_UNWATCHED = re.compile(
    rf"(?P<mod>{P})(?:['’]s)?\s+(?i:rivals?|competitors?|challengers?)\s+"
    r"(?!(?:And|Or|In|With|For|To|On|Of|At|As|The|A|An|Is|Are|Was|Were|Has|Have|Had|Will|"
    r"By|From|Over|After|Its|Their|This|That|But)\b)(?=[A-Z][\w.&-]*)"
)
_RIVAL_WORD = re.compile(r"\b(?:rivals?|competitors?|challengers?)\s+[A-Z]", re.IGNORECASE)
BACKER_TITLES = ("backer", "backers", "investor", "investors", "shareholder", "shareholders")
OWNER_TITLES = ("owner", "owners", "parent")


@dataclass
class Reduced:
    """A skeleton with modifiers and asides taken out of the main clause."""

    text: str
    asides: list[str] = field(default_factory=list)  # "P, which …" read on their own
    found: list[Found] = field(default_factory=list)  # background deals the modifiers state


_TITLE_WORD = re.compile(rf"(?:{_TITLE})", re.IGNORECASE)
_HOLDS = re.compile(f"[{OPEN}{AOPEN}]")  # a party or an amount


def _titled(skeleton: str) -> bool:
    """Whether a party follows a title word ("rival Anthropic"): where a pre-modifier can be."""
    for m in MARK.finditer(skeleton, 1):
        words = skeleton[max(0, m.start() - 20) : m.start()].split()
        if words and _TITLE_WORD.fullmatch(words[-1]):
            return True
    return False


_HAS_HYPHEN = re.compile(r"-(?:backed|funded|supported|owned|controlled)\b", re.IGNORECASE)
_BRAND_STEMS = ("chip", "gpu", "tpu", "server", "accelerator", "processor", "hardware",
                "supercomputer", "system", "rack")  # fmt: skip
_HAS_BRAND = re.compile(
    r"\b(?:[Cc]hips?|[Ss]uperchips?|GPUs?|TPUs?|[Ss]ervers?|[Aa]ccelerators?|[Pp]rocessors?|"
    r"[Hh]ardware|[Ss]upercomputers?|[Ss]ystems|[Rr]acks?)\b"
)


# "Anthropic will use up to one million Google TPUs": with only the buyer and the brand in
# the sentence, the brand is the supplier, read as "Google's TPUs"
_USES_BRAND = re.compile(
    r"\b(?:us(?:e|es|ed|ing)|deploy\w*|rent\w*|buy\w*|bought|purchas\w*|train\w*|"
    # ("runs on Cerebras hardware", "spend $3 billion on Nvidia hardware", "offer Nvidia chips")
    r"run(?:s|ning)?|ran|serv(?:e|es|ed|ing)|power(?:s|ed|ing)?|offer(?:s|ed|ing)?|"
    r"spen(?:d|ds|ding|t))\b"
    r"(?:[^\ue000;,]|,(?=\d)){0,60}?$",  # in its clause ("deploy 100,000 Nvidia GPUs")
    re.IGNORECASE,
)


def _brands_supply(skeleton: str) -> str:
    """The skeleton with a used brand as a possessive ("use Google's TPUs")."""
    out, last = [], 0
    for m in BRAND.finditer(skeleton):
        if _USES_BRAND.search(skeleton, max(0, m.start() - 60), m.start()):
            out += [skeleton[last : m.end("mod")], "'s"]
            last = m.end("mod")
    return "".join(out) + skeleton[last:] if out else skeleton


def reduce(skeleton: str, kinds: Sequence[str], two_parties: bool = False) -> Reduced:
    """Take the modifiers and the asides out of the main clause: "OpenAI rival Anthropic"
    reads "Anthropic", "Salesforce, which has already invested in Cohere, joined" reads
    "Salesforce joined", "Nvidia servers" reads "servers". Each pattern runs only when a cheap
    test says it can match (most sentences have no title, hyphen or aside)."""
    low = skeleton.lower()
    branded = any(w in low for w in _BRAND_STEMS) and _HAS_BRAND.search(skeleton) is not None
    if branded and two_parties:
        skeleton = _brands_supply(skeleton)
    out = Reduced(skeleton)
    cuts: list[tuple[int, int]] = []
    if CLOSE + "," in skeleton:
        for m in ASIDE.finditer(skeleton):
            if _FRONTED.search(skeleton, max(0, m.start() - 24), m.start()):
                continue
            if OPEN in m.group("aside") and not ROUND_ASIDE.match(m.group("aside")):
                # (an aside without a party states no deal of its own; "…, which also drew
                # A and B" names a round's backers and stays in the main clause)
                out.asides.append(m.group())
                # the closing comma goes too: "X invested in Y, the Z rival, in 2024" reads
                # "X invested in Y in 2024", so the year and status after it are the deal's
                end = m.end() + 1 if skeleton.startswith(",", m.end()) else m.end()
                cuts.append((m.end("head"), end))
            elif skeleton.startswith(",", m.end()) and not _HOLDS.search(m.group("aside")):
                # an aside that only describes its party ("Google, a company based in
                # London,") leaves the main clause all the same (not one with an amount,
                # which may be the deal's: "ZT Systems, which it agreed to buy for $4.9bn,")
                cuts.append((m.end("head"), m.end() + 1))
    if "-" in skeleton and _HAS_HYPHEN.search(skeleton):
        for m in [
            *HYPHENATED.finditer(skeleton),
            *HYPHENATED_ASIDE.finditer(skeleton),
            *SUSPENDED.finditer(skeleton),
        ]:
            mod = int(MARK.findall(m.group("mod"))[0])
            head = int(MARK.findall(m.group("head"))[0])
            how = m.group("how").lower()
            kind = "acquisition" if how in ("owned", "controlled") else "investment"
            out.found.append(Found(kind, mod, head, skeleton, m.span(), background=True))
            if m.re is HYPHENATED or m.re is SUSPENDED:
                cuts.append((m.start(), m.start("head")))
    if _titled(skeleton):
        for m in PREMODIFIER.finditer(skeleton):
            head_m = MARK.match(skeleton, m.end())
            if head_m is None or not fill_ok(m.group("fill")) or _VERB_FIRST.match(m.group("fill")):
                continue
            cuts.append((m.start(), m.end()))
            title = m.group("title").lower()
            mod, head = int(MARK.findall(m.group("mod"))[0]), int(head_m.group(1))
            if title in BACKER_TITLES:  # "OpenAI backer Microsoft"
                out.found.append(
                    Found("investment", head, mod, skeleton, m.span(), background=True)
                )
            elif title in OWNER_TITLES and kinds[mod] != "product":
                out.found.append(
                    Found("acquisition", head, mod, skeleton, m.span(), background=True)
                )
    if _RIVAL_WORD.search(skeleton):
        cuts += [m.span() for m in RIVAL_OF_UNWATCHED.finditer(skeleton)]
    if branded:
        cuts += [m.span("mod") for m in BRAND.finditer(skeleton)]
    if cuts:
        text, last = [], 0
        for s, e in sorted(cuts):
            s = max(s, last)
            if e <= s:
                continue
            text.append(skeleton[last:s])
            last = e
        text.append(skeleton[last:])
        out.text = "".join(text)
    return out


# "X …, and has previously agreed to buy …", "X did not …, but it did back Y": the second
# verb's subject is the first's.
COORDINATED = re.compile(
    r",?\s+(?:and|but)\s+(?:(?:it|they)\s+)?(?=(?:has|have|had|will|is|was|also|then|later|"
    r"previously|already|agreed|signed|bought|acquired|invested|took|struck|inked|plans|"
    r"expects|did|does|do)\b)",
    re.IGNORECASE,
)
# "X invested $1 billion in Y in 2019 and added about $10 billion last year"
TRANCHE_AFTER = re.compile(
    rf"[^\ue000;]*?\band\s+(?:has\s+|have\s+|had\s+|later\s+|then\s+|since\s+)?"
    rf"(?:added|invested|put\s+in|committed|pledged|poured\s+in)?\s*(?P<amt>{A})",
    re.IGNORECASE,
)

"""Parties named by a pronoun: "its" and "it" where they stand for the party of a deal.

- "its" before a holder's, provider's or customer's title names the other side of the title:
  "Microsoft, its largest investor," and "Microsoft, which has poured $13 billion into
  OpenAI, is still its main cloud provider" (its: the party before, in the sentence or else
  the previous one, that does not hold the title; among several, the one lab, or for a
  customer's title the one provider; none when that leaves two);
- "its" before a deal's noun names the deal's owner: "Microsoft said its investment in
  OpenAI", "on Databricks' work, including its $1.3 billion acquisition of MosaicML" (its:
  the nearest party before that can be a subject, not inside an aside or a preposition's
  object; "Its" opening a sentence: the previous sentence's subject);
- "it" holding a stake: "it is the largest outside backer of Anthropic" (the party before);
- "it" doing a deal: "since it put $14.3 billion into Scale AI", "Arm, the chip designer it
  bought" (as "its" before a deal's noun, not the party an aside is about).

A pronoun whose party is unclear is left alone. extractors/deals.py reads the sentence both
ways and keeps what only the reading with the pronouns' parties adds, so rules that read
"its" as a word ("expanded its agreement with") keep what they read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from extractors.deal_skeleton import LIST_JOIN
from extractors.records import Mention

_ANY = ("lab", "company")

# a title that says who holds a stake in, or provides for, the party "its" stands for
_TITLE = (
    r"(?:[\w-]+\s+){0,2}?(?:backers?|investors?|shareholders?|stakeholders?|funders?|owners?|"
    r"customers?|clients?|"
    r"(?:cloud|compute|computing|training|infrastructure|chip|GPU)\s+(?:partner|provider|"
    r"supplier)s?|cloud)\b(?!['’-])"
)
ITS_TITLE = re.compile(r"\b[Ii]ts\s+(?=" + _TITLE + ")")
# "its" as the holder's: after an appositive's comma, or after the holder's copula
_APPOSITIVE_BEFORE = re.compile(r"(?:,|—|–|\()\s*$")
_COPULA_BEFORE = re.compile(
    r"\s(?:is|are|was|were|remains?|has\s+been|had\s+been|became|becomes|will\s+(?:be|remain)|"
    r"continues\s+to\s+be)\s+(?:(?:also|still|now)\s+)?$"
)
# a relative clause between the holder and its copula: "Microsoft, which …, is still its"
_ASIDE_BEFORE = re.compile(r",\s*(?:which|who)\b[^,;]*,\s*$")
# "its $1.3 billion acquisition of MosaicML", "doubled its investment in Anthropic": a deal
# named by its noun, whose owner "its" stands for
ITS_DEAL = re.compile(
    # (not "bringing its total investment in Y to $N", a sum the deal rules read apart)
    r"\b[Ii]ts\s+(?!(?:[\w$€£.,-]+\s+){0,4}?(?:total|overall|cumulative|combined)\b)"
    r"(?=(?:[\w$€£.,-]+\s+){0,4}?(?:investments?|stakes?|acquisitions?|purchase|"
    r"takeover|buyout|deal|partnership|agreement|contract|tie-up|alliance|collaboration|merger|"
    r"backing|commitment)\s+(?:in|into|of|for|with|to)\s)"
)
# a deal its owner ended: "ended its collaboration agreement with OpenAI", "sold its stake in"
ENDED_BEFORE = re.compile(
    r"\b(?:end(?:s|ed|ing)?|scrap(?:s|ped|ping)?|abandon(?:s|ed|ing)?|terminat(?:e|es|ed|ing)|"
    r"cancel(?:s|l?ed|l?ing)?|drop(?:s|ped|ping)?|unw(?:ind|ound)|exit(?:s|ed|ing)?|"
    r"sold|sells?|selling|divest(?:s|ed|ing)?|(?:walk(?:s|ed|ing)?\s+away|pull(?:s|ed|ing)?\s+out)\s+"
    r"(?:of|from)|call(?:s|ed)?\s+off|wr(?:ote|ites?|itten)\s+off)\s+$",
    re.IGNORECASE,
)
# "since it put $14.3 billion into Scale AI", "Arm, the chip designer it bought in 2016": the
# doer of a deal as "it"
IT_DOES = re.compile(
    r"\b[Ii]t\s+(?=(?:(?:has|had|have|also|already|first|later|then|previously|recently|"
    r"reportedly|once)\s+)*(?:bought|acquired|invested|backed|put|poured|pumped|took\s+over|"
    r"owns|controls|licensed|paid|agreed\s+to\s+(?:buy|acquire|invest|pay|license))\b)"
)
# a verb that makes the deal "its" owns news: "doubled its investment in", "completed its
# merger with", "signed its first deal with" (else the deal is one held: "said its
# investment in OpenAI was safe", "disclosed its stake in")
_DOING_BEFORE = re.compile(
    r"\b(?:complet|announc|finali[sz]|clos|expand|doubl|tripl|increas|rais|boost|extend|sign|"
    r"seal|unveil|agree|mak|made|deepen|strengthen|renew|launch|broaden|upp|lift|top|strik|"
    r"struck|reach|ink|land|secur|begin|began|start|fund|financ|pay|paid)\w*\s+(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)
_NEGATED_BEFORE = re.compile(r"\b(?:not|never|n['’]t)\s+(?:[\w-]+\s+)?$", re.IGNORECASE)


def told_status(
    text: str, start: int, told: Sequence[Mention], mentions: Sequence[Mention]
) -> dict[frozenset[str], str]:
    """The status a pronoun's deal takes from the verb before "its", by the pair of its owner
    and the party named right after the deal's noun: `denied` after a verb of ending ("ended
    its partnership with OpenAI", not "would not end its"), `background` with no verb of
    doing ("said its investment in OpenAI was safe")."""
    out: dict[frozenset[str], str] = {}
    for t in told:
        if t.text not in ("its", "Its") or not ITS_DEAL.match(text, t.start):
            continue
        other = next((x.entity for x in mentions if t.end <= x.start <= t.end + 80), None)
        if other is None:
            continue
        ended = ENDED_BEFORE.search(text, start, t.start)
        if ended and not _NEGATED_BEFORE.search(text, start, ended.start()):
            out[frozenset((t.entity, other))] = "denied"
        elif not ended and not _DOING_BEFORE.search(text, start, t.start):
            out[frozenset((t.entity, other))] = "background"
    return out


# "it is the largest outside backer of Anthropic": the holder as "it"
IT_HOLDS = re.compile(
    r"\b[Ii]t\s+(?=(?:is|was|remains|has\s+been)\s+(?:(?:also|still|now)\s+)?(?:the|a|an)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:backer|investor|shareholder|stakeholder|funder|owner|"
    r"(?:cloud|compute|computing|training)\s+(?:partner|provider|supplier))s?\s+(?:of|in|for|to)\s)"
)


def as_named(sentence: str) -> str:
    """The sentence with "its" before a title or a deal's noun written as a name's possessive,
    for the test of which rules its words call for."""
    return ITS_DEAL.sub("its’s ", ITS_TITLE.sub("its’s ", sentence))


def pronouns(
    text: str,
    sentence: tuple[int, int],
    previous: tuple[int, int] | None,
    mentions: Sequence[Mention],
    kinds: Callable[[str], str | None],
) -> list[Mention]:
    """Mentions for "its" before a holder's or provider's title and for "it" holding one,
    in text[sentence]; `mentions` are the text's, in order. A pronoun whose party is not
    clear is left alone."""
    start, end = sentence
    out: list[Mention] = []
    for m in ITS_TITLE.finditer(text, start, end):
        a = m.start()
        head = text[start:a]
        appositive = _APPOSITIVE_BEFORE.search(head)
        copula = None if appositive else _COPULA_BEFORE.search(head)
        if appositive:
            cut = start + appositive.start()
        elif copula:
            cut = start + copula.start()
            aside = _ASIDE_BEFORE.search(text, start, cut)
            cut = aside.start() if aside else cut
        else:
            continue
        holders = _holders(text, mentions, start, cut)
        if not holders:
            continue
        # who has investors or providers is a lab first; who has customers, a provider
        prefer = ("cloud", "company") if _CUSTOMER.match(text, m.end()) else ("lab",)
        entity = _other_party(mentions, start, a, previous, holders, kinds, prefer)
        if entity is not None:
            out.append(Mention(entity, kinds(entity) or "company", text[a : a + 3], a, a + 3))
    for m in ITS_DEAL.finditer(text, start, end):
        a = m.start()
        if any(x.start == a for x in out):
            continue
        entity = _owner(text, mentions, start, a, previous, kinds)
        if entity is not None:
            out.append(Mention(entity, kinds(entity) or "company", text[a : a + 3], a, a + 3))
    for m in IT_DOES.finditer(text, start, end):
        a = m.start()
        # "Arm, the British chip designer it bought": not the party the aside is about
        comma = text.rfind(",", start, a)
        holders = _holders(text, mentions, start, comma) if comma >= 0 else set()
        entity = _owner(text, mentions, start, a, previous, kinds, holders)
        if entity is not None:
            out.append(Mention(entity, kinds(entity) or "company", text[a : a + 2], a, a + 2))
    for speaker, a in _speaker_its(text, start, end, mentions):
        if not any(x.start == a for x in out):
            out.append(Mention(speaker, kinds(speaker) or "company", text[a : a + 2], a, a + 2))
    for m in IT_HOLDS.finditer(text, start, end):
        a = m.start()
        entity = _other_party(mentions, start, a, previous, set(), kinds, ("company", "cloud"))
        if entity is not None:
            out.append(Mention(entity, kinds(entity) or "company", text[a : a + 2], a, a + 2))
    return out


# "Nebius said Meta will rent GPU capacity from it": in reported speech, "from it" or "with
# it", in a clause with a subject of its own and no "it" before, is the speaker ("a stake in
# it" is mostly something else: a fund, a campus; "it" right after the verb of saying is read
# by the rules as the speaker already, or by `IT_DOES`)
_REPORTED = re.compile(
    r"\b(?:said|says|announced|disclosed|confirmed)(?:\s+on\s+\w+day)?(?:\s+that)?\s+",
    re.IGNORECASE,
)
# (the test that a sentence may hold one: `deals._PRONOUN`)
IT_REPORTED = re.compile(
    r"\b(?:said|says|announced|disclosed|confirmed)\b[^.;]*?\b(?:from|with)\s+it\b"
)
_IT_OBJECT = re.compile(r"\b(?:from|with)\s+it\b(?!['’])")
_IT = re.compile(r"\bit\b")


def _speaker_its(
    text: str, start: int, end: int, mentions: Sequence[Mention]
) -> list[tuple[str, int]]:
    """(speaker, offset) for each "it" of reported speech that stands for the speaker: the
    sentence's one party before its verb of saying."""
    said = _REPORTED.search(text, start, end)
    if said is None:
        return []
    before = {x.entity for x in mentions if start <= x.start < said.start()}
    after = {x.entity for x in mentions if said.end() <= x.start < end}
    if len(before) != 1:
        return []
    (speaker,) = before
    if len(after - before) != 1:
        return []  # the reported clause's own subject, then "from it"
    out = []
    for m in _IT_OBJECT.finditer(text, said.end(), end):
        if _IT.search(text, said.end(), m.start()):
            break  # "that it would invest … with it": which "it" is which, the text does not say
        out.append((speaker, m.end() - 2))
    return out


def _owner(
    text: str,
    mentions: Sequence[Mention],
    start: int,
    at: int,
    previous: tuple[int, int] | None,
    kinds: Callable[[str], str | None],
    exclude: set[str] | frozenset[str] = frozenset(),
) -> str | None:
    """Whose deal "its" names, or who "it" is (not one of `exclude`): the nearest party before
    it that can be a subject (not inside an aside, not a preposition's object unless
    possessive: "on Databricks' work, including its acquisition of"; not a name that only
    qualifies another, "Salesforce rival Workday said it"), a plain one before a possessive
    ("Scale AI said Meta's new stake would not affect its partnership"); after ", but" or ",
    and" the sentence's subject ("Microsoft says OpenAI is a partner, but it invested");
    opening a sentence, the previous sentence's subject."""
    if not text[start:at].strip(" \"'“‘("):
        if previous is None:
            return None
        subjects = _subjects(text, mentions, previous[0], previous[1], kinds, exclude)
        return subjects[0].entity if subjects else None
    subjects = _subjects(text, mentions, start, at, kinds, exclude)
    if not subjects:
        return None
    if _COORDINATED_BEFORE.search(text, start, at):
        return subjects[0].entity
    plain = [x for x in subjects if not text.startswith(("'", "’"), x.end)]
    return (plain or subjects)[-1].entity


def _subjects(
    text: str,
    mentions: Sequence[Mention],
    start: int,
    end: int,
    kinds: Callable[[str], str | None],
    exclude: set[str] | frozenset[str] = frozenset(),
) -> list[Mention]:
    """The parties of text[start:end] that may be a clause's subject, in order."""
    head = text[start:end]
    asides = [(start + g.start(), start + g.end()) for g in _ASIDE.finditer(head)]
    out = []
    for x in mentions:
        if not (start <= x.start and x.end <= end) or x.kind == "product":
            continue
        if any(a <= x.start < b for a, b in asides) or x.entity in exclude:
            continue
        if _OBJECT_BEFORE.search(text, start, x.start) and not text.startswith(("'", "’"), x.end):
            continue
        if _QUALIFIES.match(text, x.end) or kinds(x.entity) not in (*_ANY, "cloud"):
            continue
        out.append(x)
    return out


# a name that only qualifies another: "Salesforce rival Workday", "Microsoft's longtime partner
# Accenture" (small words, then a capital)
_QUALIFIES = re.compile(
    r"(?:['’]s?)?\s+(?:[a-z][\w-]*\s+){0,2}?(?:rival|partner|backer|investor|customer|client|"
    r"supplier|unit|subsidiary|affiliate|peer|competitor|parent|owner|founder|co-founder|"
    r"spin-?off|arm|portfolio\s+company|start-?up|veteran|alumn\w+)s?\s+(?-i:[A-Z])"
)
# "it" after ", but" or ", and": the subject of the sentence's first clause
_COORDINATED_BEFORE = re.compile(r"(?:,|;)\s*(?:but|and|yet|while|so)?\s*$")
# "its largest customer": the title of one who buys from the party "its" stands for
_CUSTOMER = re.compile(r"(?:[\w-]+\s+){0,2}?(?:customers?|clients?)\b", re.IGNORECASE)


# an aside between commas (a relative clause or an appositive) or brackets
_ASIDE = re.compile(
    r",\s*(?:which|who|whose|where|the|a|an|its|one)\b[^,;()]*,|\([^()]*\)|,[^,;]*['’]s\s[^,;]*,"
)
# a party right after a preposition is its object, not a subject
_OBJECT_BEFORE = re.compile(
    r"\b(?:with|to|in|into|from|of|for|by|on|over|than|against|including|like|at|about|"
    r"between|and)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _holders(text: str, mentions: Sequence[Mention], start: int, cut: int) -> set[str]:
    """The parties whose names end right before `cut` (a comma or a copula): one, or a list
    of them ("Amazon and Google remain its largest investors")."""
    out: set[str] = set()
    at = cut
    for x in reversed(mentions):
        if x.start < start or x.end > at:
            continue
        between = text[x.end : at]
        if (out and not LIST_JOIN.fullmatch(between)) or (not out and between.strip()):
            break
        out.add(x.entity)
        at = x.start
    return out


def _other_party(
    mentions: Sequence[Mention],
    start: int,
    at: int,
    previous: tuple[int, int] | None,
    holders: set[str],
    kinds: Callable[[str], str | None],
    prefer: tuple[str, ...] = ("lab",),
) -> str | None:
    """The party before `at` in the sentence that holds no title, else in the previous
    sentence: the one of the kinds `prefer` names if one is, else the one there is; two or
    more leave the pronoun unread ("Google invested in Anthropic. Amazon remains its biggest
    shareholder": Anthropic, the lab; "xAI sued OpenAI. Microsoft, its largest investor,":
    which, the text does not say)."""

    def fits(x: Mention) -> bool:
        return (
            x.entity not in holders and x.kind != "product" and kinds(x.entity) in (*_ANY, "cloud")
        )

    for lo, hi in ((start, at), previous or (0, 0)):
        found = {x.entity for x in mentions if lo <= x.start and x.end <= hi and fits(x)}
        if not found:
            continue
        preferred = {e for e in found if kinds(e) in prefer}
        if len(preferred) == 1:
            return preferred.pop()
        return found.pop() if len(found) == 1 else None
    return None

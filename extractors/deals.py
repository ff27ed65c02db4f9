"""Deal extraction: investments (with funding rounds), acquisitions, mergers, partnerships,
compute, distribution and licensing deals, acqui-hires and joint ventures between watchlist
entities, sentence by sentence. docs/deals.md has the whole story; in short:

1. Only sentences that can hold a deal are read: an article without two different entities
   within `MAX_SENTENCE` characters is not even split into sentences; a sentence with two
   runs one Aho-Corasick pass for the rules' keywords, and most stop there. The cost stays
   linear in the text.
2. Entities and amounts of money (extractors/amounts.py) become markers, giving a skeleton
   (extractors/deal_skeleton.py); pre-modifiers and asides are taken out of the main clause
   ("OpenAI rival Anthropic", "Anthropic, the maker of Claude,") and read on their own
   (extractors/deal_clauses.py).
3. Each rule whose keywords the sentence holds (extractors/deal_rules.py) is matched over
   the skeleton; what it finds
   gets its amount (the match's own, else the first after it up to the next entity, never a
   valuation), qualifier, year (explicit, or relative to the article's date) and status.

Kinds and roles (`investor` is the first party, `target` the second):

- investment, acquisition: `investor` invests in or acquires `target`; a funding round is one
  deal whose `roles` list every backer as `lead` or `participant`, with the first lead as
  `investor` and the round's total as its amount (no single backer is credited it);
- compute: `investor` (the provider: a cloud, else a chip or tech company) supplies computing
  power to `target` (the buyer: a lab, or a company buying from a cloud); a provider named as
  a company becomes the cloud the sentence names ("Amazon … its AWS unit" -> aws);
- distribution: `investor` (the platform) offers `target`'s models;
- licensing: `investor` (the licensee, who pays) licenses `target`'s models, content or
  technology; acquihire: `investor` hires `target`'s staff (usually licensing it as well);
- partnership, merger, joint_venture: symmetric, the two ids in alphabetical order; a joint
  venture's `roles` list every partner.

Statuses: `reported` (stated as agreed or done), `in_talks` (talks, plans under consideration,
hypotheticals: "is in talks to", "could invest"), `background` (an earlier deal given as
context: "already has", "previously", "Amazon-backed", an aside about a party, a year before
the article's) and `denied` ("denied reports that", talks that ended, a deal that fell apart).
A deal the sentence negates ("has not invested in") or only supposes ("whether X would buy a
stake in Y") is none.
Within one article, reports of one deal (same kind and parties, amounts within 10 %) fold
into one; money "on top" of an earlier deal ("an additional $4 billion") is a `tranche`.

With `learned` (the setting `deal_model`), a model reads the pairs of parties the rules
found nothing between (extractors/deal_model.py): deals with a status and no amount.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from itertools import pairwise
from operator import attrgetter, itemgetter

import ahocorasick_rs

from extractors import deal_anaphora as Y
from extractors import deal_clauses as C
from extractors import deal_model as M
from extractors import deal_pronouns as Q
from extractors import deal_rounds as D
from extractors import deal_rules as R
from extractors import deal_skeleton as K
from extractors.amounts import Amount, find_amounts, find_year, parse_amount
from extractors.records import Deal, Mention
from extractors.text import sentence_spans

__all__ = ["KINDS", "STATUSES", "SYMMETRIC", "find_deals", "parse_amount"]

KINDS = ("investment", "acquisition", "merger", "partnership", "compute", "distribution",
         "licensing", "acquihire", "joint_venture")  # fmt: skip
SYMMETRIC = frozenset({"partnership", "merger", "joint_venture"})
STATUSES = ("reported", "in_talks", "background", "denied")
MAX_SENTENCE = 1500  # longer "sentences" are lists or markup debris, not deal reporting

# a cheap test for a description that may stand for a party (extractors/deal_anaphora.py)
# (not the speaker of a quote: ", the company said.")
_DESCRIBED = re.compile(
    r"\b[Tt]he\s(?:[\w.-]+\s){0,3}?(?:start-?up|company|firm|brand|lab|chipmaker|giant|maker|developer)"
    r"\b(?!\s(?:said|says|told|added)\b)"
)
_FIRST = itemgetter(0)
_START = attrgetter("start")
# the nouns a description of a party ends in ("the start-up", "the chipmaker")
_DESCRIPTION_NOUNS = (
    "start-up", "startup", "company", "firm", "brand", " lab", "giant", "maker", "developer"
)  # fmt: skip
# a pronoun that may stand for a party (extractors/deal_pronouns.py)
_PRONOUN = re.compile(
    f"{Q.ITS_TITLE.pattern}|{Q.ITS_DEAL.pattern}|{Q.IT_HOLDS.pattern}|{Q.IT_DOES.pattern}|"
    f"{Q.IT_REPORTED.pattern}"
)
_WILL = re.compile(r"\bwill\b")  # an aside saying what will happen is news, not background
_SOURCED = re.compile(r"report|accord|said|sources|people|person")  # on the lowered sentence
_REPORTEDLY = re.compile(
    r"\b(?:reportedly|reported|according\s+to\s+(?:people|sources|a\s+person|someone|those|"
    r"two|three|several|(?:[\w-]+\s+)?(?:media|reports?|press)\b|a\s+(?:[\w-]+\s+)?report)|"
    r"(?:is|are|was|were)\s+said\s+to|said\s+to\s+(?:be|have)|sources\s+(?:said|say)|people\s+"
    r"(?:familiar|briefed|with\s+knowledge)|person\s+(?:familiar|briefed))\b",
    re.IGNORECASE,
)
# A publication as the source, as "X reported" names one: "according to The Information",
# "according to Wired." (a name of at most three capitalised words ending the clause; not
# "according to the Chinese group's chairman", "according to a filing").
_ACCORDING_TO_NAME = re.compile(
    r"\baccording\s+to\s+(?:the\s+|The\s+)?[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,2}\s*(?:[,;.]|$)"
)
_DENIED = (
    r"\b(?:den(?:y|ies|ied|ying)|no\s+longer|pull(?:s|ed)?\s+out|walk(?:s|ed)?\s+away|"
    r"br(?:oke|eak|eaks)\s+down|f(?:ell|alls?|allen)\s+(?:apart|through)|collaps(?:e|es|ed)|"
    # "ended its collaboration agreement with", "passed on an option to buy"
    r"end(?:s|ed|ing)\s+(?:its|their|the)\s+(?:[\w-]+\s+){0,2}?(?:partnership|collaboration|"
    r"agreement|deal|relationship|talks|alliance)|pass(?:es|ed)\s+on|"
    r"call(?:s|ed)?\s+off|scrap(?:s|ped)|abandon(?:s|ed)|rebuff(?:s|ed)|reject(?:s|ed)|"
    r"turn(?:s|ed)\s+down|not\s+in\s+talks|no\s+plans|rul(?:e|es|ed)\s+out|"
    r"(?:drop(?:s|ped|ping)?|back(?:s|ed|ing)?)\s+out|terminat(?:e|es|ed)|declin(?:e|es|ed|ing)\s+to|"
    # ("refused to invest"; not "refused to comment")
    r"refus(?:e|es|ed|ing)\s+to(?!\s+(?:comment|say|discuss|disclose|confirm|elaborate)\b))\b"
)
_TALKS = (
    r"\b(?:in\s+(?:early\s+|advanced\s+|final\s+)?(?:talks|discussions|negotiations)|"
    r"talking\s+(?:to|with)|"
    r"(?:held|holding|hold|holds|began|opened)\s+(?:(?:early|preliminary|informal)\s+)?"
    r"(?:talks|discussions|negotiations)|talks\s+(?:to|with|over|about)|discuss(?:ing|es)|"
    r"discussions\s+(?:with|about|over|on)|"
    r"negotiat(?:ing|es)|consider(?:s|ing|ed)|weigh(?:s|ing|ed)|explor(?:es|ing|ed)|"
    r"mull(?:s|ing|ed)|"
    r"near(?:s|ing)|close\s+to\s+(?:a\s+|an\s+)?(?:deal|agreement)|could|might|"
    r"(?-i:may)|expected\s+to\s+(?!close|complete)|seek(?:s|ing)|potential|possible|proposed|"
    # "close to finalizing", "closes in on", "preparing to raise", "floated buying" (not a
    # letter of intent or a non-binding memorandum: signed, they are reported, as g166)
    r"close\s+to\s+(?:final|sign|clinch|seal|agree)\w*|clos(?:e|es|ing)\s+in\s+on|"
    r"prepar(?:e|es|ing)\s+to|float(?:s|ed|ing)|"
    r"tr(?:y|ies|ied)\s+to|attempt(?:s|ed)\s+to|approached|(?:is|are)\s+(?:raising|"
    r"finali[sz]ing|looking\s+to)|aims?\s+to\s+raise|plans?\s+to\s+raise|in\s+the\s+process)\b"
)
_BACKGROUND = (
    r"\b(?:already|previously|existing|for\s+years|(?:has|have|had)\s+long|had\s+(?:invested|"
    r"backed|bought|acquired)|first\s+invested|since\s+(?:19|20)\d\d|in\s+the\s+past|"
    # a cumulative stake: "has poured $13 billion in total into Y", "has invested $4bn to date"
    r"in\s+total|to\s+date|all\s+told|cumulative(?:ly)?|"
    # a stake's worth or a gain on it: "Microsoft's stake in OpenAI is worth $135 billion",
    # "a gain on Amazon's Anthropic stake" (a stake held, not taken)
    r"stakes?\b[^.;]{0,40}?\b(?:is|was|are|were)\s+(?:now\s+)?(?:worth|valued)|gains?\s+on)\b"
)
# One pass for every status cue; the strongest found wins (denied, then talks, then background).
# Every cue holds one of these: most windows hold none, and skip the regex.
_CUE_STEMS = (
    "den",
    "no longer",
    "pull",
    "walk",
    "bro",
    "brea",
    "fell",
    "fall",
    "collaps",
    "call",
    "scrap",
    "abandon",
    "rebuff",
    "reject",
    "turn",
    "not in",
    "no plan",
    "rul",
    "out",
    "terminat",
    "end",
    "pass",
    "prepar",
    "float",
    "in on",
    "declin",
    "refus",
    "talks",
    "discuss",
    "negotiat",
    "consider",
    "weigh",
    "explor",
    "mull",
    "near",
    "close to",
    "could",
    "might",
    "may",
    "expected",
    "seek",
    "potential",
    "possible",
    "propos",
    "tried",
    "tries",
    "try",
    "attempt",
    "approached",
    "raising",
    "finali",
    "looking",
    "aim",
    "plan",
    "process",
    "already",
    "previously",
    "existing",
    "for years",
    "long",
    "had ",
    "first invested",
    "since",
    "past",
    "in total",
    "to date",
    "all told",
    "cumulative",
    "stake",
    "gain",
)
_CUE_FINDER = ahocorasick_rs.AhoCorasick(_CUE_STEMS)  # one pass, not a test per stem
_CUES = re.compile(
    f"(?P<denied>{_DENIED})|(?P<in_talks>{_TALKS})|(?P<background>{_BACKGROUND})", re.IGNORECASE
)
# the same, lowered, run case-sensitively on the lowered window: several times faster
_CUES_LOW = re.compile(R.lower_outside_escapes(_CUES.pattern))
# A deal the sentence says did not happen ("X has not invested in Y", "X never acquired Y",
# "X did not take part in Y's round") is no deal; nor is one only asked about or supposed
# ("whether X would buy a stake in Y", "if X were to buy Y"). Denials of reports ("denied
# that", "no plans to") are deals with status `denied`; "not only", "not yet" negate nothing.
# ("rent TPUs through Google Cloud rather than buying Nvidia's processors": the other way)
_NEGATION = re.compile(
    r"\b(?:not|never|neither|nor)\b(?!\s+(?:only|just|yet)\b)|n['’]t\b|\brather\s+than\b|"
    r"\binstead\s+of\b",
    re.I,
)
# (and a supposition by inversion at the head of the clause: "Should Apple decide to buy
# Perplexity, …", "Were Amazon to take a stake in Mistral, …", "Had X bought Y, …")
_SUPPOSED = re.compile(r"\b(?:whether|if)\b|^\W*(?:should|were|had)\s+$", re.IGNORECASE)
# a clause with a subject of its own: a match across it pairs the wrong parties (the clause
# is read again with the sentence's subject, `_coordinated`)
_NEW_SUBJECT = re.compile(r",\s+(?:but|and|while|yet)\s+(?:it|they)\s", re.IGNORECASE)
_NEITHER = re.compile(r"\bneither\b", re.I)
_NEGATION_STEMS = ("not", "Not", "ever", "either", "nor", "n't", "n’t", "rather", "instead")
_SUPPOSED_STEMS = ("if", "If", "hether", "Should", "Were", "Had")
_EXPANDS = re.compile(r"\b(?:expand|extend|increas|boost|top)\w*\b", re.IGNORECASE)
_NEXT_TRANCHE = re.compile(
    r"\b(?:second|third|fourth|next|new|latest|final|follow-on|additional|another|further)\s+"
    r"(?:tranche|installment|instalment)",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r",|;|\s(?:and|but|before|after|while|as)\s", re.IGNORECASE)
# ", which began in 2019": a relative clause that dates the deal itself
_DATES_DEAL = re.compile(
    r",\s+(?:which|that)\s+(?:began|started|was\s+(?:signed|announced|struck|agreed|sealed|"
    r"completed|closed|made)|dates\s+(?:back\s+)?to)\b[^,;]*",
    re.IGNORECASE,
)
_VALUATION_AFTER = re.compile(r"\s*(?:[\w-]+\s+)?valuation", re.IGNORECASE)
_VALUATION_BEFORE = re.compile(
    r"(?:\bvalu(?:e|es|ed|ing)\b[^$€£¥\ue002]{0,40}\bat|\bat\s+(?:a|an)|\bvaluation\s+(?:of|"
    r"above|below|near|around|topping|over|close\s+to)|\bworth\s+(?:of\s+)?more\s+than\s+"
    r"(?=$))\s*$",
    re.IGNORECASE,
)
# what a holding is worth is not what was paid: "X's stake in Y is worth $135 billion"
_HOLDING_WORTH = re.compile(
    r"\b(?:stakes?|holdings?|shares|position)\b[^;\ue002]{0,40}?\b(?:is|are|was|were)\s+"
    r"(?:now\s+)?worth\s*$",
    re.IGNORECASE,
)
_RANK = {"cloud": 3, "company": 2, "lab": 1, "product": 0}  # who supplies whom in compute
_STRENGTH = {"reported": 3, "in_talks": 2, "denied": 1, "background": 0}


@dataclass(frozen=True)
class _Sentence:
    text: str
    start: int
    mentions: Sequence[Mention]
    amounts: Sequence[Amount]
    valuations: frozenset[int]  # indices of amounts that are valuations, not deal money
    today: date | None
    # What the whole sentence can hold, tested once: its deals need not test again.
    sourced: bool = True  # may say "reportedly", "according to people familiar" ...
    cued: bool = True  # may hold a status cue ("in talks", "denied", "already" ...)
    # parties (mention indices) a "reportedly" follows, a word the skeleton has lost
    # (`_ADVERB_AFTER`): "X reportedly agreed to buy Y" is told on a report's word
    hedged: frozenset[int] = frozenset()


def find_deals(
    text: str,
    mentions: Sequence[Mention],
    ancestors: Callable[[str], Sequence[str]] | None = None,
    published: date | None = None,
    spans: Sequence[tuple[int, int]] | None = None,
    learned: bool = False,
) -> list[Deal]:
    """Deals stated in `text`, given its mentions (from `Tagger.tag` on the same text).

    `ancestors(entity_id)` lets a provider named as a company be narrowed to its cloud or
    product named in the same sentence; `published` (the article's date) dates "last year"
    and tells an earlier deal (background) from news; `spans` are the text's sentences when
    the caller has them already (`sentence_spans(text)`); `learned` adds the model's deals
    for pairs the rules read nothing between (extractors/deal_model.py; the setting
    `deal_model`)."""
    ordered = sorted(mentions, key=_START)
    if not _near_pair(ordered):
        return []  # most articles: no two entities close enough to share a sentence
    ancestors = _memo(ancestors) if ancestors else None
    spans = sentence_spans(text) if spans is None else spans
    by_sentence = M.by_sentence(ordered, spans)
    # sentences with two parties; and those right after them, which may name a party by
    # a description ("The company is also hiring the start-up's staff")
    pairs = [i for i, inside in by_sentence.items() if len({m.entity for m in inside}) > 1]
    # and sentences naming one party right before a sentence naming another, which may
    # name the first by a description ("Innomotics … . The company partnered with Zalaris")
    chains = [
        i - 1
        for i, inside in by_sentence.items()
        if i - 1 in by_sentence
        and {m.entity for m in inside} != {m.entity for m in by_sentence[i - 1]}
    ]
    # a round announced in one sentence whose backers later ones name
    rounds = _rounds_told_on(text, spans, by_sentence)
    if not pairs and not chains and not rounds:
        return []
    found: list[Deal] = []
    paired = set(pairs)
    described = _described(text, spans, sorted({*pairs, *chains}) if chains else pairs)
    if 0 in by_sentence:
        # a sentence naming one party and "the start-up" or "its …" far from the others may
        # stand for the subject of the lede (extractors/deal_anaphora.py `describe`)
        described |= {
            i
            for i, inside in by_sentence.items()
            if i > 1
            and i not in described
            and len({m.entity for m in inside}) == 1
            and (
                _DESCRIBED.search(text, *spans[i]) is not None
                or _PRONOUN.search(text, *spans[i]) is not None
            )
        }
    for i in sorted({*pairs, *described}) if described else pairs:
        inside = by_sentence.get(i, [])
        start, end = spans[i]
        if end - start > MAX_SENTENCE:
            continue
        sentence = text[start:end]
        two = i in paired
        # "the start-up", "the company", "its largest investor": which party? (tested first
        # where it is needed)
        pronoun = i in described and _PRONOUN.search(sentence) is not None
        description = i in described and (two or pronoun or _DESCRIBED.search(sentence))
        if not two and not description:
            continue
        # (the rules' words read "its largest investor" as the name's "X's largest investor")
        said = Q.as_named(sentence) if pronoun else sentence
        rules = R.rules_for(said, inside)
        if not rules:
            continue  # no deal word: the cheap exit for most sentences with two entities
        told: list[Mention] = []  # parties named by a pronoun
        if description and (not two or pronoun or _DESCRIBED.search(sentence)):
            kinds = {m.entity: m.kind for m in ordered}
            before = spans[i - 1] if i > 0 else None
            named = Y.describe(text, spans[i], before, ordered, ancestors, kinds.get, spans[0])
            if pronoun:
                told = Q.pronouns(text, spans[i], before, [*ordered, *named], kinds.get)
            if named:
                inside = sorted([*inside, *named], key=_START)
            if len({m.entity for m in inside} | {m.entity for m in told}) < 2:
                continue
        plain = _sentence_deals(sentence, start, inside, ancestors, published, rules)
        if told:
            # the sentence read with its pronouns as their parties adds the deals only that
            # reading finds; rules that read "its" as a word ("expanded its agreement with")
            # keep what they read
            seen = {(d.kind, d.investor, d.target) for d in plain}
            both = sorted([*inside, *told], key=_START)
            # "ended its collaboration agreement with OpenAI", "said its investment in OpenAI
            # was safe": the verb before "its" says
            by_verb = Q.told_status(text, start, told, both)
            parties = {t.entity for t in told}
            plain += [
                _restated(d, by_verb.get(frozenset((d.investor, d.target))))
                for d in _sentence_deals(sentence, start, both, ancestors, published, rules)
                # (only deals of a pronoun's party: "xAI, and it bought" is no list)
                if (d.kind, d.investor, d.target) not in seen
                and ({d.investor, d.target} | {e for e, _ in d.roles}) & parties
            ]
            plain = _settle(plain)
        found += plain
    if " two " in text:
        found += _the_two(text, spans, by_sentence, ancestors)
    if rounds or any(d.kind == "investment" and d.amount_usd is not None for d in found):
        found = _rounds_across(text, spans, by_sentence, rounds, found, ancestors, published)
    if learned and pairs:
        # what the rules read nothing in: the model's deals (extractors/deal_model.py)
        ruled = {frozenset(p) for d in found for p in _pairs_of(d)}
        describe = _model_deal(published)
        cue = partial(sentence_status, published=published)
        found += M.model_deals(
            text, spans, by_sentence, ruled, ancestors, describe, cue, _plausible
        )
    # an article's licence of a company's models and its hiring of the staff (in two
    # sentences) are one acqui-hire
    hired = any(d.kind == "acquihire" for d in found)
    return fold_deals(_settle(found) if hired else found, published)


# "the two companies will jointly sell", "the two will develop": work done together
_THE_TWO = re.compile(
    r"\b[Tt]he\s+two(?:\s+(?:companies|firms|groups|partners|sides))?\s+(?P<aux>(?:(?:will|would|"
    r"also|already|now|plan\s+to|plans\s+to|agreed\s+to|have\s+agreed\s+to|are\s+to|intend\s+to)"
    r"\s+)*)(?:jointly\s+|together\s+)?(?:co-?develop|develop|build|sell|market|offer|work|"
    r"collaborate|cooperate|co-operate|design|research|create|launch|operate)\w*\b"
)


_AGREED = re.compile(
    r"\b(?:partnership|partners?|partnering|collaborat\w*|co-?operat\w*|co-?develop\w*|alliance|"
    r"tie-?up|agreement|pact|joint(?:ly)?|together)\b",
    re.IGNORECASE,
)


_ENDED = re.compile(
    r"\b(?:ended|ending|terminat\w+|scrapp\w+|dissolv\w+|split|walked\s+away|pulled\s+out|"
    r"broke\s+(?:off|up))\b",
    re.IGNORECASE,
)


def _the_two(
    text: str,
    spans: Sequence[tuple[int, int]],
    by_sentence: dict[int, list[Mention]],
    ancestors: Callable[[str], Sequence[str]] | None,
) -> list[Deal]:
    """A partnership of "the two" (companies) that work together: the two parties named
    before it in its sentence, else the two the sentence before names (a company's cloud
    counts as the company)."""

    def two(names: Sequence[Mention]) -> list[str]:
        ids = {m.entity for m in names if m.kind != "product"}
        return sorted(e for e in ids if not (ancestors and set(ancestors(e)) & ids))

    out: list[Deal] = []
    for i, (start, end) in enumerate(spans):
        m = _THE_TWO.search(text, start, end)
        if m is None:
            continue
        # only where an agreement or working together is told: not rivals, a buyer and what
        # it bought, people
        lo = spans[i - 1][0] if i > 0 else start
        if not _AGREED.search(text, lo, end) or _ENDED.search(text, lo, end):
            continue  # ("ended their partnership last year; the two now operate …")
        here = two([x for x in by_sentence.get(i, []) if x.start < m.start()])
        pair = here if here else two(by_sentence.get(i - 1, [])) if i > 0 else []
        if len(pair) != 2:
            continue
        status = "background" if "already" in m.group("aux") else "reported"
        sentence = text[start:end]
        out.append(
            Deal("partnership", pair[0], pair[1], None, None, "", None, sentence, start, status)
        )
    return out


_ROUND_REACH = 4  # the sentences after a raise that may name its backers


def _rounds_told_on(
    text: str, spans: Sequence[tuple[int, int]], by_sentence: dict[int, list[Mention]]
) -> list[tuple[int, D.Announcement]]:
    """The sentences announcing a raise that a later sentence (up to `_ROUND_REACH` on) may name
    backers of: (sentence index, announcement). The raiser is named, or described right
    after a sentence naming it ("The start-up raised $N")."""
    out: list[tuple[int, D.Announcement]] = []
    # a sentence naming a party, or right after one, with a party named after it
    before = {j - k for j in by_sentence for k in range(1, _ROUND_REACH + 1)}
    named = {*by_sentence, *(j + 1 for j in by_sentence)}
    for i in sorted(before & named):
        if i < 0 or i >= len(spans):
            continue
        start, end = spans[i]
        if end - start > MAX_SENTENCE:
            continue
        inside = by_sentence.get(i)
        found = D.announcement(text, spans[i], inside) if inside else None
        if found is None and i - 1 in by_sentence:
            found = D.described_announcement(text, spans[i], by_sentence[i - 1])
        if found is not None:
            out.append((i, found))
    return out


def _rounds_across(
    text: str,
    spans: Sequence[tuple[int, int]],
    by_sentence: dict[int, list[Mention]],
    rounds: Sequence[tuple[int, D.Announcement]],
    found: list[Deal],
    ancestors: Callable[[str], Sequence[str]] | None,
    published: date | None,
) -> list[Deal]:
    """`found` with each announced round's backers that the next sentences name: added to the
    round's deal found in the announcing sentence, or a deal of their own with the
    announcement's amount, year and status (extractors/deal_rounds.py)."""
    raised = {i for i, _ in rounds}
    starts = {spans[i][0]: i for i in range(len(spans))}
    # an investment deal stated as news opens a round too ("ASML has agreed to invest €1.3bn
    # in Mistral AI. … Existing investors including Nvidia also took part."), unless a raise
    # of its company was announced just before
    told = list(rounds)
    for d in found:
        i = starts.get(d.start, -1)
        if (
            i >= 0
            and d.kind == "investment"
            and d.status in ("reported", "in_talks")
            and d.amount_usd is not None
            and not any(
                a.target.entity == d.target and i - _ROUND_REACH <= k <= i for k, a in rounds
            )
        ):
            at = next((m for m in by_sentence.get(i, []) if m.entity == d.target), None)
            if at is not None:
                told.append((i, D.Announcement(at, spans[i][1], at.start)))
    told.sort(key=lambda x: x[0])
    # the sentences with investment deals of their own: the companies they invest in
    invested: dict[int, set[str]] = {}
    for d in found:
        # (a stake held, "ASML, its largest shareholder, led the round", is not the round)
        held = d.status == "background" and d.amount_usd is None and not d.roles
        if d.kind == "investment" and d.start in starts and not held:
            invested.setdefault(starts[d.start], set()).add(d.target)
    out = list(found)
    for i, ann in told:
        target = ann.target.entity
        kin = {target, *(ancestors(target) if ancestors else ())}
        own = next(
            (
                d
                for d in out
                if d.kind == "investment" and d.target == target and d.start == spans[i][0]
            ),
            None,
        )
        status = own.status if own else _announced_status(text, spans[i], ann, published)
        members: dict[str, str] = {}
        last = i
        for j in range(i + 1, min(i + 1 + _ROUND_REACH, len(spans))):
            start, end = spans[j]
            if j in raised or end - start > MAX_SENTENCE:
                break  # another raise: what follows is about it
            if j in invested:
                if target not in invested[j]:
                    break  # another company's investment
                continue  # the sentence's own deal of this round: read by the rules
            sentence = text[start:end]
            inside = by_sentence.get(j, [])
            skeleton, _ = _skeleton(sentence, start, inside, find_amounts(sentence))
            if D.another_round(sentence, skeleton):
                break
            if not inside:
                continue
            kinds = [m.kind for m in inside]
            said = D.members(skeleton, kinds, talks=status == "in_talks")
            if not said and ("which" in skeleton or "who" in skeleton):  # (and "whose")
                # "Nvidia, whose processors fill Nscale's sites, joined the round": read without
                # the aside
                plain = C.reduce(skeleton, kinds, two_parties=False).text
                said = D.members(plain, kinds, talks=status == "in_talks")
            for k, role in said:
                entity = inside[k].entity
                if entity in kin or (ancestors and target in ancestors(entity)):
                    continue
                if members.get(entity) != "lead":
                    members[entity] = role
                last = j
        if members:
            inside = by_sentence.get(i, [])
            out = _join_round(
                text, spans, i, last, ann, own, status, members, out, published, inside
            )
    return out


def _announced_status(
    text: str, span: tuple[int, int], ann: D.Announcement, published: date | None
) -> str:
    """The status of a round as its announcement tells it: its cues ("is in talks to raise"),
    an earlier raise recalled ("last raised"), else by its year."""
    clause = text[ann.target.start : span[1]].split(";")[0]
    year = find_year(clause, published)
    window = text[ann.target.start : ann.end]
    return _cue_status(window, year, published, background=ann.earlier)


def _join_round(
    text: str,
    spans: Sequence[tuple[int, int]],
    i: int,
    last: int,
    ann: D.Announcement,
    own: Deal | None,
    status: str,
    members: dict[str, str],
    found: list[Deal],
    published: date | None,
    inside: Sequence[Mention],
) -> list[Deal]:
    """The round announced in sentence `i` (naming `inside`) with `members` named by the
    sentences up to `last`: the announcing sentence's own deal of the round (`own`) widened,
    else a new one."""
    if own is not None:
        roles = dict(own.roles) or {own.investor: "participant"}
        for e, role in members.items():
            if roles.get(e) != "lead":
                roles[e] = role
        ordered = sorted(roles.items(), key=lambda x: x[1] != "lead")
        widened = replace(own, investor=ordered[0][0], roles=tuple(ordered))
        return [widened if d is own else d for d in found]
    start, end = spans[i]
    sentence = text[start:end]
    skeleton, kept = _skeleton(sentence, start, inside, find_amounts(sentence))
    values = _valuations(skeleton)  # the first amount after the verb that is no valuation
    amount = next(
        (a for k, a in enumerate(kept) if k not in values and a.start + start >= ann.verb), None
    )
    clause = sentence[ann.target.start - start :]
    year = find_year(clause.split(";")[0], published)
    qualifier = amount.qualifier if amount else ""
    follow = text[spans[i + 1][0] : spans[last][1]]
    if (
        _REPORTEDLY.search(sentence)
        or _ACCORDING_TO_NAME.search(sentence)
        or _REPORTEDLY.search(follow)
    ):
        qualifier = f"{qualifier}, reportedly" if qualifier else "reportedly"
    ordered = sorted(members.items(), key=lambda x: x[1] != "lead")
    evidence = (
        text[start : spans[last][1]]
        if last == i + 1
        else f"{sentence} … {text[spans[last][0] : spans[last][1]]}"
    )
    found.append(
        Deal(
            kind="investment",
            investor=ordered[0][0],
            target=ann.target.entity,
            amount_usd=amount.low_usd if amount else None,
            amount_max_usd=amount.high_usd if amount else None,
            qualifier=qualifier,
            year=year,
            evidence=evidence,
            start=start,
            status=status,
            roles=tuple(ordered),
            currency=amount.currency if amount else "USD",
            amount=amount.low if amount else None,
            amount_max=amount.high if amount else None,
        )
    )
    return found


def _restated(d: Deal, status: str | None) -> Deal:
    """`d` with the status its pronoun's verb gives: denied always, background over reported."""
    if status == "denied" or (status == "background" and d.status == "reported"):
        return replace(d, status=status)
    return d


def _described(text: str, spans: Sequence[tuple[int, int]], pairs: Sequence[int]) -> set[int]:
    """The sentences with two parties, or after one, that hold a word a description of a
    party ends in ("the start-up", "the company"): substring searches of those runs of
    sentences only."""
    out: set[int] = set()
    near = sorted({*pairs, *(i + 1 for i in pairs if i + 1 < len(spans))})
    runs: list[list[int]] = []
    for i in near:
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    for first, last in runs:
        lo, hi = spans[first][0], spans[last][1]
        for noun in _DESCRIPTION_NOUNS:
            at = text.find(noun, lo, hi)
            while at >= 0:
                out.add(bisect_right(spans, at, key=_FIRST) - 1)
                at = text.find(noun, at + len(noun), hi)
        for m in _PRONOUN.finditer(text, lo, hi):
            out.add(bisect_right(spans, m.start(), key=_FIRST) - 1)
    return out


def _memo(
    ancestors: Callable[[str], Sequence[str]],
) -> Callable[[str], Sequence[str]]:
    """`ancestors`, each entity's answer kept for the article (it is asked per deal)."""
    seen: dict[str, Sequence[str]] = {}

    def cached(entity: str) -> Sequence[str]:
        if entity not in seen:
            seen[entity] = ancestors(entity)
        return seen[entity]

    return cached


def _near_pair(ordered: Sequence[Mention]) -> bool:
    """Whether two different entities are named within `MAX_SENTENCE` characters."""
    return any(
        a.entity != b.entity and b.start - a.end < MAX_SENTENCE for a, b in pairwise(ordered)
    )


# An aside that is a subject relative clause: "P, which has teamed up with Q", read as the
# clause "P has teamed up with Q" (not "P, which Q bought": its subject is another party).
_SUBJECT_RELATIVE = re.compile(r"(?<=\ue001),\s+(?:which|who|that)\s+(?!\ue000)", re.IGNORECASE)


def _sentence_deals(
    sentence: str,
    start: int,
    inside: Sequence[Mention],
    ancestors: Callable[[str], Sequence[str]] | None,
    today: date | None,
    rules: Sequence[R.Rule],
) -> list[Deal]:
    amounts = find_amounts(sentence)
    skeleton, kept = _skeleton(sentence, start, inside, amounts)
    low = sentence.lower()
    s = _Sentence(
        sentence, start, inside, kept, _valuations(skeleton), today,
        sourced=_SOURCED.search(low) is not None,
        cued=bool(_CUE_FINDER.find_matches_as_indexes(low)),
        hedged=frozenset(
            i for i, m in enumerate(inside) if _HEDGED.match(sentence, m.end - start)
        ) if "reportedly" in low or "allegedly" in low else frozenset(),
    )  # fmt: skip
    kinds = [m.kind for m in inside]
    parties = {m.entity for m in inside if m.kind != "product"}
    reduced = C.reduce(skeleton, kinds, two_parties=len(parties) == 2)
    found = _match(reduced.text, kinds, rules)
    for clause in _coordinated(reduced.text):  # each with the rules its own words call for
        found += _match(clause, kinds, R.rules_for(clause, inside))
    for aside in reduced.asides:
        # "P, which has teamed up with Q" reads as the clause "P has teamed up with Q": the
        # rules of a main clause, and its cues ("P, which declined to invest in Q": denied)
        plain = _SUBJECT_RELATIVE.sub(" ", aside, count=1)
        stated = _match(plain, kinds, R.rules_for(plain, inside))
        if not stated and plain != aside:
            stated = _match(aside, kinds, R.rules_for(aside, inside))
        # (an aside dated with the news, "which on Tuesday agreed to buy …", is the news)
        news = _WILL.search(aside) or R.DATED_NEWS.search(aside)
        found += [f if news else replace(f, background=True) for f in stated]
    found += reduced.found
    # The same match found twice (by two rules, or in a clause read again) is read once.
    found = list(
        {(f.kind, f.investor, f.target, f.text, f.span, f.roles): f for f in found}.values()
    )
    deals = [d for f in found if (d := _deal(f, s, ancestors)) is not None]
    deals += _tranches_after(found, s, ancestors)
    return _settle(deals, ancestors)


# What only says where or whose a party is, right before it (`K.OWNER_BEFORE`)
_OWNER_BEFORE = re.compile(rf"(?:^|(?<=\s)){K.OWNER_BEFORE}$")


# An adverb between a party and its verb ("OpenAI quietly approached", "Alphabet has
# formally agreed to buy"): no rule's business, so the skeleton leaves it out. "Reportedly"
# goes too; the sentence keeps it as its report's word (`_Sentence.hedged`).
_ADVERB_AFTER = re.compile(
    r"^(\s+(?:(?:has|have|had|will|would|is|are|was|were|did|does|do)\s+)?)"
    r"(?:reportedly|allegedly|quietly|formally|officially|finally|jointly|publicly|privately|"
    r"separately|eventually|subsequently|initially|ultimately|secretly|swiftly|quickly|"
    r"successfully|independently|effectively|recently)\s+(?=[a-z])"
)
_HEDGED = re.compile(
    r"\s+(?:(?:has|have|had|will|would|is|are|was|were|did|does|do)\s+)?(?:reportedly|allegedly)\s"
)


def _skeleton(
    sentence: str, offset: int, mentions: Sequence[Mention], amounts: Sequence[Amount]
) -> tuple[str, list[Amount]]:
    """The sentence with entity i as "\ue000i\ue001" and amount k as "\ue002k\ue003"; amounts
    overlapping an entity are dropped, and so is what only dresses a party's name: before it
    (`_bare`: "Norway's", "London-based", "venture firm") and after it (`_after_party`:
    "Corp.", "(NYSE: CRM)", "quietly")."""
    spans = [(m.start - offset, m.end - offset, K.OPEN, K.CLOSE, i) for i, m in enumerate(mentions)]
    kept: list[Amount] = []
    for a in amounts:
        if not any(s < a.end and a.start < e for s, e, *_ in spans):
            spans.append((a.start, a.end, K.AOPEN, K.ACLOSE, len(kept)))
            kept.append(a)
    parts: list[str] = []
    cursor = 0
    for s, e, opening, closing, i in sorted(spans):
        if s < cursor:
            continue
        before = sentence[cursor:s]
        if parts and parts[-1].startswith(K.OPEN):
            before = _after_party(before)
        if opening == K.OPEN and before.endswith(" "):
            before = _bare(before, not parts, bool(parts) and parts[-1].startswith(K.OPEN))
        parts += [before, f"{opening}{i}{closing}"]
        if opening == K.OPEN and sentence[s:e] in ("its", "Its"):
            parts.append("’s")  # a pronoun read as its party (deal_pronouns.pronouns)
        cursor = e
    rest = sentence[cursor:]
    if parts and parts[-1].startswith(K.OPEN):
        rest = _after_party(rest)
    parts.append(rest)
    return "".join(parts), kept


def _bare(text: str, opens: bool, after_party: bool) -> str:
    """`text`, which a party follows, without what only says where, whose or what the party is
    ("Norway's", "London-based", "venture firm", "the AI start-up"), so that the rules read
    "led by P" whatever the press puts before a name. `opens`: the text starts the sentence;
    `after_party`: a party comes right before it. A title that a party or a possessive owns
    stays ("ChatGPT maker OpenAI", "Apple device management firm Jamf", "its largest investor
    Microsoft"), and so does an appositive's ("Statsig, the start-up OpenAI paid $1.1 billion
    for"): the rules read those."""
    if text.endswith(_OWNER_ENDS):
        text = _OWNER_BEFORE.sub("", text)
    last = text[text.rstrip().rfind(" ") + 1 :].rstrip().lower()
    if last not in K.TITLE_NOUNS:
        return text  # (most text before a name: the common case, no words split)
    words = [(w.start(), w.group()) for w in _WORD.finditer(text)]
    n = len(words) - 1  # the title's first word
    while n > 0 and len(words) - n < 5 and _TITLE_WORD.fullmatch(words[n - 1][1]):
        n -= 1
    article = n > 0 and words[n - 1][1].lower() in ("the", "a", "an")
    if article:
        n -= 1
    if n == 0 and not opens:
        return text  # right after a party, or an appositive's head
    before = words[n - 1][1] if n > 0 else ""
    if before.endswith(("'s", "’s", "'", "’")) or before.lower() in _KEEPS_TITLE:
        return text
    if article and before.endswith(","):
        return text  # "Statsig, the product-testing start-up OpenAI paid … for"
    if after_party and _owns_title(text[: words[n][0]]):
        return text  # the party's own title ("Apple device management and security firm")
    return text[: words[n][0]]


def _owns_title(head: str) -> bool:
    """Whether `head`, between a party and a title, makes the title the party's own: words of
    one phrase ("device management and security"), not a list going on ("and", ", ",
    "Ventures and") nor a clause ("agreed to pay")."""
    words = head.replace(",", " , ").split()
    if words and words[0].lower() in _FUND_WORDS:
        words = words[1:]  # "Salesforce Ventures and …": the name's own word
    if not words or words[0] in (",", "and", "&", "or"):
        return False
    return K.fill_ok(" ".join(words))


_FUND_WORDS = frozenset("ventures venture capital partners group fund holdings".split())
_OWNER_ENDS = ("'s ", "’s ", "based ", "headquartered ")
_WORD = re.compile(r"\S+")
# a word of a title before its noun: a name or a capitalised word ("US", "AI", "French"), a
# compound ("Paris-based", "chip-equipment") or a word of what a company does; not a word that
# starts another phrase, nor a verb ("to acquire chip designer Arm")
_TITLE_WORD = re.compile(
    r"(?!(?:And|Or|The|An?|In|On|At|By|For|From|With|To|Of|Into|As|After|Before)$)"
    r"(?:[A-Z][\w.&]*|[\w.&]+-[\w.&-]+|tech|technology|cloud|chip|software|equity|private|"
    r"venture|state|sovereign|wealth|investment|semiconductor|data|search|robotics|defen[cs]e|"
    r"coding|legal|health|media|telecoms?|internet|social|gaming|energy|hedge|pension|asset|"
    r"management|capital|consulting|networking|security|cybersecurity|memory|storage|"
    r"infrastructure|model|research|industrial|payments|fintech|retail|online|public|listed|"
    r"smaller|larger|young|new|major|drug|biotech|automotive|electronics|mobile|phone|device|"
    r"design|equipment|services?|analytics|advertising|e-commerce|logistics|financial|games?|"
    r"industry|investment|buyout|growth|longtime|long-time|existing|key|strategic)"
)
# words after which a title is the phrase's own
_KEEPS_TITLE = frozenset("its their his her our whose which that".split())
_LOWER_NEXT = re.compile(r"\s+[a-z(]")


def _after_party(text: str) -> str:
    """What follows a party in the skeleton, without its legal form, its listing or an adverb
    before its verb ("Microsoft Corp. (MSFT.O) quietly agreed")."""
    if (text[1:2].isupper() or text[:2] == ", ") and (legal := K.LEGAL_FORM.match(text)):
        text = text[legal.end() :] or ("." if legal.group().endswith(".") else "")
    elif text.startswith(". ") and _LOWER_NEXT.match(text, 1):
        text = text[1:]  # a name's own "Corp." ("Oracle Corp. its primary cloud provider")
    if text.startswith(" (") and (listed := K.TICKER_AFTER.match(text)):
        text = text[listed.end() :]
    if text.startswith(" ") and "ly " in text:
        text = _ADVERB_AFTER.sub(r"\1", text, count=1)
    return text


def _valuations(skeleton: str) -> frozenset[int]:
    """Amounts that value a company ("at a $157 billion valuation", "valuing it at $300
    billion"): not money that changes hands."""
    out: set[int] = set()
    valued = "valu" in skeleton or "Valu" in skeleton
    held = "worth" in skeleton
    if not valued and not held:
        return frozenset()  # no valuation in the sentence: the common case, one or two tests
    for m in K.AMOUNT_MARK.finditer(skeleton):
        if (
            valued
            and (
                _VALUATION_AFTER.match(skeleton, m.end())
                or _VALUATION_BEFORE.search(skeleton, max(0, m.start() - 60), m.start())
            )
        ) or (held and _HOLDING_WORTH.search(skeleton, max(0, m.start() - 60), m.start())):
            out.add(int(m.group(1)))
    return frozenset(out)


def _match(text: str, kinds: Sequence[str], rules: Sequence[R.Rule]) -> list[K.Found]:
    ctx = K.Context(kinds, text)
    found: list[K.Found] = []
    low = text.lower()
    fast = len(low) == len(text)  # lowering keeps the offsets (it does but for a few letters)
    for rule in rules:
        matches = rule.fast.finditer(low) if fast and rule.fast else rule.pattern.finditer(text)
        for m in matches:
            found += rule.build(m, ctx)
    return found


_PRONOUN_SUBJECT = re.compile(r"\s*(?:It|He|She|They|We)\s")


def _coordinated(text: str) -> list[str]:
    """ "X buys chips from Y and has previously agreed to buy … from Z": the clause after "and"
    again with its subject, the sentence's first party."""
    first = K.MARK.search(text)
    if first is None or (" and " not in text and " but " not in text):
        return []
    if _PRONOUN_SUBJECT.match(text):
        return []  # "It counts Microsoft … and has signed": the subject is not the first party
    return [
        first.group() + " " + text[m.end() :] for m in C.COORDINATED.finditer(text, first.end())
    ]


def _tranches_after(
    found: Sequence[K.Found], s: _Sentence, ancestors: Callable[[str], Sequence[str]] | None
) -> list[Deal]:
    """ "X invested $1 billion in Y in 2019 and added about $10 billion last year": the second
    amount is a tranche of the same parties."""
    out: list[Deal] = []
    for f in found:
        if f.kind != "investment" or f.roles or " and " not in f.text[f.span[1] :]:
            continue
        m = C.TRANCHE_AFTER.match(f.text, f.span[1])
        if m is None:
            continue
        k = int(K.AMOUNT_MARK.findall(m.group("amt"))[0])
        second = replace(f, span=(m.start("amt"), m.end()), amount=k, tranche=True)
        deal = _deal(second, s, ancestors)
        if deal is not None:
            out.append(deal)
    return out


def _deal(
    f: K.Found, s: _Sentence, ancestors: Callable[[str], Sequence[str]] | None
) -> Deal | None:
    """The deal a rule found, with its amount, qualifier, year and status read around it."""
    inv, tgt = s.mentions[f.investor], s.mentions[f.target]
    maker = _named_maker(tgt, s, ancestors)  # "invest in ChatGPT maker": OpenAI
    if maker is None and tgt.kind == "product" and f.kind in ("distribution", "licensing"):
        maker = next(iter(ancestors(tgt.entity)), None) if ancestors else None  # Meta's Llama
    inv_maker = _named_maker(inv, s, ancestors)
    if inv_maker is None and inv.kind == "product" and f.kind == "licensing" and ancestors:
        inv_maker = next(iter(ancestors(inv.entity)), None)  # "Alexa+ is powered by Claude"
    if (tgt.kind == "product" and maker is None) or (
        inv.kind == "product" and f.kind != "distribution" and inv_maker is None
    ):
        return None  # models and apps are not parties to deals; their makers are
    if f.by_kind and _RANK[tgt.kind] > _RANK[inv.kind]:
        inv, tgt = tgt, inv  # the cloud (or the company) supplies; the lab buys
        inv_maker, maker = maker, inv_maker
    investor, target = inv_maker or inv.entity, maker or tgt.entity
    if f.kind in ("compute", "distribution"):
        investor = _narrow(investor, s.mentions, ancestors)
    if f.kind == "compute" and _kind_of(investor, s.mentions) != "cloud":
        # chips brought to a company's cloud go to that cloud ("Microsoft is bringing AMD's
        # accelerators to Azure"): the cloud named right after them, before any other party
        # (not "… for the next Xbox, while Azure keeps its Nvidia fleet")
        target = _brought_to(f, target, s.mentions, ancestors)
    roles = tuple((s.mentions[i].entity, role) for i, role in f.roles)
    if f.kind in SYMMETRIC:
        investor, target = sorted((investor, target))
    if investor == target or target in (ancestors(investor) if ancestors else ()):
        return None
    if maker is not None and ancestors and _kin(investor, target, ancestors):
        return None  # "Google will host Gemini on Google Cloud": one company's own model
    text, (a, b) = f.text, f.span
    if _unreal(text, a, b):
        return None
    tail = K.until_party(text, b, 300).split(";")[0]
    amount = _amount(f, text, tail, s)
    end = _CLAUSE_END.search(tail)
    clause_tail = tail[: end.start()] if end else tail
    dated = _DATES_DEAL.match(tail, len(clause_tail)) if "which" in tail or "that" in tail else None
    region = text[a:b] + clause_tail + (dated.group() if dated else "")
    qualifier = amount.qualifier if amount else ""
    if f.share and amount and not qualifier:  # "up to $5 billion and $10 billion, respectively"
        first = K.AMOUNT_MARK.search(text, a, b)
        qualifier = s.amounts[int(first.group(1))].qualifier if first else ""
    year = find_year(region, s.today)
    if year is None:
        prefix = text[max(text.rfind(",", 0, a), text.rfind(";", 0, a)) + 1 : a]
        # a date that opens the clause, before any party ("In April 2023 Alphabet combined …")
        year = find_year(prefix.split(K.OPEN, 1)[0], s.today)
    status = _status(f, text[a:b] + _before_comma(tail) if s.cued else "", year, s.today)
    if status == "reported" and _AFTER_EARLIER.search(text, max(0, a - 40), a):
        status = "background"  # "two years after Google paid …": an earlier deal recalled
    if status == "reported" and s.start > 0 and s.today is not None and _earlier(region, s.today):
        status = "background"  # after the lede, "in October", "last month": recalled
    # A report's word is on the news, not on an earlier deal the sentence recalls.
    if (status != "background" and not s.hedged.isdisjoint((f.investor, f.target))) or (
        s.sourced and _sourced(text, a, b, tail, whole=status != "background")
    ):
        qualifier = f"{qualifier}, reportedly" if qualifier else "reportedly"
    tranche = (
        f.tranche
        or bool(amount and (amount.tranche or _EXPANDS.search(text[a:b])))
        or (("tranche" in region or "instal" in region) and bool(_NEXT_TRANCHE.search(region)))
    )
    return Deal(
        kind=f.kind,
        investor=investor,
        target=target,
        amount_usd=amount.low_usd if amount else None,
        amount_max_usd=amount.high_usd if amount else None,
        qualifier=qualifier,
        year=year,
        evidence=s.text,
        start=s.start,
        status=status,
        roles=roles,
        currency=amount.currency if amount else "USD",
        amount=amount.low if amount else None,
        amount_max=amount.high if amount else None,
        tranche=tranche,
    )


def _sourced(text: str, a: int, b: int, tail: str, *, whole: bool = True) -> bool:
    """Whether the deal matched at text[a:b] is told on a report's word: in the match or up to
    the next party, or (`whole`) in what the sentence says before its first party or after
    its last ("…, according to people familiar with the matter", "…, Bloomberg reported":
    the attribution of the whole sentence, which a round's later parties cut off the tail)."""
    parts = [text[a:b] + tail]
    if whole:
        first, last = text.find(K.OPEN), text.rfind(K.CLOSE)
        parts += [text[: max(first, 0)], text[last + 1 :] if last >= 0 else ""]
    return any(_REPORTEDLY.search(p) or _ACCORDING_TO_NAME.search(p) for p in parts if p)


# A product named for its maker: "ChatGPT maker", "the Claude developer" (not "ChatGPT maker
# OpenAI", whose head is the party: extractors/deal_clauses.py `PREMODIFIER`).
_MAKER_TITLE = re.compile(
    r"['’]?s?\s+(?:maker|developer|creator|owner|parent|builder|company)\b(?![ \u00a0]+[A-Z0-9])"
)


def _named_maker(
    m: Mention, s: _Sentence, ancestors: Callable[[str], Sequence[str]] | None
) -> str | None:
    """The maker of product `m` when the sentence names the product for its maker."""
    if m.kind != "product" or ancestors is None:
        return None
    if not _MAKER_TITLE.match(s.text, m.end - s.start):
        return None
    return next(iter(ancestors(m.entity)), None)


def _kin(a: str, b: str, ancestors: Callable[[str], Sequence[str]]) -> bool:
    """Whether `a` and `b` belong to one company (one is the other's parent, or both share one)."""
    return not {a, *ancestors(a)}.isdisjoint({b, *ancestors(b)})


def _unreal(text: str, a: int, b: int) -> bool:
    """Whether the match at text[a:b] is negated or only supposed (`_NEGATION`, `_SUPPOSED`):
    a negation inside it, "whether"/"if" in its clause before it; or crosses into a clause
    with a subject of its own (`_NEW_SUBJECT`)."""
    span = text[a:b]
    if any(w in span for w in _NEGATION_STEMS) and _NEGATION.search(span):
        return True
    if (" it " in span or " they " in span) and _NEW_SUBJECT.search(span):
        return True  # "X did not buy Y, but it did invest in Z": Y is not the investor
    clause = text[max(text.rfind(",", 0, a), text.rfind(";", 0, a)) + 1 : a]
    if "either" in clause and _NEITHER.search(clause):
        return True  # "Neither Google nor Amazon took part": the match starts at Amazon
    return any(w in clause for w in _SUPPOSED_STEMS) and bool(_SUPPOSED.search(clause))


def _before_comma(text: str) -> str:
    cut = min((i for i in (text.find(","), text.find(";")) if i >= 0), default=len(text))
    return text[:cut]


def _amount(f: K.Found, text: str, tail: str, s: _Sentence) -> Amount | None:
    """The rule's own amount, else the first in the match, else (when the kind allows) the
    first after it up to the next party; never a valuation."""
    if f.amount is not None:
        return s.amounts[f.amount]
    a, b = f.span
    if f.tail and (verb := _ANOTHER_VERB.search(tail)):
        tail = tail[: verb.start()]  # "license its characters to OpenAI and to invest $1bn"
    for where in (text[a:b], tail if f.tail else ""):
        for k in K.AMOUNT_MARK.findall(where):
            if int(k) not in s.valuations:
                return s.amounts[int(k)]
    if f.kind == "acquisition":  # "the purchase of Y, valued at $8 billion": the price paid
        for where in (text[a:b], tail if f.tail else ""):
            for mark in K.AMOUNT_MARK.finditer(where):  # (not "values the company at $N")
                if _PRICED.search(where, 0, mark.start()):
                    return s.amounts[int(mark.group(1))]
    return None


_PRICED = re.compile(r",\s+(?:valued|priced)\s+at\s+$")
# after a deal, a verb of another one: what follows is that deal's money
_ANOTHER_VERB = re.compile(
    r"\band\s+(?:(?:to|will|would|has|have|also|then|later)\s+)*(?:invest|buy|acquire|pay|"
    r"spend|put|take|raise|commit|pour)\w*\b",
    re.IGNORECASE,
)


_ASIDE_WORDS = re.compile(r",\s+(?:which|who|whose)\b[^,;]*(?:,|$)", re.IGNORECASE)


# A deal in a clause of time before the news: "Two years after Google paid $2.7 billion to
# license …, the start-up is exploring a sale", "days after Google hired …"
# (and a stake valued: "a $9.5 billion gain on Amazon's Anthropic stake")
# a time before the article's month: "last month", "earlier this year", "two months ago",
# "in October" (a month before the article's, with no year after it)
_EARLIER_SPAN = re.compile(
    r"\b(?:last\s+(?:month|week)|earlier\s+this\s+(?:month|year|week)|\w+\s+(?:weeks|months)\s+"
    r"(?:ago|earlier))\b",
    re.IGNORECASE,
)
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()
_EARLIER_MONTH = re.compile(
    r"\b(?:in|since|last|earlier\s+in|back\s+in)\s+(?P<month>"
    + "|".join(m.capitalize() for m in _MONTH_NAMES)
    + r")\b(?!\s+\d)"
)


def _earlier(region: str, today: date) -> bool:
    """Whether `region` dates its deal before the article's month."""
    if _EARLIER_SPAN.search(region):
        return True
    return any(
        _MONTH_NAMES.index(m.group("month").lower()) + 1 < today.month
        for m in _EARLIER_MONTH.finditer(region)
    )


_AFTER_EARLIER = re.compile(
    r"\b(?:(?:days|weeks|months?|years?)\s+(?:after|since)|(?:gains?|loss(?:es)?|"
    r"write-?downs?)\s+on)\s+(?:(?:the|its|their)\s+)?$",
    re.IGNORECASE,
)


def _status(f: K.Found, window: str, year: int | None, today: date | None) -> str:
    return _cue_status(window, year, today, background=f.background)


def _cue_status(
    window: str, year: int | None, today: date | None, *, background: bool = False
) -> str:
    """The status the cues in `window` give (denied, then talks, then background), else by
    the year."""
    if "which" in window or "who" in window:  # "X, which already …, signed": not the deal's
        window = _ASIDE_WORDS.sub(" ", window)
    cues = {m.lastgroup for m in _CUES_LOW.finditer(window.lower())} if window else set()
    if "in_talks" in cues and "May" in window:  # the month, which only the cased test tells
        cues = {m.lastgroup for m in _CUES.finditer(window)}
    for status in ("denied", "in_talks"):
        if status in cues:
            return status
    if background or "background" in cues:
        return "background"
    if year is not None and today is not None and year < today.year:
        return "background"
    return "reported"


def _narrow(
    entity: str,
    inside: Sequence[Mention],
    ancestors: Callable[[str], Sequence[str]] | None,
    kinds: tuple[str, ...] = ("cloud", "product"),
) -> str:
    """A company's cloud or product named in the same sentence stands in for it as provider."""
    if ancestors is None:
        return entity
    for m in inside:
        if m.kind in kinds and m.entity != entity and entity in ancestors(m.entity):
            return m.entity
    return entity


_BROUGHT_TO = re.compile(r"\b(?:to|for|in|on|into|onto)\s+(?:its\s+)?$", re.IGNORECASE)


def _brought_to(
    f: K.Found,
    target: str,
    inside: Sequence[Mention],
    ancestors: Callable[[str], Sequence[str]] | None,
) -> str:
    """The buyer's cloud, when the chips are brought to it right after the match."""
    if ancestors is None:
        return target
    after = K.MARK.search(f.text, f.span[1])  # the first party after the match
    if after is None or after.start() - f.span[1] > 80:
        return target
    m = inside[int(after.group(1))]
    if (
        m.kind == "cloud"
        and target in ancestors(m.entity)
        and _BROUGHT_TO.search(f.text, max(0, after.start() - 12), after.start())
    ):
        return m.entity
    return target


def _kind_of(entity: str, inside: Sequence[Mention]) -> str | None:
    return next((m.kind for m in inside if m.entity == entity), None)


def _key(d: Deal) -> tuple[str, str, str]:
    return d.kind, d.investor, d.target


def _same(a: Deal, b: Deal, tolerance: float) -> bool:
    """Whether two reports of one (kind, parties) can be one deal: one has no amount, or the
    amounts are within `tolerance` of each other, and neither is a tranche the other is not."""
    if _key(a) != _key(b):
        return False
    if a.amount_usd is None or b.amount_usd is None:
        return True
    if a.tranche != b.tranche:
        return False
    return abs(a.amount_usd - b.amount_usd) <= tolerance * max(a.amount_usd, b.amount_usd)


def _merge(a: Deal, b: Deal) -> Deal:
    """One deal from two reports: the one with an amount (else the first), the stronger
    status, every role (a lead stays a lead)."""
    keep, other = (b, a) if a.amount_usd is None and b.amount_usd is not None else (a, b)
    roles = dict(other.roles)
    roles.update({e: r for e, r in keep.roles if roles.get(e) != "lead"})
    status = max(a.status, b.status, key=_STRENGTH.__getitem__)
    order = {e: i for i, (e, _) in enumerate(keep.roles + other.roles)}
    merged_roles = tuple(sorted(roles.items(), key=lambda x: (x[1] != "lead", order[x[0]])))
    return replace(
        keep,
        status=status,
        roles=merged_roles,
        year=keep.year or other.year,
        qualifier=keep.qualifier or other.qualifier,
    )


def _add(
    out: list[Deal], buckets: dict[tuple[str, str, str], list[int]], d: Deal, tolerance: float
) -> None:
    """Add `d` to `out`, merged into an earlier deal of the same kind and parties when they
    can be one (`_same`); `buckets` index `out` by kind and parties."""
    bucket = buckets.setdefault(_key(d), [])
    for i in bucket:
        if _same(out[i], d, tolerance):
            out[i] = _merge(out[i], d)
            return
    bucket.append(len(out))
    out.append(d)


_PARTNERED = re.compile(
    r"\b(?:partner|alliance|collaborat|team(?:s|ed|ing)?\s+(?:up|with))", re.IGNORECASE
)


def _settle(
    deals: list[Deal], ancestors: Callable[[str], Sequence[str]] | None = None
) -> list[Deal]:
    """One sentence's deals without repeats: a joint venture is not also a partnership of its
    partners, an acqui-hire not also a licence, an acquisition or a partnership (it takes their
    amount), and the same deal found by two rules is one; an acquisition is not also a stake
    without an amount in the same company ("acquiring all of the outstanding shares of Y"); a
    pair's distribution, compute or licence deal is not also a partnership unless the
    sentence calls it one ("a deal with Microsoft to bring Grok to Azure")."""
    ventures = {frozenset(e for e, _ in d.roles) for d in deals if d.kind == "joint_venture"}
    # a pair's deal of a kind: a "deal" between them is that deal, not also a partnership
    # (unless the sentence calls it one: "an expanded partnership that brings Gemini into
    # Agentforce" is both)
    kinded = {
        frozenset((a, b))
        for d in deals
        if d.kind in ("distribution", "compute", "licensing")
        for a in (d.investor, *(ancestors(d.investor) if ancestors else ()))
        for b in (d.target, *(ancestors(d.target) if ancestors else ()))
    }  # (a cloud's deal is its company's: "a deal with Microsoft to bring Grok to Azure")
    hires = {(d.investor, d.target) for d in deals if d.kind == "acquihire"}
    bought = {(d.investor, d.target, d.status) for d in deals if d.kind == "acquisition"}
    paid = {
        (d.investor, d.target): d
        for d in deals
        if d.kind in ("licensing", "acquisition") and d.amount_usd is not None
    }
    out: list[Deal] = []
    buckets: dict[tuple[str, str, str], list[int]] = {}
    for d in deals:
        if d.kind == "partnership" and any({d.investor, d.target} <= v for v in ventures):
            continue
        if (
            d.kind == "partnership"
            and frozenset((d.investor, d.target)) in kinded
            and not _PARTNERED.search(d.evidence)
        ):
            continue
        if d.kind == "joint_venture" and any(
            frozenset(e for e, _ in d.roles) < v for v in ventures
        ):
            continue  # one venture read twice, once with fewer of its partners
        if d.kind in ("licensing", "acquisition") and (d.investor, d.target) in hires:
            continue
        if d.kind == "partnership" and (
            (d.investor, d.target) in hires or (d.target, d.investor) in hires
        ):
            continue  # "Microsoft's deal with Inflection, in which it … hired its staff"
        if (
            d.kind == "investment"
            and d.amount_usd is None
            and not d.roles
            and (d.investor, d.target, d.status) in bought
        ):
            continue
        if d.kind == "acquihire" and d.amount_usd is None and (d.investor, d.target) in paid:
            p = paid[(d.investor, d.target)]
            d = replace(d, amount_usd=p.amount_usd, amount_max_usd=p.amount_max_usd,
                        amount=p.amount, amount_max=p.amount_max, currency=p.currency,
                        qualifier=p.qualifier)  # fmt: skip
        _add(out, buckets, d, 0.0)
    return out


def _pairs_of(d: Deal) -> list[tuple[str, str]]:
    """The pairs of parties a deal joins: its two, and each of a round's or a venture's."""
    parties = [d.investor, *(e for e, _ in d.roles)]
    if d.kind in SYMMETRIC:
        parties.append(d.target)
        return [(a, b) for i, a in enumerate(parties) for b in parties[i + 1 :] if a != b]
    return [(a, d.target) for a in parties if a != d.target]


def _plausible(sentence: str, a: int, b: int) -> bool:
    """Whether the stretch between two parties can tell a deal: not negated or supposed."""
    return not _unreal(sentence, a, b)


def _model_deal(published: date | None) -> Callable[[str, str, int, str, str, str], Deal]:
    def describe(
        kind: str, sentence: str, start: int, investor: str, target: str, status: str
    ) -> Deal:
        year = find_year(sentence, published)
        return Deal(
            kind, investor, target, None, None, "", year, sentence, start, status,
            found_by="model",
        )  # fmt: skip

    return describe


def sentence_status(sentence: str, published: date | None) -> str:
    """The status a sentence's cues and year give a deal it states, all else unknown."""
    return _cue_status(sentence, find_year(sentence, published), published)


def fold_deals(deals: list[Deal], today: date | None = None) -> list[Deal]:
    """An article's reports of one deal as one: same kind and parties, amounts within 10 %.
    A deal one report dates before the article's year stays background, however plainly
    another report names it ("DeepMind was acquired by Google in 2014" … "DeepMind was
    acquired by Google")."""
    out: list[Deal] = []
    buckets: dict[tuple[str, str, str], list[int]] = {}
    for d in deals:
        _add(out, buckets, d, 0.10)
    if today is not None:
        out = [
            replace(d, status="background")
            if d.status == "reported" and d.year is not None and d.year < today.year
            else d
            for d in out
        ]
    return sorted(out, key=lambda d: (d.start, d.kind, d.investor, d.target))

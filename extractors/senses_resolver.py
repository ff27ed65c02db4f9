"""Which sense an ambiguous alias has, decided where a reader looks: next to it, in its
sentence and the sentences either side, and in the rest of the article.

The rules, in order, for each mention by an ambiguous alias (the watchlist's `ambiguous`):

1. One sense per collocation. The words right next to the name decide when they can:
   - a word of another sense right before or after it ("Amazon rainforest", "western Amazon",
     "Apple cider", "Mistral winds", "Meta descriptions") rejects it;
   - a capitalised word right before it that is neither a dictionary word nor a watchlist
     name makes it part of another name ("Breville Oracle", "La Sportiva Mistral", "Fiona
     Apple");
   - a name that is a given name, followed by a capitalised word that is a surname or no
     dictionary word, is a person ("Claude Monet", "Alexa Chung"), unless the watchlist
     lists that word in `follow`;
   - for a company's, lab's or cloud's name, an article before it and a word after it that
     ends the phrase (a preposition, an auxiliary, a full stop) reject it: what takes an
     article is another thing ("up the Amazon to see", "the Oracle at Delphi"); a deal's noun
     before it ("a deal with Inflection"), a company's verb after it ("Lambda Raises $1.5
     Billion") or an appositive calling it a start-up with the industry's words near ("SSI,
     the start-up said") confirm it;
   - a `follow` word, a version number or a model size right after it confirms it ("Claude
     Code", "Gemini 2.5", "Phi-3", "Falcon 180B"), and so does "-owned", "-backed" and the
     like ("Meta-owned"), and a tier's "+" ("Alexa+").
   Then what the name's own sentence says of it outweighs what kind of thing those words
   said it is (not its `follow` words): a sentence set decades before the entity came to be
   (the watchlist's `since`: "Thinking Machines filed for bankruptcy in 1994"), one that
   disowns it ("no relation to the Microsoft assistant"), or a version told in another
   sense's words alone ("Gemini 6A and Gemini 7 achieved the first crewed rendezvous").
   When the text's first spelling of a name is so made something else, its later bare
   spellings are that thing until one is tied to the entity (_first_reference).
2. The neighbourhood: the mention's sentence and its neighbours. Strong evidence for the
   entity: one of its `context` words, or a mention of the entity or a relative (its parent,
   its products). Weak evidence: the industry's words (senses.TECH) or another watchlist
   entity. Evidence against: a word of one of its other senses. Other senses win over weak
   evidence, strong evidence wins over them.
3. One sense per discourse: an unambiguous mention of the entity or a relative anywhere in
   the text (an anchor) confirms a mention that nothing near it contradicts; so does another
   mention of the same name that its own neighbourhood confirmed.

How sure a bare name is (the watchlist's `sure`): "always" counts unless rejected; "context"
needs evidence (strong, weak or an anchor); "anchor" needs an anchor or one of its `context`
words near it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from functools import cache
from itertools import compress

import ahocorasick_rs

from extractors.dated import NOW, TIME_KEYS, time_at
from extractors.fuzzy import english_words
from extractors.records import Entity, Watchlist
from extractors.senses import (
    APPOSITIVE_OWN,
    COMMAND_OBJECTS,
    COMMAND_VERBS,
    COMMANDS,
    MODEL_NOUNS,
    ORG_NOUNS,
    ORGANISATIONS,
    SENSE_CLASSES,
    TECH,
    given_names,
    surnames,
)
from extractors.typography import lower, normalise
from extractors.word_cache import cached, package_version
from extractors.wordset import WordSet

__all__ = ["WINDOW", "Resolver"]

WINDOW = 600  # characters searched on either side for the neighbouring sentences

# A sentence ends at . ! ? … (and closing quotes or brackets) before whitespace, or at a line
# break: enough to find the sentences either side of a mention.
_BOUNDARY = re.compile(r"(?=[.!?…\n])(?:[.!?…][\"'”’)\]]*\s+|\n)")
_BOUNDARY_STARTS = ".!?…\n"
_VERSION = re.compile(r"[-\s]?v?\d+(?:\.\d+)*[a-z]?\b")
_SIZE = re.compile(r"[-\s]?\d+(?:\.\d+)?[BbMm]\b")
# A price right after a name: a shop's listing ("View at Amazon $169", "Amazon £17.99").
_PRICE = re.compile(r"[ \u00a0](?:US|C|A)?[$£€¥₹][ \u00a0]?\d")
_NEXT_WORD = re.compile(r"[ \u00a0]([A-Za-z][\w.+'’-]*\w|[A-Za-z])")
_SPACES = frozenset(" \u00a0")
# What a word right before a name may be made of.
_TOKEN_CHARS = frozenset(
    [c for c in map(chr, range(128)) if c.isalnum() or c == "_"] + list(".+'’-")
)
# "Meta-owned", "Amazon-backed": a company, whatever its name also means.
_OWNED = re.compile(
    r"-(?:owned|backed|funded|led|made|built|based|branded|powered|designed|hosted|"
    r"certified|exclusive|specific|style)\b"
)
# Words that directly before a place name say it is the place ("western Amazon").
_PLACE_BEFORE = frozenset(
    "western eastern northern southern central upper lower surrounding peruvian brazilian bolivian "
    "colombian ecuadorian venezuelan".split()
)
_CAPITALISED = re.compile(r"[A-Z][a-z]+")
# A company's name takes an article only as a modifier ("the Amazon deal", "an Apple
# spokesperson"); an article, the name, then a word that cannot continue a noun phrase is
# another thing the name means, that takes one ("up the Amazon to see", "of the Amazon
# every week", "the Oracle at Delphi", "the mistral blows"). Prepositions but "of" ("the
# Amazon of China"), "for" and "as" (what a company is likened to); auxiliaries; determiners;
# a few adverbs. Not "that", "which", "and", "or" nor a comma: "the Amazon that Bezos built",
# "the Amazon and Google clouds".
_ARTICLES = frozenset(("the", "a", "an"))
_STOPS = frozenset(".;:!?")
_AFTER_STOP = frozenset(("", " ", "\n", "\u00a0"))
_PHRASE_ENDS = frozenset(
    """to into in on onto at from with by through across near toward towards under over up
    down off around along beyond between during since until is was are were has had have
    will would can could may might must should shall does did isn't wasn't aren't hasn't
    hadn't won't can't every each this these those its their his her our some any now still
    again""".split()
)
# A company's name right before what companies do is the company ("Lambda Raises $1.5
# Billion", "Meta buys Manus"), unless an article stands before it ("the Amazon released
# more carbon"). Not "picks" nor "taps": nouns too ("Meta Picks for Season 3").
_CORPORATE_VERBS = frozenset(
    """acquires acquired buys bought invests invested raises raised backs backed hires hired
    sues sued partners partnered signs signed inks inked tapped agrees agreed
    files filed""".split()
)
# A party to a deal is a company: "a deal with Inflection", "a stake in Mistral".
_DEAL_PREPOSITIONS = frozenset(("with", "in", "of", "into"))
_DEAL_BEFORE = re.compile(
    r"\b(?:deals?|agreements?|partnerships?|investments?|stakes?|acquisition|takeover|merger|"
    r"contracts?|talks|tie-up)[ \u00a0]+(?:with|in|of|into)[ \u00a0]+$",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"['’]s?$")
# Verbs of a reporting clause after a name ("Perplexity, a spokesperson said").
_REPORTING = frozenset(
    "said says told tells added adds noted wrote writes confirmed reported reports announced "
    "argued warned explained according".split()
)
# Words before a name that _rare_before reads, and what a possessive looks like.
_RARE_BEFORE = frozenset(("the", "of", "named", "called"))
_POSSESSIVES = ("'s", "’s")
_POSSESSIVE_AFTER = frozenset(a + "s" + b for a in "'’" for b in " \u00a0")
# People given a name: "girls named Alexa", "a boy called Claude".
_PERSON_NAMED = re.compile(
    r"\b(?:girls?|boys?|babies|baby|daughters?|sons?|children|child|kids?|women|woman|men|man|"
    r"people|twins|newborns?|players?|students?|pupils?)[ \u00a0]+(?:named|called)[ \u00a0]+$",
    re.IGNORECASE,
)
# Places a name can be: "residents of Azure, a farming town of 1,140 people", "the Wisconsin
# town of Azure".
_PLACE_NOUNS = frozenset(
    "town towns city village hamlet county township suburb borough parish province district "
    "municipality valley island lake river community settlement neighbourhood neighborhood "
    "ranch".split()
)
_PLACE_OF = re.compile(
    r"\b(?:" + "|".join(sorted(_PLACE_NOUNS)) + r")[ \u00a0]+of[ \u00a0]+$", re.IGNORECASE
)
# An appositive after a name, capitalised words and all: "Copilot, a Scottsdale start-up".
_CALLED = re.compile(r",[ \u00a0]+(?:an?|the)[ \u00a0]+([^,;.:!?()\n—–]{1,60})")
# Words that give a thing its name: "a drone called Falcon", "its drone, dubbed the Falcon".
_NAMING = frozenset("called named dubbed nicknamed christened".split())
_NAMED_THE = re.compile(r"\b(?:called|named|dubbed|nicknamed|christened)[ \u00a0]+the[ \u00a0]+$")
_NAMED_THING = re.compile(
    r"\b([A-Za-z-]+),?[ \u00a0]+(?:called|named|dubbed|nicknamed|christened)[ \u00a0]+"
    r"(?:the[ \u00a0]+)?$"
)
# What a product is not: an appositive calling its name one of these names a company.
_COMPANY_NOUNS = frozenset(
    "start-up startup company firm chain retailer network agency studio charity".split()
)
# Capitalised words that start names without being one: "La Sportiva", "Van Halen".
_PARTICLES = frozenset("La Le Les De Del Der Den Van Von Al El Di Da Du The".split())

ACCEPT, REJECT, UNDECIDED = 1, -1, 0
# _collocation's answer for a name the words next to it make something else only there (a
# quoted title, ", who", an age, another maker's possessive): rejected, but no first
# reference of the other thing for the rest of the text (_first_reference).
ASIDE = -2
# How sure an alias is (Tagger): plain, ambiguous, a misspelling; and each one's first state.
_AMBIGUOUS, _MISSPELT = 1, 2
_STATES = (ACCEPT, UNDECIDED, UNDECIDED)
# What stands between two items of a list of names: "Claude, Llama, Nova and Titan".
_LIST_JOINT = re.compile(r",\s*(?:(?:and|or)\s+)?|\s+(?:and|or|&)\s+|\s*/\s*")
_ACCEPTED = ACCEPT.__eq__
# `follow` tokens for the kind of thing the entity is (see _kind_of_thing).
_KINDS = frozenset({"<org>", "<model>", "<command>"})
# An appositive's head that calls the name a company: "the start-up", "an AI lab".
_ORG_HEAD = re.compile(
    r"(?:[\w-]+[ \u00a0]+){0,2}?(?:start-?ups?|company|firm|lab|laboratory|developer|maker|"
    r"chipmaker|unicorn)\b"
)
# (the industry's words, but no evidence of the industry when they call the name so)
_ORG_HEADS = frozenset(
    "startup start-up startups start-ups company companies firm lab laboratory developer maker"
    " chipmaker unicorn".split()
)
# After a name and its comma: a word that may be a verb said to it ("Alexa, play …"), an
# actor's part ("played by"), or an appositive ("Nova, a six-year-old border collie, …")
# whose first word is in lower case (or a number), up to the next comma, stop, bracket or
# dash.
_APPOSITIVE = re.compile(
    r",[ \u00a0]+(?:(?:an?|the)[ \u00a0]+(?P<phrase>[a-z0-9][^,;.:!?()\n—–]{0,80})"
    r"|(?P<role>(?:played|portrayed|voiced) by)\b"
    r"|(?P<verb>[A-Za-z]+(?:['’]s)?)\b)"
)
_WORDS = re.compile(r"[a-z][a-z'-]*")
# An appositive that says what a name is: "Claude, the chatbot made by …", "Azure, its cloud".
_DEFINING = re.compile(
    r",[ \u00a0]+(?:an?|the|its|their)[ \u00a0]+(?P<phrase>[^,;.:!?()\n—–]{1,80})"
)
# A work's title in quotes opened right before the name: three to eight words, capitalised
# but for small words, one of which is there ("“Alphabet of Small Rooms”", "“Amazon Women on
# the Moon”"); products are quoted without them ("“Alexa Plus”").
_QUOTED_TITLE = re.compile(r"(?:[-'’\w]+[ \u00a0]+){1,7}?[-'’\w]+[,.!?]?[\"”’']")
_TITLE_SMALL = frozenset("of the and in on a an to for at with from by".split())
_OPEN_QUOTES = frozenset("\"“‘'")
# "Alexa, 11, is a sixth grader": an age after a name is a person's.
_AGE = re.compile(r",[ \u00a0]+\d{1,3},[ \u00a0]+[a-z]")  # not "Gemini, 41, Claude, 38"
_NONE: frozenset[str] = frozenset()
# A sentence set this many years before an entity came to be is about something else (a
# name's story starts a little before it: founders' earlier work, a product's research).
_TIME_SLACK = 5
# A sentence that says the name is not the entity: "Copilot, the London budgeting app (no
# relation to the Microsoft assistant)".
_DISOWNED = frozenset(
    """no relation to, not to be confused with, unrelated to, not affiliated with, no
    connection to, no connection with, no affiliation to, no affiliation with, no link to,
    no link with, not related to, no relation of""".replace("\n    ", " ").split(", ")
)
# A name that does something in the past: its verb in the simple past, after a version,
# adverbs or "had" ("Gemini 4 carried", "Thinking Machines eventually filed").
_PAST_VERBS = (
    "went|became|began|built|bought|brought|broke|came|chose|did|drew|drove|fell|flew|fought|"
    "found|gave|got|grew|had|held|hit|kept|knew|laid|led|left|lost|made|meant|met|paid|put|"
    "ran|rose|sank|saw|said|sang|sent|set|shook|shot|shut|sold|spent|spoke|stood|struck|"
    "swam|took|taught|threw|told|tore|won|wore|wrote"
)
_PAST_AFTER = re.compile(
    r"(?:['’]s)?(?:[ \u00a0]+[-v]?\d[\w.]*)?"
    r"(?:[ \u00a0]+(?:[a-z]+ly|also|then|later|first|once|never|still|had|was|were|soon))*"
    rf"[ \u00a0]+(?:[a-z]{{2,}}ed|{_PAST_VERBS})\b"
)
# A sentence told now: "the agency said on Thursday", "is one of its descendants".
_NOW = re.compile(
    r"\b(?:is|are|has|have|will|can|now|today|currently|this (?:week|month|year)|yesterday|"
    r"on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b"
)
# A sentence that compares the entity with an older namesake: "Gemini, named after NASA's
# 1960s programme", "no relation to the 1980s supercomputer maker".
_NAMESAKE = re.compile(
    r"\b(?:named (?:after|for)|namesakes?|no relation|not to be confused|unlike|"
    r"shares? (?:its|a|the) name|(?:borrows|borrowed|takes|took) (?:its|the|their) name|"
    r"inspired by|a nod to|homage)\b",
    re.IGNORECASE,
)


class _Terms:
    """A set of words and phrases, as found in a window by the lexicon pass (see _Text):
    lowercase ones in any case, others as written."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.folded = frozenset(t for t in terms if t.lower() == t)
        self.cased = frozenset(t for t in terms if t.lower() != t)
        self.keys = self.folded | {t.lower() for t in self.cased}

    def hits(self, found: Sequence[tuple[str, str]]) -> set[str]:
        """The terms among (lowercase key, text as written) pairs found in a window."""
        return {
            key
            for key, surface in found
            if key in self.folded or (key in self.keys and surface in self.cased)
        }


class _Sense:
    """What the resolver knows of one entity with ambiguous aliases."""

    def __init__(self, entity: Entity, family: frozenset[str], anchors: frozenset[str]) -> None:
        self.sure = entity.sure
        self.family = family
        self.anchors = anchors
        self.context = _Terms(_with_surnames(entity.context))
        other = [w for s in entity.senses for w in SENSE_CLASSES[s]] + list(entity.sense_words)
        # Words marked "^" count only right next to the name.
        self.other = _Terms([w.lower() for w in other if not w.startswith("^")])
        self.other_words = frozenset(w.lower().lstrip("^") for w in other)
        self.place = "place" in entity.senses
        self.organisation = entity.kind != "product"
        self.follow = frozenset(w for w in entity.follow if not w.startswith("<"))
        self.follow_folded = frozenset(w.lower() for w in self.follow)
        self.versions = "<version>" in entity.follow
        self.sizes = "<size>" in entity.follow
        self.prices = "<price>" in entity.follow
        # The kinds of thing the words next to the name may say it is (_kind_of_thing).
        self.kinds = frozenset(w for w in entity.follow if w in _KINDS)
        self.since = entity.since


# Kinds of entity that stand in one list: labs and their models ("OpenAI, Mistral and
# Llama"), clouds, companies.
_LIST_KINDS = {"lab": "ai", "product": "ai"}


def _listed_beside(
    text: str,
    i: int,
    entities: Sequence[str],
    starts: Sequence[int],
    ends: Sequence[int],
    state: Sequence[int],
    kinds: dict[str, str],
) -> bool:
    """Whether mention `i` is an item of a list whose next or previous item is a mention of
    its kind that counts: names listed together are things of one kind ("lists Claude,
    Llama, Nova and Titan", "benchmarked Llama, Mistral and Phi"), so such a neighbour
    confirms it as a relative's mention would ("Microsoft, Falcon 9 and …" does not: a
    company is no model). Only for names nothing decided yet: a word of another sense right
    next to a name still rejects it first."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(state) and state[j] == ACCEPT and kinds[entities[j]] == kinds[entities[i]]:
            lo, hi = (ends[j], starts[i]) if j < i else (ends[i], starts[j])
            if hi - lo <= 7 and _LIST_JOINT.fullmatch(text, lo, hi):
                return True
    return False


def _with_surnames(terms: Sequence[str]) -> list[str]:
    """Context terms, and the last word alone of those that are a proper name of two or three
    capitalised words ending in no dictionary word: a story names "Mustafa Suleyman" once
    and "Suleyman" after ("Sam Altman" gives "Altman", "Menlo Park" nothing)."""
    out = list(terms)
    for term in terms:
        words = term.split()
        if (
            2 <= len(words) <= 3
            and all(_CAPITALISED.fullmatch(w) for w in words)
            and words[-1].lower() not in english_words()
            and words[-1] not in out
        ):
            out.append(words[-1])
    return out


_TECH = _Terms(sorted(TECH))


class _Lexicon:
    """Words looked for in a text, in one Aho-Corasick automaton, kept where they stand as
    words (not "ai" in "said")."""

    def __init__(self, keys: set[str]) -> None:
        self.keys = sorted(keys)
        self.automaton = ahocorasick_rs.AhoCorasick(self.keys) if self.keys else None

    def find(self, text: str, low: str, at: int) -> list[tuple[int, str, str]]:
        """The words in `low`, the normalised, lowercased text[at:at + len(low)], as
        (start in text, lowercase key, text as written)."""
        if self.automaton is None:
            return []
        n = len(text)
        found = []
        for index, start, end in self.automaton.find_matches_as_indexes(low, overlapping=True):
            key = self.keys[index]
            start += at
            end += at
            if key[0].isalnum() and start and _is_word(text[start - 1]):
                continue
            if key[-1].isalnum() and end < n and _is_word(text[end]):
                continue
            found.append((start, key, text[start:end]))
        return found


def _sorted(found: list[tuple[int, str, str]]) -> tuple[list[int], list[tuple[str, str]]]:
    found.sort(key=_first)
    return [f[0] for f in found], [(f[1], f[2]) for f in found]


def _first(item: tuple[int, str, str]) -> int:
    return item[0]


class _Text:
    """One text as the neighbourhoods see it, worked out only as far as needed: other
    senses' words (from the tagger's pass, or one pass here), and the sentences and the words
    of a mention's neighbourhood, looked for in that neighbourhood only."""

    def __init__(
        self,
        text: str,
        lexicons: dict[str, _Lexicon],
        other: list[tuple[int, str, str]] | None = None,
        late: int = 2100,
    ) -> None:
        self.text = text
        self._lexicons = lexicons
        if other is None:  # the text the tagger's automaton runs over
            other = lexicons["other"].find(text, lower(normalise(text)), 0)
        self._other = _sorted(other)
        self._stops: list[int] | None = None
        self._windows = 0
        self._times: tuple[list[int], list[int]] | None = None
        self._late = late

    def other(self, lo: int, hi: int) -> list[tuple[str, str]]:
        """Other senses' words within lo:hi."""
        return _within(self._other, lo, hi)

    def doubted(self, doubts: dict[str, frozenset[str]]) -> set[str]:
        """The entities some of whose other senses' words are in the text (`doubts`: the
        entities each word is another sense of)."""
        out: set[str] = set()
        for key in {key for key, _ in self._other[1]}:
            out |= doubts.get(key, _NONE)
        return out

    def times_near(self, start: int, end: int) -> list[tuple[int, int]]:
        """The times the text gives (extractors/dated.py) within WINDOW characters of
        start:end, as (offset, year)."""
        at, years = self._dated()
        lo, hi = bisect_left(at, start - WINDOW), bisect_left(at, end + WINDOW)
        return list(zip(at[lo:hi], years[lo:hi], strict=True))

    def earliest(self) -> int:
        """The earliest time the text gives, NOW when it gives none."""
        return min(self._dated()[1], default=NOW)

    def _dated(self) -> tuple[list[int], list[int]]:
        """The text's times, read where the lexicon pass found their numbers and words."""
        if self._times is None:
            starts, words = self._other
            at, years = [], []
            for start, (key, surface) in zip(starts, words, strict=True):
                if key in TIME_KEYS:
                    year = time_at(self.text, start, start + len(surface), self._late)
                    if year is not None:
                        at.append(start)
                        years.append(year)
            self._times = (at, years)
        return self._times

    def disowned(self, lo: int, hi: int) -> bool:
        """Whether the text says within lo:hi that a name is not what it might be ("no
        relation to")."""
        return bool(self.disowning(lo, hi))

    def disowning(self, lo: int, hi: int) -> list[int]:
        """Where the phrases that say so end, within lo:hi."""
        starts, words = self._other
        i = bisect_left(starts, lo)
        out = []
        while i < len(starts) and starts[i] < hi:
            if words[i][0] in _DISOWNED:
                out.append(starts[i] + len(words[i][1]))
            i += 1
        return out

    def any_other_near(self, start: int, end: int, span: int, terms: _Terms) -> bool:
        """Whether one of `terms` (an entity's other senses' words) is within `span`
        characters of start:end."""
        starts, words = self._other
        i = bisect_left(starts, start - span)
        while i < len(starts) and starts[i] < end + span:
            if words[i][0] in terms.keys:
                return True
            i += 1
        return False

    def words(self, lexicon: str, lo: int, hi: int) -> list[tuple[str, str]]:
        """The words of a lexicon that lie within lo:hi, looked for there."""
        found = self._lexicons[lexicon].find(self.text, lower(normalise(self.text[lo:hi])), lo)
        return [(key, surface) for _start, key, surface in found]

    def window(self, start: int, end: int) -> tuple[int, int, int, int]:
        """The mention's sentence and the sentences either side, within WINDOW characters;
        and the mention's own sentence."""
        text = self.text
        stops = self._stops
        # Where sentence ends may start: in the window only for a text's first window (most
        # texts have one; a long text's whole scan would cost more), for the whole text once
        # a second one is asked for.
        if stops is None and self._windows:
            stops = self._stops = _stops(text, 0, len(text))
        self._windows += 1
        lo = max(0, start - WINDOW)
        befores = [m.end() for m in _boundaries(text, lo, start, stops)]
        own_lo = befores[-1] if befores else lo
        if len(befores) >= 2:
            lo = befores[-2]
        hi = min(len(text), end + WINDOW)
        after = _boundaries(text, end, hi, stops)
        first = next(after, None)
        second = next(after, None) if first else None
        own_hi = first.start() if first else hi
        if second is not None:
            hi = second.start()
        return lo, hi, own_lo, own_hi


def _stops(text: str, lo: int, hi: int) -> list[int]:
    """Where in text[lo:hi] a sentence boundary may start, in order."""
    found = []
    for char in _BOUNDARY_STARTS:
        at = text.find(char, lo, hi)
        while at >= 0:
            found.append(at)
            at = text.find(char, at + 1, hi)
    found.sort()
    return found


def _boundaries(
    text: str, lo: int, hi: int, stops: list[int] | None = None
) -> Iterator[re.Match[str]]:
    """_BOUNDARY.finditer(text, lo, hi), some twenty times faster: the regex is tried only
    where one of the characters a boundary starts with is, found by str.find (a regex walks
    the text one character at a time, trying the pattern at each); `stops`, those of the
    whole text (_stops), when known."""
    if stops is None:
        found = _stops(text, lo, hi)
    else:
        found = stops[bisect_left(stops, lo) : bisect_left(stops, hi)]
    last = lo
    for at in found:
        if at >= last:
            m = _BOUNDARY.match(text, at, hi)
            if m:
                yield m
                last = m.end()


def _within(
    found: tuple[list[int], list[tuple[str, str]]], lo: int, hi: int
) -> list[tuple[str, str]]:
    """The found words that lie within lo:hi."""
    starts, words = found
    i = bisect_left(starts, lo)
    out = []
    while i < len(starts) and starts[i] < hi:
        if starts[i] + len(words[i][1]) <= hi:
            out.append(words[i])
        i += 1
    return out


_ASCII_WORD = frozenset(c for c in map(chr, range(128)) if c.isalnum() or c == "_")


def _is_word(ch: str) -> bool:
    return ch in _ASCII_WORD or (ch > "\x7f" and ch.isalnum())


class Resolver:
    """Decides the mentions by ambiguous aliases of a text (see the module's docstring).

    The tagger hands over its mentions as parallel lists (entity ids, starts, ends, how sure
    each alias is), in order of start: most texts have many plain mentions and a few
    ambiguous ones, and the work here is for the ambiguous ones only."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        # "Only with an anchor" counts the entity itself and its products, not its parent: a
        # page that links to Amazon says nothing of "Nova".
        self.senses = {
            e.id: _Sense(
                e,
                watchlist.family(e.id),
                watchlist.family(e.id) - frozenset(watchlist.ancestors(e.id)),
            )
            for e in watchlist.entities
            if e.ambiguous
        }
        self._families: dict[str, frozenset[str]] = {}
        # From this year on, a time in a text is no earlier than any entity's start less the
        # slack (_before_its_time): such numbers are taken as they stand (dated.time_at).
        self._late = max((s.since - _TIME_SLACK for s in self.senses.values()), default=0)
        self._list_kinds = {e.id: _LIST_KINDS.get(e.kind, e.kind) for e in watchlist.entities}
        # For each other sense's word, the entities it casts doubt on.
        doubts: dict[str, set[str]] = {}
        for entity, sense in self.senses.items():
            for key in sense.other.keys:
                doubts.setdefault(key, set()).add(entity)
        self._doubts = {key: frozenset(v) for key, v in doubts.items()}
        # The name lists the collocation rules need, loaded now rather than by the first text
        # that needs them (the surnames take a tenth of a second).
        if self.senses:
            given_names(), english_words(), _surnames_upper()
        # The words the neighbourhoods look for, by kind: other senses' (rare, looked for
        # first: the words that count only right next to a name are not among them), the
        # entities' own and the industry's (frequent, looked for when needed).
        # The times a sentence gives (extractors/dated.py) and what disowns a name ride along
        # with the other senses' words: found in the tagger's own pass (see other_keys).
        self._lexicons = {
            "other": _Lexicon(
                {k for sense in self.senses.values() for k in sense.other.keys}
                | (
                    TIME_KEYS | _DISOWNED
                    if any(s.since for s in self.senses.values())
                    else _DISOWNED
                )
            ),
            "context": _Lexicon({k for sense in self.senses.values() for k in sense.context.keys}),
            "tech": _Lexicon(set(_TECH.keys)),
        }
        # Every watchlist name, for "a capitalised word before it is part of another name".
        self.names = frozenset(
            w
            for e in watchlist.entities
            for a in e.aliases + e.aliases_ignore_case
            for w in a.split()
        )

    @property
    def other_keys(self) -> list[str]:
        """The other senses' words, which the tagger may find in its own pass."""
        return self._lexicons["other"].keys

    def resolve(
        self,
        text: str,
        entities: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        hows: Sequence[int],
        anchors: frozenset[str] = frozenset(),
        other: list[tuple[int, str, str]] | None = None,
        excluded: Sequence[tuple[str, int, int]] = (),
    ) -> list[bool]:
        """Whether each mention counts, given as parallel lists in order of start: entity,
        start, end, how sure its alias is (0 plain, 1 ambiguous, 2 a misspelling or a plain
        alias in another case). Plain aliases always count; `anchors` are entities named
        elsewhere in the same article (its title and body are tagged apart); `other`, the
        other senses' words of the text as (start, key, text) when the tagger found them
        already (where they stand as words, in the normalised, lowercased text);
        `excluded`, ambiguous names the watchlist's `exclude` patterns took out, as (entity,
        start, end): what the text calls them first counts (_first_reference)."""
        # Lists built by C loops (map, compress), not comprehensions: a text has some fifty
        # mentions and these run once per text or more.
        state = list(map(_STATES.__getitem__, hows))
        pending = list(compress(range(len(hows)), map(_AMBIGUOUS.__eq__, hows)))
        seen = _Text(text, self._lexicons, other, self._late) if pending else None
        senses = self.senses
        # The entities whose other senses' words the text has at all (most texts: none).
        doubted = seen.doubted(self._doubts) if seen is not None else set()
        local: dict[int, int] = {}  # what the words right next to each name said
        for i in pending:
            assert seen is not None
            entity = entities[i]
            sense = senses[entity]
            # Its kind of thing (_kind_of_thing) can only confirm it: not asked of a name
            # that counts unless said otherwise when no other sense's word is in the text.
            kinds = sense.sure != "always" or entity in doubted
            verdict = local[i] = self._collocation(text, sense, starts[i], ends[i], seen, kinds)
            if verdict == ASIDE:
                verdict = REJECT
            # A name that is the entity unless said otherwise, with no other sense's word
            # anywhere near, is decided here (its neighbourhood could only agree).
            if (
                verdict == UNDECIDED
                and sense.sure == "always"
                and (
                    entity not in doubted
                    or not seen.any_other_near(starts[i], ends[i], WINDOW, sense.other)
                )
            ):
                verdict = ACCEPT
            state[i] = verdict
        # What the name's sentence says of it, once the words next to each name have said
        # what they can (a product named plainly in the sentence is the entity's family: "…
        # with Apple over … on Apple TV+"). It outweighs what kind of thing the words next to
        # a name say it is ("Thinking Machines filed for bankruptcy in 1994": a company,
        # another one; "Gemini 4 … in June 1965": a version, of another thing), not the
        # entity's own words after it ("Claude Code").
        if seen is not None:
            # Most texts hold no early time and disown nothing: two looks decide most names.
            earliest, disowned = seen.earliest(), seen.disowned(0, len(text))
            for i in pending:
                sense = senses[entities[i]]
                verdict = local[i]
                if verdict not in (UNDECIDED, ACCEPT):
                    continue
                early = bool(sense.since) and earliest < sense.since - _TIME_SLACK
                if not (disowned or early) and (
                    verdict == UNDECIDED or not _has_digit(text[ends[i] : ends[i] + 3])
                ):
                    continue
                if verdict == ACCEPT and self._followed(text, sense, ends[i]):
                    continue
                if self._said_otherwise(seen, i, entities, starts, ends, state, local):
                    state[i] = local[i] = REJECT  # and what the text calls it first (below)
        # Most texts have no name that the words next to it made something else: no doubt.
        if seen is not None and (excluded or (len(pending) > 1 and REJECT in local.values())):
            self._first_reference(
                seen, pending, local, entities, starts, ends, state, excluded, anchors
            )
        if 2 in hows:  # a misspelling counts when the entity or a relative is named right
            named = set(anchors)
            named.update(compress(entities, map(_ACCEPTED, state)))
            for i in compress(range(len(hows)), map(_MISSPELT.__eq__, hows)):
                state[i] = ACCEPT if named & self._family(entities[i]) else REJECT
        # Neighbourhoods, until no more mentions are decided: a name confirmed near another
        # (Meta near Llama) vouches for it.
        todo = [i for i in pending if state[i] == UNDECIDED]
        while todo:
            assert seen is not None
            confirmed = set(anchors)
            confirmed.update(compress(entities, map(_ACCEPTED, state)))
            left = []
            for i in todo:
                verdict = self._neighbourhood(seen, i, entities, starts, ends, state, confirmed)
                if verdict == UNDECIDED and _listed_beside(
                    text, i, entities, starts, ends, state, self._list_kinds
                ):
                    verdict = ACCEPT
                if verdict == UNDECIDED:
                    left.append(i)
                elif verdict == ACCEPT:
                    confirmed.add(entities[i])  # one sense per discourse, from here on
                state[i] = verdict
            if len(left) == len(todo):
                break
            todo = left
        keep = list(map(_ACCEPTED, state))
        if todo:
            # One sense per discourse: a name confirmed once counts wherever nothing near it
            # contradicts it; "anchor" names need their anchor.
            counted = set(anchors)
            counted.update(compress(entities, map(_ACCEPTED, state)))
            for i in todo:
                keep[i] = senses[entities[i]].sure == "context" and entities[i] in counted
        return keep

    def _first_reference(
        self,
        seen: _Text,
        pending: list[int],
        local: dict[int, int],
        entities: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        state: list[int],
        excluded: Sequence[tuple[str, int, int]] = (),
        anchors: frozenset[str] = frozenset(),
    ) -> None:
        """News introduces a name in full the first time and uses it bare after: when the
        first time a text spells an ambiguous name the words next to it say it is something
        else ("Alexa Brandt", "the submersible Titan", "Bing Crosby") and no spelling of it
        is tied to the entity (_tied: introduced as it, or in a sentence that names its
        family or its context words), the later bare ones are that other thing too. Rejects
        only: what the words next to a name said stands. Not for names that are the entity
        unless said otherwise (`sure = "always"`), nor after an aside (ASIDE)."""
        text = seen.text
        # The first spelling of each name: a pending one's index, or -1 for one inside an
        # `exclude` match ("Bing Crosby's radio shows"), which says it is something else.
        firsts: dict[tuple[str, str], int] = {}
        for at, i in sorted(
            [(starts[i], i) for i in pending]
            + [(a, -1 - k) for k, (_, a, _) in enumerate(excluded)]
        ):
            entity, end = (
                (entities[i], ends[i]) if i >= 0 else (excluded[-1 - i][0], excluded[-1 - i][2])
            )
            firsts.setdefault((entity, text[at:end]), i)
        # Not for a name that is the entity unless said otherwise: "in the surrounding Amazon"
        # and then "Amazon said it would not sell advertising" in one story is common.
        doubted = {
            key
            for key, i in firsts.items()
            if (i < 0 or local[i] == REJECT)
            and self.senses[key[0]].sure != "always"
            and key[0] not in anchors  # a title, whose article's body named the entity
        }
        if not doubted:
            return
        # In text order, the bare spellings after the first reference are that other thing
        # until one is tied to the entity: an article may tell of both ("the Denver company's
        # drone, called the Falcon … The Falcon also talks … a small version of Falcon, the
        # open-weight language model"), and what comes first is what a reader takes a bare
        # name for until told otherwise. Once tied, the neighbourhoods decide (below).
        other: dict[tuple[str, str], bool] = dict.fromkeys(doubted, True)
        for i in pending:  # (in order of start, as the mentions come)
            key = (entities[i], text[starts[i] : ends[i]])
            if not other.get(key) or local[i] == REJECT:
                continue
            if (
                local[i] == ACCEPT and self._followed(text, self.senses[key[0]], ends[i])
            ) or self._tied(seen, i, key, entities, starts, ends, state):
                other[key] = False
            else:
                # undecided, or only said to be the kind of thing the entity is ("Gemini's
                # chief technology officer", "Gemini 7"): the other thing, still
                state[i] = REJECT

    def _tied(
        self,
        seen: _Text,
        i: int,
        key: tuple[str, str],
        entities: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        state: Sequence[int],
    ) -> bool:
        """Whether a spelling of the name is tied to the entity: introduced as it
        (_defined), or in a sentence that names the entity's family otherwise or its
        `context` words ("Amazon said on Tuesday that the upgraded Alexa …")."""
        if self._defined(seen, i, entities, starts, ends, state):
            return True
        sense = self.senses[key[0]]
        text = seen.text
        _lo, _hi, slo, shi = seen.window(starts[i], ends[i])
        return any(
            entities[j] in sense.family
            and state[j] == ACCEPT
            and (entities[j], text[starts[j] : ends[j]]) != key
            for j in range(bisect_left(starts, slo), bisect_left(starts, shi))
        ) or bool(sense.context.hits(seen.words("context", slo, shi)))

    def _defined(
        self,
        seen: _Text,
        i: int,
        entities: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        state: Sequence[int],
    ) -> bool:
        """Whether the name is introduced as the entity: owned by its family ("Anthropic's
        Claude"), or in the industry's words, by what it is called right before it
        ("Microsoft's search engine Bing", "the chatbot Claude") or by an appositive ("Claude,
        the chatbot made by the San Francisco company Anthropic", "to expand Azure, its cloud
        computing platform")."""
        j = i - 1
        if (
            j >= 0
            and state[j] == ACCEPT
            and entities[j] in self.senses[entities[i]].family
            and seen.text[ends[j] : starts[i]] in _POSSESSIVE_AFTER
        ):
            return True
        before = seen.text[max(0, starts[i] - 24) : starts[i]]
        if before[-1:] in _SPACES and _TECH.hits(
            seen.words("tech", starts[i] - len(before), starts[i])
        ):
            called = before.rstrip().lower()
            if any(
                called.endswith(t) and not called[-len(t) - 1 : -len(t)].isalnum()
                for t in _TECH.folded
            ):
                return True
        end = ends[i]
        version = _VERSION.match(seen.text, end)  # "Gemini 2.5, the chatbot model"
        m = _DEFINING.match(seen.text, version.end() if version else end)
        if m is None:
            return False
        return bool(_TECH.hits(seen.words("tech", m.start("phrase"), m.end("phrase"))))

    def _followed(self, text: str, sense: _Sense, end: int) -> bool:
        """Whether one of the entity's `follow` words, "-owned" and the like, or a tier's
        "+" is right after the name."""
        if text[end : end + 1] == "-":
            return _OWNED.match(text, end) is not None
        if text[end : end + 1] == "+":
            return not text[end + 1 : end + 2].isalnum()
        nxt = _NEXT_WORD.match(text, end)
        if nxt is None:
            return False
        bare = nxt.group(1).rstrip(".’'")
        return bare in sense.follow or (bare.isupper() and bare.lower() in sense.follow_folded)

    def _said_otherwise(
        self,
        seen: _Text,
        i: int,
        entities: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        state: Sequence[int],
        local: dict[int, int],
    ) -> bool:
        """Whether the name's own sentence says it is not the entity: disowns it ("Copilot,
        the London budgeting app (no relation to the Microsoft assistant)"), is set before
        the entity came to be (_before_its_time), or, for a name only a version after it
        confirmed, is told in two or more of another sense's words and none of the
        industry's, with nothing of the entity's ("Gemini 6A and Gemini 7 had achieved the
        first crewed rendezvous")."""
        sense = self.senses[entities[i]]
        text = seen.text
        if seen.disowned(ends[i], ends[i] + WINDOW):
            shi = seen.window(starts[i], ends[i])[3]
            # What it is said to be no relation to is the entity's ("the Microsoft
            # assistant"), not another thing ("unrelated to the SpaceX rocket").
            for at in seen.disowning(ends[i], shi):
                if any(
                    entities[j] in sense.family and state[j] == ACCEPT
                    for j in range(bisect_left(starts, at), bisect_left(starts, min(shi, at + 80)))
                ):
                    return True
        if sense.since and self._before_its_time(seen, i, entities, starts, ends, state, local):
            return True
        # Of what the words next to a name say, a number after it says least: "Gemini 7" is
        # a version of anything.
        if local[i] != ACCEPT or not _has_digit(text[ends[i] : ends[i] + 3]):
            return False
        if len(sense.other.hits(seen.other(starts[i] - WINDOW, ends[i] + WINDOW))) < 2:
            return False  # (not even near it: its sentence is not found)
        _lo, _hi, slo, shi = seen.window(starts[i], ends[i])
        if len(sense.other.hits(seen.other(slo, shi))) < 2 or _TECH.hits(
            seen.words("tech", slo, shi)
        ):
            return False
        return not self._family_in(seen, i, entities, starts, ends, state, local, slo, shi)

    def _family_in(
        self,
        seen: _Text,
        i: int,
        entities: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        state: Sequence[int],
        local: dict[int, int],
        lo: int,
        hi: int,
    ) -> bool:
        """Whether text[lo:hi] names the entity's family (plainly, or by a name the words next
        to it confirmed: not one that counts only for want of another sense's words near it)
        or its context's names ("Murati"; not its words: "funding" or "round" were there for
        an older company too)."""
        sense = self.senses[entities[i]]
        if any(
            entities[j] in sense.family
            and state[j] == ACCEPT
            and local.get(j, ACCEPT) == ACCEPT
            and j != i
            for j in range(bisect_left(starts, lo), bisect_left(starts, hi))
        ):
            return True
        return bool(sense.context.hits(seen.words("context", lo, hi)) - sense.context.folded)

    def _before_its_time(
        self,
        seen: _Text,
        i: int,
        entities: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        state: Sequence[int],
        local: dict[int, int],
    ) -> bool:
        """Whether the name acts in the past in a sentence set decades before the entity
        came to be (its `since`) that says nothing of the entity: "Thinking Machines filed
        for bankruptcy in 1994", "Gemini 4 carried Ed White on America's first spacewalk in
        June 1965". Not in a sentence told now ("… and Claude is one of its descendants"),
        nor with the entity's family or its `context` names in it ("DeepMind, founded in
        2010, built Gemini"), nor beside an older namesake ("Gemini, named after NASA's
        1960s programme"); a time of a thing the sentence names is none (dated.time_at)."""
        sense = self.senses[entities[i]]
        text = seen.text
        # Most names have no time anywhere near: asked before their sentence is found.
        near = seen.times_near(starts[i], ends[i])
        before = sense.since - _TIME_SLACK
        if all(year >= before for _, year in near):
            return False  # (no time near, or none early enough: its sentence is not found)
        # Nor when each early time is in another sentence: a sentence's end between it and
        # the name (looked for over the gap alone).
        if not any(
            year < before
            and next(_boundaries(text, min(at, starts[i]), max(at, ends[i])), None) is None
            for at, year in near
        ):
            return False
        # What the name does is told in the past ("Thinking Machines filed for bankruptcy
        # in 1994", "Gemini 4 carried Ed White"): a name that only stands in a sentence with
        # an old time ("asked Alexa to play the records she danced to in 1950") is no older.
        if _PAST_AFTER.match(text, ends[i]) is None:
            return False
        _lo, _hi, slo, shi = seen.window(starts[i], ends[i])
        years = [year for at, year in near if slo <= at < shi]
        if not years or max(years) >= before:
            return False
        if _NAMESAKE.search(text, slo, shi) or _NOW.search(text, slo, shi):
            return False
        return not self._family_in(seen, i, entities, starts, ends, state, local, slo, shi)

    def _family(self, entity: str) -> frozenset[str]:
        sense = self.senses.get(entity)
        if sense is not None:
            return sense.family
        family = self._families.get(entity)
        if family is None:
            family = self._families[entity] = self.watchlist.family(entity)
        return family

    def _collocation(
        self, text: str, sense: _Sense, start: int, end: int, seen: _Text, kinds: bool = True
    ) -> int:
        """ACCEPT or REJECT when the words right next to the name decide, else UNDECIDED.
        Cheap tests first: most names stand between lower-case words and punctuation.
        `kinds`: whether to ask what kind of thing the words say it is (_kind_of_thing), the
        last test, which can only confirm it."""
        after = text[end : end + 1]
        if after == "-" and _OWNED.match(text, end):
            return ACCEPT
        # A product's tier glued to its name: "Alexa+", "Copilot+" (not "Phi+1").
        if after == "+" and not text[end + 1 : end + 2].isalnum():
            return ACCEPT
        word = bare = ""
        if after in _SPACES:
            nxt = _NEXT_WORD.match(text, end)
            if nxt:
                word = nxt.group(1)
                bare = word.rstrip(".’'")
                if bare in sense.follow or (bare.isupper() and bare.lower() in sense.follow_folded):
                    return ACCEPT
                if bare.lower() in sense.other_words:
                    return REJECT
                # "Apple Bank", "Oracle Energy": another organisation's name.
                if bare in ORGANISATIONS:
                    return REJECT
        if sense.prices and after in _SPACES and _PRICE.match(text, end):
            return ACCEPT
        # A version or a size has a digit within its first three characters: most names have
        # none after them, and a str test is cheaper than a regex's match.
        if (
            (sense.versions or sense.sizes)
            and _has_digit(text[end : end + 3])
            and (
                (sense.versions and _VERSION.match(text, end))
                or (sense.sizes and _SIZE.match(text, end))
            )
        ):
            return ACCEPT
        before = text[start - 1] if start else ""
        if before in _OPEN_QUOTES and _quoted_title(text, start):
            return ASIDE
        if after == "," and not sense.organisation and _AGE.match(text, end):
            return ASIDE
        pword = ""
        if before in _SPACES:
            pword = _previous_word(text[max(0, start - 40) : start])
            if pword:
                low = pword.lower()
                if low in sense.other_words or (sense.place and low in _PLACE_BEFORE):
                    return REJECT
                # "The drone, called the Falcon": a thing of another sense given the name.
                if low in _NAMING or (low == "the" and _NAMED_THE.search(text, 0, start)):
                    named = _NAMED_THING.search(text, max(0, start - 60), start)
                    if named and named.group(1).lower() in sense.other_words:
                        return REJECT
                if low in _ARTICLES and sense.organisation and _ends_phrase(text, end, word, low):
                    return REJECT
                if low in _RARE_BEFORE and self._rare_before(text, sense, start, end, low):
                    return REJECT
                # "a deal with Inflection", "a stake in Mistral": a party to a deal is a company
                if (
                    low in _DEAL_PREPOSITIONS
                    and sense.organisation
                    and _DEAL_BEFORE.search(text, max(0, start - 40), start)
                ):
                    return ACCEPT
                if pword[0].isupper():
                    if self._given_name(pword) or self._other_name(
                        text, start - len(pword) - 1, pword
                    ):
                        return REJECT
                    if pword[-2:] in _POSSESSIVES and self._other_owner(pword, sense, seen, start):
                        return ASIDE
        if (
            sense.organisation
            and bare.lower() in _CORPORATE_VERBS
            and pword.lower() not in _ARTICLES
        ):
            return ACCEPT
        # A surname in the possessive is one still: "Claude Shannon's paper".
        if word[:1].isupper() and self._surname(text[start:end], _POSSESSIVE.sub("", word), sense):
            return REJECT
        if after == ",":
            return self._after_comma(text, sense, start, end, seen)
        # The kind of thing it is needs a word after it, or "'s" (_kind_of_thing).
        if kinds and sense.kinds and (word or after in "'’"):
            return self._kind_of_thing(text, sense, end, bare.lower(), pword.lower(), after)
        return UNDECIDED

    def _kind_of_thing(
        self, text: str, sense: _Sense, end: int, word: str, pword: str, after: str
    ) -> int:
        """ACCEPT when the words next to the name say it is the kind of thing the entity is,
        as its `follow` tokens allow: "<org>", a role or part of an organisation ("an Amazon
        spokesperson", "Apple’s board"); "<model>", a model ("Llama models", "Mistral
        weights"); "<command>", an assistant spoken to ("ask Alexa to …")."""
        if after in "'’" and text[end + 1 : end + 3] in ("s ", "s\u00a0"):
            nxt = _NEXT_WORD.match(text, end + 2)  # "Apple's board"
            if nxt and "<org>" in sense.kinds and nxt.group(1).lower() in ORG_NOUNS:
                return ACCEPT
            return UNDECIDED
        if not word:
            return UNDECIDED
        kinds = sense.kinds
        if "<org>" in kinds and word in ORG_NOUNS:
            return ACCEPT
        if "<model>" in kinds and word in MODEL_NOUNS:
            return ACCEPT
        if "<command>" in kinds and pword in COMMANDS and word in COMMAND_OBJECTS:
            return ACCEPT
        return UNDECIDED

    def _after_comma(self, text: str, sense: _Sense, start: int, end: int, seen: _Text) -> int:
        """A name right before a comma. Spoken to at the head of an utterance ("Alexa, play
        the news"), an assistant ("<command>"); followed by an appositive of lower-case words
        that says nothing of the entity's kind of thing ("The Oracle, a fortune-teller in the
        film, …", "Nova, a six-year-old border collie"), another sense."""
        # "Copilot, a Scottsdale start-up that makes dashboard cameras": a product's name
        # called a company is another company's.
        if not sense.organisation:
            called = _CALLED.match(text, end)
            if called and any(
                w in _COMPANY_NOUNS for w in _WORDS.findall(called.group(1).lower())[:4]
            ):
                return REJECT
        m = _APPOSITIVE.match(text, end)
        if m is None:
            return UNDECIDED
        head = text[max(0, start - 3) : start].rstrip(" \u00a0\"“'‘")
        if m.group("role"):
            return REJECT  # a character: "The Oracle, played by Gloria Foster, …"
        if m.group("verb"):
            opens = not head or head[-1] in ".!?:\n"
            verb = m.group("verb").lower()
            if verb == "who" and not sense.organisation:
                return ASIDE  # a person: "Bing, who recorded the song in 1942"
            return (
                ACCEPT
                if "<command>" in sense.kinds and opens and verb in COMMAND_VERBS
                else UNDECIDED
            )
        # "SSI, the start-up said", "Thinking Machines, the start-up founded by former OpenAI
        # executives": a company's name called a company, with the industry's words near.
        lo, hi = m.start("phrase"), m.end("phrase")
        # "Azure, a farming town of 1,140 people": the appositive's noun makes it a place.
        if any(w in _PLACE_NOUNS for w in _WORDS.findall(text[lo:hi].lower())[:4]):
            return REJECT
        if (
            sense.organisation
            and _ORG_HEAD.match(text, lo)
            and _TECH.hits(seen.words("tech", max(0, start - 200), hi + 100)) - _ORG_HEADS
        ):
            return ACCEPT
        # The subject it defines: at the head of a sentence, or after "the" ("The Oracle, a
        # fortune-teller…"); not a name ending a list or a clause ("from Google, Apple, and
        # Amazon, the bar is higher"). An age describes a being, wherever the name stands
        # ("done by Gemini, a 12-year-old gelded llama"; not "moved to Azure, a shift that
        # took four years").
        if (
            head
            and head[-1] not in ".!?:;(\n"
            and text[max(0, start - 4) : start - 1].lower() != "the"
            and "-year-old" not in m.group("phrase")
        ):
            return UNDECIDED
        lo, hi = m.start("phrase"), m.end("phrase")
        phrase = text[lo:hi].lower()
        # "Perplexity, a spokesperson said": a reporting clause, not an appositive.
        if any(w in APPOSITIVE_OWN or w in _REPORTING for w in _WORDS.findall(phrase)):
            return UNDECIDED
        if sense.context.hits(seen.words("context", lo, hi)) or _TECH.hits(
            seen.words("tech", lo, hi)
        ):
            return UNDECIDED
        return REJECT

    def _given_name(self, word: str) -> bool:
        """Whether `word`, right before a name, is a given name that makes it a surname
        ("Fiona Apple"): one that is no dictionary word ("Will Amazon…" is a question)."""
        return (
            _CAPITALISED.fullmatch(word) is not None
            and word in given_names()
            and word not in self.names
            and word.lower() not in english_words()
        )

    def _other_name(self, text: str, at: int, word: str) -> bool:
        """Whether `word`, right before a name at `at`, makes the name part of another one: a
        capitalised word that is neither a dictionary word nor a watchlist name, not the first
        of its sentence and not in a run of capitalised words (a title), save name particles
        ("the Breville Oracle", "La Sportiva Mistral"; not "Google Gemini", "Best Apple",
        "Smart Platform Compatability Alexa")."""
        if not _CAPITALISED.fullmatch(word.replace("-", "")) or word in self.names:
            return False
        if "-" in word and _OWNED.search(word):
            return False  # "Paris-based Mistral", "Nvidia-backed Perplexity": a modifier
        if word.lower() in english_words():
            return False
        head = text[max(0, at - 30) : at]
        if not head.strip(" \u00a0") or head.rstrip(" \u00a0")[-1] in '.!?:;\n"“(|•–—-*#':
            return False
        last = head.split()[-1] if head.split() else ""
        return not (last[:1].isupper() and last not in _PARTICLES)

    def _rare_before(self, text: str, sense: _Sense, start: int, end: int, low: str) -> bool:
        """Whether a word before the name that is seldom there (_RARE_BEFORE) makes it
        another thing: "the Amazon's vanishing forests" (a company's possessive takes no
        article), "the town of Azure", "girls named Alexa"."""
        if low == "the":
            return sense.organisation and text[end : end + 3] in _POSSESSIVE_AFTER
        if low == "of":
            return _PLACE_OF.search(text, max(0, start - 20), start) is not None
        return _PERSON_NAMED.search(text, max(0, start - 40), start) is not None

    def _other_owner(self, pword: str, sense: _Sense, seen: _Text, start: int) -> bool:
        """Whether a possessive before the name makes it another maker's thing: a name the
        watchlist does not know and no dictionary word, with a word of another sense in the
        sentence ("SpaceX's Falcon 9 rocket", "OceanGate's Titan … its hull"). A place owns
        the entity's things too ("Abu Dhabi's Falcon models"): the other sense's words
        decide."""
        owner = pword[:-2]
        if owner in self.names or owner.lower() in english_words():
            return False
        _lo, _hi, slo, shi = seen.window(start, start)
        return bool(sense.other.hits(seen.other(slo, shi)))

    def _surname(self, alias: str, word: str, sense: _Sense) -> bool:
        """Whether `alias word` is a person: a given name, then a surname ("Claude Monet")."""
        if alias not in given_names() or not _CAPITALISED.fullmatch(word):
            return False
        if word in sense.follow or word in self.names:
            return False
        return word.upper() in _surnames_upper() or word.lower() not in english_words()

    def _neighbourhood(
        self,
        seen: _Text,
        i: int,
        entities: Sequence[str],
        starts: Sequence[int],
        ends: Sequence[int],
        state: Sequence[int],
        confirmed: set[str],
    ) -> int:
        """ACCEPT, REJECT (another sense's words), or UNDECIDED (no support yet)."""
        entity, start, end = entities[i], starts[i], ends[i]
        sense = self.senses[entity]
        # The common case first, decided without finding the sentences: no other sense's word
        # anywhere near, and the name or a relative confirmed in the text (for an "anchor"
        # name, the name itself or its products).
        if confirmed & (
            sense.family if sense.sure == "context" else sense.anchors
        ) and not seen.any_other_near(start, end, WINDOW, sense.other):
            return ACCEPT
        lo, hi, slo, shi = seen.window(start, end)
        other = len(sense.other.hits(seen.other(lo, hi)))
        # Other entities in the neighbourhood: mentions that count, and ambiguous ones that
        # nothing has ruled out yet.
        first, last = bisect_left(starts, lo), bisect_left(starts, hi)
        near = len(
            {entities[j] for j in range(first, last) if state[j] != REJECT and ends[j] <= hi}
            - {entity}
        )
        if not other and sense.sure == "context" and near:
            return ACCEPT
        # A relative vouches for the name from its neighbourhood; for an "anchor" name, from
        # its own sentence ("Meta released Llama", not "…on Amazon. Titan racks…").
        rlo, rhi = (slo, shi) if sense.sure == "anchor" else (lo, hi)
        strong = any(
            entities[j] in sense.family and state[j] == ACCEPT and ends[j] <= rhi and j != i
            for j in range(bisect_left(starts, rlo), bisect_left(starts, rhi))
        ) or bool(sense.context.hits(seen.words("context", lo, hi)))
        # Another sense's words outnumbering the industry's reject the name, unless its own
        # words are there; a name that is the entity unless said otherwise wins a tie.
        if other and not strong:
            weak = near + len(_TECH.hits(seen.words("tech", lo, hi)))
            if other > weak or (other == weak and sense.sure != "always"):
                return REJECT
        if sense.sure == "always" or strong:
            return ACCEPT
        if sense.sure == "anchor":
            return ACCEPT if confirmed & sense.anchors else UNDECIDED
        if near or confirmed & sense.family:
            return ACCEPT
        return ACCEPT if _TECH.hits(seen.words("tech", lo, hi)) else UNDECIDED


def _quoted_title(text: str, start: int) -> bool:
    """Whether the name opens a quoted title of a work (see _QUOTED_TITLE)."""
    m = _QUOTED_TITLE.match(text, start)
    if m is None:
        return False
    words = m.group().rstrip("\"”’',.!?").split()
    if words[1] == "for":  # a product line: "“Claude for Financial Services”"
        return False
    small = [w for w in words if w in _TITLE_SMALL]
    return bool(small) and len(words) >= 3 and all(w[:1].isupper() for w in words if w not in small)


def _ends_phrase(text: str, end: int, word: str, article: str = "the") -> bool:
    """Whether the name ending at `end` ends its noun phrase: the next word (`word`, "" if
    none) is one of _PHRASE_ENDS (or "of" after "a"/"an": "an Alphabet of British Birds";
    "the Amazon of China" is likened to the company), the text ends there (a headline's
    "Gateway to the Amazon"), or a full stop, semicolon, colon, question or exclamation mark
    follows it before white space or the end of the text."""
    if word:
        low = word.lower()
        return low in _PHRASE_ENDS or (low == "of" and article != "the")
    if end >= len(text.rstrip()):
        return True
    return text[end : end + 1] in _STOPS and text[end + 1 : end + 2] in _AFTER_STOP


def _has_digit(chars: str) -> bool:
    """Whether `chars` has a character that \\d matches (str.isdecimal, in a str pattern)."""
    return any(c.isdecimal() for c in chars)


@cache
def _surnames_upper() -> WordSet:
    # 89,000 names: 9 MB as a Python set in every analysis worker, 3 MB as a WordSet, read
    # from the user's cache after the first build (extractors/word_cache.py).
    return cached(
        f"names-{package_version('names')}-dist.all.last-upper.words",
        lambda: WordSet({s.upper() for s in surnames()}),
        WordSet.from_bytes,
        WordSet.to_bytes,
    )


# The run of word characters and . + ' ’ - that ends right before a name's space, read
# backwards (a regex matches forwards only): \w is str.isalnum() or "_", as _is_word.
_RUN_BACKWARDS = re.compile(r"[\w.+'’-]*")


def _previous_word(before: str) -> str:
    """The word right before a name, one space before it: a run of word characters and
    . + ' ’ - that ends in a word character ("Breville", "Ray-Ban"); "" if none."""
    end = len(before) - 1
    if end < 1 or before[end] not in _SPACES or not _is_word(before[end - 1]):
        return ""
    # Most words are letters after a space: the regex's answer, without reversing the text.
    word = before[:end].rpartition(" ")[2]
    if word.isalnum():
        return word
    run = _RUN_BACKWARDS.match(before[end - 1 :: -1])
    assert run is not None  # the pattern matches the empty string
    return run.group()[::-1].lstrip(".+'’-")

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
   - a `follow` word, a version number or a model size right after it confirms it ("Claude
     Code", "Gemini 2.5", "Phi-3", "Falcon 180B"), and so does "-owned", "-backed" and the
     like ("Meta-owned").
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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from extractors.fuzzy import english_words
from extractors.senses import SENSE_CLASSES, TECH, given_names, surnames
from extractors.watchlist import Entity, Watchlist

__all__ = ["Candidate", "Resolver", "WINDOW"]

WINDOW = 600  # characters searched on either side for the neighbouring sentences

# A sentence ends at . ! ? … (and closing quotes or brackets) before whitespace, or at a line
# break: enough to find the sentences either side of a mention.
_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*\s+|\n")
_TOKEN = re.compile(r"\w(?:[\w.+'’-]*\w)?")
_VERSION = re.compile(r"[-\s]?v?\d+(?:\.\d+)*[a-z]?\b")
_SIZE = re.compile(r"[-\s]?\d+(?:\.\d+)?[BbMm]\b")
_NEXT_WORD = re.compile(r"[ \u00a0]([A-Za-z][\w.+'’-]*\w|[A-Za-z])")
_PREV_WORD = re.compile(r"([\w.+'’-]*\w)[ \u00a0]$")
# "Meta-owned", "Amazon-backed": a company, whatever its name also means.
_OWNED = re.compile(
    r"-(?:owned|backed|funded|led|made|built|based|branded|powered|designed|hosted|"
    r"certified|exclusive|specific|style)\b"
)
# Words that directly before a place name say it is the place ("western Amazon").
_PLACE_BEFORE = frozenset(
    "western eastern northern southern central upper lower peruvian brazilian bolivian "
    "colombian ecuadorian venezuelan".split()
)
_CAPITALISED = re.compile(r"[A-Z][a-z]+")
# Capitalised words that start names without being one: "La Sportiva", "Van Halen".
_PARTICLES = frozenset("La Le Les De Del Der Den Van Von Al El Di Da Du The".split())

ACCEPT, REJECT, UNDECIDED = 1, -1, 0


@dataclass(frozen=True)
class Candidate:
    """A found alias, for the resolver: where, which entity, and how sure its alias is: 0 a
    plain alias, 1 an ambiguous one, 2 a misspelling (or a plain alias in another case), which
    counts when the text names the entity or a relative correctly too."""

    entity: str
    start: int
    end: int
    how: int


class _Terms:
    """Words and phrases looked for in a window: lowercase ones in any case, others as
    written."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.folded = frozenset(t.lower() for t in terms if t.lower() == t and _single(t))
        self.cased = frozenset(t for t in terms if t.lower() != t and _single(t))
        phrases = [t for t in terms if not _single(t)]
        parts = [re.escape(p) if p.lower() == p else f"(?-i:{re.escape(p)})" for p in phrases]
        self.phrases = (
            re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
            if parts
            else None
        )

    def found(self, window: str, tokens: frozenset[str], folded: frozenset[str]) -> bool:
        if self.folded & folded or self.cased & tokens:
            return True
        return self.phrases is not None and self.phrases.search(window) is not None

    def count(self, window: str, tokens: frozenset[str], folded: frozenset[str]) -> int:
        """How many of the terms are in the window (each counted once)."""
        n = len(self.folded & folded) + len(self.cased & tokens)
        if self.phrases is not None:
            n += len({m.group().lower() for m in self.phrases.finditer(window)})
        return n


def _single(term: str) -> bool:
    return _TOKEN.fullmatch(term) is not None


class _Sense:
    """What the resolver knows of one entity with ambiguous aliases."""

    def __init__(self, entity: Entity, family: frozenset[str], anchors: frozenset[str]) -> None:
        self.sure = entity.sure
        self.family = family
        self.anchors = anchors
        self.context = _Terms(entity.context)
        other = [w for s in entity.senses for w in SENSE_CLASSES[s]] + list(entity.sense_words)
        # Words marked "^" count only right next to the name.
        self.other = _Terms([w for w in other if not w.startswith("^")])
        self.other_words = frozenset(w.lower().lstrip("^") for w in other)
        self.place = "place" in entity.senses
        self.follow = frozenset(w for w in entity.follow if not w.startswith("<"))
        self.follow_folded = frozenset(w.lower() for w in self.follow)
        self.versions = "<version>" in entity.follow
        self.sizes = "<size>" in entity.follow


@cache
def _tech() -> _Terms:
    return _Terms(sorted(TECH))


class Resolver:
    """Decides the mentions by ambiguous aliases of a text (see the module's docstring)."""

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
        # Every watchlist name, for "a capitalised word before it is part of another name".
        self.names = frozenset(
            w for e in watchlist.entities for a in e.aliases + e.aliases_ignore_case for w in a.split()
        )

    def resolve(
        self, text: str, candidates: Sequence[Candidate], anchors: frozenset[str] = frozenset()
    ) -> list[bool]:
        """Whether each candidate counts. Plain aliases always do; `anchors` are entities
        named elsewhere in the same article (its title and body are tagged apart)."""
        state = [ACCEPT if c.how == 0 else UNDECIDED for c in candidates]
        pending = [i for i, c in enumerate(candidates) if c.how == 1]
        for i in pending:
            state[i] = self._collocation(text, candidates[i])
        # A misspelling counts when the entity or a relative is named correctly.
        named = set(anchors) | {c.entity for i, c in enumerate(candidates) if state[i] == ACCEPT}
        for i, c in enumerate(candidates):
            if c.how == 2:
                state[i] = ACCEPT if named & self._family(c.entity) else REJECT
        # Neighbourhoods, until no more mentions are decided: a name confirmed near another
        # (Meta near Llama) vouches for it.
        todo = [i for i in pending if state[i] == UNDECIDED]
        while todo:
            accepted = [c for i, c in enumerate(candidates) if state[i] == ACCEPT]
            confirmed = set(anchors) | {c.entity for c in accepted}
            # What a neighbourhood can hold of other entities: mentions that count, and
            # ambiguous ones that nothing has ruled out yet.
            present = [c for i, c in enumerate(candidates) if state[i] != REJECT]
            left = []
            for i in todo:
                c = candidates[i]
                verdict = self._neighbourhood(text, c, accepted, present, confirmed)
                if verdict == UNDECIDED:
                    left.append(i)
                state[i] = verdict
            if len(left) == len(todo):
                break
            todo = left
        # One sense per discourse: a name confirmed once counts wherever nothing near it
        # contradicts it; "anchor" names need their anchor.
        counted = set(anchors) | {c.entity for i, c in enumerate(candidates) if state[i] == ACCEPT}
        return [
            s == ACCEPT
            or (
                s == UNDECIDED
                and c.how == 1
                and self.senses[c.entity].sure == "context"
                and c.entity in counted
            )
            for s, c in zip(state, candidates, strict=True)
        ]

    def _family(self, entity: str) -> frozenset[str]:
        sense = self.senses.get(entity)
        if sense is not None:
            return sense.family
        family = self._families.get(entity)
        if family is None:
            family = self._families[entity] = self.watchlist.family(entity)
        return family

    def _collocation(self, text: str, c: Candidate) -> int:
        """ACCEPT or REJECT when the words right next to the name decide, else UNDECIDED."""
        sense = self.senses[c.entity]
        start, end = c.start, c.end
        after = text[end : end + 40]
        before = text[max(0, start - 40) : start]
        alias = text[start:end]
        if _OWNED.match(after):
            return ACCEPT
        nxt = _NEXT_WORD.match(after)
        word = nxt.group(1) if nxt else ""
        if word:
            bare = word.rstrip(".’'")
            if bare in sense.follow or (bare.isupper() and bare.lower() in sense.follow_folded):
                return ACCEPT
            if bare.lower() in sense.other_words:
                return REJECT
        if (sense.versions and _VERSION.match(after)) or (sense.sizes and _SIZE.match(after)):
            return ACCEPT
        prev = _PREV_WORD.search(before)
        pword = prev.group(1) if prev else ""
        if pword:
            if pword.lower() in sense.other_words or (
                sense.place and pword.lower() in _PLACE_BEFORE
            ):
                return REJECT
            if self._given_name(pword) or self._other_name(text, start - len(pword) - 1, pword):
                return REJECT
        if word and self._surname(alias, word, sense):
            return REJECT
        return UNDECIDED

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
        if word.lower() in english_words():
            return False
        head = text[max(0, at - 30) : at]
        if not head.strip(" \u00a0") or head.rstrip(" \u00a0")[-1] in ".!?:;\n\"“(|•–—-*#":
            return False
        last = head.split()[-1] if head.split() else ""
        return not (last[:1].isupper() and last not in _PARTICLES)

    def _surname(self, alias: str, word: str, sense: _Sense) -> bool:
        """Whether `alias word` is a person: a given name, then a surname ("Claude Monet")."""
        if alias not in given_names() or not _CAPITALISED.fullmatch(word):
            return False
        if word in sense.follow or word in self.names:
            return False
        return word.upper() in _surnames_upper() or word.lower() not in english_words()

    def _neighbourhood(
        self,
        text: str,
        c: Candidate,
        accepted: Sequence[Candidate],
        present: Sequence[Candidate],
        confirmed: set[str],
    ) -> int:
        """ACCEPT, REJECT (another sense's words), or UNDECIDED (no support yet)."""
        sense = self.senses[c.entity]
        lo, hi, slo, shi = _window(text, c.start, c.end)
        window = text[lo:hi]
        tokens = frozenset(t.rstrip(".’'") for t in _TOKEN.findall(window))
        folded = frozenset(t.lower() for t in tokens)
        # A relative vouches for the name from its neighbourhood; for an "anchor" name, from
        # its own sentence ("Meta released Llama", not "…on Amazon. Titan racks…").
        rlo, rhi = (slo, shi) if sense.sure == "anchor" else (lo, hi)
        strong = sense.context.found(window, tokens, folded) or any(
            o.entity in sense.family and rlo <= o.start and o.end <= rhi and o is not c
            for o in accepted
        )
        other = sense.other.count(window, tokens, folded)
        near = {o.entity for o in present if lo <= o.start and o.end <= hi} - {c.entity}
        weak = len(near) + _tech().count(window, tokens, folded)
        # Another sense's words outnumbering the industry's reject the name, unless its own
        # words are there; a name that is the entity unless said otherwise wins a tie.
        if other and not strong and (other > weak or (other == weak and sense.sure != "always")):
            return REJECT
        if sense.sure == "always" or strong:
            return ACCEPT
        if sense.sure == "anchor":
            return ACCEPT if confirmed & sense.anchors else UNDECIDED
        return ACCEPT if weak or confirmed & sense.family else UNDECIDED


@cache
def _surnames_upper() -> frozenset[str]:
    return frozenset(s.upper() for s in surnames())


def _window(text: str, start: int, end: int) -> tuple[int, int, int, int]:
    """The mention's sentence and the sentences either side, within WINDOW characters; and
    the mention's own sentence."""
    lo = max(0, start - WINDOW)
    hi = min(len(text), end + WINDOW)
    befores = [m.end() for m in _BOUNDARY.finditer(text, lo, start)]
    own_lo = befores[-1] if befores else lo
    if len(befores) >= 2:
        lo = befores[-2]
    after = _BOUNDARY.finditer(text, end, hi)
    first = next(after, None)
    second = next(after, None) if first else None
    own_hi = first.start() if first else hi
    if second is not None:
        hi = second.start()
    return lo, hi, own_lo, own_hi

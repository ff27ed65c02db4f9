"""`labwatch eval clusters`: pair precision and recall of the story rule on a labelled set.

The pair file (JSON lines, tests/data/clusters/pairs.jsonl) holds no corpus text: each side
of a pair names a text (a corpus file by path, a story the project wrote, a seed article)
and the wire-desk edits to apply to it, with a seed, so the same file gives the same texts
on every machine. `materialise` builds them; `evaluate` scores the rule of today
(extractors/stories.py) and the SimHash rule it replaced on the same pairs, per split
(`tune`: the pairs the thresholds were chosen on; `check`: the others).
"""

from __future__ import annotations

import json
import random
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from extractors.analyse import content_hash
from extractors.errors import InputError
from extractors.fingerprint import NEAR_DUPLICATE_BITS, distance, simhash
from extractors.stories import StoryFacts, same_story, same_terms_of_texts, story_key
from extractors.story_leads import Lead, lead_of_text
from extractors.story_names import name_words, names
from extractors.text import html_to_text
from extractors.watchlist import load_watchlist
from seeds import EXPECTED_DIR, SEEDS_DIR

SAME, DIFFERENT = "same", "different"
BASE_TIME = datetime(2026, 11, 16, 8, tzinfo=UTC)
REPO_STORIES = Path(__file__).resolve().parent.parent / "tests" / "data" / "clusters"


class PairFileError(InputError):
    """The pair file, or a text it names, cannot be read."""


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    published: datetime


# --- Sources ------------------------------------------------------------------------------

_TITLE = re.compile(
    r"<meta[^>]+property=[\"']og:title[\"'][^>]+content=[\"']([^\"']+)|<title[^>]*>([^<]+)",
    re.I,
)


def _html_title(path: Path) -> str:
    if not path.is_file():
        return ""
    head = path.read_bytes()[:200_000].decode("utf-8", "replace")
    m = _TITLE.search(head)
    if not m:
        return ""
    from html import unescape

    return " ".join(unescape(m.group(1) or m.group(2)).split())


@cache
def _project_stories(folder: Path) -> dict[str, dict[str, Any]]:
    """The project's written stories: every TOML file of the folder (stories.toml, the wire
    stories; rewrites.toml, the paraphrases of corpus articles)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as f:
            for story in tomllib.load(f).get("story", []):
                if story["id"] in found:
                    raise PairFileError(f"story {story['id']!r} is in two files of {folder}")
                found[story["id"]] = story
    return found


@cache
def _feed_entries(path: Path) -> list[tuple[str, str]]:
    """(title, text) of each entry of a corpus feed, in the feed's order: the headline, and
    the entry's content or summary (the longer) as plain text."""
    import feedparser

    def plain(value: str) -> str:  # flat: the lead reads words, not paragraphs
        return " ".join(html_to_text(value or "").split())

    entries = []
    for e in feedparser.parse(path.read_bytes()).entries:
        summary = plain(e.get("summary", ""))
        content = " ".join(plain(c.get("value", "")) for c in e.get("content", []))
        entries.append((plain(e.get("title", "")), max(content, summary, key=len)))
    return entries


def source_text(ref: str, corpus: Path | None, stories: Path = REPO_STORIES) -> tuple[str, str]:
    """(title, body) of a pair side's text: `corpus:<folder>/<id>` (ground truth body and the
    page's title), `feed:<folder>/<file>#<n>` (a corpus feed's entry n: its headline and its
    summary or content), `story:<id>` (tests/data/clusters/*.toml) or `seed:<slug>`."""
    kind, _, name = ref.partition(":")
    if kind == "feed":
        if corpus is None:
            raise PairFileError(f"{ref} needs the corpus folder (--corpus DIR)")
        file, _, n = name.partition("#")
        path = corpus / file
        if not path.is_file():
            raise PairFileError(f"no such corpus feed: {path}")
        entries = _feed_entries(path)
        if not n.isdigit() or int(n) >= len(entries):
            raise PairFileError(f"{ref}: {path.name} has {len(entries)} entries")
        return entries[int(n)]
    if kind == "corpus":
        if corpus is None:
            raise PairFileError(f"{ref} needs the corpus folder (--corpus DIR)")
        folder, _, stem = name.rpartition("/")
        truth = corpus / folder / "ground_truth" / f"{stem}.json"
        if not truth.is_file():
            raise PairFileError(f"no such corpus file: {truth}")
        body = json.loads(truth.read_text(encoding="utf-8"))["articleBody"]
        return _html_title(corpus / folder / "html" / f"{stem}.html"), body
    if kind == "story":
        story = _project_stories(stories).get(name)
        if story is None:
            raise PairFileError(f"no story {name!r} in {stories}/*.toml")
        return story["title"], story["text"].strip()
    if kind == "seed":
        path = EXPECTED_DIR / f"{name}.txt"
        if not path.is_file():
            raise PairFileError(f"no seed article {name!r}")
        text = path.read_text(encoding="utf-8")
        return text.split("\n", 1)[0], text
    raise PairFileError(f"unknown text reference {ref!r}")


# --- Wire-desk edits ----------------------------------------------------------------------

_NAMES = ("Ana Ruiz", "Tom Okafor", "Mei Lin", "Jonas Berg", "Priya Nair", "Sam Cole")
_AGENCIES = ("Wire", "Newsdesk", "Press Service", "Global Desk")
_CITIES = ("LONDON", "NEW YORK", "SAN FRANCISCO", "SINGAPORE", "BERLIN", "TORONTO")
_LOCAL = (
    "The news was followed closely in the region, where several hundred people work in the "
    "sector, a spokesperson for the local chamber of commerce said.",
    "Local officials said they had not been consulted and would ask for a meeting next week.",
    "Residents contacted by this newspaper had mixed views on what it would mean for them.",
    "A councillor said the decision showed how much the area depends on a few large employers.",
)
_UPDATES = (
    "UPDATE: This story has been updated with a response from the company.",
    "Updated at 6.40pm to add comment from analysts in the ninth paragraph.",
    "Correction: an earlier version of this story misstated the date of the announcement.",
    "This article was amended after publication to clarify a figure in the third paragraph.",
)
_SHORTHAND = (
    (r"\bbillion\b", "bn"), (r"\bmillion\b", "m"), (r"\bpercent\b", "%"), (r"\bper cent\b", "%"),
    (r"\bUnited States\b", "US"), (r"\bpeople\b", "persons"), (r"\bannounced\b", "unveiled"),
)  # fmt: skip


def _paragraphs(body: str) -> list[str]:
    ps = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return ps if len(ps) > 1 else [p.strip() for p in body.split("\n") if p.strip()]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def _headline(r: random.Random, title: str, ps: list[str]) -> str:
    words = " ".join(ps[: min(3, len(ps))]).split()
    start = r.randrange(0, max(1, min(len(words) - 6, 40)))
    new = " ".join(words[start : start + r.randint(6, 11)]).strip(" ,.;:")
    return new[:1].upper() + new[1:] if new else title + " (wire copy)"


def edit_headline(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    return _headline(r, title, ps), ps


def edit_credit(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    by = f"By {r.choice(_NAMES)}, {r.choice(_AGENCIES)}"
    tail = f"(Reporting by {r.choice(_NAMES)}; Editing by {r.choice(_NAMES)})"
    return title, [by, *ps, tail]


def edit_lede(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    """The first paragraph rewritten: a new opening sentence, the rest of it reordered."""
    rest = _sentences(ps[0])[1:]
    r.shuffle(rest)
    opening = f"{r.choice(_CITIES)} ({r.choice(_AGENCIES)}) - {title.rstrip('.')}, people familiar with the matter said."  # noqa: E501
    return title, [" ".join([opening, *rest]), *ps[1:]]


def edit_says(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    def swap(t: str) -> str:
        return re.sub(r"\b(said|says)\b", lambda m: "says" if m[1] == "said" else "said", t)

    return swap(title), [swap(p) for p in ps]


def edit_shorthand(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    def short(t: str) -> str:
        for pattern, repl in _SHORTHAND:
            t = re.sub(pattern, repl, t)
        return t

    return short(title), [short(p) for p in ps]


def edit_reorder(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    out = list(ps)
    for _ in range(min(2, len(out) // 3)):
        i, j = r.randrange(1, len(out)), r.randrange(1, len(out))
        out.insert(j, out.pop(i))
    return title, out


def edit_cut(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    """The story cut for length from the bottom: a third to nine tenths of it kept."""
    keep = max(2, round(len(ps) * r.uniform(0.35, 0.9)))
    return title, ps[:keep]


def edit_drop(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    out = list(ps)
    for _ in range(min(2, max(0, len(out) - 3))):
        out.pop(r.randrange(1, len(out) - 1))
    return title, out


def edit_local(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    out = list(ps)
    out.insert(r.randint(1, max(1, min(4, len(out)))), r.choice(_LOCAL))
    return title, out


def edit_update(r: random.Random, title: str, ps: list[str]) -> tuple[str, list[str]]:
    return title, [*ps, r.choice(_UPDATES)]


EDITS: dict[str, Callable[[random.Random, str, list[str]], tuple[str, list[str]]]] = {
    "headline": edit_headline,
    "credit": edit_credit,
    "lede": edit_lede,
    "says": edit_says,
    "shorthand": edit_shorthand,
    "reorder": edit_reorder,
    "cut": edit_cut,
    "drop": edit_drop,
    "local": edit_local,
    "update": edit_update,
}


def lead(body: str, words: int) -> str:
    """The first paragraphs of a text, up to about `words` words: a long page cut to the
    length of a news story (at least one paragraph)."""
    out: list[str] = []
    n = 0
    for p in _paragraphs(body):
        if out and n + len(p.split()) > words:
            break
        out.append(p)
        n += len(p.split())
    return "\n\n".join(out)


def rewrite(title: str, body: str, edits: Iterable[str], seed: int) -> tuple[str, str]:
    """Apply wire-desk edits in order, deterministically for a seed."""
    r = random.Random(seed)
    ps = _paragraphs(body)
    for name in edits:
        if name not in EDITS:
            raise PairFileError(f"unknown edit {name!r} (known: {', '.join(EDITS)})")
        title, ps = EDITS[name](r, title, ps)
    return title, "\n\n".join(ps)


# --- Pairs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    pair_id: str
    split: str  # tune | check
    label: str  # same | different
    kind: str  # how the pair was made, for error analysis
    a: Text
    b: Text


def materialise_side(side: dict[str, Any], corpus: Path | None) -> Text:
    title, body = source_text(side["text"], corpus)
    if side.get("words"):
        body = lead(body, int(side["words"]))
    if side.get("title"):
        title = side["title"]
    edits = side.get("edits") or []
    if edits:
        title, body = rewrite(title, body, edits, int(side.get("seed", 0)))
    when = BASE_TIME + timedelta(hours=float(side.get("hours", 0)))
    return Text(title, body, when)


def load_pairs(path: Path, corpus: Path | None) -> list[Pair]:
    if not path.is_file():
        raise PairFileError(f"no such pair file: {path}")
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            p = json.loads(line)
            pairs.append(
                Pair(
                    pair_id=p["id"],
                    split=p["split"],
                    label=p["label"],
                    kind=p.get("kind", ""),
                    a=materialise_side(p["a"], corpus),
                    b=materialise_side(p["b"], corpus),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise PairFileError(f"{path}:{n}: not a pair: {type(exc).__name__}: {exc}") from exc
        if pairs[-1].label not in (SAME, DIFFERENT):
            raise PairFileError(f"{path}:{n}: label must be {SAME!r} or {DIFFERENT!r}")
    return pairs


# --- Rules and scores ---------------------------------------------------------------------


def simhash_rule(a: Text, b: Text) -> bool:
    """Before: the same text, or SimHash within NEAR_DUPLICATE_BITS bits (30-day window)."""
    if content_hash(a.body) == content_hash(b.body):
        return True
    x, y = simhash(a.body), simhash(b.body)
    return x is not None and y is not None and distance(x, y) <= NEAR_DUPLICATE_BITS


@cache
def _default_name_words() -> frozenset[str]:
    """The default watchlist's name words, left out of a text's names as the ingest does."""
    return name_words(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def facts(t: Text) -> StoryFacts:
    key = story_key(t.body, _default_name_words(), t.title)
    return StoryFacts(key, t.published, content_hash(t.body))


def story_rule(a: Text, b: Text) -> bool:
    """After: extractors.stories.same_story (LSH candidates, containment, time window)."""
    return same_story(facts(a), facts(b))


def lead_rule(a: Text, b: Text) -> bool:
    """The lead part alone (extractors/story_leads.py `Lead.same`, with its time windows), read
    as `story_key` reads it but for texts of any length: what it adds to the story rule, and
    what it says of a feed's short entries, which are too short for a story key."""
    common = _default_name_words()

    def lead(t: Text) -> Lead:
        return lead_of_text(t.title, t.body, frozenset(names(t.body, common)) | common)

    return lead(a).same(lead(b), abs(a.published - b.published))


def terms_rule(a: Text, b: Text) -> bool:
    """The terms part alone (extractors/story_terms.py, with its time window and bands), read
    as `story_key` reads it: what it adds to the other parts."""
    common = _default_name_words()
    sides = ((a.title, a.body, a.published), (b.title, b.body, b.published))
    return same_terms_of_texts(*sides, common)


RULES: dict[str, Callable[[Text, Text], bool]] = {
    "simhash": simhash_rule,
    "stories": story_rule,
    "leads": lead_rule,
    "terms": terms_rule,
}


@dataclass
class Score:
    rule: str
    split: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (pair, kind, label)

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else 0.0

    @property
    def precision(self) -> float:
        return self._ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self._ratio(self.tp, self.tp + self.fn)

    @property
    def precision_different(self) -> float:
        return self._ratio(self.tn, self.tn + self.fn)

    @property
    def recall_different(self) -> float:
        return self._ratio(self.tn, self.tn + self.fp)

    def row(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "split": self.split,
            "same_pairs": self.tp + self.fn,
            "different_pairs": self.tn + self.fp,
            "precision_same": round(self.precision, 3),
            "recall_same": round(self.recall, 3),
            "precision_different": round(self.precision_different, 3),
            "recall_different": round(self.recall_different, 3),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


def evaluate(pairs: list[Pair], rules: Iterable[str] = tuple(RULES)) -> list[Score]:
    """Each rule's confusion counts per split (and for all pairs)."""
    scores: list[Score] = []
    splits = sorted({p.split for p in pairs}, key=lambda s: (s != "tune", s))
    for rule in rules:
        decide = RULES[rule]
        by_split = {s: Score(rule, s) for s in [*splits, "all"]}
        for p in pairs:
            said = decide(p.a, p.b)
            for s in (by_split[p.split], by_split["all"]):
                if p.label == SAME:
                    s.tp += said
                    s.fn += not said
                else:
                    s.fp += said
                    s.tn += not said
                if said != (p.label == SAME):
                    s.errors.append((p.pair_id, p.kind, p.label))
        scores += by_split.values()
    return scores

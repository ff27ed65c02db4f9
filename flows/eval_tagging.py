"""Score the tagger against a labelled gold set (tests/data/tagging_gold.jsonl describes one).

Each gold record is a sentence with the mentions a person marked in it, and optionally its
neighbouring sentences. The tagger runs over `before`, `text` and `after` joined as in a page
(a space after a full stop, else a line break), as it would over the article, and only the
mentions inside `text` are scored: a found mention is right
when a marked one has the same entity and the same span.

A record with a `title` is a whole article: its title and body (`text`) are tagged as the
ingest tags them (extractors.analyse.tag_title_and_body: the body vouches for the title's
names), and `title_mentions` are scored with `mentions`. A miss in an article shows its
sentence, not the whole text.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.analyse import tag_title_and_body
from extractors.entities import Tagger
from extractors.errors import GoldError
from extractors.scoring import Counts
from extractors.text import sentence_spans

__all__ = ["GoldMiss", "GoldScore", "evaluate_gold", "load_gold"]


@dataclass(frozen=True)
class GoldRecord:
    id: str
    split: str
    text: str
    before: str
    after: str
    mentions: frozenset[tuple[str, int, int]]  # (entity, start, end) in text
    title: str | None = None  # a whole article's headline; None for a sentence
    title_mentions: frozenset[tuple[str, int, int]] = frozenset()


@dataclass(frozen=True)
class GoldMiss:
    """A false positive (found, not marked) or a false negative (marked, not found)."""

    kind: str  # "fp" | "fn"
    id: str
    split: str
    entity: str
    surface: str
    start: int
    sentence: str


@dataclass
class GoldScore:
    sentences: int = 0  # records: sentences, or whole articles (`articles` of them)
    articles: int = 0
    # Whole articles: each (article, entity) named in it, found or marked; what the digest's
    # article counts and pairs rest on, where one wrong sense counts once however often named.
    presence: Counts = field(default_factory=Counts)
    overall: Counts = field(default_factory=Counts)
    by_split: dict[str, Counts] = field(default_factory=dict)
    by_entity: dict[str, Counts] = field(default_factory=dict)
    misses: list[GoldMiss] = field(default_factory=list)


def _spans(marked: Any, text: str, where: str) -> frozenset[tuple[str, int, int]]:
    mentions = set()
    for m in marked:
        try:
            entity, start, end = str(m["entity"]), int(m["start"]), int(m["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise GoldError(f"{where}: a mention needs entity, start and end") from exc
        if not 0 <= start < end <= len(text) or ("text" in m and text[start:end] != m["text"]):
            raise GoldError(f"{where}: mention {m!r} does not match the text")
        mentions.add((entity, start, end))
    return frozenset(mentions)


def _record(raw: Any, where: str) -> GoldRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise GoldError(f"{where}: expected an object with a 'text'")
    title = raw.get("title")
    if title is not None and not isinstance(title, str):
        raise GoldError(f"{where}: 'title' must be a string")
    if title is None and raw.get("title_mentions"):
        raise GoldError(f"{where}: 'title_mentions' without a 'title'")
    return GoldRecord(
        id=str(raw.get("id", where)),
        split=str(raw.get("split", "")),
        text=raw["text"],
        before=str(raw.get("before", "")),
        after=str(raw.get("after", "")),
        mentions=_spans(raw.get("mentions", []), raw["text"], where),
        title=title,
        title_mentions=_spans(raw.get("title_mentions", []), title or "", f"{where} (title)"),
    )


def load_gold(path: Path) -> list[GoldRecord]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldError(f"cannot read {path}: {exc.strerror}") from exc
    records = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{n}: {exc.msg}") from exc
        records.append(_record(raw, f"{path}:{n}"))
    if not records:
        raise GoldError(f"{path}: no gold sentences")
    return records


def _add(scores: dict[str, Counts], key: str, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
    s = scores.get(key, Counts())
    scores[key] = Counts(s.tp + tp, s.fp + fp, s.fn + fn)


def _joint(sentence: str) -> str:
    return " " if sentence.rstrip()[-1:] in ".!?…\"'”’)" else "\n"


def _found(r: GoldRecord, tagger: Tagger) -> list[tuple[str, str, set[tuple[str, int, int]]]]:
    """(where, its text, the mentions found in it) for each scored part of a record."""
    if r.title is not None:
        in_title, in_body = tag_title_and_body(tagger, r.title, r.text)
        return [
            ("title", r.title, {(m.entity, m.start, m.end) for m in in_title}),
            ("", r.text, {(m.entity, m.start, m.end) for m in in_body}),
        ]
    # Neighbours join as in the page: in one paragraph after a full stop, else on a line
    # of their own (a heading, a list item).
    prefix = r.before + _joint(r.before) if r.before else ""
    passage = prefix + r.text + (_joint(r.text) + r.after if r.after else "")
    lo, hi = len(prefix), len(prefix) + len(r.text)
    found = {
        (m.entity, m.start - lo, m.end - lo)
        for m in tagger.tag(passage)
        if lo <= m.start and m.end <= hi
    }
    return [("", r.text, found)]


def _sentence_at(text: str, at: int, whole: bool) -> str:
    """What a miss shows: a sentence record's text, or the article's sentence holding it."""
    if whole:
        return text
    return next((text[a:b] for a, b in sentence_spans(text) if a <= at < b), text)


def evaluate_gold(records: list[GoldRecord], tagger: Tagger) -> GoldScore:
    result = GoldScore(sentences=len(records), articles=sum(r.title is not None for r in records))
    totals: dict[str, Counts] = {}
    for r in records:
        parts = _found(r, tagger)
        if r.title is not None:
            named = {m[0] for _, _, found in parts for m in found}
            marked_ids = {m[0] for m in r.mentions | r.title_mentions}
            p = result.presence
            result.presence = Counts(
                p.tp + len(named & marked_ids),
                p.fp + len(named - marked_ids),
                p.fn + len(marked_ids - named),
            )
        for where, text, found in parts:
            marked_all = r.title_mentions if where == "title" else r.mentions
            for entity, start, end in sorted(found | marked_all, key=lambda m: m[1]):
                key = (entity, start, end)
                hit, marked = key in found, key in marked_all
                kind = "tp" if hit and marked else "fp" if hit else "fn"
                counts = {kind: 1}
                for scores, name in (
                    (totals, ""),
                    (result.by_split, r.split),
                    (result.by_entity, entity),
                ):
                    _add(scores, name, **counts)
                if kind != "tp":
                    shown = _sentence_at(text, start, r.title is None or where == "title")
                    rid = f"{r.id} ({where})" if where else r.id
                    result.misses.append(
                        GoldMiss(kind, rid, r.split, entity, text[start:end], start, shown)
                    )
    result.overall = totals.get("", Counts())
    return result


def summary_rows(score: GoldScore) -> list[list[Any]]:
    """One row per scope: overall, each split, each entity (most marked mentions first)."""

    def row(scope: str, s: Counts) -> list[Any]:
        return [scope, s.tp, s.fp, s.fn, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}"]

    rows = [row("overall", score.overall)]
    if score.articles:
        rows.append(row("entities named in an article", score.presence))
    rows += [row(f"split {name}", s) for name, s in sorted(score.by_split.items()) if name]
    ranked = sorted(score.by_entity.items(), key=lambda kv: (-(kv[1].tp + kv[1].fn), kv[0]))
    rows += [row(entity, s) for entity, s in ranked]
    return rows


SUMMARY_COLUMNS = ["scope", "tp", "fp", "fn", "precision", "recall", "f1"]
MISS_COLUMNS = ["kind", "id", "split", "entity", "text", "sentence"]


def miss_rows(score: GoldScore) -> list[list[Any]]:
    order = Counter({"fp": 0, "fn": 1})
    misses = sorted(score.misses, key=lambda m: (order[m.kind], m.entity, m.id, m.start))
    return [[m.kind, m.id, m.split, m.entity, m.surface, m.sentence] for m in misses]

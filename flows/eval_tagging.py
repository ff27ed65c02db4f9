"""Score the tagger against a labelled gold set (tests/data/tagging_gold.jsonl describes one).

Each gold record is a sentence with the mentions a person marked in it, and optionally its
neighbouring sentences. The tagger runs over `before`, `text` and `after` joined as in a page
(a space after a full stop, else a line break), as it would over the article, and only the
mentions inside `text` are scored: a found mention is right
when a marked one has the same entity and the same span.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.entities import Tagger
from extractors.errors import GoldError
from extractors.scoring import Counts

__all__ = ["GoldMiss", "GoldScore", "evaluate_gold", "load_gold"]


@dataclass(frozen=True)
class GoldRecord:
    id: str
    split: str
    text: str
    before: str
    after: str
    mentions: frozenset[tuple[str, int, int]]  # (entity, start, end) in text


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
    sentences: int = 0
    overall: Counts = field(default_factory=Counts)
    by_split: dict[str, Counts] = field(default_factory=dict)
    by_entity: dict[str, Counts] = field(default_factory=dict)
    misses: list[GoldMiss] = field(default_factory=list)


def _record(raw: Any, where: str) -> GoldRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise GoldError(f"{where}: expected an object with a 'text'")
    text = raw["text"]
    mentions = set()
    for m in raw.get("mentions", []):
        try:
            entity, start, end = str(m["entity"]), int(m["start"]), int(m["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise GoldError(f"{where}: a mention needs entity, start and end") from exc
        if not 0 <= start < end <= len(text) or ("text" in m and text[start:end] != m["text"]):
            raise GoldError(f"{where}: mention {m!r} does not match the text")
        mentions.add((entity, start, end))
    return GoldRecord(
        id=str(raw.get("id", where)),
        split=str(raw.get("split", "")),
        text=text,
        before=str(raw.get("before", "")),
        after=str(raw.get("after", "")),
        mentions=frozenset(mentions),
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


def evaluate_gold(records: list[GoldRecord], tagger: Tagger) -> GoldScore:
    result = GoldScore(sentences=len(records))
    totals: dict[str, Counts] = {}
    for r in records:
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
        for entity, start, end in sorted(found | r.mentions, key=lambda m: m[1]):
            key = (entity, start, end)
            hit, marked = key in found, key in r.mentions
            kind = "tp" if hit and marked else "fp" if hit else "fn"
            counts = {kind: 1}
            for scores, name in (
                (totals, ""),
                (result.by_split, r.split),
                (result.by_entity, entity),
            ):
                _add(scores, name, **counts)
            if kind != "tp":
                result.misses.append(
                    GoldMiss(kind, r.id, r.split, entity, r.text[start:end], start, r.text)
                )
    result.overall = totals.get("", Counts())
    return result


def summary_rows(score: GoldScore) -> list[list[Any]]:
    """One row per scope: overall, each split, each entity (most marked mentions first)."""

    def row(scope: str, s: Counts) -> list[Any]:
        return [scope, s.tp, s.fp, s.fn, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}"]

    rows = [row("overall", score.overall)]
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

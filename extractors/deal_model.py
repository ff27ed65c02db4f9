"""Deals the rules do not read: a linear model over each pair of parties a sentence names.

The rules (extractors/deal_rules.py) read the ways of telling a deal that someone wrote a rule
for; on whole articles nobody tuned them on they find about a third of the deals, and most of
the rest are told in words no rule reads ("Poolside tapped CoreWeave to supply a cluster of
40,000 GPUs", "Index Ventures, which has money in both Mistral AI and Cohere"). This model
reads every sentence naming two parties: for each pair, the words between the two names,
around them and in the sentence, the punctuation between them and the parties' kinds, scored
for each kind of deal and its direction (one-vs-rest logistic regressions, trained by
flows/train_deal_model.py on the labelled sets that were read and tuned on; docs/deals.md,
"A model beside the rules").

It only adds: a pair the rules found any deal between, anywhere in the text, keeps the rules'
reading (kind, direction, amount, status). A model deal has no amount or roles (which money
and which backers go with it is the rules' work) and takes its status and year from the
sentence's cues as a rule's deal does.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from extractors.records import Deal, Mention

MODEL_PATH = Path(__file__).with_name("deal_model.json.gz")
MAX_SENTENCE = 1500  # as extractors/deals.py: longer "sentences" are lists or debris

# words, money signs, numbers (as one token) and the punctuation that separates clauses
_TOKEN = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?|\$|€|£|\d+(?:[.,]\d+)*|%|[,;:()—–-]")


def _tokens(text: str) -> list[str]:
    return ["0" if w[0].isdigit() else w.lower() for w in _TOKEN.findall(text)]


def pair_features(
    text: str, span: tuple[int, int], x: Mention, y: Mention, others: int
) -> list[str]:
    """The features of the pair `x` before `y` in the sentence `text[span[0]:span[1]]`;
    `others`: how many other parties are named between them."""
    a, b = span
    between = _tokens(text[x.end : y.start])
    left = _tokens(text[a : x.start])[-4:]
    right = _tokens(text[y.end : b])[:4]
    f = [
        f"ka:{x.kind}",
        f"kb:{y.kind}",
        f"kk:{x.kind}|{y.kind}",
        f"len:{min(len(between), 20) // 3}",
    ]
    f += ["bf:" + w for w in between[:8]]
    f += ["bl:" + w for w in between[-8:]]
    f += [f"bb:{p}_{q}" for p, q in pairwise(between)]
    if between:
        f += ["b0:" + between[0], "bN:" + between[-1]]
    if len(between) >= 2:
        f.append("b01:" + "_".join(between[:2]))
    f += ["l:" + w for w in left]
    f += ["r:" + w for w in right]
    if left:
        f.append("l1:" + left[-1])
    if right:
        f.append("r1:" + right[0])
    if len(right) > 1:
        f.append("r12:" + "_".join(right[:2]))
    f += ["s:" + w for w in sorted(set(_tokens(text[a:b])))]
    f.append(f"eb:{min(others, 3)}")
    f += ["bias", "x:" + x.entity, "y:" + y.entity]
    return f


def by_sentence(
    ordered: Sequence[Mention], spans: Sequence[tuple[int, int]]
) -> dict[int, list[Mention]]:
    """The mentions (in order of start) that lie whole inside each sentence, by its index."""
    out: dict[int, list[Mention]] = {}
    for m in ordered:
        i = bisect_right(spans, m.start, key=_first) - 1  # (no list of starts to build)
        if i >= 0 and m.end <= spans[i][1]:
            out.setdefault(i, []).append(m)
    return out


def _first(span: tuple[int, int]) -> int:
    return span[0]


@dataclass(frozen=True)
class Pair:
    sentence: int  # index into the spans
    x: Mention  # the party named first (its mention nearest the other's)
    y: Mention
    features: list[str]


def sentence_pairs(
    text: str, spans: Sequence[tuple[int, int]], by_sentence: dict[int, list[Mention]]
) -> Iterator[Pair]:
    """Every pair of different parties a sentence names, at their nearest mentions."""
    for i, inside in by_sentence.items():
        start, end = spans[i]
        if end - start > MAX_SENTENCE:
            continue
        ids = list(dict.fromkeys(m.entity for m in inside))
        for p, first in enumerate(ids):
            for second in ids[p + 1 :]:
                m1, m2 = min(
                    (
                        (u, v)
                        for u in inside
                        if u.entity == first
                        for v in inside
                        if v.entity == second
                    ),
                    key=lambda uv: abs(uv[0].start - uv[1].start),
                )
                x, y = (m1, m2) if m1.start < m2.start else (m2, m1)
                others = len(
                    {m.entity for m in inside if x.end <= m.start < y.start} - {x.entity, y.entity}
                )
                yield Pair(i, x, y, pair_features(text, spans[i], x, y, others))


STATUS = "@"  # the labels of the status head: "@reported", "@background", …


def status_feature(cue: str) -> str:
    """The status the sentence's cues give (extractors/deals.py `sentence_status`), as the
    status head reads it beside the pair's words."""
    return "cue:" + cue


@dataclass(frozen=True)
class DealModel:
    # "investment>" (the first-named party invests in the other), "investment<", "merger="
    # …; then the status head's "@reported", "@background", "@in_talks", "@denied"
    labels: tuple[str, ...]
    weights: dict[str, tuple[tuple[int, float], ...]]  # feature -> (label index, weight)
    threshold: float  # a deal label above this probability is a deal

    def scores(self, features: Sequence[str]) -> list[float]:
        """The probability of each label."""
        z = [0.0] * len(self.labels)
        for f in features:
            for k, w in self.weights.get(f, ()):
                z[k] += w
        return [1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, v)))) for v in z]

    def status(self, scores: Sequence[float]) -> str:
        """The status head's choice, from `scores` of the features with the cue's."""
        best = max(
            (s, label) for s, label in zip(scores, self.labels, strict=True) if label[0] == STATUS
        )
        return best[1][1:]

    def to_json(self) -> dict[str, object]:
        return {
            "labels": list(self.labels),
            "threshold": self.threshold,
            "weights": {f: [[k, w] for k, w in ws] for f, ws in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> DealModel:
        labels = tuple(str(x) for x in data["labels"])  # type: ignore[attr-defined]
        weights = {
            str(f): tuple((int(k), float(w)) for k, w in ws)
            for f, ws in data["weights"].items()  # type: ignore[attr-defined]
        }
        return cls(labels, weights, float(data["threshold"]))  # type: ignore[arg-type]


@cache
def load_model(path: Path = MODEL_PATH) -> DealModel:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return DealModel.from_json(json.load(f))


def model_deals(
    text: str,
    spans: Sequence[tuple[int, int]],
    by_sentence: dict[int, list[Mention]],
    ruled: set[frozenset[str]],
    ancestors: Callable[[str], Sequence[str]] | None,
    describe: Callable[[str, str, int, str, str, str], Deal],
    cue: Callable[[str], str],
    plausible: Callable[[str, int, int], bool],
) -> list[Deal]:
    """The deals the model reads between pairs the rules found nothing between (`ruled`:
    the pairs of the rules' deals), each with the status its status head reads beside
    `cue(sentence)` (the status the sentence's cues give). `describe(kind, sentence, start,
    investor, target, status)` makes the record. `plausible(sentence, a, b)`: whether
    the stretch from one party's start to the other's end can tell a deal at all."""
    model = load_model()

    def line(e: str) -> set[str]:
        return {e, *ancestors(e)} if ancestors else {e}

    # a pair the rules read is read for the company and its units on each side too: the
    # rules' "Grok to Azure" is also xAI's deal with Microsoft, not a second one to guess
    lines = [(line(a), line(b)) for a, b in (sorted(p) for p in ruled if len(p) == 2)]

    def read_by_rules(x: str, y: str) -> bool:
        lx, ly = line(x), line(y)
        return any((lx & la and ly & lb) or (ly & la and lx & lb) for la, lb in lines)

    out: list[Deal] = []
    for pair in sentence_pairs(text, spans, by_sentence):
        x, y = pair.x.entity, pair.y.entity
        if x in line(y) or y in line(x):
            continue  # one company and its own unit: no deal between them
        if frozenset((x, y)) in ruled or read_by_rules(x, y):
            continue
        start, end = spans[pair.sentence]
        sentence = text[start:end]
        if not plausible(sentence, pair.x.start - start, pair.y.end - start):
            continue
        scores = model.scores([*pair.features, status_feature(cue(sentence))])
        status = ""
        for label, p in zip(model.labels, scores, strict=True):
            if p <= model.threshold or label[0] == STATUS:
                continue
            kind, way = label[:-1], label[-1]  # way "=": a symmetric kind, ids in order
            investor, target = (y, x) if way == "<" else sorted((x, y)) if way == "=" else (x, y)
            status = status or model.status(scores)
            out.append(describe(kind, sentence, start, investor, target, status))
    return out

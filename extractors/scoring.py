"""Scoring against ground truth: bag-of-words precision, recall and F1 of extracted text, and
`Counts`, the precision, recall and F1 of counted hits for the gold-set evaluations.

The measure of the article-extraction benchmarks: lowercase word tokens, counted with
multiplicity, so repeated boilerplate costs precision and missing paragraphs cost recall.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.lower()))


def score(extracted: str, truth: str) -> Score:
    got, want = tokens(extracted), tokens(truth)
    common = sum((got & want).values())
    if not got and not want:
        return Score(1.0, 1.0, 1.0)
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1)


@dataclass
class Counts:
    """True positives, false positives and false negatives, with the ratios they give (1.0
    when there is nothing to be right or wrong about)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

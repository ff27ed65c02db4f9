"""Scoring extracted text against ground truth: bag-of-words precision, recall and F1.

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

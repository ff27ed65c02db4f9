"""Roundups: a briefing, a digest, a live blog, a podcast's show notes, whose paragraphs are
items of their own.

One sense per discourse (extractors/senses_resolver.py) reads a whole article as one
discourse: a name the article confirms once counts wherever nothing near it says otherwise.
A roundup is several discourses under one headline ("Morning Briefing: Amazon cuts, a dry
Amazon, and a frost for apple growers"): an item on job cuts confirms nothing about the
next one on a drought. The tagger reads each of its paragraphs alone (`items`).

A roundup is known by its headline: a label before a colon that names the format
("Morning Briefing:", "Europe Tech Brief:", "LIVE UPDATES:", "Episode 214:", "Campus
Notes:"), "The week in …:", "Five things to know …". A body's shape alone would not do:
wire copy also comes in short paragraphs, and there one sense per discourse is what finds a
bare "Claude" four paragraphs after "Anthropic".
"""

from __future__ import annotations

import re

__all__ = ["headline_items", "is_roundup", "items"]

# The label's words: what a format of separate items calls itself.
_FORMATS = (
    r"briefing|brief|digest|roundup|round-up|newsletter|notes|ledger|live|updates|"
    r"episode|podcast|bulletin|recap|wrap|wrap-up|headlines|dispatch|arts|"
    r"week in \w+|day in \w+|month in \w+|things to know|what we're reading|in brief"
)
_LABEL = re.compile(rf"^[^:]{{0,60}}?\b(?:{_FORMATS})\b[^:]{{0,30}}:\s*\S", re.IGNORECASE)
_LEADS = re.compile(
    r"^(?:the\s+)?(?:week|day|month)\s+in\s+\w+\b|^(?:\w+|\d+)\s+things\s+to\s+know\b",
    re.IGNORECASE,
)
# A paragraph: text between blank lines (or single line breaks, which feeds also use).
_BREAK = re.compile(r"\n\s*\n|\n")


def is_roundup(title: str) -> bool:
    """Whether the headline names a format of separate items."""
    title = title.strip()
    return bool(_LABEL.match(title) or _LEADS.match(title))


def items(text: str) -> list[tuple[int, int]]:
    """The paragraphs of text, as (start, end) offsets, blank ones left out."""
    return _parts(text, _BREAK)


def _parts(text: str, joints: re.Pattern[str]) -> list[tuple[int, int]]:
    """The parts of text between matches of `joints`, as (start, end), blank ones left out."""
    spans = []
    at = 0
    for m in joints.finditer(text):
        if text[at : m.start()].strip():
            spans.append((at, m.start()))
        at = m.end()
    if text[at:].strip():
        spans.append((at, len(text)))
    return spans


# Between a roundup headline's items: "Morning Briefing: Amazon cuts, a dry Amazon, and a
# frost for apple growers".
_HEADLINE_JOINTS = re.compile(r"\s*(?:[:;,|•]|\s[-–—]\s)\s*(?:and\s+)?|\s+and\s+")


def headline_items(title: str) -> list[tuple[int, int]]:
    """A roundup headline's label and items, as (start, end) offsets."""
    spans = _parts(title, _HEADLINE_JOINTS)
    # A list of names is one item: "Episode 214: Claude, Copilot and the end of the search
    # box" reads "Claude, Copilot" together (a name listed beside one that counts counts).
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if len(merged) > 1 and _bare_name(title[lo:hi]) and _bare_name(title[slice(*merged[-1])]):
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def _bare_name(part: str) -> bool:
    """Whether a headline's item is a name alone ("Mistral", "Thinking Machines")."""
    words = part.split()
    return 0 < len(words) <= 2 and all(w[:1].isupper() for w in words)

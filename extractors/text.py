"""Small text helpers shared by the extractors: HTML fragments to text, sentence spans."""

from __future__ import annotations

import html
import re

import lxml.html
from lxml.etree import ParserError

_PARAGRAPH_TAGS = (
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "table",
)
_LINE_TAGS = ("br", "li", "tr")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (feed summaries and content); never raises on junk."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return _tidy(html.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return _tidy(html.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for el in root.iter(*_PARAGRAPH_TAGS):
        el.tail = "\n\n" + (el.tail or "")
    for el in root.iter(*_LINE_TAGS):
        el.tail = "\n" + (el.tail or "")
    return _tidy(root.text_content())


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# A sentence ends at . ! ? or … (optionally followed by closing quotes or brackets) and
# whitespace, or at a line break. Good enough to show a mention in context. Group 1 is the
# mark and its closers: where the sentence's text ends. (The lookahead changes no match; it
# lets the regex engine skip to candidate characters, twice as fast.)
_SENTENCE_END = re.compile(r"(?=[.!?…\n])(?:([.!?…][\"'”’)\]]*)\s+|\n+)")
# Periods that end abbreviations, not sentences ("Sept. 25", "Mr. Altman", "U.S. officials").
_ABBREVIATIONS = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms dr prof st jr sr inc corp co "
    "ltd vs no approx est gov sen rep gen".split()
)
_LAST_WORD = re.compile(r"([\w.]+)[.]$")


def _abbreviation(text: str, period: int) -> bool:
    """Whether the period at `period` ends an abbreviation rather than a sentence."""
    word = _LAST_WORD.search(text, max(0, period - 20), period + 1)
    if word is None:
        return False
    token = word.group(1).lower()
    if len(token) == 1 and _LETTER_NAMED.search(text, max(0, word.start() - 12), word.start()):
        return False  # "raised $50 million in a Series B. The company …": a name, not an initial
    # "U.S." and single initials are abbreviations; so are the words listed above.
    return token in _ABBREVIATIONS or len(token) == 1 or "." in token


# words a capital letter names a thing after ("Series B", "Class A", "Plan B"), where the letter
# followed by a period ends the sentence
_LETTER_NAMED = re.compile(
    r"\b(?:Series|Class|Round|Plan|Type|Tier|Phase|Grade|Category|Group)\s+$"
)


# The longest sentence analysed whole. Real sentences are far shorter (779 WCXB articles,
# 101,120 sentences: median 81 characters, 99.99th percentile 754, longest 1,831), so a
# longer one is run-on text (a page with no full stops), cut into pieces no longer than
# this: every later stage (contexts, deal rules) then works on bounded sentences.
MAX_SENTENCE_CHARS = 1000
# Where a run-on sentence is cut, best first: after a semicolon or a dash, after a comma,
# before a conjunction; else at a space, else anywhere. Each is looked for in the second half
# of the piece, so no piece is needlessly short.
_CUT_AFTER = ("; ", " — ", " – ", ", ")
_CUT_BEFORE = (" and ", " but ", " or ", " while ", " which ", " that ")


def sentence_spans(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, covering it in order: the text between two
    sentence ends, less the whitespace it ends with, when anything is left. A sentence longer
    than `max_chars` comes as several pieces, none longer (see `split_run_on`). Spans are read
    off the matches, without slicing each sentence out (tagging asks for them per article)."""
    spans: list[tuple[int, int]] = []
    for start, end in _sentences(text):
        if end - start > max_chars:
            spans.extend(split_run_on(text, start, end, max_chars))
        else:
            spans.append((start, end))
    return spans


def split_run_on(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """`text[start:end]` as pieces of at most `max_chars` characters, cut at a clause
    boundary where there is one in the second half of a piece, else at a space, else hard.
    Each piece costs one look at at most `max_chars` characters: linear in the text."""
    max_chars = max(2, max_chars)
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = _cut(text, start, start + max_chars)
        stop = cut
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        if stop > start:
            pieces.append((start, stop))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def _cut(text: str, start: int, limit: int) -> int:
    """Where the piece starting at `start` ends, at most at `limit`."""
    half = start + (limit - start) // 2
    for mark in _CUT_AFTER:
        at = text.rfind(mark, half, limit)
        if at >= 0:
            return at + len(mark.rstrip())  # the mark stays with the piece it ends
    for word in _CUT_BEFORE:
        at = text.rfind(word, half, limit)
        if at > start:
            return at  # the conjunction opens the next piece
    at = text.rfind(" ", start + 1, limit + 1)
    return at if at > start else limit


def _sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        stop = m.end(1)
        if stop < 0:  # a line break; the sentence ends at its last non-space character
            stop = m.start()
            while stop > start and text[stop - 1].isspace():
                stop -= 1
        else:
            # Not an end when the next sentence would start in lower case or with a digit
            # ("approx. 5", "e.g. this"), nor after an abbreviation.
            if end < n and (text[end].islower() or text[end].isdigit()):
                continue
            if text[m.start()] == "." and _abbreviation(text, m.start()):
                continue
        if stop > start:
            spans.append((start, stop))
        start = end
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans

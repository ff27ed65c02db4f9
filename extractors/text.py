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
# whitespace, or at a line break. Good enough to show a mention in context.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+|\n+")
# Periods that end abbreviations, not sentences ("Sept. 25", "Mr. Altman", "U.S. officials").
_ABBREVIATIONS = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms dr prof st jr sr inc corp co "
    "ltd vs no approx est gov sen rep gen".split()
)
_LAST_WORD = re.compile(r"([\w.]+)[.]$")


def _ends_sentence(text: str, m: re.Match[str]) -> bool:
    if m.group().startswith("\n"):
        return True
    following = text[m.end() : m.end() + 1]
    if following and (following.islower() or following.isdigit()):
        return False
    word = _LAST_WORD.search(text, max(0, m.start() - 20), m.start() + 1)
    if word and text[m.start()] == ".":
        token = word.group(1).lower()
        # "U.S." and single initials are abbreviations; so are the words listed above.
        if token in _ABBREVIATIONS or len(token) == 1 or "." in token:
            return False
    return True


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, covering it in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if not _ends_sentence(text, m):
            continue
        end = m.end()
        stripped = text[start:end].rstrip()
        if stripped.strip():
            spans.append((start, start + len(stripped)))
        start = end
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans

"""Untrusted text made into HTML for `labwatch web`: search snippets with the query's words
marked, and an article's text with its mentions marked and linked.

Every piece of stored text goes through `escape` on its own, and only our own <mark> and <a>
tags are put between the escaped pieces, so no markup from a feed or a page can survive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

SNIPPET_CHARS = 240


def _term_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """Any of the words at the start of a word (stems: "deal" marks "deals"), longest first."""
    terms = sorted({w for w in words if w}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile(
        r"(?<![^\W_])(" + "|".join(re.escape(t) for t in terms) + r")[^\W_]*", re.IGNORECASE
    )


def marked(text: str, pattern: re.Pattern[str] | None) -> Markup:
    """`text` escaped, with each match of `pattern` in <mark>."""
    if pattern is None:
        return escape(text)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out += [
            escape(text[pos : m.start()]),
            Markup("<mark>%s</mark>") % text[m.start() : m.end()],
        ]
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def stem_words(words: Iterable[str]) -> list[str]:
    """The words a snippet marks: the query's, with a plural or -ing/-ed ending cut so that
    the word's other forms are marked too (as the index's stemmer matches them)."""
    out = []
    for w in words:
        w = w.lower()
        for end in ("ing", "ed", "es", "s"):
            if len(w) > len(end) + 2 and w.endswith(end):
                w = w[: -len(end)]
                break
        out.append(w)
    return out


def snippet(
    text: str | None,
    words: Iterable[str],
    phrases: Iterable[str] = (),
    chars: int = SNIPPET_CHARS,
) -> Markup:
    """About `chars` characters of `text` around the first place one of the `phrases`
    (regular expressions) matches, else the first place the query's words appear, escaped,
    with the words marked; the text's start when none appears."""
    text = " ".join((text or "").split())
    pattern = _term_pattern(stem_words(words))
    m = next(filter(None, (re.search(p, text) for p in phrases)), None)
    m = m or (pattern.search(text) if pattern else None)
    start = max(0, m.start() - chars // 3) if m else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    piece = text[start : start + chars]
    end = piece.rfind(" ") if start + chars < len(text) else -1
    piece = piece[:end] if end > chars // 2 else piece
    return Markup("%s%s%s") % (
        "… " if start else "",
        marked(piece, pattern),
        " …" if start + len(piece) < len(text) else "",
    )


def entity_href(entity_id: str) -> str:
    return "/entity/" + quote(entity_id, safe="")


def with_mentions(
    text: str | None, mentions: list[dict[str, Any]], *, paragraphs: bool = True
) -> Markup:
    """`text` escaped, each mention (start/end offsets into it) marked and linked to its
    entity's page. Mentions that overlap one already marked, or fall outside the text (a
    text replaced since), are left out; paragraphs become <p>."""
    text = text or ""
    out: list[Markup] = []
    pos = 0
    for m in sorted(mentions, key=lambda m: (m["start_offset"], -m["end_offset"])):
        start, end = int(m["start_offset"]), int(m["end_offset"])
        if start < pos or end > len(text) or start >= end:
            continue
        out.append(escape(text[pos:start]))
        out.append(
            Markup('<a class="mention k-%s" href="%s" title="%s"><mark>%s</mark></a>')
            % (m.get("kind") or "other", entity_href(m["entity_id"]), m.get("name") or "",
               text[start:end].replace("\n", " "))
        )  # fmt: skip
        pos = end
    out.append(escape(text[pos:]))
    html = str(Markup("").join(out))
    if not paragraphs:
        return Markup(html)
    # Paragraph breaks are newlines in the stored text, and escaping keeps them as they are.
    parts = [p.strip() for p in re.split(r"\n\s*\n|\n", html) if p.strip()]
    return Markup("".join(f"<p>{p}</p>" for p in parts))

"""Readability as the second opinion: trafilatura's fork, with the rules of
extractors/readability.py, and no readability-lxml needed."""

from __future__ import annotations

import subprocess
import sys

from extractors.candidates import READABILITY, parse, readability_text

PARAGRAPHS = [
    f"Paragraph {n} of the report says the river authority will dredge the channel, widen the "
    f"towpath, and replace the lock gates, which date from the last century, before spring."
    for n in range(1, 9)
]
NAV = '<nav class="menu"><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>'


def text_of(html: str) -> str:
    tree = parse(html)
    assert tree is not None
    return readability_text(tree)


def test_a_body_cut_into_same_class_segments_is_kept_whole() -> None:
    # One section per wrapper, the wrappers not siblings: the fork alone keeps one section.
    sections = "".join(
        f'<section><h2>Part {i}</h2><div class="story-text"><p>{a}</p><p>{b}</p></div></section>'
        for i, (a, b) in enumerate(zip(PARAGRAPHS[::2], PARAGRAPHS[1::2], strict=True))
    )
    text = text_of(f"<html><body>{NAV}<div>{sections}</div></body></html>")
    for p in PARAGRAPHS:
        assert p in text
    assert "Sport" not in text


def test_a_body_inside_an_unclosed_header_is_not_dropped_as_chrome() -> None:
    # `class="header"` reads as chrome, but the element holds the <article>.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    text = text_of(
        f'<html><body><div class="header">{NAV}<article>{body}</article></div></body></html>'
    )
    assert all(p in text for p in PARAGRAPHS)


def test_the_main_element_is_taken_when_it_holds_much_more_than_the_best_container() -> None:
    lead = f'<div class="lead"><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></div>'
    rest = "".join(f"<div><h3>Item</h3><ul><li>{p}</li></ul></div>" for p in PARAGRAPHS[2:])
    text = text_of(f"<html><body>{NAV}<main>{lead}{rest}</main></body></html>")
    assert all(p in text for p in PARAGRAPHS)
    assert "Sport" not in text


def test_a_page_of_chrome_classes_only_is_tried_again_leniently() -> None:
    # Everything sits in elements whose classes read as chrome; the first pass removes it
    # all, the retry scores it.
    body = "".join(f'<div class="extra-item"><p>{p}</p></div>' for p in PARAGRAPHS[:3])
    text = text_of(f'<html><body><div class="extra">{body}</div></body></html>')
    assert all(p in text for p in PARAGRAPHS[:3])


def test_readability_lxml_is_not_needed() -> None:
    # The package is gone from the requirements; importing and running extraction must not
    # reach for it (a None entry in sys.modules makes any import of it fail).
    code = (
        "import sys; sys.modules['readability'] = None\n"
        "from extractors.article import extract_article\n"
        f"body = ''.join('<p>' + p + '</p>' for p in {PARAGRAPHS!r})\n"
        "a = extract_article('<html><body><article>' + body + '</article></body></html>', 'https://r.example/a')\n"
        "assert a is not None and 'Paragraph 8' in a.text\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert READABILITY.startswith("trafilatura-") and READABILITY.endswith(":readability")

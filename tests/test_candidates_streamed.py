"""Pages streamed by React: their parts put back where the page's scripts would put them."""

from __future__ import annotations

from extractors.article import extract_article
from extractors.streamed import assemble

INTRO = (
    "The harbour authority published its plan for the eastern quay on Monday, after two years "
    "of consultation with the fishing fleet, the ferry operator and the residents nearby."
)
SECTIONS = [
    "The first phase rebuilds the sea wall, which was damaged in the storms of last winter and "
    "has been closed to the public since, at a cost the authority puts at four million.",
    "The second phase moves the fish market indoors, next to the ferry terminal, so that lorries "
    "no longer cross the promenade on their way to the motorway in the early morning.",
    "The third phase, still unfunded, would turn the old customs house into a museum of the "
    "port's history, with a café on its roof and rooms for the sailing club below it.",
]


def streamed_page(*, scripts: bool = True) -> str:
    """A page as React's server streams it: placeholders with fallbacks where the sections go,
    the sections themselves hidden at the foot, and the calls that move them."""
    calls = '<script>$RC("B:0","S:0")</script><script>$RS("S:1","P:1")</script>'
    return (
        "<!DOCTYPE html><html><head><title>Quay plan</title></head><body>"
        '<header class="site-header"><a href="/">Harbour News</a></header>'
        "<main><article><h1>Quay plan published</h1>"
        f"<p>{INTRO}</p>"
        '<!--$?--><template id="B:0"></template><div>Loading paragraph...</div><!--/$-->'
        '<div class="later"><template id="P:1"></template></div>'
        "</article></main>"
        '<footer class="site-footer"><p>Harbour News, all rights reserved.</p></footer>'
        f'<div hidden id="S:0"><div class="body"><p>{SECTIONS[0]}</p><p>{SECTIONS[1]}</p></div></div>'
        f'<div hidden id="S:1"><p>{SECTIONS[2]}</p></div>'
        + (calls if scripts else "")
        + "</body></html>"
    )


def test_segments_are_moved_into_their_placeholders_and_fallbacks_dropped() -> None:
    page = assemble(streamed_page())
    assert "Loading paragraph" not in page
    assert 'hidden id="S:' not in page and "<template" not in page
    # In the article, in reading order, before the footer.
    places = [page.index(text[:40]) for text in [INTRO, *SECTIONS]]
    assert places == sorted(places)
    assert places[-1] < page.index("all rights reserved")
    assert page.index("</article>") > places[-1]


def test_without_the_scripts_react_numbering_pairs_them() -> None:
    # Some saved pages keep the hidden parts but not the inline scripts.
    page = assemble(streamed_page(scripts=False))
    assert "Loading paragraph" not in page
    assert page.index(SECTIONS[2][:40]) < page.index("</article>")


def test_pages_without_streamed_parts_are_returned_unchanged() -> None:
    plain = f"<html><body><article><p>{INTRO}</p></article></body></html>"
    assert assemble(plain) is plain
    # A hidden segment with no placeholder anywhere: nothing to move, nothing changed.
    orphan = f'<html><body><p>{INTRO}</p><div hidden id="S:4"><p>x</p></div></body></html>'
    assert assemble(orphan) == orphan


def test_a_boundary_without_its_closing_comment_keeps_what_follows() -> None:
    # Where the fallback ends is unknown: nothing after the template is removed.
    page = (
        f'<html><body><article><p>{INTRO}</p><template id="B:0"></template>'
        f"<p>{SECTIONS[1]}</p></article>"
        f'<div hidden id="S:0"><p>{SECTIONS[0]}</p></div></body></html>'
    )
    out = assemble(page)
    assert out.index(SECTIONS[0][:40]) < out.index(SECTIONS[1][:40]) < out.index("</article>")


def test_the_article_text_holds_every_streamed_section() -> None:
    article = extract_article(streamed_page(), "https://harbour.example/quay-plan")
    assert article is not None
    for text in [INTRO, *SECTIONS]:
        assert text in article.text
    assert "Loading paragraph" not in article.text
    assert article.text.index(SECTIONS[0]) < article.text.index(SECTIONS[2])

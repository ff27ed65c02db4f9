"""Collapsed panels (accordions, FAQ answers) are body text; menus and dialogs stay out."""

from __future__ import annotations

import lxml.html

from extractors.article import extract_article
from extractors.candidates import parse
from extractors.disclosure import reveal

INTRO = (
    "Moving a beehive in winter is possible, but the colony is clustered and slow to recover, "
    "so most keepers wait for a mild spell and plan every step of the journey in advance."
)
STEPS = [
    "Close the entrance at dusk, when the foragers are home, with a strip of mesh that lets the "
    "bees breathe while the hive is carried to the car and strapped down for the drive.",
    "Drive slowly and keep the hive level; the combs are heavy with stored honey in winter and "
    "a sharp turn can break one loose from its frame, crushing the bees beneath it.",
    "Open the entrance the next morning, not at once: bees released at night fly towards the "
    "nearest light and are lost, while a short wait lets them settle and learn the new site.",
    "Leave the hive alone for a week afterwards; opening it in the cold costs the cluster the "
    "warmth it needs, and the bees will have sealed every gap with propolis by then anyway.",
    "Feed the colony fondant if the hive feels light when you lift its back edge, since a move "
    "costs the bees stores they would otherwise have kept for the end of the winter.",
]
MENU = "Shop hives Shop smokers Shop protective suits Beginner courses Gift cards"
DIALOG = "Subscribe to our beekeeping newsletter for seasonal reminders and offers"
SPARE = "Printer copy of the article kept for the share button"


def guide_page() -> str:
    """A guide whose steps are accordion panels, with a menu and a dialog opened the same way."""
    # Each panel hidden another way; the last one by a wrapper between it and its button.
    hiding = ['style="display:none"', "hidden", 'aria-hidden="true" class="collapsed"']
    hiding += ['class="answer hidden"', ""]
    panels = "".join(
        f'<div class="item"><h3><button aria-expanded="false" aria-controls="step-{i}">'
        f"Step {i + 1}</button></h3>"
        + ('<div class="wrap" style="height:0;display:none">' if not hide else "")
        + f'<div id="step-{i}" role="region" {hide}><p>{step}</p></div>'
        + ("</div>" if not hide else "")
        + "</div>"
        for i, (step, hide) in enumerate(zip(STEPS, hiding, strict=True))
    )
    return (
        "<!DOCTYPE html><html><head><title>Moving a hive in winter</title></head><body>"
        '<nav><button aria-controls="shop-menu" aria-expanded="false">Shop</button>'
        f'<div id="shop-menu" hidden><a href="/shop">{MENU}</a></div></nav>'
        "<main><article><h1>Moving a hive in winter</h1>"
        f"<p>{INTRO}</p>{panels}"
        '<button aria-controls="newsletter">Subscribe</button>'
        f'<div id="newsletter" role="dialog" style="display:none"><p>{DIALOG}</p></div>'
        f'<div style="display:none"><p>{SPARE}</p></div>'
        "</article></main></body></html>"
    )


def test_panels_named_by_a_control_are_opened_and_chrome_stays_hidden() -> None:
    tree = parse(guide_page())
    assert tree is not None
    assert reveal(tree) == 5
    for i in range(5):
        panel = tree.get_element_by_id(f"step-{i}")
        assert "display" not in (panel.get("style") or "")
        assert panel.get("hidden") is None and panel.get("aria-hidden") is None
        # The rest of the markup untouched.
        assert panel.get("class") == {2: "collapsed", 3: "answer"}.get(i)
    wrapper = tree.get_element_by_id("step-4").getparent()
    assert wrapper.get("style") == "height:0;"
    assert tree.get_element_by_id("shop-menu").get("hidden") is not None  # in <nav>
    assert "display:none" in tree.get_element_by_id("newsletter").get("style")  # a dialog


def test_other_declarations_of_the_style_are_kept() -> None:
    tree = lxml.html.fromstring(
        '<div><a aria-controls="a b">More</a>'
        '<div id="a" style="padding: 4px; display: none !important; color: red">x</div>'
        '<div id="b" style="VISIBILITY:hidden">y</div></div>'
    )
    assert reveal(tree) == 2
    assert tree.get_element_by_id("a").get("style") == "padding: 4px; color: red"
    assert tree.get_element_by_id("b").get("style") == ""


def test_a_page_without_controls_is_left_as_it_is() -> None:
    page = f'<html><body><article><p>{INTRO}</p><div hidden id="x"><p>{SPARE}</p></div></article></body></html>'
    tree = parse(page)
    assert tree is not None
    before = lxml.html.tostring(tree)
    assert reveal(tree) == 0
    assert lxml.html.tostring(tree) == before


def test_the_article_text_holds_every_step_and_no_chrome() -> None:
    article = extract_article(guide_page(), "https://bees.example/moving-a-hive")
    assert article is not None
    for text in (INTRO, *STEPS):
        assert text in article.text
    for chrome in (MENU, DIALOG, SPARE):
        assert chrome not in article.text


def test_a_hidden_block_holding_the_button_too_stays_hidden() -> None:
    # Only the wrappers between a panel and its button are opened: a block that hides both
    # (a copy kept for the page's scripts) is not one the button opens.
    tree = lxml.html.fromstring(
        '<div><div id="copy" hidden><button aria-controls="p">More</button>'
        '<div id="p" style="display:none">text</div></div></div>'
    )
    assert reveal(tree) == 1
    assert tree.get_element_by_id("copy").get("hidden") is not None

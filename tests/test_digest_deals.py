"""The digest's deal cards show each deal's status and the roles of a round's backers."""

from __future__ import annotations

from pathlib import Path

from extractors.records import Deal
from flows.digest import build_digest
from flows.settings import load_settings
from tests.test_digest import AFTER, WEEK, analysed, day, store

ROUND = Deal(
    "investment", "nvidia", "perplexity", 200e6, 200e6, "", None,
    "Perplexity AI raised $200 million in a round led by Nvidia and Salesforce.", 0,
    roles=(("nvidia", "lead"), ("salesforce", "lead"), ("ibm", "participant")),
)  # fmt: skip
TALKS = Deal(
    "investment", "apple", "mistral-ai", None, None, "", None,
    "Apple is in talks to invest in Mistral AI.", 0, status="in_talks",
)  # fmt: skip


def digest_of(home: Path, second: tuple[str, dict[str, int], Deal]) -> tuple[str, str]:
    """The week's digest (Markdown, HTML) of the round above and one more article."""
    settings = load_settings(home)
    key, entities, deal = second
    store(settings, [
        analysed("r1", day(0, 1), {"perplexity": 1, "nvidia": 1}, deals=(ROUND,)),
        analysed(key, day(0, 2), entities, deals=(deal,)),
    ])  # fmt: skip
    result = build_digest(settings, WEEK, AFTER)
    return result.markdown.read_text(encoding="utf-8"), result.html.read_text(encoding="utf-8")


def test_deal_cards_show_status_and_roles(home: Path) -> None:
    markdown, html = digest_of(home, ("t1", {"apple": 1, "mistral-ai": 1}, TALKS))
    assert "- **Investment**: Nvidia → Perplexity, \\$200M; 1 source this week" in markdown
    assert "  Led by Nvidia and Salesforce; with IBM\n" in markdown
    assert "- **Investment** *(in talks)*: Apple → Mistral AI, undisclosed" in markdown
    assert '<span class="tag status">in talks</span>' in html
    assert '<p class="roles">Led by Nvidia and Salesforce; with IBM</p>' in html
    # A reported deal carries no status tag.
    card = html[html.index("Perplexity</strong>") - 200 : html.index("Perplexity</strong>")]
    assert "tag status" not in card


PARTNERS = Deal(
    "partnership", "anthropic", "google", None, None, "", None,
    "Anthropic and Google struck a partnership.", 0,
)  # fmt: skip


def test_a_partnership_has_no_direction(home: Path) -> None:
    """The two parties of a partnership are stored in alphabetical order: the digest links
    them with "↔", not the arrow that says who invests in or supplies whom."""
    markdown, html = digest_of(home, ("p1", {"anthropic": 1, "google": 1}, PARTNERS))
    assert "- **Partnership**: Anthropic ↔ Google, undisclosed" in markdown
    assert "Anthropic → Google" not in markdown
    assert "- **Investment**: Nvidia → Perplexity" in markdown
    assert "<strong>Anthropic</strong> ↔ <strong>Google</strong>" in html
    assert "<strong>Nvidia</strong> → <strong>Perplexity</strong>" in html

"""The weekly digest from a real warehouse: figures, escaping of hostile text, empty weeks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flows.digest import build_digest
from flows.digest_render import md, money, safe_url
from flows.settings import load_settings
from warehouse.append import insert_rows
from warehouse.articles import append_batch
from warehouse.database import open_warehouse

WEEK = "2026-W47"
IN_WEEK = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
LAST_WEEK = datetime(2026, 11, 11, 9, 30, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> | [link](javascript:alert(1))'


def article(aid: str, when: datetime, title: str, url: str, **extra: object) -> dict[str, object]:
    return {
        "article_id": aid, "url": url, "canonical_url": url, "title": title,
        "site_name": "Example News", "published_at": when, "text": "text",
        "text_source": "page", "fetched_at": when, "run_id": "r",
        "entry_key": aid, "entry_url": url, "content_hash": aid,
    } | extra  # fmt: skip


def mention(aid: str, entity: str, start: int) -> dict[str, object]:
    return {
        "article_id": aid, "entity_id": entity, "surface": entity, "start_offset": start,
        "end_offset": start + 3, "sentence": "s", "in_title": False, "watchlist_version": "v",
    }  # fmt: skip


def fill(home: Path) -> None:
    with open_warehouse(home / "labwatch.duckdb") as con:
        insert_rows(
            con,
            "entities",
            [
                {"entity_id": "openai", "watchlist_version": "v", "name": "OpenAI", "kind": "lab"},
                {"entity_id": "aws", "watchlist_version": "v", "name": "AWS", "kind": "cloud"},
            ],
        )
        append_batch(
            con,
            [
                article("a", IN_WEEK, "Good story", "https://example.com/good", fingerprint=6),
                article("b", IN_WEEK, HOSTILE, "javascript:alert(document.cookie)"),
                article("c", LAST_WEEK, "Old story", "https://example.com/old"),
            ],
            [],
            [
                mention("a", "openai", 0),
                mention("a", "openai", 10),
                mention("a", "aws", 20),
                mention("b", "openai", 0),
                mention("c", "openai", 0),
            ],
            [
                {
                    "article_id": "a",
                    "kind": "investment",
                    "investor_id": "aws",
                    "target_id": "openai",
                    "amount_usd": 4e9,
                    "amount_max_usd": 4e9,
                    "qualifier": "up to",
                    "year": None,
                    "evidence": HOSTILE,
                }
            ],
        )

        # Two syndicated copies of the good story (fingerprints 1 bit off), on other sites.
        copies = [
            article("d", IN_WEEK, "Good story, again", "https://copy.example/g", fingerprint=7,
                    site_name="Copy Times"),
            article("e", IN_WEEK, "Good story 3", "https://third.example/g", fingerprint=7,
                    site_name="Third Post"),
        ]  # fmt: skip
        append_batch(con, copies, [], [], [])


def test_digest_figures_and_files(home: Path) -> None:
    fill(home)
    result = build_digest(load_settings(home), WEEK)
    assert (result.articles, result.mentions, result.deals) == (4, 4, 1)
    assert result.markdown == home / "digests" / f"{WEEK}.md"
    text = result.markdown.read_text(encoding="utf-8")
    assert "**4** articles from **3** sources (last week: 1)" in text
    assert "| OpenAI | lab | 3 | 2 | 1 | +200% |" in text
    assert "| AWS | cloud | 1 | 1 | 0 | new |" in text
    assert "up to $4B" in text
    # The three copies are one line: three sources, the others linked after it.
    assert (
        "1. [Good story](https://example.com/good) — Example News; 3 sources, 3 mentions "
        "(also: [Copy Times](https://copy.example/g), [Third Post](https://third.example/g))"
    ) in text
    assert "Good story, again" not in text and "Good story 3" not in text
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        assert con.execute("SELECT week, articles, deals FROM digests").fetchall() == [(WEEK, 4, 1)]


def test_hostile_text_is_escaped_in_html(home: Path) -> None:
    fill(home)
    html = build_digest(load_settings(home), WEEK).html.read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "javascript:alert(document.cookie)" not in html
    assert 'href="javascript' not in html
    assert "<script" not in html.lower()
    assert "Content-Security-Policy" in html


def test_hostile_text_is_escaped_in_markdown(home: Path) -> None:
    fill(home)
    text = build_digest(load_settings(home), WEEK).markdown.read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text
    assert "](javascript:" not in text
    assert "\\[link\\]\\(javascript:alert\\(1\\)\\)" in text


def test_empty_week_says_so(home: Path) -> None:
    fill(home)
    result = build_digest(load_settings(home), "2020-W01")
    assert result.articles == 0
    assert "No articles were stored for this week." in result.markdown.read_text(encoding="utf-8")
    assert "No articles were stored for this week." in result.html.read_text(encoding="utf-8")


def test_helpers() -> None:
    assert safe_url("https://example.com/a b") == "https://example.com/a%20b"
    assert safe_url("https://example.com/a)b") == "https://example.com/a%29b"
    assert safe_url("javascript:alert(1)") == ""
    assert safe_url("data:text/html,x") == ""
    assert safe_url("/relative") == ""
    assert md("a|b\nc") == "a\\|b c"
    assert money(400e6, 650e6, "reportedly") == "reportedly $400M–$650M"
    assert money(None, None) == "undisclosed"

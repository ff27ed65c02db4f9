"""Search as `labwatch web` and `labwatch search` share it: numbers are indexed, a quoted
phrase must appear as written, the whole query as a phrase ranks first; snippets and
article text made into HTML stay escaped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.web_text import snippet, with_mentions
from tests.test_search import article
from tests.test_search_build import extension_index
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.search import index_state, refresh_index, search, search_articles

T = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    filler = " ".join(["Billion apples and 38 pears."] * 4)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(
            con,
            [
                # BM25 likes this one best for "38 billion": "billion" over and over, and 38.
                article("noise", "Billion", filler, T),
                article("story", "Compute deal", "OpenAI signed a $38 billion deal with AWS.", T),
                article("other", "Another deal", "A deal of $380 million was signed.", T),
            ],
            [],
            [],
            [],
        )
        refresh_index(con)
        yield con


def ids(rows: list[dict[str, object]]) -> list[object]:
    return [r["article_id"] for r in rows]


def test_numbers_are_searchable(db: duckdb.DuckDBPyConnection) -> None:
    total, rows = search_articles(db, "38")
    assert total == 2 and set(ids(rows)) == {"noise", "story"}  # 380 is another number
    assert search(db, "380")[1][0][1] == "Another deal"  # the CLI's columns


def test_the_query_as_a_phrase_ranks_first(db: duckdb.DuckDBPyConnection) -> None:
    _, rows = search_articles(db, "$38 billion")
    assert ids(rows)[0] == "story"
    assert rows[0]["phrase"] and not rows[1]["phrase"]
    assert rows[1]["score"] > rows[0]["score"]  # BM25 alone would have put it second
    # Quoted: only articles holding the phrase.
    assert ids(search_articles(db, '"38 billion"')[1]) == ["story"]
    assert search_articles(db, '"billion 38"')[0] == 0
    # By date, then paged.
    total, page = search_articles(db, "deal", sort="date", limit=1, offset=1)
    assert total == 2 and len(page) == 1


def test_an_index_of_the_old_format_is_stale(db: duckdb.DuckDBPyConnection) -> None:
    # What an index built before numbers were indexed recorded: the articles' bare hash.
    db.execute(
        "UPDATE search_index_state SET fingerprint = (SELECT bit_xor(hash(article_id, title,"
        " text_source, content_hash)) FROM articles)"
    )
    assert index_state(db) == "stale"


def test_snippet_marks_words_in_escaped_text() -> None:
    text = "Intro. <b>OpenAI</b> signed a $38 billion deal & more words follow here."
    html = snippet(text, ["38", "billion"], [r"(?i)38[^a-z0-9]+billion"], chars=80)
    assert "<mark>38</mark> <mark>billion</mark>" in html
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;" in html


def test_mentions_marked_and_linked_text_escaped() -> None:
    text = "<script>x</script> OpenAI and AWS\n\nsecond paragraph"
    mentions = [
        {"entity_id": "openai", "name": "Open<AI>", "kind": "lab", "start_offset": 19,
         "end_offset": 25},
        {"entity_id": "aws", "name": "AWS", "kind": "cloud", "start_offset": 30, "end_offset": 33},
        {"entity_id": "x", "name": "x", "kind": "lab", "start_offset": 20, "end_offset": 24},
        {"entity_id": "gone", "name": "y", "kind": "lab", "start_offset": 90, "end_offset": 95},
    ]  # fmt: skip
    html = str(with_mentions(text, mentions))
    assert html.startswith("<p>&lt;script&gt;x&lt;/script&gt; <a class=")
    assert 'href="/entity/openai" title="Open&lt;AI&gt;"><mark>OpenAI</mark></a>' in html
    assert 'href="/entity/aws"' in html and "/entity/x" not in html and "gone" not in html
    assert html.endswith("<p>second paragraph</p>")


def test_the_web_searches_an_index_without_postings(tmp_path: Path) -> None:
    # An index built before the postings (searched with the fts extension's functions,
    # which the web loads before it locks the connection down), then one with them (no
    # extension: the answers are the same). Over real HTTP from the server on loopback.
    import urllib.request

    from tests.helpers import web_in_thread

    path = tmp_path / "labwatch.duckdb"
    with open_warehouse(path) as con:
        append_batch(con, [article("story", "Compute deal", "A $38 billion deal.", T)], [], [], [])
        refresh_index(con)
        extension_index(con)  # as built before the postings were
    with web_in_thread(tmp_path) as (base, _):
        url = f"{base}/api/search?q=38+billion"
        with urllib.request.urlopen(url, timeout=60) as response:
            before = response.read()
        with open_warehouse(path) as con:
            refresh_index(con)  # the postings built
        with urllib.request.urlopen(url, timeout=60) as response:
            after = response.read()
    assert b'"total":1' in before and b'"article_id":"story"' in before
    assert after == before

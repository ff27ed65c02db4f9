"""Search scores from the postings kept with the index (term x document BM25 parts) are
match_bm25's: the same articles, scores, order and totals as the search that calls
match_bm25 on every article (still used with an index built before the postings were)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.test_search import article
from tests.test_search_build import extension_index
from warehouse import search
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.search import has_postings, index_state, refresh_index, search_articles

WORDS = (
    "compute deal cloud provider chips lab model training inference funding round billion "
    "million partnership acquisition rain weather region revenue quarter growth data center "
    "GPU 38 2026 $4bn Anthropic OpenAI Amazon"
).split()
QUERIES = [
    "compute deal", "cloud", "38", "rain chips", "billion funding round", '"compute deal"',
    "the and of", "nothing-matches-this", "Anthropic's data centre", "GPU GPU gpu",
    # Phrases: only the articles holding each indexed word are read with the postings.
    '"38 billion"', '"rain" chips', '"the data center" revenue', '"funding round" "GPU"',
    '"the of"', '"$4bn"', '"chips chips"', '"anthropic\'s"', '"nothing matches"',
]  # fmt: skip


def random_articles(
    seed: int, count: int, hours: int, sentences: int, longest: int
) -> list[dict[str, object]]:
    """`count` articles of WORDS drawn at random (the same for the same seed): a title of 2 to
    8 words, a text of `sentences` sentences of 3 to `longest` words, published in the
    `hours` after 2026-01-01."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def words(low: int, high: int) -> str:
        return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))

    return [
        article(
            f"a{i}",
            words(2, 8),
            ". ".join(words(3, longest) for _ in range(sentences)),
            start + timedelta(hours=rng.randint(0, hours)),
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("holding_list", [search.HOLDING_LIST, 0])
def test_postings_give_match_bm25s_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, holding_list: int
) -> None:
    # 0: the documents holding a phrase's words are not listed first: every text is read.
    monkeypatch.setattr(search, "HOLDING_LIST", holding_list)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        articles = random_articles(seed=5, count=300, hours=2000, sentences=4, longest=30)
        append_batch(con, articles, [], [], [])
        refresh_index(con)
        assert has_postings(con)
        found = {
            (q, sort): search_articles(con, q, sort=sort, limit=50)
            for q in QUERIES
            for sort in ("relevance", "date")
        }
        assert found[('"38 billion"', "date")][0] > 0
        assert found[('"nothing matches"', "date")][0] == 0
        assert sum(total for total, _ in found.values()) > 1000
        # The index as the extension built it before the postings were: searched with
        # match_bm25 on every article.
        extension_index(con)
        assert not has_postings(con)
        for (q, sort), (total, rows) in found.items():
            old_total, old_rows = search_articles(con, q, sort=sort, limit=50)
            assert total == old_total, q
            assert [r["article_id"] for r in rows] == [r["article_id"] for r in old_rows], q
            assert [r["score"] for r in rows] == pytest.approx([r["score"] for r in old_rows])


def test_an_index_without_postings_is_stale_and_rebuilt_with_them(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        when = datetime(2026, 1, 1, tzinfo=UTC)
        append_batch(con, [article("a", "Compute deal", "A compute deal.", when)], [], [], [])
        refresh_index(con)
        extension_index(con)
        # As an index of the format before: its fingerprint does not match.
        con.execute("UPDATE search_index_state SET fingerprint = fingerprint + 1")
        assert index_state(con) == "stale"
        refresh_index(con)
        assert has_postings(con) and index_state(con) == "current"
        assert search_articles(con, "compute")[0] == 1


def test_pages_within_and_beyond_the_phrase_pool_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page within the pool is taken from it, one beyond it from every match: pages of
    # three read one after the other are the one long page, in both sorts.
    monkeypatch.setattr(search, "PHRASE_POOL", 5)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        articles = random_articles(seed=7, count=120, hours=50, sentences=1, longest=40)
        append_batch(con, articles, [], [], [])
        refresh_index(con)
        flagged = 0
        for q in ("compute deal", "cloud provider", "gpu", "lab model", "chips"):
            for sort in ("relevance", "date"):
                total, whole = search_articles(con, q, sort=sort, limit=30)
                assert total > 12, q
                paged = [
                    r
                    for offset in range(0, 30, 3)
                    for r in search_articles(con, q, sort=sort, limit=3, offset=offset)[1]
                ]
                assert [r["article_id"] for r in paged] == [r["article_id"] for r in whole]
                assert paged == whole  # every column: taken from the pool or from articles
                flagged += sum(r["phrase"] for r in whole)
        assert flagged


@pytest.mark.parametrize("pool", [search.PHRASE_POOL, 4])
def test_words_found_by_document_ids_give_the_search_by_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool: int
) -> None:
    # Words without phrases, filtered by time at most: ranked on document ids and the
    # documents' times kept with the index. Many ties (texts and times repeated), so the
    # article keys that break them decide; the same pages as the search joining every
    # match with its article (what runs when the times are not current).
    monkeypatch.setattr(search, "PHRASE_POOL", pool)
    rng = random.Random(11)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    texts = [" ".join(rng.choices(WORDS, k=rng.randint(3, 12))) for _ in range(6)]
    with open_warehouse(tmp_path / "w.duckdb") as con:
        articles = [
            article(f"a{i:03}", rng.choice(["Compute deal", "Cloud news", ""]),
                    rng.choice(texts), start + timedelta(hours=rng.randint(0, 6)))
            for i in range(150)
        ]  # fmt: skip
        append_batch(con, articles, [], [], [])
        search.refresh_index(con)
        assert search.times_current(con)
        asks = [
            (q, dict(sort=sort, limit=limit, offset=offset, since=since, until=until))
            for q in ("compute deal", "cloud", "38", "gpu chips lab", "nothing-matches-this")
            for sort in ("relevance", "date")
            for limit, offset in ((20, 0), (3, 2))
            for since, until in ((None, None), (start + timedelta(hours=2), None),
                                 (None, start + timedelta(hours=4)))
        ]  # fmt: skip
        found = [search_articles(con, q, **kw) for q, kw in asks]  # type: ignore[arg-type]
        assert sum(total for total, _ in found) > 1000

        def by_articles() -> list[tuple[int, list[dict[str, object]]]]:
            return [search_articles(con, q, **kw) for q, kw in asks]  # type: ignore[arg-type]

        con.execute("DROP TABLE fts_main_articles.doc_times_state")
        assert not search.times_current(con)
        assert by_articles() == found
        search.refresh_if_needed(con)  # the index is current: only the times are taken
        assert search.times_current(con)
        # An article's time moved (a feed gave an earlier date): not current until taken
        # again, and the answers are those of the new time either way.
        con.execute("UPDATE articles SET published_at = ? WHERE article_id = 'a007'", [start])
        assert search.index_state(con) == "current" and not search.times_current(con)
        moved = by_articles()
        assert moved != found
        search.refresh_if_needed(con)
        assert search.times_current(con)
        assert [search_articles(con, q, **kw) for q, kw in asks] == moved  # type: ignore[arg-type]

"""Search ranked in this process on document ids (warehouse/search_ranking.py) gives the rows
of the SQL search it replaced, column for column: totals, order, rounded scores, phrase flags,
texts, for words, numbers, quoted phrases, entity and kind filters, time ranges, both sorts
and pages within and beyond the phrase pool; on the storage bench's generated warehouse
(every article alike: ties everywhere, broken by time and key) and on articles of random
words (scores of every size). Also: the facts kept per state of the file follow a change,
the query's terms are those DuckDB's fts gives, and rows read by position or by time are
checked against their keys."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from benchmarks.run import WATCHLIST
from benchmarks.storage import generate
from extractors.watchlist import load_watchlist
from tests.test_search_postings import QUERIES, random_articles
from tests.test_warehouse import mention
from warehouse import index_facts, positions, query_terms, search, search_ranking
from warehouse.articles import append_batch
from warehouse.database import open_warehouse


def both_ways(
    con: duckdb.DuckDBPyConnection, path: Path, asks: list[tuple[str, dict[str, Any]]]
) -> int:
    """Each ask answered in process and by the SQL: the same; returns how many were answered
    in process (not left to the SQL)."""
    ranked = 0
    original = search_ranking.rank

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal ranked
        found = original(*args, **kwargs)
        ranked += found is not None
        return found

    search_ranking.rank = counted  # type: ignore[assignment]
    try:
        for q, kw in asks:
            search.RANK_IN_PROCESS = True
            new = search.search_articles(con, q, path=path, **kw)
            search.RANK_IN_PROCESS = False
            old = search.search_articles(con, q, **kw)
            assert new == old, (q, kw)
    finally:
        search.RANK_IN_PROCESS = True
        search_ranking.rank = original  # type: ignore[assignment]
    return ranked


def test_the_same_rows_on_the_generated_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(path) as con:
        generate(con, load_watchlist(WATCHLIST), 2000, 16_000)
        search.refresh_if_needed(con)
    newest = datetime.now(UTC)
    asks = [
        (q, kw)
        for q in ("cloud providers", "labs", "123", '"story 123"', '"synthetic story" 1234',
                  "ai industry 77", "nothing-matches-this", '"story 99" labs')
        for kw in (
            {}, {"sort": "date"}, {"limit": 100}, {"entity": "openai"}, {"entity": "amazon"},
            {"kind": "lab"}, {"kind": "cloud", "entity": "openai", "sort": "date"},
            {"limit": 7, "offset": 490}, {"sort": "date", "limit": 20, "offset": 600},
            {"since": newest - timedelta(days=40)},
            {"since": newest - timedelta(days=300), "until": newest - timedelta(days=100),
             "sort": "date"},
            {"entity": "not-an-entity"},
        )
    ]  # fmt: skip
    with open_warehouse(path, read_only=True) as con:
        assert search.entities_current(con) and search.times_current(con)
        assert both_ways(con, path, asks) > len(asks) // 2


def test_the_same_rows_on_random_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A small pool: pages within and beyond it; few texts read for phrases: some left to SQL.
    monkeypatch.setattr(search, "PHRASE_POOL", 25)
    monkeypatch.setattr(search_ranking, "PHRASE_TEXTS", 40)
    path = tmp_path / "w.duckdb"
    rng = random.Random(3)
    with open_warehouse(path) as con:
        articles = random_articles(seed=5, count=200, hours=500, sentences=3, longest=20)
        for a in articles[::7]:
            a["published_at"] = None  # undated: the fetch time counts, with ties
        names = ["openai", "anthropic", "amazon", "aws", "nvidia"]
        ments = [
            mention(str(a["article_id"]), k * 10, rng.choice(names))
            for a in articles
            for k in range(rng.randint(0, 3))
        ]
        append_batch(con, articles, [], ments, [])
        search.refresh_index(con)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    asks = [
        (q, kw)
        for q in QUERIES
        for kw in (
            {}, {"sort": "date"}, {"limit": 5, "offset": 3}, {"limit": 10, "offset": 20},
            {"sort": "date", "limit": 4, "offset": 30}, {"entity": "amazon"},
            {"kind": "lab", "sort": "date"}, {"since": start + timedelta(hours=100)},
            {"until": start + timedelta(hours=300), "entity": "openai"},
        )
    ]  # fmt: skip
    with open_warehouse(path, read_only=True) as con:
        assert both_ways(con, path, asks) > len(asks) // 3


def test_holding_lists_the_documents_holding_every_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(path) as con:
        append_batch(con, random_articles(seed=6, count=300, hours=90, sentences=2, longest=12),
                     [], [], [])  # fmt: skip
        search.refresh_index(con)
        facts = index_facts.read_facts(con)
        sets = [("rain",), ("rain", "chips"), ("38", "billion", "gpu"), ("compute", "deal"),
                ("rain", "weather", "region", "quarter", "growth"),
                tuple("rain weather region revenue quarter growth data center gpu lab".split())]  # fmt: skip
        held = []
        for words in sets:
            terms = search._term_ids(con, words, facts, {})
            assert terms is not None
            want = con.execute(
                "SELECT docid FROM fts_main_articles.postings"
                " WHERE termid IN (SELECT unnest($t::BIGINT[]))"
                " GROUP BY docid HAVING count(*) = $n ORDER BY docid",
                {"t": terms, "n": len(terms)},
            ).fetchall()
            held.append(search._holding(con, terms))
            assert held[-1] == [r[0] for r in want], words
        assert held[-1] == [] and all(held[:-1])
        # Postings read in docid order are taken as they come; any other order is sorted.
        checks = [[], [4], [1, 5, 9], [1, 1, 2], [3, 1]]
        assert [search._ascending(np.asarray(c, dtype=np.int64)) for c in checks] == [
            True,
            True,
            True,
            False,
            False,
        ]
        # Even the rarest word in more documents than HOLDING_LIST: none listed.
        monkeypatch.setattr(search, "HOLDING_LIST", 3)
        assert search._holding(con, search._term_ids(con, ("rain",), facts, {}) or []) is None


class Statements:
    """A connection that keeps the SQL of each statement it runs (for what rank reads)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.sql: list[str] = []

    def execute(self, sql: str, *args: Any) -> duckdb.DuckDBPyConnection:
        self.sql.append(sql)
        return self.con.execute(sql, *args)


def test_phrases_with_too_many_texts_to_read_are_left_before_any_posting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(path) as con:
        articles = random_articles(seed=9, count=200, hours=400, sentences=3, longest=20)
        append_batch(con, articles, [], [], [])
        search.refresh_index(con)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with open_warehouse(path, read_only=True) as con:
        facts = index_facts.read_facts(con)
        terms = search._term_ids(con, ("funding", "round"), facts, {})
        assert terms is not None
        holding = search._holding(con, terms)
        assert holding is not None and len(holding) > 20
        times = search_ranking.DocTimes(con)
        monkeypatch.setattr(search_ranking, "PHRASE_TEXTS", len(holding) - 1)
        ask: dict[str, Any] = {
            "holding": holding, "phrases": [search.phrase_sql(("funding", "round"))],
            "whole": search.phrase_sql(("funding", "round")), "entity_sets": [],
            "since": None, "until": None, "sort": "relevance", "limit": 20, "offset": 0,
            "pool_size": 500, "site": search._SITE,
        }  # fmt: skip
        seen = Statements(con)
        assert search_ranking.rank(seen, times, terms, **ask) is None  # type: ignore[arg-type]
        assert not any("postings" in sql for sql in seen.sql)
        # A time range leaving few enough: ranked here, and as the SQL ranks them.
        ask["since"] = start + timedelta(hours=300)
        seen = Statements(con)
        found = search_ranking.rank(seen, times, terms, **ask)  # type: ignore[arg-type]
        assert found is not None and any("postings" in sql for sql in seen.sql)
        search.RANK_IN_PROCESS = False
        try:
            want = search.search_articles(
                con, '"funding round"', since=start + timedelta(hours=300)
            )
        finally:
            search.RANK_IN_PROCESS = True
        assert found == want and want[0] > 0


def test_phrases_are_looked_for_at_positions_checked_against_their_keys(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(path) as con:
        append_batch(con, random_articles(seed=9, count=200, hours=90, sentences=3, longest=20),
                     [], [], [])  # fmt: skip
        search.refresh_index(con)
        facts = index_facts.read_facts(con)
        terms = search._term_ids(con, ("funding", "round"), facts, {})
        assert terms is not None
        holding = np.asarray(search._holding(con, terms), dtype=np.int64)
        pattern = search.phrase_sql(("funding", "round"))
        by_key = con.execute(
            "SELECT d.docid FROM fts_main_articles.docs d JOIN articles a ON a.article_id = d.name"
            " WHERE regexp_matches(coalesce(a.title, '') || ' ' || coalesce(a.text, ''), $p)"
            " ORDER BY d.docid",
            {"p": pattern},
        ).fetchall()
        held = search_ranking._holding_phrases(con, holding, [pattern])
        assert held is not None and 0 < len(held) < len(holding)
        assert sorted(held.tolist()) == [r[0] for r in by_key]
        # Two documents whose articles are not where their ids say (as after a rewrite of
        # the table): not read there, but left to the SQL, which reads by key.
        first, other = int(holding[0]), int(holding[-1])
        con.execute(
            "UPDATE fts_main_articles.docs SET name = CASE docid WHEN $a THEN"
            " (SELECT name FROM fts_main_articles.docs WHERE docid = $b) ELSE"
            " (SELECT name FROM fts_main_articles.docs WHERE docid = $a) END"
            " WHERE docid IN ($a, $b)",
            {"a": first, "b": other},
        )
        assert search_ranking._holding_phrases(con, holding, [pattern]) is None
        assert search_ranking._holding_phrases(con, holding[1:-1], [pattern]) is not None


def test_facts_follow_the_file(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    when = datetime(2025, 6, 1, tzinfo=UTC)  # before every article
    with open_warehouse(path) as con:
        append_batch(con, random_articles(seed=1, count=20, hours=5, sentences=2, longest=9),
                     [], [], [])  # fmt: skip
        search.refresh_index(con)
    with open_warehouse(path, read_only=True) as con:
        facts = index_facts.facts(con, path)
        assert facts.state == "current" and facts.times_current and facts.entities_current
        assert index_facts.facts(con, path) is facts  # kept
    with open_warehouse(path) as con:  # an article's date moves: the times are not current
        con.execute("UPDATE articles SET published_at = ? WHERE article_id = 'a3'", [when])
    with open_warehouse(path, read_only=True) as con:
        moved = index_facts.facts(con, path)
        assert moved.state == "current" and not moved.times_current
        assert moved == index_facts.read_facts(con)
    with open_warehouse(path) as con:
        con.execute("DELETE FROM search_index_state")
    with open_warehouse(path, read_only=True) as con:
        assert index_facts.facts(con, path).state == "stale"


def test_query_terms_are_the_fts_extensions(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(path) as con:
        append_batch(con, random_articles(seed=2, count=30, hours=5, sentences=3, longest=20),
                     [], [], [])  # fmt: skip
        search.refresh_index(con)
        facts = index_facts.read_facts(con)
        search.load_fts(con)
        text = "Running runners ran the Anthropic's data-centres $38bn, naïve CAFÉ 2026 of and"
        want = con.execute(
            "SELECT DISTINCT stem(unnest(fts_main_articles.tokenize($q)), 'porter')", {"q": text}
        ).fetchall()
        assert sorted(query_terms.terms(facts.tokenize, text)) == sorted(r[0] for r in want)
        kept = con.execute(
            "SELECT DISTINCT stem(w, 'porter') FROM (SELECT unnest(fts_main_articles.tokenize($q))"
            " AS w) WHERE w <> '' AND w NOT IN (SELECT sw FROM fts_main_articles.stopwords)",
            {"q": text},
        ).fetchall()
        assert sorted(query_terms.terms(facts.tokenize, text, facts.stopwords)) == sorted(
            r[0] for r in kept
        )
        # Every indexed word's stem: the index's vocabulary comes out of the same stemmer.
        words = " ".join(
            str(r[0])
            for r in con.execute(
                "SELECT DISTINCT unnest(fts_main_articles.tokenize(title || ' ' || text))"
                " FROM articles"
            ).fetchall()
        )
        assert set(query_terms.terms(facts.tokenize, words, facts.stopwords)) == {
            str(r[0]) for r in con.execute("SELECT term FROM fts_main_articles.dict").fetchall()
        }


def test_reads_by_position_and_time_are_checked(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, random_articles(seed=4, count=40, hours=900, sentences=1, longest=5),
                     [], [], [])  # fmt: skip
        rows = con.execute("SELECT rowid, article_id, published_at FROM articles").fetchall()
        right = [(int(p), str(k)) for p, k, _ in rows[:5]]
        wrong = [(int(p) + 7, str(k)) for p, k, _ in rows[10:15]]  # positions of other rows
        found = positions.rows_at(con, "articles", "article_id", right + wrong, "a.title")
        want = dict(con.execute("SELECT article_id, title FROM articles").fetchall())
        assert {k: r["title"] for k, r in found.items()} == {k: want[k] for _, k in right + wrong}
        hints = [(str(k), t) for _, k, t in rows[:6]]
        hints.append((str(rows[7][1]), rows[0][2]))  # a time out of step: found by its key
        by_time = positions.articles_by_time(con, hints, "a.title")
        assert {k: r["title"] for k, r in by_time.items()} == {k: want[k] for k, _ in hints}


def test_scores_are_rounded_as_duckdb_rounds() -> None:
    rng = random.Random(8)
    scores = [rng.random() * 30 for _ in range(20_000)]
    scores += [(k + 0.5) / 10_000 for k in range(0, 300_000, 11)]  # halves, as written
    scores += [math.nextafter(s, 0) for s in scores[-3000:]] + [0.0, 2.00005, 12.34565]
    want = duckdb.execute(
        "SELECT list_transform($s::DOUBLE[], x -> round(x, 4))", {"s": scores}
    ).fetchone()
    assert want is not None
    assert [search_ranking.rounded(s) for s in scores] == want[0]
    assert any(search_ranking.rounded(s) != round(s, 4) for s in scores)  # not Python's

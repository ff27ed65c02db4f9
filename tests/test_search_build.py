"""The search index labwatch builds (warehouse/search.py `_BUILD`) holds what DuckDB's fts
extension builds with `create_fts_index`: the same stopwords and tokenize macro, documents
and lengths, terms and document frequencies, corpus statistics, and postings scored by
match_bm25's expression, on texts that exercise the tokenizer (accents, capitals, digits,
dots, punctuation that is not ASCII, stopwords, empty and missing titles, gaps in the rows)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.test_search import article
from warehouse import bm25, index_facts, search
from warehouse.articles import append_batch
from warehouse.database import open_warehouse

WORDS = (
    "Compute deal cloud CLOUD clouds clouding provider's chips lab model training inference "
    "funding round billion million partnership acquisition naïve café Café CAFÉ résumé "
    "Zürich Ångström façade déjà-vu U.S. e.g. 3.5 $38bn 2026 4,000 A100s GPU-hours "
    "the and of it's won't THE “quoted” ‘single’ em—dash en–dash …ellipsis 日本語 Ελλάδα "
    "Straße ﬁnance ½ ² x²"
).split()


def extension_index(con: duckdb.DuckDBPyConnection) -> None:
    """The index as DuckDB's fts extension builds it (and labwatch did before it built its
    own): `terms`, `fields` and match_bm25 included, no postings."""
    search.load_fts(con)
    con.execute(
        "PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', stemmer ="
        f" 'porter', stopwords = 'english', ignore = '{search._IGNORE}', strip_accents = 1,"
        " lower = 1, overwrite = 1)"
    )


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    def rows(sql: str) -> list[tuple[object, ...]]:
        return sorted(con.execute(sql).fetchall())

    return {
        "stopwords": rows("SELECT sw FROM fts_main_articles.stopwords"),
        "tokenize": rows(
            "SELECT macro_definition FROM duckdb_functions() WHERE schema_name ="
            " 'fts_main_articles' AND function_name = 'tokenize'"
        ),
        "docs": rows("SELECT docid, name, len FROM fts_main_articles.docs"),
        "dict": rows("SELECT term, df FROM fts_main_articles.dict"),
        "stats": rows("SELECT num_docs, avgdl FROM fts_main_articles.stats"),
    }


def _postings(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], float]:
    """Each posting's BM25 part by (term, document): kept with the extension's postings
    (`subscore`), computed as a search computes it from labwatch's (warehouse/bm25.py)."""
    columns = {
        str(c)
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'fts_main_articles'"
            " AND table_name = 'postings'"
        ).fetchall()
    }
    score = "p.subscore" if "subscore" in columns else bm25.SUBSCORE
    return {
        (str(term), int(docid)): float(value)
        for term, docid, value in con.execute(
            f"SELECT dd.term, p.docid, {score} FROM fts_main_articles.postings p"
            " JOIN fts_main_articles.dict dd USING (termid)"
            " JOIN fts_main_articles.docs docs USING (docid) CROSS JOIN fts_main_articles.stats s"
            # Each posting carries its document's length (labwatch's postings).
            + (" WHERE p.len = docs.len" if "len" in columns else "")
        ).fetchall()
    }


# The postings from the extension's tables, as labwatch computed them before it built its own.
_EXTENSION_POSTINGS = """
    CREATE TABLE fts_main_articles.postings AS
    WITH tf AS MATERIALIZED (
        SELECT t.termid, t.docid, count(*) AS tf, any_value(dict.df) AS df
        FROM fts_main_articles.terms t JOIN fts_main_articles.dict dict USING (termid)
        GROUP BY t.termid, t.docid
    )
    SELECT tf.termid, tf.docid,
           log((((s.num_docs - tf.df) + 0.5) / (tf.df + 0.5)) + 1)
           * ((tf.tf * (1.2 + 1))
              / (tf.tf + (1.2 * ((1 - 0.75) + (0.75 * (docs.len / s.avgdl)))))) AS subscore
    FROM tf
    JOIN fts_main_articles.docs docs USING (docid)
    CROSS JOIN fts_main_articles.stats s
"""


@pytest.mark.parametrize(("seed", "threads"), [(1, 1), (2, 3), (3, 2)])
def test_the_index_is_the_extensions(tmp_path: Path, seed: int, threads: int) -> None:
    # On several threads the texts are read in as many parts (warehouse/search.py `_words`).
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def words(low: int, high: int) -> str:
        return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))

    articles = [
        article(f"a{i}", rng.choice([words(1, 8), "", words(1, 3)]),
                rng.choice([words(0, 60), ". ".join(words(3, 20) for _ in range(5)), ""]),
                start + timedelta(hours=i))
        for i in range(160)
    ]  # fmt: skip
    for a in articles[::17]:
        a["title"] = None
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, articles[:100], [], [], [])
        con.execute("DELETE FROM articles WHERE article_id IN ('a3', 'a50', 'a51')")  # gaps
        append_batch(con, articles[100:], [], [], [])
        con.execute(f"SET threads = {threads}")
        search.refresh_index(con)
        ours, our_postings = _snapshot(con), _postings(con)
        assert search.has_postings(con) and search.index_state(con) == search.CURRENT
        extension_index(con)
        con.execute(_EXTENSION_POSTINGS)
        theirs, their_postings = _snapshot(con), _postings(con)
    assert len(ours["docs"]) == 157 and len(ours["dict"]) > 40  # type: ignore[arg-type]
    assert ("cafe", 0) not in ours["dict"]  # type: ignore[operator]
    assert ours == theirs
    assert our_postings.keys() == their_postings.keys()
    assert list(our_postings.values()) == pytest.approx(
        [their_postings[k] for k in our_postings], rel=1e-12
    )


def test_an_empty_warehouse_gets_an_empty_index(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        search.refresh_index(con)
        assert search.index_state(con) == search.CURRENT
        assert search.search_articles(con, "compute")[0] == 0
        count = con.execute("SELECT count(*) FROM fts_main_articles.postings").fetchone()
        assert count == (0,)


def _whole(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Every table of the index as rows, terms by their text (a rebuild keeps the ids of the
    terms it had and numbers new ones after them; a build from nothing numbers them in
    order: any numbering serves), postings with the counts they were scored from."""
    tables = ("stopwords", "docs", "stats", "doc_keys")
    whole: dict[str, object] = {
        t: con.execute(f"SELECT * FROM fts_main_articles.{t} ORDER BY ALL").fetchall()
        for t in tables
    }
    whole["dict"] = con.execute(
        "SELECT term, df FROM fts_main_articles.dict ORDER BY ALL"
    ).fetchall()
    whole["postings"] = con.execute(
        f"SELECT dd.term, p.docid, {bm25.SUBSCORE}, p.tf, p.len FROM fts_main_articles.postings p"
        " JOIN fts_main_articles.dict dd USING (termid) CROSS JOIN fts_main_articles.stats s"
        " ORDER BY ALL"
    ).fetchall()
    return whole


def _rebuilt(con: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, object], dict[str, object]]:
    """(documents whose words were kept, the index built reusing its counts, the index built
    from the texts alone), the second rolled back."""
    search.load_fts(con)  # the stemmer
    con.execute("BEGIN TRANSACTION")
    kept = search._build(con)
    reused = _whole(con)
    con.execute("COMMIT")
    con.execute("BEGIN TRANSACTION")
    search._build(con, reuse=False)
    whole = _whole(con)
    con.execute("ROLLBACK")
    return kept, reused, whole


def _sorted_postings(con: duckdb.DuckDBPyConnection) -> int:
    """The postings the last full build wrote (an update in place leaves it as it was)."""
    row = con.execute("SELECT sorted_postings FROM fts_main_articles.layout").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("in_place", [False, True])
def test_a_rebuild_reads_only_new_and_changed_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_place: bool
) -> None:
    # The index built again after a run: articles added, one deleted, one given its page's
    # text in place (an upgrade), one keyed anew under the same rowid. The words of the
    # others come from the last build's postings; every table must equal a build from the
    # texts alone, scores included (the corpus's size and mean length moved). Here a run
    # adds half as many articles again: a full build from the kept counts, unless the share
    # of postings an update may append is raised (`in_place`), when the index is updated in
    # place (`_UPDATE`) and must hold the same.
    if in_place:
        monkeypatch.setattr(search, "APPENDED_SHARE", 100.0)
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def text() -> str:
        return ". ".join(" ".join(rng.choices(WORDS, k=rng.randint(3, 20))) for _ in range(4))

    articles = [article(f"a{i}", text(), text(), start + timedelta(hours=i)) for i in range(90)]
    articles[5]["text"] += " xylophone"  # a word only the article deleted below holds
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, articles[:60], [], [], [])
        search.refresh_index(con)
        first = _whole(con)
        assert ("xylophon", 1) in first["dict"]  # type: ignore[operator]
        assert len(first["doc_keys"]) == 60  # type: ignore[arg-type]
        ids = dict(con.execute("SELECT term, termid FROM fts_main_articles.dict").fetchall())
        append_batch(con, articles[60:], [], [], [])
        con.execute("DELETE FROM articles WHERE article_id = 'a5'")
        con.execute(
            "UPDATE articles SET text = 'zeppelin quasar ' || text, text_source = 'feed',"
            " content_hash = 'changed' WHERE article_id = 'a7'"
        )
        con.execute("UPDATE articles SET title = 'zeppelin' WHERE article_id = 'a9'")
        sorted_before = _sorted_postings(con)
        kept, reused, whole = _rebuilt(con)
        # Of the 60 indexed: a5 gone, a7 and a9 read again (their keys moved), 57 kept.
        assert kept == 57
        assert (_sorted_postings(con) == sorted_before) is in_place
        assert reused == whole
        assert ("zeppelin", 2) in whole["dict"]  # type: ignore[operator]
        assert not any(term == "xylophon" for term, _ in whole["dict"])  # type: ignore[attr-defined]
        assert search.search_articles(con, "quasar")[0] == 1
        # Terms kept their ids; the new ones come after them.
        now = dict(con.execute("SELECT term, termid FROM fts_main_articles.dict").fetchall())
        assert all(now[t] == ids[t] for t in ids if t in now)
        assert min(now[t] for t in now.keys() - ids.keys()) > max(ids.values())
        # Built again with nothing changed: every document's words kept, the same index.
        kept, reused, whole = _rebuilt(con)
        assert kept == 89 and reused == whole

        # Searches find what they find after a build from the texts alone, scores included,
        # ranked in this process and by the SQL.
        def searches() -> list[object]:
            found = []
            for query in ("zeppelin cloud", "compute", '"cloud provider"', "chips 2026"):
                for ranked in (True, False):
                    monkeypatch.setattr(search, "RANK_IN_PROCESS", ranked)
                    found.append(search.search_articles(con, query, limit=50))
            return found

        before = searches()
        assert all(total for total, _ in before)  # type: ignore[misc]
        search.refresh_index(con, whole=True)
        assert searches() == before


def test_an_index_without_counts_is_built_from_the_texts(tmp_path: Path) -> None:
    # An index built before postings kept their counts has nothing to reuse.
    articles = [article(f"a{i}", "Compute deal", f"cloud chips {i} lab", datetime(2026, 1, 1, tzinfo=UTC)) for i in range(20)]  # fmt: skip
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, articles, [], [], [])
        search.refresh_index(con)
        con.execute("ALTER TABLE fts_main_articles.postings DROP COLUMN tf")
        kept, reused, whole = _rebuilt(con)
        assert kept == 0 and reused == whole
        assert len(whole["postings"]) > 20  # type: ignore[arg-type]


def test_words_taken_another_way_are_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index built another way (INDEX_FORMAT bumped, as when the characters between words
    # change) is stale, and its word counts are not kept: every text is read again. So is
    # every text when asked for a whole rebuild (`labwatch search --reindex`).
    articles = [article(f"a{i}", "Compute deal", f"cloud chips {i} lab", datetime(2026, 1, 1, tzinfo=UTC)) for i in range(20)]  # fmt: skip
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, articles, [], [], [])
        assert search.refresh_index(con) == 0
        assert search.refresh_index(con) == 20
        assert search.refresh_index(con, whole=True) == 0
        monkeypatch.setattr(search, "INDEX_FORMAT", search.INDEX_FORMAT + 1)
        assert search.index_state(con) == search.STALE
        assert search.refresh_index(con) == 0
        assert search.refresh_index(con) == 20


def test_the_dictionary_is_in_term_order_whatever_the_ids(tmp_path: Path) -> None:
    # A search looks a term up by equality, which skips most of a dictionary in term order;
    # new terms get ids after the kept ones, so the table is ordered by term, not by id.
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, [article("m", "", "mango melon", datetime(2026, 1, 1, tzinfo=UTC))], [], [], [])  # fmt: skip
        search.refresh_index(con)
        append_batch(con, [article("a", "", "apple zucchini", datetime(2026, 1, 2, tzinfo=UTC))], [], [], [])  # fmt: skip
        assert search.refresh_index(con) == 1
        rows = con.execute("SELECT term, termid FROM fts_main_articles.dict").fetchall()
    assert [t for t, _ in rows] == sorted(t for t, _ in rows)
    assert dict(rows)["appl"] > dict(rows)["melon"]  # numbered after the kept terms


def test_reindex_repairs_counts_an_index_holds_wrong(tmp_path: Path) -> None:
    # `labwatch search --reindex` (ensure_index's force) reads every text again: counts an
    # index holds wrong (a damaged file, a bug fixed since) are not carried on.
    path = tmp_path / "w.duckdb"
    articles = [article(f"a{i}", "Compute deal", f"cloud chips {i} lab", datetime(2026, 1, 1, tzinfo=UTC)) for i in range(20)]  # fmt: skip
    with open_warehouse(path) as con:
        append_batch(con, articles, [], [], [])
        search.refresh_index(con)
        con.execute("UPDATE fts_main_articles.postings SET tf = tf + 7")
    search.ensure_index(path, 5.0, force=True)
    with open_warehouse(path) as con:
        _, reused, whole = _rebuilt(con)
    assert reused == whole
    assert {row[3] for row in whole["postings"]} == {1}  # type: ignore[union-attr]  # tf


def test_the_stopwords_kept_are_the_extensions_own() -> None:
    """warehouse/fts_stopwords.py holds the fts extension's English list, read from the
    extension here as labwatch once read it at every process's first build."""
    with duckdb.connect() as probe:
        search.load_fts(probe)
        probe.execute("CREATE TABLE probe (id VARCHAR, body VARCHAR)")
        probe.execute("PRAGMA create_fts_index('probe', 'id', 'body', stopwords = 'english')")
        words = [
            str(r[0]) for r in probe.execute("SELECT sw FROM fts_main_probe.stopwords").fetchall()
        ]
    assert len(words) > 500
    assert search.english_stopwords() == words


def _mentions(aid: str, entities: list[str]) -> list[dict[str, object]]:
    return [
        {"article_id": aid, "entity_id": e, "surface": e, "start_offset": 10 * n,
         "end_offset": 10 * n + 5, "sentence": "", "in_title": False, "watchlist_version": "v"}
        for n, e in enumerate(entities)
    ]  # fmt: skip


def test_an_update_in_place_keeps_the_entities_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The entities' documents (what a search filtered by entity reads) are updated with the
    # documents when only new and changed documents' rows moved, and taken whole when a
    # kept document's rows changed (a retag); either way they are the rows of now.
    monkeypatch.setattr(search, "APPENDED_SHARE", 100.0)
    taken_whole: list[int] = []
    whole_take = search.refresh_entities
    monkeypatch.setattr(
        search, "refresh_entities", lambda con: (taken_whole.append(1), whole_take(con))
    )
    rng = random.Random(11)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    named = ["openai", "anthropic", "amazon", "google"]

    def batch(ids: range) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        arts = [article(f"a{i}", "Compute deal", " ".join(rng.choices(WORDS, k=12)), start + timedelta(hours=i)) for i in ids]  # fmt: skip
        mentions = [
            m for i in ids for m in _mentions(f"a{i}", rng.sample(named, rng.randint(0, 2)))
        ]
        return arts, mentions

    def expected(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
        return sorted(
            con.execute(
                "SELECT ae.entity_id, d.docid FROM article_entities ae"
                " JOIN fts_main_articles.docs d ON d.name = ae.article_id"
            ).fetchall()
        )

    def held(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
        return sorted(con.execute("SELECT * FROM fts_main_articles.entity_docs").fetchall())

    with open_warehouse(tmp_path / "w.duckdb") as con:
        arts, mentions = batch(range(40))
        mentions += [{**_mentions("a3", ["openai"])[0], "start_offset": 500, "end_offset": 505}]
        append_batch(con, arts, [], mentions, [])
        search.refresh_index(con)
        assert taken_whole == [1] and held(con) == expected(con)
        # A run: new articles, one deleted, one given a new text (a new document).
        arts, mentions = batch(range(40, 60))
        append_batch(con, arts, [], mentions, [])
        con.execute("DELETE FROM articles WHERE article_id = 'a5'")
        con.execute("DELETE FROM article_entities WHERE article_id = 'a5'")
        con.execute("UPDATE articles SET content_hash = 'changed' WHERE article_id = 'a7'")
        assert search.refresh_index(con) == 38
        assert taken_whole == [1]  # updated in place
        assert search.entities_current(con) and held(con) == expected(con)
        assert len(held(con)) > 20
        # An article deleted without its entities' rows (by hand: labwatch deletes none),
        # then a run: the check fails though `article_entities` did not move, and they are
        # taken whole, without the deleted article's document.
        con.execute("DELETE FROM articles WHERE article_id = 'a3'")
        arts, _ = batch(range(70, 75))
        append_batch(con, arts, [], [], [])  # naming nobody: `article_entities` as it was
        search.refresh_index(con)
        assert taken_whole == [1, 1]
        assert search.entities_current(con) and held(con) == expected(con)
        con.execute("DELETE FROM article_entities WHERE article_id = 'a3'")
        # A retag of a kept article, then a run: the entities' documents taken whole.
        con.execute("UPDATE article_entities SET entity_id = 'google' WHERE article_id = 'a9'")
        arts, mentions = batch(range(60, 70))
        append_batch(con, arts, [], mentions, [])
        search.refresh_index(con)
        assert taken_whole == [1, 1, 1]
        assert search.entities_current(con) and held(con) == expected(con)


def test_indexes_built_before_give_the_same_searches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index built before postings carried their documents' lengths (scored from `docs`,
    # joined), and one built before they kept counts (their parts kept scored, read as they
    # are by a reader that cannot build it again), answer as one of today, ranked in this
    # process and by the SQL.
    rng = random.Random(5)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    articles = [article(f"a{i}", " ".join(rng.choices(WORDS, k=4)), " ".join(rng.choices(WORDS, k=30)), start + timedelta(hours=i)) for i in range(60)]  # fmt: skip
    queries = ("cloud deal", "compute", '"cloud provider"', "chips 2026", "café")

    def searches(con: duckdb.DuckDBPyConnection) -> list[object]:
        found = []
        for query in queries:
            for ranked in (True, False):
                monkeypatch.setattr(search, "RANK_IN_PROCESS", ranked)
                found.append(search.search_articles(con, query, limit=50))
                found.append(search.search_articles(con, query, limit=5, offset=3, sort="date"))
        return found

    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, articles, [], [], [])
        search.refresh_index(con)
        assert index_facts.read_facts(con).scoring == "len"
        carried = searches(con)
        con.execute("ALTER TABLE fts_main_articles.postings DROP COLUMN len")
        facts = index_facts.read_facts(con)
        assert facts.postings and facts.scoring == "docs"
        assert searches(con) == carried
        con.execute(
            "CREATE TEMP TABLE scored AS SELECT p.termid, p.docid,"
            f" {bm25.subscore('docs.len')} AS subscore FROM fts_main_articles.postings p"
            " JOIN fts_main_articles.docs docs USING (docid)"
            " JOIN fts_main_articles.dict dd USING (termid) CROSS JOIN fts_main_articles.stats s"
        )
        con.execute(
            "CREATE OR REPLACE TABLE fts_main_articles.postings AS"
            " SELECT * FROM scored ORDER BY termid, docid"
        )
        facts = index_facts.read_facts(con)
        assert facts.postings and facts.scoring == "subscore" and facts.state == search.STALE
        assert searches(con) == carried
    assert sum(total for total, _ in carried[::2]) > 50  # type: ignore[misc]


def test_a_full_build_comes_once_updates_appended_their_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Updates in place append postings after the ones in term order; once they would pass
    # APPENDED_SHARE of those, the build is full again (the postings in term order anew),
    # whatever was deleted meanwhile.
    monkeypatch.setattr(search, "APPENDED_SHARE", 0.25)
    rng = random.Random(3)
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def run(ids: range) -> None:
        arts = [article(f"a{i}", "", " ".join(rng.choices(WORDS, k=20)), start + timedelta(hours=i)) for i in ids]  # fmt: skip
        append_batch(con, arts, [], [], [])

    def layout() -> tuple[int, int]:
        row = con.execute("SELECT * FROM fts_main_articles.layout").fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    with open_warehouse(tmp_path / "w.duckdb") as con:
        run(range(100))
        search.refresh_index(con)
        sorted_postings, appended = layout()
        assert appended == 0
        steps = []
        for n in range(6):
            con.execute(f"DELETE FROM articles WHERE article_id = 'a{n}'")
            run(range(100 + 8 * n, 108 + 8 * n))
            search.refresh_index(con)
            steps.append(layout())
    # In place while the appended postings stay within a quarter, then a full build.
    full = [n for n, (s, a) in enumerate(steps) if a == 0]
    assert full and full[0] > 0
    assert all(s == sorted_postings and a > 0 for s, a in steps[: full[0]])
    assert steps[full[0] - 1][1] <= sorted_postings * 0.25
    assert steps[full[0]][0] != sorted_postings

"""Full-text search over article titles and texts: DuckDB's fts extension, BM25 ranking.

The extension comes from the `duckdb-extension-fts` package, loaded from its file, so search
works offline with nothing downloaded at run time. The index is a snapshot, built in one
transaction together with a fingerprint of the articles it covers (`search_index_state`). It
is rebuilt when it is missing (a run killed before building it) or stale (the articles'
fingerprint differs): at the end of every ingest, and by `labwatch search` itself before it
searches (`ensure_index`), so a search never misses what is stored. A rebuild reads only the
texts of new and changed articles: the others' word counts come from the index it replaces,
which it updates in place (`_UPDATE`): postings are counts, scored when a search reads them
(warehouse/bm25.py), so a kept document's postings never change.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from warehouse import fts_stopwords, index_facts, query_terms, rollup, search_ranking
from warehouse.bm25 import SUBSCORE, subscore
from warehouse.database import open_warehouse
from warehouse.ducklake import is_lake
from warehouse.errors import QueryError, WarehouseLockedError
from warehouse.list_param import json_list

CURRENT, MISSING, STALE = index_facts.CURRENT, index_facts.MISSING, index_facts.STALE
UNAVAILABLE = "unavailable"  # on a DuckLake, which cannot hold the index
NO_INDEX_ON_LAKE = (
    "search needs a DuckDB warehouse: the full-text index cannot live in a DuckLake; "
    "use labwatch sql with ILIKE instead (docs/scale-out.md)"
)

# How the index is built: mixed into its fingerprint, so an index built another way (before
# numbers were indexed) is stale and rebuilt, and into every document's key (`_build_key`),
# so that rebuild reads every text again. Bump it when the way words are taken changes.
INDEX_FORMAT = 0x6C77_0003_F75E_A2C1
# Characters between words: DuckDB's default ('(\\.|[^a-z])+') drops digits, so "38" (as in
# "$38 billion") was never indexed and never found.
_IGNORE = r"(\.|[^a-z0-9])+"
# The fingerprints (over `articles` and `article_entities`) of what the index, the documents'
# times and the entities' documents were built from.
ARTICLES_HASH = "coalesce(bit_xor(hash(article_id, title, text_source, content_hash)), 0)"
TIMES_HASH = "coalesce(bit_xor(hash(article_id, published_at, fetched_at)), 0)"
ENTITIES_HASH = "coalesce(bit_xor(hash(article_id, entity_id)), 0)"
_WORD = re.compile(r"[^\W_]+")


def _extension_file() -> Path | None:
    try:
        import duckdb_extension_fts
    except ImportError:
        return None
    path = (
        Path(duckdb_extension_fts.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "fts.duckdb_extension"
    )
    return path if path.is_file() else None


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    path = _extension_file()
    try:
        con.execute(f"LOAD '{path}'" if path else "LOAD fts")
    except duckdb.Error as exc:
        raise QueryError(
            f"cannot load DuckDB's fts extension ({exc}); install duckdb-extension-fts "
            f"matching duckdb {duckdb.__version__}"
        ) from exc


def has_index(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'fts_main_articles'"
    ).fetchone()
    return bool(row and row[0])


def articles_fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(number of articles, a hash over their keys, titles, text sources and content hashes):
    cheap (no text is read) and changed by any article added, removed or given new text."""
    row = con.execute(f"SELECT count(*), {ARTICLES_HASH} FROM articles").fetchone()
    return (int(row[0]), int(row[1]) ^ INDEX_FORMAT) if row else (0, INDEX_FORMAT)


def index_state(con: duckdb.DuckDBPyConnection) -> str:
    """CURRENT, MISSING or STALE (built over other articles than those stored now, or with
    postings that hold no counts: warehouse/index_facts.py)."""
    if not has_index(con):
        return MISSING
    try:
        row = con.execute(
            "SELECT articles, fingerprint FROM search_index_state WHERE id = 1"
        ).fetchone()
    except duckdb.CatalogException:
        return STALE  # a warehouse from before the state was kept (migration 0006)
    if row is None or (int(row[0]), int(row[1])) != articles_fingerprint(con):
        return STALE
    if has_postings(con) and not index_facts.postings_counted(con):
        return STALE
    return CURRENT


def refresh_index(con: duckdb.DuckDBPyConnection, *, whole: bool = False) -> int:
    """(Re)build the index over articles' title and text: English stemming and stopwords.
    One transaction with the fingerprint it covers: a run killed meanwhile leaves the last
    index and its fingerprint as they were. The words of articles the index held unchanged
    are taken from it unless `whole`; returns for how many articles they were."""
    load_fts(con)
    con.execute("BEGIN TRANSACTION")
    try:
        articles, fingerprint = articles_fingerprint(con)
        kept = _build(con, reuse=not whole)
        refresh_times(con)
        if not entities_current(con):  # an update in place may have updated them (`_update`)
            refresh_entities(con)
        con.execute(
            "MERGE INTO search_index_state USING (SELECT 1 AS id, ?::BIGINT AS articles,"
            " ?::UBIGINT AS fingerprint, ?::TIMESTAMPTZ AS built_at) AS s"
            " ON search_index_state.id = s.id WHEN MATCHED THEN UPDATE SET"
            " articles = s.articles, fingerprint = s.fingerprint, built_at = s.built_at"
            " WHEN NOT MATCHED THEN INSERT BY NAME",
            [articles, fingerprint, datetime.now(UTC)],
        )  # one row (MERGE, not INSERT OR REPLACE: a DuckLake has no keys)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return kept


# What `PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', stemmer = 'porter',
# stopwords = 'english', ignore = _IGNORE, strip_accents = 1, lower = 1)` builds and search
# reads (its `tokenize` macro, `stopwords`, `docs`, `dict`, `stats`), the same rows, and the
# postings, built here in fewer steps: the extension writes a row for every word of every
# article (`terms`), updates each document's length and each word's id row by row, and stems
# every occurrence of a word; here each article's distinct words are counted first and each
# distinct word stemmed once. `refresh_index` under the ingest's caps (one thread, 256 MB):
# at 5,000 articles (31M characters) 4.6 s of CPU with the extension's build, 3.0 s with
# this; at 1M articles (512M characters) the extension's ran out of memory after 47 s (and
# took 52 s of CPU and 3.6 GB without the caps), this 20 s and 434 MB. The tables are
# identical (tests/test_search_build.py). Term ids differ (any numbering serves: search
# looks them up by term). The stopwords are the extension's own list, taken from an index
# it builds over an empty table (in a database of its own, in memory), so they cannot drift
# from what `stopwords = 'english'` means.
_TOKENIZE = (
    "string_split_regex(regexp_replace(lower(strip_accents(CAST(s AS VARCHAR))),"
    f" '{_IGNORE}', ' ', 'g'), '\\s+')"
)
# The tokenize macro's words, split faster: after the replacement only [a-z0-9] runs and
# single spaces are left, so splitting on ' ' is splitting on '\s+' (0.5 s less at 5,000).
_WORDS = (
    "string_split(regexp_replace(lower(strip_accents(CAST({col} AS VARCHAR))),"
    f" '{_IGNORE}', ' ', 'g'), ' ')"
)
# Each document's key: what its words come from, as the index's fingerprint sees it
# (ARTICLES_HASH), and how they were taken (`_build_key`), so a document whose key is
# unchanged at the same docid has the same words.
_DOC_KEY = "hash(article_id, title, text_source, content_hash, $build::UBIGINT)"
# The words of documents the last build counted are taken from its postings (their `tf`),
# not read and split again: a run's closing step at 1M stored articles tokenised all of them
# to add a few hundred (the words and their counts, 13 of its 15 s). Only documents new, or
# at a docid whose key changed (an upgraded text; rowids moved), are read. From the counts
# on everything is built whole as before: every new document moves the corpus's size and
# mean length, which every posting's score depends on.
_COUNT = [
    # Each new document's distinct words (not stopwords) with their counts, title and text:
    # the texts read in parts (see _words).
    """CREATE OR REPLACE TEMP TABLE labwatch_fts_words AS
    WITH words AS (
        SELECT rowid AS docid, unnest({title}) AS w FROM articles WHERE {fresh}
        UNION ALL
        {texts}
    )
    SELECT docid, w, count(*) AS n FROM words
    WHERE len(w) > 0 AND w NOT IN (SELECT sw FROM labwatch_fts_sw)
    GROUP BY docid, w""",
    """CREATE OR REPLACE TEMP TABLE labwatch_fts_new AS
    WITH stems AS (
        SELECT w, stem(w, 'porter') AS term FROM (SELECT DISTINCT w FROM labwatch_fts_words)
    )
    SELECT f.docid, s.term, sum(f.n)::BIGINT AS tf
    FROM labwatch_fts_words f JOIN stems s USING (w)
    GROUP BY f.docid, s.term""",
]
# When documents are kept (`_keep`: their counts, lengths and the old terms' ids come as
# views on the index replaced, `_OLD_VIEWS`), terms keep their ids and new ones are numbered
# after them, and every count goes by term id. When none is, the counts stay by term and the
# ids are numbered in term order (`_WHOLE`): finding every count's id took 1.0 s of one
# thread at 1M articles, and the lengths and terms as tables 1.1 s more.
_OLD_VIEWS = ("labwatch_fts_old_terms", "labwatch_fts_old_tf", "labwatch_fts_old_lengths")
_KEPT = [
    # Every term with its id: the kept ones', then the new terms in order.
    """CREATE OR REPLACE TEMP TABLE labwatch_fts_terms AS
    SELECT termid, term FROM labwatch_fts_old_terms
    UNION ALL
    SELECT (SELECT coalesce(max(termid), -1) FROM labwatch_fts_old_terms)
           + row_number() OVER (ORDER BY term) AS termid, term
    FROM (SELECT DISTINCT term FROM labwatch_fts_new
          WHERE term NOT IN (SELECT term FROM labwatch_fts_old_terms))""",
    # Every document's counts by term id, and its length: the kept ones', then the new.
    # (Tables made whole, not inserted into: an insert ran on one thread.)
    """CREATE OR REPLACE TEMP TABLE labwatch_fts_tf AS
    SELECT docid, termid, tf FROM labwatch_fts_old_tf
    UNION ALL
    SELECT n.docid, t.termid, n.tf
    FROM labwatch_fts_new n JOIN labwatch_fts_terms t USING (term)""",
    """CREATE OR REPLACE TEMP TABLE labwatch_fts_lengths AS
    SELECT docid, len FROM labwatch_fts_old_lengths
    UNION ALL
    SELECT docid, sum(tf)::BIGINT AS len FROM labwatch_fts_new GROUP BY docid""",
    # The views on the index replaced go before it does.
    *(f"DROP VIEW {view}" for view in _OLD_VIEWS),
]
_WHOLE = {
    "counts": "labwatch_fts_new",
    "by": "term",
    "lengths": "(SELECT docid, sum(tf)::BIGINT AS len FROM labwatch_fts_new GROUP BY docid)",
    "dict": """SELECT (row_number() OVER (ORDER BY term) - 1)::BIGINT AS termid, term, df
    FROM (SELECT term, count(*)::BIGINT AS df FROM labwatch_fts_new GROUP BY term)""",
}
_KEPT_PARTS = {
    "counts": "labwatch_fts_tf",
    "by": "termid",
    "lengths": "labwatch_fts_lengths",
    "dict": """SELECT t.termid, t.term, c.df
    FROM labwatch_fts_terms t
    JOIN (SELECT termid, count(*)::BIGINT AS df FROM labwatch_fts_tf GROUP BY termid) c
    USING (termid)""",
}
_BUILD = [
    "DROP SCHEMA IF EXISTS fts_main_articles CASCADE",
    "CREATE SCHEMA fts_main_articles",
    "CREATE TABLE fts_main_articles.stopwords AS SELECT sw FROM labwatch_fts_sw",
    f"CREATE MACRO fts_main_articles.tokenize(s) AS {_TOKENIZE}",
    """CREATE TABLE fts_main_articles.docs AS
    SELECT a.rowid AS docid, a.article_id AS name, coalesce(l.len, 0)::BIGINT AS len
    FROM articles a LEFT JOIN {lengths} l ON l.docid = a.rowid
    ORDER BY a.rowid""",
    # In term order, whatever the ids: a search's lookup of a term skips most of it.
    "CREATE TABLE fts_main_articles.dict AS {dict} ORDER BY term",
    """CREATE TABLE fts_main_articles.stats AS
    SELECT count(docid) AS num_docs, sum(len) / count(len) AS avgdl
    FROM fts_main_articles.docs""",
    # What the next build compares its documents with (see _COUNT).
    "CREATE TABLE fts_main_articles.doc_keys AS SELECT * FROM labwatch_fts_keys ORDER BY docid",
]
# How many postings a full build wrote in term order, and how many updates in place have
# appended since (see APPENDED_SHARE).
_LAYOUT = (
    "CREATE TABLE fts_main_articles.layout AS SELECT count(*)::BIGINT AS sorted_postings,"
    " 0::BIGINT AS appended_postings FROM fts_main_articles.postings"
)
# An update of the index in place, when documents are kept: what a full build from the kept
# counts would hold (tests/test_search_build.py compares the two), without rewriting what
# the kept documents hold. The documents it held and does not keep (removed, given a new
# text, moved to another rowid) go, with their postings; the new documents' postings are
# appended in term order; each term's document frequency moves by the documents it lost and
# gained (a term no document holds any more goes); new terms are numbered after the others,
# in term order, as a full build from kept counts numbers them.
_GONE = """CREATE OR REPLACE TEMP TABLE labwatch_fts_gone AS
    SELECT docid FROM fts_main_articles.docs
    WHERE docid NOT IN (SELECT docid FROM labwatch_fts_kept)"""
# The new documents' lengths: their counts summed.
_NEW_LENGTHS = "(SELECT docid, sum(tf)::BIGINT AS len FROM labwatch_fts_new GROUP BY docid)"
_UPDATE = [
    """CREATE OR REPLACE TEMP TABLE labwatch_fts_delta AS
    SELECT term, sum(n)::BIGINT AS n FROM (
        SELECT d.term, -count(*) AS n
        FROM fts_main_articles.postings p JOIN fts_main_articles.dict d USING (termid)
        WHERE p.docid IN (SELECT docid FROM labwatch_fts_gone) GROUP BY d.term
        UNION ALL
        SELECT term, count(*) AS n FROM labwatch_fts_new GROUP BY term
    ) GROUP BY term""",
    *(
        f"DELETE FROM fts_main_articles.{table}"
        " WHERE docid IN (SELECT docid FROM labwatch_fts_gone)"
        for table in ("postings", "docs", "doc_keys")
    ),
    """INSERT INTO fts_main_articles.dict
    SELECT (SELECT coalesce(max(termid), -1) FROM fts_main_articles.dict)
           + row_number() OVER (ORDER BY term) AS termid, term, 0::BIGINT AS df
    FROM labwatch_fts_delta
    WHERE term NOT IN (SELECT term FROM fts_main_articles.dict)
    ORDER BY term""",
    """UPDATE fts_main_articles.dict SET df = dict.df + x.n FROM labwatch_fts_delta x
    WHERE dict.term = x.term AND x.n <> 0""",
    "DELETE FROM fts_main_articles.dict WHERE df = 0",
    f"""INSERT INTO fts_main_articles.docs
    SELECT a.rowid AS docid, a.article_id AS name, coalesce(l.len, 0)::BIGINT AS len
    FROM articles a LEFT JOIN {_NEW_LENGTHS} l ON l.docid = a.rowid
    WHERE a.rowid NOT IN (SELECT docid FROM labwatch_fts_kept)
    ORDER BY a.rowid""",
    f"""INSERT INTO fts_main_articles.postings
    SELECT d.termid, n.docid, n.tf, l.len
    FROM labwatch_fts_new n JOIN fts_main_articles.dict d USING (term)
    JOIN {_NEW_LENGTHS} l USING (docid)
    ORDER BY d.termid, n.docid""",
    """CREATE OR REPLACE TABLE fts_main_articles.stats AS
    SELECT count(docid) AS num_docs, sum(len) / count(len) AS avgdl
    FROM fts_main_articles.docs""",
    """INSERT INTO fts_main_articles.doc_keys
    SELECT * FROM labwatch_fts_keys
    WHERE docid NOT IN (SELECT docid FROM labwatch_fts_kept)
    ORDER BY docid""",
    """UPDATE fts_main_articles.layout
    SET appended_postings = appended_postings + (SELECT count(*) FROM labwatch_fts_new)""",
]
# The build's working tables, dropped at its end.
_TEMPS = (
    "labwatch_fts_sw", "labwatch_fts_keys", "labwatch_fts_kept", "labwatch_fts_tf",
    "labwatch_fts_lengths", "labwatch_fts_words", "labwatch_fts_new", "labwatch_fts_terms",
    "labwatch_fts_gone", "labwatch_fts_delta",
)  # fmt: skip


def english_stopwords() -> list[str]:
    """The fts extension's English stopwords, in its order (warehouse/fts_stopwords.py)."""
    return list(fts_stopwords.ENGLISH)


def _words(parts: int) -> dict[str, str]:
    """The words step's SQL pieces: the texts read in `parts` branches of a UNION ALL, each
    taking every `parts`-th row. DuckDB splits a scan's work by row group (122,880 rows), so
    up to that many articles one branch is one thread, whatever the threads allowed; with a
    branch per thread the words of 5,000 articles took half the wall time on 2 threads, for
    the same CPU. Only the documents whose words are not kept (`_FRESH`)."""
    text = _WORDS.format(col="text")
    if parts == 1:
        texts = f"SELECT rowid AS docid, unnest({text}) AS w FROM articles WHERE {_FRESH}"
    else:
        texts = " UNION ALL ".join(
            f"SELECT rowid AS docid, unnest({text}) AS w FROM articles"
            f" WHERE rowid % {parts} = {k} AND {_FRESH}"
            for k in range(parts)
        )
    return {"title": _WORDS.format(col="title"), "texts": texts, "fresh": _FRESH}


def _build_key() -> int:
    """How words are taken from a text: the index's format, the characters between words,
    the stopwords and DuckDB's version (its stemmer). Any change makes every document's key
    new, so no word counts are kept from an index built another way."""
    way = "\n".join(
        [str(INDEX_FORMAT), _IGNORE, _WORDS, "porter", duckdb.__version__, *english_stopwords()]
    )
    return int.from_bytes(hashlib.blake2b(way.encode(), digest_size=8).digest(), "big")


# The articles whose words are read: those the kept counts do not cover.
_FRESH = "rowid NOT IN (SELECT docid FROM labwatch_fts_kept)"


def _keep(con: duckdb.DuckDBPyConnection, reuse: bool) -> int:
    """The documents whose words the build takes from the index it replaces (unless not
    `reuse`): those whose key (`_DOC_KEY`) at their docid is unchanged, their ids in
    labwatch_fts_kept; when there are any, their counts by term id (labwatch_fts_old_tf,
    from the postings), their lengths (labwatch_fts_old_lengths) and the old terms' ids
    (labwatch_fts_old_terms) as views; returns how many. None from an index built before the
    counts were kept in it (no `tf`, no `doc_keys`): it is built whole."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE labwatch_fts_keys AS"
        f" SELECT rowid AS docid, {_DOC_KEY} AS key FROM articles",
        {"build": _build_key()},
    )
    con.execute("CREATE OR REPLACE TEMP TABLE labwatch_fts_kept (docid BIGINT)")
    held = {
        (str(t), str(c))
        for t, c in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns()"
            " WHERE schema_name = 'fts_main_articles' AND table_name IN ('postings', 'doc_keys')"
        ).fetchall()
    }
    if not reuse or not {("postings", "tf"), ("doc_keys", "key")} <= held:
        return 0
    con.execute(
        "INSERT INTO labwatch_fts_kept SELECT docid FROM labwatch_fts_keys"
        " JOIN fts_main_articles.doc_keys USING (docid, key)"
    )
    row = con.execute("SELECT count(*) FROM labwatch_fts_kept").fetchone()
    kept = int(row[0]) if row else 0
    if kept:
        only = " WHERE docid IN (SELECT docid FROM labwatch_fts_kept)"
        for view, select in zip(
            _OLD_VIEWS,
            (
                "SELECT termid, term FROM fts_main_articles.dict",
                f"SELECT docid, termid, tf FROM fts_main_articles.postings{only}",
                f"SELECT docid, len FROM fts_main_articles.docs{only}",
            ),
            strict=True,
        ):
            con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {select}")
    return kept


def _build(con: duckdb.DuckDBPyConnection, *, reuse: bool = True) -> int:
    """The index's tables and postings, in the caller's transaction (see _COUNT and _BUILD),
    on as many threads as the connection allows; the words of documents the index held
    unchanged are taken from it unless not `reuse`. Returns how many documents' were."""
    row = con.execute("SELECT current_setting('threads')").fetchone()
    words = _words(max(1, min(int(row[0]) if row else 1, 8)))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE labwatch_fts_sw AS"
        " SELECT unnest($stopwords::JSON::VARCHAR[]) AS sw",
        {"stopwords": json_list(english_stopwords())},
    )
    kept = _keep(con, reuse)
    for statement in _COUNT:
        con.execute(statement.format(**words) if "{texts}" in statement else statement)
    if kept and _updatable(con):
        for view in _OLD_VIEWS:
            con.execute(f"DROP VIEW {view}")
        con.execute(_GONE)
        entities = _entities_before(con)
        for statement in _UPDATE:
            con.execute(statement)
        if entities is not None:
            _update_entities(con, *entities)
    else:
        for statement in _KEPT if kept else []:
            con.execute(statement)
        parts = _KEPT_PARTS if kept else _WHOLE
        for statement in [*_BUILD, _POSTINGS, _LAYOUT]:
            placed = any("{" + name + "}" in statement for name in parts)
            con.execute(statement.format(**parts) if placed else statement)
    for temp in _TEMPS:
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    return kept


# The documents the update added (new, or at a docid whose key changed), by article.
_FRESH_DOCS = (
    "SELECT docid, name FROM fts_main_articles.docs"
    " WHERE docid NOT IN (SELECT docid FROM labwatch_fts_kept)"
)


def _entities_before(con: duckdb.DuckDBPyConnection) -> tuple[int, int] | None:
    """Before an update (`_UPDATE`) changes the documents: the entities' documents'
    fingerprint (`ENTITIES_HASH` of the `article_entities` they were taken from), and the
    same hash over their rows of the documents that go; None when none were taken."""
    try:
        row = con.execute("SELECT fingerprint FROM fts_main_articles.entity_docs_state").fetchone()
    except duckdb.CatalogException:
        return None
    if row is None or row[0] is None:
        return None
    gone = con.execute(
        "SELECT coalesce(bit_xor(hash(d.name, e.entity_id)), 0)"
        " FROM fts_main_articles.entity_docs e JOIN fts_main_articles.docs d USING (docid)"
        " WHERE e.docid IN (SELECT docid FROM labwatch_fts_gone)"
    ).fetchone()
    return int(row[0]), int(gone[0]) if gone else 0


def _update_entities(con: duckdb.DuckDBPyConnection, kept: int, gone: int) -> None:
    """The entities' documents updated with the documents (0.56 of the 1.56 s a run's
    closing step took at 1M articles, taken whole): those of the documents gone removed,
    the new documents' added. Only when the rows of the documents kept are those they were
    taken from: the fingerprint now is the one they were taken with, less the rows of the
    documents gone, plus the new documents' (the hash is an XOR over rows). Otherwise (a
    retag changed them) their state is cleared, so `refresh_index` takes them whole
    (`refresh_entities`)."""
    row = con.execute(
        f"SELECT (SELECT {ENTITIES_HASH} FROM article_entities),"
        " (SELECT coalesce(bit_xor(hash(ae.article_id, ae.entity_id)), 0)"
        f" FROM article_entities ae JOIN ({_FRESH_DOCS}) f ON f.name = ae.article_id)"
    ).fetchone()
    assert row is not None
    now, fresh = int(row[0]), int(row[1])
    if kept ^ gone ^ fresh != now:
        # Not current, whatever `article_entities` says (its rows may not have moved while
        # documents holding some went): `refresh_index` takes them whole.
        con.execute("DELETE FROM fts_main_articles.entity_docs_state")
        return
    con.execute(
        "DELETE FROM fts_main_articles.entity_docs"
        " WHERE docid IN (SELECT docid FROM labwatch_fts_gone)"
    )
    con.execute(
        "INSERT INTO fts_main_articles.entity_docs SELECT ae.entity_id, f.docid"
        f" FROM article_entities ae JOIN ({_FRESH_DOCS}) f ON f.name = ae.article_id"
        " ORDER BY ae.entity_id, f.docid"
    )
    con.execute("UPDATE fts_main_articles.entity_docs_state SET fingerprint = $f", {"f": now})


def _updatable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the index can be updated in place (`_UPDATE`): it has the layout of this way
    of building (postings counted, not scored: `_LAYOUT`) and, with this build's new
    postings, no more appended since its last full build than APPENDED_SHARE of the
    postings that build wrote."""
    try:
        row = con.execute(
            "SELECT sorted_postings, appended_postings,"
            " (SELECT count(*) FROM labwatch_fts_new) FROM fts_main_articles.layout"
        ).fetchone()
    except duckdb.CatalogException:
        return False  # an index built before its postings were scored when read
    if row is None or row[0] is None:
        return False
    sorted_postings, appended, new = (int(v) for v in row)
    return appended + new <= sorted_postings * APPENDED_SHARE


# Each term's documents with the term's count in each, in term order, then document order:
# what match_bm25 reads from the extension's `terms` (one row per word of every article: 61M
# at 1M synthetic articles), counted once here. A posting's BM25 part is computed when a
# search reads it (warehouse/bm25.py): it depends on the corpus's size and mean length,
# which every new article moves, so postings scored when built were all scored again at
# every rebuild (2.1 s of the closing step's 4.5 s at 1M articles); as counts, the postings
# of kept documents stay as they are (`_UPDATE`). Each posting carries its document's
# length, which a kept document keeps: a search scores it without joining `docs`. The
# counts are joined with `dict` before `docs` in a
# materialised step: in the index's own transaction its tables have no statistics yet, and
# DuckDB then plans dict x docs as a cross product (session 12).
_POSTINGS = """
    CREATE TABLE fts_main_articles.postings AS
    WITH tf AS MATERIALIZED (
        SELECT d.termid, tf.docid, tf.tf
        FROM {counts} tf JOIN fts_main_articles.dict d USING ({by})
    )
    SELECT tf.termid, tf.docid, tf.tf, docs.len
    FROM tf JOIN fts_main_articles.docs docs USING (docid)
    ORDER BY tf.termid, tf.docid
"""
# The postings of a full build are in term order; an update (`_UPDATE`) appends the new
# documents' after them, which a term's lookup reads as one more block each. Once the
# postings appended since the last full build are more than this share of them, the next
# build is full again (from the kept counts: no text read again), so that a lookup never
# reads more than a few percent of the postings beyond its term's own.
APPENDED_SHARE = 1 / 16


# A posting's part, and what it is read with, by how the index has it (IndexFacts.scoring).
_SCORING = {
    "len": (SUBSCORE, ""),
    "docs": (subscore("docs.len"), " JOIN fts_main_articles.docs docs USING (docid)"),
    "subscore": ("p.subscore", ""),
}


def _doc_scores(terms: list[int], holding: list[str], scoring: str = "len") -> str:
    """`_scores` by document id (docid, score), without the articles' keys: see there.
    `scoring`: how the index has a posting's part (`_SCORING`)."""
    only = " AND ".join(["true", *holding])
    score, docs = _SCORING[scoring]
    lists = [
        f"(SELECT p.docid, {score} AS s{n} FROM fts_main_articles.postings p{docs}"
        f" CROSS JOIN (SELECT df FROM fts_main_articles.dict WHERE termid = {termid}) dd"
        " CROSS JOIN fts_main_articles.stats s"
        f" WHERE p.termid = {termid} AND {only}) t{n}"
        for n, termid in enumerate(terms)
    ]
    joined = " FULL OUTER JOIN ".join([lists[0], *(f"{x} USING (docid)" for x in lists[1:])])
    total = " + ".join(f"coalesce(s{n}, 0.0)" for n in range(len(terms)))
    return f"SELECT docid, {total} AS score FROM {joined}"


def _scores(terms: list[int], holding: list[str], scoring: str = "len") -> str:
    """Every article matching any of the term ids `terms` with its BM25 score (the sum of
    its terms' parts), from the postings; `holding`: conditions on the documents (those
    holding a phrase). One term: its parts are the scores. More: each term's documents
    joined on the document (a full outer join; a part missing adds 0.0, which changes no
    sum), 2-3x faster than grouping every posting by document (two words every article
    holds at 1M articles, same scores)."""
    return (
        f"SELECT d.name AS article_id, p.score FROM ({_doc_scores(terms, holding, scoring)}) p"
        " JOIN fts_main_articles.docs d USING (docid)"
    )


# Each document's time (its article's: published, else fetched) with a fingerprint of the
# articles' times it was taken from: a search ranks and filters by time on document ids,
# without joining every match with `articles` on their text keys (most of a common word's
# search at 1M articles), but only while no article's time changed since (an undated
# article takes a feed's date later; `refresh_if_needed` takes the times again, a few
# seconds at 1M articles, without rebuilding the index).
_TIMES_FINGERPRINT = TIMES_HASH


def _take(con: duckdb.DuckDBPyConnection, name: str, select: str, source: str, hashed: str) -> None:
    """(Re)create fts_main_articles.`name` as `select`, and `name`_state with the fingerprint
    (`hashed` over `source`) of what it was taken from (in the caller's transaction)."""
    con.execute(f"CREATE OR REPLACE TABLE fts_main_articles.{name} AS {select}")
    con.execute(
        f"CREATE OR REPLACE TABLE fts_main_articles.{name}_state AS"
        f" SELECT {hashed} AS fingerprint FROM {source}"
    )


def _current(con: duckdb.DuckDBPyConnection, name: str, source: str, hashed: str) -> bool:
    """Whether fts_main_articles.`name` was taken from `source` as it is now."""
    try:
        row = con.execute(
            f"SELECT (SELECT fingerprint FROM fts_main_articles.{name}_state)"
            f" = (SELECT {hashed} FROM {source})"
        ).fetchone()
    except duckdb.CatalogException:
        return False  # an index built before the table was kept
    return bool(row and row[0])


def refresh_times(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)take the documents' times and their fingerprint (in the caller's transaction)."""
    _take(
        con, "doc_times",
        "SELECT d.docid, coalesce(a.published_at, a.fetched_at) AS t"
        " FROM fts_main_articles.docs d JOIN articles a ON a.article_id = d.name ORDER BY d.docid",
        "articles", _TIMES_FINGERPRINT,
    )  # fmt: skip


def times_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the documents' times are the articles' times now."""
    return _current(con, "doc_times", "articles", _TIMES_FINGERPRINT)


# Each entity's documents with a fingerprint of the `article_entities` rows they were taken
# from: a search filtered by entity or kind keeps the documents naming them as ids, without
# joining every match with its article's entities on their text keys (664,450 articles of
# the most-named entity at 1M articles). Taken again by `refresh_if_needed` when the
# entities changed (a retag) without the articles changing; until then searches join.
# No DISTINCT: `article_entities` holds an article and entity once, and a search reads the
# documents of several entities as one set anyway (0.3 of its 0.8 s at 1M articles).
def refresh_entities(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)take the entities' documents and their fingerprint (in the caller's transaction)."""
    _take(
        con, "entity_docs",
        "SELECT ae.entity_id, d.docid FROM article_entities ae"
        " JOIN fts_main_articles.docs d ON d.name = ae.article_id ORDER BY ae.entity_id, d.docid",
        "article_entities", ENTITIES_HASH,
    )  # fmt: skip


def entities_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the entities' documents are article_entities's now."""
    return _current(con, "entity_docs", "article_entities", ENTITIES_HASH)


def has_postings(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'fts_main_articles'"
        " AND table_name = 'postings'"
    ).fetchone()
    return bool(row and row[0])


def refresh_if_needed(
    con: duckdb.DuckDBPyConnection, *, force: bool = False, whole: bool = False
) -> str:
    """Rebuild the index if `force`, or if it is missing or stale; return the state found.
    `whole`: from every article's text (refresh_index). A DuckLake cannot hold the index
    (docs/scale-out.md): nothing to build there."""
    if is_lake(con):
        return UNAVAILABLE
    load_fts(con)
    state = index_state(con)
    if force or state != CURRENT:
        refresh_index(con, whole=whole)
    elif not times_current(con) or not entities_current(con):
        con.execute("BEGIN TRANSACTION")
        try:
            if not times_current(con):
                refresh_times(con)
            if not entities_current(con):
                refresh_entities(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return state


def ensure_index(
    path: Path,
    lock_wait: float,
    *,
    force: bool = False,
    starting: Callable[[str], None] | None = None,
) -> str:
    """Make the index current before a search (a read-write open only when it is not);
    return a note for the user, or "" when there is nothing to say. `force` (`labwatch
    search --reindex`): rebuilt from every article's text, nothing taken from the index.
    `starting` is told what is about to be built before the work starts: a whole build
    takes a minute at 1M articles, which a user should not wait through in silence."""
    if not force:
        with open_warehouse(path, read_only=True, lock_wait=lock_wait) as con:
            load_fts(con)
            state = index_state(con)
        if state == CURRENT:
            return ""
    else:
        state = "asked for"
    try:
        with open_warehouse(path, lock_wait=lock_wait) as con:
            if starting is not None:
                starting(_building(con, state))
            started = time.perf_counter()
            refresh_if_needed(con, force=True, whole=force)
            took = time.perf_counter() - started
    except WarehouseLockedError:
        if state == STALE:
            return (
                "the search index is behind the articles and the warehouse is busy (an "
                "ingest, which rebuilds it when it ends): results may miss the newest"
            )
        raise
    if state == "asked for":
        return f"rebuilt the search index in {took:.1f} s"
    return f"the search index was {state}: rebuilt it in {took:.1f} s"


def _building(con: duckdb.DuckDBPyConnection, state: str) -> str:
    """What `ensure_index` is about to do, with the number of articles it covers."""
    row = con.execute("SELECT count(*) FROM articles").fetchone()
    articles = f"{int(row[0]) if row else 0:,} articles"
    if state == "asked for":
        return f"rebuilding the search index from every article's text ({articles})..."
    if state == STALE:
        return f"the search index is behind the articles: bringing it up to date ({articles})..."
    return f"the search index is {state}: building it ({articles})..."


@dataclass(frozen=True)
class Query:
    """What a user typed: "quoted phrases" that must appear as written (word for word, any
    case and punctuation between the words), and every word (for BM25)."""

    text: str
    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def terms(self) -> str:
        return " ".join(self.words)


def parse_query(text: str) -> Query:
    phrases = tuple(
        t for t in (tuple(_WORD.findall(p.lower())) for p in re.findall(r'"([^"]*)"', text)) if t
    )
    return Query(text, tuple(_WORD.findall(text.lower())), phrases)


def phrase_pattern(words: tuple[str, ...]) -> str:
    """A regular expression finding `words` in a row, whatever case or punctuation lies
    between them ("$38 billion" finds "38-billion" and "$38 Billion")."""
    return r"(?i)(^|[^a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, words)) + r"($|[^a-z0-9])"


SORTS = ("relevance", "date")
PHRASE_POOL = 500
# Between and around a phrase's words in SQL: anything but a letter, digit or combining mark
# (RE2's Unicode classes). So a phrase's words are whole words as the index splits them
# (`refresh_index` strips accents, then splits at [^a-z0-9]): an article holding a phrase
# holds each of its indexed words, and the postings name the only articles whose text can
# hold it ("story" in "éstory" was found by the ASCII-only form, but is no word there).
_NOT_WORD = r"[^\pL\pN\pM]"


def phrase_sql(words: tuple[str, ...]) -> str:
    """`phrase_pattern` for DuckDB's regexp_matches: words delimited as the index does."""
    return (
        rf"(?i)(^|{_NOT_WORD})" + f"{_NOT_WORD}+".join(map(re.escape, words)) + rf"($|{_NOT_WORD})"
    )


def _term_ids(
    con: duckdb.DuckDBPyConnection,
    words: tuple[str, ...],
    facts: index_facts.IndexFacts,
    known: dict[str, int | None],
) -> list[int] | None:
    """The index's term ids of `words` (stopwords are not indexed: left out), or None when
    one of them is in no article."""
    stems = query_terms.terms(facts.tokenize, " ".join(words), facts.stopwords)
    found = _lookup(con, stems, known)
    if len(found) < len(stems):
        return None
    return sorted(found.values())


def _lookup(
    con: duckdb.DuckDBPyConnection, stems: list[str], known: dict[str, int | None]
) -> dict[str, int]:
    """The term ids of those of `stems` the index holds; `known`: stems looked up already
    in this search (None: not in the index). One equality per stem: the scan skips most of
    the dictionary for each (2 ms), where a join with the list read all of it (16 ms)."""
    missing = sorted({s for s in stems if s not in known})
    if missing:
        rows = con.execute(
            " UNION ALL ".join(
                f"SELECT term, termid FROM fts_main_articles.dict WHERE term = $t{n}"
                for n in range(len(missing))
            ),
            {f"t{n}": s for n, s in enumerate(missing)},
        ).fetchall()
        found = {str(t): int(i) for t, i in rows}
        for s in missing:
            known[s] = found.get(s)
    return {s: i for s in stems if (i := known[s]) is not None}


HOLDING_LIST = 100_000  # documents: when even the rarest word is in more, all are read


def _holding(con: duckdb.DuckDBPyConnection, terms: list[int]) -> list[int] | None:
    """The documents holding every term of `terms`, in docid order: the rarest term's,
    narrowed by each other term in turn (postings are in term order: a term's rows are a few
    blocks). None when even the rarest is in more than HOLDING_LIST documents.

    Each term's documents are read as an array and narrowed here, by a mask indexed by
    docid: two terms each in 5% of 1M articles, the second narrowed in SQL by the list so
    far (as JSON), took 37-58 ms on a fresh connection; read and masked, 17-28 ms
    (docs/benchmarks.md, session 20)."""
    by_df = con.execute(
        "SELECT termid, df FROM fts_main_articles.dict"
        " WHERE termid IN (SELECT unnest($t::JSON::BIGINT[])) ORDER BY df, termid",
        {"t": json_list(terms)},
    ).fetchall()
    if by_df[0][1] > HOLDING_LIST:
        return None
    docs: npt.NDArray[np.int64] | None = None
    for termid, _ in by_df:
        got = con.execute(
            "SELECT docid FROM fts_main_articles.postings WHERE termid = $t", {"t": termid}
        ).fetchnumpy()
        found = np.asarray(got["docid"], dtype=np.int64)
        if docs is not None:
            kept = np.zeros(int(docs[-1]) + 1, dtype=bool)
            kept[docs] = True
            found = found[found <= docs[-1]]
            found = found[kept[found]]
        # Postings come in docid order (the index writes them so): sorted already, most often.
        docs = found if _ascending(found) else np.unique(found)
        if not len(docs):
            return []
    return [] if docs is None else docs.tolist()


def _ascending(values: npt.NDArray[np.int64]) -> bool:
    """Whether `values` rise strictly (sorted, no value twice)."""
    return len(values) < 2 or bool(np.all(values[1:] > values[:-1]))


def _query_term_ids(
    con: duckdb.DuckDBPyConnection,
    words: tuple[str, ...],
    facts: index_facts.IndexFacts,
    known: dict[str, int | None],
) -> list[int]:
    """The term ids of those of `words` that are in the index (a search finds any)."""
    return sorted(
        set(_lookup(con, query_terms.terms(facts.tokenize, " ".join(words)), known).values())
    )


def _time_range(
    column: str, since: datetime | None, until: datetime | None, params: dict[str, Any]
) -> list[str]:
    """The conditions keeping `column` in [since, until) (either end may be open); their
    parameters are added to `params`."""
    conditions = []
    if since:
        conditions.append(f"{column} >= $since")
        params["since"] = since
    if until:
        conditions.append(f"{column} < $until")
        params["until"] = until
    return conditions


# Ranked in this process on document ids (warehouse/search_ranking.py) where it can be; off:
# always the SQL below (the equivalence tests compare the two).
RANK_IN_PROCESS = True
_FAMILY = "SELECT entity_id FROM v_entity_rollup WHERE ancestor_id = $v"
_OF_KIND = "SELECT entity_id FROM v_entities WHERE kind = $v"


DOC_TIMES = "doc_times"  # the name the documents' times are kept under (index_facts.kept)


def prepare(con: duckdb.DuckDBPyConnection, path: Path) -> index_facts.IndexFacts:
    """Fill what `search_articles` keeps per state of the file `con` has open at `path`
    (the index's facts, the documents' times) and the stemmer of warehouse/query_terms.py,
    so that the next search on this state reads none of them."""
    facts = index_facts.facts(con, path)
    if facts.state == MISSING:
        return facts
    if facts.postings:
        query_terms.terms(facts.tokenize, "a", facts.stopwords)  # loads fts there, once
        if RANK_IN_PROCESS and facts.times_current:
            index_facts.kept(con, path, DOC_TIMES, search_ranking.DocTimes)
    return facts


def _entity_ids(con: duckdb.DuckDBPyConnection, sql: str, value: str) -> list[str]:
    return sorted({str(r[0]) for r in con.execute(sql, {"v": value}).fetchall()})


def search_articles(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    entity: str | None = None,
    kind: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
    path: Path | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """(number of matches, one page of them as dicts with each article's text for snippets).

    Every word is scored by BM25; quoted phrases must appear word for word. By relevance,
    articles holding the whole query as typed (a phrase, even unquoted) come first, then by
    score; by date, newest first. Filters: an entity (or a descendant) mentioned, an entity
    kind mentioned, a source (site), a time range [since, until). `path`: the warehouse
    file `con` reads, whose index facts are then kept while it is unchanged
    (warehouse/index_facts.py)."""
    if is_lake(con):
        raise QueryError(NO_INDEX_ON_LAKE)
    facts = index_facts.facts(con, path)
    if facts.state == MISSING:
        raise QueryError("no search index yet: run `labwatch search --reindex`")
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    q = parse_query(query)
    if not q.words:
        return 0, []
    postings = facts.postings
    if not postings:
        load_fts(con)  # match_bm25 and stem, for an index built before the postings
    known: dict[str, int | None] = {}  # stems looked up in this search
    terms_found = _query_term_ids(con, q.words, facts, known) if postings else []
    if postings and not terms_found:
        return 0, []
    filters = ["true"]
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if not postings:
        params["q"] = q.terms
    # Every indexed word of every phrase: only the articles holding them all can hold the
    # phrases, and only their texts are read.
    required: set[int] = set()
    for n, words in enumerate(q.phrases):
        # The texts are read in a later step than the other filters, and the pattern is
        # tied to that step's rows (h.article_id): else DuckDB pushes a filter on articles'
        # columns down into its scan, and reads every article's text.
        filters.append(
            f"regexp_matches(coalesce(a.title, '') || ' ' || coalesce(a.text, '')"
            f" || left(h.article_id, 0), $p{n})"
        )
        params[f"p{n}"] = phrase_sql(words)
        if postings:
            terms = _term_ids(con, words, facts, known)
            if terms is None:
                return 0, []
            required.update(terms)
    holding: list[str] = []
    docs: list[int] | None = None
    if required:
        docs = _holding(con, sorted(required))
        # None: every word is in most articles; listing them would cost more than it saves.
        if docs is not None and not docs:
            return 0, []
        if docs is not None:
            holding.append("docid IN (SELECT unnest($holding::JSON::BIGINT[]))")
            params["holding"] = json_list(docs)
    params["whole"] = phrase_sql(q.words)
    if (
        RANK_IN_PROCESS
        and postings
        and facts.times_current
        and not source
        and (facts.entities_current or not (entity or kind))
        and (sort == "date" or offset + limit <= PHRASE_POOL)
    ):
        times = index_facts.kept(con, path, DOC_TIMES, search_ranking.DocTimes)
        entity_sets = []
        if entity:
            entity_sets.append(rollup.members(rollup.rollup_pairs(con), entity))
        if kind:
            entity_sets.append(_entity_ids(con, _OF_KIND, kind))
        found = search_ranking.rank(
            con, times, terms_found, holding=docs,
            phrases=[params[f"p{n}"] for n in range(len(q.phrases))], whole=params["whole"],
            entity_sets=entity_sets, since=since, until=until, sort=sort, limit=limit,
            offset=offset, pool_size=PHRASE_POOL, site=_SITE, scored=facts.scoring == "subscore",
        )  # fmt: skip
        if found is not None:
            return found
    if (
        postings
        and not q.phrases
        and not (entity or kind or source)
        and (sort == "date" or offset + limit <= PHRASE_POOL)
        and facts.times_current
    ):
        return _by_documents(
            con, terms_found, params["whole"], since, until, sort, limit, offset, facts.scoring
        )
    where: list[str] = ["true"]
    if entity:
        where.append(
            "a.article_id IN (SELECT article_id FROM article_entities WHERE entity_id IN"
            f" ({_FAMILY.replace('$v', '$entity')}))"
        )
        params["entity"] = entity
    if kind:
        where.append(
            "a.article_id IN (SELECT article_id FROM article_entities WHERE entity_id IN"
            f" ({_OF_KIND.replace('$v', '$kind')}))"
        )
        params["kind"] = kind
    if source:
        where.append(f"{_SITE} = $source")
        params["source"] = source
    where += _time_range("coalesce(a.published_at, a.fetched_at)", since, until, params)
    order = (
        "phrase DESC, score DESC, t DESC NULLS LAST, article_id"
        if sort == "relevance"
        else "t DESC NULLS LAST, score DESC, article_id"
    )
    # An index built before the postings were (a stale one a read-only reader cannot
    # rebuild) is searched the slow way, with match_bm25 on every article.
    scored = (
        f"SELECT a.*, s.score FROM ({_scores(terms_found, holding, facts.scoring)}) s"
        " JOIN articles a USING (article_id)"
        if postings
        else "SELECT * FROM (SELECT *, fts_main_articles.match_bm25(article_id, $q) AS score"
        " FROM articles) WHERE score IS NOT NULL"
    )
    # The whole query as a phrase is looked for in the PHRASE_POOL best-scored matches
    # only: reading the text of every match (a common word matches most articles) would
    # cost more than the ranking itself. The pool and the page are top-N selections, not a
    # ranking of every match.
    # Another scan of articles (for their texts) only when there are phrases to look for.
    phrased = (
        f"SELECT h.* FROM scored h JOIN articles a USING (article_id) WHERE {' AND '.join(filters)}"
        if q.phrases
        else "SELECT * FROM scored"
    )
    # The page. By relevance, the pool's rows come first in the same order (phrases are
    # looked for only there; the rest follow by score, time and id, which ranked the pool):
    # a page within the pool is taken from it. By date, the page's rows are the newest
    # matches, and their phrase flag the pool's.
    # The pool's rows carry what a page shows (their texts are read for the phrase anyway):
    # a page from the pool needs no other read of articles.
    final = f"""
        SELECT r.article_id, round(r.score, 4) AS rounded, a.title, a.published_at,
               {_SITE} AS site, a.canonical_url AS url, r.phrase, left(a.text, 100000) AS text,
               (SELECT count(*) FROM hits) AS total
        FROM page r JOIN articles a USING (article_id)"""
    if sort == "relevance" and offset + limit <= PHRASE_POOL:
        page = f"SELECT * FROM pool ORDER BY {order} LIMIT $limit OFFSET $offset"
        final = """
        SELECT r.article_id, round(r.score, 4) AS rounded, r.title, r.published_at, r.site,
               r.url, r.phrase, r.text, (SELECT count(*) FROM hits) AS total
        FROM page r"""
    elif sort == "date":
        page = (
            f"SELECT h.*, coalesce(p.phrase, false) AS phrase FROM (SELECT * FROM hits"
            f" ORDER BY {order} LIMIT $limit OFFSET $offset) h"
            " LEFT JOIN pool p USING (article_id)"
        )
    else:
        page = (
            "SELECT h.*, coalesce(p.phrase, false) AS phrase"
            f" FROM hits h LEFT JOIN pool p USING (article_id)"
            f" ORDER BY {order} LIMIT $limit OFFSET $offset"
        )
    cursor = con.execute(
        f"""
        WITH scored AS MATERIALIZED (
            SELECT a.article_id, score, coalesce(a.published_at, a.fetched_at) AS t
            FROM ({scored}) a
            WHERE {" AND ".join(where)}
        ),
        hits AS MATERIALIZED ({phrased}),
        pool AS MATERIALIZED (
            SELECT r.*,
                   regexp_matches(coalesce(a.title, '') || ' ' || coalesce(a.text, '')
                                  || left(r.article_id, 0), $whole) AS phrase,
                   a.title, a.published_at, {_SITE} AS site, a.canonical_url AS url,
                   left(a.text, 100000) AS text
            FROM (SELECT * FROM hits
                  ORDER BY score DESC, t DESC NULLS LAST, article_id LIMIT {PHRASE_POOL}) r
            JOIN articles a USING (article_id)
        ),
        page AS MATERIALIZED ({page}
        )
        {final}
        ORDER BY {order.replace("score", "r.score").replace("t DESC", "r.t DESC")}
        """,
        params,
    )
    columns = [d[0] for d in cursor.description or []]
    rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    total = int(rows[0]["total"]) if rows else 0
    for r in rows:
        del r["total"]
        r["score"] = r.pop("rounded")
    return total, rows


_SITE = "coalesce(nullif(a.site_name, ''), split_part(a.url, '/', 3))"


def _edge(name: str, rows: str, first: str, second: str, k: int) -> str:
    """A CTE `name`: the `k`-th row of `rows` by `first` DESC, `second` DESC (NULLS LAST),
    as (a, b); no row when there are fewer."""
    return (
        f"{name} AS MATERIALIZED (SELECT {first} AS a, {second} AS b FROM {rows}"
        f" ORDER BY {first} DESC NULLS LAST, {second} DESC NULLS LAST LIMIT 1 OFFSET {k - 1})"
    )


def _best(rows: str, first: str, second: str, edge: str) -> str:
    """The rows of `rows` (docid, score, t) that can be among the first k by `first`
    DESC, `second` DESC (NULLS LAST), k-th row `edge` (`_edge`): those up to it, ties
    included (the article's key, which breaks the last ties, is read only for them)."""
    return f"""
        SELECT h.* FROM {rows} h LEFT JOIN {edge} e ON true
        WHERE e.a IS NULL OR h.{first} > e.a
           OR (h.{first} = e.a AND (e.b IS NULL OR h.{second} >= e.b))
    """


def _by_documents(
    con: duckdb.DuckDBPyConnection,
    terms: list[int],
    whole: str,
    since: datetime | None,
    until: datetime | None,
    sort: str,
    limit: int,
    offset: int,
    scoring: str = "len",
) -> tuple[int, list[dict[str, Any]]]:
    """`search_articles` of words without phrases, filtered by time at most, by relevance
    within the pool or by date: the same rows, found on document ids and the documents'
    times (`refresh_times`, current: checked by the caller). Only the pool's and the
    page's candidates are joined with their articles (the whole matches were, by their
    text keys: most of the time of a word most articles hold)."""
    when = ["true"]
    params: dict[str, Any] = {"whole": whole, "limit": limit, "offset": offset}
    when += _time_range("dt.t", since, until, params)
    edges = [_edge("pool_edge", "hits", "score", "t", PHRASE_POOL)]
    if sort == "relevance":
        page = """
            SELECT article_id, score, t, phrase, title, published_at, site, url, text
            FROM pool ORDER BY phrase DESC, score DESC, t DESC NULLS LAST, article_id
            LIMIT $limit OFFSET $offset"""
        order = "phrase DESC, score DESC, t DESC NULLS LAST, article_id"
    else:
        page = f"""
            SELECT r.article_id, r.score, r.t, coalesce(p.phrase, false) AS phrase, a.title,
                   a.published_at, {_SITE} AS site, a.canonical_url AS url,
                   left(a.text, 100000) AS text
            FROM (SELECT d.name AS article_id, c.score, c.t
                  FROM ({_best("hits", "t", "score", "page_edge")}) c
                  JOIN fts_main_articles.docs d USING (docid)
                  ORDER BY c.t DESC NULLS LAST, c.score DESC, article_id
                  LIMIT $limit OFFSET $offset) r
            JOIN articles a USING (article_id)
            LEFT JOIN pool p USING (article_id)"""
        order = "t DESC NULLS LAST, score DESC, article_id"
        edges.append(_edge("page_edge", "hits", "t", "score", offset + limit))
    rows = dicts_of(
        con.execute(
            f"""
            WITH hits AS MATERIALIZED (
                SELECT s.docid, s.score, dt.t
                FROM ({_doc_scores(terms, [], scoring)}) s
                JOIN fts_main_articles.doc_times dt USING (docid)
                WHERE {" AND ".join(when)}
            ),
            {", ".join(edges)},
            pool AS MATERIALIZED (
                SELECT r.*,
                       regexp_matches(coalesce(a.title, '') || ' ' || coalesce(a.text, '')
                                      || left(r.article_id, 0), $whole) AS phrase,
                       a.title, a.published_at, {_SITE} AS site, a.canonical_url AS url,
                       left(a.text, 100000) AS text
                FROM (SELECT d.name AS article_id, c.score, c.t
                      FROM ({_best("hits", "score", "t", "pool_edge")}) c
                      JOIN fts_main_articles.docs d USING (docid)
                      ORDER BY c.score DESC, c.t DESC NULLS LAST, article_id
                      LIMIT {PHRASE_POOL}) r
                JOIN articles a USING (article_id)
            ),
            page AS MATERIALIZED ({page})
            SELECT article_id, round(score, 4) AS rounded, title, published_at, site, url,
                   phrase, text, (SELECT count(*) FROM hits) AS total
            FROM page ORDER BY {order}
            """,
            params,
        )
    )
    total = int(rows[0]["total"]) if rows else 0
    for r in rows:
        del r["total"]
        r["score"] = r.pop("rounded")
    return total, rows


def dicts_of(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    entity: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Articles matching `query` (see `search_articles`: numbers and "phrases" too), best
    first; optionally only those mentioning `entity` (or one of its descendants) and
    published since `since`. The columns `labwatch search` prints."""
    _, rows = search_articles(con, query, entity=entity, since=since, limit=limit)
    columns = ["score", "title", "published_at", "site", "url"]
    return columns, [tuple(r[c] for c in columns) for r in rows]

"""Full-text search over article titles and texts: DuckDB's fts extension, BM25 ranking.

The extension comes from the `duckdb-extension-fts` package, loaded from its file, so search
works offline with nothing downloaded at run time. The index is a snapshot, built in one
transaction together with a fingerprint of the articles it covers (`search_index_state`). It
is rebuilt when it is missing (a run killed before building it) or stale (the articles'
fingerprint differs): at the end of every ingest, and by `labwatch search` itself before it
searches (`ensure_index`), so a search never misses what is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.database import open_warehouse
from warehouse.ducklake import is_lake
from warehouse.errors import QueryError, WarehouseLockedError

CURRENT, MISSING, STALE = "current", "missing", "stale"
UNAVAILABLE = "unavailable"  # on a DuckLake, which cannot hold the index
NO_INDEX_ON_LAKE = (
    "search needs a DuckDB warehouse: the full-text index cannot live in a DuckLake; "
    "use labwatch sql with ILIKE instead (docs/scale-out.md)"
)

# How the index is built: mixed into its fingerprint, so an index built another way (before
# numbers were indexed) is stale and rebuilt. Bump it when the PRAGMA below changes.
INDEX_FORMAT = 0x6C77_0003_F75E_A2C1
# Characters between words: DuckDB's default ('(\\.|[^a-z])+') drops digits, so "38" (as in
# "$38 billion") was never indexed and never found.
_IGNORE = r"(\.|[^a-z0-9])+"
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
    row = con.execute(
        "SELECT count(*), coalesce(bit_xor(hash(article_id, title, text_source, content_hash)),"
        " 0) FROM articles"
    ).fetchone()
    return (int(row[0]), int(row[1]) ^ INDEX_FORMAT) if row else (0, INDEX_FORMAT)


def index_state(con: duckdb.DuckDBPyConnection) -> str:
    """CURRENT, MISSING or STALE (built over other articles than those stored now)."""
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
    return CURRENT


def refresh_index(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the index over articles' title and text: English stemming and stopwords.
    One transaction with the fingerprint it covers: a run killed meanwhile leaves the last
    index and its fingerprint as they were."""
    load_fts(con)
    con.execute("BEGIN TRANSACTION")
    try:
        articles, fingerprint = articles_fingerprint(con)
        if has_index(con):
            con.execute("DROP TABLE IF EXISTS fts_main_articles.postings")
        con.execute(
            "PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', stemmer ="
            f" 'porter', stopwords = 'english', ignore = '{_IGNORE}', strip_accents = 1,"
            " lower = 1, overwrite = 1)"
        )
        con.execute(_POSTINGS)
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


# Each term's documents with the term's BM25 part of their score, in term order: what
# match_bm25 computes at every search from `terms` (one row per word of every article: 61M
# at 1M synthetic articles), counting and scoring every matching document's occurrences. It
# depends on the term and the document only (its count in the document, the document's
# length, the term's document frequency, the corpus size and mean length), so it is computed
# once here; a search sums it for its terms. The expression is match_bm25's (k 1.2, b 0.75),
# so the scores are the same numbers. The counts are joined with `dict` before `docs` in a
# materialised step: in the index's own transaction its tables have no statistics yet, and
# DuckDB then planned dict x docs as a cross product (97 s of CPU at 50,000 articles, against
# 0.6 s for this form, with identical postings).
_POSTINGS = """
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
    ORDER BY tf.termid, tf.docid
"""

# Every article matching a query's words (any of them) with its BM25 score, from the postings.
_SCORES = """
    SELECT d.name AS article_id, p.score
    FROM (SELECT docid, sum(subscore) AS score FROM fts_main_articles.postings
          WHERE termid IN (SELECT termid FROM fts_main_articles.dict
                           WHERE term IN (SELECT stem(unnest(fts_main_articles.tokenize($q)),
                                                      'porter')))
          GROUP BY docid) p
    JOIN fts_main_articles.docs d USING (docid)
"""


def has_postings(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'fts_main_articles'"
        " AND table_name = 'postings'"
    ).fetchone()
    return bool(row and row[0])


def refresh_if_needed(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> str:
    """Rebuild the index if `force`, or if it is missing or stale; return the state found.
    A DuckLake cannot hold the index (docs/scale-out.md): nothing to build there."""
    if is_lake(con):
        return UNAVAILABLE
    load_fts(con)
    state = index_state(con)
    if force or state != CURRENT:
        refresh_index(con)
    return state


def ensure_index(path: Path, lock_wait: float, *, force: bool = False) -> str:
    """Make the index current before a search (a read-write open only when it is not);
    return a note for the user, or "" when there is nothing to say."""
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
            refresh_if_needed(con, force=True)
    except WarehouseLockedError:
        if state == STALE:
            return (
                "the search index is behind the articles and the warehouse is busy (an "
                "ingest, which rebuilds it when it ends): results may miss the newest"
            )
        raise
    return f"the search index was {state}: rebuilt it" if state != "asked for" else ""


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
) -> tuple[int, list[dict[str, Any]]]:
    """(number of matches, one page of them as dicts with each article's text for snippets).

    Every word is scored by BM25; quoted phrases must appear word for word. By relevance,
    articles holding the whole query as typed (a phrase, even unquoted) come first, then by
    score; by date, newest first. Filters: an entity (or a descendant) mentioned, an entity
    kind mentioned, a source (site), a time range [since, until)."""
    load_fts(con)
    if not has_index(con):
        raise QueryError(
            NO_INDEX_ON_LAKE
            if is_lake(con)
            else "no search index yet: run `labwatch search --reindex`"
        )
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    q = parse_query(query)
    if not q.words:
        return 0, []
    filters = ["score IS NOT NULL"]
    params: dict[str, Any] = {"q": q.terms, "limit": limit, "offset": offset}
    for n, words in enumerate(q.phrases):
        filters.append(
            f"regexp_matches(coalesce(a.title, '') || ' ' || coalesce(a.text, ''), $p{n})"
        )
        params[f"p{n}"] = phrase_pattern(words)
    params["whole"] = phrase_pattern(q.words)
    if entity:
        filters.append(
            "a.article_id IN (SELECT article_id FROM article_entities WHERE entity_id IN"
            " (SELECT entity_id FROM v_entity_rollup WHERE ancestor_id = $entity))"
        )
        params["entity"] = entity
    if kind:
        filters.append(
            "a.article_id IN (SELECT article_id FROM article_entities WHERE entity_id IN"
            " (SELECT entity_id FROM v_entities WHERE kind = $kind))"
        )
        params["kind"] = kind
    if source:
        filters.append(f"{_SITE} = $source")
        params["source"] = source
    if since:
        filters.append("coalesce(a.published_at, a.fetched_at) >= $since")
        params["since"] = since
    if until:
        filters.append("coalesce(a.published_at, a.fetched_at) < $until")
        params["until"] = until
    order = (
        "phrase DESC, score DESC, t DESC NULLS LAST, article_id"
        if sort == "relevance"
        else "t DESC NULLS LAST, score DESC, article_id"
    )
    # The whole query as a phrase is looked for in the PHRASE_POOL best-scored matches
    # only: reading the text of every match (a common word matches most articles) would
    # cost more than the ranking itself.
    # An index built before the postings were (a stale one a read-only reader cannot
    # rebuild) is searched the slow way, with match_bm25 on every article.
    scored = (
        f"(SELECT a.*, s.score FROM ({_SCORES}) s JOIN articles a USING (article_id))"
        if has_postings(con)
        else "(SELECT *, fts_main_articles.match_bm25(article_id, $q) AS score FROM articles)"
    )
    cursor = con.execute(
        f"""
        WITH hits AS MATERIALIZED (
            SELECT a.article_id, score, coalesce(a.published_at, a.fetched_at) AS t
            FROM {scored} a
            WHERE {" AND ".join(filters)}
        ),
        ranked AS MATERIALIZED (
            SELECT *, row_number() OVER (ORDER BY score DESC, t DESC NULLS LAST) AS rank,
                   count(*) OVER () AS total
            FROM hits
        ),
        pool AS MATERIALIZED (
            SELECT r.article_id,
                   regexp_matches(coalesce(a.title, '') || ' ' || coalesce(a.text, ''), $whole)
                       AS phrase
            FROM ranked r JOIN articles a USING (article_id)
            WHERE r.rank <= {PHRASE_POOL}
        )
        SELECT r.article_id, round(r.score, 4) AS rounded, a.title, a.published_at,
               {_SITE} AS site, a.canonical_url AS url, r.phrase, left(a.text, 100000) AS text,
               r.total
        FROM (SELECT ranked.*, coalesce(p.phrase, false) AS phrase FROM ranked
              LEFT JOIN pool p USING (article_id)
              ORDER BY {order} LIMIT $limit OFFSET $offset) r
        JOIN articles a USING (article_id)
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

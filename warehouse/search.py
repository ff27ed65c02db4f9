"""Full-text search over article titles and texts: DuckDB's fts extension, BM25 ranking.

The extension comes from the `duckdb-extension-fts` package, loaded from its file, so search
works offline with nothing downloaded at run time. The index is a snapshot, built in one
transaction together with a fingerprint of the articles it covers (`search_index_state`). It
is rebuilt when it is missing (a run killed before building it) or stale (the articles'
fingerprint differs): at the end of every ingest, and by `labwatch search` itself before it
searches (`ensure_index`), so a search never misses what is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.database import open_warehouse
from warehouse.errors import QueryError, WarehouseLockedError

CURRENT, MISSING, STALE = "current", "missing", "stale"


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
    return (int(row[0]), int(row[1])) if row else (0, 0)


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
        con.execute(
            "PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', stemmer ="
            " 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
        )
        con.execute(
            "INSERT OR REPLACE INTO search_index_state VALUES (1, ?, ?, ?)",
            [articles, fingerprint, datetime.now(UTC)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def refresh_if_needed(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> str:
    """Rebuild the index if `force`, or if it is missing or stale; return the state found."""
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


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    entity: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Articles matching `query`, best BM25 score first; optionally only those mentioning
    `entity` (or one of its descendants) and published since `since`."""
    load_fts(con)
    if not has_index(con):
        raise QueryError("no search index yet: run `labwatch search --reindex`")
    filters = ["score IS NOT NULL"]
    params: dict[str, Any] = {"q": query, "limit": limit}
    if entity:
        filters.append(
            "EXISTS (SELECT 1 FROM mentions m JOIN v_entity_rollup r USING (entity_id)"
            " WHERE m.article_id = a.article_id AND r.ancestor_id = $entity)"
        )
        params["entity"] = entity
    if since:
        filters.append("coalesce(a.published_at, a.fetched_at) >= $since")
        params["since"] = since
    cursor = con.execute(
        f"""
        SELECT round(score, 4) AS score, a.title, a.published_at,
               coalesce(nullif(a.site_name, ''), split_part(a.url, '/', 3)) AS site,
               a.canonical_url AS url
        FROM (SELECT *, fts_main_articles.match_bm25(article_id, $q) AS score FROM articles) a
        WHERE {" AND ".join(filters)}
        ORDER BY score DESC, a.published_at DESC NULLS LAST
        LIMIT $limit
        """,
        params,
    )
    return [d[0] for d in cursor.description or []], cursor.fetchall()

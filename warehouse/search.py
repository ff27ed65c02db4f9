"""Full-text search over article titles and texts: DuckDB's fts extension, BM25 ranking.

The extension comes from the `duckdb-extension-fts` package, loaded from its file, so search
works offline with nothing downloaded at run time. The index is a snapshot: the ingest flow
rebuilds it after each run that stored articles.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.errors import QueryError


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


def refresh_index(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the index over articles' title and text: English stemming and stopwords."""
    load_fts(con)
    con.execute(
        "PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', "
        "stemmer = 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
    )


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
        raise QueryError(
            "no search index yet: run `labwatch ingest`, or `labwatch search --reindex`"
        )
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

"""The SQL readers use: totals, the digest's figures for one week, and users' own read-only SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from warehouse.errors import QueryError

# An article belongs to the week it was published in, or fetched in when it has no date.
_ARTICLE_TIME = "coalesce(a.published_at, a.fetched_at)"


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """Make a read-only connection safe for arbitrary SQL: no reading or writing other files
    (COPY TO, ATTACH, read_csv), and no way to switch that back on."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def run_sql(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a user's SQL; return (column names, rows). DuckDB's message on error, no traceback."""
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from exc
    return columns, rows


def totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = con.execute(
        "SELECT (SELECT count(*) FROM feeds), (SELECT count(*) FROM articles),"
        " (SELECT count(*) FROM mentions), (SELECT count(*) FROM deals)"
    ).fetchone()
    assert row is not None
    return dict(zip(("feeds", "articles", "mentions", "deals"), map(int, row), strict=True))


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[Monday 00:00 UTC, next Monday 00:00 UTC) of an ISO week such as 2026-W47."""
    try:
        monday = datetime.strptime(week + "-1", "%G-W%V-%u").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"not an ISO week: {week!r} (expected e.g. 2026-W47)") from exc
    return monday, monday + timedelta(days=7)


def newest_article_week(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(f"SELECT max({_ARTICLE_TIME}) FROM articles a").fetchone()
    return iso_week(row[0].date()) if row and row[0] else None


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


@dataclass(frozen=True)
class WeekFigures:
    articles: int
    sources: int
    entities: int
    mentions: int
    deals: int


@dataclass(frozen=True)
class DigestData:
    week: str
    start: datetime
    end: datetime
    this_week: WeekFigures
    last_week: WeekFigures
    entities: list[dict[str, Any]]  # entity_id, name, kind, mentions, articles, last_mentions
    deals: list[dict[str, Any]]
    stories: list[dict[str, Any]]  # one per cluster: title, url, site, sources, mentions, also
    failing_feeds: list[dict[str, Any]]


def _figures(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> WeekFigures:
    row = con.execute(
        f"""
        WITH wk AS (SELECT * FROM articles a WHERE {_ARTICLE_TIME} >= $start
                                               AND {_ARTICLE_TIME} < $end)
        SELECT (SELECT count(*) FROM wk),
               (SELECT count(DISTINCT coalesce(nullif(site_name, ''), split_part(url, '/', 3)))
                  FROM wk),
               (SELECT count(DISTINCT entity_id) FROM mentions JOIN wk USING (article_id)),
               (SELECT count(*) FROM mentions JOIN wk USING (article_id)),
               (SELECT count(*) FROM deals JOIN wk USING (article_id))
        """,
        {"start": start, "end": end},
    ).fetchone()
    assert row is not None
    return WeekFigures(*map(int, row))


def digest_data(con: duckdb.DuckDBPyConnection, week: str) -> DigestData:
    """Everything the weekly digest shows, for one ISO week."""
    start, end = week_bounds(week)
    prev = start - timedelta(days=7)
    params = {"start": start, "end": end}
    week_articles = f"""
        SELECT a.article_id FROM articles a
        WHERE {_ARTICLE_TIME} >= $start AND {_ARTICLE_TIME} < $end"""
    entities = _dicts(
        con.execute(
            f"""
            WITH latest AS (SELECT * FROM v_entities),
            counts AS (
                SELECT m.entity_id,
                       count(*) FILTER (WHERE t >= $start) AS mentions,
                       count(DISTINCT m.article_id) FILTER (WHERE t >= $start) AS articles,
                       count(*) FILTER (WHERE t < $start) AS last_mentions
                FROM mentions m
                JOIN (SELECT article_id, {_ARTICLE_TIME} AS t FROM articles a) USING (article_id)
                WHERE t >= $prev AND t < $end
                GROUP BY m.entity_id
            )
            SELECT c.entity_id, coalesce(l.name, c.entity_id) AS name,
                   coalesce(l.kind, '') AS kind, c.mentions, c.articles, c.last_mentions
            FROM counts c LEFT JOIN latest l USING (entity_id)
            WHERE c.mentions > 0 OR c.last_mentions > 0
            ORDER BY c.mentions DESC, c.articles DESC, c.entity_id
            """,
            {**params, "prev": prev},
        )
    )
    deals = _dicts(
        con.execute(
            f"""
            SELECT d.kind, d.investor_id, d.target_id, d.amount_usd, d.amount_max_usd,
                   d.qualifier, d.year, d.evidence, a.title, a.canonical_url AS url
            FROM deals d JOIN articles a USING (article_id)
            WHERE d.article_id IN ({week_articles})
            ORDER BY d.amount_usd DESC NULLS LAST, d.investor_id, d.target_id
            """,
            params,
        )
    )
    # One line per story: syndicated copies (one cluster) fold into their earliest article,
    # ranked by how many sources carried the story, then by watchlist mentions.
    stories = _dicts(
        con.execute(
            f"""
            WITH wk AS (
                SELECT a.*, {_ARTICLE_TIME} AS t,
                       coalesce(nullif(a.site_name, ''), split_part(a.url, '/', 3)) AS site,
                       (SELECT count(*) FROM mentions m WHERE m.article_id = a.article_id) AS n
                FROM articles a WHERE a.article_id IN ({week_articles})
            )
            SELECT coalesce(cluster_id, article_id) AS cluster_id,
                   arg_min(title, t) AS title, arg_min(canonical_url, t) AS url,
                   arg_min(site, t) AS site, min(published_at) AS published_at,
                   count(DISTINCT site) AS sources, count(*) AS articles, sum(n) AS mentions,
                   list({{'site': site, 'url': canonical_url}} ORDER BY t)[2:6] AS also
            FROM wk
            GROUP BY 1
            ORDER BY sources DESC, mentions DESC, published_at DESC NULLS LAST
            LIMIT 25
            """,
            params,
        )
    )
    failing = _dicts(
        con.execute(
            """
            SELECT coalesce(nullif(name, ''), title, url) AS name, url, last_outcome,
                   last_error, consecutive_failures, last_fetched_at
            FROM feeds
            WHERE last_outcome NOT IN ('ok', 'not_modified')
            ORDER BY consecutive_failures DESC, url
            """
        )
    )
    return DigestData(
        week=week,
        start=start,
        end=end,
        this_week=_figures(con, start, end),
        last_week=_figures(con, prev, start),
        entities=entities,
        deals=deals,
        stories=stories,
        failing_feeds=failing,
    )


def deals_ledger(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The deals ledger (`v_deals`), largest amounts first."""
    cursor = con.execute(
        "SELECT kind, investor, target, amount_usd, amount_max_usd, qualifier, year, sources,"
        " first_reported, evidence FROM v_deals"
        " ORDER BY amount_usd DESC NULLS LAST, sources DESC, kind, investor, target"
    )
    return [d[0] for d in cursor.description or []], cursor.fetchall()

"""The SQL readers use: totals, ISO weeks, the deals ledger and users' own read-only SQL.

The digest's queries are in warehouse/digest_queries.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from warehouse.errors import InvalidWeekError, QueryError

# An article belongs to the week it was published in, or fetched in when it has no date.
ARTICLE_TIME = "coalesce(a.published_at, a.fetched_at)"


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """Make a read-only connection safe for arbitrary SQL: no reading or writing other files
    (COPY TO, ATTACH, read_csv), and no way to switch that back on."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def utc_for_cursors(con: duckdb.DuckDBPyConnection) -> None:
    """The cursors of `con` in UTC too: the time zone set on opening (warehouse/database.py)
    is the session's, and a cursor is a session of its own; once locked down, no setting
    changes, so this comes first."""
    con.execute("SET GLOBAL TimeZone = 'UTC'")


def run_sql(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a user's SQL; return (column names, rows). DuckDB's message on error, no traceback."""
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from exc
    return columns, rows


def stream_sql(
    con: duckdb.DuckDBPyConnection, sql: str, chunk: int = 10_000
) -> tuple[list[str], Iterator[list[tuple[Any, ...]]]]:
    """Run a user's SQL; return its column names and its rows in chunks, fetched as they are
    read, so a result of billions of rows is never held at once. Errors, also those met
    while fetching, are QueryErrors with DuckDB's message."""
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from exc

    def chunks() -> Iterator[list[tuple[Any, ...]]]:
        while columns:
            try:
                rows = cursor.fetchmany(chunk)
            except duckdb.Error as exc:
                raise QueryError(str(exc).strip()) from exc
            if not rows:
                return
            yield rows

    return columns, chunks()


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
        raise InvalidWeekError(f"not an ISO week: {week!r} (expected e.g. 2026-W47)") from exc
    return monday, monday + timedelta(days=7)


def newest_article_week(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(f"SELECT max({ARTICLE_TIME}) FROM articles a").fetchone()
    return iso_week(row[0].date()) if row and row[0] else None


def deals_ledger(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The deals ledger (`v_deals`), largest amounts first: one row per deal with its status,
    the roles of a round's backers ("lead:iconiq, participant:nvidia"), the amount as
    written when it was not in dollars and who found it (`rules`, or `model`: the deal model
    alone)."""
    cursor = con.execute(
        "SELECT kind, investor, target, amount_usd, amount_max_usd, qualifier, year, status,"
        " array_to_string(list_transform(roles, r -> r.role || ':' || r.entity_id), ', ')"
        " AS roles,"
        " CASE WHEN currency <> 'USD' THEN currency || ' ' || amount::VARCHAR END AS written,"
        " tranche, sources, first_reported, found_by, evidence FROM v_deals"
        " ORDER BY amount_usd DESC NULLS LAST, sources DESC, kind, investor, target"
    )
    return [d[0] for d in cursor.description or []], cursor.fetchall()

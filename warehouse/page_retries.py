"""Pages that failed: which to fetch again, and upgrading their articles in place when they arrive.

An article whose page failed is stored with the feed's text (`text_source` feed_content or
feed_summary) and its `page_outcome`. `page_retries` keeps how often the page was tried and
under which allow list; the flow decides which are due (flows/page_retry.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

from warehouse.append import Row, insert_rows, register_rows
from warehouse.ducklake import rollback
from warehouse.ducklake_lease import retried, take_turn
from warehouse.list_param import json_list


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def failed_pages(
    con: duckdb.DuckDBPyConnection,
    *,
    outcomes: Sequence[str] | None = None,
    since: datetime | None = None,
    feed_id: str | None = None,
    exclude_run: str | None = None,
) -> list[dict[str, Any]]:
    """Stored articles without their page's text because the page failed: article_id, url,
    outcome, attempts, last_tried_at, allowed_hosts. Filters: the outcomes of the last try,
    published (or stored) since a time, carried by a feed, not stored by a given run."""
    return _dicts(
        con.execute(
            """
            SELECT a.article_id, a.url, coalesce(r.outcome, a.page_outcome) AS outcome,
                   coalesce(r.attempts, 1) AS attempts,
                   coalesce(r.last_tried_at, a.fetched_at) AS last_tried_at,
                   coalesce(r.allowed_hosts, []::VARCHAR[]) AS allowed_hosts
            FROM articles a LEFT JOIN page_retries r USING (article_id)
            WHERE a.text_source <> 'page' AND a.page_outcome IS NOT NULL
              AND ($outcomes IS NULL
                   OR coalesce(r.outcome, a.page_outcome)
                      IN (SELECT unnest($outcomes::JSON::VARCHAR[])))
              AND ($since IS NULL OR coalesce(a.published_at, a.fetched_at) >= $since)
              AND ($feed IS NULL OR a.article_id IN
                   (SELECT article_id FROM article_feeds WHERE feed_id = $feed))
              AND ($run IS NULL OR a.run_id <> $run)
            ORDER BY a.fetched_at, a.article_id
            """,
            {
                "outcomes": json_list(outcomes) if outcomes is not None else None,
                "since": since,
                "feed": feed_id,
                "run": exclude_run,
            },
        )
    )


def retry_inputs(
    con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """What analysing an article again needs: url, title, author, published_at, the feed's
    text and where it came from."""
    if not article_ids:
        return []
    return _dicts(
        con.execute(
            """
            SELECT article_id, url, coalesce(title, '') AS title, coalesce(author, '') AS author,
                   published_at, coalesce(text, '') AS text, text_source
            FROM articles WHERE article_id IN (SELECT unnest($ids::JSON::VARCHAR[]))
            ORDER BY article_id
            """,
            {"ids": json_list(article_ids)},
        )
    )


@retried  # on a lake: after a commit conflict with another worker's
def record_page_tries(
    con: duckdb.DuckDBPyConnection, tries: Sequence[Row], *, first: bool = False
) -> None:
    """Record how fetching pages went: rows of article_id, outcome, error, allowed_hosts,
    tried_at (and upgraded_at when the page's text arrived). `first` is the try made when the
    article was stored (kept if a row exists); otherwise each row is one more attempt."""
    if not tries:
        return
    if first:
        first_rows = [
            {"article_id": t["article_id"], "attempts": 1, "outcome": t["outcome"],
             "error": t["error"], "allowed_hosts": t["allowed_hosts"],
             "last_tried_at": t["tried_at"]}
            for t in tries
        ]  # fmt: skip
        insert_rows(con, "page_retries", first_rows)  # a stored row is kept
        return
    tries = list({t["article_id"]: t for t in tries}.values())
    con.execute("BEGIN TRANSACTION")  # both statements, or neither (retried whole)
    try:
        take_turn(con)
        with register_rows(con, "_tries", tries):
            con.execute(
                """
                MERGE INTO page_retries USING (
                    SELECT t.article_id, coalesce(r.attempts, 1) + 1 AS attempts, t.outcome,
                           t.error, t.allowed_hosts, t.tried_at AS last_tried_at, t.upgraded_at
                    FROM _tries t LEFT JOIN page_retries r USING (article_id)
                ) AS n ON page_retries.article_id = n.article_id
                WHEN MATCHED THEN UPDATE SET
                    attempts = n.attempts, outcome = n.outcome, error = n.error,
                    allowed_hosts = n.allowed_hosts, last_tried_at = n.last_tried_at,
                    upgraded_at = n.upgraded_at
                WHEN NOT MATCHED THEN INSERT BY NAME
                """
            )
            # A page that failed again keeps the feed's text; its latest reason is shown.
            con.execute(
                """
                UPDATE articles SET page_error = t.error, page_outcome = t.outcome
                FROM _tries t
                WHERE articles.article_id = t.article_id AND t.upgraded_at IS NULL
                  AND articles.text_source <> 'page'
                """
            )
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise

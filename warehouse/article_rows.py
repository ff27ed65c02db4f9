"""One article's mentions read where its position puts them, not by a scan of every mention.

`mentions` has no index (migration 0014, for the appends' sake): a filter on one article's
key compares 10M keys at 10M mentions (50-180 ms). The writers append an article's mentions
in the batch that appends the article, so `mentions` is in about the order of `articles`:
an article at position p of N sits near row p * M / N of M mentions. Rows are read in a
window around that guess, widened twice, and the rows of the article found there are kept
only when they are all its mentions: as many as `article_entities` counts for it (the
writers keep that count in step with `mentions`; tests/test_article_entities.py checks it).
Otherwise (an article with no counts, a time out of step, mentions elsewhere) the caller
scans, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

# Half-widths of the windows tried around the guess: a row group's worth, then 16 (2.6% of
# 10M mentions); wider would cost about what the scan costs.
WINDOWS = (1 << 13, 1 << 17)


def mentions_near(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, object],
    position: int,
    t: datetime,
    windows: Sequence[int] = WINDOWS,
) -> list[dict[str, Any]] | None:
    """The rows of `sql` (a query over `{mentions}` aliased `m`, filtered on
    `m.article_id = $id`, one row per mention) read from windows of `mentions` around where
    the article at `position` in `articles`, of time `t`, puts its mentions; None when they
    were not all found there."""
    expected = con.execute(
        "SELECT sum(mentions) FROM article_entities WHERE t = $t AND article_id = $id",
        {"t": t, "id": params["id"]},
    ).fetchone()
    if not expected or not expected[0]:
        return None
    (n_mentions,) = con.execute("SELECT count(*) FROM mentions").fetchone() or (0,)
    (n_articles,) = con.execute("SELECT count(*) FROM articles").fetchone() or (0,)
    guess = position * int(n_mentions) // max(1, int(n_articles))
    for half in windows:
        low, high = max(0, guess - half), guess + half
        # MATERIALIZED keeps the key's filter out of the scan: with it there, DuckDB 1.5
        # reads every row group despite the rowid range (60 against 4 ms for 10k rows).
        window = (
            f"(WITH w AS MATERIALIZED (SELECT * FROM mentions"
            f" WHERE rowid BETWEEN {int(low)} AND {int(high)}) SELECT * FROM w)"
        )
        cursor = con.execute(sql.format(mentions=window), params)
        rows = cursor.fetchall()
        if len(rows) == expected[0]:
            names = [d[0] for d in cursor.description or []]
            return [dict(zip(names, r, strict=True)) for r in rows]
    return None

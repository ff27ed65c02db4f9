"""`entity_pair_weeks`: the articles each entity shares with each other one, per ISO week.

The entity page's "Named with" counts, for its chart's period, the articles naming an entity
(or a descendant) that also name each other entity. From `article_entities` that is a join
of the entity's rows with every other row of their articles: at 1M articles, two years of
the most-named entity were 0.45-0.6 s. This table holds the counts per UTC week (migration
0020): a reader adds up the weeks within its period and counts only the days at its ends
from article_entities (`warehouse/web_queries.py` `co_mentioned`).

Rows: `rollup = false`, the articles naming both `entity_id` and `other_id`; `rollup =
true`, for an entity with descendants, the articles naming any member of its family and
`other_id` (each article once; members included as `other_id`, readers leave them out).
Families are those of `entity_pair_families`, brought in line with the watchlist before
every change (`sync_families`); a reader uses a family's rows only while they match.

Written in week order (a batch's MERGE then skips the weeks it does not touch: +12 ms of CPU
per batch of 64 at 1M articles, against +22 ms unordered). Kept like warehouse/entity_days.py:
warehouse/article_entities.py calls `added` for new articles' rows, `changing` (-1 before,
1 after) around rows that change or go, `rebuild` when the whole table was replaced; so
`stored` always equals `rebuilt` (tests/test_entity_pairs.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import duckdb

from warehouse.append import register_rows
from warehouse.entity_days import current_families
from warehouse.list_param import json_list

# The week counts of `rows` (article_entities rows, each article with all its rows):
# (entity_id, other_id, week, rollup, articles).
_COUNTS = """
    WITH r AS (
        SELECT article_id, entity_id, date_trunc('week', timezone('UTC', t))::DATE AS week
        FROM {rows}
    ),
    fam AS (
        SELECT DISTINCT r.article_id, r.week, f.ancestor_id
        FROM r JOIN entity_pair_families f USING (entity_id)
    )
    SELECT a.entity_id, b.entity_id AS other_id, a.week, false AS rollup, count(*) AS articles
    FROM r a JOIN r b ON a.article_id = b.article_id AND a.entity_id <> b.entity_id
    GROUP BY ALL
    UNION ALL
    SELECT f.ancestor_id, b.entity_id, f.week, true, count(*)
    FROM fam f JOIN r b ON f.article_id = b.article_id AND b.entity_id <> f.ancestor_id
    GROUP BY ALL
"""


def _apply(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    params: Mapping[str, Any],
    sign: int,
    *,
    own_only: bool = False,
) -> None:
    """Add (sign 1) or take away (-1) the week counts of `rows`; `own_only`: not the
    families' rows. A count down to zero is deleted (separately: a DuckLake's MERGE has one
    UPDATE or DELETE action at most)."""
    only = "NOT rollup" if own_only else "true"
    con.execute(
        f"""
        MERGE INTO entity_pair_weeks
        USING (SELECT * FROM ({_COUNTS.format(rows=rows)}) WHERE {only}) AS s
        ON entity_pair_weeks.entity_id = s.entity_id
           AND entity_pair_weeks.other_id = s.other_id
           AND entity_pair_weeks.week = s.week AND entity_pair_weeks.rollup = s.rollup
        WHEN MATCHED THEN UPDATE SET articles = entity_pair_weeks.articles + {sign} * s.articles
        WHEN NOT MATCHED THEN INSERT (entity_id, other_id, week, rollup, articles)
            VALUES (s.entity_id, s.other_id, s.week, s.rollup, {sign} * s.articles)
        """,
        dict(params),
    )
    if sign < 0:
        con.execute("DELETE FROM entity_pair_weeks WHERE articles = 0")


def sync_families(con: duckdb.DuckDBPyConnection) -> bool:
    """Count the families' rows again if the watchlist in use has other families than those
    counted; True when it did."""
    current = current_families(con)
    counted = sorted(
        con.execute("SELECT ancestor_id, entity_id FROM entity_pair_families").fetchall()
    )
    if current == counted:
        return False
    _record_families(con, current)
    con.execute("DELETE FROM entity_pair_weeks WHERE rollup")
    con.execute(
        "INSERT INTO entity_pair_weeks SELECT * FROM ("
        + _COUNTS.format(rows="article_entities")
        + ") WHERE rollup ORDER BY week, entity_id, other_id"
    )
    return True


def _record_families(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]]) -> None:
    """Make `pairs` (ancestor, member) the families counted."""
    con.execute("DELETE FROM entity_pair_families")
    if pairs:
        with register_rows(
            con, "_pair_families", [{"ancestor_id": a, "entity_id": e} for a, e in pairs]
        ):
            con.execute("INSERT INTO entity_pair_families BY NAME SELECT * FROM _pair_families")


def added(con: duckdb.DuckDBPyConnection, relation: str) -> None:
    """Count the rows of `relation` (a temporary relation of `article_entities` rows), just
    inserted into article_entities (articles that had none)."""
    recounted = sync_families(con)  # a recount of the families saw the rows already
    _apply(con, relation, {}, 1, own_only=recounted)


def changing(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], sign: int) -> None:
    """Take away (sign -1, before their rows change or go) or add back (1, after) the
    counts of these articles' rows in article_entities."""
    if not article_ids:
        return
    sync_families(con)
    _apply(
        con,
        "(SELECT * FROM article_entities"
        " WHERE article_id IN (SELECT unnest($ids::JSON::VARCHAR[])))",
        {"ids": json_list(article_ids)},
        sign,
    )


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Count everything again from article_entities (after every row of it was replaced)."""
    _record_families(con, current_families(con))
    con.execute("DELETE FROM entity_pair_weeks")
    con.execute(
        f"INSERT INTO entity_pair_weeks SELECT * FROM ({_COUNTS.format(rows='article_entities')})"
        " ORDER BY week, entity_id, other_id"
    )


def rebuilt(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, date, bool, int]]:
    """What the table must hold, from article_entities and the families counted, sorted."""
    return _sorted(con.execute(_COUNTS.format(rows="article_entities")).fetchall())


def stored(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, date, bool, int]]:
    """The table's rows, sorted as `rebuilt`."""
    return _sorted(
        con.execute(
            "SELECT entity_id, other_id, week, rollup, articles FROM entity_pair_weeks"
        ).fetchall()
    )


def _sorted(rows: list[Any]) -> list[tuple[str, str, date, bool, int]]:
    return sorted((str(e), str(o), w, bool(r), int(n)) for e, o, w, r, n in rows)


def families(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The families the rollup rows were counted with: ancestor -> its members."""
    out: dict[str, set[str]] = {}
    for ancestor, member in con.execute(
        "SELECT ancestor_id, entity_id FROM entity_pair_families"
    ).fetchall():
        out.setdefault(str(ancestor), set()).add(str(member))
    return out

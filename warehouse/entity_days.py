"""`entity_days`: each entity's articles and mentions per day, kept with `article_entities`.

The web's charts (an entity over two years per day, "compare", the API's series) counted
`article_entities` rows (one per article and entity: millions at 1M articles) at every
request. This table holds the same counts per UTC day (the warehouse's session time zone):
a few rows per entity and day, so a series of any length is a short read.

Two kinds of rows: `rollup = false`, an entity's own articles and mentions; `rollup = true`,
for an entity with descendants in the watchlist (amazon: aws, bedrock), the articles naming
any of them (each once) and all their mentions. Articles cannot be added up from the own
rows (an article naming aws and bedrock counts once for amazon), hence these rows. They are
counted with the families in `entity_days_families`, which `sync_families` brings in line
with the watchlist in use before every change; a reader uses a family's rows only when its
members there are the watchlist's (`tests/test_entity_days.py`).

`article_entities` changes an article's rows all at once (added, forgotten, given a new
time, or all rebuilt), and warehouse/article_entities.py calls this module at each of these:
the counts of those articles are taken away before and added after, so the table always
equals `rebuilt` (tests/test_entity_days.py, also on a DuckLake).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import duckdb

from warehouse.append import register_rows
from warehouse.list_param import json_list
from warehouse.rollup import rollup_pairs

# The families of the watchlist in use: ancestors with at least one descendant, each with
# every member (itself included).
_FAMILIES = """
    SELECT DISTINCT ancestor_id, entity_id FROM v_entity_rollup
    WHERE ancestor_id IN (SELECT ancestor_id FROM v_entity_rollup
                          GROUP BY ancestor_id HAVING count(DISTINCT entity_id) > 1)
"""

# The day counts of `rows` (article_entities rows, each article with all its rows):
# (entity_id, day, rollup, articles, mentions). Day: the UTC day of the article's time.
_COUNTS = """
    WITH r AS (
        SELECT article_id, entity_id, timezone('UTC', t)::DATE AS day, mentions FROM {rows}
    )
    SELECT entity_id, day, false AS rollup, count(*) AS articles, sum(mentions) AS mentions
    FROM r GROUP BY entity_id, day
    UNION ALL
    SELECT f.ancestor_id, r.day, true, count(DISTINCT r.article_id), sum(r.mentions)
    FROM r JOIN entity_days_families f USING (entity_id)
    GROUP BY f.ancestor_id, r.day
"""


def _apply(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    params: Mapping[str, Any],
    sign: int,
    *,
    own_only: bool = False,
) -> None:
    """Add (sign 1) or take away (-1) the day counts of `rows` (SQL naming a relation);
    `own_only`: not the families' rows. A count taken down to zero is deleted, so the table
    holds what `rebuilt` gives (a separate DELETE: a DuckLake's MERGE has one UPDATE or
    DELETE action at most)."""
    only = "NOT rollup" if own_only else "true"
    con.execute(
        f"""
        MERGE INTO entity_days
        USING (SELECT * FROM ({_COUNTS.format(rows=rows)}) WHERE {only}) AS s
        ON entity_days.entity_id = s.entity_id AND entity_days.day = s.day
           AND entity_days.rollup = s.rollup
        WHEN MATCHED THEN UPDATE SET articles = entity_days.articles + {sign} * s.articles,
                                     mentions = entity_days.mentions + {sign} * s.mentions
        WHEN NOT MATCHED THEN INSERT (entity_id, day, rollup, articles, mentions)
            VALUES (s.entity_id, s.day, s.rollup, {sign} * s.articles, {sign} * s.mentions)
        """,
        dict(params),
    )
    if sign < 0:
        con.execute("DELETE FROM entity_days WHERE articles = 0")


def current_families(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """`_FAMILIES` as sorted (ancestor, member) pairs, walked up the parents here (v_entity_rollup's
    walk: at most 16 steps, up to a parent not in the watchlist) from the watchlist's parent
    links: a few rows, where the recursive view cost about 16 ms of CPU on every batch."""
    pairs = rollup_pairs(con)
    members: dict[str, int] = {}
    for ancestor, _ in pairs:
        members[ancestor] = members.get(ancestor, 0) + 1
    return sorted((a, e) for a, e in pairs if members[a] > 1)


def sync_families(con: duckdb.DuckDBPyConnection) -> bool:
    """Count the families' rows again if the watchlist in use has other families than
    those counted (a new watchlist version, a new lake); True when it did."""
    current = current_families(con)
    counted = sorted(
        con.execute("SELECT ancestor_id, entity_id FROM entity_days_families").fetchall()
    )
    if current == counted:
        return False
    con.execute("DELETE FROM entity_days_families")
    if current:
        with register_rows(
            con, "_families", [{"ancestor_id": a, "entity_id": e} for a, e in current]
        ):
            con.execute("INSERT INTO entity_days_families BY NAME SELECT * FROM _families")
    con.execute("DELETE FROM entity_days WHERE rollup")
    con.execute(
        "INSERT INTO entity_days SELECT * FROM ("
        + _COUNTS.format(rows="article_entities")
        + ") WHERE rollup"
    )
    return True


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
    con.execute("DELETE FROM entity_days_families")
    con.execute(f"INSERT INTO entity_days_families {_FAMILIES}")
    con.execute("DELETE FROM entity_days")
    con.execute(f"INSERT INTO entity_days {_COUNTS.format(rows='article_entities')}")


def rebuilt(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date, bool, int, int]]:
    """What the table must hold, from article_entities and the families counted, sorted."""
    return _sorted(con.execute(_COUNTS.format(rows="article_entities")).fetchall())


def stored(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date, bool, int, int]]:
    """The table's rows, sorted as `rebuilt`."""
    return _sorted(con.execute("SELECT * FROM entity_days").fetchall())


def _sorted(rows: list[Any]) -> list[tuple[str, date, bool, int, int]]:
    return sorted((str(e), d, bool(r), int(a), int(m)) for e, d, r, a, m in rows)


def families(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The families the rollup rows were counted with: ancestor -> its members."""
    out: dict[str, set[str]] = {}
    for ancestor, member in con.execute(
        "SELECT ancestor_id, entity_id FROM entity_days_families"
    ).fetchall():
        out.setdefault(str(ancestor), set()).add(str(member))
    return out

"""`article_entities`: each article's entities with the article's time and mention count.

The digest's entity figures need, per week, the entities named and in how many articles and
mentions. Reading them from `mentions` means joining every mention with its article (10M
mentions: most of the digest's time); this table holds the same counts, one row per article
and entity, in time order, so a week is a short scan by time. Every writer of mentions or of
an article's time keeps it in step (warehouse/articles.py); `rebuild` recomputes it from the
raw mentions, and tests/test_article_entities.py checks the two agree. Each change is passed on to
warehouse/entity_days.py (the same counts per entity and day, for the web's charts) and
warehouse/entity_pairs.py (articles shared by two entities per week, for its co-mentions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter

import duckdb

from warehouse import entity_days, entity_pairs
from warehouse.append import Row, register_rows
from warehouse.list_param import json_list

# A mention's identity (the primary key `mentions` had before migration 0012).
MENTION_KEY = ("article_id", "in_title", "start_offset")
_mention_key = itemgetter(*MENTION_KEY)
_article_entity = itemgetter("article_id", "entity_id")

# The aggregate as the raw mentions give it, for the articles in `_ids` or all.
_FROM_MENTIONS = """
    SELECT m.article_id, m.entity_id, coalesce(a.published_at, a.fetched_at) AS t, count(*)
    FROM mentions m JOIN articles a USING (article_id)
    {where}
    GROUP BY ALL
    ORDER BY t, m.article_id, m.entity_id
"""


def unique_mentions(mentions: Iterable[Row]) -> list[Row]:
    """The mention rows without repeats of a key (the first kept), as the key used to ensure."""
    rows = list(mentions)
    try:  # keys made by C code (itemgetter), not a Python `get` per part
        keys = list(map(_mention_key, rows))
    except KeyError:  # a row without a part of the key: None, as `get` gives
        keys = [tuple(m.get(k) for k in MENTION_KEY) for m in rows]
    first = dict(zip(reversed(keys), reversed(rows), strict=True))  # the first of a key wins
    if len(first) == len(rows):  # the usual case: no repeats
        return rows
    return list(map(first.__getitem__, dict.fromkeys(keys)))  # in the order first met


def add(
    con: duckdb.DuckDBPyConnection, mentions: Sequence[Row], times: Mapping[str, datetime]
) -> int:
    """Count `mentions` (rows just stored, of articles with no counts yet) per article and
    entity; `times` is each article's time (published, else fetched)."""
    counts = Counter(map(_article_entity, mentions))
    rows = [
        {"article_id": a, "entity_id": e, "t": times[a], "mentions": n}
        for (a, e), n in sorted(counts.items(), key=lambda x: (times[x[0][0]], x[0]))
    ]
    if not rows:
        return 0
    # Handed to SQL once for the three tables that count them (three times was 4% of a
    # store's CPU at 1M articles).
    with register_rows(con, "_article_entities", rows):
        inserted = con.execute(
            "INSERT INTO article_entities BY NAME SELECT * FROM _article_entities"
        ).fetchone()
        entity_days.added(con, "_article_entities")
        entity_pairs.added(con, "_article_entities")
    return int(inserted[0]) if inserted else 0


def forget(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    """Drop the counts of these articles (their mentions are being replaced)."""
    if article_ids:
        entity_days.changing(con, article_ids, -1)
        entity_pairs.changing(con, article_ids, -1)
        con.execute(
            "DELETE FROM article_entities"
            " WHERE article_id IN (SELECT unnest($ids::JSON::VARCHAR[]))",
            {"ids": json_list(article_ids)},
        )


def retime(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    """Give these articles' rows their article's time again (after its date changed)."""
    if article_ids:
        entity_days.changing(con, article_ids, -1)
        entity_pairs.changing(con, article_ids, -1)
        con.execute(
            """
            UPDATE article_entities SET t = coalesce(a.published_at, a.fetched_at)
            FROM articles a
            WHERE article_entities.article_id = a.article_id
              AND a.article_id IN (SELECT unnest($ids::JSON::VARCHAR[]))
              AND article_entities.t <> coalesce(a.published_at, a.fetched_at)
            """,
            {"ids": json_list(article_ids)},
        )
        entity_days.changing(con, article_ids, 1)
        entity_pairs.changing(con, article_ids, 1)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the whole table from the raw mentions (after every mention was replaced)."""
    con.execute("DELETE FROM article_entities")
    con.execute("INSERT INTO article_entities " + _FROM_MENTIONS.format(where=""))
    entity_days.rebuild(con)
    entity_pairs.rebuild(con)


def from_mentions(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, datetime, int]]:
    """The table's rows as the raw mentions give them, sorted: what it must hold."""
    return [
        (str(a), str(e), t, int(n))
        for a, e, t, n in con.execute(_FROM_MENTIONS.format(where="")).fetchall()
    ]


def stored(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, datetime, int]]:
    """The table's rows, sorted as `from_mentions`."""
    return [
        (str(a), str(e), t, int(n))
        for a, e, t, n in con.execute(
            "SELECT article_id, entity_id, t, mentions FROM article_entities"
            " ORDER BY t, article_id, entity_id"
        ).fetchall()
    ]

"""`v_entity_rollup` walked in Python: each entity with its ancestors in the watchlist in use.

The view is a recursive query (up to 16 steps): 3 ms warm, 15-40 ms on a web request's fresh
connection under load, and an entity page evaluated it four to six times (its family for the
counts, the deals, the articles, the co-mentions). The watchlist's parent links are a few
rows of `v_entities`; walking them here gives the view's pairs (tests/test_rollup.py).
"""

from __future__ import annotations

import duckdb


def rollup_pairs(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(ancestor_id, entity_id) as v_entity_rollup holds them: each entity of the watchlist
    with itself and each ancestor, walked up the parent links at most 16 steps, up to a
    parent that is not in the watchlist."""
    parent = {
        str(e): (str(p) if p is not None else None)
        for e, p in con.execute("SELECT entity_id, parent_id FROM v_entities").fetchall()
    }
    pairs: set[tuple[str, str]] = set()
    for entity in parent:
        ancestor, depth = entity, 0
        pairs.add((entity, entity))
        while ancestor in parent and parent[ancestor] is not None and depth < 16:
            ancestor, depth = str(parent[ancestor]), depth + 1
            pairs.add((ancestor, entity))
    return pairs


def members(pairs: set[tuple[str, str]], ancestor: str) -> list[str]:
    """The entities under `ancestor` (itself included when in the watchlist), sorted."""
    return sorted(e for a, e in pairs if a == ancestor)


def ancestors(pairs: set[tuple[str, str]], entity: str) -> list[str]:
    """The ancestors of `entity` (itself included when in the watchlist), sorted."""
    return sorted(a for a, e in pairs if e == entity)

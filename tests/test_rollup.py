"""warehouse/rollup.py walks the watchlist's parent links as the recursive view
`v_entity_rollup` does: the same (ancestor, entity) pairs for deep, branching, cyclic and
dangling links, and the same families and ancestors the web's readers took from it."""

from __future__ import annotations

from pathlib import Path

from tests.test_entity_days import V1, V2, watchlist
from warehouse import rollup
from warehouse.database import open_warehouse

LINKS = {"a": None, "b": "a", "c": "b", "d": "c", "e": "a", "x": "y", "y": "x", "z": "gone",
         "solo": None}  # fmt: skip
DEEP = {f"n{i}": (f"n{i + 1}" if i < 25 else None) for i in range(26)}  # longer than 16 steps


def test_the_walk_is_the_view(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        for version, parents in (("v1", V1), ("v2", V2), ("v3", LINKS), ("v4", DEEP)):
            watchlist(con, parents, version)
            view = {
                (str(a), str(e))
                for a, e in con.execute(
                    "SELECT ancestor_id, entity_id FROM v_entity_rollup"
                ).fetchall()
            }
            pairs = rollup.rollup_pairs(con)
            assert pairs == view, version
            for entity in [*parents, "gone", "nobody"]:
                assert rollup.members(pairs, entity) == [
                    r[0]
                    for r in con.execute(
                        "SELECT DISTINCT entity_id FROM v_entity_rollup WHERE ancestor_id = ?"
                        " ORDER BY ALL",
                        [entity],
                    ).fetchall()
                ]

"""The ingest's stores open the warehouse with DuckDB's threads and memory capped (issue 19:
the tree's memory and CPU), and work that needs more than the cap is done anyway."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flows.connection import open_db
from flows.ingest import INGEST_DB, with_capped_db
from flows.settings import load_settings

if TYPE_CHECKING:
    import duckdb

SETTINGS = "SELECT current_setting('threads'), current_setting('memory_limit')"
# A list aggregate holds its whole result in memory: more than 2 MB, and it cannot spill.
BIG = "SELECT len(list(range)) FROM range(3000000)"


def test_the_ingest_opens_the_warehouse_with_its_caps(tmp_path: Path) -> None:
    settings = load_settings(str(tmp_path))
    seen: list[tuple[int, str]] = []

    def work(con: duckdb.DuckDBPyConnection) -> int:
        seen.append(con.execute(SETTINGS).fetchone())  # type: ignore[arg-type]
        return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])  # type: ignore[index]

    assert with_capped_db(settings, work) == 0  # the warehouse is created and migrated
    assert seen == [(int(INGEST_DB["threads"]), "244.1 MiB")]
    with open_db(settings) as con:  # other openings keep DuckDB's defaults
        default = con.execute(SETTINGS).fetchone()
    assert default is not None and default[1] != seen[0][1]


def test_work_larger_than_the_cap_is_done_again_without_it(tmp_path: Path) -> None:
    settings = load_settings(str(tmp_path))
    with open_db(settings):
        pass  # created and migrated with the defaults: the cap below is for the work only
    seen: list[str] = []

    def work(con: duckdb.DuckDBPyConnection) -> int:
        seen.append(con.execute(SETTINGS).fetchone()[1])  # type: ignore[index]
        return int(con.execute(BIG).fetchone()[0])  # type: ignore[index]

    tiny = {"threads": "1", "memory_limit": "2MB"}
    assert with_capped_db(settings, work, tiny) == 3_000_000
    assert len(seen) == 2 and seen[0] == "1.9 MiB" and seen[1] != seen[0]

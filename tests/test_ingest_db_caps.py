"""The ingest's stores open the warehouse with DuckDB's threads and memory capped (issue 19:
the tree's memory and CPU), and work that needs more than the cap is done anyway."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.analyse import analyse
from extractors.entities import Tagger, load_watchlist
from extractors.records import FeedEntry, PageInput
from flows import rows
from flows.connection import open_db
from flows.ingest import INGEST_DB, capped_steps, with_capped_db
from flows.settings import load_settings
from seeds import SEEDS_DIR
from tests.helpers import SEED_SLUGS, seed_html
from warehouse.articles import BatchCounts, append_batch

if TYPE_CHECKING:
    import duckdb

SETTINGS = "SELECT current_setting('threads'), current_setting('memory_limit')"
# A list aggregate holds its whole result in memory: more than 2 MB, and it cannot spill.
BIG = "SELECT len(list(range)) FROM range(3000000)"
BIGGER = "SELECT len(list(range)) FROM range(10000000)"
TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))
WHEN = datetime(2025, 11, 30, 9, 0, tzinfo=UTC)
ENTRY = {
    "url": "https://news.example/a", "title": "A title", "guid": "a", "published": WHEN,
    "author": "", "summary": "", "content": "",
}  # fmt: skip


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


def test_a_step_that_runs_out_of_memory_is_resumed_not_the_steps_before(tmp_path: Path) -> None:
    # A batch's append commits, then the next step (recording the page tries, in the
    # ingest) runs out of memory: the append was done again, added nothing and counted zero.
    settings = load_settings(str(tmp_path))
    with open_db(settings):
        pass
    page = PageInput(FeedEntry(**ENTRY), "https://news.example/a", seed_html(SEED_SLUGS[0]))
    articles, mentions, deals = rows.article_rows([analyse(page, TAGGER)], "run", WHEN, "v")
    appended: list[BatchCounts] = []

    def append(con: duckdb.DuckDBPyConnection) -> BatchCounts:
        appended.append(append_batch(con, articles, [], mentions, deals))
        return appended[-1]

    seen: list[str] = []

    def big(con: duckdb.DuckDBPyConnection) -> int:
        seen.append(con.execute(SETTINGS).fetchone()[1])  # type: ignore[index]
        return int(con.execute(BIGGER).fetchone()[0])  # type: ignore[index]

    # Room for the append (it needs about 16 MB), not for the list (80 MB).
    small = {"threads": "1", "memory_limit": "32MB"}
    counts, size = capped_steps(settings, [append, big], small)
    assert size == 10_000_000
    assert len(seen) == 2 and seen[0] == "30.5 MiB" and seen[1] != seen[0]  # out, then on
    assert len(appended) == 1  # done once, under the cap
    assert counts.articles == 1 and counts.mentions == len(mentions) > 0
    assert counts.deals == len(deals) > 0
    with open_db(settings) as con:
        stored = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM mentions)"
        ).fetchone()
    assert stored == (1, len(mentions))

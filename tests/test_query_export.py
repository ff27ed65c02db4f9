"""Named queries and Parquet export, on a real warehouse."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from extractors.analyse import analyse
from extractors.entities import Tagger
from extractors.records import FeedEntry, PageInput
from flows import rows
from flows.settings import load_settings
from tests.helpers import SEED_SLUGS, seed_html
from tests.test_cli import labwatch
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.export import Exported, base_tables, export_tables

WHEN = datetime(2024, 5, 13, 11, tzinfo=UTC)
# Each seed's date as the seed feeds give it (seeds/site/feed.xml): the feed's date wins.
DATES = {SEED_SLUGS[0]: datetime(2023, 9, 25, 16, 30, tzinfo=UTC), SEED_SLUGS[1]: WHEN}


def fill(home: Path) -> None:
    settings = load_settings(home)
    tagger = Tagger(settings.load_watchlist())
    analysed = [
        analyse(PageInput(FeedEntry(f"https://time.example/{s}", s, s, DATES[s], "", "", ""),
                          f"https://time.example/{s}", seed_html(s)), tagger)
        for s in SEED_SLUGS
    ]  # fmt: skip
    arts, mentions, deals = rows.article_rows(analysed, "r", WHEN, tagger.watchlist.version)
    with open_warehouse(settings.warehouse) as con:
        from warehouse.append import record_watchlist

        record_watchlist(con, rows.entity_rows(tagger.watchlist))
        append_batch(con, arts, [], mentions, deals)


def test_named_queries(home: Path) -> None:
    fill(home)
    listing = labwatch("query", "--list", home=home).stdout
    for name in ("top_entities", "entity_trend", "deals_since", "co_mentions", "failing_feeds"):
        assert name in listing
    out = labwatch(
        "query", "entity_trend", "--param", "entity=amazon", "--format", "json", home=home
    )
    assert out.returncode == 0, out.stderr
    trend = json.loads(out.stdout)
    # Each seed in its own week; aws (1), bedrock (2) and alexa (1) roll up into amazon.
    assert trend == [
        {"iso_week": "2023-W39", "mentions": 16, "mentions_rollup": 20, "articles_rollup": 1},
        {"iso_week": "2024-W20", "mentions": 10, "mentions_rollup": 10, "articles_rollup": 1},
    ]
    out = labwatch(
        "query", "deals_since", "--param", "since=2020-01-01", "--format", "json", home=home
    )
    ledger = json.loads(out.stdout)
    assert ledger[0]["investor"] == "microsoft" and ledger[0]["sources"] == 2  # $13B, twice
    out = labwatch(
        "query", "deals_since", "--param", "since=2024-01-01", "--format", "json", home=home
    )
    assert {d["first_reported"][:4] for d in json.loads(out.stdout)} == {"2024"}
    # top_entities picks the weeks' articles first; it must agree with the view it shortcuts.
    out = labwatch("query", "top_entities", "--param", "weeks=1000", "--format", "json", home=home)
    top = [(t["entity_id"], t["mentions"], t["mentions_rollup"], t["articles"])
           for t in json.loads(out.stdout)]  # fmt: skip
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        view = con.execute(
            "SELECT entity_id, sum(mentions), sum(mentions_rollup), sum(articles_rollup)"
            " FROM v_mentions_weekly GROUP BY entity_id ORDER BY 3 DESC, 1"
        ).fetchall()
    assert top == [tuple(int(x) if isinstance(x, int) else x for x in r) for r in view]
    assert "amazon" in {t[0] for t in top} and len(top) > 10
    bad = labwatch("query", "entity_trend", "--param", "nope=1", home=home)
    assert bad.returncode == 1 and "takes no parameter nope" in bad.stderr


def test_export_round_trip(home: Path, tmp_path: Path) -> None:
    fill(home)
    out = labwatch("export", str(tmp_path / "export"), home=home)
    assert out.returncode == 0, out.stderr
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        tables = base_tables(con)
        assert {"articles", "mentions", "deals", "feeds", "article_urls"} <= set(tables)
        for table in tables:
            path = tmp_path / "export" / f"{table}.parquet"
            diff = con.execute(
                f"SELECT count(*) FROM ((SELECT * FROM {table} EXCEPT ALL SELECT * FROM '{path}')"
                f" UNION ALL (SELECT * FROM '{path}' EXCEPT ALL SELECT * FROM {table}))"
            ).fetchone()
            assert diff == (0,), table
    readme = (tmp_path / "export" / "README.md").read_text()
    assert "## mentions (" in readme and "| entity_id | VARCHAR |" in readme
    # The files stand alone: any DuckDB (or Parquet reader) opens them.
    assert duckdb.sql(
        f"SELECT count(*) FROM '{tmp_path / 'export' / 'articles.parquet'}'"
    ).fetchone() == (2,)


def test_export_tells_of_each_table_once_its_file_is_written(home: Path, tmp_path: Path) -> None:
    # A large export takes a while: each table is reported as its file is done, with the rows
    # it holds, before the next is written and before the README.
    fill(home)
    folder = tmp_path / "export"
    seen: list[tuple[str, int, list[str]]] = []

    def written(e: Exported) -> None:
        seen.append((e.table, e.rows, sorted(p.name for p in folder.iterdir())))

    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        tables = base_tables(con)
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone() for t in tables}
        done = export_tables(con, folder, written=written)
    assert [t for t, _, _ in seen] == [e.table for e in done] == tables
    for n, (table, got, present) in enumerate(seen):
        assert counts[table] == (got,), table
        assert present == sorted(f"{t}.parquet" for t in tables[: n + 1])  # no README yet
    assert counts["mentions"] != (0,) and counts["articles"] == (len(SEED_SLUGS),)
    assert (folder / "README.md").exists()


def test_the_duckdb_command_line_reads_the_warehouse(home: Path) -> None:
    """The README's `duckdb -readonly` works on our file, views included, and refuses writes."""
    fill(home)
    duckdb_cli = Path(sys.executable).parent / "duckdb"
    db = str(home / "labwatch.duckdb")
    out = subprocess.run(
        [str(duckdb_cli), "-readonly", "-csv", db, "-c",
         "SELECT entity_id, count(*) FROM v_entity_rollup JOIN mentions USING (entity_id)"
         " WHERE ancestor_id = 'amazon' GROUP BY ALL ORDER BY ALL"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        expected = con.execute(
            "SELECT entity_id, count(*) FROM v_entity_rollup JOIN mentions USING (entity_id)"
            " WHERE ancestor_id = 'amazon' GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert out.stdout.splitlines()[1:] == [f"{e},{n}" for e, n in expected] and expected
    write = subprocess.run(
        [str(duckdb_cli), "-readonly", db, "-c", "DELETE FROM articles"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "read-only" in (write.stdout + write.stderr)
    assert count_articles(home) == len(SEED_SLUGS)


def count_articles(home: Path) -> int:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        row = con.execute("SELECT count(*) FROM articles").fetchone()
    return int(row[0]) if row else 0

"""The DuckLake backend (issue 18): catalog in a real PostgreSQL on loopback, data files in
tmp_path. A real ingest of a loopback world into a DuckDB warehouse, copied by
`labwatch migrate-warehouse`, answers `labwatch sql`, every v_* view and the digest exactly
as the DuckDB warehouse does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from flows.cli import main
from flows.digest_render import render_markdown
from flows.settings import SettingsError, load_settings
from tests.helpers import (
    all_at_once,
    dated_feeds,
    newest_week_digests,
    seed_paragraphs,
    story_page,
    v_views,
)
from tests.helpers import sql_csv as sql
from tests.postgres import PostgresServer
from tests.test_ingest_pipeline import ingest
from warehouse.backend import DuckLakeWarehouse, redact_conninfo
from warehouse.database import open_warehouse
from warehouse.ducklake import LAKE_ONLY
from warehouse.errors import WarehouseMissingError
from warehouse.queries import lock_down, run_sql


def lake_home(path: Path, conninfo: str, data: Path) -> Path:
    """A LABWATCH_HOME whose warehouse is a DuckLake."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "labwatch.toml").write_text(
        f'warehouse = "ducklake:postgres:{conninfo}"\nducklake_data = "{data}"\n',
        encoding="utf-8",
    )
    return path


FEEDS = 4
STORIES = 12  # per feed


def serve_dated_world(httpserver: HTTPServer) -> list[str]:
    """FEEDS feeds of STORIES stories each on one host, each story with its own publication
    hour: the digest breaks ties between articles of one time by storage order, which two
    backends need not share (see docs/scale-out.md)."""
    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = seed_paragraphs()
    documents = dated_feeds(base, FEEDS, STORIES)
    for path, body in documents.items():
        httpserver.expect_request(path).respond_with_data(body, content_type="application/rss+xml")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for story in range(FEEDS * STORIES):
        httpserver.expect_request(f"/a/{story}").respond_with_data(
            story_page(story, story, paragraphs[story % 12 : story % 12 + 5]),
            content_type="text/html",
        )
    return [base + path for path in documents]


def test_the_warehouse_setting_names_the_backend(tmp_path: Path) -> None:
    assert load_settings(tmp_path).warehouse == tmp_path / "labwatch.duckdb"  # unchanged
    assert load_settings(tmp_path, warehouse="duckdb:///srv/w.duckdb").warehouse == Path(
        "/srv/w.duckdb"
    )
    assert load_settings(tmp_path, warehouse="duckdb:w.duckdb").warehouse == tmp_path / "w.duckdb"
    lake = load_settings(tmp_path, warehouse="ducklake:postgres:host=db password=s3cret").warehouse
    assert lake == DuckLakeWarehouse("host=db password=s3cret", f"{tmp_path}/lake/")
    assert "s3cret" not in str(lake)
    assert redact_conninfo("postgresql://u:pw@db/lake") == "postgresql://u:***@db/lake"
    with pytest.raises(SettingsError, match="ducklake:postgres:<connection>"):
        load_settings(tmp_path, warehouse="sqlite:///x.db")
    with pytest.raises(SettingsError, match="needs the catalog's connection"):
        load_settings(tmp_path, warehouse="ducklake:postgres:")


def columns(con: duckdb.DuckDBPyConnection, catalog_name: str) -> set[tuple[str, str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns()"
        " WHERE database_name = ? AND schema_name = 'main'",
        [catalog_name],
    ).fetchall()
    return {(str(t), str(c), str(k)) for t, c, k in rows}


def test_a_lake_from_before_0023_gets_found_by_and_keeps_its_deals(
    tmp_path: Path, catalog: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lake made at 0022 is migrated by 0023 rewritten for DuckLake (a bare column, its old
    rows set to 'rules'): its deals and ledger keep their rows, and the column then reads
    as a new lake's."""
    import warehouse.database as database
    from tests.test_warehouse import article
    from warehouse.articles import append_batch

    every = database.migrations()
    assert every[-1][1] == "deal_found_by"
    monkeypatch.setattr(database, "migrations", lambda: every[:-1])
    lake = DuckLakeWarehouse(catalog, f"{tmp_path}/data/")
    with open_warehouse(lake) as con:
        made = {c for t, c, _ in columns(con, "lake") if t == "deals"}
        assert "tranche" in made and "found_by" not in made
        row = {"article_id": "a", "deal_no": 0, "kind": "investment", "investor_id": "amazon",
               "target_id": "anthropic", "amount_usd": 4e9, "amount_max_usd": 4e9,
               "qualifier": "", "year": None, "evidence": "Amazon invested.", "status": "reported",
               "roles": [], "currency": "USD", "amount": 4e9, "amount_max": 4e9,
               "tranche": False}  # fmt: skip
        append_batch(con, [article("a")], [], [], [row])
        before = con.execute("SELECT kind, investor, target, sources FROM v_deals").fetchall()
    monkeypatch.setattr(database, "migrations", lambda: every)
    with open_warehouse(lake) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (23,)
        assert con.execute("SELECT found_by FROM deals").fetchall() == [("rules",)]
        ledger = con.execute("SELECT kind, investor, target, sources, found_by FROM v_deals")
        assert ledger.fetchall() == [(*before[0], "rules")]
        append_batch(con, [article("b")], [], [], [{**row, "article_id": "b", "found_by": "model"}])
        assert con.execute("SELECT sources, found_by FROM v_deals").fetchall() == [(2, "rules")]
        in_lake = {c for c in columns(con, "lake") if c[0] not in LAKE_ONLY}
    with open_warehouse(tmp_path / "w.duckdb") as con:
        assert in_lake == columns(con, "w")  # the column as a new lake has it, views too


def test_a_new_lake_has_the_schema_of_a_duckdb_warehouse(tmp_path: Path, catalog: str) -> None:
    lake = DuckLakeWarehouse(catalog, f"{tmp_path}/data/")
    assert not lake.exists()
    with pytest.raises(WarehouseMissingError, match="migrate-warehouse"):
        open_warehouse(lake, read_only=True).__enter__()
    with open_warehouse(lake) as con:  # and the lake's own turn row (write_turns)
        in_lake = {c for c in columns(con, "lake") if c[0] not in LAKE_ONLY}
    with open_warehouse(tmp_path / "w.duckdb") as con:
        in_file = columns(con, "w")
    assert in_lake == in_file and len(in_file) > 100  # tables and views, column by column
    assert lake.exists()
    with open_warehouse(lake) as con:  # opened again: nothing to migrate, nothing doubled
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone() == (
            con.execute("SELECT count(DISTINCT version) FROM schema_migrations").fetchone()
        )


@pytest.mark.flow
@pytest.mark.timeout(900)
def test_a_migrated_warehouse_answers_as_the_duckdb_one(
    tmp_path: Path, httpserver: HTTPServer, catalog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds = serve_dated_world(httpserver)
    duck = tmp_path / "duck"
    summary = ingest(duck, feeds, httpserver.port)
    assert summary["articles_new"] == FEEDS * STORIES and summary["deals"] > 20
    home = lake_home(tmp_path / "lakehome", catalog, tmp_path / "lakedata")

    code = main(["migrate-warehouse", "--home", str(home), "--from", str(duck / "labwatch.duckdb")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "copied" in out.out and "articles" in out.out

    with open_warehouse(duck / "labwatch.duckdb", read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            ).fetchall()
        ]
        views = v_views(con)
    assert "v_deals" in views and "v_mentions_weekly" in views

    lake = load_settings(home).warehouse

    def same_rows() -> None:
        # As `labwatch sql` reads them (read-only, locked down), one connection a side.
        with (
            open_warehouse(lake, read_only=True) as on_lake,
            open_warehouse(duck / "labwatch.duckdb", read_only=True) as on_file,
        ):
            lock_down(on_lake)
            lock_down(on_file)
            for name in [*tables, *views]:
                # schema_migrations: when each was applied differs, the versions may not.
                picked = "version, name" if name == "schema_migrations" else "*"
                # The lake's maintenance runs (maintain-warehouse, below): the lake's own.
                where = " WHERE flow <> 'maintain'" if name == "runs" else ""
                query = f"SELECT {picked} FROM {name}{where} ORDER BY ALL"
                assert run_sql(on_lake, query) == run_sql(on_file, query), name

    same_rows()
    # And `labwatch sql` itself, on both.
    for query in (
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM mentions)",
        "SELECT entity_id, count(*) n FROM mentions GROUP BY ALL ORDER BY n DESC, 1 LIMIT 5",
        "SELECT * FROM v_deals ORDER BY ALL",
    ):
        assert sql(capsys, home, query) == sql(capsys, duck, query), query
    assert sql(capsys, home, "SELECT count(*) FROM articles").splitlines()[1] == "48"

    # The digest: every figure and section, and the Markdown made of them.
    week, got, expected = newest_week_digests(duck / "labwatch.duckdb", lake)
    assert got == expected
    assert render_markdown(got) == render_markdown(expected)
    assert expected.this_week.articles > 0

    # The deals ledger and the Parquet export, as the commands give them.
    def command(h: Path, *argv: str) -> str:
        code = main([*argv, "--home", str(h)])
        out = capsys.readouterr()
        assert code == 0, out.err
        return out.out

    assert command(home, "deals", "--format", "csv") == command(duck, "deals", "--format", "csv")
    command(home, "export", str(tmp_path / "from-lake"))
    command(duck, "export", str(tmp_path / "from-file"))
    exported = sorted(p.name for p in (tmp_path / "from-file").glob("*.parquet"))
    assert "articles.parquet" in exported
    assert sorted(p.name for p in (tmp_path / "from-lake").glob("*.parquet")) == exported
    reader = duckdb.connect()
    for name in exported:
        if name == "schema_migrations.parquet":
            continue
        a, b = (
            reader.execute(f"SELECT * FROM '{tmp_path / d / name}' ORDER BY ALL").fetchall()
            for d in ("from-lake", "from-file")
        )
        assert a == b, name

    # `labwatch query`: every named query, with parameters that find rows in this world.
    params = {"co_mentions": ["week=" + week], "entity_trend": ["entity=anthropic"],
              "top_entities": ["weeks=1000"]}  # fmt: skip
    from warehouse.named_query import named_queries

    for name in named_queries():
        argv = ["query", name, "--format", "csv"]
        for p in params.get(name, []):
            argv += ["--param", p]
        answer = command(duck, *argv)
        assert command(home, *argv) == answer, name
        if name != "failing_feeds":  # every feed of the world answers
            assert len(answer.splitlines()) > 1, name

    # `labwatch web`: its pages and API read the lake as they read the file; the search box
    # says plainly that it needs a DuckDB warehouse.
    same_pages(tmp_path, home, duck, week)

    # Compaction changes files and snapshots, never an answer.
    out = command(home, "maintain-warehouse", "--keep-days", "0")
    assert "labwatch maintain-warehouse: data files" in out
    same_rows()


def get(url: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


SHOWN = {"": "Story", "entities": "Anthropic", "entity": "Story", "deals": "Anthropic",
         "feeds": "Feed 0", "article": "Story"}  # fmt: skip


def same_pages(tmp_path: Path, lake_home_: Path, duck: Path, week: str) -> None:
    """`labwatch web` on the lake and on the file: every API answer equal, every page there."""
    import json
    import socket

    from flows.web import web_in_background

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    with open_warehouse(duck / "labwatch.duckdb", read_only=True) as con:
        article = str(con.execute("SELECT min(article_id) FROM articles").fetchone()[0])  # type: ignore[index]
    api = [
        "/api/week", f"/api/week?week={week}", "/api/entities", "/api/entities/anthropic",
        "/api/series?e=anthropic&e=openai", "/api/entities/anthropic/articles",
        f"/api/articles/{article}", "/api/deals", "/api/feeds", "/api/digests",
    ]  # fmt: skip
    pages = ["/", "/entities", "/entity/anthropic", "/deals", "/feeds", f"/article/{article}"]
    answers: dict[str, list[tuple[int, str]]] = {}
    for h in (duck, lake_home_):
        port = free_port()
        said: list[str] = []
        with web_in_background(load_settings(h, web_port=port), said.append):
            base = f"http://127.0.0.1:{port}"
            deadline = datetime.now(UTC) + timedelta(seconds=60)
            while True:
                try:
                    get(base + "/api/week")
                    break
                except OSError:
                    assert datetime.now(UTC) < deadline, said
            answers[str(h)] = [get(base + path) for path in [*api, *pages]]
            if h == lake_home_:
                status, body = get(base + "/search?q=compute")
                assert status != 200 and "needs a DuckDB warehouse" in body, (status, body[:500])
                status, body = get(base + "/api/search?q=compute")
                assert status != 200 and "needs a DuckDB warehouse" in body, (status, body[:500])
    on_file, on_lake = answers[str(duck)], answers[str(lake_home_)]
    for path, (fs, fb), (ls, lb) in zip([*api, *pages], on_file, on_lake, strict=True):
        assert (ls, fs) == (200, 200), (path, lb[:500])
        if path.startswith("/api/"):
            assert json.loads(lb) == json.loads(fb), path
        else:  # what each page must show of this world, on both
            assert SHOWN[path.split("/")[1]] in lb and SHOWN[path.split("/")[1]] in fb, path


def test_sql_on_a_lake_is_read_only_and_reaches_no_other_file(
    tmp_path: Path, catalog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    home = lake_home(tmp_path / "home", catalog, tmp_path / "data")
    with open_warehouse(load_settings(home).warehouse):
        pass  # made, empty
    assert sql(capsys, home, "SELECT count(*) FROM articles").splitlines()[1] == "0"
    for query in (
        "INSERT INTO runs (run_id) VALUES ('x')",
        "SELECT * FROM read_csv('/etc/hostname')",
        "DETACH lake",
    ):
        code = main(["sql", query, "--home", str(home)])
        assert code != 0, query
        capsys.readouterr()


def test_migrate_warehouse_refuses_a_lake_with_data_and_loses_nothing_on_failure(
    tmp_path: Path, catalog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    duck = tmp_path / "duck"
    duck.mkdir()
    with open_warehouse(duck / "labwatch.duckdb") as con:
        con.execute(
            "INSERT INTO digests (week, created_at, path_md, path_html, articles, mentions, deals)"
            " SELECT '2026-W0' || i, now(), 'd.md', 'd.html', 1, 2, 3 FROM range(1, 3) t(i)"
        )
        con.execute(
            "INSERT INTO feeds (feed_id, url, added_at)"
            " SELECT 'f' || i, 'http://h' || i || '/f', now() FROM range(5000) t(i)"
        )
    # Where the lake writes the feeds' Parquet files is a file: digests (small, kept in the
    # catalog) are copied, then feeds fail. Nothing may be committed.
    data = tmp_path / "data"
    home = lake_home(tmp_path / "home", catalog, data)
    with open_warehouse(load_settings(home).warehouse):
        pass  # the schema; a table's folder is made when it is first written
    (data / "main" / "feeds").write_text("not a folder", encoding="utf-8")
    argv = ["migrate-warehouse", "--home", str(home), "--from", str(duck / "labwatch.duckdb")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "nothing was committed" in err and "again" in err, err
    assert sql(capsys, home, "SELECT count(*) FROM digests").splitlines()[1] == "0"

    # Fixed, run again: every row once.
    (data / "main" / "feeds").unlink()
    assert main(argv) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert (
        sql(capsys, home, "SELECT count(*), count(DISTINCT feed_id) FROM feeds").splitlines()[1]
        == "5000,5000"
    )
    assert sql(capsys, home, "SELECT count(*) FROM digests").splitlines()[1] == "2"
    # A third run is refused: the lake holds data, nothing is doubled.
    assert main(argv) == 1
    assert "already holds data: digests (2 rows), feeds (5000 rows)" in capsys.readouterr().err
    assert sql(capsys, home, "SELECT count(*) FROM feeds").splitlines()[1] == "5000"
    with open_warehouse(duck / "labwatch.duckdb", read_only=True) as con:  # the file unchanged
        assert con.execute("SELECT count(*) FROM feeds").fetchone() == (5000,)


def test_migrate_warehouse_copies_a_file_whose_name_is_not_an_identifier(
    tmp_path: Path, catalog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # DuckDB names an attached file after its stem: "old-home" must be quoted in SQL.
    source = tmp_path / "old-home.duckdb"
    with open_warehouse(source) as con:
        con.execute(
            "INSERT INTO feeds (feed_id, url, added_at)"
            " SELECT 'f' || i, 'http://h' || i || '/f', now() FROM range(3) t(i)"
        )
    home = lake_home(tmp_path / "home", catalog, tmp_path / "data")
    assert main(["migrate-warehouse", "--home", str(home), "--from", str(source)]) == 0, (
        capsys.readouterr().err
    )
    capsys.readouterr()
    assert sql(capsys, home, "SELECT count(*) FROM feeds").splitlines()[1] == "3"


def test_a_lake_with_its_data_files_on_s3(
    tmp_path: Path,
    catalog: str,
    s3_endpoint: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import urllib.request

    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    request = urllib.request.Request(f"{s3_endpoint}/lakebucket", method="PUT")
    urllib.request.urlopen(request, timeout=10).close()
    duck = tmp_path / "duck"
    duck.mkdir()
    with open_warehouse(duck / "labwatch.duckdb") as con:
        con.execute(
            "INSERT INTO feeds (feed_id, url, added_at)"
            " SELECT 'f' || i, 'http://h' || i || '/f', now() FROM range(5000) t(i)"
        )
    home = lake_home(tmp_path / "home", catalog, tmp_path / "unused")
    (home / "labwatch.toml").write_text(
        f'warehouse = "ducklake:postgres:{catalog}"\nducklake_data = "s3://lakebucket/lw"\n',
        encoding="utf-8",
    )
    lake = load_settings(home).warehouse
    assert isinstance(lake, DuckLakeWarehouse) and lake.data_path == "s3://lakebucket/lw/"

    argv = ["migrate-warehouse", "--home", str(home), "--from", str(duck / "labwatch.duckdb")]
    assert main(argv) == 1  # no credentials: a clear error, nothing done
    assert "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in capsys.readouterr().err

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "labwatch")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    assert main(argv) == 0, capsys.readouterr().err
    capsys.readouterr()
    # Read back through `labwatch sql` (locked down: only the lake's own prefix is readable).
    assert sql(capsys, home, "SELECT count(DISTINCT feed_id) FROM feeds").splitlines()[1] == "5000"
    with open_warehouse(lake, read_only=True) as con:
        files = con.execute("SELECT data_file FROM ducklake_list_files('lake', 'feeds')").fetchall()
    assert files and all(str(f).startswith("s3://lakebucket/lw/") for (f,) in files)
    listing = urllib.request.urlopen(f"{s3_endpoint}/lakebucket?list-type=2", timeout=10).read()
    assert b"<Key>lw/main/feeds/" in listing  # in the bucket, not on this disk
    assert not (tmp_path / "unused").exists()


def claim_all(lake: DuckLakeWarehouse, name: str, ids: list[str], gate: Any) -> list[str]:
    """One worker process: open the lake, wait for the others, claim 3 at a time."""
    from datetime import timedelta

    from warehouse.ducklake_lease import claim_feeds

    got: list[str] = []
    with open_warehouse(lake) as con:
        gate.wait()
        while batch := claim_feeds(con, name, ids, ttl=timedelta(hours=1), limit=3):
            got += batch
    return got


@pytest.mark.timeout(900)
def test_two_workers_never_hold_one_feed(tmp_path: Path, catalog: str) -> None:
    """Two worker processes claim feeds from one 40-feed list at the same time, a few at a
    time: every feed is claimed exactly once; a released or expired lease can be claimed
    again."""
    from datetime import timedelta

    from warehouse.ducklake_lease import claim_feeds, release_feeds

    lake = DuckLakeWarehouse(catalog, f"{tmp_path}/data/")
    with open_warehouse(lake):
        pass  # the schema, made once
    feeds = [f"feed{n:02d}" for n in range(40)]

    def race(ids: list[str]) -> dict[str, list[str]]:
        return dict(
            zip("ab", all_at_once(claim_all, [(lake, n, ids) for n in "ab"], 600), strict=True)
        )

    first = race(feeds)
    assert sorted(first["a"] + first["b"]) == feeds  # each once: none twice, none left
    # The same with the leases in Parquet files instead of rows inlined in the catalog.
    with open_warehouse(lake) as con:
        con.execute("CALL ducklake_flush_inlined_data('lake')")
    more = [f"more{n:02d}" for n in range(40)]
    got = race(more)
    assert sorted(got["a"] + got["b"]) == more

    hour = timedelta(hours=1)
    with open_warehouse(lake) as con:
        assert claim_feeds(con, "c", feeds, ttl=hour) == []  # every one held
        release_feeds(con, "b", first["a"])  # not b's leases: nothing released
        assert claim_feeds(con, "c", feeds, ttl=hour) == []
        release_feeds(con, "a", first["a"])
        # Only the released ones; a lease of no length runs out at once.
        assert claim_feeds(con, "c", feeds, ttl=timedelta(0)) == sorted(first["a"])
        assert claim_feeds(con, "d", feeds, ttl=hour) == sorted(first["a"])


def open_at(lake: DuckLakeWarehouse, gate: Any) -> int:
    """One worker process: wait for the others, then open the lake for writing."""
    from warehouse.ducklake import lake_schema_version

    gate.wait()
    with open_warehouse(lake) as con:
        return lake_schema_version(con)


@pytest.mark.timeout(900)
def test_workers_starting_on_a_new_catalog_at_once_all_open_it(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    """Four processes open the same empty catalog database at the same instant (workers
    started together on a new lake): DuckLake's catalog tables are created once, and every
    worker opens the lake instead of failing on the other's half-made catalog. Three new
    catalogs, to give the race its chances."""
    from warehouse.database import latest_version

    for n in range(3):
        lake = DuckLakeWarehouse(postgres.create_database(), f"{tmp_path}/data{n}/")
        versions = all_at_once(open_at, [(lake,)] * 4, timeout=600)
        assert versions == [latest_version(0, str(lake))] * 4

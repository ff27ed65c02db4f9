"""A warehouse that is damaged, cut short or on a full disk: each named for what it is, and
the data stored before a full disk left intact. Real files, a real tmpfs for the full disk."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from tests.test_cli import labwatch
from tests.test_concurrency import serve_site
from warehouse import database
from warehouse.append import insert_rows
from warehouse.database import open_warehouse

FIRST_BLOCK = 12288  # DuckDB 1.5: the main header and two database headers come first


def make_warehouse(home: Path) -> Path:
    path = home / "labwatch.duckdb"
    with open_warehouse(path) as con:
        insert_rows(con, "runs", [
            {"run_id": f"r{i}", "flow": "ingest", "status": "completed",
             "started_at": "2026-11-20 10:00:00+00", "error": "x" * 200}
            for i in range(20_000)
        ])  # fmt: skip
    return path


def test_a_checksum_failure_is_named_damage_not_a_lock(home: Path) -> None:
    path = make_warehouse(home)
    with path.open("r+b") as f:  # bytes flipped inside the first block: its checksum fails
        f.seek(FIRST_BLOCK + 100)
        f.write(b"\xff" * 64)
    (home / "labwatch.toml").write_text("lock_wait = 1\n")
    for argv in (["sql", "select count(*) from runs"], ["runs"], ["search", "--reindex"]):
        out = labwatch(*argv, home=home)
        assert out.returncode == 1, out
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
        assert "is damaged" in lines[0] and "checksum" in lines[0], lines[0]
        assert "restore it from a backup" in lines[0]
        assert "locked" not in lines[0]


def test_a_truncated_file_is_named_damage(home: Path) -> None:
    path = make_warehouse(home)
    os.truncate(path, FIRST_BLOCK + 100_000)  # cut inside the first block
    for argv in (["sql", "select count(*) from runs"], ["digest", "--week", "2026-W47"]):
        out = labwatch(*argv, home=home)
        assert out.returncode == 1, out
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
        assert "is damaged" in lines[0] and "Could not read enough bytes" in lines[0]


def test_a_file_that_is_not_duckdb_is_named_damage(home: Path) -> None:
    (home / "labwatch.duckdb").write_bytes(b"these are my notes\n" * 500)
    out = labwatch("sql", "select 1", home=home)
    assert out.returncode == 1
    assert "is damaged" in out.stderr and "not a valid DuckDB database file" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MB tmpfs: a disk that really fills up. Needs root (CAP_SYS_ADMIN) to mount."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill_disk(folder: Path, leave: int) -> Path:
    """Write a file until the disk is full, then free `leave` bytes of it."""
    filler = folder / f"filler-{uuid.uuid4().hex}"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass  # ENOSPC: full
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def texts(path: Path) -> dict[str, str]:
    with open_warehouse(path, read_only=True) as con:
        return dict(con.execute("SELECT article_id, text FROM articles").fetchall())


def count(path: Path, sql: str) -> int:
    with open_warehouse(path, read_only=True) as con:
        row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.timeout(600)
def test_a_full_disk_is_named_and_leaves_the_data_intact(
    small_disk: Path, httpserver: HTTPServer
) -> None:
    from flows.ingest import ingest
    from warehouse.errors import WarehouseFullError

    home = small_disk / "home"
    home.mkdir()
    feed = serve_site(httpserver, delay=0)
    (home / "labwatch.toml").write_text(
        f'allowed_private_hosts = ["127.0.0.1:{httpserver.port}"]\nmin_host_interval = 0\n'
        "batch_size = 4\nworkers = 1\n"
    )
    first = ingest(feed_urls=[feed], home=str(home), overrides={"batch_size": 12})
    stored = first["articles_new"]
    assert stored > 0
    path = home / "labwatch.duckdb"
    with open_warehouse(path) as con:  # half the articles forgotten: the next run stores them
        con.execute("CREATE TEMP TABLE gone AS SELECT article_id FROM articles LIMIT 6")
        for table in ("article_urls", "mentions", "deals", "article_feeds", "articles"):
            con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT * FROM gone)")
        con.execute("UPDATE feeds SET etag = NULL, last_modified = NULL, body_hash = NULL")
        con.execute("CHECKPOINT")
    before = texts(path)
    # Room for the run's first small writes, not for a batch of pages: the disk fills mid-run.
    filler = fill_disk(small_disk, leave=96 * 1024)
    with pytest.raises(WarehouseFullError) as caught:
        ingest(feed_urls=[feed], home=str(home))
    message = str(caught.value)
    assert "no space left on device" in message and str(path) in message
    assert "the data stored before it is intact" in message
    assert "cannot rollback" not in message
    filler.unlink()
    # Intact: it opens, every article stored before reads back in full, and the batches the
    # run committed before the disk filled are whole (their mentions with them).
    after = texts(path)
    assert after.items() >= before.items()
    assert len(after) < stored  # the batch in flight was rolled back
    assert count(path, "SELECT count(DISTINCT article_id) FROM mentions") == len(after)
    # With room again, the next run picks up where this one stopped.
    again = ingest(feed_urls=[feed], home=str(home))
    assert again["articles_new"] == stored - len(after)
    assert count(path, "SELECT count(*) FROM articles") == stored


def test_an_interrupt_while_opening_leaves_the_file_closed(tmp_path: Path) -> None:
    # Ctrl-C (or serve stopping) landing while a writer opens the warehouse, in its migration
    # check: the connection is closed, so the run's closing row can open the file again,
    # with other settings. Left open, DuckDB refused that opening ("a different configuration
    # than existing connections") and the run stayed "running". The interrupt is raised by a
    # trace function where the real `migrate` starts, as a signal handler would raise it.
    path = tmp_path / "w.duckdb"
    with open_warehouse(path):
        pass

    def interrupt(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code is database.migrate.__code__:
            raise KeyboardInterrupt

    sys.settrace(interrupt)  # type: ignore[arg-type]
    try:
        with pytest.raises(KeyboardInterrupt) as caught:
            database.connect(path, config={"threads": "1", "memory_limit": "256MB"})
    finally:
        sys.settrace(None)
    assert caught.value  # the traceback (and whatever its frames hold) is still alive here
    with open_warehouse(path, config={"threads": "2"}) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    with pytest.raises(duckdb.Error, match="different configuration"):
        # What the same opening left open does: the check above is not vacuous.
        kept = duckdb.connect(str(path), config={"threads": "1"})
        try:
            duckdb.connect(str(path), config={"threads": "2"})
        finally:
            kept.close()

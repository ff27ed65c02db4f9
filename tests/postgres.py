"""A real PostgreSQL server for the DuckLake tests: its own cluster in a temporary folder,
listening on loopback only, stopped at the end of the session.

The binaries come from Debian's postgresql package (.ci/run installs it); without them the
tests that need a server skip and say why. PostgreSQL refuses to run as root, so as root
the cluster is made and run as the `postgres` user (or `nobody`), owning its folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest

USER = "labwatch"  # the cluster's superuser, trusted on loopback


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major, reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _major(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    bin_dir: Path
    folder: Path
    port: int
    run_as: str | None
    _names: Iterator[int]

    def _run(self, *argv: str) -> None:
        subprocess.run(
            argv, check=True, capture_output=True, text=True, user=self.run_as, timeout=120
        )

    def create_database(self) -> str:
        """A new, empty database; returns its libpq conninfo."""
        name = f"lake{next(self._names)}"
        self._run(str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", USER, name)  # fmt: skip
        return f"host=127.0.0.1 port={self.port} user={USER} dbname={name}"


def _start(bin_dir: Path) -> PostgresServer:
    run_as = None
    if os.geteuid() == 0:
        run_as = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
        if run_as is None:
            pytest.skip("PostgreSQL cannot run as root and no other user exists here")
    folder = Path(tempfile.mkdtemp(prefix="labwatch-test-pg-"))
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(bin_dir, folder, _free_port(), run_as, count(1))
    data = folder / "data"
    server._run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER,
                "--no-sync", "-E", "UTF8")  # fmt: skip
    options = f"-h 127.0.0.1 -p {server.port} -k {folder} -F"
    server._run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                "-l", str(folder / "server.log"), "-w", "-t", "60", "start")  # fmt: skip
    return server


@contextmanager
def started(bin_dir: Path) -> Iterator[PostgresServer]:
    """A new cluster running for the block; then stopped at once and its folder removed.
    (benchmarks/lake.py starts its catalogs' server with it too.)"""
    server = _start(bin_dir)
    try:
        yield server
    finally:
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "-D", str(server.folder / "data"), "-m", "immediate",
             "stop"],
            capture_output=True, user=server.run_as, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(server.folder, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server on a free loopback port for the session."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (apt-get install postgresql; .ci/run does): "
            "the DuckLake tests need a real server"
        )
    with started(bin_dir) as server:
        yield server


@pytest.fixture
def catalog(postgres: PostgresServer) -> str:
    """The conninfo of a new, empty PostgreSQL database for one test's DuckLake catalog."""
    return postgres.create_database()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible server (moto's server mode) on a free loopback port; yields its URL."""
    import sys
    import time
    import urllib.request

    try:
        import moto.server  # noqa: F401
    except ImportError:
        pytest.skip("moto[server] is not installed (a dev dependency): no S3 server to test on")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)

"""Shared fixtures: real loopback servers, real DuckDB files, one Prefect test harness."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Prefect reads its settings when first imported: keep it offline, quiet and out of ~/.prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="labwatch-test-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
for var in [v for v in os.environ if v.startswith("LABWATCH_")]:
    del os.environ[var]  # a developer's own settings must not leak into the tests

import pytest  # noqa: E402

from flows.seed_site import serve_seed_site  # noqa: E402

# The PostgreSQL server and catalog fixtures of the DuckLake tests, a Prefect server on it, and
# the guard that no list parameter reaches DuckDB from labwatch's code.
pytest_plugins = ["tests.postgres", "tests.prefect_server", "tests.list_params"]


@pytest.fixture(scope="session")
def seed_site() -> Iterator[str]:
    """The bundled seed site, served on a free loopback port; yields its base URL."""
    with serve_seed_site(0) as base:
        yield base


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh LABWATCH_HOME per test."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server and database for every flow test in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield

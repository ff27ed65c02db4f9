"""The warehouse of a Settings, opened the one way flows open it: its file, its lock wait."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flows.settings import Settings

if TYPE_CHECKING:
    import duckdb


@contextmanager
def open_db(
    settings: Settings, *, read_only: bool = False, config: Mapping[str, str] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """warehouse/database.py `open_warehouse` on `settings.warehouse`, waiting up to
    `settings.lock_wait` seconds for a writer elsewhere; closed when the block ends.
    `config`: DuckDB settings for this opening (the ingest caps its threads and memory)."""
    # Imported here: commands that never open the warehouse (tag, --help) skip DuckDB's import.
    from warehouse.database import open_warehouse

    with open_warehouse(
        settings.warehouse, read_only=read_only, lock_wait=settings.lock_wait, config=config
    ) as con:
        yield con

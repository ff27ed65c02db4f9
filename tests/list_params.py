"""A guard for every test: labwatch's own code never hands DuckDB a Python list as a query
parameter (warehouse/list_param.py: DuckDB converts one value by value, 6 ms for any list and
57 µs a value, seconds for a search's document ids). A test during which one was given
fails, naming the line. Lists the tests' own SQL passes are theirs to pass."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = tuple(str(ROOT / d) + "/" for d in ("warehouse", "flows", "extractors", "benchmarks"))


def _lists(parameters: Any) -> list[str]:
    """The names (or positions) of the list values among a query's parameters."""
    items = parameters.items() if isinstance(parameters, dict) else enumerate(parameters)
    return [str(k) for k, v in items if isinstance(v, (list, tuple))]


@pytest.fixture(autouse=True)
def no_list_parameters(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    seen: list[str] = []
    execute = duckdb.DuckDBPyConnection.execute

    def checked(self: duckdb.DuckDBPyConnection, query: Any, *args: Any, **kwargs: Any) -> Any:
        parameters = args[0] if args else kwargs.get("parameters")
        if parameters is not None and (names := _lists(parameters)):
            caller = sys._getframe(1)
            where = caller.f_code.co_filename
            if where.startswith(OURS):
                sql = " ".join(str(query).split())[:100]
                seen.append(f"{where}:{caller.f_lineno} ({', '.join(names)}): {sql}")
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(duckdb.DuckDBPyConnection, "execute", checked)
    yield
    assert not seen, "list parameters handed to DuckDB (use warehouse.list_param):\n" + "\n".join(
        seen
    )

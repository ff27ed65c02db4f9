"""Named queries: SQL files in warehouse/named_queries/ run by name with parameters.

Each file starts with a `-- description` line and declares its parameters with defaults as
`-- param: name = default`; the SQL refers to them as `$name`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import duckdb

from warehouse.errors import QueryError
from warehouse.queries import run_sql

_PARAM = re.compile(r"^--\s*param:\s*(\w+)\s*=\s*(.*?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: dict[str, str]  # name -> default
    sql: str


def named_queries() -> dict[str, NamedQuery]:
    found: dict[str, NamedQuery] = {}
    for item in resources.files("warehouse.named_queries").iterdir():
        if not item.name.endswith(".sql"):
            continue
        sql = item.read_text(encoding="utf-8")
        first = sql.splitlines()[0] if sql else ""
        name = item.name.removesuffix(".sql")
        found[name] = NamedQuery(
            name=name,
            description=first.removeprefix("--").strip(),
            params=dict(_PARAM.findall(sql)),
            sql=sql,
        )
    return dict(sorted(found.items()))


def run_named(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, str]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    queries = named_queries()
    if name not in queries:
        raise QueryError(f"no query named {name!r}; `labwatch query --list` shows them")
    query = queries[name]
    unknown = set(params) - set(query.params)
    if unknown:
        raise QueryError(f"{name} takes no parameter {', '.join(sorted(unknown))}")
    values = {**query.params, **params}
    try:
        cursor = con.execute(query.sql, values) if values else con.execute(query.sql)
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from exc
    columns = [d[0] for d in cursor.description or []]
    return columns, cursor.fetchall()


__all__ = ["NamedQuery", "named_queries", "run_named", "run_sql"]

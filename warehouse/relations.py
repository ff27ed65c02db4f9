"""Python rows handed to SQL as a relation, through JSON rather than Arrow.

Registering an Arrow table made the ingest's process import pyarrow (55 MB) and, on the
first scan, DuckDB's Arrow scan imported pyarrow.dataset with its file systems (30 MB more),
for relations of a few hundred rows at most. Here the rows travel as one JSON string
parameter (one value converted, not one per row: a list parameter is converted value by
value) and DuckDB's `from_json` reads them into a temporary table of the connection, with
the column types Arrow would have inferred from the same Python values: as fast as the
Arrow table for a batch's rows, and nothing imported.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from itertools import chain
from typing import Any

import duckdb

Row = Mapping[str, Any]

_SCALARS = {str: "VARCHAR", bool: "BOOLEAN", int: "BIGINT", float: "DOUBLE", date: "DATE"}
_UNKNOWN = None  # every value None (or an empty list): Arrow's null type


@contextmanager
def rows_relation(con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[Row]) -> Iterator[None]:
    """`rows` visible to SQL as the relation `name` (columns from every row's keys, in the
    order met; a key missing from a row is NULL) until the block ends."""
    columns = list(dict.fromkeys(chain.from_iterable(rows)))
    types = {c: _type_of([row.get(c) for row in rows]) for c in columns}
    known = [c for c in columns if types[c] is not _UNKNOWN]
    # A column with no value is NULL of no type, as Arrow's null type reads: it takes the
    # type of whatever it meets (a typed NULL column would not, in coalesce(x, col)).
    table = name if len(known) == len(columns) else f"{name}_rows"
    doubles = [c for c in known if types[c] == "DOUBLE"]
    payload = json.dumps([_as_json(row, doubles) for row in rows], default=_iso)
    fields = ", ".join(f"{json.dumps(c)}: {json.dumps(types[c])}" for c in known)
    if known:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT r.* FROM"
            f" (SELECT unnest(from_json($rows, '[{{{_quoted(fields)}}}]')) AS r)",
            {"rows": payload},
        )
    else:  # no typed column: only the row count matters
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT NULL AS _ FROM range($n)",
            {"n": len(rows)},
        )
    if table != name:
        selected = ", ".join(
            _ident(c) if types[c] is not _UNKNOWN else f"NULL AS {_ident(c)}" for c in columns
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {selected} FROM {table}")
    try:
        yield
    finally:
        if table != name:
            con.execute(f"DROP VIEW IF EXISTS temp.{name}")
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")


def _type_of(values: Sequence[Any]) -> str | None:
    """The SQL type Arrow infers for these Python values (None when none has a type)."""
    kinds = set(map(type, values)) - {type(None)}
    if not kinds:
        return _UNKNOWN
    if kinds == {int, float}:
        return "DOUBLE"  # Arrow promotes a mix of ints and floats
    if len(kinds) > 1:
        raise TypeError(f"values of several types in one column: {sorted(k.__name__ for k in kinds)}")
    (kind,) = kinds
    if kind is datetime:
        aware = any(v.tzinfo is not None for v in values if v is not None)
        return "TIMESTAMPTZ" if aware else "TIMESTAMP"
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind is list or kind is tuple:
        inner = _type_of([x for v in values if v is not None for x in v])
        # Empty lists only: VARCHAR elements, which cast to any list type on insert.
        return f"{inner or 'VARCHAR'}[]"
    if kind is dict:
        keys = list(dict.fromkeys(chain.from_iterable(v for v in values if v is not None)))
        parts = [
            f"{_ident(k)} {_type_of([v.get(k) for v in values if v is not None]) or 'VARCHAR'}"
            for k in keys
        ]
        return f"STRUCT({', '.join(parts)})"
    raise TypeError(f"no SQL type for {kind.__name__} values")


def _as_json(row: Row, doubles: Sequence[str]) -> Mapping[str, Any]:
    """The row as JSON carries it: NaN and infinities (not JSON) as strings DuckDB casts.
    Keys of no column (all None) are left in: `from_json` reads only the columns named."""
    out = row if isinstance(row, dict) else dict(row)
    for c in doubles:
        v = out.get(c)
        if isinstance(v, float) and not math.isfinite(v):
            out = {**out, c: str(v)}
    return out


def _iso(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quoted(text: str) -> str:
    """`text` inside a SQL string literal."""
    return text.replace("'", "''")

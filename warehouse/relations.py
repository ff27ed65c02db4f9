"""Python rows handed to SQL as a relation, through JSON rather than Arrow.

Registering an Arrow table made the ingest's process import pyarrow (55 MB) and, on the
first scan, DuckDB's Arrow scan imported pyarrow.dataset with its file systems (30 MB more).
Here each column travels as one JSON array, the arrays in one object in one string
parameter (a list parameter is converted value by value, 1.7 s for a batch's mentions), and
DuckDB's `from_json` reads the arrays, unnested side by side, into a temporary table of the
connection (or straight into the INSERT that reads them once: `rows_query`), with the
column types Arrow infers from the same Python values. It costs more CPU than Arrow's
conversion and imports little (orjson, a 0.24 MB module Prefect loads anyway): 3,700
mentions copied into a table took 8 ms against Arrow's 4.4 ms (13 ms with the arrays as
constants, before the subquery form below; a list of row objects took twice as long as
arrays per column). A store's 16,300
mentions, with their repeated text sent once (`dictionary`): 31-35 ms against Arrow's
26-31 ms, and 44-46 ms without the dictionary (session 16). Flat columns written by orjson
rather than the json module (`_dumps`): 36-41 ms against 42-46 ms (session 44)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from itertools import chain
from operator import itemgetter
from typing import Any

import duckdb
import orjson

Row = Mapping[str, Any]

_SCALARS = {
    str: "VARCHAR", bool: "BOOLEAN", int: "BIGINT", float: "DOUBLE", date: "DATE", bytes: "BLOB",
}  # fmt: skip
_NONE = '"NULL"'  # no value to type a column or element by: Arrow's null type, DuckDB's NULL


@contextmanager
def rows_relation(con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[Row]) -> Iterator[None]:
    """`rows` visible to SQL as the relation `name` (columns from every row's keys, in the
    order met; a key missing from a row is NULL) until the block ends."""
    columns, types, select, params = _unnested(rows)
    # JSON cannot be read as NULL's type: such parts are read as VARCHAR, then cast, so that
    # they take the type of whatever they meet (coalesce(x, col)), as Arrow's null type does.
    # Bytes travel as hex, read as VARCHAR and unhexed.
    untyped = [c for c in columns if _NONE in types[c] or types[c] == "BLOB"]
    table = f"{name}_rows" if untyped else name
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {select}", params)
    if untyped:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {_typed(columns, types, table)}")
    try:
        yield
    finally:
        if untyped:
            con.execute(f"DROP VIEW IF EXISTS temp.{name}")
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")


@contextmanager
def rows_query(
    con: duckdb.DuckDBPyConnection, rows: Sequence[Row]
) -> Iterator[tuple[str, dict[str, object]]]:
    """A query giving `rows` as `rows_relation` shows them, and its parameters, for a
    statement on `con` within the block that reads the rows once (an INSERT): it reads them
    from the JSON as it goes rather than from a temporary table written first (a store's
    130k mentions: one copy of them fewer). A block, as `rows_relation` is, so that another
    way of handing rows over (the tests' Arrow reference) can register them on `con`."""
    del con  # the JSON travels as the query's parameter: nothing to register
    columns, types, select, params = _unnested(rows)
    yield _typed(columns, types, f"({select})"), params


def _typed(columns: list[str], types: dict[str, str], source: str) -> str:
    """The columns of `source` (as `_unnested` reads them) with their own types again."""
    untyped = {c for c in columns if _NONE in types[c] or types[c] == "BLOB"}
    if not untyped:
        return f"SELECT * FROM {source}"
    selected = ", ".join(_read_back(c, types[c]) if c in untyped else sql_name(c) for c in columns)
    return f"SELECT {selected} FROM {source}"


def _unnested(
    rows: Sequence[Row],
) -> tuple[list[str], dict[str, str], str, dict[str, object]]:
    """(the rows' columns, their SQL types, a SELECT of the rows as JSON carried them (the
    NULL type's and bytes' columns as VARCHAR), its parameters)."""
    columns, values = _columns(rows)
    types = {c: _type_of(values[c]) for c in columns}
    if not columns:  # rows without keys: only their number
        return columns, types, "SELECT NULL AS _ FROM range($n)", {"n": len(rows)}
    # One JSON array per column (a list of objects took twice as long to write and read),
    # all in one object parameter (DuckDB converts each parameter apart, trying to import
    # pandas every time), unnested side by side: the arrays are as long as the rows. The
    # parameter is read from a subquery: `from_json($j)` is a constant, which DuckDB folds
    # into one value of an object per element before unnesting it, ten times slower.
    arrays = {
        n: "VARCHAR" if types[c] == "BLOB" else types[c].replace(_NONE, "VARCHAR")
        for n, c in enumerate(columns)
    }
    ready = {n: _json_ready(values[c], types[c]) for n, c in enumerate(columns)}
    coded = {
        n: d
        for n, c in enumerate(columns)
        if types[c] in _TEXT and (d := dictionary(ready[n])) is not None
    }
    shape: dict[str, list[str]] = {}
    parts = []
    for n, kind in arrays.items():
        if n in coded:
            uniques, codes = coded[n]
            shape[f"d{n}"], shape[f"c{n}"] = [kind], ["UINTEGER"]
            parts += [f'"d{n}":{_dumps(uniques, kind)}', f'"c{n}":{_dumps(codes, "UINTEGER")}']
        else:
            shape[f"c{n}"] = [kind]
            parts.append(f'"c{n}":{_dumps(ready[n], kind)}')
    typed = _quoted(json.dumps(shape))
    source = f"(SELECT from_json(j, '{typed}') AS s FROM (SELECT $j AS j))"
    if coded:
        # A column of repeated values (a batch's mentions: its article ids, sentences,
        # watchlist version) travels as its distinct values and one number a row, each
        # value looked up after the unnest: less JSON to write and parse (a bench
        # batch's mentions 4.1 -> 0.85 MB; 42 -> 33 ms of CPU at 1M articles).
        inner = [f"unnest(s.c{n}) AS k{n}" for n in arrays]
        inner += [f"s.d{n} AS d{n}" for n in coded]
        selected = ", ".join(
            (f"d{n}[k{n} + 1]" if n in coded else f"k{n}") + f" AS {sql_name(c)}"
            for n, c in enumerate(columns)
        )
        source = f"(SELECT {', '.join(inner)} FROM {source})"
    else:
        selected = ", ".join(f"unnest(s.c{n}) AS {sql_name(c)}" for n, c in enumerate(columns))
    return columns, types, f"SELECT {selected} FROM {source}", {"j": "{" + ",".join(parts) + "}"}


def _columns(rows: Sequence[Row]) -> tuple[list[str], dict[str, list[Any]]]:
    """Every row's keys in the order met, and each one's values (None where a row has not
    the key)."""
    if rows:
        first = list(rows[0])
        # The usual case, rows of the same keys: each column read by C code (`itemgetter`),
        # not a Python `get` per value (half the time). A row of as many keys as the first
        # and holding each of them has no other.
        if set(map(len, rows)) == {len(first)}:
            try:
                return first, {c: list(map(itemgetter(c), rows)) for c in first}
            except KeyError:
                pass
    columns = list(dict.fromkeys(chain.from_iterable(rows)))
    return columns, {c: [row.get(c) for row in rows] for c in columns}


def _type_of(values: Sequence[Any]) -> str:
    """The SQL type of the column Arrow infers from these Python values."""
    kinds = {_base(k) for k in set(map(type, values))} - {type(None)}
    if not kinds:
        return _NONE
    if kinds == {int, float}:
        return "DOUBLE"  # Arrow promotes a mix of ints and floats
    if len(kinds) > 1:
        found = sorted(k.__name__ for k in kinds)
        raise TypeError(f"values of several types in one column: {found}")
    (kind,) = kinds
    if kind is datetime:
        aware = any(v.tzinfo is not None for v in values if v is not None)
        return "TIMESTAMPTZ" if aware else "TIMESTAMP"
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind is list or kind is tuple:
        return _type_of([x for v in values if v is not None for x in v]) + "[]"
    if kind is dict:
        given = [v for v in values if v is not None]
        keys = list(dict.fromkeys(chain.from_iterable(given)))
        parts = [f"{sql_name(k)} {_type_of([v.get(k) for v in given])}" for k in keys]
        return f"STRUCT({', '.join(parts)})"
    raise TypeError(f"no SQL type for {kind.__name__} values")


# The types a value's type is read as (bool before int, datetime before date: subclasses).
_BASES = (bool, int, float, str, bytes, datetime, date, list, tuple, dict)


def _base(kind: type) -> type:
    """`kind`, or the type of _BASES it derives from (a str enum is a str, a datetime of
    another library a datetime), as Arrow reads them."""
    if kind in _BASES:
        return kind
    return next((base for base in _BASES if issubclass(kind, base)), kind)


def _json_ready(values: list[Any], kind: str) -> list[Any]:
    """A column's values as JSON carries them: NaN and infinities (not JSON) as strings
    DuckDB casts, bytes as hex, times and dates as ISO text."""
    if kind == "BLOB":
        return [v.hex() if v is not None else None for v in values]
    if kind == "DOUBLE":
        return [str(v) if isinstance(v, float) and not math.isfinite(v) else v for v in values]
    if kind in ("TIMESTAMP", "TIMESTAMPTZ", "DATE"):
        return _iso_each(values)
    return values


# Columns of these types, as `_json_ready` leaves them, are written by orjson: a store's
# mentions' JSON in a seventh of the json module's time (articles' long texts in half), text
# as UTF-8 rather than escaped (DuckDB reads it as fast). Other lists and structs keep the
# json module: orjson writes a NaN in them as null (a list of ints holds none).
_FLAT = {
    "VARCHAR", "BOOLEAN", "BIGINT", "DOUBLE", "UINTEGER", "TIMESTAMP", "TIMESTAMPTZ", "DATE",
    "BIGINT[]",
}  # fmt: skip


def _dumps(values: list[Any], kind: str) -> str:
    """A column's values (of SQL type `kind`) as a JSON array."""
    if kind in _FLAT:
        try:
            return orjson.dumps(values).decode()
        except TypeError:  # a lone surrogate, an int beyond 64 bits, a float subclass
            pass
    return json.dumps(values, default=_iso)


# The types whose values JSON carries as text, which `dictionary` may shorten.
_TEXT = ("VARCHAR", "TIMESTAMP", "TIMESTAMPTZ", "DATE", "BLOB")
# Columns shorter than this go as they are: the dictionary would save less than it costs.
_DICTIONARY_MIN_ROWS = 32
_PLAIN = {str, type(None)}


def dictionary(values: list[Any]) -> tuple[list[Any], list[int]] | None:
    """A column of text (strings, ISO times, hex bytes; None) whose distinct values are at
    most half its length, as (the distinct values in the order met, each row's position in
    them); None for any other column. By equality of the text, which is the value SQL reads."""
    # Plain strings only: a subclass may call equal what SQL would read as other text.
    if len(values) < _DICTIONARY_MIN_ROWS or not set(map(type, values)) <= _PLAIN:
        return None
    uniques = dict.fromkeys(values)
    if len(uniques) * 2 > len(values):
        return None
    position = {v: i for i, v in enumerate(uniques)}
    return list(uniques), list(map(position.__getitem__, values))


def _read_back(column: str, kind: str) -> str:
    """The expression giving `column` its type again, from how JSON carried it."""
    name = sql_name(column)
    value = f"unhex({name})" if kind == "BLOB" else f"CAST({name} AS {kind})"
    return f"{value} AS {name}"


def _iso_each(values: list[Any]) -> list[str | None]:
    """Each value's ISO text, each object converted once: rows share their article's time
    object (a batch's story bands: 16k rows, 256 times), and `isoformat` was most of the
    JSON's cost. By identity, not equality: equal times may differ in offset or fold."""
    ids = list(map(id, values))
    text = {i: _iso(v) for i, v in dict(zip(ids, values, strict=True)).items() if v is not None}
    return list(map(text.get, ids))


def _iso(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def sql_name(name: str) -> str:
    """`name` quoted as an identifier."""
    return '"' + name.replace('"', '""') + '"'


def _quoted(text: str) -> str:
    """`text` inside a SQL string literal."""
    return text.replace("'", "''")

"""Export: every table as Parquet, with a README of the schema, for pandas, polars, Spark or a
lakehouse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Exported:
    table: str
    rows: int
    path: Path


def base_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_schema = 'main' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def export_tables(con: duckdb.DuckDBPyConnection, folder: Path) -> list[Exported]:
    """Write each table to `folder/<table>.parquet` (zstd) and `folder/README.md`."""
    folder.mkdir(parents=True, exist_ok=True)
    done: list[Exported] = []
    for table in base_tables(con):
        path = folder / f"{table}.parquet"
        escaped = str(path).replace("'", "''")
        con.execute(
            f"COPY (SELECT * FROM \"{table}\") TO '{escaped}' (FORMAT parquet, COMPRESSION zstd)"
        )
        (count,) = con.execute(f'SELECT count(*) FROM "{table}"').fetchone() or (0,)
        done.append(Exported(table, int(count), path))
    (folder / "README.md").write_text(_schema_readme(con, done), encoding="utf-8")
    return done


def _schema_readme(con: duckdb.DuckDBPyConnection, exported: list[Exported]) -> str:
    (version,) = con.execute("SELECT max(version) FROM schema_migrations").fetchone() or (0,)
    lines = [
        "# labwatch warehouse export",
        "",
        f"One Parquet file per table of a labwatch warehouse (schema version {version}).",
        "Timestamps are UTC. Read them with any Parquet reader, for example:",
        "",
        "```python",
        "import duckdb",
        "duckdb.sql(\"select * from 'articles.parquet' limit 5\").show()",
        "```",
        "",
    ]
    for e in exported:
        lines += [
            f"## {e.table} ({e.rows} rows, `{e.path.name}`)",
            "",
            "| column | type |",
            "|---|---|",
        ]
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position",
            [e.table],
        ).fetchall()
        lines += [f"| {name} | {kind} |" for name, kind in columns]
        lines.append("")
    return "\n".join(lines)

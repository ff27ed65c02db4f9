"""The second warehouse backend: DuckLake, its catalog in PostgreSQL, its data files in a folder.

Chosen by the `warehouse` setting: ``ducklake:postgres:<libpq conninfo or postgres:// URL>``,
with the data files under `ducklake_data`: a folder, or ``s3://bucket/prefix/`` read and
written through httpfs with a DuckDB secret made from the AWS_* variables (`s3_secret`).
A connection is an in-memory DuckDB with the lake attached as ``lake`` and made the default
catalog, so every query, view and named query runs unchanged.

The extensions come from PyPI packages pinned to our DuckDB release and are loaded by file
path, offline, like fts (warehouse/search.py). postgres must be loaded from a file named
``postgres_scanner.duckdb_extension`` (DuckDB derives the entry point from the file name), so
a copy is kept in the user's cache folder.

What DuckLake lacks, and what stands in for it (docs/scale-out.md):
- PRIMARY KEY / UNIQUE constraints and indexes: none; the tables are made without them, so
  writers must skip duplicates themselves (anti-joins, MERGE INTO), not by ON CONFLICT.
- sequences (feed_fetches.fetch_id, deals.deal_no defaults): none; the columns have no
  default, a writer gives the value.
- list defaults (deals.roles DEFAULT []): none; a writer gives the value.
- ALTER ... ADD COLUMN ... DEFAULT: added without the default, existing rows set to it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import random
import re
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from warehouse.backend import PREFIX, DuckLakeWarehouse, cache_dir, redact_conninfo
from warehouse.errors import (
    MigrationError,
    WarehouseError,
    WarehouseMissingError,
)

ALIAS = "lake"  # the catalog name of the attached lake in every connection


class DuckLakeError(WarehouseError):
    """The lake cannot be opened: its catalog unreachable, an extension missing."""


# Extensions ---------------------------------------------------------------------------------


def _package_extension(module: str, name: str) -> Path:
    try:
        package = importlib.import_module(module)
    except ImportError as exc:
        raise DuckLakeError(
            f"the DuckLake warehouse needs the {module.replace('_', '-')} package "
            f"({exc}); reinstall labwatch (pip install -e .)"
        ) from exc
    folder = Path(str(package.__file__)).parent
    return folder / "extensions" / f"v{duckdb.__version__}" / name


def _postgres_extension() -> Path:
    """The postgres extension under the file name DuckDB needs, copied once per user."""
    source = _package_extension("duckdb_extension_postgres", "postgres.duckdb_extension")
    target = cache_dir() / "postgres_scanner.duckdb_extension"
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        shutil.copyfile(source, partial)
        os.replace(partial, target)  # atomic: a concurrent opener sees the old file or this
    return target


def load_extensions(con: duckdb.DuckDBPyConnection, *, s3: bool = False) -> None:
    """Load ducklake and postgres (and httpfs for an s3:// data path) from their files."""
    paths = [
        _package_extension("duckdb_extension_ducklake", "ducklake.duckdb_extension"),
        _postgres_extension(),
    ]
    if s3:
        paths.append(_package_extension("duckdb_extension_httpfs", "httpfs.duckdb_extension"))
    for path in paths:
        try:
            con.execute(f"LOAD {_quote(str(path))}")
        except duckdb.Error as exc:
            raise DuckLakeError(f"cannot load the DuckDB extension {path}: {exc}") from exc


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Opening ------------------------------------------------------------------------------------


def attach_lake(
    con: duckdb.DuckDBPyConnection,
    lake: DuckLakeWarehouse,
    *,
    read_only: bool,
    alias: str = ALIAS,
    create: bool = True,
) -> None:
    """Attach `lake` to `con` as `alias`. A folder data path is made first when writing."""
    s3 = lake.on_s3
    load_extensions(con, s3=s3)
    if s3:
        con.execute(s3_secret(lake.data_path, os.environ))
    if not s3 and not read_only and create:
        try:
            Path(lake.data_path).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DuckLakeError(
                f"cannot create the lake's data folder {lake.data_path}: {exc.strerror}"
            ) from exc
    options = [f"DATA_PATH {_quote(lake.data_path)}"]
    if read_only:
        options.append("READ_ONLY")
    if not create:
        options.append("CREATE_IF_NOT_EXISTS false")
    attach = f"ATTACH {_quote(PREFIX + lake.catalog)} AS {alias} ({', '.join(options)})"
    for attempt in range(ATTACH_TRIES):
        try:
            con.execute(attach)
            return
        except duckdb.Error as exc:
            message = str(exc).replace(lake.catalog, redact_conninfo(lake.catalog))
            # Workers started together on a new catalog: DuckLake creates its catalog
            # tables without a lock, so all but one fail on a name the first one took. Once
            # it has committed they are there, and attaching again opens them.
            if create and _RACED.search(message) and attempt < ATTACH_TRIES - 1:
                time.sleep(random.uniform(0.1, 0.5) * (attempt + 1))
                continue
            if "creating a new DuckLake is explicitly disabled" in message:
                raise missing(lake) from None
            raise DuckLakeError(
                f"cannot open the DuckLake warehouse {lake}: {message.strip()}. Is PostgreSQL "
                "running, and does the database exist (createdb)? See docs/scale-out.md"
            ) from None


ATTACH_TRIES = 6
_RACED = re.compile(r"duplicate key value|already exists")


def s3_secret(data_path: str, env: Mapping[str, str]) -> str:
    """A temporary DuckDB secret for the lake's bucket, from the AWS SDK's variables:
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or
    AWS_DEFAULT_REGION) and, for an S3-compatible store (MinIO, Ceph, moto),
    AWS_ENDPOINT_URL (http:// or https://host:port; path-style URLs)."""
    key, secret = env.get("AWS_ACCESS_KEY_ID", ""), env.get("AWS_SECRET_ACCESS_KEY", "")
    if not key or not secret:
        raise DuckLakeError(
            f"the lake's data path {data_path} is on S3: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a store other than AWS)"
        )
    bucket = data_path.removeprefix("s3://").split("/", 1)[0]
    options = [
        "TYPE s3",
        f"KEY_ID {_quote(key)}",
        f"SECRET {_quote(secret)}",
        f"REGION {_quote(env.get('AWS_REGION') or env.get('AWS_DEFAULT_REGION') or 'us-east-1')}",
        f"SCOPE {_quote('s3://' + bucket)}",
    ]
    if env.get("AWS_SESSION_TOKEN"):
        options.append(f"SESSION_TOKEN {_quote(env['AWS_SESSION_TOKEN'])}")
    endpoint = env.get("AWS_ENDPOINT_URL", "")
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise DuckLakeError(f"AWS_ENDPOINT_URL must be http(s)://host[:port], not {endpoint!r}")
        options += [
            f"ENDPOINT {_quote(parts.netloc)}",
            "URL_STYLE 'path'",
            f"USE_SSL {'true' if parts.scheme == 'https' else 'false'}",
        ]
    return f"CREATE OR REPLACE TEMPORARY SECRET labwatch_lake ({', '.join(options)})"


def missing(lake: DuckLakeWarehouse) -> WarehouseMissingError:
    return WarehouseMissingError(
        f"no warehouse yet at {lake}: run `labwatch ingest` (your feeds), or "
        "`labwatch migrate-warehouse` to copy a DuckDB warehouse into it"
    )


def connect_lake(
    lake: DuckLakeWarehouse, *, read_only: bool = False, create: bool = True
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with `lake` attached and in use; writers get the schema made or
    migrated."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        attach_lake(con, lake, read_only=read_only, create=create and not read_only)
        con.execute(f"USE {ALIAS}")
        if read_only and lake_schema_version(con) == 0:
            raise missing(lake)
        # `labwatch sql` turns external access off (queries.lock_down): the lake's own data
        # files must stay readable, and only they.
        con.execute(f"SET allowed_directories = [{_quote(lake.data_path)}]")
        if not read_only:
            migrate_lake(con, str(lake))
    except BaseException:
        con.close()
        raise
    return con


# Schema -------------------------------------------------------------------------------------


def lake_schema_version(con: duckdb.DuckDBPyConnection, alias: str = ALIAS) -> int:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'"
        " AND table_name = 'schema_migrations'",
        [alias],
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute(f"SELECT coalesce(max(version), 0) FROM {alias}.schema_migrations").fetchone()
    return int(row[0]) if row else 0


# A default DuckLake cannot store: a sequence, a list, anything not a scalar literal.
_UNSUPPORTED_DEFAULT = re.compile(r"nextval\(|^\[|^list_value\(|\(", re.IGNORECASE)


def final_schema() -> tuple[list[str], list[str], list[tuple[int, str]]]:
    """The schema every migration makes, as DuckLake DDL: (CREATE TABLE statements without
    keys, sequences or unsupported defaults; CREATE VIEW statements in creation order;
    (version, name) of each migration). Built by migrating a scratch in-memory DuckDB, so
    the DuckDB migrations stay the one description of the schema."""
    from warehouse.database import migrate, migrations

    scratch = duckdb.connect(":memory:")
    try:
        migrate(scratch, ":memory:")
        tables: list[str] = []
        names = scratch.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_oid"
        ).fetchall()
        for (table,) in names:
            columns = scratch.execute(
                "SELECT column_name, data_type, is_nullable, column_default"
                " FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                [table],
            ).fetchall()
            parts = []
            for name, kind, nullable, default in columns:
                part = f'"{name}" {kind}'
                if not nullable:
                    part += " NOT NULL"
                if default is not None and not _UNSUPPORTED_DEFAULT.search(str(default)):
                    part += f" DEFAULT {default}"
                parts.append(part)
            tables.append(f'CREATE TABLE "{table}" ({", ".join(parts)})')
        views = [
            str(sql).rstrip().rstrip(";")
            for (sql,) in scratch.execute(
                "SELECT sql FROM duckdb_views() WHERE NOT internal AND NOT temporary"
                " ORDER BY view_oid"
            ).fetchall()
        ]
    finally:
        scratch.close()
    return tables, _dependency_order(tables, views), [(v, n) for v, n, _ in migrations()]


def _dependency_order(tables: list[str], views: list[str]) -> list[str]:
    """`views` in an order each can be created in (a view after the views it reads), found
    by creating them in a scratch DuckDB until every one is made."""
    scratch = duckdb.connect(":memory:")
    try:
        for sql in tables:
            scratch.execute(sql)
        ordered: list[str] = []
        pending = list(views)
        while pending:
            left = []
            for sql in pending:
                try:
                    scratch.execute(sql)
                    ordered.append(sql)
                except duckdb.CatalogException:
                    left.append(sql)
            if len(left) == len(pending):
                raise MigrationError(f"views that cannot be created: {left[0][:200]}")
            pending = left
    finally:
        scratch.close()
    return ordered


def _pending_sql(sql: str) -> str:
    """A DuckDB migration rewritten for DuckLake: no keys, indexes or sequences; a column
    added with a default is added bare and its existing rows without a value set to the
    default (a migration run again keeps the values written since)."""
    sql = re.sub(r"(?im)^\s*CREATE\s+(UNIQUE\s+)?INDEX[^;]*;", "", sql)
    sql = re.sub(r"(?im)^\s*CREATE\s+SEQUENCE[^;]*;", "", sql)
    sql = re.sub(r"(?i)\s+DEFAULT\s+nextval\('[^']*'\)", "", sql)
    sql = re.sub(r"(?i),\s*PRIMARY\s+KEY\s*\([^)]*\)", "", sql)
    sql = re.sub(r"(?i)\s+PRIMARY\s+KEY\b", "", sql)
    sql = re.sub(r"(?i),\s*UNIQUE\s*\([^)]*\)", "", sql)

    def added(m: re.Match[str]) -> str:
        table, new, column, kind, default = m.group(1, 2, 3, 4, 5)
        if_new = "IF NOT EXISTS " if new else ""
        return (
            f"ALTER TABLE {table} ADD COLUMN {if_new}{column} {kind};\n"
            f"UPDATE {table} SET {column} = {default} WHERE {column} IS NULL;"
        )

    return re.sub(
        r"(?i)ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s+"
        r"([\w\[\]]+)\s+DEFAULT\s+([^;]+?)\s*;",
        added,
        sql,
    )


def migrate_lake(con: duckdb.DuckDBPyConnection, where: str) -> int:
    """Make or migrate the lake's schema; return its version.

    A new lake gets the final schema in one transaction. A lake at an older version gets
    each pending migration rewritten for DuckLake (`_pending_sql`), each in a transaction.
    Two workers creating it at once: one commits, the other finds it made.
    """
    from warehouse.database import latest_version, migrations

    current = lake_schema_version(con)
    latest = latest_version(current, where)
    if current == latest:
        _ensure_turns(con)
        return current
    if current == 0:
        tables, views, versions = final_schema()
        try:
            _in_transaction(
                con,
                [*tables, *views, *_TURNS],
                [(v, n) for v, n in versions],
            )
        except duckdb.Error as exc:
            if lake_schema_version(con) == latest:  # another worker made it meanwhile
                return latest
            raise MigrationError(f"cannot create the schema in {where}: {exc}") from exc
        return latest
    for version, name, sql in migrations():
        if version <= current:
            continue
        try:
            _in_transaction(con, [_pending_sql(sql)], [(version, name)])
        except duckdb.Error as exc:
            raise MigrationError(
                f"migration {version:04d}_{name} failed on {where}: {exc}"
            ) from exc
        current = version
    return current


# The lake's own tables, beside labwatch's schema: the writers' turn (warehouse/
# ducklake_lease.py `take_turn`) and the feed leases. migrate-warehouse copies neither.
TURNS_TABLE = "write_turns"
LAKE_ONLY = (TURNS_TABLE, "feed_leases", "run_heartbeats")  # coordination, not data
_TURNS = [
    f"CREATE TABLE {TURNS_TABLE} (turns BIGINT NOT NULL)",
    f"INSERT INTO {TURNS_TABLE} VALUES (0)",
]


def _ensure_turns(con: duckdb.DuckDBPyConnection) -> None:
    """The turn row, in a lake made before it was part of the schema."""
    if TURNS_TABLE in table_names(con, ALIAS):
        return
    con.execute("BEGIN TRANSACTION")
    try:
        for sql in _TURNS:
            con.execute(sql)
        con.execute("COMMIT")
    except duckdb.Error:
        rollback(con)  # another writer made it meanwhile: theirs will do
        if TURNS_TABLE not in table_names(con, ALIAS):
            raise


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` works on a DuckLake (its default catalog), not a DuckDB file."""
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row is not None and row[0] == "ducklake"


def _in_transaction(
    con: duckdb.DuckDBPyConnection, statements: list[str], versions: list[tuple[int, str]]
) -> None:
    from datetime import UTC, datetime

    con.execute("BEGIN TRANSACTION")
    try:
        for sql in statements:
            con.execute(sql)
        now = datetime.now(UTC)
        for version, name in versions:
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, now])
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, if a transaction is open. DuckLake leaves a failed autocommit statement's
    transaction aborted ("please ROLLBACK"), so this is also the way out of that."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def table_names(con: duckdb.DuckDBPyConnection, alias: str) -> list[str]:
    return [
        str(r[0])
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?"
            " AND schema_name = 'main' ORDER BY table_name",
            [alias],
        ).fetchall()
    ]


def row_counts(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, Any]:
    return {
        t: con.execute(f'SELECT count(*) FROM {alias}.main."{t}"').fetchone()[0]  # type: ignore[index]
        for t in table_names(con, alias)
    }

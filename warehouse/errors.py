"""Warehouse exceptions, in one tree.

WarehouseError
├── WarehouseMissingError  no warehouse file yet (also a FileNotFoundError)
├── WarehouseLockedError   another process holds the file (after bounded retries)
├── WarehouseCorruptError  the file is damaged: a checksum failure, truncated, not DuckDB
├── WarehouseFullError     the disk filled up (or a file-size limit was hit) while writing;
│                          the transaction was rolled back and the data before it is intact
├── IngestRunningError     another ingest holds the warehouse's run lock
├── SchemaTooNewError      the file was written by a newer labwatch
├── MigrationError         a migration failed; the file is left at the previous version
├── QueryError             a user's SQL failed; carries DuckDB's message
├── InvalidWeekError       not an ISO week such as 2026-W47 (also a ValueError)
├── ExportError            the export's target cannot be used (a file, a folder not empty)
├── DuckLakeError          a DuckLake warehouse cannot be attached or used (ducklake.py)
├── LakeNotEmptyError      migrate-warehouse into a lake that already holds rows
└── CommitConflictError    a DuckLake commit kept conflicting after its retries (a lease)

The command line shows each as one line naming the problem and what to do, exit status 1
(`USER_ERRORS` in flows/cli.py); the extractors' tree, with LabwatchError at its root, is in
extractors/errors.py.
"""

from __future__ import annotations


class WarehouseError(Exception):
    """Base of the warehouse's errors."""


class WarehouseMissingError(WarehouseError, FileNotFoundError):
    pass


class WarehouseLockedError(WarehouseError):
    pass


class WarehouseCorruptError(WarehouseError):
    pass


class WarehouseFullError(WarehouseError):
    pass


class IngestRunningError(WarehouseError):
    """Another ingest holds the warehouse's run lock."""


class SchemaTooNewError(WarehouseError):
    pass


class MigrationError(WarehouseError):
    pass


class QueryError(WarehouseError):
    pass


class InvalidWeekError(WarehouseError, ValueError):
    pass


class ExportError(WarehouseError):
    pass

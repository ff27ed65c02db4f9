"""Warehouse exceptions, in one tree.

WarehouseError
├── WarehouseLockedError   another process holds the file (after bounded retries)
├── SchemaTooNewError      the file was written by a newer labwatch
├── MigrationError         a migration failed; the file is left at the previous version
└── QueryError             a user's SQL failed; carries DuckDB's message
"""

from __future__ import annotations


class WarehouseError(Exception):
    """Base of the warehouse's errors."""


class WarehouseLockedError(WarehouseError):
    pass


class SchemaTooNewError(WarehouseError):
    pass


class MigrationError(WarehouseError):
    pass


class QueryError(WarehouseError):
    pass

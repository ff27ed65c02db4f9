"""Everything that pulls data from the outside world and turns it into typed records.

No Prefect and no DuckDB in here: these are plain functions and dataclasses, tested
directly, picklable for process pools.
"""

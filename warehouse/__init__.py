"""The DuckDB warehouse: schema migrations, bulk appends, and the SQL every reader uses.

All SQL lives in this package. No Prefect and no HTTP in here.
"""

"""A Python list handed to SQL as one JSON text parameter, not as a list.

DuckDB's Python client converts a list parameter value by value, and looks for pandas for
each (not installed: a search of the import path every time): about 6 ms for any list, then
57 µs a value, so 0.29 s for 5,000 document ids and seconds for the 100,000 a search may
hold (warehouse/search.py `HOLDING_LIST`). One JSON text is parsed in C: 1 ms for 5,000
ids, 32 ms for 100,000. SQL reads it back as a list of the type it names:

    con.execute("... WHERE docid IN (SELECT unnest($d::JSON::BIGINT[]))", {"d": json_list(ids)})

Strings, integers, booleans and None (NULL) come back as they went in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def json_list(values: Iterable[Any]) -> str:
    """`values` (strings, integers, booleans, None) as a JSON array: a parameter SQL reads
    with `$p::JSON::VARCHAR[]` (BIGINT[], BOOLEAN[])."""
    return json.dumps(list(values))

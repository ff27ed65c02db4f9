"""extractors/story_scan.pyx compiled (extractors._story_scan, built by setup.py at install
when a C compiler is there): a story key's word hashes, MinHash minima and name tokens in C,
or None where it is missing or older than its source (an edit since the install:
`pip install -e .` or `make test` builds it again). Its callers keep the Python that defines
each value and run it when this is None; tests/test_story_scan.py holds the two equal. (Only
the .pyx's own edits are noticed here: an edit of the rules it copies, the shingles' words
and the names' tokens, is caught by those tests.)"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

SOURCE = Path(__file__).with_name("story_scan.pyx")


def compiled() -> ModuleType | None:
    """The compiled loops, or None (not built, or built before the source's last edit)."""
    try:
        built = importlib.import_module("extractors._story_scan")
    except ImportError:
        return None
    # A few seconds' grace: a wheel's install writes both files at about the same time.
    if SOURCE.exists() and os.path.getmtime(str(built.__file__)) + 5 < SOURCE.stat().st_mtime:
        return None
    return built


SCAN = compiled()

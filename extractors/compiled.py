"""The modules setup.py compiles at install when a C compiler is there, and when to use them:
a compiled module is used only if it is built and not older than its source (an edit since the
install: `pip install -e .` or `make test` builds it again); otherwise its callers run the
Python that defines the same values, and the tests hold the two equal.

- `extractors._hitloop`, from extractors/hitloop.py (the tagger's loops; the source is itself
  the Python run without it: extractors/entities.py `_loops`).
- `extractors._story_scan`, from extractors/story_scan.pyx (a story key's word hashes,
  MinHash minima and name tokens): `SCAN`, or None. Its callers keep the Python that defines
  each value (tests/test_story_scan.py). Only the .pyx's own edits are noticed here: an edit
  of the rules it copies, the shingles' words and the names' tokens, is caught by those tests.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

SOURCE = Path(__file__).with_name("story_scan.pyx")


def fresh_build(name: str, source: Path) -> ModuleType | None:
    """The compiled module `name`, or None: not built, or built before `source`'s last edit."""
    try:
        built = importlib.import_module(name)
    except ImportError:
        return None
    # A few seconds' grace: a wheel's install writes both files at about the same time, in
    # either order.
    if source.exists() and os.path.getmtime(str(built.__file__)) + 5 < source.stat().st_mtime:
        return None
    return built


def compiled() -> ModuleType | None:
    """The story keys' compiled loops, or None (not built, or older than story_scan.pyx)."""
    return fresh_build("extractors._story_scan", SOURCE)


SCAN = compiled()

"""The optional compiled modules setup.py builds (extractors._hitloop, extractors._story_scan):
one is used only when it is there and not older than its source, so an edit since the install
(`pip install -e .` or `make test` builds it again) never runs stale C."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType


def fresh_build(name: str, source: Path) -> ModuleType | None:
    """The module `name`, or None when it is not built or was built before `source`'s last
    edit. A few seconds' grace: a wheel's install writes both files at about the same time,
    in either order."""
    try:
        built = importlib.import_module(name)
    except ImportError:
        return None
    if source.exists() and os.path.getmtime(str(built.__file__)) + 5 < source.stat().st_mtime:
        return None
    return built

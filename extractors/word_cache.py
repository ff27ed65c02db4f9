"""The tagger's word sets kept in the user's cache, so each analysis worker reads them.

Every ingest starts one worker a core, and each built the English word list and the census
surnames as WordSets (extractors/wordset.py): the packages' lists unpickled and parsed, then
hashed and sorted, 0.35 s of each worker's 1.1 s start, on the run's critical path. A set
depends only on the package that ships its words, so the first worker to build one writes
it to `$XDG_CACHE_HOME/labwatch/words/` (else `~/.cache/...`), named after the package's
version, and the next read it back in a few milliseconds.

A missing, unreadable, damaged or foreign file is built again and replaced; a cache that
cannot be written (a read-only home) costs only the build. Writers never leave half a file:
each writes its own temporary file and renames it into place. The module knows files, not
word sets: the callers pass how a set is built, written and read (extractors/fuzzy.py,
extractors/senses_resolver.py), so it stays below both in the layers.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TypeVar

log = logging.getLogger("labwatch")

T = TypeVar("T")


def cache_dir() -> Path:
    """The folder the word sets are kept in."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "labwatch" / "words"


def package_version(name: str) -> str:
    """The installed version of the package the words come from ("unknown" if none)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def cached(
    name: str, build: Callable[[], T], load: Callable[[bytes], T], dump: Callable[[T], bytes]
) -> T:
    """What `load` reads from the cache file `name` when the file holds it intact (`load`
    raises ValueError otherwise), else `build()`, written there with `dump`. `name` must
    change whenever what `build` makes would (the source package's version and the lists
    taken, as the callers name them)."""
    try:
        path = cache_dir() / name
    except RuntimeError as exc:  # no home folder to find a cache in (Path.home)
        log.debug("%s not cached: %s", name, exc)
        return build()
    try:
        return load(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.debug("%s built again: %s", path, exc)
    made = build()
    _write(path, dump(made))
    return made


def _write(path: Path, data: bytes) -> None:
    """`data` at `path`, whole or not at all; nothing but a debug line if it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("not cached at %s: %s", path, exc)

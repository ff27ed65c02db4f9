"""The tagger's word sets kept in the user's cache, so each analysis worker reads them.

Every ingest starts one worker a core, and each built the English word list and the census
surnames as WordSets (extractors/wordset.py): the packages' lists unpickled and parsed, then
hashed and sorted, 0.35 s of each worker's 1.1 s start, on the run's critical path. A set
depends only on the package that ships its words, so the first worker to build one writes
it to `$XDG_CACHE_HOME/labwatch/words/` (else `~/.cache/...`), named after the package's
version, and the next read it back in a few milliseconds.

A missing, unreadable, damaged or foreign file is built again and replaced; a cache that
cannot be written (a read-only home) costs only the build. Writers never leave half a file:
each writes its own temporary file and renames it into place.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from extractors.wordset import WordSet

log = logging.getLogger("labwatch")


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


def cached_word_set(name: str, build: Callable[[], Iterable[str]]) -> WordSet:
    """The WordSet of `build()`'s words, read from the cache file `name` when it holds one
    intact, else built and written there. `name` must change whenever the words would
    (the source package's version and the lists taken, as the callers name them)."""
    try:
        path = cache_dir() / f"{name}.words"
    except RuntimeError as exc:  # no home folder to find a cache in (Path.home)
        log.debug("word set %s not cached: %s", name, exc)
        return WordSet(build())
    try:
        return WordSet.from_bytes(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.debug("word set %s rebuilt: %s", path, exc)
    words = WordSet(build())
    _write(path, words.to_bytes())
    return words


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
        log.debug("word set not cached at %s: %s", path, exc)

"""The tagger's word sets written to the user's cache and read back (extractors/word_cache.py,
issue 19): the same answers as the set built from the list, a damaged or missing file built
again, and a worker that finds the files does not need the word lists' packages at all."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from extractors.word_cache import cache_dir, cached
from extractors.wordset import WordSet

ROOT = Path(__file__).resolve().parent.parent
WORDS = {"", "a", "é", "日本", "\ud800", "x" * 300, "Monet", "monet", "naïve", "Straße"}
PROBES = [*WORDS, "b", "MONET", "\ud801", "x" * 299, "日", "nai\u0308ve", "strasse"]


def cached_word_set(name: str, build: Callable[[], set[str]]) -> WordSet:
    """A word set through the cache, as extractors/fuzzy.py keeps the English words."""
    return cached(f"{name}.words", lambda: WordSet(build()), WordSet.from_bytes, WordSet.to_bytes)


def answers(words: WordSet) -> list[bool]:
    return [p in words for p in PROBES]


def expected() -> list[bool]:
    return [p in WORDS for p in PROBES]


def test_a_word_set_read_back_answers_as_the_one_written() -> None:
    written = WordSet(WORDS)
    read = WordSet.from_bytes(written.to_bytes())
    assert answers(read) == expected() == answers(written)
    assert read.contains_each(PROBES) == expected()
    assert set(read) == WORDS and len(read) == len(WORDS)
    empty = WordSet.from_bytes(WordSet([]).to_bytes())
    assert len(empty) == 0 and "a" not in empty


def test_damaged_cut_or_foreign_bytes_are_refused() -> None:
    data = WordSet(WORDS).to_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x20
    for bad in (b"", data[:10], data[:-1], data + b"\0", bytes(flipped), b"LWWORDS0" + data[8:]):
        with pytest.raises(ValueError):
            WordSet.from_bytes(bad)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return cache_dir()


def test_the_first_build_is_written_and_later_ones_read_it(cache: Path) -> None:
    built: list[int] = []

    def build() -> set[str]:
        built.append(1)
        return set(WORDS)

    first = cached_word_set("test-1", build)
    assert built == [1] and (cache / "test-1.words").is_file()
    assert list(cache.iterdir()) == [cache / "test-1.words"]  # no temporary file left
    again = cached_word_set("test-1", build)
    assert built == [1] and answers(again) == answers(first) == expected()
    # Another name (another version of the source) is built apart.
    cached_word_set("test-2", lambda: {"other"})
    assert "other" in cached_word_set("test-2", build) and built == [1]


def test_a_damaged_file_is_built_again_and_replaced(cache: Path) -> None:
    cache.mkdir(parents=True)
    path = cache / "test.words"
    path.write_bytes(WordSet(WORDS).to_bytes()[:-3])
    built = cached_word_set("test", lambda: set(WORDS))
    assert answers(built) == expected()
    assert answers(WordSet.from_bytes(path.read_bytes())) == expected()


def test_a_cache_that_cannot_be_written_costs_only_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert answers(cached_word_set("test", lambda: set(WORDS))) == expected()
    assert blocked.read_text() == "not a folder"


def test_without_a_home_folder_the_set_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    assert answers(cached_word_set("test", lambda: set(WORDS))) == expected()


# A worker's start: the tagger's two word sets, with the packages that ship their words
# made unimportable, so they can only come from the cache.
_WITHOUT_PACKAGES = """
import sys
sys.modules["english_words"] = None
sys.modules["names"] = None
from extractors.fuzzy import english_words
from extractors.senses_resolver import _surnames_upper
print(len(english_words()), "remarkable" in english_words(), "qzxv" in english_words(),
      "SMITH" in _surnames_upper(), "Smith" in _surnames_upper())
"""


def run_python(code: str, cache_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_a_worker_finds_the_tagger_word_sets_another_built(tmp_path: Path) -> None:
    home = tmp_path / "cache"
    cold = run_python(_WITHOUT_PACKAGES, home)
    assert cold.returncode != 0 and "ModuleNotFoundError" in cold.stderr  # nothing cached yet
    build = run_python(
        "from extractors.entities import Tagger, load_watchlist\n"
        "from seeds import SEEDS_DIR\n"
        "Tagger(load_watchlist(SEEDS_DIR / 'watchlist.toml'))",
        home,
    )
    assert build.returncode == 0, build.stderr
    warm = run_python(_WITHOUT_PACKAGES, home)
    assert warm.returncode == 0, warm.stderr
    count, word, non_word, surname, other_case = warm.stdout.split()
    assert int(count) > 200_000
    assert (word, non_word, surname, other_case) == ("True", "False", "True", "False")

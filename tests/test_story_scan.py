"""A story key's loops in C (extractors/story_scan.pyx, built as extractors._story_scan) give
the values of the Python that defines them: word hashes, MinHash minima, the names part's
tokens, and whole story keys, on the seeds, every written story of the pair sets and random
text made of the characters the loops treat specially."""

from __future__ import annotations

import hashlib
import importlib
import os
import random
import re
import tomllib
import zlib
from collections import Counter
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from extractors import compiled, stories, story_names
from extractors.stories import _A, _B, _VARIANTS, _py_minima, _word_hashes, _words, story_key
from tests.helpers import SEED_SLUGS, seed_text

CLUSTERS = Path(__file__).parent / "data" / "clusters"

# Characters each loop decides on: word characters of several scripts and widths (UTF-8 of
# 1 to 4 bytes), digits of other scripts, the underscore, the joiners a name token carries,
# sentence ends, white space of several kinds, a combining mark, a dotted capital whose
# lowercase is two characters, and the variants' words.
_ALPHABET = [
    *"aZé9_-.'’!?,; \n\t\r", "\u00a0", "\u2028", "\u3000", "\u0307",
    "İ", "ß", "Ω", "ж", "中", "٣", "𝔘", "😀", "Ⅻ", "²",
    "says ", "Says ", " bn ", "pct", "Tells.", "U.S. ", "Inc. ", "O'Brien", "2024 ", "F-150",
]  # fmt: skip


# .ci/run sets this: there a compiler is present, so a build that failed is a failure, not
# a reason to skip the comparisons below.
REQUIRED = os.environ.get("CI_REQUIRE_COMPILED") == "1"
# The story keys of the seeds and of reports.toml's stories, as every version since session
# 39's (ae46e48) stores them (`_keys_digest`): a warehouse's stored keys must keep matching
# new ones.
KEYS_DIGEST = "f668cadae506a9f7ca71a55d4d35881566b8e39040e9d904a21de78a9b76fc10"


@pytest.fixture(scope="module")
def scan() -> ModuleType:
    """The compiled loops as the keys use them (`compiled.compiled`: built and fresh)."""
    built = compiled.compiled()
    if built is None:
        if REQUIRED:
            pytest.fail("extractors._story_scan is not built or older than its source")
        pytest.skip("extractors._story_scan is not built here, or is stale (no C compiler?)")
    return built


@pytest.fixture(scope="module")
def texts() -> list[str]:
    written = [
        f"{s.get('title', '')}\n{s['text']}"
        for name in ("reports.toml", "rewrites.toml", "stories.toml")
        for s in tomllib.loads((CLUSTERS / name).read_text(encoding="utf-8"))["story"]
        if s.get("text")
    ]
    rng = random.Random(19)
    made = ["".join(rng.choices(_ALPHABET, k=rng.randint(0, 60))) for _ in range(20_000)]
    return [seed_text(slug) for slug in SEED_SLUGS] + written + made + ["", " ", "_", "a"]


def test_word_hashes_as_python(scan: ModuleType, texts: list[str]) -> None:
    for text in texts:
        expected = _word_hashes(_words(text))
        assert np.array_equal(scan.word_hashes(text.lower(), _VARIANTS), expected), text
    # A variant is hashed as the word it stands for, a word that is none as itself.
    said, says = scan.word_hashes("said says sayss", _VARIANTS)[:2], zlib.crc32(b"sayss")
    assert said[0] == said[1] == zlib.crc32(b"said")
    assert scan.word_hashes("sayss", _VARIANTS)[0] == says


def test_minima_as_python(scan: ModuleType, texts: list[str]) -> None:
    rng = np.random.default_rng(5)
    arrays = [stories.shingle_hashes(t) for t in texts[:400]] + [
        rng.integers(0, 1 << 32, size=n, dtype=np.uint64) for n in (1, 2, 31, 1000, 5000)
    ]
    for hashes in (h for h in arrays if len(h)):
        assert np.array_equal(scan.minima(hashes, _A, _B), _py_minima(hashes, _A, _B))
    with pytest.raises(ValueError):
        scan.minima(np.empty(0, dtype=np.uint64), _A, _B)


def test_name_tokens_as_python(scan: ModuleType, texts: list[str]) -> None:
    for text in texts:
        found, first = scan.name_tokens(text)
        expected = [t.rstrip(".’'") for t in story_names._TOKEN.findall(text) if not t[0].islower()]
        assert found == expected, text
        # Sentence starts as `names` counts them: of the tokens it keeps.
        starts = Counter(t for t, f in zip(found, first, strict=True) if f)
        python = Counter(
            t.rstrip(".’'") for t in story_names.sentence_starts(text) if not t[0].islower()
        )
        assert starts == python, text


def test_sentence_starts_as_the_first_rule(texts: list[str]) -> None:
    """The sentence-start regex as rewritten for speed finds what the first one did."""
    first = re.compile(r"(?:\A|(?<=[.!?])\s|\n)[\W_]*?([^\W_][\w'’.-]*)")
    for text in texts:
        assert story_names.sentence_starts(text) == first.findall(text), text


def test_story_keys_either_way(
    scan: ModuleType, texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole keys, with and without the compiled loops, are byte for byte the same: of the
    written texts and of long random ones (the random strings above joined)."""
    rng = random.Random(23)
    joined = [" ".join(rng.choices(texts[-20_000:], k=rng.randint(40, 400))) for _ in range(300)]
    long_texts = [t for t in texts if len(t) > 200] + joined
    common = frozenset({"anthropic", "amazon"})
    monkeypatch.setattr(compiled, "SCAN", scan)
    built = [story_key(t, common, t[:80]) for t in long_texts]
    monkeypatch.setattr(compiled, "SCAN", None)
    python = [story_key(t, common, t[:80]) for t in long_texts]
    assert sum(k is not None for k in built) > 100
    assert built == python


def test_compiled_only_when_fresh(
    scan: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled loops run unless their source was edited after the build (by more than
    an install's few seconds)."""
    source = tmp_path / "story_scan.pyx"
    source.write_text("")
    monkeypatch.setattr(compiled, "SOURCE", source)
    built = Path(str(scan.__file__)).stat().st_mtime
    os.utime(source, (built + 60, built + 60))  # edited after the build
    assert compiled.compiled() is None
    os.utime(source, (built + 2, built + 2))  # written with it, by an install
    assert compiled.compiled() is scan
    os.utime(source, (built - 60, built - 60))
    assert compiled.compiled() is scan


def test_built_where_required() -> None:
    """Where CI says a compiler is present, both compiled modules are there."""
    if not REQUIRED:
        pytest.skip("CI_REQUIRE_COMPILED is not set (.ci/run sets it)")
    for name in ("extractors._story_scan", "extractors._hitloop"):
        assert importlib.import_module(name) is not None


def _keys_digest() -> tuple[int, str]:
    texts = [("", seed_text(slug)) for slug in SEED_SLUGS] + [
        (s.get("title", ""), s["text"])
        for s in tomllib.loads((CLUSTERS / "reports.toml").read_text(encoding="utf-8"))["story"]
        if s.get("text")
    ]
    digest = hashlib.sha256()
    keyed = 0
    for title, text in texts:
        key = story_key(text, frozenset({"anthropic", "amazon", "openai"}), title)
        if key is None:
            digest.update(b"-")
            continue
        keyed += 1
        digest.update(key.signature + key.shingles.to_bytes(4, "little"))
        digest.update(b"".join(b.to_bytes(8, "little", signed=True) for b in key.bands))
    return keyed, digest.hexdigest()


@pytest.mark.parametrize("in_c", [True, False], ids=["compiled", "python"])
def test_keys_as_stored_before(in_c: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys are the bytes earlier versions stored, with the compiled loops and without."""
    if in_c:
        built = compiled.compiled()
        if built is None:
            pytest.skip("extractors._story_scan is not built here, or is stale")
        monkeypatch.setattr(compiled, "SCAN", built)
    else:
        monkeypatch.setattr(compiled, "SCAN", None)
    keyed, digest = _keys_digest()
    assert keyed > 400
    assert digest == KEYS_DIGEST

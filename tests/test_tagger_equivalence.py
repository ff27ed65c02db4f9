"""The fast tagger finds exactly what a straightforward one finds.

`reference_tag` below is the tagger written for clarity, not speed: invisible characters
dropped by a plain loop, every alias (and every misspelling, from extractors/fuzzy.py) found
with str.find, in its own case or, when it is case-sensitive, as capitals in an all-caps
stretch or with its first letter kept and another capital inside; candidates sorted
leftmost-longest and taken greedily, each entity's `exclude` alternation run over the whole
window around a mention. extractors/entities.py settles overlaps as hits arrive, skips or
narrows `exclude` regexes on windows that lack the strings a match needs, checks for URLs and
code only where a URL character touches a mention, maps offsets back through a break table,
and builds mentions without their __init__; on every text here both must give the same
mentions, offsets and all. What is left once candidates are found (whether a mention is in a
URL, `_in_code`; how ambiguous names are decided, extractors/senses_resolver.py) has no fast
path: both taggers call the same code for it. The same goes for the sentence spans each
mention is shown in (extractors/text.py) against the first way of cutting them.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import random
import re
from pathlib import Path

import pytest

from extractors import entities, hitloop
from extractors.disambiguation import exclusion_hints
from extractors.entities import Tagger, _in_code, load_watchlist, parse_watchlist
from extractors.fuzzy import BUDGET, misspellings
from extractors.records import Mention, Watchlist
from extractors.senses_resolver import (
    _SIZE,
    _VERSION,
    Resolver,
    _has_digit,
    _previous_word,
    _Text,
)
from extractors.text import sentence_spans
from seeds import SEEDS_DIR
from tests.helpers import SEED_SLUGS, seed_text

WATCHLIST = load_watchlist(SEEDS_DIR / "watchlist.toml")
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "articles" / "ground_truth"
WCXB = CORPUS.parents[1] / "wcxb-dev-articles" / "ground_truth"
# What test_tagger_matches_its_previous_version_on_the_corpus expects: the number of mentions
# and a digest of them, from the tagger as it was before its speed work (commit ea5f258), for
# the seed watchlist named (the old tagger gives the same digest with it).
# The blind set's rules (docs/tagging.md, "Blind set") add two: "View at Amazon $169" in
# wcxb_dev_4130, with and without anchors; no mention was lost (diffed mention by mention).
CORPUS_MENTIONS = (4968, "2a4b5055edf71eecdee08801543627f66e36f9b86e12aa97c13babd6cbb0643f")
# Whole articles' rules (docs/tagging.md, "Whole articles") change the watchlist (the
# submersible's words, Thinking Machines Corporation, Amazon Watch) and none of these mentions;
# nor does each ambiguous entry's `since`, nor the other senses' words added with it
# (docs/tagging.md, "Names in two senses in one text").
CORPUS_WATCHLIST = "b457cc753733"

# Unicode spaces to " ", typographic apostrophes to "'", Unicode hyphens to "-".
_NORMALISE = str.maketrans(
    "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\t\n\r\u2019\u2018\u02bc\u2010\u2011",
    " " * 10 + "'" * 3 + "-" * 2,
)
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_CJK = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)


def _lower(text: str) -> str:
    # Characters that lowercase to two (İ) stay as they are, so offsets hold.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _word(ch: str) -> bool:
    return ch == "_" or (ch.isalnum() and not _CJK.match(ch))


def _scoped(pattern: str) -> str:
    m = re.match(r"\(\?([aiLmsux]+)\)", pattern)
    return f"(?{m.group(1)}:{pattern[m.end() :]})" if m else pattern


def _shouting(text: str, start: int, end: int) -> bool:
    """No lower-case letter within 80 characters either side, in the same line or sentence."""
    before = text[max(0, start - 80) : start]
    after = text[end : end + 80]
    for stop in ("\n", ". ", "! ", "? "):
        before = before.split(stop)[-1]
        after = after.split(stop)[0]
    return not any(c.islower() for c in before + after if c.upper() != c)


@functools.cache
def _aliases(watchlist: Watchlist) -> list[tuple[str, str, str, str, int]]:
    """(key, alias, entity, mode, how sure) for every alias and misspelling, in order."""
    aliases = []
    for e in watchlist.entities:
        for name in e.aliases:
            n = name.translate(_NORMALISE)
            aliases.append((_lower(n), n, e.id, "exact", int(name in e.ambiguous)))
        for name in e.aliases_ignore_case:
            n = name.translate(_NORMALISE)
            aliases.append((_lower(n), n, e.id, "any", int(name in e.ambiguous)))
    taken = {a[0] for a in aliases}
    made = 0
    for e in watchlist.entities:
        if e.fuzzy and made < BUDGET:  # entities after the budget is spent get none
            names = [a for a in e.aliases if a not in e.ambiguous]
            variants = misspellings(names, taken)
            made += len(variants)
            for variant, name in variants.items():
                aliases.append((variant, name, e.id, "fuzzy", 2))
    return aliases


@functools.cache
def _resolver(watchlist: Watchlist) -> Resolver:
    return Resolver(watchlist)


def reference_tag(
    watchlist: Watchlist, text: str, anchors: frozenset[str] = frozenset()
) -> list[Mention]:
    kept = [i for i, c in enumerate(text) if c not in _INVISIBLE]
    if len(kept) < len(text):
        out = []
        for m in reference_tag(watchlist, "".join(text[i] for i in kept), anchors):
            start, end = kept[m.start], kept[m.end - 1] + 1
            out.append(Mention(m.entity, m.kind, text[start:end], start, end))
        return out
    norm = text.translate(_NORMALISE)
    low = _lower(norm)
    ambiguous_entities = {e.id for e in watchlist.entities if e.ambiguous}
    found = []
    for order, (key, alias, entity, mode, how) in enumerate(_aliases(watchlist)):
        at = low.find(key)
        while at >= 0:
            start, end = at, at + len(key)
            at = low.find(key, at + 1)
            surface = norm[start:end]
            variant, sure = False, how
            if mode == "exact" and surface != alias:
                variant = True
                if surface == surface.upper():
                    if not _shouting(text, start, end):
                        continue
                elif surface[0] == alias[0] and any(c.isupper() for c in surface[1:]):
                    if how == 0:
                        sure = 1 if entity in ambiguous_entities else 2
                else:
                    continue
            if mode == "fuzzy" and norm[start] != alias[0]:
                continue
            if start > 0 and alias[0].isalnum() and _word(text[start - 1]):
                continue
            if end < len(text) and alias[-1].isalnum() and _word(text[end]):
                continue
            found.append((start, -len(key), mode == "fuzzy", variant, order, end, entity, sure))
    found.sort()
    chosen, taken_until = [], 0
    for start, _, _, _, _, end, entity, how in found:
        if start >= taken_until:
            chosen.append((start, end, entity, how))
            taken_until = end
    kept_mentions, excluded = [], []
    for start, end, entity, how in chosen:
        patterns = watchlist.get(entity).exclude
        if patterns:
            regex = re.compile("|".join(f"(?:{_scoped(p)})" for p in patterns))
            window = regex.finditer(text, max(0, start - 120), end + 120)
            if any(m.start() <= start and end <= m.end() for m in window):
                # An ambiguous name excluded is a first reference for the resolver; the
                # tagger tells it from one in a URL by the characters beside it.
                beside = text[start - 1 : start] + text[end : end + 1]
                if how == 1 and not any(c in "./@:" for c in beside):
                    excluded.append((entity, start, end))
                continue
        if _in_code(text, start, end):
            continue
        kept_mentions.append((start, end, entity, how))
    keep = _resolver(watchlist).resolve(
        text,
        [entity for _, _, entity, _ in kept_mentions],
        [start for start, _, _, _ in kept_mentions],
        [end for _, end, _, _ in kept_mentions],
        [how for _, _, _, how in kept_mentions],
        anchors,
        None,
        excluded,
    )
    return [
        Mention(entity, watchlist.get(entity).kind, text[start:end], start, end)
        for (start, end, entity, _), k in zip(kept_mentions, keep, strict=True)
        if k
    ]


# A watchlist for the corners the default one does not reach: one name for two entities and
# in both case modes, names that start or end with punctuation, a CJK name, a name that
# overlaps two others, exclude patterns that overlap, use back-references or flags, and one
# shared context.
EDGES = parse_watchlist(
    r"""
[[entity]]
id = "dotnet"
kind = "product"
aliases = [".NET", "C++", "Nova"]
aliases_ignore_case = ["nova"]
exclude = ['(?i)nova scotia', 'Bossa Nova']

[[entity]]
id = "nova-ai"
kind = "lab"
aliases = ["Nova", "Nova AI", "Novacorp"]
ambiguous = ["Nova"]
context = ["AI", "startup"]
sure = "anchor"
senses = ["space", "person"]
follow = ["Pro", "<version>"]

[[entity]]
id = "baidu"
kind = "company"
aliases = ["百度", "Baidu", "Ernie Bot"]
# The back-reference is to the first pattern's group here, to (Ernie) if that one were left out.
exclude = ['(?P<w>Baidu)-(?P=w)', '(Ernie) Bot \1', 'Ernie Bot(?= said)']

[[entity]]
id = "zephyr"
kind = "lab"
aliases = ["Zephyr", "Zephyrus Labs"]
ambiguous = ["Zephyr"]
context = ["AI", "startup"]
sure = "always"
senses = ["weather"]
sense_words = ["gentle"]
exclude = [
  '(?i)zephyr (?:breeze|wind)s?',
  '(?:a|the) (?:gentle|warm) Zephyr',
  'Zephyr\w*',
  '(?x) warm \s+ zephyr',
  '(?:Zephyr|Breeze){2,}',
]

[[entity]]
id = "mueller"
kind = "company"
aliases = ["Mueller", "Müller"]
ambiguous = ["Mueller", "Müller"]
context = ["Müller AG", "ΣΟΦΙΑ", "λογοσ", "AI"]

[[entity]]
id = "tabby"
kind = "product"
aliases = ["Tabby"]
ambiguous = ["Tabby"]
context = ["ai\tlab"]

[[entity]]
id = "red"
kind = "company"
aliases = ["Red", "Hat"]

[[entity]]
id = "red-hat-cloud"
kind = "cloud"
aliases = ["Red Hat Cloud"]

[[entity]]
id = "kestrel"
kind = "cloud"
aliases = ["Kestrel Cloud", "Kestrel"]
aliases_ignore_case = ["KESTREL compute"]
exclude = [
  '[Tt]he kestrel (?:hovered|flew)',
  '(?i)kestrel falcons?',
  'Kestrel’s nest',
  'Kestrel\tbay',
  '(?:\d+|big) Kestrel',
]
""".encode()
)

FRAGMENTS = [
    *(a for e in WATCHLIST.entities + EDGES.entities for a in e.aliases + e.aliases_ignore_case),
    "Anthopic", "Microsft", "Anthropi", "Salesforse", "Bedsock", "anthopic", "ANTHOPIC",
    "the Amazon", "in the Amazon", "Amazon rainforest", "Amazon rainforeſt", "Brazil’s",
    "Azure skies", "deep azure", "Meta-analysis", "Claude Monet", "Jean-Claude", "Claude 3",
    "Project Gemini", "Gemini 4 mission", "inflection point", "Robinson Crusoe", "Big Apple",
    "Apple pie", "Oracle of Delphi", "AWS Lambda", "lambda functions", "mistral winds",
    "Bing Crosby", "Li Bingbing", "nova scotia", "Bossa Nova", "Ernie Bot Ernie",
    "Ernie Bot said", "Baidu-Baidu", "Red Hat Cloud", "Red Hat", "Kestrel’s nest",
    "Kestrel\tbay", "42 Kestrel", "big Kestrel", "Zephyr breeze", "a gentle Zephyr",
    "warm  zephyr", "ZephyrBreeze", "the kestrel hovered", "Kestrel falcons",
    # context terms, in and out of their case and spelling
    "AI", "startup", "model", "Le Chat", "open-weight", "open\u2011weight", "data center",
    "data\u00a0center", "STARTUP", "ſtartup", "Models", "AIs", "mAI", "MÜLLER AG",
    "müller ag", "σοφια", "ΣΟΦΙΑ", "ΛΟΓΟΣ", "AI\tLab",
    "LAWS", "GoogleX", "微软", "公司", "İ", "ı", "ſ", "\u212a", "x", "_", "4", "o", "?",
    "DeepSe\u212a", "\u212aESTREL compute", "Anthrop\u0131c", "İstanbul",
    "rainforest", "sky", "region", "said", "Delphi", "Monet", "Opus",
    # typography: invisible characters, capitals, case variants
    "\u00ad", "\u200b", "\ufeff", "\u2060", "Open\u00adAI", "Anth\u200bropic", "ANTHROPIC",
    "OPENAI", "GOOGLE DEEPMIND", "META", "CLAUDE", "CoPilot", "GitHub COPILOT", "NoVa", "XAi",
    "AMAZON RAINFOREST", "APPLE PIE", " SAYS ", "THE", "AND",
    # URLs, addresses and code
    "https://", "www.", "docs.", ".com/x", ".com", "@", "Microsoft.", ".Extensions", ".md",
    "mailto:", "a/", "/b",
    # collocations and neighbourhoods
    "Code", "3.5", "-3", "180B", "Fiona", "Breville", "La Sportiva", "western", "shoes",
    "zodiac", "crypto exchange", "pie", "cherry", "Chung", "Shannon", "Crosby", "model",
    "iPhone", "Facebook", "wind", "NTSB", "Kappa", "Bedrock", "Nova", "Titan", "Phi",
    "Amazon Nova", "Mistral AI", "Le Chat", "Echo", "GPU",
]  # fmt: skip
JOINERS = ["", " ", " ", "-", ". ", "’s ", "\u00a0", "\n", ", ", "'", "“", "”", "\u00ad", ".", "/"]


def generated_texts(seed: int, count: int) -> list[str]:
    """Texts of random fragments; one in four shouted (all capitals) in part: a headline line
    before the text, or a stretch of it in capitals."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        text = "".join(
            rng.choice(FRAGMENTS) + rng.choice(JOINERS) for _ in range(rng.randint(1, 30))
        )
        shout = rng.random()
        if shout < 0.125:
            cut = rng.randint(0, len(text))
            text = text[:cut].upper() + rng.choice(["\n", ". ", " ", ""]) + text[cut:]
        elif shout < 0.25:
            a = rng.randint(0, len(text))
            b = rng.randint(a, len(text))
            text = text[:a] + text[a:b].upper() + text[b:]
        texts.append(text)
    return texts


def as_rows(mentions: list[Mention]) -> list[tuple[str, str, str, int, int]]:
    return [(m.entity, m.kind, m.text, m.start, m.end) for m in mentions]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(WATCHLIST)


@pytest.fixture(params=["python", "compiled"])
def loops(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The tagger's per-hit loops (extractors/hitloop.py) as Python, then as the module
    setup.py compiled from them: each test that takes this runs with both."""
    if request.param == "compiled":
        try:
            module = importlib.import_module("extractors._hitloop")
        except ImportError:
            pytest.skip("extractors._hitloop is not built here (no C compiler at install)")
    else:
        module = hitloop
    monkeypatch.setattr(entities, "_LOOPS", module)
    return str(request.param)


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_seed_texts(tagger: Tagger, slug: str, loops: str) -> None:
    text = seed_text(slug)
    assert as_rows(tagger.tag(text)) == as_rows(reference_tag(WATCHLIST, text))
    assert tagger.tag(text) == reference_tag(WATCHLIST, text)  # Mention equality holds too


@pytest.mark.parametrize("watchlist", [WATCHLIST, EDGES], ids=["default", "edges"])
def test_generated_texts(watchlist: Watchlist, loops: str) -> None:
    tagger = Tagger(watchlist)
    texts = generated_texts(seed=5, count=1000)
    found = 0
    for text in texts:
        expected = as_rows(reference_tag(watchlist, text))
        assert as_rows(tagger.tag(text)) == expected, text
        found += len(expected)
    assert found > 1000  # the texts are dense with names, not empty of them


def test_corpus_texts(tagger: Tagger, loops: str) -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    bodies = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.json"))]
    for body in bodies:
        text = body["articleBody"]
        assert as_rows(tagger.tag(text)) == as_rows(reference_tag(WATCHLIST, text))


def test_exclusion_hints_are_in_every_match() -> None:
    """Each hint set holds a string of every match of its pattern (lowercased, normalised),
    over texts built to match the default and edge patterns."""
    texts = generated_texts(seed=11, count=600)
    checked = 0
    for entity in WATCHLIST.entities + EDGES.entities:
        hints = exclusion_hints(entity.exclude)
        if hints is None:
            continue
        for pattern, sets in zip(entity.exclude, hints, strict=True):
            regex = re.compile(pattern)
            for text in texts:
                low = _lower(text.translate(_NORMALISE))
                for m in regex.finditer(text):
                    if any(c in m.group() for c in "\u0130\u0131\u017f"):
                        continue  # windows with these are checked without hints
                    checked += 1
                    assert all(
                        any(s in low[m.start() : m.end()] for s in strings) for strings in sets
                    )
    assert checked > 100


def test_a_case_fold_the_hints_cannot_see_still_excludes(tagger: Tagger) -> None:
    # "(?i)amazon (?:rain ?forests?|…)" matches "rainforeſt" (ſ folds to s), which the
    # lowercased text does not spell "forest": such a text is checked without hints.
    text = "The Amazon rainforeſt burns. Amazon invests."
    assert [(m.entity, m.start) for m in tagger.tag(text)] == [("amazon", 29)]


_END = re.compile(r"[.!?…][\"'”’)\]]*\s+|\n+")
_ABBREVIATIONS = set(
    "jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms dr prof st jr sr inc corp co "
    "ltd vs no approx est gov sen rep gen".split()
)


def reference_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences as the first version of extractors/text.py cut them: every candidate end,
    its sentence sliced out and stripped."""
    spans, start = [], 0
    for m in _END.finditer(text):
        if not m.group().startswith("\n"):
            following = text[m.end() : m.end() + 1]
            if following and (following.islower() or following.isdigit()):
                continue
            word = re.compile(r"([\w.]+)[.]$").search(text, max(0, m.start() - 20), m.start() + 1)
            if word and text[m.start()] == ".":
                token = word.group(1).lower()
                if token in _ABBREVIATIONS or len(token) == 1 or "." in token:
                    continue
        stripped = text[start : m.end()].rstrip()
        if stripped.strip():
            spans.append((start, start + len(stripped)))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def test_sentence_spans_match_the_reference() -> None:
    rng = random.Random(3)
    pieces = [
        "Mr.", "U.S.", "Sept.", "e.g.", "No.", "A.", "inc.", "Inc.", "approx.", "word", "Word",
        "x", "5", " ", "  ", "\n", "\n\n", " \n", "\t", "\u00a0", ".", "!", "?", "…", "”", "’",
        ")", "]", '"', "'", ".\n", "!)", "?” ", "…\n", "İ",
    ]  # fmt: skip
    texts = [seed_text(slug) for slug in SEED_SLUGS] + [
        "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(5000)
    ]
    for text in texts:
        assert sentence_spans(text) == reference_sentence_spans(text), text


# The word right before a name, as extractors/senses_resolver.py first read it: one character
# at a time, backwards. The resolver now reads it with one regex over the reversed text.
_TOKEN = frozenset([c for c in map(chr, range(128)) if c.isalnum() or c == "_"] + list(".+'’-"))


def _is_word_char(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def reference_previous_word(before: str) -> str:
    end = len(before) - 1
    if end < 1 or before[end] not in " \u00a0" or not _is_word_char(before[end - 1]):
        return ""
    i = end - 1
    while i and (before[i - 1] in _TOKEN or (before[i - 1] > "\x7f" and before[i - 1].isalnum())):
        i -= 1
    while not _is_word_char(before[i]):
        i += 1
    return before[i:end]


def test_previous_word_matches_the_reference() -> None:
    rng = random.Random(7)
    pieces = [
        "Fiona", "Breville", "Ray-Ban", "the", "La", "Sportiva", "e.g.", "C++", "O’Neil",
        "d'Arc", "Zoë", "Ørsted", "北京", "٣", "_x", "4", "-", ".", "+", "'", "’", "(", '"',
        " ", " ", "\u00a0", "\n", ",", "—", "x",
    ]  # fmt: skip
    texts = [
        "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) + rng.choice(" \u00a0x")
        for _ in range(20000)
    ]
    words = 0
    for before in texts:
        for cut in (0, max(0, len(before) - 40)):
            expected = reference_previous_word(before[cut:])
            assert _previous_word(before[cut:]) == expected, before
            words += bool(expected)
    assert words > 5000  # most texts end in a word and a space


def test_tagger_matches_its_previous_version_on_the_corpus(loops: str) -> None:
    """Every mention of the whole corpus (real articles and pages, most not about AI), with
    anchors and without, against those the tagger gave before its speed work (the commit
    before it: a digest of the mentions, kept here)."""
    if not WCXB.is_dir() or not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    if WATCHLIST.version != CORPUS_WATCHLIST:
        pytest.skip("the seed watchlist changed since the digest was taken")
    tagger = Tagger(WATCHLIST)
    digest = hashlib.sha256()
    count = 0
    for folder in (CORPUS, WCXB):
        for path in sorted(folder.glob("*.json")):
            body = json.loads(path.read_text(encoding="utf-8")).get("articleBody", "")
            for anchors in ((), ("anthropic", "amazon", "google")):
                rows = as_rows(tagger.tag(body, anchors))
                count += len(rows)
                digest.update(repr(rows).encode())
    assert (count, digest.hexdigest()) == CORPUS_MENTIONS


def test_a_compiled_build_older_than_its_source_is_not_used() -> None:
    """extractors/entities.py runs the compiled loops only when they were built from the
    source as it is: after an edit of hitloop.py (the source newer), the source runs."""
    try:
        built = importlib.import_module("extractors._hitloop")
    except ImportError:
        pytest.skip("extractors._hitloop is not built here (no C compiler at install)")
    so = Path(str(built.__file__))
    source = Path(str(hitloop.__file__)).stat().st_mtime_ns
    kept = so.stat()
    assert entities._loops() is (built if kept.st_mtime_ns + 5 * 10**9 >= source else hitloop)
    try:
        os.utime(so, ns=(kept.st_atime_ns, source - 60 * 10**9))
        assert entities._loops() is hitloop
        os.utime(so, ns=(kept.st_atime_ns, source + 60 * 10**9))
        assert entities._loops() is built
    finally:
        os.utime(so, ns=(kept.st_atime_ns, kept.st_mtime_ns))


def test_a_version_or_size_has_a_digit_where_the_prefilter_looks() -> None:
    """The resolver asks its version and size regexes only when one of the three characters
    after a name is a digit (senses_resolver._has_digit): every match has one there."""
    rng = random.Random(11)
    pieces = ["v", "V", "-", " ", "\u00a0", "\n", "1", "٣", "²", ".", "5", "B", "m", "x", "b"]
    tried = matched = 0
    for _ in range(20000):
        after = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        tried += 1
        for regex in (_VERSION, _SIZE):
            if regex.match(after):
                matched += 1
                assert _has_digit(after[:3]), after
    assert matched > tried // 10


def test_a_texts_first_window_is_found_as_its_later_ones() -> None:
    """_Text.window looks for sentence ends in the window alone for a text's first window,
    in the whole text from its second: the same window either way."""
    rng = random.Random(5)
    words = ["Amazon", "said", "the", "river.", "Claude", "wrote!", "A", "model?", "…", "\n", "x"]
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 400)))
        spans = [(m.start(), m.end()) for m in re.finditer(r"Amazon|Claude", text)]
        for start, end in spans[:3]:
            once, twice = _Text(text, {}, []), _Text(text, {}, [])
            twice.window(0, 0)  # its first window: the one asked next uses the whole text
            assert once.window(start, end) == twice.window(start, end), (text, start)

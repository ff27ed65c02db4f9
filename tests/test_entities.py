"""The watchlist and the tagger: counting rules on the seeds and on small cases."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from extractors.entities import Tagger, load_watchlist, parse_watchlist
from extractors.errors import WatchlistError
from extractors.records import Mention
from seeds import SEEDS_DIR
from tests.helpers import seed_text

# Counted by reading the seed texts, paragraph by paragraph. Rules: longest alias wins
# ("Google DeepMind" counts once, for google-deepmind; "Google Brain" is not google);
# possessives count ("Amazon’s"); "Microsoft’s Azure" is one microsoft and one azure.
# The misspelling "Anthopic’s" in the second seed counts for anthropic (one edit away from a
# name of 7 letters or more, in a text that names Anthropic correctly too).
EXPECTED_COUNTS = {
    "amazon-anthropic-investment": {
        "alexa": 1, "amazon": 15, "anthropic": 16, "aws": 1, "azure": 1, "bedrock": 2,
        "bing": 1, "chatgpt": 1, "claude": 1, "cohere": 1, "google": 3, "google-brain": 2,
        "google-deepmind": 4, "gpt-4": 2, "microsoft": 7, "openai": 11, "salesforce": 1,
    },
    "ai-labs-big-tech-backers": {
        "amazon": 10, "anthropic": 14, "chatgpt": 2, "claude": 3, "gemini": 2, "google": 10,
        "google-brain": 1, "google-deepmind": 6, "gpt-4": 4, "llama": 1, "meta": 3,
        "microsoft": 12, "openai": 16, "salesforce": 1,
    },
}  # fmt: skip

REQUIRED = """openai anthropic google-deepmind google-brain meta mistral-ai cohere xai aws azure
google-cloud oracle-cloud coreweave amazon microsoft google nvidia salesforce claude chatgpt
gpt-4 gemini llama bedrock alexa bing""".split()


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


@pytest.mark.parametrize("slug", sorted(EXPECTED_COUNTS))
def test_seed_counts(tagger: Tagger, slug: str) -> None:
    assert tagger.counts(seed_text(slug)) == EXPECTED_COUNTS[slug]


def test_default_watchlist_has_the_required_entities() -> None:
    watchlist = load_watchlist(SEEDS_DIR / "watchlist.toml")
    ids = {e.id for e in watchlist.entities}
    assert set(REQUIRED) <= ids
    assert watchlist.get("google-deepmind").parent == "google"
    assert watchlist.get("bedrock").parent == "aws"
    assert watchlist.get("aws").parent == "amazon"
    assert watchlist.get("claude").parent == "anthropic"


def found(tagger: Tagger, text: str) -> list[tuple[str, str]]:
    return [(m.entity, m.text) for m in tagger.tag(text)]


def test_longest_alias_wins(tagger: Tagger) -> None:
    assert found(tagger, "Google DeepMind and Google Brain, on Google Cloud.") == [
        ("google-deepmind", "Google DeepMind"),
        ("google-brain", "Google Brain"),
        ("google-cloud", "Google Cloud"),
    ]
    assert found(tagger, "Amazon Web Services hosts Amazon Bedrock.") == [
        ("aws", "Amazon Web Services"),
        ("bedrock", "Amazon Bedrock"),
    ]


def test_possessives_count(tagger: Tagger) -> None:
    assert found(tagger, "Amazon’s deal, Amazon's cloud") == [
        ("amazon", "Amazon"),
        ("amazon", "Amazon"),
    ]


def test_case_rules(tagger: Tagger) -> None:
    assert found(tagger, "Meta released a model") == [("meta", "Meta")]
    assert found(tagger, "a meta analysis of the metadata") == []
    assert found(tagger, "xAI and XAI") == [("xai", "xAI")]


def test_word_boundaries(tagger: Tagger) -> None:
    assert found(tagger, "new LAWS on AWS") == [("aws", "AWS")]
    assert found(tagger, "GoogleX and Googled") == []
    assert found(tagger, "GPT-4o differs from GPT-4.") == [("gpt-4", "GPT-4")]
    assert found(tagger, "an Amazon-backed lab") == [("amazon", "Amazon")]


def test_unicode_spaces_and_cjk(tagger: Tagger) -> None:
    assert found(tagger, "Google\u00a0DeepMind") == [("google-deepmind", "Google\u00a0DeepMind")]
    assert found(tagger, "微软投资OpenAI公司") == [("openai", "OpenAI")]


def test_offsets_point_into_the_input(tagger: Tagger) -> None:
    text = "İstanbul: Anthropic and OpenAI"
    for m in tagger.tag(text):
        assert text[m.start : m.end] == m.text


def test_tagger_survives_pickling(tagger: Tagger) -> None:
    copy = pickle.loads(pickle.dumps(tagger))
    assert copy.counts("OpenAI and Anthropic") == {"openai": 1, "anthropic": 1}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (b'[[entity]]\nid = "x"\nkind = "lab"\naliases = ["X"]\nparent = "nope"\n', "parent"),
        (b'[[entity]]\nid = "x"\nkind = "planet"\naliases = ["X"]\n', "kind"),
        (b'[[entity]]\nid = "x"\nkind = "lab"\naliases = ["X"]\nalias = ["Y"]\n', "unknown"),
        (b'[[entity]]\nid = "x"\nkind = "lab"\n', "no aliases"),
        (b'[[entity]]\nid = "x"\nkind = "lab"\naliases = ["X"]\n' * 2, "duplicate"),
        (b"[[entity]\n", "watchlist"),
    ],
)
def test_bad_watchlists_are_refused(doc: bytes, message: str) -> None:
    with pytest.raises(WatchlistError, match=message):
        parse_watchlist(doc)


def test_watchlist_version_follows_content(tmp_path: Path) -> None:
    base = b'[[entity]]\nid = "x"\nkind = "lab"\naliases = ["X"]\n'
    assert parse_watchlist(base).version == parse_watchlist(base).version
    assert parse_watchlist(base).version != parse_watchlist(base + b"# edit\n").version


def test_ignore_case_aliases() -> None:
    doc = b'[[entity]]\nid = "x"\nkind = "lab"\naliases_ignore_case = ["Hugging Face"]\n'
    tagger = Tagger(parse_watchlist(doc))
    assert tagger.counts("HUGGING FACE, hugging face and Hugging Face") == {"x": 3}


def test_mentions_are_ordinary_frozen_mentions(tagger: Tagger) -> None:
    # The tagger builds mentions without Mention.__init__ (for speed); they must be the same
    # values: equal, hashable alike, frozen, picklable, with the usual repr.
    (found,) = tagger.tag("OpenAI")
    built = Mention("openai", "lab", "OpenAI", 0, 6)
    assert found == built and hash(found) == hash(built) and repr(found) == repr(built)
    assert pickle.loads(pickle.dumps(found)) == built
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.start = 1  # type: ignore[misc]


def test_exclude_rules_of_every_shape_still_exclude() -> None:
    # Exclusion skips the regex where a window lacks the words a match needs; the words come
    # from each pattern's literals, through groups, alternations and repeats.
    doc = r"""
[[entity]]
id = "x"
kind = "lab"
aliases = ["Orbit"]
exclude = ['(?i)orbit (?:of|around) (?:the )?(?:earth|moon)s?', '(?:low|high) Earth Orbit', 'Orbit \d+']
"""
    tagger = Tagger(parse_watchlist(doc.encode()))
    text = "Orbit of the Moon, low Earth Orbit, Orbit 9, ORBIT AROUND EARTH; Orbit raised money."
    assert [(m.text, m.start) for m in tagger.tag(text)] == [("Orbit", 65)]

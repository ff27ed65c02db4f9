"""Names that are also ordinary words or other things, and one-edit misspellings."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from extractors.entities import Tagger, load_watchlist, parse_watchlist
from extractors.errors import WatchlistError
from extractors.fuzzy import one_edit_variants
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def found(text: str) -> list[tuple[str, str]]:
    return [(m.entity, m.text) for m in TAGGER.tag(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Amazon the rainforest and river
        ("The Amazon rainforest is burning faster than ever.", []),
        ("Fires in the Amazon spread again this summer.", []),
        ("Brazil’s Amazon lost more trees in 2024.", []),
        ("Amazon invested in Anthropic.", [("amazon", "Amazon"), ("anthropic", "Anthropic")]),
        ("Analysts in the Amazon deal room were quiet.", [("amazon", "Amazon")]),
        # Mistral the wind or typeface
        ("The mistral blew all night over Marseille.", []),
        ("Mistral winds closed the port.", []),
        ("The poster was set in Mistral typeface.", []),
        ("Mistral released a new open-weight model.", [("mistral-ai", "Mistral")]),
        (
            "Mistral AI raised money. Mistral is French.",
            [("mistral-ai", "Mistral AI"), ("mistral-ai", "Mistral")],
        ),
        # Gemini the zodiac sign or NASA programme
        ("Gemini is my zodiac sign.", []),
        ("The Gemini program flew ten crewed missions.", []),
        ("Project Gemini paved the way for Apollo.", []),
        ("Google launched Gemini.", [("google", "Google"), ("gemini", "Gemini")]),
        # Claude the first name
        ("Claude Monet painted water lilies.", []),
        ("Jean-Claude Juncker spoke in Brussels.", []),
        ("Claude 3 Opus from Anthropic.", [("claude", "Claude"), ("anthropic", "Anthropic")]),
        ("Claude Code writes tests, the AI company says.", [("claude", "Claude")]),
        # Meta in meta-analysis
        ("Meta-analysis shows a small effect.", []),
        ("a meta analysis of metadata", []),
        ("Meta released Llama.", [("meta", "Meta"), ("llama", "Llama")]),
        ("Meta-owned WhatsApp", [("meta", "Meta")]),
        # Azure the colour
        ("Azure skies over Nice.", []),
        ("Azure hosts OpenAI.", [("azure", "Azure"), ("openai", "OpenAI")]),
        ("Azure OpenAI is available.", [("azure-openai", "Azure OpenAI")]),
        # Others
        ("Llamas graze. Llama wool is warm.", []),
        ("Perplexity grew among readers.", []),
        ("AWS Lambda functions scale.", [("aws", "AWS")]),
        ("Robinson Crusoe was marooned.", []),
        ("Crusoe builds data centers in Abilene.", [("crusoe", "Crusoe")]),
    ],
)
def test_disambiguation(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_misspellings_of_long_names() -> None:
    assert found("Anthopic released a model, Anthropic said.") == [
        ("anthropic", "Anthopic"),
        ("anthropic", "Anthropic"),
    ]
    assert found("Microsft and Microsoft") == [
        ("microsoft", "Microsft"),
        ("microsoft", "Microsoft"),
    ]
    # A misspelling is ambiguous: alone, without the name or context, it does not count.
    assert found("Salesforse had a quiet day.") == []


def test_misspellings_never_fire_on_ordinary_words_or_short_names() -> None:
    # "bedsock" and "anthroic" are one edit from Bedrock and Anthropic, but English words;
    # "Orache" is one edit from Oracle, a name too short (6 letters) to get variants.
    text = "Bedsock, Anthroic and Orache, said Anthropic of AWS Bedrock and Oracle."
    assert found(text) == [
        ("anthropic", "Anthropic"),
        ("aws", "AWS"),
        ("bedrock", "Bedrock"),
        ("oracle", "Oracle"),
    ]
    assert "bedsock" in one_edit_variants("Bedrock")
    assert found("anthopic in lower case") == []  # the first letter keeps its case


def test_context_and_exclude_rules_are_validated(tmp_path: Path) -> None:
    with pytest.raises(WatchlistError, match="bad 'exclude' pattern"):
        parse_watchlist(b'[[entity]]\nid="x"\nkind="lab"\naliases=["X"]\nexclude=["(unclosed"]\n')
    with pytest.raises(WatchlistError, match="'ambiguous' names non-aliases"):
        parse_watchlist(b'[[entity]]\nid="x"\nkind="lab"\naliases=["X"]\nambiguous=["Y"]\n')


def test_a_user_file_extends_and_overrides_the_default(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text(
        '[[entity]]\nid = "apple"\nname = "Apple"\nkind = "company"\naliases = ["Apple", "AAPL"]\n'
        '[[entity]]\nid = "reka"\nname = "Reka AI"\nkind = "lab"\naliases = ["Reka AI"]\n'
    )
    base = load_watchlist(SEEDS_DIR / "watchlist.toml")
    merged = load_watchlist(SEEDS_DIR / "watchlist.toml", extra)
    assert len(merged.entities) == len(base.entities) + 1
    assert merged.get("apple").aliases == ("Apple", "AAPL")
    assert merged.version != base.version
    assert Tagger(merged).counts("AAPL rose; Reka AI and OpenAI fell.") == {
        "apple": 1, "reka": 1, "openai": 1,
    }  # fmt: skip


def test_ancestors() -> None:
    watchlist = load_watchlist(SEEDS_DIR / "watchlist.toml")
    assert watchlist.ancestors("bedrock") == ["aws", "amazon"]
    assert watchlist.ancestors("gemini") == ["google-deepmind", "google"]
    assert watchlist.ancestors("openai") == []


def test_eval_tagging_lists_mentions_per_page(tmp_path: Path) -> None:
    import json

    from tests.helpers import seed_html
    from tests.test_cli import labwatch

    (tmp_path / "seed.html").write_bytes(seed_html("amazon-anthropic-investment"))
    (tmp_path / "nature.txt").write_text("The Amazon rainforest shrank. Gemini is my sign.")
    out = labwatch("eval", "tagging", str(tmp_path), "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {r["page"] for r in rows} == {"seed"}  # nothing found in the nature text
    amazon = next(r for r in rows if r["entity"] == "amazon" and r["text"] == "Amazon")
    assert amazon["count"] == 16  # 15 in the body, 1 in the title
    assert amazon["example"].startswith("Amazon")


def test_misspellings_stop_at_the_budget() -> None:
    """A huge watchlist gets misspellings for its first names only: memory and build time are
    bounded (issue 21: 100,000 aliases grew past 5.6 GB)."""
    doc = "".join(
        f'[[entity]]\nid = "e{i}"\nkind = "lab"\naliases = ["{name}"]\n'
        for i, name in enumerate(["Anthropic", "Salesforce", "Zorvexian", "Quantella"])
    )
    watchlist = parse_watchlist(doc.encode())
    full = Tagger(watchlist)
    assert full.misspellings_left_out == 0
    assert full.counts("Anthopic and Anthropic; Quantela and Quantella") == {"e0": 2, "e3": 2}
    small = Tagger(watchlist, misspelling_budget=1)  # the first entity spends it
    assert small.misspellings_left_out == 3
    assert small.counts("Anthopic and Anthropic; Quantela and Quantella") == {"e0": 2, "e3": 1}
    assert len(small._values) < len(full._values) / 3
    # The budget survives the trip to a worker process.
    assert pickle.loads(pickle.dumps(small)).misspellings_left_out == 3

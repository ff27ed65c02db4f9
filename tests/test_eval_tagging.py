"""`labwatch eval tagging --gold FILE`: scores against a labelled gold set, and the gold set
in the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.entities import Tagger, load_watchlist
from extractors.errors import GoldError
from flows.eval_tagging import evaluate_gold, load_gold
from seeds import SEEDS_DIR
from tests.test_cli import labwatch

GOLD = Path(__file__).parent / "data" / "tagging_gold.jsonl"

# Three sentences: one found right, one missed (a misspelling too far from the name), one with
# a false positive (a name the person did not mark: the file says Oracle is not a mention here,
# which is wrong on purpose so that the command has one to list).
SMALL = [
    {
        "id": "a:1",
        "split": "tune",
        "text": "Anthropic and OpenAI signed.",
        "mentions": [
            {"entity": "anthropic", "start": 0, "end": 9, "text": "Anthropic"},
            {"entity": "openai", "start": 14, "end": 20, "text": "OpenAI"},
        ],
    },
    {
        "id": "b:1",
        "split": "check",
        "text": "Antrhopcx shipped it.",
        "mentions": [{"entity": "anthropic", "start": 0, "end": 9, "text": "Antrhopcx"}],
    },
    {
        "id": "c:1",
        "split": "check",
        "before": "The database runs on Linux.",
        "text": "Oracle sells it.",
        "mentions": [],
    },
]


def write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_scores_and_misses(tmp_path: Path) -> None:
    gold = write(tmp_path / "gold.jsonl", SMALL)
    out = labwatch("eval", "tagging", "--gold", str(gold), "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    scores = {s["scope"]: s for s in doc["scores"]}
    assert (scores["overall"]["tp"], scores["overall"]["fp"], scores["overall"]["fn"]) == (2, 1, 1)
    assert scores["overall"]["precision"] == "0.667"
    assert scores["overall"]["recall"] == "0.667"
    assert (scores["split check"]["tp"], scores["split tune"]["tp"]) == (0, 2)
    assert scores["oracle"]["fp"] == 1 and scores["anthropic"]["fn"] == 1
    assert [(m["kind"], m["id"], m["text"]) for m in doc["misses"]] == [
        ("fp", "c:1", "Oracle"),
        ("fn", "b:1", "Antrhopcx"),
    ]
    assert doc["misses"][0]["sentence"] == "Oracle sells it."
    table = labwatch("eval", "tagging", "--gold", str(gold))
    assert table.returncode == 0, table.stderr
    assert "1 false positives, 1 false negatives" in table.stdout
    assert "Antrhopcx shipped it." in table.stdout


def test_bad_gold_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"text": "Anthropic", "mentions": [{"entity": "anthropic", "start": 0, '
        '"end": 4, "text": "Anthropic"}]}\n'
    )
    out = labwatch("eval", "tagging", "--gold", str(bad))
    assert out.returncode == 1
    assert "bad.jsonl:1" in out.stderr and "does not match" in out.stderr
    out = labwatch("eval", "tagging", "--gold", str(tmp_path / "missing.jsonl"))
    assert out.returncode == 1 and "cannot read" in out.stderr
    out = labwatch("eval", "tagging")  # a usage error: exit 2
    assert out.returncode == 2 and "--gold" in out.stderr


SETS = [
    "tagging_gold",
    "tagging_blind",
    "tagging_news",
    "tagging_blind2",
    "tagging_ambiguity",
    "tagging_ambiguity2",
    "tagging_articles",
    "tagging_articles2",
]


@pytest.mark.parametrize("name", SETS)
def test_the_repository_gold_sets_are_well_formed(name: str) -> None:
    path = GOLD.with_name(f"{name}.jsonl")
    records = load_gold(path)
    articles = name.startswith("tagging_articles")  # whole articles: fewer, each long
    assert len(records) >= (120 if articles else 190)
    assert all((r.title is not None) == articles for r in records)
    assert {r.split for r in records} == {"tune", "check"}
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids))
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert all(r["source"] for r in raw)
    known = {e.id for e in load_watchlist(SEEDS_DIR / "watchlist.toml").entities}
    assert {m[0] for r in records for m in r.mentions | r.title_mentions} <= known


def test_the_tagger_meets_its_targets_on_the_gold_set() -> None:
    """The figures docs/tagging.md reports, as a floor: precision 0.98 and recall 0.95 on
    each part, and no entity below 0.9 precision."""
    score = evaluate_gold(load_gold(GOLD), Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml")))
    for part in ("tune", "check"):
        assert score.by_split[part].precision >= 0.98, part
        assert score.by_split[part].recall >= 0.95, part
    low = {e: s.precision for e, s in score.by_entity.items() if s.precision < 0.9}
    assert low == {}


@pytest.mark.parametrize(
    ("name", "precision", "recall"),
    # The figures docs/tagging.md reports for the blind sets, as floors (overall).
    [
        ("tagging_blind2", 0.99, 0.99),
        ("tagging_ambiguity", 0.92, 0.82),
        ("tagging_ambiguity2", 0.93, 0.89),
        ("tagging_articles", 0.97, 0.97),
        ("tagging_articles2", 0.92, 0.96),
    ],
)
def test_the_tagger_holds_its_figures_on_the_blind_sets(
    name: str, precision: float, recall: float
) -> None:
    score = evaluate_gold(
        load_gold(GOLD.with_name(f"{name}.jsonl")),
        Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml")),
    )
    assert score.overall.precision >= precision
    assert score.overall.recall >= recall
    if name == "tagging_articles":
        # The part written last and never read (docs/tagging.md, "Whole articles"), and what
        # the digest's article counts rest on: each entity named in an article.
        assert score.by_split["check"].precision >= 0.97
        assert score.presence.precision >= 0.985 and score.presence.recall >= 0.985
    if name == "tagging_articles2":
        # Names in two senses in one text (docs/tagging.md): the parts written blind and not
        # read (G, H), where the tagger of the round's start had 0.834 precision.
        assert score.by_split["check"].precision >= 0.90
        assert score.by_split["check"].recall >= 0.96
        assert score.presence.precision >= 0.98 and score.presence.recall >= 0.97


def test_the_tagger_holds_its_figures_on_the_review_of_names_in_two_senses() -> None:
    """tests/data/tagging_review.jsonl: 80 texts written to break the rules of docs/tagging.md,
    "Names in two senses in one text", from both sides. The round's first version scored 0.847
    / 0.720 on them (a2c3654, before the round: 0.841 / 0.900); the floors are the figures
    after the review's fixes."""
    score = evaluate_gold(
        load_gold(GOLD.with_name("tagging_review.jsonl")),
        Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml")),
    )
    assert len({r.id for r in load_gold(GOLD.with_name("tagging_review.jsonl"))}) == 80
    assert score.overall.precision >= 0.86
    assert score.overall.recall >= 0.86


def test_load_gold_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text('{"text": "x"}\nnot json\n')
    try:
        load_gold(path)
    except GoldError as exc:
        assert "g.jsonl:2" in str(exc)
    else:
        raise AssertionError("a broken line must be refused")


# A whole article: the title's bare "Claude" is vouched for by the body's Anthropic (as the
# ingest tags titles), a body miss shows its own sentence, and a title's false positive is
# scored against `title_mentions`.
ARTICLE = {
    "id": "art:1",
    "split": "check",
    "title": "Claude gets a memory",
    "text": "Anthropic said on Tuesday that its assistant now remembers past chats. "
    "Antrhopcx shipped it to paying users first.",
    "title_mentions": [{"entity": "claude", "start": 0, "end": 6, "text": "Claude"}],
    "mentions": [
        {"entity": "anthropic", "start": 0, "end": 9, "text": "Anthropic"},
        {"entity": "anthropic", "start": 71, "end": 80, "text": "Antrhopcx"},
    ],
}


def test_whole_articles_are_tagged_as_the_ingest_tags_them(tmp_path: Path) -> None:
    tagger = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))
    # Alone, the title's name is not sure enough: what scores it is the body's vouching.
    assert tagger.tag(ARTICLE["title"]) == []  # type: ignore[arg-type]
    gold = write(tmp_path / "art.jsonl", [ARTICLE])
    score = evaluate_gold(load_gold(gold), tagger)
    assert (score.overall.tp, score.overall.fp, score.overall.fn) == (2, 0, 1)
    assert score.articles == 1 and score.by_entity["claude"].tp == 1
    # Per article, each entity once: Anthropic is named (once of its two marks) and so is Claude.
    assert (score.presence.tp, score.presence.fp, score.presence.fn) == (2, 0, 0)
    (miss,) = score.misses
    assert (miss.id, miss.surface) == ("art:1", "Antrhopcx")
    assert miss.sentence == "Antrhopcx shipped it to paying users first."
    # The same title marked with nothing: its mention is a false positive of the title.
    unmarked = write(tmp_path / "none.jsonl", [{**ARTICLE, "title_mentions": []}])
    out = labwatch("eval", "tagging", "--gold", str(unmarked))
    assert out.returncode == 0, out.stderr
    assert "1 articles; 1 false positives, 1 false negatives" in out.stdout
    assert "art:1 (title)" in out.stdout and "Claude gets a memory" in out.stdout
    # Claude is named though the article's marks say it is not: one entity too many.
    presence = next(line for line in out.stdout.splitlines() if line.startswith("entities"))
    assert presence.split()[5:8] == ["1", "1", "0"]
    # Title mentions need a title, and must match it.
    for bad in ({**ARTICLE, "title": None}, {**ARTICLE, "title": "Claude"[:3]}):
        path = write(tmp_path / "bad.jsonl", [bad])
        with pytest.raises(GoldError):
            load_gold(path)

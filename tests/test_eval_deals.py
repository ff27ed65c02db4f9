"""`labwatch eval deals`: the scoring, the command, and the gold set as a quality gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.entities import Tagger, load_watchlist
from flows.eval_deals import default_finder, evaluate_deals, load_gold, triples
from seeds import SEEDS_DIR
from tests.test_cli import labwatch

DATA = Path(__file__).resolve().parent / "data"
GOLD = DATA / "deals_gold.jsonl"
GOLD_WATCHLIST = DATA / "deals_gold_watchlist.toml"


def test_triples_unfold_rounds_and_ventures() -> None:
    assert triples("investment", "a", "t", [("a", "lead"), ("b", "participant")]) == [
        (("investment", "a", "t"), "lead"),
        (("investment", "b", "t"), "participant"),
    ]
    ventures = {t for t, _ in triples("joint_venture", "a", "b", [("c", "partner")])}
    assert ventures == {("joint_venture", "a", "b"), ("joint_venture", "a", "c"),
                        ("joint_venture", "b", "c")}  # fmt: skip
    assert triples("acquisition", "a", "t", []) == [(("acquisition", "a", "t"), "")]


def write_gold(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


SMALL = [
    # found as gold says
    {"id": "s1", "split": "tune", "text": "Microsoft invested $10 billion in OpenAI.",
     "deals": [{"kind": "investment", "investor": "microsoft", "target": "openai",
                "amount": 1e10}]},
    # gold wants a deal the finder cannot see (a pronoun): a miss
    {"id": "s2", "split": "check",
     "text": "Anthropic is raising again, and Amazon said it would back it.",
     "deals": [{"kind": "investment", "investor": "amazon", "target": "anthropic"}]},
    # the finder finds a deal the gold says is not there: a false positive
    {"id": "s3", "split": "check", "text": "Nvidia acquired Mistral AI.", "deals": []},
]  # fmt: skip


def test_scores_and_errors(tmp_path: Path) -> None:
    gold = load_gold(write_gold(tmp_path / "g.jsonl", SMALL))
    scores = evaluate_deals(
        gold, default_finder(Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml")))
    )
    overall = scores.overall
    assert (overall.tp, overall.fp, overall.fn) == (1, 1, 1)
    assert (overall.precision, overall.recall) == (0.5, 0.5)
    assert (scores.amount_overall.right, scores.amount_overall.total) == (1, 1)
    assert sorted((e.sentence, e.what, e.detail) for e in scores.errors) == [
        ("s2", "miss", "investment amazon anthropic"),
        ("s3", "false positive", "acquisition nvidia mistral-ai"),
    ]


def test_the_command_prints_scores_and_every_miss(tmp_path: Path, home: Path) -> None:
    gold = write_gold(tmp_path / "g.jsonl", SMALL)
    out = labwatch("eval", "deals", "--gold", str(gold), home=home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.index("tune: 1 sentences") < out.stdout.index("check: 2 sentences")
    assert "all: 3 sentences" in out.stdout
    assert (
        "s2 (check) miss: investment amazon anthropic\n    Anthropic is raising again" in out.stdout
    )
    assert "s3 (check) false positive: acquisition nvidia mistral-ai" in out.stdout
    lines = [line.split() for line in out.stdout.splitlines() if line.startswith("all ")]
    assert lines[-1][:6] == ["all", "1", "1", "1", "0.500", "0.500"]


# An article whose lede states a deal and whose background recalls an earlier one between
# the same two parties: one investment of Amazon's in Anthropic, as the article's deals go.
ARTICLE = [
    {"id": "a1", "split": "articles", "date": "2024-03-27",
     "text": "Amazon invested $2.75 billion in Anthropic on Wednesday. Amazon had already "
             "invested $1.25 billion in Anthropic last year. Google has also backed Anthropic.",
     "deals": [{"kind": "investment", "investor": "amazon", "target": "anthropic",
                "amount": 2.75e9},
               {"kind": "investment", "investor": "google", "target": "anthropic",
                "status": "background"}]},
]  # fmt: skip


def test_per_article_scoring_counts_a_deal_once(tmp_path: Path, home: Path) -> None:
    """Per sentence, two deals of one kind between the same parties in one text are one right
    and one false positive against a gold that lists the pair once; per article, the pair's
    deal of that kind counts once."""
    gold = load_gold(write_gold(tmp_path / "a.jsonl", ARTICLE))
    find = default_finder(Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml")))
    assert len([d for d in find(gold[0].text, gold[0].day) if d.investor == "amazon"]) == 2
    per_sentence = evaluate_deals(gold, find).overall
    per_article = evaluate_deals(gold, find, per_text=True).overall
    assert per_sentence.fp > per_article.fp == 0
    assert per_article.tp == 2 and per_article.fn == 0
    out = labwatch("eval", "deals", "--gold", str(tmp_path / "a.jsonl"), "--per-article", home=home)
    assert out.returncode == 0, out.stderr
    assert [line.split()[:4] for line in out.stdout.splitlines() if line.startswith("all ")][
        -1
    ] == ["all", "2", "0", "0"]


def test_a_bad_gold_line_is_named(tmp_path: Path, home: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(SMALL[0]) + "\n{not json\n", encoding="utf-8")
    out = labwatch("eval", "deals", "--gold", str(bad), home=home)
    assert out.returncode == 1
    assert f"{bad}:2:" in out.stderr


def scores_by_split(
    path: Path, extra: Path, splits: tuple[str, ...], per_text: bool = False
) -> dict[str, object]:
    """The finder's scores on each part of a gold file, with its extra watchlist (`per_text`:
    each text a whole article, as `--per-article` scores it)."""
    tagger = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml", extra))
    gold = load_gold(path)
    return {
        split: evaluate_deals(
            [s for s in gold if s.split == split], default_finder(tagger), per_text=per_text
        )
        for split in splits
    }


@pytest.fixture(scope="module")
def gold_scores() -> dict[str, object]:
    return scores_by_split(GOLD, GOLD_WATCHLIST, ("tune", "check", "check2", "check3", "check4"))


@pytest.mark.parametrize(
    ("split", "sentences", "recall"),
    [
        # The targets of issue 14 on both parts of the gold set.
        ("tune", 80, 0.90),
        ("check", 80, 0.90),
        # check2: issue 14's round-2 families, never tuned on but for the families (most of
        # its misses are sentences whose party the tagger does not tag: "Thinking Machines",
        # "SSI", "Crusoe" without the context it asks of those names).
        ("check2", 80, 0.85),
        # check3: 78 fresh sentences of issue 14's round 3, labelled before its rules
        # changed (docs/deals.md has the figures and what it still misses).
        ("check3", 60, 0.85),
        # check4: 69 sentences of issue 14's round 4, 27 of them real corpus sentences,
        # labelled and scored before its rules changed (recall 0.429 then).
        ("check4", 60, 0.85),
    ],
)
def test_gold_set_quality_gate(
    gold_scores: dict[str, object], split: str, sentences: int, recall: float
) -> None:
    """Each part of the gold set: precision at least 0.95 and recall at least `recall` for
    (kind, investor, target) with direction, and amounts right in at least 0.95 of the deals
    found."""
    from flows.eval_deals import DealScores

    scores = gold_scores[split]
    assert isinstance(scores, DealScores)
    assert scores.sentences >= sentences
    assert scores.overall.precision >= 0.95, scores.errors
    assert scores.overall.recall >= recall, scores.errors
    assert scores.amount_overall.share >= 0.95, scores.errors


def test_gold_set_is_as_documented() -> None:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 80
    assert {r["split"] for r in rows} == {"tune", "check", "check2", "check3", "check4"}
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for r in rows:  # every sentence's source is named
        assert r["source"] in ("corpus", "seed", "written")
        if r["source"] != "written":
            assert r["file"] and r["license"] and r["id"] in readme


FRESH = DATA / "deals_fresh.jsonl"
FRESH_WATCHLIST = DATA / "deals_fresh_watchlist.toml"


@pytest.fixture(scope="module")
def fresh_scores() -> dict[str, object]:
    return scores_by_split(
        FRESH,
        FRESH_WATCHLIST,
        (
            "tune5",
            "check5",
            "check6",
            "check7",
            "check8",
            "check9",
            "check10",
            "check11",
            "check12",
        ),
    )


@pytest.mark.parametrize(
    ("split", "sentences", "precision", "recall", "amounts"),
    [
        # Floors at the figures of the round that added them (docs/deals.md, "Round 5"): each
        # part was scored blind first (recall 0.412, 0.396 and 0.261 then). tune5 and check5
        # were tuned on after; check6, written in six registers of real press, only for a
        # few families after its blind figure: what the finder does on text it has not seen.
        ("tune5", 55, 0.93, 0.65, 0.95),
        ("check5", 55, 0.95, 0.55, 0.95),
        ("check6", 90, 0.86, 0.35, 0.88),
        # check7: written by ten kinds of writer, never tuned on (recall 0.235 before round
        # 5, 0.243 after, 0.287 after round 6, whose grid of plain forms was written after
        # its errors had been read: no longer wholly blind).
        ("check7", 100, 0.88, 0.28, 0.95),
        # Round 6 (docs/deals.md): check8, ordinary news, scored blind (0.940 / 0.429), then
        # tuned on; check9, written last, scored before and after and never tuned on (0.880 /
        # 0.301 before, 0.883 / 0.363 after): what the finder does on news it has not seen.
        ("check8", 120, 0.95, 0.49, 0.95),
        ("check9", 120, 0.88, 0.38, 0.97),
        # Round 7 (docs/deals.md): deals told in asides. check10 scored blind (0.857 / 0.320)
        # and check11 (0.750 / 0.254 before the round, 0.818 / 0.380 after its first rules),
        # then both tuned on; check12, written last, scored once at the end and never tuned
        # on (0.944 / 0.236 before the round, 0.960 / 0.333 after).
        ("check10", 80, 0.90, 0.54, 0.92),
        ("check11", 80, 0.84, 0.48, 0.95),
        ("check12", 80, 0.95, 0.33, 0.95),
    ],
)
def test_fresh_set_floors(
    fresh_scores: dict[str, object],
    split: str,
    sentences: int,
    precision: float,
    recall: float,
    amounts: float,
) -> None:
    from flows.eval_deals import DealScores

    scores = fresh_scores[split]
    assert isinstance(scores, DealScores)
    assert scores.sentences == sentences
    assert scores.overall.precision >= precision, scores.errors
    assert scores.overall.recall >= recall, scores.errors
    assert scores.amount_overall.share >= amounts, scores.errors


def test_fresh_set_is_well_formed() -> None:
    import tomllib

    known = {e["id"] for e in tomllib.loads(FRESH_WATCHLIST.read_text("utf-8"))["entity"]}
    known |= {e.id for e in load_watchlist(SEEDS_DIR / "watchlist.toml").entities}
    rows = [json.loads(line) for line in FRESH.read_text(encoding="utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) == 780
    splits = {"tune5", "check5", "check6", "check7", "check8", "check9"}
    splits |= {"check10", "check11", "check12"}
    assert {r["split"] for r in rows} == splits
    for r in rows:
        assert r["source"] == "written" and r["text"] and r["date"]
        for d in r["deals"]:
            assert {d["investor"], d["target"]} <= known, (r["id"], d)
            if d["kind"] in ("partnership", "merger", "joint_venture"):
                assert d["investor"] < d["target"], r["id"]


ARTICLES = DATA / "deals_articles.jsonl"
# articles16's floor, set once at its one scoring (docs/deals.md, "Round 9")
ARTICLES16_FLOOR = (0.93, 0.35)  # 0.946 / 0.323 at e23ea74, 0.937 / 0.360 after


def test_article_set_floor() -> None:
    """Whole articles, written blind (docs/deals.md, "Round 6"), scored per article: each
    kind of deal between two parties counts once per text. Precision 0.925, recall 0.343
    before round 6; 0.929 and 0.359 after, with nothing tuned on the set. Round 8 (rounds
    told across sentences, whose first rules came from three of its articles): 0.943 / 0.453.
    Round 9 (parties named by reference, tuned on its misses; a016's Mellanox label added):
    0.963 / 0.571."""
    from flows.eval_deals import DealScores, load_gold

    watchlist = load_watchlist(SEEDS_DIR / "watchlist.toml", FRESH_WATCHLIST)
    gold = load_gold(ARTICLES)
    scores = evaluate_deals(gold, default_finder(Tagger(watchlist)), per_text=True)
    assert isinstance(scores, DealScores) and scores.sentences == len(gold) == 40
    assert scores.overall.precision >= 0.92, scores.errors
    assert scores.overall.recall >= 0.56, scores.errors
    assert scores.amount_overall.share >= 0.93, scores.errors


ARTICLES2 = DATA / "deals_articles2.jsonl"
ARTICLES2_WATCHLIST = DATA / "deals_articles2_watchlist.toml"


@pytest.mark.parametrize(
    ("split", "precision", "recall"),
    [
        # Round 9 (docs/deals.md): whole articles written blind by two sessions. articles15
        # scored once blind (0.746 / 0.293 at e23ea74), then tuned on; articles16 scored once
        # at the end and never read. Round 10: articles15's c15018 gives Oracle AMD's chips
        # "in its cloud", which its label gives Oracle's cloud (0.945 -> 0.935 precision).
        ("articles15", 0.93, 0.45),
        ("articles16", ARTICLES16_FLOOR[0], ARTICLES16_FLOOR[1]),
    ],
)
def test_articles2_floors(split: str, precision: float, recall: float) -> None:
    from flows.eval_deals import DealScores

    scores = scores_by_split(ARTICLES2, ARTICLES2_WATCHLIST, (split,), per_text=True)[split]
    assert isinstance(scores, DealScores) and scores.sentences == 40
    assert scores.overall.precision >= precision, scores.errors
    assert scores.overall.recall >= recall, scores.errors


def test_articles2_set_is_well_formed() -> None:
    # the rounds sets' parties, and the eight these sets add
    assert_well_formed(
        ARTICLES2, ARTICLES2_WATCHLIST, ROUNDS_WATCHLIST, 80, {"articles15", "articles16"}
    )


ARTICLES3 = DATA / "deals_articles3.jsonl"
ARTICLES3_WATCHLIST = DATA / "deals_articles3_watchlist.toml"
# articles18's floor: the set was scored blind and its texts never read (docs/deals.md,
# "Round 10")
ARTICLES18_FLOOR = (0.83, 0.25)  # 0.844 / 0.232 at d7bb277, 0.840 / 0.256 after


@pytest.mark.parametrize(
    ("split", "precision", "recall"),
    [
        # Round 10 (docs/deals.md): whole articles heavy in deals that are not money, written
        # blind by two sessions. articles17 scored once blind (0.797 / 0.291 at d7bb277), then
        # tuned on; articles18 scored blind and never read.
        ("articles17", 0.89, 0.40),
        ("articles18", ARTICLES18_FLOOR[0], ARTICLES18_FLOOR[1]),
    ],
)
def test_articles3_floors(split: str, precision: float, recall: float) -> None:
    from flows.eval_deals import DealScores

    scores = scores_by_split(ARTICLES3, ARTICLES3_WATCHLIST, (split,), per_text=True)[split]
    assert isinstance(scores, DealScores) and scores.sentences == 40
    assert scores.overall.precision >= precision, scores.errors
    assert scores.overall.recall >= recall, scores.errors


def test_articles3_set_is_well_formed() -> None:
    # articles2's parties, and the 26 these sets add
    assert_well_formed(
        ARTICLES3, ARTICLES3_WATCHLIST, ARTICLES2_WATCHLIST, 80, {"articles17", "articles18"}
    )


ARTICLES4 = DATA / "deals_articles4.jsonl"
ARTICLES4_WATCHLIST = DATA / "deals_articles4_watchlist.toml"


@pytest.mark.parametrize(
    ("split", "precision", "recall"),
    [
        # Round 11 (docs/deals.md): whole articles written blind by three sessions, each as
        # a real outlet would write it; scored once before and after the round, never read
        # (before: 0.892 / 0.307, 0.776 / 0.286, 0.900 / 0.327; after: 0.900 / 0.333,
        # 0.815 / 0.331, 0.905 / 0.345)
        ("articles19", 0.88, 0.32),
        ("articles20", 0.80, 0.32),
        ("articles21", 0.89, 0.33),
        # heavy in licences, written and scored the same way after the round's licence rules
        # (before them: 0.817 / 0.299; after: 0.839 / 0.317)
        ("articles22", 0.82, 0.30),
    ],
)
def test_articles4_floors(split: str, precision: float, recall: float) -> None:
    from flows.eval_deals import DealScores

    scores = scores_by_split(ARTICLES4, ARTICLES4_WATCHLIST, (split,), per_text=True)[split]
    assert isinstance(scores, DealScores) and scores.sentences == 30
    assert scores.overall.precision >= precision, scores.errors
    assert scores.overall.recall >= recall, scores.errors


def test_articles4_set_is_well_formed() -> None:
    # articles3's parties, and the 25 these sets add
    assert_well_formed(
        ARTICLES4,
        ARTICLES4_WATCHLIST,
        ARTICLES3_WATCHLIST,
        120,
        {"articles19", "articles20", "articles21", "articles22"},
    )


def assert_well_formed(
    path: Path, watchlist: Path, holds: Path, rows_wanted: int, splits: set[str]
) -> None:
    """A written gold file: unique ids, its parts, every party in `watchlist` (which holds
    every entity of `holds`) or the default watchlist."""
    import tomllib

    known = {e["id"] for e in tomllib.loads(watchlist.read_text("utf-8"))["entity"]}
    assert {e["id"] for e in tomllib.loads(holds.read_text("utf-8"))["entity"]} <= known
    known |= {e.id for e in load_watchlist(SEEDS_DIR / "watchlist.toml").entities}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) == rows_wanted
    assert {r["split"] for r in rows} == splits
    for r in rows:
        assert r["source"] == "written" and r["text"] and r["date"]
        for d in r["deals"]:
            assert {d["investor"], d["target"]} <= known, (r["id"], d)
            for member in d.get("roles", {}):
                assert member in known, (r["id"], member)


ROUNDS = DATA / "deals_rounds.jsonl"
ROUNDS_WATCHLIST = DATA / "deals_rounds_watchlist.toml"


@pytest.mark.parametrize(
    ("split", "precision", "recall"),
    [
        # Round 8 (docs/deals.md): rounds told across sentences. check13 scored blind (0.848 /
        # 0.161 before the round, 0.935 / 0.500 after its first rules), then tuned on; check14,
        # written by another session, scored once at the end and never read (0.737 / 0.081
        # before, 0.948 / 0.526 after).
        ("check13", 0.95, 0.74),
        ("check14", 0.94, 0.52),
    ],
)
def test_rounds_set_floors(split: str, precision: float, recall: float) -> None:
    from flows.eval_deals import DealScores

    scores = scores_by_split(ROUNDS, ROUNDS_WATCHLIST, (split,))[split]
    assert isinstance(scores, DealScores) and scores.sentences == 70
    assert scores.overall.precision >= precision, scores.errors
    assert scores.overall.recall >= recall, scores.errors


def test_rounds_set_is_well_formed() -> None:
    # the fresh sets' parties, and the eight these sets add
    assert_well_formed(ROUNDS, ROUNDS_WATCHLIST, FRESH_WATCHLIST, 140, {"check13", "check14"})

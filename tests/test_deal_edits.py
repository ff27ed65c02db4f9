"""`labwatch eval deals --edits` (flows/deal_edits.py): the edits themselves, the floors the
finder keeps on the deals gold set under each of them, and the command."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from extractors.deals import find_deals
from extractors.entities import Tagger, load_watchlist
from extractors.records import Deal, Mention
from flows import deal_edits as de
from flows.eval_deals import load_gold
from seeds import SEEDS_DIR

DATA = Path(__file__).parent / "data"
TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def edit(name: str, text: str, parties: set[str], seed: str = "x") -> str | None:
    return de.EDITS[name](text, TAGGER.tag(text), frozenset(parties), random.Random(seed))


def test_a_name_is_dressed_where_english_allows_it() -> None:
    text = "Amazon invested $4 billion in Anthropic."
    placed = edit("place's", text, {"amazon", "anthropic"})
    assert placed in [
        text.replace(name, f"{place} {name}")
        for name in ("Amazon", "Anthropic")
        for place in de._PLACES
    ]
    # not after "the" or a possessive, nor inside a name: no place to put it
    assert edit("place's", "the Anthropic deal closed.", {"anthropic"}) is None
    assert edit("place's", "Google Cloud's Anthropic deal.", {"anthropic"}) is None
    # a sentence's first word gets its capital
    first = edit("title", "Anthropic raised money from Amazon.", {"anthropic"})
    assert first is not None and first[0].isupper() and " Anthropic raised" in first


def test_an_appositive_goes_after_a_name_a_verb_follows_and_not_in_a_list() -> None:
    assert edit("appositive", "Amazon invested in Anthropic.", {"amazon"}) == (
        "Amazon, a company based in London, invested in Anthropic."
    )
    # in a list it would read as another item
    assert edit("appositive", "Nvidia and Amazon invested in Anthropic.", {"amazon"}) is None


def test_a_legal_form_or_a_listing_is_not_put_before_a_noun() -> None:
    assert edit("legal form", "Nvidia chips power the site.", {"nvidia"}) is None
    listed = edit("listing", "Amazon invested in Anthropic.", {"amazon"})
    assert listed is not None and listed.startswith("Amazon (") and ") invested" in listed


def test_an_adverb_goes_between_a_party_and_its_verb() -> None:
    got = edit("adverb", "Amazon has invested in Anthropic.", {"amazon"})
    assert (
        got is not None
        and got.startswith("Amazon has ")
        and got.endswith(" invested in Anthropic.")
    )
    assert edit("reportedly", "Amazon invested in Anthropic.", {"amazon"}) == (
        "Amazon reportedly invested in Anthropic."
    )


def test_an_amount_is_written_another_way() -> None:
    got = edit("amount", "Amazon invested $4 billion in Anthropic.", {"amazon"})
    assert got in (
        "Amazon invested $4bn in Anthropic.",
        "Amazon invested US$4 billion in Anthropic.",
        "Amazon invested 4 billion dollars in Anthropic.",
    )


def test_the_same_run_gives_the_same_edits() -> None:
    text = "Amazon invested $4 billion in Anthropic, and Google invested in Anthropic too."
    parties = {"amazon", "anthropic", "google"}
    assert [edit(n, text, parties, "s1") for n in de.EDITS] == [
        edit(n, text, parties, "s1") for n in de.EDITS
    ]


def test_a_finder_that_reads_only_bare_names_loses_the_dressed_ones() -> None:
    """The measure can fail: a finder that reads "X invested in Y" only with nothing before Y
    keeps none of the deals a place's possessive dresses."""
    gold = [s for s in load_gold(DATA / "deals_gold.jsonl") if "invest" in s.text][:40]
    watchlist = load_watchlist(SEEDS_DIR / "watchlist.toml", DATA / "deals_gold_watchlist.toml")
    tagger = Tagger(watchlist)

    def strict(text: str, mentions: Sequence[Mention], day: date | None) -> list[Deal]:
        found = find_deals(text, mentions, watchlist.ancestors, day)
        names = {m.entity: m.start for m in mentions}
        return [d for d in found if text[max(0, names.get(d.target, 0) - 3) :].startswith("in ")]

    scores = de.evaluate_edits(gold, tagger, strict, {"place's": de.EDITS["place's"]})
    count = scores.edits["place's"]
    assert count.deals > 0 and count.share < 0.5


@pytest.fixture(scope="module")
def gold_scores() -> de.EditScores:
    watchlist = load_watchlist(SEEDS_DIR / "watchlist.toml", DATA / "deals_gold_watchlist.toml")
    tagger = Tagger(watchlist)
    return de.evaluate_edits(load_gold(DATA / "deals_gold.jsonl"), tagger)


@pytest.mark.parametrize("name", list(de.EDITS))
def test_the_finder_keeps_its_deals_under_each_edit(name: str, gold_scores: de.EditScores) -> None:
    # floors a little under the figures of docs/deals.md, "Round 11" (0.98-1.00 on this set;
    # before the round 0.71 for a place's possessive, 0.75-0.76 for a title, a place it is
    # based in, or a listing)
    count = gold_scores.edits[name]
    assert count.texts >= 100, count
    assert count.share >= 0.97, [x for x in gold_scores.losses if x.edit == name]


def test_the_edits_add_few_deals(gold_scores: de.EditScores) -> None:
    assert gold_scores.overall.added <= 8, [x for x in gold_scores.losses if x.added]


def test_labwatch_eval_deals_edits_prints_a_row_per_edit(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "t1", "split": "tune", "text": "Amazon invested $4 billion in "
                    "Anthropic.", "deals": [{"kind": "investment", "investor": "amazon",
                    "target": "anthropic", "amount": 4e9}]}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "eval", "deals", "--gold", str(gold), "--edits",
         "--format", "json", "--home", str(tmp_path / "home")],
        capture_output=True, text=True, check=False, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out["edits"]) == {*de.EDITS, "all"}
    assert out["edits"]["all"]["deals"] == str(sum(int(out["edits"][n]["deals"]) for n in de.EDITS))
    assert int(out["edits"]["place's"]["texts"]) == 1

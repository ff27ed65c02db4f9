"""The deal model beside the rules (extractors/deal_model.py, setting `deal_model`): what it
adds, what it leaves to the rules, its measure on the parts nobody read, and that the shipped
model is what flows/train_deal_model.py makes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from extractors.deal_model import MODEL_PATH, DealModel, by_sentence, load_model, sentence_pairs
from extractors.deals import find_deals
from extractors.entities import Tagger
from extractors.text import sentence_spans
from extractors.watchlist import load_watchlist
from flows import train_deal_model as T
from flows.eval_deals import default_finder, evaluate_deals, load_gold
from flows.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TAGGER = Tagger(load_watchlist(ROOT / "seeds" / "watchlist.toml"))


def deals(text: str, learned: bool) -> set[tuple[str, str, str]]:
    found = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors, learned=learned)
    return {(d.kind, d.investor, d.target) for d in found}


# Sentences written for this test in forms no rule reads; the model reads each as a deal.
READ_BY_THE_MODEL_ONLY = [
    (
        "Mistral AI has tapped CoreWeave to supply a cluster of 18,000 Nvidia GPUs for its "
        "next models.",
        ("compute", "coreweave", "mistral-ai"),
    ),
    (
        "Anthropic leans on Amazon Web Services for most of the computing power behind Claude.",
        ("compute", "aws", "anthropic"),
    ),
    (
        "Perplexity, which counts Nvidia among the holders of its shares, launched a browser.",
        ("investment", "nvidia", "perplexity"),
    ),
    (
        "xAI's Grok models are now on offer to customers of Microsoft's Azure AI Foundry.",
        ("distribution", "azure", "xai"),
    ),
]


@pytest.mark.parametrize(("text", "deal"), READ_BY_THE_MODEL_ONLY)
def test_the_model_reads_deals_no_rule_reads(text: str, deal: tuple[str, str, str]) -> None:
    assert deals(text, learned=False) == set()
    assert deals(text, learned=True) == {deal}


def test_a_model_deal_has_the_sentence_and_its_status_but_no_amount() -> None:
    text = (
        "OpenAI said on Monday its revenue doubled. Mistral AI has tapped CoreWeave to supply "
        "a cluster of 18,000 Nvidia GPUs for $400 million, people familiar said."
    )
    (deal,) = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors, learned=True)
    assert deal.evidence == text[text.index("Mistral") :]
    assert deal.start == text.index("Mistral")
    # which money goes with which deal is the rules' work: the model says none
    assert (deal.amount_usd, deal.amount, deal.roles) == (None, None, ())
    talks = "Mistral AI is in talks to tap CoreWeave for a cluster of 18,000 Nvidia GPUs."
    (told,) = find_deals(talks, TAGGER.tag(talks), TAGGER.watchlist.ancestors, learned=True)
    assert told.status == "in_talks"


def test_a_pair_the_rules_read_keeps_the_rules_reading() -> None:
    # the rules read a distribution to Microsoft's cloud; the model would add a partnership
    # with Microsoft itself, the same pair by its company
    text = "xAI struck a deal with Microsoft to bring Grok to Azure."
    assert (
        deals(text, learned=True)
        == deals(text, learned=False)
        == {("distribution", "azure", "xai")}
    )


@pytest.mark.parametrize(
    "text",
    [
        "Microsoft said it would not form a joint venture with OpenAI.",
        "Microsoft did not invest in Mistral AI, the company said.",
    ],
)
def test_a_negated_stretch_adds_nothing(text: str) -> None:
    assert deals(text, learned=True) == set()


def test_on_unless_turned_off(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline's default (the setting, and an analysis's default budget) reads with the
    model; `find_deals` alone, the library call the rules' tests make, reads the rules."""
    from extractors.analyse import analyse
    from extractors.budget import Budget
    from extractors.records import FeedEntry, PageInput

    text = READ_BY_THE_MODEL_ONLY[0][0]
    found = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    assert found == []  # find_deals's default: the rules alone
    entry = FeedEntry("https://x.example/a", "", "https://x.example/a", None, "", text, "")
    by_default = analyse(PageInput(entry), TAGGER).deals
    assert [(d.kind, d.found_by) for d in by_default] == [("compute", "model")]
    assert analyse(PageInput(entry), TAGGER, Budget(deal_model=False)).deals == ()
    assert load_settings(home).deal_model is True
    monkeypatch.setenv("LABWATCH_DEAL_MODEL", "false")
    assert load_settings(home).deal_model is False


def test_pairs_are_every_two_parties_of_a_sentence_at_their_nearest_mentions() -> None:
    text = "OpenAI met Google. Later Anthropic, Amazon and OpenAI talked; Amazon left. Bye."
    spans = sentence_spans(text)
    ordered = sorted(TAGGER.tag(text), key=lambda m: m.start)
    pairs = [(p.sentence, p.x.entity, p.y.entity, p.x.start) for p in
             sentence_pairs(text, spans, by_sentence(ordered, spans))]  # fmt: skip
    second = text.index("Later")
    assert pairs == [
        (0, "openai", "google", 0),
        (1, "anthropic", "amazon", text.index("Anthropic")),
        (1, "anthropic", "openai", text.index("Anthropic")),
        # the Amazon nearest OpenAI is the first (the second is as near, and later)
        (1, "amazon", "openai", text.index("Amazon", second)),
    ]


def test_the_model_file_round_trips() -> None:
    model = load_model()
    with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as f:
        data = json.load(f)
    assert DealModel.from_json(data) == model
    assert DealModel.from_json(json.loads(json.dumps(model.to_json()))) == model
    assert model.threshold == T.THRESHOLD and len(model.labels) >= 9


def test_the_shipped_model_is_what_training_makes(tmp_path: Path) -> None:
    """Anyone can make the model again from the labelled sets: byte for byte. A change to the
    features, the sets or the training fails here until the model is trained again
    (`python -m flows.train_deal_model`)."""
    out = tmp_path / "model.json.gz"
    assert T.main(["--out", str(out)]) == 0
    assert out.read_bytes() == MODEL_PATH.read_bytes()


@pytest.mark.parametrize(
    ("gold", "extra"),
    [
        ("deals_articles4.jsonl", "deals_articles4_watchlist.toml"),
        ("deals_articles5.jsonl", "deals_articles5_watchlist.toml"),
        ("deals_articles6.jsonl", "deals_articles6_watchlist.toml"),
        ("deals_review_model.jsonl", "deals_review_model_watchlist.toml"),
    ],
)
def test_training_never_sees_the_parts_nobody_read(gold: str, extra: str) -> None:
    assert T.examples(DATA / gold, DATA / extra) == []  # all its parts are held out
    assert all(s.split in T.HELD_OUT for s in load_gold(DATA / gold))
    assert gold not in {g for g, _ in T.SETS}


def test_on_texts_written_to_trap_it_the_model_still_gains() -> None:
    """tests/data/deals_review_model.jsonl: 100 texts written to break a word-based reader
    (customers, rivals, negations, direction traps, lists, famous pairs), scored per text:
    the rules 45 / 5 / 70, with the model 70 / 9 / 45."""
    tagger = Tagger(
        load_watchlist(
            ROOT / "seeds" / "watchlist.toml", DATA / "deals_review_model_watchlist.toml"
        )
    )
    gold = load_gold(DATA / "deals_review_model.jsonl")
    rules = evaluate_deals(gold, default_finder(tagger, False)).overall
    model = evaluate_deals(gold, default_finder(tagger, True)).overall
    assert model.recall >= 0.59 and model.precision >= 0.87, (model, rules)
    assert model.tp - rules.tp >= 3 * (model.fp - rules.fp), (model, rules)


# The parts written blind and never read (tests/data/README.md), with their watchlists.
NEVER_READ = [
    ("deals_articles2.jsonl", "deals_articles2_watchlist.toml", {"articles16"}),
    ("deals_articles3.jsonl", "deals_articles3_watchlist.toml", {"articles18"}),
    ("deals_articles4.jsonl", "deals_articles4_watchlist.toml",
     {"articles19", "articles20", "articles21", "articles22"}),
    # written after the model was built, scored once
    ("deals_articles5.jsonl", "deals_articles5_watchlist.toml", {"articles23", "articles24"}),
]  # fmt: skip


def test_on_the_parts_nobody_read_the_model_finds_more_and_stays_precise() -> None:
    """docs/deals.md, "A model beside the rules": rules 414 / 61 / 861 (P 0.872, R 0.325),
    with the model 576 / 120 / 699 (P 0.828, R 0.452)."""
    totals = {False: [0, 0, 0], True: [0, 0, 0]}
    for gold_file, extra, parts in NEVER_READ:
        tagger = Tagger(load_watchlist(ROOT / "seeds" / "watchlist.toml", DATA / extra))
        gold = [s for s in load_gold(DATA / gold_file) if s.split in parts]
        for learned in (False, True):
            scores = evaluate_deals(gold, default_finder(tagger, learned), per_text=True)
            o = scores.overall
            totals[learned] = [
                a + b for a, b in zip(totals[learned], (o.tp, o.fp, o.fn), strict=True)
            ]
    (rtp, rfp, rfn), (mtp, mfp, mfn) = totals[False], totals[True]
    assert rtp + rfn == mtp + mfn  # the same gold deals
    recall, precision = mtp / (mtp + mfn), mtp / (mtp + mfp)
    assert recall >= 0.44 and precision >= 0.82, totals
    assert recall >= rtp / (rtp + rfn) + 0.11, totals
    # each deal the model adds is right more often than not by a margin
    assert (mtp - rtp) >= 2.5 * (mfp - rfp), totals


def test_on_the_articles_written_to_decide_its_default_it_adds_four_right_to_one_wrong() -> None:
    """tests/data/deals_articles6.jsonl (articles25 and articles26, written blind in session 38
    and scored once each way; docs/deals.md, "On by default, its deals marked"): the rules
    140 / 19 / 238 (P 0.881, R 0.370), with the model 200 / 34 / 178 (P 0.855, R 0.529)."""
    tagger = Tagger(
        load_watchlist(ROOT / "seeds" / "watchlist.toml", DATA / "deals_articles6_watchlist.toml")
    )
    gold = load_gold(DATA / "deals_articles6.jsonl")
    rules = evaluate_deals(gold, default_finder(tagger, False), per_text=True).overall
    model = evaluate_deals(gold, default_finder(tagger, True), per_text=True).overall
    assert model.recall >= 0.50 and model.precision >= 0.84, (model, rules)
    assert model.recall >= rules.recall + 0.13, (model, rules)
    assert model.tp - rules.tp >= 3 * (model.fp - rules.fp), (model, rules)


SENTENCE = (
    "Mistral AI has tapped CoreWeave to supply a cluster of {k},000 Nvidia GPUs for its models."
)


def fill_with_the_sentence(home: Path, n: int) -> None:
    """`n` articles, the seeds' texts each opening with a sentence only the model reads,
    stored as the rules alone read them."""
    from datetime import UTC, datetime

    from extractors.analyse import analyse
    from extractors.budget import Budget
    from extractors.records import FeedEntry, PageInput
    from flows import rows
    from tests.helpers import SEED_SLUGS, seed_html, seed_text
    from warehouse.append import record_watchlist
    from warehouse.articles import append_batch
    from warehouse.database import open_warehouse

    when = datetime(2025, 5, 13, tzinfo=UTC)
    settings = load_settings(home)
    tagger = Tagger(settings.load_watchlist())
    analysed = []
    for k in range(n):
        slug = SEED_SLUGS[k % 2]
        head = seed_text(slug)[:30].encode()  # the body's first words
        html = seed_html(slug).replace(head, f"{SENTENCE.format(k=k + 10)} ".encode() + head, 1)
        url = f"https://time.example/{slug}-{k}"
        entry = FeedEntry(url, f"{slug} {k}", url, when, "", "", "")
        analysed.append(analyse(PageInput(entry, url, html), tagger, Budget(deal_model=False)))
    arts, mentions, found = rows.article_rows(analysed, "r", when, tagger.watchlist.version)
    with open_warehouse(settings.warehouse) as con:
        record_watchlist(con, rows.entity_rows(tagger.watchlist))
        append_batch(con, arts, [], mentions, found)


def model_deals_stored(home: Path) -> list[tuple[object, ...]]:
    """The stored reports of the deal only the model reads, and (migration 0023) that every
    deal is marked with who found it: the model's that one, the rules' every other."""
    from warehouse.database import open_warehouse

    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        marks = con.execute(
            "SELECT (kind, investor_id, target_id) = ('compute', 'coreweave', 'mistral-ai')"
            " AS ours, list(DISTINCT found_by ORDER BY found_by) FROM deals GROUP BY ours"
        ).fetchall()
        assert dict(marks).get(False) == ["rules"]  # the seed articles' deals
        assert dict(marks).get(True, ["model"]) == ["model"]
        ledger = con.execute(
            "SELECT (kind, investor, target) = ('compute', 'coreweave', 'mistral-ai') AS ours,"
            " list(DISTINCT found_by ORDER BY found_by) FROM v_deals GROUP BY ours"
        ).fetchall()
        assert dict(ledger) == {k: v for k, v in marks}
        return con.execute(
            "SELECT amount_usd, status, evidence LIKE '%Mistral AI has tapped CoreWeave%' FROM deals"
            " WHERE (kind, investor_id, target_id) = ('compute', 'coreweave', 'mistral-ai')"
        ).fetchall()


def test_a_deal_the_rules_also_report_is_the_rules_in_the_ledger(tmp_path: Path) -> None:
    """A deal of the ledger is the model's only when no report of it is the rules': a deal
    the model read in one article and the rules in another is the rules'. The weekly digest
    and the web mark the model's deals and no other, in Markdown and in HTML."""
    from dataclasses import replace

    from extractors.records import Deal
    from flows import rows
    from flows.digest_render import render_html, render_markdown
    from tests.test_warehouse import NOW, article
    from warehouse.append import record_watchlist
    from warehouse.articles import append_batch
    from warehouse.database import open_warehouse
    from warehouse.digest_queries import digest_data
    from warehouse.web_queries import article_deals, deals

    def deal(kind: str, investor: str, target: str, by: str, words: str) -> Deal:
        return Deal(kind, investor, target, None, None, "", None, words, 0, found_by=by)

    both = "Mistral AI has tapped CoreWeave for GPUs."
    only = "Cohere leans on Oracle <b>for</b> its compute."
    stored = [
        ("a", [deal("compute", "coreweave", "mistral-ai", "model", both)]),
        ("b", [deal("compute", "coreweave", "mistral-ai", "rules", both),
               deal("compute", "oracle", "cohere", "model", only)]),
    ]  # fmt: skip
    with open_warehouse(tmp_path / "w.duckdb") as con:
        record_watchlist(con, rows.entity_rows(TAGGER.watchlist))
        for name, found in stored:
            append_batch(con, [article(name)], [], [], rows.deal_rows(name, found))
        ledger = con.execute("SELECT investor, found_by FROM v_deals ORDER BY 1").fetchall()
        assert ledger == [("coreweave", "rules"), ("oracle", "model")]
        reports = con.execute("SELECT article_id, investor_id, found_by FROM deals ORDER BY 1, 2")
        assert reports.fetchall() == [
            ("a", "coreweave", "model"), ("b", "coreweave", "rules"), ("b", "oracle", "model")
        ]  # fmt: skip
        assert [d["found_by"] for d in article_deals(con, "b")] == ["rules", "model"]
        assert {d["investor"]: d["found_by"] for d in deals(con)[1]} == {
            "coreweave": "rules", "oracle": "model"
        }  # fmt: skip
        data = digest_data(con, NOW.strftime("%G-W%V"), NOW)
    assert {d.investor: d.found_by for d in data.deals} == {"coreweave": "rules", "oracle": "model"}
    md = render_markdown(data)
    assert md.count("read by the model") == 1
    marked = next(line for line in md.splitlines() if "read by the model" in line)
    assert "Oracle" in marked and "CoreWeave" not in marked
    html = render_html(data)
    assert html.count("read by the model") == 1
    assert "&lt;b&gt;for&lt;/b&gt;" in html and "<b>for</b>" not in html  # evidence escaped
    # The week's summary names a rules' deal as its largest new one, and a model deal only
    # with its mark.
    assert "The largest new deal: CoreWeave → Mistral AI" in " ".join(md.split())
    alone = render_markdown(replace(data, deals=[d for d in data.deals if d.found_by == "model"]))
    alone = " ".join(alone.replace("\\", "").split())  # wrapped lines, escaped brackets
    assert (
        "The one new deal: Oracle → Cohere, compute, undisclosed (1 source, read by the model)."
        in alone
    )


def test_retag_with_the_setting_stores_the_model_deals_and_without_it_takes_them_out(
    home: Path,
) -> None:
    """The setting reaches the analysis on the pool's workers (nine articles, two workers)
    and in one process (one worker), and a retag without it leaves the rules' deals."""
    from tests.test_cli import labwatch

    fill_with_the_sentence(home, 9)
    assert model_deals_stored(home) == []
    toml = home / "labwatch.toml"
    plain = toml.read_text(encoding="utf-8") if toml.exists() else ""
    for workers in (2, 1):
        toml.write_text(plain + f"deal_model = true\nworkers = {workers}\n", encoding="utf-8")
        out = labwatch("retag", home=home)
        assert out.returncode == 0, out.stderr
        assert model_deals_stored(home) == [(None, "reported", True)] * 9, workers
        toml.write_text(plain + f"deal_model = false\nworkers = {workers}\n", encoding="utf-8")
        out = labwatch("retag", home=home)
        assert out.returncode == 0, out.stderr
        assert model_deals_stored(home) == []


def test_the_web_filters_the_ledger_by_who_found_a_deal(tmp_path: Path) -> None:
    """`labwatch web`'s deals page and `/api/deals` take `found_by` (rules or model); the
    page marks the model's deal and offers the filter; another value is refused."""
    import json

    from extractors.records import Deal
    from flows import rows
    from tests.test_warehouse import article
    from tests.test_web import get, text_of, web_process
    from warehouse.append import record_watchlist
    from warehouse.articles import append_batch
    from warehouse.database import open_warehouse

    def deal(kind: str, investor: str, target: str, by: str) -> Deal:
        return Deal(kind, investor, target, None, None, "", None, "Words.", 0, found_by=by)

    home = tmp_path / "home"
    home.mkdir()
    with open_warehouse(home / "labwatch.duckdb") as con:
        record_watchlist(con, rows.entity_rows(TAGGER.watchlist))
        found = [deal("compute", "coreweave", "mistral-ai", "rules"),
                 deal("compute", "oracle", "cohere", "model")]  # fmt: skip
        append_batch(con, [article("a")], [], [], rows.deal_rows("a", found))
    with web_process(home) as (base, _):
        shown = {  # the page below its filters (whose lists name every entity)
            by: text_of(get(f"{base}/deals?found_by={by}")[2]).split(" Filter ", 1)[1]
            for by in ("", "rules", "model")
        }
        assert "CoreWeave" in shown[""] and "Oracle" in shown[""] and "(model)" in shown[""]
        assert "CoreWeave" in shown["rules"] and "Oracle" not in shown["rules"]
        assert "Oracle" in shown["model"] and "CoreWeave" not in shown["model"]
        assert 'name="found_by"' in get(f"{base}/deals")[2]
        status, _, data = get(f"{base}/api/deals?found_by=model")
        listed = json.loads(data)["items"]
        assert status == 200 and [(d["investor"], d["found_by"]) for d in listed] == [
            ("oracle", "model")
        ]
        status, _, csv_text = get(f"{base}/api/deals?found_by=rules&format=csv")
        assert status == 200 and "coreweave" in csv_text and "oracle" not in csv_text
        assert get(f"{base}/deals?found_by=guess")[0] == 400


@pytest.mark.flow
@pytest.mark.timeout(600)
def test_an_ingest_with_the_setting_stores_the_model_deals(tmp_path: Path, httpserver) -> None:  # type: ignore[no-untyped-def]
    """A real ingest (a loopback feed of nine pages, a pool of two workers): with
    `deal_model` the sentence only the model reads is a deal of every page; without, none."""
    from flows.ingest import run_ingest
    from tests.helpers import rss_feed, seed_paragraphs, story_item, story_page

    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = seed_paragraphs()
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss_feed("feed", (story_item(base, n) for n in range(9))),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for n in range(9):
        text = [SENTENCE.format(k=n + 10), *paragraphs[n : n + 4]]
        httpserver.expect_request(f"/a/{n}").respond_with_data(
            story_page(n, f"number {n}", text), content_type="text/html"
        )
    for on in (True, False):
        home = tmp_path / f"model-{on}"
        home.mkdir()
        overrides = {"allowed_private_hosts": [f"127.0.0.1:{httpserver.port}"],
                     "min_host_interval": 0, "workers": 2, "deal_model": on}  # fmt: skip
        summary = run_ingest(feed_urls=[base + "/feed.xml"], home=str(home), overrides=overrides)
        assert summary["articles_new"] == 9
        assert model_deals_stored(home) == ([(None, "reported", True)] * 9 if on else []), on

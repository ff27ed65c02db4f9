"""Per-page budgets: run-on text split into bounded sentences, mention contexts as bounded
windows, text past the analysed length, and a time budget that stops deal finding but keeps
mentions (issue 21). Time is never asserted: the work is bounded by construction, which is
what these tests check; benchmarks/hostile.py measures the real command."""

from __future__ import annotations

import itertools
import os
import random
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractors.analyse import analyse, tag_text
from extractors.budget import (
    CONTEXT_CHARS,
    DEAL_CHUNK_CHARS,
    DEAL_CHUNK_MENTIONS,
    MAX_TEXT_CHARS,
    Budget,
    context,
    deal_chunks,
    deals_within,
)
from extractors.deals import find_deals
from extractors.entities import Tagger, load_watchlist
from extractors.records import FeedEntry, PageInput
from extractors.text import MAX_SENTENCE_CHARS, sentence_spans, split_run_on
from flows import rows
from seeds import SEEDS_DIR
from tests.helpers import SEED_SLUGS, seed_html, seed_text
from warehouse.articles import append_batch
from warehouse.database import open_warehouse

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))
RUN_ON = "Anthropic and OpenAI and Microsoft said words about Google and Amazon and things "
WHEN = datetime(2025, 11, 30, 9, 0, tzinfo=UTC)


def run_on(chars: int) -> str:
    """One sentence naming entities, with no full stop, as the issue's hostile page."""
    return (RUN_ON * (chars // len(RUN_ON) + 1))[:chars]


def entry(url: str = "https://news.example/a", **fields: object) -> FeedEntry:
    values: dict[str, object] = {
        "url": url, "title": "A title", "guid": url, "published": WHEN, "author": "",
        "summary": "", "content": "",
    }  # fmt: skip
    values.update(fields)
    return FeedEntry(**values)  # type: ignore[arg-type]


def test_run_on_text_is_cut_into_bounded_pieces_at_clause_boundaries() -> None:
    text = run_on(50_000)
    spans = sentence_spans(text)
    assert len(spans) >= 50_000 // MAX_SENTENCE_CHARS
    assert all(0 < e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    # In order, without overlap, and nothing but whitespace between pieces.
    assert all(a[1] <= b[0] and not text[a[1] : b[0]].strip() for a, b in itertools.pairwise(spans))
    assert spans[0][0] == 0 and spans[-1][1] == len(text.rstrip())
    # Cut before a conjunction (the text has no commas), never inside a word.
    assert all(text[s:].startswith("and ") for s, _ in spans[1:])


def test_run_on_pieces_prefer_the_strongest_boundary_then_a_space_then_a_hard_cut() -> None:
    clauses = "; ".join(["words, more words, and yet more words"] * 100)
    pieces = split_run_on(clauses, 0, len(clauses), 200)
    assert all(clauses[s:e].endswith(";") for s, e in pieces[:-1])
    spaces = " ".join(["word"] * 1000)
    pieces = split_run_on(spaces, 0, len(spaces), 200)
    assert all(e - s <= 200 for s, e in pieces)
    assert all(spaces[s:e].startswith("word") and spaces[s:e].endswith("word") for s, e in pieces)
    token = "x" * 1000
    assert split_run_on(token, 0, 1000, 300) == [(0, 300), (300, 600), (600, 900), (900, 1000)]


def test_real_sentences_are_not_split() -> None:
    for slug in SEED_SLUGS:
        text = seed_text(slug)
        assert sentence_spans(text) == sentence_spans(text, max_chars=len(text))


def test_context_is_a_window_of_whole_words_around_the_mention() -> None:
    sentence = "Mistral AI " + " ".join(f"word{n}" for n in range(200)) + " Anthropic ends it"
    start = sentence.index("word100")
    end = start + len("word100")
    words = context(sentence, (0, len(sentence)), start, end, 80)
    assert len(words) <= 80 and "word100" in words
    assert words.startswith("…") and words.endswith("…")
    inner = words.strip("…")
    assert inner in sentence
    at = sentence.index(inner)
    assert sentence[at - 1] == " " and sentence[at + len(inner)] == " "  # whole words
    # At the sentence's start, the window reaches to it, with no mark there.
    head = context(sentence, (0, len(sentence)), 0, len("Mistral AI"), 80)
    assert head.startswith("Mistral AI word0") and head.endswith("…") and len(head) <= 80
    # A short sentence is its own context.
    assert context("OpenAI ships.", (0, 13), 0, 6, 80) == "OpenAI ships."


def test_a_single_sentence_summary_stores_bounded_contexts(tmp_path: Path) -> None:
    # The case: a 100 KB single-sentence feed summary full of entity names, its page
    # failing; each mention used to carry the whole 100 KB sentence.
    item = PageInput(entry(summary=run_on(100_000)), page_error="HTTP 404")
    article = analyse(item, TAGGER)
    assert len(article.mentions) > 5000
    assert all(len(m.sentence) <= CONTEXT_CHARS and m.text in m.sentence for m in article.mentions)
    assert sum(len(m.sentence) for m in article.mentions) <= CONTEXT_CHARS * len(article.mentions)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        arts, mentions, deals = rows.article_rows([article], "run", WHEN, "v")
        append_batch(con, arts, [], mentions, deals)
        stored = con.execute("SELECT count(*), max(length(sentence)) FROM mentions").fetchone()
    assert stored == (len(article.mentions), max(len(m.sentence) for m in article.mentions))


def test_text_past_the_analysed_length_is_stored_not_analysed() -> None:
    text = "Anthropic ships models. " * (MAX_TEXT_CHARS // 10)
    item = PageInput(entry(content=text), page_error="HTTP 404")
    article = analyse(item, TAGGER, Budget(seconds=float("inf")))
    assert article.text == text  # stored whole
    assert MAX_TEXT_CHARS - 30 < max(m.end for m in article.mentions) <= MAX_TEXT_CHARS
    assert re.fullmatch(
        rf"text analysed up to character [\d,]+ of {len(text):,}", article.analysis_note
    )


def test_a_page_over_its_time_budget_keeps_mentions_skips_deals_and_says_so(
    tmp_path: Path,
) -> None:
    page = PageInput(entry(published=None), "https://news.example/a", seed_html(SEED_SLUGS[0]))
    full = analyse(page, TAGGER, Budget(seconds=float("inf")))
    assert full.deals and not full.analysis_note
    over = analyse(page, TAGGER, Budget(seconds=0))
    assert over.mentions == full.mentions
    assert over.deals == ()
    assert over.analysis_note == "over the 0 s analysis budget (CPU time): deal finding skipped"
    with open_warehouse(tmp_path / "w.duckdb") as con:
        arts, mentions, deals = rows.article_rows([over], "run", WHEN, "v")
        append_batch(con, arts, [], mentions, deals)
        stored = con.execute(
            "SELECT a.analysis_note, (SELECT count(*) FROM mentions), (SELECT count(*) FROM deals)"
            " FROM articles a"
        ).fetchone()
    assert stored == (over.analysis_note, len(full.mentions), 0)


def test_deals_found_run_by_run_are_the_deals_of_the_whole_text() -> None:
    # Both seeds in one text: more than one run of sentences, deals in each.
    text = seed_text(SEED_SLUGS[0]) + "\n\n" + seed_text(SEED_SLUGS[1])
    found = TAGGER.tag(text)
    spans = sentence_spans(text)
    assert len(list(deal_chunks(spans, [m.start for m in found]))) > 1
    whole = find_deals(text, found, TAGGER.watchlist.ancestors)
    runs, reached = deals_within(text, found, spans, TAGGER.watchlist.ancestors, None)
    assert runs == whole and reached == len(text)
    for deal in runs:
        assert text[deal.start : deal.start + len(deal.evidence)] == deal.evidence


@pytest.mark.parametrize("chars", [25_000, 50_000, 100_000])
def test_deal_finding_work_grows_linearly_with_the_text(chars: int) -> None:
    # find_deals costs (sentences x mentions) to place mentions and, per sentence, rules over
    # its length: bounded per run of sentences, so the total is linear in the text. Today's
    # main handed the whole run-on text to find_deals as one sentence (quadratic: 13 minutes
    # for 9 MB).
    text = run_on(chars)
    found = TAGGER.tag(text)
    spans = sentence_spans(text)
    starts = [m.start for m in found]
    work = 0
    for cs, ce in deal_chunks(spans, starts):
        inside = [s for s in spans if cs <= s[0] and s[1] <= ce]
        mentions = sum(cs <= m.start and m.end <= ce for m in found)
        assert ce - cs <= DEAL_CHUNK_CHARS + MAX_SENTENCE_CHARS
        assert mentions <= DEAL_CHUNK_MENTIONS + MAX_SENTENCE_CHARS // 2
        work += len(inside) * mentions + sum(e - s for s, e in inside)
    assert work <= 40 * chars


def test_tag_text_title_is_bounded_too() -> None:
    tags = tag_text(TAGGER, run_on(20_000), "OpenAI ships.")
    titled = [m for m in tags.mentions if m.in_title]
    assert titled and all(len(m.sentence) <= CONTEXT_CHARS for m in titled)


def test_context_windows_on_real_text_are_whole_sentences_when_short() -> None:
    text = seed_text(SEED_SLUGS[1])
    article = analyse(PageInput(entry(content=text), page_error="HTTP 404"), TAGGER)
    spans = sentence_spans(text)
    for m in article.mentions:
        if m.in_title:
            continue
        (s, e) = next(sp for sp in spans if sp[0] <= m.start < sp[1])
        if e - s <= CONTEXT_CHARS:
            assert m.sentence == text[s:e]
        else:
            assert len(m.sentence) <= CONTEXT_CHARS
            assert m.sentence.strip("…") in text


def test_context_always_holds_the_mention_within_the_width() -> None:
    rng = random.Random(21)
    words = ["a", "word", "OpenAI", "longerword", ",", "and", "  ", "x" * 40]
    for _ in range(2000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 120)))
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.randint(1, 12))
        width = rng.randint(20, 120)
        s = rng.randint(0, start)
        e = rng.randint(end, len(text))
        words_around = context(text, (s, e), start, end, width)
        assert text[start:end] in words_around
        assert len(words_around) <= max(width, end - start + 2)
        assert words_around.strip("…") in text


def test_text_past_the_stored_length_is_cut_and_said() -> None:
    text = "Anthropic ships models. " * 1000
    budget = Budget(text_chars=1_000, stored_chars=5_000, seconds=float("inf"))
    article = analyse(PageInput(entry(content=text), page_error="HTTP 404"), TAGGER, budget)
    assert 4_900 < len(article.text) <= 5_000 and text.startswith(article.text)
    assert max(m.end for m in article.mentions) <= 1_000
    notes = article.analysis_note.split("; ")
    assert notes[0] == f"text stored up to character {len(article.text):,} of {len(text):,}"
    assert re.fullmatch(rf"text analysed up to character [\d,]+ of {len(article.text):,}", notes[1])


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_a_busy_machine_does_not_cut_deal_finding() -> None:
    # Under load the process analysing a page waits for a core: wall-clock time passes, its
    # CPU time does not, and what is stored must not depend on the load (deal counts did).
    # Busy processes pinned to the one core this process is pinned to make it wait that way.
    # (Threads of this process would not do: a thread waiting for the interpreter lock
    # spends CPU time waking up to ask for it, some 20 times the page's own.)
    page = PageInput(entry(published=None), "https://news.example/a", seed_html(SEED_SLUGS[0]))
    analyse(page, TAGGER)  # imports and first-call costs, out of the measurement below
    cpu = time.thread_time()
    full = analyse(page, TAGGER, Budget(seconds=float("inf")))
    budget = Budget(seconds=3 * (time.thread_time() - cpu) + 0.01)  # room to spare
    assert full.deals
    cores = os.sched_getaffinity(0)
    core = {min(cores)}
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(HOGS)]
    try:
        for h in hogs:
            os.sched_setaffinity(h.pid, core)
        os.sched_setaffinity(0, core)
        started = time.monotonic()
        busy = analyse(page, TAGGER, budget)
        waited = time.monotonic() - started
    finally:
        os.sched_setaffinity(0, cores)
        for h in hogs:
            h.kill()
            h.wait()
    assert waited > budget.seconds  # on the wall's clock, the page is over its budget
    assert busy.deals == full.deals and busy.mentions == full.mentions
    assert busy.analysis_note == full.analysis_note == ""


# Processes sharing the analysing process's core: it gets about 1/(HOGS+1) of it, so its
# wall-clock time is some ten times its CPU time, three times the budget above.
HOGS = 9


def test_a_page_that_blocks_is_cut_by_the_wall_clock_backstop() -> None:
    page = PageInput(entry(published=None), "https://news.example/a", seed_html(SEED_SLUGS[0]))
    over = analyse(page, TAGGER, Budget(seconds=float("inf"), wall_seconds=0))
    assert over.deals == () and over.mentions
    assert over.analysis_note == "over the 0 s wall-clock backstop: deal finding skipped"

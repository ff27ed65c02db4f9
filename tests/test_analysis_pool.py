"""One article end to end (extract, fall back, tag, find deals), inline and on a process pool."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from extractors.analyse import FEED_CONTENT, FEED_SUMMARY, NONE, PAGE, analyse, sane_date
from extractors.entities import Tagger, load_watchlist
from extractors.records import FeedEntry, PageInput
from flows.analysis_pool import POOL_THRESHOLD, Analyser
from seeds import SEEDS_DIR
from tests.helpers import SEED_SLUGS, seed_html

WATCHLIST = load_watchlist(SEEDS_DIR / "watchlist.toml")


def entry(url: str = "https://example.com/story?utm_source=x", **fields: object) -> FeedEntry:
    values: dict[str, object] = {
        "url": url, "title": "Feed title on OpenAI", "guid": url,
        "published": datetime(2024, 5, 13, 11, 0, tzinfo=UTC), "author": "Feed Author",
        "summary": "Microsoft invested $1 billion in OpenAI, the summary says.", "content": "",
    }  # fmt: skip
    values.update(fields)
    return FeedEntry(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(WATCHLIST)


def test_page_text_with_feed_timestamp(tagger: Tagger) -> None:
    result = analyse(
        PageInput(entry(), "https://example.com/story", seed_html(SEED_SLUGS[1])), tagger
    )
    assert result.text_source == PAGE
    assert result.title == "AI Labs Are Fighting to Stay Ahead of Their Big Tech Backers"
    assert result.canonical_url == "https://example.com/story"
    assert result.page_canonical_url == "https://time.com/6978790/ai-labs-big-tech-backers/"
    # The page says 2024-05-13; the feed has the time of day on that same day.
    assert result.published == datetime(2024, 5, 13, 11, 0, tzinfo=UTC)
    body = [m for m in result.mentions if not m.in_title]
    assert len(body) == 85  # the counts of tests/test_entities.py, misspelt "Anthopic" included
    for m in body:
        assert result.text[m.start : m.end] == m.text
        assert m.text in m.sentence
    assert {(d.investor, d.target) for d in result.deals} >= {("microsoft", "openai")}


def test_failed_page_falls_back_to_feed_content_then_summary(tagger: Tagger) -> None:
    with_content = entry(content="Anthropic and Amazon agreed a deal, the full feed text says.")
    result = analyse(PageInput(with_content, page_error="HTTP 503"), tagger)
    assert (result.text_source, result.page_error) == (FEED_CONTENT, "HTTP 503")
    assert result.text.startswith("Anthropic and Amazon")
    result = analyse(PageInput(entry(), page_error="timed out"), tagger)
    assert result.text_source == FEED_SUMMARY
    assert [(d.investor, d.target, d.amount_usd) for d in result.deals] == [
        ("microsoft", "openai", 1e9)
    ]
    assert [m.entity for m in result.mentions if m.in_title] == ["openai"]
    result = analyse(PageInput(entry(summary=""), page_error="timed out"), tagger)
    assert (result.text_source, result.text) == (NONE, "")


@pytest.mark.parametrize(
    "html",
    [b"", b"\x00\xff\xfe garbage", b"<html><body>" + b"<div>" * 5000 + b"deep", b"<p>short</p>"],
)
def test_hostile_or_empty_pages_fall_back_with_a_reason(tagger: Tagger, html: bytes) -> None:
    result = analyse(PageInput(entry(), "https://example.com/story", html or b" "), tagger)
    assert result.text_source == FEED_SUMMARY
    assert result.page_error


def test_dates_are_sanity_checked() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    assert sane_date(datetime(2026, 11, 22, 20, tzinfo=UTC), now) is not None
    assert sane_date(datetime(2026, 11, 24, tzinfo=UTC), now) is None
    assert sane_date(datetime(1970, 1, 1, tzinfo=UTC), now) is None


def test_process_pool_gives_the_same_results_as_inline() -> None:
    pages = [
        PageInput(entry(f"https://example.com/{n}"), f"https://example.com/{n}", seed_html(slug))
        for n in range(POOL_THRESHOLD + 2)
        for slug in SEED_SLUGS
    ]
    with Analyser(WATCHLIST, workers=2) as pooled:
        on_pool = pooled(pages)
        assert pooled._pool is not None  # the pool was used, not the inline path
        # Submitted batches overlap; each comes back whole and in order, even a short one
        # once the pool is up, and this process never builds a tagger of its own.
        first, second = pooled.submit(pages[:10]), pooled.submit(pages[10:12])
        assert first.result() + second.result() == on_pool[:12]
        assert pooled._tagger is None
    inline = Analyser(WATCHLIST, workers=1)(pages)
    assert on_pool == inline


def test_pool_workers_import_only_what_analysing_needs() -> None:
    """A worker does not import its parent's main module again (here pytest's; for the
    ingest, flows.cli with its settings, HTTP and console libraries): issue 19's memory."""
    with Analyser(WATCHLIST, workers=2) as pooled:
        pooled(
            [PageInput(entry(), "https://example.com/story", seed_html(SEED_SLUGS[0]))]
            * POOL_THRESHOLD
        )
        # eval: a builtin, so the worker imports nothing more to run it.
        ask = "sorted(__import__('sys').modules), hasattr(__import__('__main__'), '__file__')"
        modules, main_file = pooled._executor().submit(eval, ask).result()
    assert "extractors.analyse" in modules and "flows.analysis_pool" in modules
    heavy = {"pytest", "_pytest", "flows.cli", "flows.settings", "pydantic", "httpx", "rich"}
    assert heavy.isdisjoint(modules), heavy & set(modules)
    assert {"prefect", "duckdb", "pyarrow"}.isdisjoint(modules)
    assert not main_file  # the fork server's own `-c` main, not a script's


# Run in a worker: an object its interpreter's teardown would finalise (`__main__`'s
# globals are cleared at exit), which says so on the worker's standard output.
TORN_DOWN = """
import os, sys
class _Torn:
    def __del__(self, write=os.write):
        write(1, b'torn down;')
if not hasattr(sys.modules['__main__'], '_torn'):
    sys.modules['__main__']._torn = _Torn()
"""


def test_a_worker_ends_with_its_output_flushed(capfd: pytest.CaptureFixture[str]) -> None:
    """A worker's exit skips the interpreter's teardown of its heap (flows/analysis_pool.py
    `_exit_at_once`: the run's closing step waited for it) but not what it printed, still
    in its buffer, and it exits with 0 once the pool is shut down."""
    with Analyser(WATCHLIST, workers=2) as pooled:
        pooled(
            [PageInput(entry(), "https://example.com/story", seed_html(SEED_SLUGS[0]))]
            * POOL_THRESHOLD
        )
        pool = pooled._executor()
        workers = list(pool._processes.values())  # type: ignore[attr-defined]
        # Output to a file (capfd's), not a terminal: held in the worker's buffer.
        for _ in range(len(workers) * 4):
            pool.submit(exec, TORN_DOWN).result()
            pool.submit(eval, "print('printed before exit', end='')").result()
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0
    out, _ = capfd.readouterr()
    assert "printed before exit" in out
    assert "torn down" not in out  # with the teardown, each worker that ran one says so

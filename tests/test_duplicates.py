"""One article per story: canonical URLs, exact duplicates, clusters of syndicated copies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from extractors.analyse import AnalysedArticle, analyse
from extractors.entities import Tagger, load_watchlist
from extractors.fingerprint import NEAR_DUPLICATE_BITS, distance, simhash
from extractors.records import FeedEntry, PageInput
from extractors.urls import same_site, url_key
from flows import rows
from flows.stories import STORY_RULE
from seeds import SEEDS_DIR
from tests.helpers import SEED_SLUGS, seed_html, seed_text
from tests.test_cli import labwatch
from warehouse.articles import append_batch
from warehouse.database import open_warehouse

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))
WHEN = datetime(2024, 5, 13, 11, 0, tzinfo=UTC)


def entry(url: str, title: str = "Feed title") -> FeedEntry:
    return FeedEntry(
        url=url, title=title, guid=url, published=WHEN, author="", summary="s", content=""
    )


def page(title: str, paragraphs: list[str], canonical: str = "") -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title>{link}</head><body><header><nav>Home | News</nav>"
        f"</header><article><h1>{title}</h1>{body}</article><footer>© Site</footer></body></html>"
    )


def analysed(url: str, html: str) -> AnalysedArticle:
    return analyse(PageInput(entry(url), url, html), TAGGER)


def store(db: duckdb.DuckDBPyConnection, items: list[tuple[str, AnalysedArticle]]) -> None:
    """Append analysed articles as the ingest flow does, each linked to its feed."""
    arts, mentions, deals = rows.article_rows([a for _, a in items], "r", WHEN, "v")
    links = [
        {"article_id": a.entry_key, "feed_id": feed, "entry_guid": a.url, "entry_title": a.title,
         "entry_published_at": WHEN, "first_seen_at": WHEN}
        for feed, a in items
    ]  # fmt: skip
    append_batch(db, arts, links, mentions, deals, stories=STORY_RULE)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        yield con


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://www.cnn.com/a", "https://cnn.com/b", True),
        ("https://edition.cnn.com/a", "https://cnn.com/b", True),
        ("https://cnn.com/a", "https://cnn.com.evil.example/b", False),
        ("https://cnn.com/a", "https://notcnn.com/b", False),
        ("https://cnn.com/a", "not a url", False),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same


def test_same_site_canonical_names_the_article() -> None:
    paragraphs = seed_text(SEED_SLUGS[0]).split("\n\n")
    amp = analysed(
        "https://news.example/amp/story?utm_source=x",
        page("Story", paragraphs, canonical="https://www.news.example/story"),
    )
    assert amp.canonical_url == "https://www.news.example/story"
    assert amp.article_id == url_key("https://www.news.example/story") != amp.entry_key
    foreign = analysed(
        "https://news.example/story", page("Story", paragraphs, canonical="https://other.example/x")
    )
    assert foreign.article_id == foreign.entry_key == url_key("https://news.example/story")


def test_one_story_through_two_urls_and_two_feeds_is_one_article(
    db: duckdb.DuckDBPyConnection,
) -> None:
    paragraphs = seed_text(SEED_SLUGS[0]).split("\n\n")
    html = page("Story", paragraphs)
    store(db, [("feed-a", analysed("https://a.example/story-1", html))])
    # Another feed, another URL, the same text: an exact duplicate, in a later batch ...
    store(db, [("feed-b", analysed("https://mirror.example/copy", html))])
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (1,)
    (article_id,) = db.execute("SELECT article_id FROM articles").fetchone() or ("",)
    feeds = db.execute(
        "SELECT feed_id FROM article_feeds WHERE article_id = ? ORDER BY 1", [article_id]
    )
    assert feeds.fetchall() == [("feed-a",), ("feed-b",)]
    urls = db.execute("SELECT count(*) FROM article_urls WHERE article_id = ?", [article_id])
    assert urls.fetchone() == (2,)
    # ... and within one batch.
    other = page("Other", seed_text(SEED_SLUGS[1]).split("\n\n"))
    store(db, [("feed-a", analysed("https://a.example/o1", other)),
               ("feed-b", analysed("https://b.example/o2", other))])  # fmt: skip
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    mentions = db.execute("SELECT count(DISTINCT article_id) FROM mentions").fetchone()
    assert mentions == (2,)


@pytest.mark.parametrize("order", ["own first", "copy first"])
def test_a_feed_carrying_a_page_and_its_copy_is_linked_by_the_same_entry_in_any_batching(
    tmp_path: Path, order: str
) -> None:
    """One feed, two entries: a page and a copy of its text under another URL. Whether the
    two arrive in one batch or two, the feed is linked by the article's own entry."""
    html = page("Story", seed_text(SEED_SLUGS[0]).split("\n\n"))
    own = analysed("https://a.example/story", html)
    copy = analysed("https://a.example/story-copy", html)
    pair = [("feed-a", own), ("feed-a", copy)]
    if order == "copy first":
        pair.reverse()
    linked = []
    for n, batches in enumerate([[pair], [pair[:1], pair[1:]]]):
        with open_warehouse(tmp_path / f"{n}.duckdb") as con:
            for batch in batches:
                store(con, batch)
            linked.append(
                con.execute("SELECT article_id, entry_guid FROM article_feeds").fetchall()
            )
    stored_id = (pair[0][1].article_id, pair[0][1].url)  # the first stored is the article
    assert linked == [[stored_id], [stored_id]]


def rewrites(slug: str) -> list[str]:
    """Syndicated copies of a seed story: other headline, trimmed end, a changed word or two."""
    ps = seed_text(slug).split("\n\n")
    return [
        page("Original headline", ps),
        page("A different headline for the wire copy", ps[:-1]),
        page("Third site's headline", [p.replace("says", "said") for p in ps[:-2]]),
        page("Fourth", ["By Wire Staff", *ps[:3], *ps[4:]]),
    ]


def test_rewritten_copies_cluster_and_different_stories_do_not(
    db: duckdb.DuckDBPyConnection,
) -> None:
    first = [
        (f"f{n}", analysed(f"https://site{n}.example/a", h))
        for n, h in enumerate(rewrites(SEED_SLUGS[0]))
    ]
    second = [
        (f"f{n}", analysed(f"https://site{n}.example/b", h))
        for n, h in enumerate(rewrites(SEED_SLUGS[1]))
    ]
    store(db, first[:2] + second[:2])  # copies within one batch ...
    store(db, first[2:] + second[2:])  # ... and against stored articles
    clusters = db.execute(
        "SELECT cluster_id, list(url ORDER BY url) FROM articles GROUP BY ALL ORDER BY 2"
    ).fetchall()
    assert [urls for _, urls in clusters] == [
        [f"https://site{n}.example/a" for n in range(4)],
        [f"https://site{n}.example/b" for n in range(4)],
    ]


def test_near_duplicate_threshold_separates_copies_from_other_stories() -> None:
    texts = {slug: seed_text(slug) for slug in SEED_SLUGS}
    for slug, text in texts.items():
        ps = text.split("\n\n")
        original = simhash(text)
        assert original is not None
        for copy in ("\n\n".join(ps[:-1]), "\n\n".join(ps[1:]), text.replace("says", "said")):
            assert distance(original, simhash(copy) or 0) <= NEAR_DUPLICATE_BITS, slug
    a, b = (simhash(t) or 0 for t in texts.values())
    assert distance(a, b) > 2 * NEAR_DUPLICATE_BITS
    assert simhash("too short") is None


def test_eval_extraction_scores_the_pipeline(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    (folder / "html").mkdir(parents=True)
    (folder / "ground_truth").mkdir()
    for slug in SEED_SLUGS:
        (folder / "html" / f"{slug}.html").write_bytes(seed_html(slug))
        truth = {"url": f"https://time.com/{slug}", "articleBody": seed_text(slug)}
        (folder / "ground_truth" / f"{slug}.json").write_text(json.dumps(truth))
    out = labwatch("eval", "extraction", str(folder), "--format", "json")
    assert out.returncode == 0, out.stderr
    summary = {row["setting"]: row for row in json.loads(out.stdout)}
    assert {"labwatch", "precision", "recall", "fast", "default"} <= set(summary)
    assert float(summary["labwatch"]["f1"]) >= 0.98
    assert summary["labwatch"]["pages"] == "2"
    out = labwatch("eval", "extraction", str(folder), "--setting", "nonsense")
    assert out.returncode == 2 and "unknown setting" in out.stderr  # a usage error

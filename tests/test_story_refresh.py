"""Story keys kept true to the text: an article upgraded from its feed's teaser to its page's
text joins the story its page tells, and a warehouse from before story keys (schema 0010)
gets them with `labwatch retag`. Real DuckDB files, the real ingest flow and command line."""

from __future__ import annotations

import html
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.fingerprint import as_bigint, simhash
from flows.eval_clusters import REPO_STORIES, _project_stories, rewrite
from flows.stories import STORY_RULE, stored_text_key, story_fields
from tests.test_cli import labwatch
from warehouse.append import insert_rows
from warehouse.articles import append_batch, upgrade_articles
from warehouse.database import migrations, open_warehouse

WHEN = datetime(2025, 5, 12, 9, tzinfo=UTC)
STORIES = _project_stories(REPO_STORIES)


def story(slug: str) -> tuple[str, str]:
    return STORIES[slug]["title"], STORIES[slug]["text"].strip()


def teaser(slug: str) -> str:
    """What a feed says of a story: its first words, too short for a story key."""
    first = " ".join(story(slug)[1].split()[:15]) + " …"
    assert stored_text_key(first) is None
    return first


def row(article_id: str, text: str, hours: int, source: str = "page") -> dict[str, Any]:
    return {
        "article_id": article_id,
        "url": f"https://{article_id}.example/news",
        "canonical_url": f"https://{article_id}.example/news",
        "title": article_id,
        "author": "",
        "published_at": WHEN + timedelta(hours=hours),
        "site_name": article_id.title(),
        "text": text,
        "text_source": source,
        "fingerprint": as_bigint(simhash(text)),
        "fetched_at": WHEN + timedelta(hours=hours),
        "run_id": "r1",
        "entry_key": article_id,
        "entry_url": f"https://{article_id}.example/news",
        "page_outcome": None if source == "page" else "soft",
    } | story_fields(stored_text_key(text))


def clusters(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT article_id, cluster_id FROM articles").fetchall())


def test_an_upgraded_article_takes_its_story_and_its_followers_along(tmp_path: Path) -> None:
    """Two feeds carry one wire teaser (SimHash puts the second with the first); the first's
    page, when it arrives, is a copy of a story stored earlier: both join that story, and an
    unrelated story on the same company stays apart."""
    _, wire = story("anthropic-funding")
    _, copy = rewrite(*story("anthropic-funding"), ("headline", "credit", "says", "cut"), seed=7)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(
            con,
            [row("wire", wire, 0), row("other", story("anthropic-model")[1], 1)],
            [],
            [],
            [],
            stories=STORY_RULE,
        )
        short = teaser("anthropic-funding")
        append_batch(
            con,
            [row("ledger", short, 3, "feed_summary"), row("metro", short, 4, "feed_summary")],
            [],
            [],
            [],
            stories=STORY_RULE,
        )
        before = clusters(con)
        assert before["ledger"] == "ledger" != before["wire"]  # a teaser tells no story yet
        assert before["metro"] == "ledger"  # the same teaser, by SimHash
        page = row("ledger", copy, 3)
        page = {k: v for k, v in page.items() if k not in ("entry_key", "entry_url", "url")}
        assert upgrade_articles(con, [page], [], [], stories=STORY_RULE) == 1
        after = clusters(con)
        assert after["ledger"] == after["metro"] == after["wire"] == "wire"
        assert after["other"] == "other"
        [(signature,)] = con.execute(
            "SELECT signature FROM story_keys WHERE article_id = 'ledger'"
        ).fetchall()
        key = stored_text_key(copy)
        assert key is not None and bytes(signature) == key.signature
        bands = con.execute(
            "SELECT count(*) FROM story_bands WHERE article_id = 'ledger'"
        ).fetchone()
        assert bands == (len(key.bands),)
        [(articles, sources)] = con.execute(
            "SELECT articles, sources FROM v_stories WHERE story_id = 'wire'"
        ).fetchall()
        assert (articles, sources) == (3, 3)


def test_an_upgrade_replaces_a_stale_key(tmp_path: Path) -> None:
    """A feed's full text that told another story (a wrong or reused entry) had a key of its
    own: the page's key replaces it in the same transaction, and the article moves."""
    _, copy = rewrite(*story("anthropic-funding"), ("headline", "credit"), seed=7)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, [row("wire", story("anthropic-funding")[1], 0)], [], [], [],
                     stories=STORY_RULE)  # fmt: skip
        stale = row("x", story("openai-outage")[1], 2, "feed_content")
        append_batch(con, [stale], [], [], [], stories=STORY_RULE)
        assert clusters(con) == {"wire": "wire", "x": "x"}
        page = {k: v for k, v in row("x", copy, 2).items() if k not in ("entry_key", "url")}
        assert upgrade_articles(con, [page], [], [], stories=STORY_RULE) == 1
        assert clusters(con) == {"wire": "wire", "x": "wire"}
        key = stored_text_key(copy)
        assert key is not None
        assert con.execute("SELECT shingles FROM story_keys WHERE article_id = 'x'").fetchall() == [
            (key.shingles,)
        ]


def old_warehouse(path: Path, articles: list[dict[str, Any]]) -> None:
    """A warehouse as labwatch wrote it before story keys (schema 0010): articles each in a
    story of its own (SimHash left rewrites apart), no story keys."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, name, sql in migrations():
        if version <= 10:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    drop = ("entry_key", "entry_url", "story_signature", "story_shingles", "story_bands")
    insert_rows(
        con,
        "articles",
        [{k: v for k, v in a.items() if k not in drop} | {"cluster_id": a["article_id"]}
         for a in articles],
    )  # fmt: skip
    con.close()


def test_retag_gives_an_old_warehouse_story_keys_and_stories(home: Path) -> None:
    funding, model = story("anthropic-funding"), story("microsoft-nuclear")
    articles = [
        row("wire", funding[1], 0),
        row("ledger", rewrite(*funding, ("headline", "lede", "reorder", "cut"), seed=1)[1], 5),
        row("courier", rewrite(*funding, ("credit", "local", "shorthand"), seed=2)[1], 9),
        row("nuclear", model[1], 2),
        row("metro", rewrite(*model, ("headline", "credit", "says"), seed=3)[1], 7),
        row("outage", story("openai-outage")[1], 4),
    ]
    old_warehouse(home / "labwatch.duckdb", articles)
    with open_warehouse(home / "labwatch.duckdb") as con:  # migrated to the latest schema
        assert con.execute("SELECT count(*) FROM story_keys").fetchone() == (0,)
        assert len(set(clusters(con).values())) == 6

    out = labwatch("retag", home=home)
    assert out.returncode == 0, out.stderr
    assert "story keys 6 new, 3 articles moved story" in out.stdout
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM story_keys").fetchone() == (6,)
        found = clusters(con)
        stories = con.execute(
            "SELECT first_article_id, articles FROM v_stories ORDER BY first_article_id"
        ).fetchall()
    # Each story is headed by its earliest article, whatever order they were stored in.
    assert found["ledger"] == found["courier"] == found["wire"] == "wire"
    assert found["metro"] == found["nuclear"] == "nuclear"
    assert stories == [("nuclear", 2), ("outage", 1), ("wire", 3)]

    again = labwatch("retag", home=home)  # nothing stale left: nothing moves
    assert again.returncode == 0, again.stderr
    assert "story keys 0 new, 0 articles moved story" in again.stdout


def page_html(title: str, body: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body><main>"
        f"<article><h1>{html.escape(title)}</h1>{paragraphs}</article></main></body></html>"
    )


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_ingest_upgrade_joins_the_story_of_the_page(home: Path, httpserver: HTTPServer) -> None:
    """A copy's page fails at first and its feed's teaser is stored; the next run's retry
    brings the page, and the article joins the wire's story."""
    from flows.ingest import ingest

    base = f"http://127.0.0.1:{httpserver.port}"
    title, wire = story("openai-device")
    copy_title, copy = rewrite(title, wire, ("headline", "lede", "says", "local"), seed=11)
    other_title, other = story("openai-outage")
    answers = [503, 200]
    lock = threading.Lock()

    def flaky(request: Request) -> Response:
        with lock:
            status = answers.pop(0) if answers else 200
        if status != 200:
            return Response("busy", status=status)
        return Response(page_html(copy_title, copy), content_type="text/html")

    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/wire").respond_with_data(
        page_html(title, wire), content_type="text/html"
    )
    httpserver.expect_request("/other").respond_with_data(
        page_html(other_title, other), content_type="text/html"
    )
    httpserver.expect_request("/copy").respond_with_handler(flaky)
    day = "Mon, 12 May 2025"
    items = "".join(
        f"<item><title>{html.escape(t)}</title><link>{base}{p}</link>"
        f"<description>{html.escape(d)}</description><pubDate>{day} {h}:00:00 GMT</pubDate></item>"
        for t, p, d, h in (
            (title, "/wire", teaser("openai-device"), "09"),
            (other_title, "/other", teaser("openai-outage"), "10"),
            (copy_title, "/copy", teaser("openai-device"), "13"),
        )
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}'
        "</channel></rss>",
        content_type="application/rss+xml",
    )
    feed = [f"{base}/feed.xml"]
    overrides: dict[str, Any] = {
        "allowed_private_hosts": [f"127.0.0.1:{httpserver.port}"],
        "min_host_interval": 0,
        "max_retries": 0,
        "backoff_minutes": 0,
    }

    def state() -> dict[str, tuple[Any, ...]]:
        with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
            rows = con.execute(
                "SELECT a.url, a.cluster_id, a.text_source, k.shingles FROM articles a"
                " LEFT JOIN story_keys k USING (article_id)"
            ).fetchall()
        return {r[0].rsplit("/", 1)[1]: r[1:] for r in rows}

    first = ingest(feed_urls=feed, home=str(home), overrides=overrides)
    assert first["articles_new"] == 3
    before = state()
    assert before["copy"][1:] == ("feed_summary", None)  # the teaser: no story key
    assert before["copy"][0] != before["wire"][0]
    second = ingest(feed_urls=feed, home=str(home), overrides=overrides)
    assert second["articles_upgraded"] == 1
    after = state()
    assert after["copy"][1] == "page" and after["copy"][2] > 20
    assert after["copy"][0] == after["wire"][0] == before["wire"][0]  # one story now
    assert after["other"][0] != after["wire"][0]


def test_two_heads_upgraded_to_one_page_keep_their_followers_together(tmp_path: Path) -> None:
    """Two stories' first articles, upgraded at once to copies of one short page: the later
    joins the earlier (SimHash, in time order), and each story's other article follows its
    head there; neither is read by the other's stale story (which swapped the followers)."""
    first, other = (
        "the first teaser of nothing much at all said the group on monday",
        ("another teaser with other words entirely and so on for a while longer"),
    )
    rows = []
    for aid, text, hours in (("a", first, 0), ("c", first, 1), ("b", other, 2), ("d", other, 3)):
        rows.append(row(aid, text, hours, "feed_summary") | {"title": ""})
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, rows, [], [], [], stories=STORY_RULE)
        assert clusters(con) == {"a": "a", "c": "a", "b": "b", "d": "b"}
        page = "a brief page of a dozen words or so that both outlets carried verbatim today"
        ups = [
            {k: v for k, v in row(x, page, h).items() if k not in ("entry_key", "entry_url", "url")}
            for x, h in (("a", 0), ("b", 2))
        ]
        assert stored_text_key(page) is None  # no key: placed by SimHash
        upgrade_articles(con, ups, [], [], stories=STORY_RULE)
        assert clusters(con) == {"a": "a", "c": "a", "b": "a", "d": "a"}

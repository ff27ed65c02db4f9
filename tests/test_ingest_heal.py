"""Flows over a hostile and faulty loopback world: bad entry URLs recorded while the rest is
stored, failed pages retried on their schedule and upgraded in place, credentials never shown."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flows.seed_site import seed_feed_urls, seed_host
from tests.helpers import seed_html
from tests.servers import cut_off_server, stalling_server
from warehouse.database import open_warehouse

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{u}</link><description>{t}: Anthropic and Amazon"
        " talk.</description></item>"
        for t, u in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>'
    ).encode()


def query(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


class Requests:
    """Counts the requests a pytest-httpserver answered, by path."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server

    def counts(self) -> Counter[str]:
        return Counter(r.path for r, _ in self.server.log)


def test_hostile_entry_urls_and_faults_ingested_twice(
    home: Path, seed_site: str, httpserver: HTTPServer
) -> None:
    from flows.ingest import ingest

    port = httpserver.port
    base = f"http://127.0.0.1:{port}"
    good = (
        "<html><body><article><h1>Good</h1>"
        + "".join(
            f"<p>Paragraph {n}: Mistral AI and Microsoft extended their partnership on Azure"
            " compute, the companies said on Tuesday in a joint statement.</p>"
            for n in range(6)
        )
        + "</article></body></html>"
    )
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/good").respond_with_data(good, content_type="text/html")
    httpserver.expect_request("/page-503").respond_with_data("later", status=503)
    hostile = rss(
        ("port", "https://example.com:99999/a"),
        ("port zero", "http://127.0.0.1:0/a"),
        ("spaces", f"{base}/a b"),
        ("javascript", "javascript:alert(document.cookie)"),
        ("mailto", "mailto:someone@example.com"),
        ("data", "data:text/html,<script>alert(1)</script>"),
        ("broken v6", "http://[::1/x"),
        ("v6 literal", "http://[::1]:1/unreachable"),
        ("good", f"{base}/good?amp"),
        ("login", f"http://user:pa55@127.0.0.1:{port}/page-503"),
    )
    httpserver.expect_request("/hostile.xml").respond_with_data(
        hostile, content_type="application/rss+xml", headers={"ETag": '"h1"'}
    )
    httpserver.expect_request("/500.xml").respond_with_data("oops", status=500)
    httpserver.expect_request("/429.xml").respond_with_data("slow down", status=429)
    httpserver.expect_request("/bomb.xml").respond_with_data(
        gzip.compress(b" " * 3_000_000),
        headers={"Content-Encoding": "gzip"},
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/loop.xml").respond_with_data(
        "", status=302, headers={"Location": "/loop.xml"}
    )
    httpserver.expect_request("/503.xml").respond_with_data(
        "later", status=503, headers={"Retry-After": "3600"}
    )
    httpserver.expect_request("/big.xml").respond_with_data(
        b"<rss>" + b" " * 2_000_000, content_type="application/rss+xml"
    )
    httpserver.expect_request("/html.xml").respond_with_data(
        "<!DOCTYPE html><html><body><h1>Home</h1></body></html>", content_type="text/html"
    )
    httpserver.expect_request("/private-link.xml").respond_with_data(
        rss(("Metadata", "http://169.254.169.254/latest/meta-data/")),
        content_type="application/rss+xml",
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{s.getsockname()[1]}/feed.xml"
    with stalling_server() as stall, cut_off_server() as cut:
        feeds = [
            *seed_feed_urls(seed_site),
            f"{base}/hostile.xml",
            f"{base}/500.xml",
            f"{base}/429.xml",
            f"{base}/bomb.xml",
            f"{base}/loop.xml",
            f"{base}/503.xml",
            f"{base}/big.xml",
            f"{base}/html.xml",
            f"{base}/private-link.xml",
            refused,
            f"{stall}/feed.xml",
            f"{cut}/feed.xml",
        ]
        overrides = {
            "allowed_private_hosts": [seed_host(seed_site), f"127.0.0.1:{port}", "::1"],
            "min_host_interval": 0,
            "max_retries": 0,
            "timeout": 1.5,
            "max_bytes": 1_000_000,
        }
        first = ingest(feed_urls=feeds, home=str(home), overrides=overrides)
        after_first = Requests(httpserver).counts()
        second = ingest(feed_urls=feeds, home=str(home), overrides=overrides)
        after_second = Requests(httpserver).counts()

    # Both runs complete; the hostile feed's good entries are stored, its bad ones recorded.
    status = dict(query(home, "SELECT run_id, status FROM runs"))
    assert status == {first["run_id"]: "completed", second["run_id"]: "completed"}
    assert first["entries_rejected"] == 7 and second["entries_rejected"] == 0
    reasons = dict(query(home, "SELECT title, reason FROM v_entry_failures"))
    assert set(reasons) == {
        "port", "port zero", "spaces", "javascript", "mailto", "data", "broken v6"
    }  # fmt: skip
    assert reasons["port"] == "port out of range 1-65535 (99999)"
    assert reasons["javascript"] == "not an http(s) URL (javascript)"
    urls = sorted(u for (u,) in query(home, "SELECT url FROM articles"))
    assert f"{base}/good?amp" in urls
    assert "http://[::1]:1/unreachable" in urls  # kept with its brackets, stored from the feed
    assert f"{base}/page-503" in urls  # the item's login stripped
    stored = query(home, "SELECT url, count(*) FROM articles GROUP BY url HAVING count(*) > 1")
    assert stored == []  # every article once
    assert (first["feeds_fetched"], first["feeds_failed"]) == (4, 10)
    assert second["feeds_skipped"] == 10  # the failing feeds back off
    assert first["articles_new"] == 6 and second["articles_new"] == 0
    blocked = query(home, "SELECT page_outcome FROM articles WHERE url LIKE '%169.254%'")
    assert blocked == [("blocked",)]
    text = query(home, "SELECT text_source FROM articles WHERE url LIKE '%/good?amp'")
    assert text == [("page",)]
    # No password anywhere in the warehouse's text but the feed list.
    leaks = query(
        home,
        "SELECT count(*) FROM articles WHERE url LIKE '%pa55%' OR page_error LIKE '%pa55%'",
    )
    assert leaks == [(0,)]
    # Nothing fetched twice: no page again in the second run, no failing feed either (they
    # back off); only the hostile feed itself is fetched again (its body is unchanged).
    assert (second["pages_fetched"], second["pages_retried"]) == (0, 0)
    paths = (
        *("/good", "/page-503", "/robots.txt", "/500.xml", "/429.xml", "/bomb.xml"),
        *("/loop.xml", "/503.xml", "/big.xml", "/html.xml"),
    )
    assert {p: after_second[p] for p in paths} == {p: after_first[p] for p in paths}
    assert after_second["/hostile.xml"] == 2
    assert after_first["/good"] == 1 and after_first["/page-503"] == 1
    from warehouse.runs import latest_runs

    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        columns, runs = latest_runs(con)  # what `labwatch runs` prints
    rejected = [dict(zip(columns, r, strict=True))["entries_rejected"] for r in runs]
    assert rejected == [0, 7]  # newest first


def test_failed_pages_are_retried_and_upgraded_in_place(home: Path, httpserver: HTTPServer) -> None:
    from flows.ingest import ingest, refetch

    port = httpserver.port
    base = f"http://127.0.0.1:{port}"
    article = seed_html("amazon-anthropic-investment")
    answers = {"/flaky": [503, 503, 200], "/gone": [404, 404, 200]}
    lock = threading.Lock()

    def page(request: Request) -> Response:
        with lock:
            status = answers[request.path].pop(0)
        if status != 200:
            return Response("no", status=status)
        return Response(article, content_type="text/html")

    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/flaky").respond_with_handler(page)
    httpserver.expect_request("/gone").respond_with_handler(page)
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("Flaky", f"{base}/flaky"), ("Gone", f"{base}/gone")),
        content_type="application/rss+xml",
    )
    feed = [f"{base}/feed.xml"]
    overrides: dict[str, Any] = {
        "allowed_private_hosts": [f"127.0.0.1:{port}"],
        "min_host_interval": 0,
        "max_retries": 0,
        "backoff_minutes": 0,  # a transient failure is due again at once
    }

    def articles() -> dict[str, tuple[Any, ...]]:
        rows = query(
            home,
            "SELECT url, article_id, text_source, page_outcome, "
            "(SELECT count(*) FROM mentions m WHERE m.article_id = a.article_id) "
            "FROM articles a",
        )
        return {r[0].rsplit("/", 1)[1]: r[1:] for r in rows}

    first = ingest(feed_urls=feed, home=str(home), overrides=overrides)
    assert first["articles_new"] == 2
    before = articles()
    assert before["flaky"][1:3] == ("feed_summary", "soft")
    assert before["gone"][1:3] == ("feed_summary", "hard")

    second = ingest(feed_urls=feed, home=str(home), overrides=overrides)  # 503 again
    assert (second["pages_retried"], second["articles_upgraded"]) == (1, 0)
    third = ingest(feed_urls=feed, home=str(home), overrides=overrides)  # the page arrives
    assert (third["pages_retried"], third["articles_upgraded"], third["articles_new"]) == (1, 1, 0)
    after = articles()
    assert after["flaky"][0] == before["flaky"][0]  # the same article, upgraded in place
    assert after["flaky"][1:3] == ("page", None)
    assert after["flaky"][3] > before["flaky"][3]  # retagged on the page's text
    assert after["gone"][1:3] == ("feed_summary", "hard")  # a 404 waits for --force
    assert query(home, "SELECT count(*) FROM articles") == [(2,)]
    assert query(
        home, "SELECT attempts, outcome FROM page_retries WHERE upgraded_at IS NOT NULL"
    ) == [(3, "page")]

    fourth = ingest(feed_urls=feed, home=str(home), overrides=overrides)
    assert fourth["pages_retried"] == 0  # nothing due: no page fetched
    forced = ingest(feed_urls=feed, home=str(home), force=True, overrides=overrides)
    assert (forced["pages_retried"], forced["articles_upgraded"]) == (1, 0)  # /gone: 404 again
    done = refetch(home=str(home), overrides=overrides)  # /gone answers now
    assert (done["pages_retried"], done["articles_upgraded"]) == (1, 1)
    final = articles()
    assert final["gone"][0] == before["gone"][0] and final["gone"][1] == "page"
    assert query(home, "SELECT count(*) FROM articles") == [(2,)]
    assert (
        query(home, "SELECT count(*) FROM mentions GROUP BY article_id HAVING count(*) = 0") == []
    )
    flows = Counter(f for (f,) in query(home, "SELECT flow FROM runs WHERE status = 'completed'"))
    assert flows == {"ingest": 5, "refetch": 1}


def test_refused_pages_are_retried_when_the_allow_list_changes(
    home: Path, httpserver: HTTPServer
) -> None:
    from flows.ingest import ingest

    port = httpserver.port
    article = seed_html("ai-labs-big-tech-backers")
    # The feed lists a page on "localhost", which resolves to loopback: refused until allowed.
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/page").respond_with_data(article, content_type="text/html")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("Local", f"http://localhost:{port}/page")), content_type="application/rss+xml"
    )
    feed = [f"http://127.0.0.1:{port}/feed.xml"]
    base: dict[str, Any] = {"min_host_interval": 0, "max_retries": 0}
    first = ingest(feed_urls=feed, home=str(home), overrides=base)
    assert (first["pages_blocked"], first["articles_new"]) == (1, 1)
    again = ingest(feed_urls=feed, home=str(home), overrides=base)
    assert again["pages_retried"] == 0  # the same allow list: not due
    allowed = {**base, "allowed_private_hosts": [f"localhost:{port}"]}
    healed = ingest(feed_urls=feed, home=str(home), overrides=allowed)
    assert (healed["pages_retried"], healed["articles_upgraded"]) == (1, 1)
    assert query(home, "SELECT text_source, page_error FROM articles") == [("page", None)]
    assert Counter(r.path for r, _ in httpserver.log)["/page"] == 1


def test_credentials_never_reach_prefect_logs_or_the_warehouse(
    home: Path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    import base64

    from flows.ingest import flow_feed_urls, ingest

    port = httpserver.port
    expected = "Basic " + base64.b64encode(b"reader:s3cret").decode()

    def locked(request: Request) -> Response:
        if request.headers.get("Authorization") != expected:
            return Response("login", status=401)
        return Response(
            rss(("Item", f"http://item:pa55@127.0.0.1:{port}/missing")),
            content_type="application/rss+xml",
        )

    httpserver.expect_request("/locked.xml").respond_with_handler(locked)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    url = f"http://reader:s3cret@127.0.0.1:{port}/locked.xml"
    overrides = {"allowed_private_hosts": [f"127.0.0.1:{port}"], "min_host_interval": 0}
    caplog.set_level("DEBUG")
    summary = ingest(feed_urls=flow_feed_urls([url]), home=str(home), overrides=overrides)
    assert (summary["feeds_fetched"], summary["articles_new"]) == (1, 1)  # logged in
    assert all(
        "Authorization" not in r.headers for r, _ in httpserver.log if r.path != "/locked.xml"
    )

    (prefect_id,) = query(home, "SELECT prefect_run_id FROM runs")[0]

    async def parameters() -> dict[str, Any]:
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            run = await client.read_flow_run(prefect_id)
            return dict(run.parameters)

    params = asyncio.run(parameters())
    assert params["feed_urls"] == [f"http://reader:***@127.0.0.1:{port}/locked.xml"]
    text = " ".join(
        str(v)
        for row in query(
            home,
            "SELECT url, final_url, error FROM feed_fetches UNION ALL "
            "SELECT url, canonical_url, page_error FROM articles UNION ALL "
            "SELECT url, title, reason FROM entry_failures",
        )
        for v in row
    )
    assert "s3cret" not in text and "pa55" not in text
    assert query(home, "SELECT url FROM feeds") == [(url,)]  # the feed list keeps it
    # The digest's site labels come from v_articles; the CLI prints the summary's failures.
    # (sources are publishers now: the feed's title here, never a host with credentials)
    sites = query(home, "SELECT site FROM v_articles")
    assert len(sites) == 1 and "pa55" not in str(sites) and "s3cret" not in str(sites)
    assert summary["failures"] and "pa55" not in str(summary["failures"])
    assert "s3cret" not in caplog.text and "pa55" not in caplog.text

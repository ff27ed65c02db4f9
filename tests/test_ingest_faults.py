"""One ingest run through every fault the web throws, then a second run over the same feeds.

Each fault is recorded with its class and reason while the other feeds of the same run are
stored normally; the second run backs off the failing feeds, gets 304s or unchanged bodies
from the rest, and fetches no page at all.
"""

from __future__ import annotations

import gzip
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from flows.seed_site import seed_feed_urls, seed_host
from tests.servers import cut_off_server, stalling_server
from warehouse.database import open_warehouse

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def rss(*items: tuple[str, str], encoding: str = "utf-8") -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{u}</link><description>{t}: summary.</description></item>"
        for t, u in items
    )
    head = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>T</title>'
    )
    return (head + body + "</channel></rss>").encode(encoding)


def query(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_fault_recorded_while_the_rest_is_stored(
    home: Path, seed_site: str, httpserver: HTTPServer
) -> None:
    from flows.ingest import ingest

    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = [
        "Mistral AI a levé des fonds auprès de Microsoft, selon plusieurs sources proches.",
        "La jeune pousse parisienne développe des modèles de langage ouverts et compacts.",
        "Le montant exact de l’opération n’a pas été rendu public par les deux sociétés.",
        "Les détails économiques suivent dans un communiqué attendu dans la semaine.",
        "Des régulateurs européens examinent déjà les liens entre laboratoires et nuages.",
    ]
    page = "<html><body><article><h1>Légende</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)
    page += "</article></body></html>"
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/fr/article").respond_with_data(
        page.encode("cp1252"), content_type="text/html; charset=windows-1252"
    )
    httpserver.expect_request("/legacy.xml").respond_with_data(
        rss(("Économie : Mistral lève des fonds", f"{base}/fr/article"), encoding="iso-8859-1"),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/private-link.xml").respond_with_data(
        rss(("Metadata", "http://169.254.169.254/latest/meta-data/")),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/500.xml").respond_with_data("oops", status=500)
    httpserver.expect_request("/503.xml").respond_with_data(
        "later", status=503, headers={"Retry-After": "3600"}
    )
    httpserver.expect_request("/429.xml").respond_with_data("slow down", status=429)
    httpserver.expect_request("/bomb.xml").respond_with_data(
        gzip.compress(b" " * 20_000_000),
        headers={"Content-Encoding": "gzip"},
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/loop.xml").respond_with_data(
        "", status=302, headers={"Location": "/loop2.xml"}
    )
    httpserver.expect_request("/loop2.xml").respond_with_data(
        "", status=302, headers={"Location": "/loop.xml"}
    )
    httpserver.expect_request("/big.xml").respond_with_data(
        b"<rss>" + b" " * 2_000_000, content_type="application/rss+xml"
    )
    httpserver.expect_request("/html.xml").respond_with_data(
        "<!DOCTYPE html><html><body><h1>Home</h1><p>Welcome<br></body></html>",
        content_type="text/html",
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{s.getsockname()[1]}/feed.xml"

    with stalling_server() as stall, cut_off_server() as cut:
        faults = {
            refused: ("soft", None, "Connect"),
            f"{base}/500.xml": ("soft", 500, "HTTP 500"),
            f"{base}/503.xml": ("rate_limited", 503, "HTTP 503"),
            f"{base}/429.xml": ("rate_limited", 429, "HTTP 429"),
            f"{stall}/feed.xml": ("soft", None, "no answer within"),
            f"{cut}/feed.xml": ("soft", None, "RemoteProtocolError"),
            f"{base}/bomb.xml": ("hard", None, "over the"),
            f"{base}/loop.xml": ("hard", None, "redirect loop"),
            f"{base}/big.xml": ("hard", None, "cap"),
            f"{base}/html.xml": ("hard", 200, "not a feed"),
        }
        good = [*seed_feed_urls(seed_site), f"{base}/legacy.xml", f"{base}/private-link.xml"]
        overrides = {
            "allowed_private_hosts": [seed_host(seed_site), f"127.0.0.1:{httpserver.port}"],
            "min_host_interval": 0,
            "max_retries": 1,
            "timeout": 1.5,
            "max_bytes": 1_000_000,
        }
        first = ingest(feed_urls=[*good, *faults], home=str(home), overrides=overrides)

        assert (first["feeds_fetched"], first["feeds_failed"]) == (4, len(faults))
        assert first["articles_new"] == 4  # two seed articles, the legacy one, the blocked one
        assert (first["pages_fetched"], first["pages_blocked"]) == (3, 1)
        log = {
            url: (outcome, status, error, attempts, retry_after)
            for url, outcome, status, error, attempts, retry_after in query(
                home,
                "SELECT url, outcome, http_status, error, attempts, retry_after FROM feed_fetches",
            )
        }
        for url, (outcome, status, reason) in faults.items():
            got = log[url]
            assert (got[0], got[1]) == (outcome, status), url
            assert reason in got[2], (url, got[2])
        assert log[f"{base}/500.xml"][3] == 2  # a soft failure was retried once
        assert log[f"{base}/html.xml"][3] == 1  # a hard one was not
        assert log[f"{base}/503.xml"][4] == 3600.0
        due = dict(query(home, "SELECT url, next_due_at - last_fetched_at FROM feeds"))
        assert due[f"{base}/503.xml"] == timedelta(hours=1)  # Retry-After respected
        assert due[f"{base}/500.xml"] == timedelta(minutes=30)
        assert due[seed_feed_urls(seed_site)[0]] == timedelta(0)

        legacy = query(
            home, "SELECT title, text_source, text FROM articles WHERE url LIKE '%/fr/article'"
        )
        # The feed was ISO-8859-1, the page windows-1252 (declared only in the HTTP header).
        assert legacy == [(legacy[0][0], "page", legacy[0][2])]
        assert legacy[0][0] == "Légende"
        entry_titles = query(home, "SELECT entry_title FROM article_feeds")
        assert ("Économie : Mistral lève des fonds",) in entry_titles
        assert "Les détails économiques suivent" in legacy[0][2]
        blocked = query(
            home,
            "SELECT text_source, page_outcome, page_error FROM articles WHERE url LIKE '%169.254%'",
        )
        assert blocked[0][:2] == ("feed_summary", "blocked") and "non-public" in blocked[0][2]

        second = ingest(feed_urls=[*good, *faults], home=str(home), overrides=overrides)
    assert second["feeds_skipped"] == len(faults)  # backing off, not fetched
    assert (second["feeds_fetched"], second["feeds_not_modified"]) == (4, 4)
    assert (second["entries_new"], second["pages_fetched"], second["articles_new"]) == (0, 0, 0)
    notes = query(
        home, f"SELECT note FROM feed_fetches WHERE run_id = '{second['run_id']}' ORDER BY note"
    )
    assert notes == [
        ("304 Not Modified",),
        ("304 Not Modified",),
        ("body unchanged",),
        ("body unchanged",),
    ]

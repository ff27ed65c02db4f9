"""A warehouse filled by a real ingest for the web tests, and `labwatch web` started on it.

The world: the bundled seed site (two TIME articles, their deals and mentions), a hostile
site on loopback whose feed and page carry markup, javascript: links and a style-breaker in
the title, the text and the site name, and which names a watchlist entity with a hostile
name ("$38 billion" in it, to search a number); a feed that answers 404 (a failing feed). One
digest is written for the archive.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from flows.digest import run_digest
from flows.ingest import run_ingest
from flows.seed_site import seed_feed_urls, seed_host
from flows.serve import stop_process
from flows.settings import load_settings
from flows.web import CSP, web_in_background
from tests.browser import CHROMIUM, Page, chromium_page
from warehouse.database import open_warehouse

HOSTILE_TITLE = (
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
    " OpenAI </style><style>body{display:none}</style> deal"
)
HOSTILE_SITE = "</style><script>alert(2)</script>"
EVIL_NAME = "Evil</text><script>alert(3)</script><svg onload=alert(4)>"
HOSTILE_PARAGRAPHS = [
    "OpenAI agreed a $38 billion compute deal with Amazon Web Services on Monday, the "
    "companies said. EvilLab was named as an adviser in the filing.",
    "<script>document.title='pwned'</script><img src=\"https://tracker.invalid/x.png\" "
    "onerror=\"document.title='pwned'\"> [link](javascript:alert(1)) "
    '<a href="javascript:alert(5)">click</a> <iframe src="https://tracker.invalid/"></iframe>',
    "Microsoft and OpenAI were also named in the same paragraph with EvilLab, which "
    "published nothing about the compute deal.",
]


@dataclass(frozen=True)
class World:
    home: Path
    base: str  # the web application's address, no trailing slash
    hostile_id: str  # the hostile article's id
    hostile_site: str  # its page's URL
    week: str  # the hostile article's ISO week (the newest)
    seed_story: str  # the id of "Amazon's Partnership With Anthropic ..."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def web_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABWATCH_")}
    env["LABWATCH_HOME"] = str(home)
    return env


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of a GET, errors included; redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@contextmanager
def web_process(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`labwatch web` in a process of its own on a free loopback port, until the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "web", "--port", str(port), *args],
        env=env or web_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"labwatch web did not start: {process.communicate()}"
                    ) from None
                time.sleep(0.1)
        yield base, process
    finally:
        stop_process(process, 10)


def hostile_site(server: HTTPServer, when: datetime) -> str:
    page = server.url_for("/hostile-story")
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in HOSTILE_PARAGRAPHS)
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/hostile-story").respond_with_data(
        f"<!DOCTYPE html><html><head><title>{html.escape(HOSTILE_TITLE)}</title>"
        f'<meta property="og:site_name" content="{html.escape(HOSTILE_SITE)}">'
        f'<meta property="og:title" content="{html.escape(HOSTILE_TITLE)}">'
        f"</head><body><article><h1>{html.escape(HOSTILE_TITLE)}</h1>{body}"
        "</article></body></html>",
        content_type="text/html; charset=utf-8",
    )
    server.expect_request("/feed.xml").respond_with_data(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>'
        f"{html.escape(HOSTILE_SITE)}</title><link>{server.url_for('/')}</link>"
        f"<item><title>{html.escape(HOSTILE_TITLE)}</title><link>{page}</link>"
        f"<pubDate>{format_datetime(when)}</pubDate>"
        f"<description>{html.escape(HOSTILE_PARAGRAPHS[1])}</description></item>"
        "</channel></rss>",
        content_type="application/rss+xml",
    )
    server.expect_request("/gone.xml").respond_with_data("gone", status=404)
    return page


@contextmanager
def web_world(home: Path, seed_site: str) -> Iterator[World]:
    """Ingest the world into `home`, write a digest, start `labwatch web`; yield the world."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        when = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        page = hostile_site(server, when)
        extra = home / "watchlist-extra.toml"
        extra.write_text(
            '[[entity]]\nid = "evil-lab"\nkind = "lab"\naliases = ["EvilLab"]\n'
            f"name = '{EVIL_NAME}'\n",
            encoding="utf-8",
        )
        hosts = [seed_host(seed_site), f"127.0.0.1:{server.port}"]
        (home / "labwatch.toml").write_text(
            f'watchlist_extra = "{extra}"\nallowed_private_hosts = {hosts!r}\n'.replace("'", '"')
            + "min_host_interval = 0\nmax_retries = 0\nworkers = 1\n",
            encoding="utf-8",
        )
        feeds = [
            *seed_feed_urls(seed_site),
            server.url_for("/feed.xml"),
            server.url_for("/gone.xml"),
        ]
        result = run_ingest(feed_urls=feeds, home=str(home))
        assert result.get("articles_new") == 3, result
        with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
            row = con.execute("SELECT article_id FROM articles WHERE url = ?", [page]).fetchone()
            seed = con.execute(
                "SELECT article_id FROM articles WHERE title LIKE 'Amazon%Anthropic%'"
            ).fetchone()
        assert row and seed, "the hostile page or the seed story was not stored"
        week = f"{when.isocalendar()[0]}-W{when.isocalendar()[1]:02d}"
        run_digest(week=week, home=str(home))
        with web_process(home) as (base, _):
            yield World(home, base, str(row[0]), page, week, str(seed[0]))
    finally:
        server.clear()
        if server.is_running():
            server.stop()


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, seed_site: str) -> Iterator[World]:
    home = tmp_path_factory.mktemp("web") / "home"
    home.mkdir()
    with web_world(home, seed_site) as w:
        yield w


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.starts: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags(body: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(body)
    parser.close()
    return parser.starts


def assert_inert(body: str) -> None:
    """No element content could have brought: no script, image, frame or style element, no
    event handler, no link but http(s) and our own paths."""
    found = tags(body)
    names = {t for t, _ in found}
    assert not names & {"script", "img", "iframe", "style", "object", "embed", "base"}, names
    for tag, attrs in found:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for key in ("href", "src", "action"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("/", "http://", "https://")), (tag, key, value)
                assert not value.startswith("//"), value


def page(world: World, path: str) -> str:
    status, headers, body = get(world.base + path)
    assert status == 200, (path, status, body[:500])
    assert headers["content-security-policy"] == CSP
    return body


def text_of(body: str) -> str:
    """The page's visible text, tags removed and entities decoded, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_home(world: World) -> None:
    body = page(world, "/")
    assert f"Week {world.week}" in body
    shown = text_of(body)
    # The hostile article is the week's only one: its figures, its story, its entities.
    assert re.search(r"\b1 articles\b", shown)
    assert "OpenAI" in shown and "Amazon Web Services" in shown
    assert "gone.xml" in shown  # the failing feed, with its error
    assert "404" in shown
    assert_inert(body)
    seed_week = page(world, "/?week=2023-W39")
    assert "Amazon’s Partnership With Anthropic" in text_of(seed_week)
    assert "up to $4B" in text_of(seed_week)  # the week's new deal


def test_search_finds_a_number_and_a_phrase(world: World) -> None:
    body = page(world, "/search?q=38")
    assert f"/article/{world.hostile_id}" in body
    assert "<mark>38</mark>" in body
    assert_inert(body)
    # A phrase: both seed articles say "$4 billion", the snippets show it, marked.
    body = page(world, "/search?q=%22%244+billion%22")
    results = re.findall(r'class="title" href="/article/(\w+)"', body)
    assert world.seed_story in results and world.hostile_id not in results
    assert body.count("$<mark>4</mark> <mark>billion</mark>") == len(results) == 2
    # Phrases must appear as written; the words alone would find more.
    assert get(world.base + "/api/search?q=%22compute+billion%22")[2].count('"article_id"') == 0
    # Filters and paging.
    status, _, data = get(world.base + "/api/search?q=deal&entity=evil-lab&per_page=1")
    assert status == 200
    found = json.loads(data)
    assert found["total"] == 1 and found["items"][0]["article_id"] == world.hostile_id
    status, _, data = get(world.base + "/api/search?q=deal&per_page=1&page=2")
    assert json.loads(data)["page"] == 2 and json.loads(data)["total"] >= 2
    status, _, data = get(world.base + "/api/search?q=deal&since=2030-01-01")
    assert json.loads(data)["total"] == 0
    assert get(world.base + "/api/search?q=deal&sort=sideways")[0] == 400


def test_search_command_finds_numbers(world: World) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "flows.cli", "search", "38", "--format", "csv"],
        env=web_env(world.home), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert world.hostile_site in out.stdout


def test_entity_chart_points(world: World) -> None:
    body = page(world, "/entity/anthropic?unit=week&since=2023-09-11&until=2023-10-08")
    points = re.findall(r'data-period="([\d-]+)" data-value="(\d+)"', body)
    with open_warehouse(world.home / "labwatch.duckdb", read_only=True) as con:
        raw = con.execute(
            "SELECT date_trunc('week', coalesce(a.published_at, a.fetched_at))::DATE, count(*)"
            " FROM mentions m JOIN articles a USING (article_id)"
            " WHERE m.entity_id IN ('anthropic', 'claude') GROUP BY ALL"
        ).fetchall()
    expected = {str(d): n for d, n in raw}
    assert [p for p, _ in points] == ["2023-09-11", "2023-09-18", "2023-09-25", "2023-10-02"]
    assert {p: int(v) for p, v in points} == {p: expected.get(p, 0) for p, _ in points}
    assert int(dict(points)["2023-09-25"]) > 0
    # Apart: one line per child, and the parent's own mentions only.
    body = page(world, "/entity/amazon?unit=day&since=2023-09-25&until=2023-09-25&rollup=0")
    lines = re.findall(r'data-entity="([\w-]+)"', body)
    assert lines[0] == "amazon" and "aws" in lines
    rolled = page(world, "/entity/amazon?unit=day&since=2023-09-25&until=2023-09-25")
    own = int(re.findall(r'data-value="(\d+)"', body)[0])
    total = int(re.findall(r'data-value="(\d+)"', rolled)[0])
    assert total > own > 0
    shown = text_of(rolled)
    assert "Anthropic" in shown  # named with
    assert "up to $4B" in shown  # its deals
    assert "Amazon’s Partnership With Anthropic" in shown  # its articles


def test_compare(world: World) -> None:
    body = page(
        world, "/compare?e=anthropic&e=openai&e=microsoft&since=2023-09-01&until=2024-06-01"
    )
    assert re.findall(r'data-entity="([\w-]+)"', body) == ["anthropic", "openai", "microsoft"]
    assert get(world.base + "/compare?e=a&e=b&e=c&e=d&e=e&e=f")[0] == 400


def test_article_page(world: World) -> None:
    body = page(world, f"/article/{world.seed_story}")
    assert re.search(
        r'<a class="mention k-lab" href="/entity/anthropic"[^>]*><mark>Anthropic</mark></a>', body
    )
    shown = text_of(body)
    assert "it will invest up to $4 billion into Anthropic" in shown
    assert "investment" in shown and "up to $4B" in shown
    assert "seen in feed" in shown


def test_hostile_article_is_inert_everywhere(world: World) -> None:
    paths = [
        "/", f"/article/{world.hostile_id}", "/search?q=compute+deal", "/search?q=pwned",
        "/entity/evil-lab", "/entity/openai", "/entities", "/deals", "/feeds",
        "/compare?e=evil-lab&e=openai", "/api/docs",
    ]  # fmt: skip
    for path in paths:
        body = page(world, path)
        assert_inert(body)
        assert "<script" not in body.lower(), path
    body = page(world, f"/article/{world.hostile_id}")
    # The payloads are there, as text.
    assert "&lt;script&gt;document.title=" in body
    assert "javascript:alert(5)" in text_of(body)
    evil = page(world, "/entity/evil-lab")
    assert "Evil&lt;/text&gt;&lt;script&gt;" in evil
    # A digest of the archive comes with its own CSP.
    status, headers, _ = get(f"{world.base}/digests/{world.week}.html")
    assert status == 200 and "default-src 'none'" in headers["content-security-policy"]
    assert get(world.base + "/digests/..%2Flabwatch.duckdb")[0] == 404


def test_deals_ledger(world: World) -> None:
    body = page(world, "/deals?kind=investment&party=anthropic")
    shown = text_of(body)
    assert "up to $4B" in shown and "Amazon" in shown
    assert "Microsoft → OpenAI" not in shown
    status, headers, csv_text = get(world.base + "/api/deals?kind=investment&format=csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert csv_text.splitlines()[0].startswith("deal_id,kind,investor")
    assert get(world.base + "/deals?kind=gift")[0] == 400
    # A partnership's parties, in alphabetical order, have no arrow between them.
    partners = text_of(page(world, "/deals?kind=partnership"))
    assert "Microsoft ↔ OpenAI" in partners and "Microsoft → OpenAI" not in partners


def test_feeds_and_digests(world: World) -> None:
    shown = text_of(page(world, "/feeds"))
    assert "gone.xml" in shown and world.week in shown


def test_api(world: World) -> None:
    status, _, data = get(world.base + "/api/entities?per_page=2&page=1")
    listed = json.loads(data)
    assert status == 200 and len(listed["items"]) == 2 and listed["total"] > 2
    status, _, data = get(
        world.base + "/api/series?e=anthropic&since=2023-09-25&until=2023-09-25&unit=day"
    )
    series = json.loads(data)["series"]["anthropic"]
    assert series[0]["period"] == "2023-09-25" and series[0]["mentions"] > 0
    status, _, data = get(world.base + f"/api/articles/{world.seed_story}")
    article = json.loads(data)
    assert article["article"]["title"].startswith("Amazon")
    assert {m["entity_id"] for m in article["mentions"]} >= {"amazon", "anthropic"}
    spec = json.loads(get(world.base + "/api/openapi.json")[2])
    assert {"/api/search", "/api/deals", "/api/series", "/api/feeds"} <= set(spec["paths"])
    assert get(world.base + "/api/entities/nobody")[0] == 404
    assert get(world.base + "/", {"Host": "evil.example"})[0] == 400  # DNS rebinding


def test_reads_wait_for_a_writer(world: World) -> None:
    """A page asked for while another process writes waits for the write, then answers."""
    con = duckdb.connect(str(world.home / "labwatch.duckdb"))
    threading.Timer(1.5, con.close).start()
    status, _, body = get(world.base + "/entities")
    assert status == 200 and "Anthropic" in body


def test_non_loopback_needs_a_token(world: World, tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "flows.cli", "web", "--host", "0.0.0.0", "--port", "1"],
        env=web_env(world.home), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 1 and "refusing to listen on 0.0.0.0" in out.stderr
    env = web_env(world.home) | {"LABWATCH_WEB_TOKEN": "s3cret"}
    with web_process(world.home, env=env) as (base, _):
        assert get(base + "/")[0] == 401
        assert get(base + "/api/entities")[0] == 401
        assert get(base + "/", {"Authorization": "Bearer wrong"})[0] == 401
        assert get(base + "/api/entities", {"Authorization": "Bearer s3cret"})[0] == 200
        status, headers, _ = get(base + "/deals?token=s3cret&kind=investment")
        assert status == 303 and headers["location"] == "/deals?kind=investment"
        cookie = headers["set-cookie"].split(";")[0]
        assert "HttpOnly" in headers["set-cookie"]
        assert get(base + "/deals?kind=investment", {"Cookie": cookie})[0] == 200


# --- in headless Chromium -------------------------------------------------------------------


def visit(chrome: Page, url: str) -> tuple[list[str], list[str]]:
    """Load `url`; return the URLs of every request the page made and every dialog (alert)
    it opened, as the DevTools protocol reports them."""
    ids = itertools.count(10_000)
    requests: list[str] = []
    dialogs: list[str] = []

    def call(method: str, **params: Any) -> None:
        n = next(ids)
        chrome.ws.send(json.dumps({"id": n, "sessionId": chrome.session, "method": method,
                                   "params": params}))  # fmt: skip
        while True:
            msg = json.loads(chrome.ws.recv(timeout=60))
            note(msg)
            if msg.get("id") == n:
                return

    loaded = threading.Event()

    def note(msg: dict[str, Any]) -> None:
        method = msg.get("method")
        if method == "Network.requestWillBeSent":
            requests.append(msg["params"]["request"]["url"])
        elif method == "Page.javascriptDialogOpening":
            dialogs.append(msg["params"]["message"])
        elif method == "Page.loadEventFired":
            loaded.set()

    call("Network.enable")
    call("Page.navigate", url=url)
    deadline = time.monotonic() + 30
    while not loaded.is_set() and time.monotonic() < deadline:
        try:
            note(json.loads(chrome.ws.recv(timeout=1)))
        except TimeoutError:
            continue
    assert loaded.is_set(), f"{url} did not load"
    time.sleep(0.3)  # anything the page would start after load
    while True:
        try:
            note(json.loads(chrome.ws.recv(timeout=0.2)))
        except TimeoutError:
            break
    return requests, dialogs


@pytest.mark.skipif(not CHROMIUM, reason="needs Debian's chromium")
def test_in_chromium(world: World) -> None:
    paths = {
        "/": "Week",
        f"/article/{world.hostile_id}": "OpenAI",
        f"/article/{world.seed_story}": "Amazon",
        "/search?q=pwned": "Search",
        "/search?q=38": "Search",
        "/entity/evil-lab": "Evil</text><script>alert(3)</script><svg onload=alert(4)>",
        "/entity/anthropic?since=2023-09-11&until=2023-10-08": "Anthropic",
        "/compare?e=evil-lab&e=openai": "Compare",
        "/deals": "Deals ledger",
        "/feeds": "Feeds",
    }
    with chromium_page() as chrome:
        for path, heading in paths.items():
            requests, dialogs = visit(chrome, world.base + path)
            assert not dialogs, (path, dialogs)
            # data: is Chromium's own (the date input's icon): nothing goes over the network
            outside = [u for u in requests if not u.startswith((world.base + "/", "data:"))]
            assert not outside, (path, outside)  # no request leaves (no tracker image)
            assert "/static/web.css" in " ".join(requests)  # the page is styled
            state = chrome.evaluate(
                "({title: document.title, scripts: document.scripts.length,"
                " h1: document.querySelector('h1').textContent,"
                " display: getComputedStyle(document.body).display,"
                " iframes: document.querySelectorAll('iframe, img, object, embed').length,"
                " circles: document.querySelectorAll('svg circle').length})"
            )
            assert state["title"] != "pwned" and state["title"].endswith(" · labwatch"), path
            assert state["scripts"] == 0 and state["iframes"] == 0, (path, state)
            assert state["display"] != "none", path  # no style from content applied
            assert heading in state["h1"], (path, state["h1"])
            if path.startswith("/entity/anthropic"):
                assert state["circles"] == 4, state


def test_serve_starts_it_unless_turned_off(world: World) -> None:
    """`labwatch serve` runs the application in a thread for as long as it serves."""
    port = free_port()
    said: list[str] = []
    settings = load_settings(world.home, web_port=port)
    with web_in_background(settings, said.append):
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = get(f"http://127.0.0.1:{port}/entities")
                break
            except OSError:
                assert time.monotonic() < deadline, said
                time.sleep(0.1)
        assert status == 200 and "Anthropic" in body
        assert said == [f"web: http://127.0.0.1:{port}/"]
        # A second one finds the port taken, says so, and serve goes on without it.
        again: list[str] = []
        with web_in_background(settings, again.append):
            assert again == [f"web: port {port} is in use; not started (set web_port)"]
    with pytest.raises(OSError):
        get(f"http://127.0.0.1:{port}/entities")
    off: list[str] = []
    with web_in_background(load_settings(world.home, web=False, web_port=port), off.append):
        assert off == []
        with pytest.raises(OSError):
            get(f"http://127.0.0.1:{port}/entities")

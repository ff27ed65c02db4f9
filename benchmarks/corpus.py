"""The benchmark corpus: N feeds on H loopback hosts with M entries each, served over HTTP.

Hosts are distinct loopback addresses (127.0.0.1, 127.0.0.2, ...), each with its own
threaded server, because labwatch's politeness limits are per host name. Pages and feeds are
written to disk first, so serving them costs little CPU and the extraction limit (which
reads them from disk) sees the same bytes. Servers answer conditional GETs (ETag and
Last-Modified, as a well-behaved news site does) and serve a robots.txt that allows all.

With `real_pages` (a folder of real HTML pages, e.g. ../shared/corpus/articles/html), those
pages are served too, listed by one more feed on the first host.

Loopback answers at once; `Corpus.use_network(Network())` makes every server answer as one
across the internet does (benchmarks/network.py: a delay to the first byte, a bandwidth),
`use_network(None)` back to loopback.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.network import Network, send
from benchmarks.pages import page_html, rss_feed
from benchmarks.textgen import TextGenerator
from extractors.records import Watchlist

_TYPES = {".xml": "application/rss+xml", ".html": "text/html", ".txt": "text/plain"}


@dataclass(frozen=True)
class CorpusSpec:
    feeds: int = 20
    hosts: int = 4
    entries: int = 25
    seed: int = 9
    min_page_bytes: int = 50_000
    max_page_bytes: int = 150_000
    real_pages: Path | None = None  # a folder of real *.html pages to serve as well

    @property
    def synthetic_pages(self) -> int:
        return self.feeds * self.entries


@dataclass(frozen=True)
class Page:
    url: str
    path: Path
    synthetic: bool


@dataclass
class Corpus:
    root: Path
    hosts: list[str]  # "127.0.0.N:PORT"
    feed_urls: list[str] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    sites: list[_Site] = field(default_factory=list, repr=False)

    def use_network(self, network: Network | None) -> None:
        """Answer as `network` says from now on (None: loopback, at once)."""
        for site in self.sites:
            site.network = network

    @property
    def page_bytes(self) -> int:
        return sum(p.path.stat().st_size for p in self.pages)


class _Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.routes: dict[str, Path] = {}
        self.network: Network | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: _Site
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    timeout = 30
    # TCP_NODELAY, as real servers set it: with Nagle's algorithm, http.server's default, a
    # body's last part waited on the client's delayed ACK (5.5 ms a page, one at a time on
    # loopback, against 0.4-0.5 ms without), so "loopback" did not answer at once and the
    # realistic network's delays were not only the ones it states.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # the name http.server dispatches to
        route = urlsplit(self.path).path
        network = self.server.network
        host = str(self.server.server_address[0])
        if network is not None:
            time.sleep(network.first_byte(host, route))
        path = self.server.routes.get(route)
        if path is None:
            self.send_error(404)
            return
        stat = path.stat()
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
        if self._not_modified(etag, stat.st_mtime):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", _TYPES.get(path.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(stat.st_mtime, usegmt=True))
        self.end_headers()
        if network is None:
            self.wfile.write(body)
        else:
            send(self.wfile, body, network.bandwidth(host))

    def _not_modified(self, etag: str, mtime: float) -> bool:
        if self.headers.get("If-None-Match"):
            return self.headers["If-None-Match"] == etag
        since = self.headers.get("If-Modified-Since")
        if not since:
            return False
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False

    def log_message(self, format: str, *args: object) -> None:
        pass


def _real_pages(folder: Path) -> list[Path]:
    """The *.html pages of a corpus folder: DIR/articles/html, DIR/html or DIR itself."""
    for candidate in (folder / "articles" / "html", folder / "html", folder):
        pages = sorted(candidate.glob("*.html"))
        if pages:
            return pages
    raise FileNotFoundError(f"no *.html pages in {folder} (nor in its articles/html or html)")


def _write(root: Path, site: _Site, route: str, text: str) -> Path:
    path = root / route.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    site.routes[route] = path
    return path


def build(spec: CorpusSpec, root: Path, sites: list[_Site], watchlist: Watchlist) -> Corpus:
    """Write the corpus for `spec` under `root`, routing it on `sites` (already bound)."""
    rng = random.Random(spec.seed)
    gen = TextGenerator(watchlist, rng)
    corpus = Corpus(
        root=root, hosts=[s.base_url.removeprefix("http://") for s in sites], sites=sites
    )
    now = datetime.now(UTC).replace(microsecond=0)
    for n, site in enumerate(sites):
        _write(root / f"h{n}", site, "/robots.txt", "User-agent: *\nAllow: /\n")
    for f in range(spec.feeds):
        host = f % len(sites)
        site, base = sites[host], sites[host].base_url
        items = []
        for e in range(spec.entries):
            article = gen.article()
            url = f"{base}/news/{f:03d}/{e:04d}.html"
            when = now - timedelta(minutes=rng.randint(60, 28 * 24 * 60))
            target = rng.randint(spec.min_page_bytes, spec.max_page_bytes)
            html = page_html(article, url, when, f"Bench Site {host}", rng, target)
            path = _write(root / f"h{host}", site, urlsplit(url).path, html)
            corpus.pages.append(Page(url, path, synthetic=True))
            items.append((url, article, when))
        items.sort(key=lambda item: item[2], reverse=True)
        route = f"/feeds/{f:03d}.xml"
        _write(root / f"h{host}", site, route, rss_feed(f"Bench feed {f}", base, items))
        corpus.feed_urls.append(base + route)
    if spec.real_pages is not None:
        site = sites[0]
        lines = []
        for path in _real_pages(spec.real_pages):
            route = f"/real/{path.name}"
            site.routes[route] = path
            corpus.pages.append(Page(site.base_url + route, path, synthetic=False))
            lines.append(
                f"<item><title>{path.stem}</title><link>{site.base_url}{route}</link>"
                f"<pubDate>{formatdate(now.timestamp(), usegmt=True)}</pubDate></item>"
            )
        feed = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Real pages</title><link>{site.base_url}/</link>{''.join(lines)}"
            "</channel></rss>\n"
        )
        _write(root / "h0", site, "/feeds/real.xml", feed)
        corpus.feed_urls.append(site.base_url + "/feeds/real.xml")
    return corpus


@contextmanager
def serve_corpus(spec: CorpusSpec, root: Path, watchlist: Watchlist) -> Iterator[Corpus]:
    """Bind one server per host on 127.0.0.1 ... 127.0.0.H, write the corpus under `root`,
    serve it for the duration of the block."""
    with ExitStack() as stack:
        sites: list[_Site] = []
        for n in range(1, spec.hosts + 1):
            site = _Site((f"127.0.0.{n}", 0))
            stack.callback(site.server_close)
            sites.append(site)
        corpus = build(spec, root, sites, watchlist)
        for site in sites:
            thread = threading.Thread(
                target=site.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            thread.start()
            stack.callback(site.shutdown)  # runs before server_close: callbacks are LIFO
        yield corpus

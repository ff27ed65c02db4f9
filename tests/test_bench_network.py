"""The benchmark corpus's realistic-network mode (benchmarks/network.py): the delays are the
stated distribution, seeded, the same for the same request; bodies arrive whole; loopback
again when the mode is switched off. No wall-clock assertion: what a delay costs is the
benchmark's to report."""

from __future__ import annotations

import io
import socket
import time
import urllib.request
from pathlib import Path

from benchmarks.corpus import CorpusSpec, serve_corpus
from benchmarks.network import Network, send
from benchmarks.realistic import PER_HOST_CONNECTIONS, network_limit
from extractors.watchlist import load_watchlist
from seeds import SEEDS_DIR


def test_delays_follow_the_stated_distribution_and_repeat_per_request() -> None:
    net = Network(seed=3)
    hosts = [f"127.0.0.{n}" for n in range(1, 5)]
    paths = [f"/news/000/{n:04d}.html" for n in range(200)]
    delays = [net.first_byte(h, p) for h in hosts for p in paths]
    assert all(0.05 <= d <= 0.4 for d in delays)
    # Spread over the range, not one value: both ends of it are reached within 15 ms.
    assert min(delays) < 0.065 and max(delays) > 0.385
    assert [net.first_byte(h, p) for h in hosts for p in paths] == delays
    assert Network(seed=4).first_byte(hosts[0], paths[0]) != net.first_byte(hosts[0], paths[0])
    bandwidths = {net.bandwidth(h) for h in hosts}
    assert len(bandwidths) == len(hosts)
    assert all(1e6 <= b <= 8e6 for b in bandwidths)
    assert "50-400 ms" in net.describe() and "1-8 MB/s" in net.describe()


def test_send_writes_the_whole_body_in_order() -> None:
    body = bytes(range(256)) * 300  # 76.8 KB: several chunks
    out = io.BytesIO()
    send(out, body, bytes_per_s=1e9)
    assert out.getvalue() == body


def test_the_corpus_serves_the_same_bytes_over_either_network(tmp_path: Path) -> None:
    spec = CorpusSpec(feeds=2, hosts=2, entries=2, seed=5)
    watchlist = load_watchlist(SEEDS_DIR / "watchlist.toml")
    with serve_corpus(spec, tmp_path / "corpus", watchlist) as corpus:
        urls = [corpus.feed_urls[0], corpus.pages[0].url, corpus.pages[-1].url]

        def bodies() -> list[bytes]:
            out = []
            for url in urls:
                with urllib.request.urlopen(url, timeout=10) as response:
                    out.append(response.read())
            return out

        loopback = bodies()
        corpus.use_network(Network(seed=5))
        assert all(site.network is not None for site in corpus.sites)
        realistic = bodies()
        corpus.use_network(None)
        assert all(site.network is None for site in corpus.sites)
        assert realistic == loopback
        assert loopback[1] == corpus.pages[0].path.read_bytes()

        # The limit: the slowest host's delays and transfers over its two connections.
        net = Network(seed=5)
        per_host: dict[str, float] = {}
        for page in corpus.pages:
            host, _, rest = page.url.removeprefix("http://").partition("/")
            name = host.split(":")[0]
            cost = net.first_byte(name, "/" + rest) + page.path.stat().st_size / net.bandwidth(name)
            per_host[name] = per_host.get(name, 0.0) + cost
        expected = max(per_host.values()) / PER_HOST_CONNECTIONS
        assert abs(network_limit(corpus, net) - expected) < 1e-9


def test_the_corpus_answers_without_nagles_delay(tmp_path: Path) -> None:
    """Python's http.server leaves Nagle's algorithm on: a body's last part then waits for the
    client's delayed ACK. The corpus's sites turn it off on every connection, as real servers
    do: read here from the server's own socket once it has answered."""
    spec = CorpusSpec(feeds=1, hosts=1, entries=2, seed=5)
    watchlist = load_watchlist(SEEDS_DIR / "watchlist.toml")
    with serve_corpus(spec, tmp_path / "corpus", watchlist) as corpus:
        site = corpus.sites[0]
        seen: list[int] = []
        answered = site.shutdown_request

        def recorded(request: socket.socket | tuple[bytes, socket.socket]) -> None:
            assert isinstance(request, socket.socket)  # the server's side of a connection
            seen.append(request.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            answered(request)

        site.shutdown_request = recorded  # type: ignore[method-assign]
        for page in corpus.pages:
            with urllib.request.urlopen(page.url, timeout=10) as response:
                assert response.read() == page.path.read_bytes()
        deadline = time.monotonic() + 10  # the handler's thread closes after the client reads
        while len(seen) < len(corpus.pages) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(seen) == len(corpus.pages)
    assert all(seen)

"""Small real servers on loopback for faults pytest-httpserver cannot produce."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def raw_server(on_connection: Callable[[socket.socket], bool]) -> Iterator[str]:
    """A bare TCP server on loopback; `on_connection` handles each connection and returns
    True to keep it open until the server stops. Yields the base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            if on_connection(conn):
                held.append(conn)
            else:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def cut_off_server(declared: int = 100_000, sent: bytes = b"<rss><channel>") -> ContextManager[str]:
    """Answers with a Content-Length of `declared` bytes, sends `sent`, and closes the
    connection: a body cut off mid-stream."""

    def answer(conn: socket.socket) -> bool:
        conn.recv(65536)
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
            f"Content-Length: {declared}\r\n\r\n"
        )
        conn.sendall(head.encode() + sent)
        return False

    return raw_server(answer)


def stalling_server() -> ContextManager[str]:
    """Accepts connections and never answers: a host that stalls past any timeout."""
    return raw_server(lambda conn: True)


class Concurrency:
    """A counter of requests in progress, and its peak."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0

    def enter(self) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)

    def leave(self) -> None:
        with self.lock:
            self.active -= 1


class CountingServer(ThreadingHTTPServer):
    """Records how many requests it served at once, at most, and when each started; `group`
    counts across all the servers that share it."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], delay: float, group: Concurrency) -> None:
        super().__init__(address, _CountingHandler)
        self.delay = delay
        self.own = Concurrency()
        self.group = group
        self.starts: list[float] = []

    @property
    def peak(self) -> int:
        return self.own.peak


class _CountingHandler(BaseHTTPRequestHandler):
    server: CountingServer

    def do_GET(self) -> None:
        srv = self.server
        srv.starts.append(time.monotonic())
        srv.own.enter()
        srv.group.enter()
        time.sleep(srv.delay)
        srv.group.leave()
        srv.own.leave()
        body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def counting_servers(hosts: int, delay: float = 0.05) -> Iterator[list[CountingServer]]:
    """One counting server on each of 127.0.0.1 … 127.0.0.<hosts>: that many distinct hosts."""
    group = Concurrency()
    servers = [CountingServer((f"127.0.0.{n}", 0), delay, group) for n in range(1, hosts + 1)]
    threads = [
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        for s in servers
    ]
    for t in threads:
        t.start()
    try:
        yield servers
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()

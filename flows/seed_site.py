"""Serves the bundled seed site (seeds/site) on a loopback port, for the demo and the tests."""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from seeds import SITE_DIR

PLACEHOLDER = b"{{BASE_URL}}"


class _Handler(BaseHTTPRequestHandler):
    server: _SeedServer

    def do_GET(self) -> None:  # the name http.server dispatches to
        path = urlsplit(self.path).path.lstrip("/") or "index.html"
        target = (SITE_DIR / path).resolve()
        if SITE_DIR not in target.parents or not target.is_file():
            self.send_error(404)
            return
        body = target.read_bytes().replace(PLACEHOLDER, self.server.base_url.encode())
        # Validators, as a well-behaved news site sends them: a second demo run gets 304s.
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = formatdate(target.stat().st_mtime, usegmt=True)
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        kind = {".xml": "application/xml"}.get(target.suffix) or mimetypes.guess_type(path)[0]
        self.send_response(200)
        self.send_header("Content-Type", f"{kind or 'application/octet-stream'}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the demo prints its own summary


class _SeedServer(ThreadingHTTPServer):
    daemon_threads = True
    base_url = ""


@contextmanager
def serve_seed_site(port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve seeds/site at http://host:port (0 picks a free port); yields the base URL."""
    server = _SeedServer((host, port), _Handler)
    server.base_url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="seed-site", daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()


def seed_feed_urls(base_url: str) -> list[str]:
    return [f"{base_url}/feed.xml", f"{base_url}/atom.xml"]


def seed_host(base_url: str) -> str:
    """The "host:port" of the seed site, to allow in `allowed_private_hosts`."""
    return base_url.removeprefix("http://")

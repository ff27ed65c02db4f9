"""The demo: serve the bundled seed site on loopback, ingest its feeds, write the digest."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Any

from extractors.errors import DemoError
from flows.connection import open_db
from flows.digest import DigestResult, digest
from flows.ingest import ingest
from flows.seed_site import seed_feed_urls, seed_host, serve_seed_site
from flows.settings import Settings
from warehouse.queries import newest_article_week, totals

# Fixed so that article URLs (and so their keys) are the same on every run: a second demo
# then finds everything already stored.
DEMO_PORT = 8765


@dataclass(frozen=True)
class DemoResult:
    base_url: str
    summary: dict[str, Any]
    totals: dict[str, int]
    digest: DigestResult | None


def run_demo(settings: Settings, port: int = DEMO_PORT) -> DemoResult:
    """Ingest the seed site's RSS and Atom feeds, then write the digest of the newest week."""
    try:
        with serve_seed_site(port) as base:
            summary = ingest(
                feed_urls=seed_feed_urls(base),
                home=str(settings.home),
                # Our own loopback site: allowed explicitly, and no need to pace requests.
                overrides={"allowed_private_hosts": [seed_host(base)], "min_host_interval": 0},
            )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise DemoError(
            f"port {port} is in use; free it or pass --port N (use the same port every "
            "time: article keys include it, so another port stores the demo articles again)"
        ) from exc
    if "skipped" in summary:
        raise DemoError(summary["skipped"])
    with open_db(settings, read_only=True) as con:
        week = newest_article_week(con)
        figures = totals(con)
    result = digest(week=week, home=str(settings.home)) if week else None
    return DemoResult(base, summary, figures, result)

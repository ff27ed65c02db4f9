"""The digest flow: the week's figures from the warehouse, written as Markdown and HTML.

`build_digest` writes digests/<week>.md and .html, records them in the `digests` table,
rebuilds digests/index.html and, when `notify_url` is set, sends the headline through
Apprise (an optional dependency: `pip install 'labwatch[notify]'`). A notification that
cannot be sent is reported, never fatal: the digest is written either way.
"""

from __future__ import annotations

import importlib
import logging
import os
import uuid
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flows.connection import open_db
from flows.digest_render import headline, render_html, render_index, render_markdown
from flows.held_signals import ignore_ctrl_c_if_served
from flows.oneoff import flow_run_id, prefect_flows, run_logger
from flows.prefect_env import quiet_interrupts
from flows.progress import log
from flows.settings import Settings, load_settings
from warehouse import deal_ledger
from warehouse.append import replace_row
from warehouse.database import require_warehouse
from warehouse.digest_queries import canonical_week, digest_data, digest_index
from warehouse.queries import iso_week

# Notification outcomes (DigestResult.notification).
NOT_CONFIGURED = ""
SENT = "sent"


@dataclass(frozen=True)
class DigestResult:
    week: str
    markdown: Path
    html: Path
    articles: int
    mentions: int
    deals: int
    index: Path | None = None
    headline: str = ""
    notification: str = NOT_CONFIGURED  # "", "sent", or why nothing was sent


def _write(path: Path, text: str) -> None:
    # Write then rename, so a reader never sees half a digest.
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def last_complete_week(now: datetime | None = None) -> str:
    return iso_week(((now or datetime.now(UTC)) - timedelta(days=7)).date())


class _Mute(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextmanager
def _apprise_muted() -> Iterator[None]:
    """Silence Apprise's logger: it prints a URL it cannot load verbatim ("Could not load
    E-Mail URL: mailto://user:password@..."), and its other messages quote parts of it."""
    logger = logging.getLogger("apprise")
    mute = _Mute()
    logger.addFilter(mute)
    try:
        yield
    finally:
        logger.removeFilter(mute)


def notify(url: str, title: str, body: str) -> str:
    """Send a notification to an Apprise URL; return "sent" or why it was not sent.

    Never raises: a digest is worth more than its notification. The URL may hold
    credentials, so it is never put in a message, ours or Apprise's (muted meanwhile).
    """
    if not url:
        return NOT_CONFIGURED
    try:
        # Optional dependency, imported only when a notification is wanted.
        apprise: Any = importlib.import_module("apprise")
    except ImportError:
        return (
            "not sent: notify_url is set but Apprise is not installed "
            "(pip install 'labwatch[notify]')"
        )
    try:
        with _apprise_muted():
            sender = apprise.Apprise()
            if not sender.add(url):
                return "not sent: Apprise does not recognise notify_url"
            if not sender.notify(title=title, body=body):
                return "not sent: the notification service refused it or could not be reached"
    except Exception as exc:  # a third-party plugin may raise anything; its text may quote
        return f"not sent: {type(exc).__name__} in Apprise"  # the URL, so only the type
    return SENT


def public_link(public_url: str, name: str) -> str:
    """The digest's address where it is served (`public_url`), never a local file: a
    notification is read on another machine. "" when no public_url is set."""
    base = public_url.strip()
    if not base.startswith(("https://", "http://")):
        return ""
    return f"{base.rstrip('/')}/{name}"


def build_digest(settings: Settings, week: str, now: datetime | None = None) -> DigestResult:
    """Write digests/<week>.md and .html, record them in the `digests` table, rebuild
    digests/index.html and send the notification, if one is configured."""
    week = canonical_week(week)  # validate before touching anything
    with open_db(settings) as con:
        # Deals an ingest stored but has not yet put in the ledger (it does so at its end;
        # a run killed before then leaves them): the digest reports them.
        deal_ledger.catch_up(con)
        data = digest_data(con, week, now)
    settings.digests_dir.mkdir(parents=True, exist_ok=True)
    md_path = settings.digests_dir / f"{week}.md"
    html_path = settings.digests_dir / f"{week}.html"
    _write(md_path, render_markdown(data))
    _write(html_path, render_html(data))
    index_path = settings.digests_dir / "index.html"
    with open_db(settings) as con:
        replace_row(
            con,
            "digests",
            {
                "week": week,
                "created_at": datetime.now(UTC),
                "path_md": str(md_path),
                "path_html": str(html_path),
                "articles": data.this_week.articles,
                "mentions": data.this_week.mentions,
                "deals": data.this_week.deals,
            },
        )
        written = digest_index(con)
    # Only weeks whose page is in this folder: the table may list files moved away since.
    _write(
        index_path,
        render_index(
            [r for r in written if (settings.digests_dir / f"{r['week']}.html").is_file()]
        ),
    )
    text = headline(data)
    link = public_link(settings.public_url, html_path.name)
    notification = notify(
        settings.notify_url, f"labwatch digest {week}", f"{text}\n{link}" if link else text
    )
    return DigestResult(
        week=week,
        markdown=md_path,
        html=html_path,
        articles=data.this_week.articles,
        mentions=data.this_week.mentions,
        deals=data.this_week.deals,
        index=index_path,
        headline=text,
        notification=notification,
    )


def open_in_browser(path: Path) -> bool:
    """Open a file in the user's browser; False when no browser is available (a server, an
    SSH session) or it would not start."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return bool(browser.open(path.resolve().as_uri()))


def run_digest(week: str | None = None, home: str | None = None) -> DigestResult:
    """Write the digest of an ISO week (default: the last complete week)."""
    quiet_interrupts()
    ignore_ctrl_c_if_served()  # serve ends its runs itself (flows/held_signals.py)
    settings = load_settings(home)
    # A home with no warehouse yet: say how to make one, not an empty warehouse and digest.
    require_warehouse(settings.warehouse)
    started = datetime.now(UTC)
    run = {
        "run_id": uuid.uuid4().hex[:16],
        "flow": "digest",
        "prefect_run_id": flow_run_id(),
        "started_at": started,
    }
    try:
        result = build_digest(settings, week or last_complete_week())
    except Exception as exc:
        _record_run(settings, {**run, "status": "failed", "error": f"{type(exc).__name__}: {exc}"})
        raise
    _record_run(
        settings,
        {**run, "status": "completed", "mentions": result.mentions, "deals": result.deals},
    )
    log.info(
        "digest %s: %d articles, %d mentions, %d deals: %s",
        result.week, result.articles, result.mentions, result.deals, result.html,
    )  # fmt: skip
    if result.notification not in (NOT_CONFIGURED, SENT):
        run_logger().warning("notification %s", result.notification)
    return result


def _record_run(settings: Settings, row: dict[str, Any]) -> None:
    # Every flow run is a row in `runs`, the digest's too (`labwatch runs --flow digest`).
    with open_db(settings) as con:
        replace_row(con, "runs", {**row, "ended_at": datetime.now(UTC)})


# The Prefect flow `digest` (run_digest), built when first looked up; a one-off command
# without a Prefect server calls the function (flows/oneoff.py).
_flows = prefect_flows(globals(), digest=run_digest)


def __getattr__(name: str) -> Any:
    return _flows(name)

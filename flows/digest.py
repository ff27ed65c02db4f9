"""The digest flow: the week's figures from the warehouse, written as Markdown and HTML."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prefect import flow

from flows.digest_render import render_html, render_markdown
from flows.settings import Settings, load_settings
from warehouse.append import replace_row
from warehouse.database import open_warehouse
from warehouse.queries import digest_data, iso_week, week_bounds


@dataclass(frozen=True)
class DigestResult:
    week: str
    markdown: Path
    html: Path
    articles: int
    mentions: int
    deals: int


def _write(path: Path, text: str) -> None:
    # Write then rename, so a reader never sees half a digest.
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def last_complete_week(now: datetime | None = None) -> str:
    return iso_week(((now or datetime.now(UTC)) - timedelta(days=7)).date())


def build_digest(settings: Settings, week: str) -> DigestResult:
    """Write digests/<week>.md and .html and record them in the `digests` table."""
    week_bounds(week)  # validate before touching anything
    with open_warehouse(settings.warehouse, lock_wait=settings.lock_wait) as con:
        data = digest_data(con, week)
    settings.digests_dir.mkdir(parents=True, exist_ok=True)
    md_path = settings.digests_dir / f"{week}.md"
    html_path = settings.digests_dir / f"{week}.html"
    _write(md_path, render_markdown(data))
    _write(html_path, render_html(data))
    result = DigestResult(
        week,
        md_path,
        html_path,
        data.this_week.articles,
        data.this_week.mentions,
        data.this_week.deals,
    )
    with open_warehouse(settings.warehouse, lock_wait=settings.lock_wait) as con:
        replace_row(
            con,
            "digests",
            {
                "week": week,
                "created_at": datetime.now(UTC),
                "path_md": str(md_path),
                "path_html": str(html_path),
                "articles": result.articles,
                "mentions": result.mentions,
                "deals": result.deals,
            },
        )
    return result


@flow(name="digest")
def digest(week: str | None = None, home: str | None = None) -> DigestResult:
    """Write the digest of an ISO week (default: the last complete week)."""
    settings = load_settings(home)
    return build_digest(settings, week or last_complete_week())

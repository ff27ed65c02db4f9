"""Hostile text in the digest: markup, javascript: links, </style> and SVG labels from feeds,
pages and the watchlist are never active, in the HTML (checked in its source and in the DOM
headless Chromium builds from it) or in the Markdown. The seed site's digest is also rendered
to a PNG for a person to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from extractors.analyse import analyse
from extractors.entities import Tagger
from extractors.records import FeedEntry, PageInput
from flows.digest import build_digest
from flows.rows import article_rows, entity_rows
from flows.settings import Settings, load_settings
from tests.helpers import SEED_SLUGS, seed_html
from tests.test_digest import AFTER, EVIL_NAME, HOSTILE, HOSTILE_SITE, WEEK, fill
from warehouse.append import record_watchlist
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.queries import newest_article_week

# Every element the digest template writes; anything else came from content.
TEMPLATE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "footer", "section", "div",
    "p", "a", "h1", "h2", "h3", "strong", "span", "table", "thead", "tbody", "tr", "th", "td",
    "ul", "ol", "li", "blockquote", "svg", "line", "text", "polyline", "polygon", "circle",
}  # fmt: skip
OUR_RELATIVE_LINKS = {"index.html", f"{WEEK}.md"}


class Elements(HTMLParser):
    """Every start tag with its attributes, and every end tag, as a browser's tokenizer
    sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.ends: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.ends.append(tag)


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert(html: str) -> None:
    """Only the template's own elements, no event handlers, only http(s) and our own links."""
    found = elements(html)
    assert {tag for tag, _ in found.starts} <= TEMPLATE_TAGS
    for tag, attrs in found.starts:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("https://", "http://")) or href in OUR_RELATIVE_LINKS, href
    # One style sheet, closed once: no </style> from content ended it early.
    assert [t for t, _ in found.starts].count("style") == 1
    assert found.ends.count("style") == 1
    # One small chart per leading entity, no more.
    tags = [t for t, _ in found.starts]
    assert tags.count("svg") == html.count('class="multiple"') >= 1


@pytest.fixture
def settings(home: Path) -> Settings:
    return fill(home)


def test_hostile_text_is_escaped_in_html(settings: Settings) -> None:
    html = build_digest(settings, WEEK, AFTER).html.read_text(encoding="utf-8")
    assert_inert(html)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "javascript:alert(document.cookie)" not in html  # the hostile article's URL
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "&lt;/style&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html  # the site name
    svg = html[html.index("<svg") : html.index("</svg>")]  # evil-lab's chart comes first
    label = svg[svg.index('aria-label="') : svg.index(": weekly")]
    assert label.startswith(
        'aria-label="Evil&lt;/text&gt;&lt;script&gt;alert(3)'
    ) and label.endswith("…")  # cut
    assert (
        "Evil&lt;/text&gt;&lt;script&gt;alert(3)&lt;/script&gt;&lt;svg onload=alert(4)&gt;" in svg
    )
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_hostile_text_is_escaped_in_markdown(settings: Settings) -> None:
    text = build_digest(settings, WEEK, AFTER).markdown.read_text(encoding="utf-8")
    for raw in ("<script", "<img", "<svg", "</style", "</text"):
        assert raw not in text
    assert "](javascript:" not in text and "(javascript:alert(document" not in text
    assert "\\[link\\]\\(javascript:alert\\(1\\)\\)" in text
    assert "\\$5 and \\$6" in text  # no inline math
    assert "&lt;/style&gt;&lt;script&gt;alert\\(2\\)&lt;/script&gt;" in text
    assert HOSTILE not in text and HOSTILE_SITE not in text and EVIL_NAME not in text
    # Table rows keep their cell count: no pipe from content splits a cell.
    for line in text.splitlines():
        if line.startswith("| Evil"):
            assert line.replace("\\|", "").count("|") == 5


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium (Debian package chromium) is not installed"
)


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-extensions", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@needs_chromium
def test_hostile_text_is_inert_in_the_browser(settings: Settings) -> None:
    html = build_digest(settings, WEEK, AFTER).html
    # --virtual-time-budget lets timers and load events run before the DOM is read.
    out = chromium("--virtual-time-budget=2000", "--dump-dom", html.resolve().as_uri())
    assert out.returncode == 0, out.stderr
    dom = out.stdout
    assert "<body" in dom
    assert_inert(dom)
    # Had any script run, it would have set the title to "pwned".
    found = elements(dom)
    assert "pwned" not in dom.split("</title>")[0]
    assert f"labwatch digest — {WEEK}</title>" in dom
    assert not any(tag in ("script", "img", "iframe", "object", "embed") for tag, _ in found.starts)


def seed_site_settings(home: Path) -> Settings:
    """The demo's warehouse without the demo's servers: the two seed pages extracted and
    tagged by the real pipeline, stored as the ingest stores them."""
    settings = load_settings(home)
    watchlist = settings.load_watchlist()
    tagger = Tagger(watchlist)
    now = datetime(2024, 5, 20, tzinfo=UTC)
    with open_warehouse(settings.warehouse) as con:
        record_watchlist(con, entity_rows(watchlist))
        for slug in SEED_SLUGS:
            url = f"http://127.0.0.1:8765/{slug}.html"
            entry = FeedEntry(url=url, title="", guid=url, published=None, author="",
                              summary="", content="")  # fmt: skip
            article = analyse(PageInput(entry, url, seed_html(slug)), tagger)
            arts, mentions, deals = article_rows([article], "demo", now, watchlist.version)
            append_batch(con, arts, [], mentions, deals)
    return settings


@needs_chromium
def test_seed_site_digest_renders_to_png(home: Path, tmp_path: Path) -> None:
    settings = seed_site_settings(home)
    with open_warehouse(settings.warehouse, read_only=True) as con:
        week = newest_article_week(con)
    assert week
    result = build_digest(settings, week, AFTER)
    assert (week, result.articles) == ("2024-W20", 1) and result.deals > 0
    assert_inert(result.html.read_text(encoding="utf-8").replace(f"{week}.md", f"{WEEK}.md"))
    png = tmp_path / f"digest-{week}.png"
    out = chromium("--window-size=1000,4000", f"--screenshot={png}", result.html.resolve().as_uri())
    assert out.returncode == 0, out.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page, not a blank
    # For a person to look at: DIGEST_SCREENSHOT_DIR=/some/dir keeps a copy (LABWATCH_* are cleared).
    keep = os.environ.get("DIGEST_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)

"""Realistic news pages (50–150 KB) and RSS feeds for the benchmark corpus.

A page is mostly chrome, as real news pages are: metadata and JSON-LD in the head, a cookie
banner, navigation, ads between paragraphs, related stories, comments, a footer, and an
inline state script that pads the page to its target size (news sites embed their app state
the same way). The article itself is 5–15 KB of text.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from email.utils import format_datetime
from html import escape

from benchmarks.textgen import CITIES, PEOPLE, TOPICS, GeneratedArticle

SECTIONS = ("World", "Business", "Tech", "Markets", "Science", "Opinion", "Climate", "Culture")


def _links(rng: random.Random, n: int, prefix: str) -> str:
    return "".join(
        f'<li><a href="/{prefix}/{rng.randint(1000, 99999)}/">{rng.choice(SECTIONS)} '
        f"{rng.choice(TOPICS)}</a></li>"
        for _ in range(n)
    )


def _menu(rng: random.Random) -> str:
    """A mega menu: sections with their sub-sections, as news sites nest them."""
    return "".join(
        f'<li class="menu-item"><a href="/{s.lower()}/"><span>{s}</span></a>'
        f'<div class="submenu"><ul>{_links(rng, rng.randint(6, 12), s.lower())}</ul></div></li>'
        for s in SECTIONS
    )


_ICON = (
    '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2 L22 12 L12 22 '
    'L2 12 Z"/><path d="M7 12 h10"/></svg>'
)


def _teasers(rng: random.Random, n: int) -> str:
    cards = []
    for _ in range(n):
        title = f"{rng.choice(CITIES)}: what {rng.choice(TOPICS)} means for {rng.choice(SECTIONS)}"
        link = f"/story/{rng.randint(10**5, 10**6)}/"
        image = f"/img/{rng.randint(1, 10**6)}"
        cards.append(
            f'<div class="card"><div class="card-media"><a href="{link}"><picture>'
            f'<source srcset="{image}.webp" type="image/webp"><img src="{image}.jpg" alt="" '
            f'loading="lazy" width="320" height="180"></picture></a></div><div class="card-body">'
            f'<span class="kicker">{rng.choice(SECTIONS)}</span><h3><a href="{link}">'
            f'{escape(title)}</a></h3><p class="meta">{rng.randint(2, 40)} min read · '
            f"{rng.choice(PEOPLE)}</p></div></div>"
        )
    return "".join(cards)


def _comments(rng: random.Random, n: int) -> str:
    return "".join(
        f'<li class="comment"><span class="comment-author">{rng.choice(PEOPLE)}</span>'
        f"<p>Interesting take on {rng.choice(TOPICS)}; I wonder what happens in "
        f"{rng.choice(CITIES)} next year.</p><button>Reply</button> "
        f"<button>Like ({rng.randint(0, 300)})</button></li>"
        for _ in range(n)
    )


def _state(rng: random.Random, size: int) -> str:
    """An app-state script of about `size` bytes."""
    items: list[dict[str, object]] = []
    length = 40
    while length < size:
        item: dict[str, object] = {
            "id": rng.randint(10**8, 10**9),
            "slug": f"{rng.choice(TOPICS).replace(' ', '-')}-{rng.randint(1, 10**6)}",
            "section": rng.choice(SECTIONS),
            "byline": rng.choice(PEOPLE),
            "score": round(rng.random(), 6),
            "flags": [rng.random() < 0.5 for _ in range(6)],
        }
        items.append(item)
        length += 190
    return "window.__APP_STATE__ = " + json.dumps({"feed": items}, separators=(",", ":")) + ";"


def page_html(
    article: GeneratedArticle,
    url: str,
    published: datetime,
    site: str,
    rng: random.Random,
    target_bytes: int,
) -> str:
    """The article as a full news page of about `target_bytes` (at least the page itself)."""
    title, author = escape(article.title), escape(article.author)
    paragraphs: list[str] = []
    for n, para in enumerate(article.paragraphs):
        paragraphs.append(f"<p>{escape(para)}</p>")
        if n % 4 == 3:
            paragraphs.append(
                f'<div class="ad-slot" data-slot="mid-{n}"><span>Advertisement</span></div>'
            )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": published.isoformat(),
            "author": [{"@type": "Person", "name": article.author}],
            "publisher": {"@type": "Organization", "name": site},
            "mainEntityOfPage": url,
        }
    )
    head = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} | {site}</title>
<link rel="canonical" href="{escape(url)}">
<meta name="description" content="{escape(article.summary)}">
<meta name="author" content="{author}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{published.isoformat()}">
<script type="application/ld+json">{ld}</script>
<style>body{{font-family:Georgia,serif;margin:0}}.teaser{{display:inline-block;width:320px}}
.ad-slot{{min-height:250px;background:#f4f4f4}}.site-footer li{{display:inline}}</style>
</head>
<body class="article-page">
<div id="cookie-banner" role="dialog"><p>We use cookies to personalise content and ads and to
analyse our traffic.</p><button>Accept all</button><button>Manage settings</button></div>
<header class="site-header"><a class="logo" href="/">{site}</a>
<nav class="main-nav"><ul>{_menu(rng)}</ul></nav>
<a class="subscribe" href="/subscribe/">Subscribe</a></header>
<main id="main">
<nav class="breadcrumbs"><ol><li><a href="/">Home</a></li><li><a href="/tech/">Tech</a></li>
</ol></nav>
<article class="story">
<h1>{title}</h1>
<div class="byline">By <a rel="author" href="/author/{rng.randint(1, 999)}/">{author}</a> ·
<time datetime="{published.isoformat()}">{format_datetime(published)}</time></div>
<div class="story-body">
{"".join(paragraphs)}
</div>
<div class="share"><a href="#">{_ICON}Share on X</a> <a href="#">{_ICON}Share on LinkedIn</a>
<a href="#">{_ICON}Email</a></div>
</article>
<aside class="newsletter"><h2>Sign up for the {site} briefing</h2><form><input type="email"
placeholder="Your email"><button>Sign up</button></form></aside>
<aside class="related"><h2>More stories</h2>{_teasers(rng, rng.randint(15, 40))}</aside>
<section class="comments"><h2>Comments</h2><ol>{_comments(rng, rng.randint(0, 30))}</ol>
</section>
</main>
<footer class="site-footer"><ul>{_links(rng, rng.randint(40, 100), "about")}</ul>
<p>© {published.year} {site}. All rights reserved.</p></footer>
"""
    tail = "</body>\n</html>\n"
    missing = target_bytes - len(head.encode()) - len(tail)
    state = f"<script>{_state(rng, missing)}</script>\n" if missing > 200 else ""
    return head + state + tail


def rss_feed(title: str, link: str, items: list[tuple[str, GeneratedArticle, datetime]]) -> str:
    """An RSS 2.0 feed listing `items` (url, article, published), with summaries only."""
    entries = "".join(
        f"""
    <item>
      <title>{escape(a.title)}</title>
      <link>{escape(url)}?utm_source=rss&amp;utm_medium=feed</link>
      <guid isPermaLink="false">{escape(url)}</guid>
      <pubDate>{format_datetime(when)}</pubDate>
      <dc:creator>{escape(a.author)}</dc:creator>
      <description>{escape("<p>" + escape(a.summary) + "</p>")}</description>
    </item>"""
        for url, a, when in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{escape(title)}</title>
    <link>{escape(link)}</link>
    <description>Benchmark feed</description>{entries}
  </channel>
</rss>
"""

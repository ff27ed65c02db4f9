"""Rendering the weekly digest as GitHub Markdown and as one self-contained HTML page.

Every string that came from a feed or a page is untrusted: HTML is rendered by Jinja2 with
autoescaping on, Markdown escapes its own special characters, and only http(s) links are
ever rendered as links.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader

from warehouse.queries import DigestData


def safe_url(url: str | None) -> str:
    """The URL if it is http(s), else "" (no javascript:, data: or relative links)."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    # Characters that would end a Markdown link or an HTML attribute are percent-encoded.
    return quote(url.strip(), safe=":/?#[]@!$&'*+,;=%-._~")


def money(low: float | None, high: float | None, qualifier: str = "") -> str:
    def fmt(v: float) -> str:
        for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
            if v >= size:
                return f"${v / size:.3g}{suffix}"
        return f"${v:,.0f}"

    if low is None:
        return "undisclosed"
    text = fmt(low) if high is None or high == low else f"{fmt(low)}–{fmt(high)}"
    return f"{qualifier} {text}" if qualifier else text


def plural(n: int, one: str, many: str = "") -> str:
    return one if n == 1 else (many or one + "s")


def change(now: int, before: int) -> str:
    if before == 0:
        return "new" if now else "–"
    pct = round(100 * (now - before) / before)
    return f"{pct:+d}%"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")


def md(text: Any) -> str:
    """Escape text for Markdown (table-safe: no pipes or newlines, no raw HTML)."""
    s = " ".join(str(text if text is not None else "").split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def md_link(text: Any, url: str | None) -> str:
    target = safe_url(url)
    return f"[{md(text)}]({target})" if target else md(text)


def _context(data: DigestData) -> dict[str, Any]:
    last_day = data.end - timedelta(days=1)
    return {
        "d": data,
        "span": f"{data.start:%a %d %b %Y} – {last_day:%a %d %b %Y}",
        "empty": data.this_week.articles == 0,
        "money": money,
        "change": change,
        "plural": plural,
        "safe_url": safe_url,
    }


def render_markdown(data: DigestData) -> str:
    c = _context(data)
    w, p = data.this_week, data.last_week
    out = [f"# labwatch digest — {data.week}", "", f"_{c['span']}_", ""]
    if c["empty"]:
        out += ["**No articles were stored for this week.**", ""]
    out += [
        f"**{w.articles}** {plural(w.articles, 'article')} from **{w.sources}** "
        f"{plural(w.sources, 'source')} (last week: {p.articles}), **{w.entities}** "
        f"{plural(w.entities, 'entity', 'entities')} mentioned **{w.mentions}** "
        f"{plural(w.mentions, 'time')}, **{w.deals}** {plural(w.deals, 'deal')}.",
        "",
        "## Entities",
        "",
    ]
    if data.entities:
        out += [
            "| Entity | Kind | Mentions | Articles | Last week | Change |",
            "|---|---|--:|--:|--:|--:|",
        ]
        out += [
            f"| {md(e['name'])} | {md(e['kind'])} | {e['mentions']} | {e['articles']} | "
            f"{e['last_mentions']} | {change(e['mentions'], e['last_mentions'])} |"
            for e in data.entities
        ]
    else:
        out.append("No watchlist entity was mentioned.")
    out += ["", "## Deals", ""]
    if data.deals:
        for d in data.deals:
            amount = money(d["amount_usd"], d["amount_max_usd"], d["qualifier"] or "")
            year = f" ({d['year']})" if d["year"] else ""
            out.append(
                f"- **{md(d['kind'])}**: {md(d['investor_id'])} → {md(d['target_id'])}, "
                f"{md(amount)}{year} — "
                f"“{md(d['evidence'])}” ({md_link(d['title'] or 'source', d['url'])})"
            )
    else:
        out.append("No deals were reported.")
    out += ["", "## Top stories", ""]
    if data.stories:
        for s in data.stories:
            also = ", ".join(md_link(o["site"], o["url"]) for o in s["also"])
            out.append(
                f"1. {md_link(s['title'] or s['url'], s['url'])} — {md(s['site'])}; "
                f"{s['sources']} {plural(s['sources'], 'source')}, "
                f"{s['mentions']} {plural(s['mentions'], 'mention')}"
                + (f" (also: {also})" if also else "")
            )
    else:
        out.append("No stories.")
    out += ["", "## Feed health", ""]
    if data.failing_feeds:
        out += [
            f"- {md_link(f['name'], f['url'])}: {md(f['last_outcome'])} — {md(f['last_error'])} "
            f"({f['consecutive_failures']} failures in a row)"
            for f in data.failing_feeds
        ]
    else:
        out.append("All feeds answered at their last fetch.")
    return "\n".join(out) + "\n"


_HTML = Environment(
    loader=PackageLoader("flows", "templates"),
    autoescape=True,  # every value is escaped unless marked safe, and none is
    trim_blocks=True,
    lstrip_blocks=True,
).get_template("digest.html.j2")


def render_html(data: DigestData) -> str:
    return _HTML.render(**_context(data))

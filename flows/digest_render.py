"""Rendering the weekly digest as GitHub Markdown and as one self-contained HTML page.

Every string that came from a feed, a page or the watchlist is untrusted: HTML is rendered
by Jinja2 with autoescaping on (no value is ever marked safe), Markdown escapes its own
special characters, and only http(s) links are ever rendered as links. The trend chart is
inline SVG drawn here from numbers; its labels go through the same autoescaping.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from jinja2 import Environment, PackageLoader

from warehouse.digest_queries import (
    MEAN_WEEKS,
    SPIKE_MIN_ARTICLES,
    SPIKE_MIN_MENTIONS,
    SPIKE_RATIO,
    DealReport,
    DigestData,
    EntityWeek,
    Link,
    Story,
    Trend,
    WeekFigures,
)

KIND_TITLES = {"lab": "AI labs", "cloud": "Cloud providers", "company": "Backers and big tech"}
KIND_COLUMN = {"lab": "Lab", "cloud": "Cloud", "company": "Company"}


def safe_url(url: str | None) -> str:
    """The URL if it is http(s), else "" (no javascript:, data: or relative links)."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    # Characters that would end a Markdown link or an HTML attribute are percent-encoded.
    return quote(urlunsplit(parts), safe=":/?#[]@!$&'*+,;=%-._~")


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


def deal_roles(roles: tuple[tuple[str, str, str], ...]) -> str:
    """A deal card's roles line: "Led by ICONIQ and Fidelity; with Nvidia" for a round,
    "Partners: OpenAI, Oracle and SoftBank" for a joint venture ("" when none)."""

    def names(role: str) -> str:
        found = [name for _, name, r in roles if r == role]
        return ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else "".join(found)

    parts = []
    if names("lead"):
        parts.append(f"Led by {names('lead')}")
    if names("participant"):
        parts.append(("with " if parts else "Backers: ") + names("participant"))
    if names("partner"):
        parts.append(f"Partners: {names('partner')}")
    return "; ".join(parts)


# Kinds whose two parties have no direction (extractors/deals.py SYMMETRIC, stored in
# alphabetical order): an arrow between them would say who did what to whom.
_SYMMETRIC_KINDS = frozenset({"partnership", "merger", "joint_venture"})


def deal_link(kind: str) -> str:
    """What stands between a deal's two parties: "→" from investor, buyer or provider to the
    other party; "↔" for a partnership, merger or joint venture, whose order is alphabetical."""
    return "↔" if kind in _SYMMETRIC_KINDS else "→"


def deal_status(status: str) -> str:
    """The status shown on a deal card: nothing for a reported deal, else its words."""
    return "" if status == "reported" else status.replace("_", " ")


def deal_reader(found_by: str) -> str:
    """The mark of a deal only the deal model read (the setting `deal_model`): its deals
    are right less often than the rules' (docs/deals.md), so the reader is told."""
    return "read by the model" if found_by == "model" else ""


def plural(n: int, one: str, many: str = "") -> str:
    return one if n == 1 else (many or one + "s")


def change(now: float, before: float) -> str:
    """Change against a previous figure: "+50%", "−20%", "new" (from zero) or "–"."""
    if before == 0:
        return "new" if now else "–"
    pct = round(100 * (now - before) / before)
    return f"{pct:+d}%".replace("-", "−")


def trend_class(now: float, before: float) -> str:
    return "up" if now > before else "down" if now < before else ""


def mean(v: float) -> str:
    """One decimal, halves rounded up (4.25 -> 4.3, as a reader expects), no ".0"."""
    return f"{math.floor(v * 10 + 0.5) / 10:.1f}".removesuffix(".0")


_SPARKS = "▁▂▃▄▅▆▇█"


def spark(counts: list[int]) -> str:
    """A text sparkline: one block per week, scaled to the largest count."""
    top = max(counts, default=0)
    if not top:
        return _SPARKS[0] * len(counts)
    return "".join(_SPARKS[min(7, math.ceil(7 * c / top))] if c else _SPARKS[0] for c in counts)


def heat(n: int, top: int) -> int:
    """Heatmap level 0-5 of a count against the largest count."""
    return 0 if n <= 0 or top <= 0 else max(1, min(5, math.ceil(5 * n / top)))


def summary(data: DigestData) -> str:
    """The week's figures in one plain sentence."""
    w, p = data.this_week, data.last_week
    if data.empty:
        return "no articles were stored for this week."
    return (
        f"{w.articles} {plural(w.articles, 'article')} "
        f"({change(w.articles, p.articles)} on last week) from {w.sources} "
        f"{plural(w.sources, 'source')}; {w.entities} "
        f"{plural(w.entities, 'entity', 'entities')} mentioned {w.mentions} "
        f"{plural(w.mentions, 'time')}; {w.new_deals} new {plural(w.new_deals, 'deal')}."
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- The briefing ---------------------------------------------------------------------------

STORIES_PER_LAB = 3


def _quoted(title: str) -> str:
    return f"“{' '.join(title.split())}”"


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def stories_naming(data: DigestData, entity_id: str) -> list[Story]:
    return [s for s in data.stories if any(e[0] == entity_id for e in s.entities)]


def briefing(data: DigestData) -> str:
    """The opening paragraph, written from the figures: who led the week and why, the largest
    new deal, the biggest riser, the most carried story, what is new. No model involved:
    each sentence is a template over numbers and names from the warehouse."""
    if data.empty:
        return ""
    out = []
    rows = [e for kind in ("lab", "cloud", "company") for e in data.entities.get(kind, [])]
    labs = [e for e in data.entities.get("lab", []) if e.mentions]
    lead = labs[0] if labs else max(rows, key=lambda e: e.mentions, default=None)
    why: list[Story] = []
    if lead and lead.mentions:
        why = stories_naming(data, lead.entity_id)
        trend = (
            f"up from {lead.last_mentions} last week" if lead.mentions > lead.last_mentions
            else f"down from {lead.last_mentions} last week" if lead.mentions < lead.last_mentions
            else "as many as last week"
        )  # fmt: skip
        text = (
            f"{lead.name} led the week with {lead.mentions} "
            f"{plural(lead.mentions, 'mention')} in {lead.articles} "
            f"{plural(lead.articles, 'article')} ({trend})"
        )
        if why:
            top = why[0]
            text += f", most of all for {_quoted(top.title)} ({top.sources} {plural(top.sources, 'source')})"  # noqa: E501
        out.append(text + ".")
    new_deals = [d for d in data.deals if d.status == "new"]
    if new_deals:
        # A deal a rule read before one only the deal model read, however large.
        big = max(
            new_deals, key=lambda d: (d.found_by != "model", d.amount_usd or 0, d.sources_week)
        )
        amount = money(big.amount_usd, big.amount_max_usd, big.qualifier)
        what = "The largest new deal" if len(new_deals) > 1 else "The one new deal"
        mark = deal_reader(big.found_by)
        reader = f", {mark}" if mark else ""
        out.append(
            f"{what}: {big.investor_name} {deal_link(big.kind)} {big.target_name}, {big.kind}, "
            f"{amount} "
            f"({big.sources_week} {plural(big.sources_week, 'source')}{reader})."
        )
    risers = sorted(
        (e for e in rows if e.mentions > e.last_mentions and e is not lead),
        key=lambda e: (-(e.mentions - e.last_mentions), -e.mentions, e.entity_id),
    )
    if risers:
        r = risers[0]
        out.append(
            f"Biggest riser: {r.name}, {r.mentions} {plural(r.mentions, 'mention')} "
            f"against {r.last_mentions} last week" + (" (a spike)." if r.spike else ".")
        )
    carried = data.stories[0] if data.stories and data.stories[0].sources > 1 else None
    if carried and why and why[0] is carried:
        out[0] = out[0][:-1] + f", carried by {_names([x.site for x in carried.links][:4])}."
    elif carried:
        out.append(
            f"The most carried story, {_quoted(carried.title)}, ran at {carried.sources} "
            f"sources ({_names([x.site for x in carried.links if x.site][:4])})."
        )
    if data.new_entities:
        names = [e.name for e in data.new_entities[:5]]
        more = len(data.new_entities) - len(names)
        out.append(
            "New to the warehouse: " + _names(names + ([f"{more} more"] if more else [])) + "."
        )
    return " ".join(out)


@dataclass(frozen=True)
class LabSection:
    lab: EntityWeek
    stories: list[Story]
    deals: list[DealReport]
    partners: list[tuple[str, int]]  # (name, articles together this week)


def lab_sections(data: DigestData) -> tuple[list[LabSection], list[EntityWeek]]:
    """A section per lab named this week (its stories, deals and co-mentions), and the labs
    named only in the weeks before, for one line."""
    names = {e.entity_id: e.name for rows in data.entities.values() for e in rows}
    names |= {k: v for k, v in data.co_mentions.others}
    active, quiet = [], []
    for lab in data.entities.get("lab", []):
        if not lab.mentions:
            quiet.append(lab)
            continue
        cells = data.co_mentions.cells.items()
        partners = sorted(
            ((names.get(o, o), n) for (x, o), n in cells if x == lab.entity_id),
            key=lambda p: (-p[1], p[0]),
        )
        active.append(
            LabSection(
                lab=lab,
                stories=stories_naming(data, lab.entity_id)[:STORIES_PER_LAB],
                deals=[d for d in data.deals if lab.entity_id in (d.investor, d.target)],
                partners=partners,
            )
        )
    return active, quiet


def headline(data: DigestData) -> str:
    """The notification's text: the week and its summary."""
    return f"labwatch digest {data.week}: {summary(data)}"


def notes(data: DigestData) -> list[str]:
    """What the reader must know about the week's coverage before reading the figures."""
    out = []
    if data.empty:
        out.append("No articles were stored for this week.")
        if not data.newest_week:
            out.append("The warehouse holds no articles yet: run labwatch ingest.")
        elif data.newest_week < data.week:
            out.append(f"The newest stored article is from {data.newest_week}.")
        if not data.ingest_runs and not data.in_progress:
            out.append("No ingest ran during this week.")
    if data.in_progress:
        out.append(f"This week is not over: figures as of {data.as_of:%a %d %b %H:%M} UTC.")
    if data.thin:
        out.append(
            f"A thin week: {data.this_week.articles} "
            f"{plural(data.this_week.articles, 'article')} against a mean of "
            f"{mean(data.mean_articles)} over the {MEAN_WEEKS} weeks before."
        )
    if data.failing_feeds and (data.empty or data.thin):
        n = len(data.failing_feeds)
        out.append(f"{n} {plural(n, 'feed')} failed this week: see Feed health.")
    return out


# --- The trend as small multiples ---------------------------------------------------------


@dataclass(frozen=True)
class Multiple:
    """One small chart: an entity's weekly mentions on the scale shared by all of them."""

    name: str
    this_week: int
    total: int
    points: str  # SVG polyline points
    area: str  # SVG polygon points (the area under the line)
    dots: list[tuple[float, float, str]]  # x, y, tooltip (weeks with mentions)
    last: tuple[float, float]  # this week's point


@dataclass(frozen=True)
class Multiples:
    width: int
    height: int
    top: int
    bottom: int
    left: int
    right: int
    y_max: int
    first_week: str
    last_week: str
    charts: list[Multiple]
    description: str


def trend_multiples(trend: Trend, width: int = 220, height: int = 64) -> Multiples | None:
    """Geometry of one small chart per leading entity, all on one y scale so they compare
    at a glance; None when there is nothing to draw."""
    if not trend.series or not any(any(s.counts) for s in trend.series):
        return None
    left, right, top, bottom = 4, width - 4, 6, height - 16
    y_max = max(max(s.counts) for s in trend.series)
    n = len(trend.weeks)

    def x(i: int) -> float:
        return round(left + (right - left) * i / max(1, n - 1), 1)

    def y(v: int) -> float:
        return round(bottom - (bottom - top) * v / y_max, 1)

    charts = []
    for s in trend.series:
        pts = [(x(i), y(c)) for i, c in enumerate(s.counts)]
        line = " ".join(f"{px},{py}" for px, py in pts)
        charts.append(
            Multiple(
                name=s.name if len(s.name) <= 28 else s.name[:27] + "…",
                this_week=s.counts[-1],
                total=sum(s.counts),
                points=line,
                area=f"{pts[0][0]},{bottom} {line} {pts[-1][0]},{bottom}",
                dots=[
                    (px, py, f"{s.name}, {w}: {c} {plural(c, 'mention')}")
                    for (px, py), w, c in zip(pts, trend.weeks, s.counts, strict=True)
                    if c
                ],
                last=pts[-1],
            )
        )
    return Multiples(
        width=width,
        height=height,
        top=top,
        bottom=bottom,
        left=left,
        right=right,
        y_max=y_max,
        first_week=trend.weeks[0].split("-")[1],
        last_week=trend.weeks[-1].split("-")[1],
        charts=charts,
        description=(
            f"Weekly mentions of {', '.join(s.name for s in trend.series)} "
            f"from {trend.weeks[0]} to {trend.weeks[-1]}, one chart each, same scale (0 to {y_max})"
        ),
    )


# --- Markdown -------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>$])")


def md(text: Any) -> str:
    """Escape text for Markdown (table-safe: no pipes or newlines, no raw HTML, no math)."""
    s = " ".join(str(text if text is not None else "").split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def md_link(text: Any, url: str | None) -> str:
    target = safe_url(url)
    return f"[{md(text)}]({target})" if target else md(text)


def _span(data: DigestData) -> str:
    last_day = data.end - timedelta(days=1)
    return f"{data.start:%a %d %b %Y} – {last_day:%a %d %b %Y}"


def _figure_rows(w: WeekFigures, p: WeekFigures) -> list[tuple[str, int, int]]:
    return [
        ("Articles", w.articles, p.articles),
        ("Sources", w.sources, p.sources),
        ("Entities mentioned", w.entities, p.entities),
        ("Mentions", w.mentions, p.mentions),
        ("New deals", w.new_deals, p.new_deals),
        ("Deal reports", w.deals, p.deals),
    ]


def _md_entities(kind: str, rows: list[EntityWeek]) -> list[str]:
    out = [f"### {KIND_TITLES[kind]}", ""]
    if not rows:
        return [*out, "None mentioned in the last five weeks.", ""]
    out += [
        f"| {KIND_COLUMN[kind]} | Mentions | Articles | Last week | {MEAN_WEEKS}-week mean "
        "| Change | |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    out += [
        f"| {md(e.name)} | {e.mentions} | {e.articles} | {e.last_mentions} | {mean(e.mean)} "
        f"| {change(e.mentions, e.last_mentions)} | {'**spike**' if e.spike else ''} |"
        for e in rows
        if e.mentions
    ]
    quiet = [e for e in rows if not e.mentions]
    if len(quiet) == len(rows):
        out = out[:2]
    if quiet:
        out += ["", "No mentions this week: " + ", ".join(md(e.name) for e in quiet) + "."]
    return [*out, ""]


def _md_story(s: Story) -> str:
    sources = ", ".join(md_link(x.site or x.title, x.url) for x in s.links)
    names = ", ".join(md(name) for _, name, _ in s.entities[:6])
    return f"{md_link(s.title, s.url)} — {s.sources} {plural(s.sources, 'source')}: {sources}" + (
        f"; names {names}" if names else ""
    )


def _md_labs(data: DigestData) -> list[str]:
    active, quiet = lab_sections(data)
    out = ["## Labs this week", ""]
    if not active:
        out += ["No AI lab was named this week.", ""]
    for sec in active:
        lab = sec.lab
        out += [
            f"### {md(lab.name)}",
            "",
            f"{lab.mentions} {plural(lab.mentions, 'mention')} in {lab.articles} "
            f"{plural(lab.articles, 'article')} ({change(lab.mentions, lab.last_mentions)} on "
            f"last week)" + (", **spike**" if lab.spike else "") + ".",
            "",
        ]
        out += [f"- {_md_story(st)}" for st in sec.stories]
        out += [
            f"- Deal: {md(d.investor_name)} {deal_link(d.kind)} {md(d.target_name)}, {md(d.kind)}, "
            f"{md(money(d.amount_usd, d.amount_max_usd, d.qualifier))} ({d.status})"
            for d in sec.deals
        ]
        if sec.partners:
            out.append("- Named with: " + ", ".join(f"{md(n)} ({k})" for n, k in sec.partners[:6]))
        out.append("")
    if quiet:
        out += ["Quiet this week: " + ", ".join(md(e.name) for e in quiet) + ".", ""]
    return out


def _md_links(links: list[Link]) -> str:
    return ", ".join(
        md_link(x.title, x.url) + (f" ({md(x.site)})" if x.site else "") for x in links
    )


def render_markdown(data: DigestData) -> str:
    w, p = data.this_week, data.last_week
    out = [f"# labwatch digest — {data.week}", "", f"_{_span(data)}_", ""]
    out += [f"> **{md(n)}**" if i == 0 else f"> {md(n)}" for i, n in enumerate(notes(data))]
    if notes(data):
        out.append("")
    if briefing(data):
        out += [f"**{md(briefing(data))}**", ""]
    out += [_sentence(summary(data)), ""]  # numbers and our own words only
    out += ["| | This week | Last week | Change |", "|---|--:|--:|--:|"]
    out += [f"| {k} | {a} | {b} | {change(a, b)} |" for k, a, b in _figure_rows(w, p)]

    out += ["", "## Top stories", ""]
    if data.stories:
        out += [f"{i}. {_md_story(st)}" for i, st in enumerate(data.top_stories, 1)]
    else:
        out.append("No stories this week.")
    out.append("")
    out += _md_labs(data)

    out += ["", "## Entities", ""]
    out.append(
        f"Mentions include each entity's products and subsidiaries (Claude counts for "
        f"Anthropic, AWS for Amazon). **spike**: at least {SPIKE_MIN_MENTIONS} mentions in "
        f"{SPIKE_MIN_ARTICLES} articles and {SPIKE_RATIO:g}× the {MEAN_WEEKS}-week mean."
    )
    out.append("")
    for kind, rows in data.entities.items():
        out += _md_entities(kind, rows)
    out += ["### New to the warehouse", ""]
    out += [
        f"- {md(e.name)} ({md(e.kind)}): {e.mentions} {plural(e.mentions, 'mention')} in "
        f"{e.articles} {plural(e.articles, 'article')}"
        for e in data.new_entities
    ] or ["No entity was named for the first time this week."]
    out.append("")

    out += ["## Deals", ""]
    if not data.deals:
        out += ["No deals were reported this week.", ""]
    for status, title in (("new", "New deals"), ("updated", "Updated deals")):
        deals = [d for d in data.deals if d.status == status]
        if not deals:
            continue
        out += [f"### {title}", ""]
        for d in deals:
            year = f" ({d.year})" if d.year else ""
            sources = f"{d.sources_week} {plural(d.sources_week, 'source')} this week" + (
                f", {d.sources_total} in all" if d.sources_total != d.sources_week else ""
            )
            # Blank lines between the parts: a line after a quote would join the quote.
            marks = [m for m in (deal_status(d.deal_status), deal_reader(d.found_by)) if m]
            status = f" *({md('; '.join(marks))})*" if marks else ""
            roles = deal_roles(d.roles)
            out += [
                f"- **{md(d.kind.capitalize())}**{status}: {md(d.investor_name)} "
                f"{deal_link(d.kind)} {md(d.target_name)}, "
                f"{md(money(d.amount_usd, d.amount_max_usd, d.qualifier))}"
                f"{year}; {sources}",
                "",
                *([f"  {md(roles)}", ""] if roles else []),
                *([f"  > {md(d.evidence)}", ""] if d.evidence else []),
                f"  Sources: {_md_links(d.links)}",
                "",
            ]

    out += ["## Who with whom", ""]
    cm = data.co_mentions
    if cm.labs:
        out.append("Articles naming an AI lab with a cloud provider or a company, this week.")
        out.append("")
        out.append("| Lab | " + " | ".join(md(name) for _, name in cm.others) + " |")
        out.append("|---|" + "--:|" * len(cm.others))
        for lab, name in cm.labs:
            cells = (str(cm.cells.get((lab, o), "") or "·") for o, _ in cm.others)
            out.append(f"| {md(name)} | " + " | ".join(cells) + " |")
        out.append("")
    else:
        out += ["No lab was named with a cloud provider or a company this week.", ""]
    if cm.risers:
        out += ["Pairs that rose most:", ""]
        out += [
            f"- {md(r.lab_name)} + {md(r.other_name)}: {r.this_week} "
            f"{plural(r.this_week, 'article')} (last week {r.last_week}, "
            f"+{r.this_week - r.last_week})"
            for r in cm.risers
        ]
        out.append("")

    out += ["", "## Trends", ""]
    t = data.trend
    if trend_multiples(t):
        out += [
            f"Weekly mentions, {t.weeks[0]} to {t.weeks[-1]}.",
            "",
            "| Entity | Weekly mentions | This week | Total |",
            "|---|---|--:|--:|",
        ]
        out += [
            f"| {md(s.name)} | {spark(s.counts)} | {s.counts[-1]} | {sum(s.counts)} |"
            for s in t.series
        ]
    else:
        out.append(f"No mentions in the {len(t.weeks)} weeks to {data.week}.")

    out += ["", "## Feed health", ""]
    if data.failing_feeds:
        out += ["| Feed | Failed | Last error | At the week's end |", "|---|--:|---|---|"]
        out += [
            f"| {md_link(f.name, f.url)} | {f.failures} of {f.fetches} | "
            f"{md(f.last_outcome)}: {md(f.last_error)} | "
            f"{'failing' if f.failing_at_end else 'recovered'} |"
            for f in data.failing_feeds
        ]
    else:
        out.append("No feed failed this week.")
    out += ["", "---", "", f"Written by labwatch on {data.as_of:%Y-%m-%d %H:%M} UTC."]
    return "\n".join(out) + "\n"


# --- HTML -----------------------------------------------------------------------------------

_ENV = Environment(
    loader=PackageLoader("flows", "templates"),
    autoescape=True,  # every value is escaped unless marked safe, and none is
    trim_blocks=True,
    lstrip_blocks=True,
)


def _context(data: DigestData) -> dict[str, Any]:
    cm = data.co_mentions
    return {
        "d": data,
        "span": _span(data),
        "notes": notes(data),
        "summary": _sentence(summary(data)),
        "figures": _figure_rows(data.this_week, data.last_week),
        "kind_titles": KIND_TITLES,
        "kind_column": KIND_COLUMN,
        "multiples": trend_multiples(data.trend),
        "briefing": briefing(data),
        "labs": lab_sections(data),
        "heat_top": max(cm.cells.values(), default=0),
        "spike_rule": (
            f"at least {SPIKE_MIN_MENTIONS} mentions in {SPIKE_MIN_ARTICLES} articles and "
            f"{SPIKE_RATIO:g}× the {MEAN_WEEKS}-week mean"
        ),
        "mean_weeks": MEAN_WEEKS,
        "money": money,
        "change": change,
        "trend_class": trend_class,
        "mean": mean,
        "plural": plural,
        "deal_roles": deal_roles,
        "deal_status": deal_status,
        "deal_reader": deal_reader,
        "deal_link": deal_link,
        "safe_url": safe_url,
        "heat": heat,
        "spark": spark,
    }


def render_html(data: DigestData) -> str:
    return _ENV.get_template("digest.html.j2").render(**_context(data))


_WEEK = re.compile(r"\d{4}-W\d{2}")


def render_index(digests: list[dict[str, Any]]) -> str:
    """The page listing every digest (rows of the `digests` table); links are relative."""
    rows = [r for r in digests if _WEEK.fullmatch(str(r["week"]))]
    return _ENV.get_template("index.html.j2").render(digests=rows)

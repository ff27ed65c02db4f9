"""Everything the weekly digest shows for one ISO week, read from the warehouse's views.

Weeks are ISO weeks of the article time (published, else first seen), as in `v_articles`.
Entity figures use the roll-up of `v_mentions_weekly` (claude counts for anthropic, bedrock
for aws and amazon). A spike is a week well above the entity's mean of the four weeks before,
with minimum counts so that a handful of mentions is never one (see docs/digest.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from warehouse.errors import InvalidWeekError
from warehouse.list_param import json_list
from warehouse.queries import ARTICLE_TIME, iso_week, newest_article_week, week_bounds

# A spike: at least SPIKE_MIN_MENTIONS mentions in at least SPIKE_MIN_ARTICLES articles, and at
# least SPIKE_RATIO times the mean of the four weeks before.
SPIKE_MIN_MENTIONS = 5
SPIKE_MIN_ARTICLES = 2
SPIKE_RATIO = 2.0
MEAN_WEEKS = 4
TREND_WEEKS = 12
TREND_ENTITIES = 6
MATRIX_ROWS = 12
MATRIX_COLUMNS = 10
RISERS = 5
STORIES = 20  # in the Top stories section
STORY_POOL = 200  # stories read for the week: the top ones and each lab's
DEAL_SOURCES = 5  # links shown per deal
# A week with fewer articles than this share of the 4-week mean is called thin.
THIN_SHARE = 0.5

DIGEST_KINDS = ("lab", "cloud", "company")  # watchlist kinds the digest tabulates; products roll up

_WEEK = re.compile(r"(\d{4})-W(\d{1,2})")


def canonical_week(text: str) -> str:
    """'2026-W47' (or '2026-w7') as the canonical '2026-W47'; InvalidWeekError for anything
    else, including a week 53 in a year that has none."""
    m = _WEEK.fullmatch(text.strip().upper())
    if not m:
        raise InvalidWeekError(f"not an ISO week: {text!r} (expected e.g. 2026-W47)")
    start, _ = week_bounds(f"{m.group(1)}-W{int(m.group(2)):02d}")
    canonical = iso_week(start.date())
    if canonical != f"{m.group(1)}-W{int(m.group(2)):02d}":
        raise InvalidWeekError(f"no such ISO week: {text!r} (this year has no such week)")
    return canonical


def weeks_ending(week: str, n: int) -> list[str]:
    """The `n` ISO weeks ending with `week`, oldest first."""
    start, _ = week_bounds(week)
    return [iso_week((start - timedelta(weeks=k)).date()) for k in range(n - 1, -1, -1)]


@dataclass(frozen=True)
class WeekFigures:
    articles: int
    sources: int
    entities: int  # distinct watchlist entities mentioned
    mentions: int
    deals: int  # deal reports in the week's articles
    new_deals: int  # deals of the ledger first reported this week


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    site: str


@dataclass(frozen=True)
class EntityWeek:
    entity_id: str
    name: str
    kind: str
    mentions: int  # this week, with descendants rolled up
    articles: int
    last_mentions: int
    mean: float  # mean mentions of the MEAN_WEEKS weeks before this one
    spike: bool


@dataclass(frozen=True)
class DealReport:
    status: str  # new | updated (first reported in an earlier week)
    kind: str
    investor: str
    investor_name: str
    target: str
    target_name: str
    amount_usd: float | None
    amount_max_usd: float | None
    qualifier: str
    year: int | None
    evidence: str
    sources_week: int  # articles reporting it this week
    sources_total: int  # in all weeks
    first_reported: datetime
    links: list[Link]
    # What the ledger says of the deal: reported | in_talks | background | denied, and the
    # backers of a round or partners of a venture as (entity id, name, role).
    deal_status: str = "reported"
    roles: tuple[tuple[str, str, str], ...] = ()
    # "model": no rule read the deal, only the deal model (the setting `deal_model`)
    found_by: str = "rules"


@dataclass(frozen=True)
class Pair:
    lab: str
    lab_name: str
    other: str
    other_name: str
    this_week: int
    last_week: int


@dataclass(frozen=True)
class CoMentions:
    """Articles naming a lab together with a cloud provider or a company (its backers)."""

    labs: list[tuple[str, str]]  # (entity id, name), rows of the matrix
    others: list[tuple[str, str]]  # columns
    cells: dict[tuple[str, str], int]  # (lab, other) -> articles this week
    risers: list[Pair]  # the pairs that rose most against last week


@dataclass(frozen=True)
class Story:
    cluster_id: str
    title: str
    url: str
    site: str
    published_at: datetime | None
    sources: int  # distinct sources (publishers) that carried the story this week
    articles: int
    mentions: int
    also: list[Link]  # the first copy of each other source, in order of appearance
    # (entity id, name, kind) of the labs, clouds and companies it names, most named first
    entities: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def links(self) -> list[Link]:
        """Every source with its first copy, the story's own first."""
        return [Link(self.title, self.url, self.site), *self.also]


@dataclass(frozen=True)
class NewEntity:
    entity_id: str
    name: str
    kind: str
    mentions: int
    articles: int


@dataclass(frozen=True)
class TrendSeries:
    entity_id: str
    name: str
    counts: list[int]  # one per week of Trend.weeks


@dataclass(frozen=True)
class Trend:
    weeks: list[str]
    series: list[TrendSeries]


@dataclass(frozen=True)
class FailingFeed:
    name: str
    url: str
    fetches: int  # this week
    failures: int  # this week
    last_outcome: str  # of the last failed fetch
    last_error: str
    last_failed_at: datetime
    failing_at_end: bool  # the week's last fetch failed
    consecutive_failures: int  # now


@dataclass(frozen=True)
class DigestData:
    week: str
    start: datetime
    end: datetime
    this_week: WeekFigures
    last_week: WeekFigures
    mean_articles: float  # of the MEAN_WEEKS weeks before
    entities: dict[str, list[EntityWeek]]  # kind (lab, cloud, company) -> rows
    deals: list[DealReport]
    co_mentions: CoMentions
    stories: list[Story]  # the week's stories, most carried first (up to STORY_POOL)
    trend: Trend
    failing_feeds: list[FailingFeed]
    ingest_runs: int  # ingest runs started during the week
    newest_week: str | None  # of the newest stored article
    as_of: datetime  # when the figures were read
    new_entities: list[NewEntity] = field(default_factory=list)

    @property
    def top_stories(self) -> list[Story]:
        return self.stories[:STORIES]

    @property
    def empty(self) -> bool:
        return self.this_week.articles == 0

    @property
    def in_progress(self) -> bool:
        return self.as_of < self.end

    @property
    def thin(self) -> bool:
        """Fewer articles than usual: under THIN_SHARE of the mean of the weeks before."""
        a = self.this_week.articles
        return 0 < a < THIN_SHARE * self.mean_articles


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def figures(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime
) -> tuple[WeekFigures, WeekFigures]:
    """The headline figures of the week [start, end) and of the week before, in one pass
    over the two weeks' articles, entity counts (`article_entities`) and deals."""
    wk = _articles_in(f"a.article_id, {ARTICLE_TIME} >= $start AS this, {SOURCE} AS site",
                      "prev", "end")  # fmt: skip
    row = con.execute(
        f"""
        WITH wk AS MATERIALIZED ({wk}),
        m AS MATERIALIZED (
            SELECT t >= $start AS this, entity_id, mentions FROM article_entities
            WHERE t >= $prev AND t < $end
        ),
        d AS (SELECT wk.this FROM deals JOIN wk USING (article_id)),
        ledger AS (
            SELECT first_reported >= $start AS this FROM v_deals
            WHERE first_reported >= $prev AND first_reported < $end
        )
        SELECT (SELECT count(*) FILTER (WHERE this) FROM wk),
               (SELECT count(DISTINCT site) FILTER (WHERE this) FROM wk),
               (SELECT count(DISTINCT entity_id) FILTER (WHERE this) FROM m),
               (SELECT coalesce(sum(mentions) FILTER (WHERE this), 0) FROM m),
               (SELECT count(*) FILTER (WHERE this) FROM d),
               (SELECT count(*) FILTER (WHERE this) FROM ledger),
               (SELECT count(*) FILTER (WHERE NOT this) FROM wk),
               (SELECT count(DISTINCT site) FILTER (WHERE NOT this) FROM wk),
               (SELECT count(DISTINCT entity_id) FILTER (WHERE NOT this) FROM m),
               (SELECT coalesce(sum(mentions) FILTER (WHERE NOT this), 0) FROM m),
               (SELECT count(*) FILTER (WHERE NOT this) FROM d),
               (SELECT count(*) FILTER (WHERE NOT this) FROM ledger)
        """,
        {"prev": start - timedelta(weeks=1), "start": start, "end": end},
    ).fetchone()
    assert row is not None
    values = [int(v) for v in row]
    return WeekFigures(*values[:6]), WeekFigures(*values[6:])


def is_spike(mentions: int, articles: int, mean: float) -> bool:
    return (
        mentions >= SPIKE_MIN_MENTIONS
        and articles >= SPIKE_MIN_ARTICLES
        and mentions >= SPIKE_RATIO * mean
    )


def _articles_in(columns: str, start: str, end: str) -> str:
    """`columns` of the articles (`articles a`) whose time, published else fetched, is in
    [$start, $end): two scans filtered on plain columns, whose zone maps skip most of the
    table, instead of one filtered on `coalesce(...)`, which reads every article's columns
    first (at 1M articles, 0.44 s against 0.04 s)."""
    return (
        f"SELECT {columns} FROM articles a"
        f" WHERE a.published_at >= ${start} AND a.published_at < ${end}"
        f" UNION ALL SELECT {columns} FROM articles a"
        f" WHERE a.published_at IS NULL AND a.fetched_at >= ${start} AND a.fetched_at < ${end}"
    )


def _week_of(weeks: list[str]) -> tuple[str, str, dict[str, Any]]:
    """(a filter on `t` to the consecutive `weeks`, the ISO week of `t` among them, their
    parameters): the week by arithmetic on the time from the first Monday (UTC, the
    session's time zone), not by formatting every row's date."""
    first, _ = week_bounds(weeks[0])
    _, last = week_bounds(weeks[-1])
    assert weeks == weeks_ending(weeks[-1], len(weeks)), "consecutive weeks, oldest first"
    return (
        "t >= $weeks_start AND t < $weeks_end",
        "($week_names::JSON::VARCHAR[])[1 + floor((epoch(t) - $weeks_epoch) / 604800)::INTEGER]",
        {
            "weeks_start": first,
            "weeks_end": last,
            "weeks_epoch": first.timestamp(),
            "week_names": json_list(weeks),
        },
    )


def _weekly(con: duckdb.DuckDBPyConnection, weeks: list[str]) -> list[dict[str, Any]]:
    """Rolled-up mentions and articles of every lab, cloud and company in `weeks`.

    The roll-up of `v_mentions_weekly` (mentions_rollup, articles_rollup). The digest's weeks
    are UTC weeks; so are the view's in a UTC session (every session open_warehouse opens),
    where it adds up `entity_days` (migration 0019: 0.17 s cold at 1M articles against
    0.33 s for `_weekly_from_rows`). In another time zone, `_weekly_from_rows`.
    tests/test_weekly_from_entity_days.py checks the two agree.
    """
    zone = con.execute("SELECT current_setting('TimeZone')").fetchone()
    if zone is None or zone[0] != "UTC":
        return _weekly_from_rows(con, weeks)
    return _dicts(
        con.execute(
            """
            SELECT entity_id, name, kind, iso_week, mentions_rollup AS mentions,
                   articles_rollup AS articles
            FROM v_mentions_weekly
            WHERE list_contains($weeks::JSON::VARCHAR[], iso_week)
              AND list_contains($kinds::JSON::VARCHAR[], kind)
            """,
            {"weeks": json_list(weeks), "kinds": json_list(DIGEST_KINDS)},
        )
    )


def _weekly_from_rows(con: duckdb.DuckDBPyConnection, weeks: list[str]) -> list[dict[str, Any]]:
    """`_weekly` in UTC weeks whatever the session's time zone, with the weeks chosen first,
    from the per-article counts of `article_entities` (a short scan by time, not a join of
    every mention with its article)."""
    in_weeks, week_of, params = _week_of(weeks)
    return _dicts(
        con.execute(
            f"""
            WITH m AS (
                SELECT article_id, entity_id, mentions, {week_of} AS iso_week
                FROM article_entities WHERE {in_weeks}
            ),
            -- Each article once per entity it counts for (count(DISTINCT) is slower).
            per_article AS (
                SELECT coalesce(r.ancestor_id, m.entity_id) AS entity_id, m.iso_week,
                       m.article_id, sum(m.mentions) AS mentions
                FROM m LEFT JOIN v_entity_rollup r ON r.entity_id = m.entity_id
                GROUP BY ALL
            )
            SELECT p.entity_id, any_value(e.name) AS name, any_value(e.kind) AS kind,
                   p.iso_week, sum(p.mentions)::BIGINT AS mentions, count(*) AS articles
            FROM per_article p
            JOIN v_entities e ON e.entity_id = p.entity_id
            WHERE e.kind IN (SELECT unnest($kinds::JSON::VARCHAR[]))
            GROUP BY p.entity_id, p.iso_week
            """,
            {"kinds": json_list(DIGEST_KINDS), **params},
        )
    )


def entity_weeks(weekly: list[dict[str, Any]], weeks: list[str]) -> dict[str, list[EntityWeek]]:
    """Per kind, the entities mentioned this week or in the MEAN_WEEKS before, busiest first."""
    this, last, before = weeks[-1], weeks[-2], set(weeks[-1 - MEAN_WEEKS : -1])
    by_entity: dict[str, dict[str, Any]] = {}
    for r in weekly:
        if r["iso_week"] != this and r["iso_week"] not in before:
            continue
        e = by_entity.setdefault(
            r["entity_id"],
            {"name": r["name"] or r["entity_id"], "kind": r["kind"], "weeks": {}},
        )
        e["weeks"][r["iso_week"]] = (int(r["mentions"]), int(r["articles"]))
    out: dict[str, list[EntityWeek]] = {k: [] for k in DIGEST_KINDS}
    for entity_id, e in by_entity.items():
        mentions, articles = e["weeks"].get(this, (0, 0))
        mean = sum(e["weeks"].get(w, (0, 0))[0] for w in before) / MEAN_WEEKS
        out[e["kind"]].append(
            EntityWeek(
                entity_id=entity_id,
                name=e["name"],
                kind=e["kind"],
                mentions=mentions,
                articles=articles,
                last_mentions=e["weeks"].get(last, (0, 0))[0],
                mean=mean,
                spike=is_spike(mentions, articles, mean),
            )
        )
    for rows in out.values():
        rows.sort(key=lambda x: (-x.mentions, -x.articles, -x.last_mentions, x.entity_id))
    return out


def trend(weekly: list[dict[str, Any]], weeks: list[str]) -> Trend:
    """Weekly mentions of the TREND_ENTITIES most mentioned entities over `weeks`."""
    counts: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for r in weekly:
        counts.setdefault(r["entity_id"], {})[r["iso_week"]] = int(r["mentions"])
        names[r["entity_id"]] = r["name"] or r["entity_id"]
    top = sorted(counts, key=lambda e: (-sum(counts[e].values()), e))[:TREND_ENTITIES]
    return Trend(
        weeks=weeks,
        series=[TrendSeries(e, names[e], [counts[e].get(w, 0) for w in weeks]) for e in top],
    )


def deals_of_week(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime
) -> list[DealReport]:
    """Deals of the ledger (`v_deals`) reported in the week: new (first reported this week)
    or updated (reported before, with new sources this week), each with its status and
    roles. A report belongs to its ledger row by `deal_id` (`deal_report_keys`, kept with the
    article's time: warehouse/deal_ledger.py)."""
    wk = _articles_in("a.article_id, a.title, a.canonical_url, a.site_name, a.url", "start", "end")
    rows = _dicts(
        con.execute(
            f"""
            WITH k AS MATERIALIZED (
                SELECT article_id, deal_no, deal_id, t FROM deal_report_keys
                WHERE t >= $start AND t < $end
            ),
            a AS MATERIALIZED ({wk}),
            r AS (
                SELECT v.deal_id, v.kind, v.investor, v.target, v.amount_usd, v.amount_max_usd,
                       v.qualifier, v.year, v.evidence AS ledger_evidence, v.sources,
                       v.first_reported, v.status AS deal_status, v.roles, v.found_by,
                       d.evidence,
                       d.amount_usd AS reported_amount, a.title, a.canonical_url AS url,
                       coalesce(nullif(a.site_name, ''), split_part(a.url, '/', 3)) AS site,
                       k.t
                FROM k
                JOIN deals d USING (article_id, deal_no)
                JOIN a USING (article_id)
                JOIN v_deals v USING (deal_id)
            )
            SELECT r.kind, r.investor, coalesce(ei.name, r.investor) AS investor_name,
                   r.target, coalesce(et.name, r.target) AS target_name,
                   r.amount_usd, r.amount_max_usd, r.qualifier, r.year,
                   r.first_reported, r.first_reported >= $start AS is_new,
                   any_value(r.sources) AS sources_total,
                   count(*) AS sources_week,
                   any_value(r.deal_status) AS deal_status,
                   any_value(r.roles) AS roles,
                   any_value(r.found_by) AS found_by,
                   -- This week's words for it, preferring a report that states the amount.
                   coalesce(arg_min(r.evidence, r.t) FILTER (WHERE r.reported_amount IS NOT NULL),
                            arg_min(r.evidence, r.t), any_value(r.ledger_evidence)) AS evidence,
                   list({{'title': r.title, 'url': r.url, 'site': r.site}} ORDER BY r.t)
                       AS links
            FROM r
            LEFT JOIN v_entities ei ON ei.entity_id = r.investor
            LEFT JOIN v_entities et ON et.entity_id = r.target
            GROUP BY r.deal_id, r.kind, r.investor, ei.name, r.target, et.name, r.amount_usd,
                     r.amount_max_usd, r.qualifier, r.year, r.first_reported
            ORDER BY is_new DESC, r.amount_usd DESC NULLS LAST,
                     sources_week DESC, r.kind, r.investor, r.target
            """,
            {"start": start, "end": end},
        )
    )
    names = _entity_names(con, {x["entity_id"] for r in rows for x in r["roles"] or []})
    return [
        DealReport(
            status="new" if r["is_new"] else "updated",
            kind=r["kind"],
            investor=r["investor"],
            investor_name=r["investor_name"],
            target=r["target"],
            target_name=r["target_name"],
            amount_usd=r["amount_usd"],
            amount_max_usd=r["amount_max_usd"],
            qualifier=r["qualifier"] or "",
            year=r["year"],
            evidence=r["evidence"] or "",
            sources_week=int(r["sources_week"]),
            sources_total=int(r["sources_total"]),
            first_reported=r["first_reported"],
            links=[
                Link(x["title"] or x["url"], x["url"], x["site"] or "")
                for x in r["links"][:DEAL_SOURCES]
            ],
            deal_status=r["deal_status"] or "reported",
            found_by=r["found_by"] or "rules",
            roles=tuple(
                (x["entity_id"], names.get(x["entity_id"], x["entity_id"]), x["role"])
                for x in r["roles"] or []
            ),
        )
        for r in rows
    ]


def _entity_names(con: duckdb.DuckDBPyConnection, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = con.execute(
        "SELECT entity_id, name FROM v_entities WHERE entity_id IN"
        " (SELECT unnest($ids::JSON::VARCHAR[]))",
        {"ids": json_list(sorted(ids))},
    ).fetchall()
    return {str(e): str(n) for e, n in rows}


def co_mentions(con: duckdb.DuckDBPyConnection, this: str, last: str) -> CoMentions:
    """Labs named with clouds and companies in one article, this week and last. Products
    count for their nearest lab, cloud or company (claude for anthropic, bedrock for aws); a
    lab is never paired with its own parent or child (google-deepmind with google)."""
    in_weeks, week_of, params = _week_of([last, this])
    rows = _dicts(
        con.execute(
            f"""
            WITH unit AS (
                SELECT r.entity_id, arg_min(r.ancestor_id, r.depth) AS unit
                FROM v_entity_rollup r JOIN v_entities e ON e.entity_id = r.ancestor_id
                WHERE e.kind IN ('lab', 'cloud', 'company')
                GROUP BY r.entity_id
            ),
            m AS (
                SELECT article_id, entity_id, {week_of} AS iso_week
                FROM article_entities WHERE {in_weeks}
            ),
            am AS (
                SELECT DISTINCT m.iso_week, m.article_id, u.unit, e.kind, e.name
                FROM m
                JOIN unit u USING (entity_id)
                JOIN v_entities e ON e.entity_id = u.unit
            )
            SELECT l.unit AS lab, any_value(l.name) AS lab_name,
                   o.unit AS other, any_value(o.name) AS other_name,
                   count(*) FILTER (WHERE l.iso_week = $this) AS this_week,
                   count(*) FILTER (WHERE l.iso_week = $last) AS last_week
            FROM am l
            JOIN am o ON o.article_id = l.article_id AND o.kind IN ('cloud', 'company')
            -- A lab with its own parent (Google DeepMind and Google) is one company, not a
            -- pairing worth reporting.
            LEFT JOIN v_entity_rollup up ON up.entity_id = l.unit AND up.ancestor_id = o.unit
            LEFT JOIN v_entity_rollup down ON down.entity_id = o.unit AND down.ancestor_id = l.unit
            WHERE l.kind = 'lab' AND up.entity_id IS NULL AND down.entity_id IS NULL
            GROUP BY l.unit, o.unit
            """,
            {"this": this, "last": last, **params},
        )
    )
    pairs = [Pair(**{k: r[k] for k in Pair.__dataclass_fields__}) for r in rows]
    lab_total: dict[tuple[str, str], int] = {}
    other_total: dict[tuple[str, str], int] = {}
    cells: dict[tuple[str, str], int] = {}
    for p in pairs:
        if p.this_week:
            lab_total[(p.lab, p.lab_name)] = lab_total.get((p.lab, p.lab_name), 0) + p.this_week
            key = (p.other, p.other_name)
            other_total[key] = other_total.get(key, 0) + p.this_week
            cells[(p.lab, p.other)] = p.this_week

    def busiest(totals: dict[tuple[str, str], int], n: int) -> list[tuple[str, str]]:
        return sorted(totals, key=lambda k: (-totals[k], k[0]))[:n]

    risers = sorted(
        (p for p in pairs if p.this_week > p.last_week),
        key=lambda p: (-(p.this_week - p.last_week), -p.this_week, p.lab, p.other),
    )[:RISERS]
    return CoMentions(
        labs=busiest(lab_total, MATRIX_ROWS),
        others=busiest(other_total, MATRIX_COLUMNS),
        cells=cells,
        risers=risers,
    )


# An article's source: its publisher's name as stored (warehouse/articles.py `publisher`),
# else its host without "www." or a port.
SOURCE = (
    "coalesce(nullif(a.site_name, ''), "
    "regexp_replace(split_part(a.url, '/', 3), '^www\\.|:\\d+$', '', 'g'))"
)


def top_stories(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, limit: int = STORY_POOL
) -> list[Story]:
    """One line per story: the articles of a cluster fold into its earliest, with every
    source that carried it (each linked to its first copy) and the labs, clouds and
    companies it names (products count for their parent). Ranked by the number of sources,
    then by watchlist mentions."""
    wk = _articles_in(
        "a.article_id, coalesce(a.cluster_id, a.article_id) AS cluster_id, a.title,"
        f" a.canonical_url, a.published_at, {ARTICLE_TIME} AS t, {SOURCE} AS site",
        "start",
        "end",
    )
    rows = _dicts(
        con.execute(
            f"""
            WITH wk AS MATERIALIZED ({wk}),
            unit AS (
                SELECT r.entity_id, arg_min(r.ancestor_id, r.depth) AS unit
                FROM v_entity_rollup r JOIN v_entities e ON e.entity_id = r.ancestor_id
                WHERE e.kind IN ('lab', 'cloud', 'company')
                GROUP BY r.entity_id
            ),
            named AS (
                SELECT wk.cluster_id, u.unit, sum(m.mentions)::BIGINT AS n
                FROM article_entities m JOIN wk USING (article_id) JOIN unit u USING (entity_id)
                WHERE m.t >= $start AND m.t < $end
                GROUP BY ALL
            ),
            ents AS (SELECT cluster_id, sum(n) AS mentions FROM named GROUP BY cluster_id),
            per_site AS (
                SELECT cluster_id, site, arg_min(title, t) AS title,
                       arg_min(canonical_url, t) AS url, min(t) AS t
                FROM wk GROUP BY cluster_id, site
            ),
            stories AS (
                SELECT cluster_id, arg_min(title, t) AS title, arg_min(canonical_url, t) AS url,
                       arg_min(site, t) AS site, min(published_at) AS published_at,
                       count(DISTINCT site) AS sources, count(*) AS articles
                FROM wk GROUP BY cluster_id
            ),
            shown AS (
                SELECT s.*, coalesce(e.mentions, 0) AS mentions
                FROM stories s LEFT JOIN ents e USING (cluster_id)
                ORDER BY s.sources DESC, mentions DESC, s.published_at DESC NULLS LAST,
                         s.cluster_id
                LIMIT {int(limit)}
            ),
            -- The lists of the stories shown only (ordered lists cost per group).
            shown_entities AS (
                SELECT n.cluster_id,
                       list({{'id': n.unit, 'name': coalesce(e.name, n.unit), 'kind': e.kind}}
                            ORDER BY n.n DESC, n.unit) AS entities
                FROM named n SEMI JOIN shown USING (cluster_id)
                LEFT JOIN v_entities e ON e.entity_id = n.unit
                GROUP BY n.cluster_id
            ),
            shown_copies AS (
                SELECT p.cluster_id,
                       list({{'title': p.title, 'site': p.site, 'url': p.url}} ORDER BY p.t)
                           AS copies
                FROM per_site p SEMI JOIN shown USING (cluster_id)
                GROUP BY p.cluster_id
            )
            SELECT shown.*, coalesce(e.entities, []) AS entities, c.copies
            FROM shown LEFT JOIN shown_entities e USING (cluster_id)
            LEFT JOIN shown_copies c USING (cluster_id)
            ORDER BY shown.sources DESC, shown.mentions DESC, shown.published_at DESC NULLS LAST,
                     shown.cluster_id
            """,
            {"start": start, "end": end},
        )
    )
    return [
        Story(
            cluster_id=r["cluster_id"],
            title=r["title"] or r["url"],
            url=r["url"],
            site=r["site"] or "",
            published_at=r["published_at"],
            sources=int(r["sources"]),
            articles=int(r["articles"]),
            mentions=int(r["mentions"]),
            also=[Link(x["title"] or x["url"], x["url"], x["site"] or "") for x in r["copies"][1:]],
            entities=[(x["id"], x["name"], x["kind"] or "") for x in r["entities"]],
        )
        for r in rows
    ]


def new_entities(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> list[NewEntity]:
    """Watchlist entities named for the first time in the warehouse this week (no mention in
    any earlier article), with this week's mentions and articles."""
    week = con.execute(
        """
        -- One row per article and entity: count(*) is the articles.
        SELECT entity_id, sum(mentions)::BIGINT AS mentions, count(*) AS articles
        FROM article_entities WHERE t >= $start AND t < $end
        GROUP BY entity_id
        """,
        {"start": start, "end": end},
    ).fetchall()
    # One probe per entity that stops at its first earlier row (most entities have one near
    # the start of the table), not a scan of every earlier row.
    new = [
        r
        for r in week
        if con.execute(
            "SELECT 1 FROM article_entities WHERE entity_id = $e AND t < $start LIMIT 1",
            {"e": r[0], "start": start},
        ).fetchone()
        is None
    ]
    names = {
        str(e): (str(n), str(k))
        for e, n, k in con.execute(
            "SELECT entity_id, coalesce(name, entity_id), coalesce(kind, '') FROM v_entities"
            " WHERE entity_id IN (SELECT unnest($ids::JSON::VARCHAR[]))",
            {"ids": json_list(r[0] for r in new)},
        ).fetchall()
    }
    rows = sorted(new, key=lambda r: (-int(r[1]), r[0]))
    out = []
    for entity_id, mentions, articles in rows:
        name, kind = names.get(entity_id, (entity_id, ""))
        out.append(NewEntity(entity_id, name, kind, int(mentions), int(articles)))
    return out


def failing_feeds(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime
) -> list[FailingFeed]:
    """Feeds with failed fetches during the week (from the fetch log), those still failing
    at the week's end first."""
    rows = _dicts(
        con.execute(
            """
            WITH x AS (
                SELECT *, outcome NOT IN ('ok', 'not_modified') AS failed FROM feed_fetches
                WHERE fetched_at >= $start AND fetched_at < $end
            )
            SELECT coalesce(nullif(any_value(f.name), ''), any_value(f.title),
                            any_value(x.url)) AS name,
                   any_value(x.url) AS url, count(*) AS fetches,
                   count(*) FILTER (WHERE failed) AS failures,
                   arg_max(x.outcome, x.fetched_at) FILTER (WHERE failed) AS last_outcome,
                   arg_max(x.error, x.fetched_at) FILTER (WHERE failed) AS last_error,
                   max(x.fetched_at) FILTER (WHERE failed) AS last_failed_at,
                   arg_max(failed, x.fetched_at) AS failing_at_end,
                   coalesce(any_value(f.consecutive_failures), 0) AS consecutive_failures
            FROM x LEFT JOIN feeds f USING (feed_id)
            GROUP BY x.feed_id
            HAVING failures > 0
            ORDER BY failing_at_end DESC, failures DESC, url
            """,
            {"start": start, "end": end},
        )
    )
    return [
        FailingFeed(
            name=r["name"],
            url=r["url"],
            fetches=int(r["fetches"]),
            failures=int(r["failures"]),
            last_outcome=r["last_outcome"] or "",
            last_error=r["last_error"] or "",
            last_failed_at=r["last_failed_at"],
            failing_at_end=bool(r["failing_at_end"]),
            consecutive_failures=int(r["consecutive_failures"]),
        )
        for r in rows
    ]


def _articles_per_week(con: duckdb.DuckDBPyConnection, weeks: list[str]) -> dict[str, int]:
    _, week_of, params = _week_of(weeks)
    rows = con.execute(
        f"SELECT {week_of} AS iso_week, count(*) FROM"
        f" ({_articles_in(f'{ARTICLE_TIME} AS t', 'weeks_start', 'weeks_end')}) GROUP BY ALL",
        params,
    ).fetchall()
    return {w: int(n) for w, n in rows}


def _ingest_runs(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> int:
    row = con.execute(
        "SELECT count(*) FROM runs WHERE flow = 'ingest' AND started_at >= $s AND started_at < $e",
        {"s": start, "e": end},
    ).fetchone()
    return int(row[0]) if row else 0


def digest_data(
    con: duckdb.DuckDBPyConnection, week: str, now: datetime | None = None
) -> DigestData:
    """Everything the weekly digest shows, for one ISO week."""
    week = canonical_week(week)
    start, end = week_bounds(week)
    weeks = weeks_ending(week, TREND_WEEKS)
    weekly = _weekly(con, weeks)
    this_week, last_week = figures(con, start, end)
    per_week = _articles_per_week(con, weeks[-1 - MEAN_WEEKS : -1])
    return DigestData(
        week=week,
        start=start,
        end=end,
        this_week=this_week,
        last_week=last_week,
        mean_articles=sum(per_week.values()) / MEAN_WEEKS,
        entities=entity_weeks(weekly, weeks),
        deals=deals_of_week(con, start, end),
        co_mentions=co_mentions(con, weeks[-1], weeks[-2]),
        stories=top_stories(con, start, end),
        new_entities=new_entities(con, start, end),
        trend=trend(weekly, weeks),
        failing_feeds=failing_feeds(con, start, end),
        ingest_runs=_ingest_runs(con, start, end),
        newest_week=newest_article_week(con),
        as_of=now or datetime.now(UTC),
    )


def digest_index(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every digest written (the `digests` table), newest week first."""
    return _dicts(
        con.execute(
            "SELECT week, created_at, articles, mentions, deals FROM digests ORDER BY week DESC"
        )
    )

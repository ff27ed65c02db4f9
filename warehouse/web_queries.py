"""The SQL of `labwatch web`: entities and their attention over time, articles with their
mentions, deals, clusters and fetch history, the deals ledger, feeds.

Every reader returns plain dicts (the web's pages and its JSON API show the same rows). Pages
are LIMIT/OFFSET; counts over time read `entity_days` (per entity and day) for whole days and
`article_entities` (one row per article and entity, with the article's time) for the rest,
never the raw mentions joined with articles.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from warehouse import entity_days, entity_pairs, rollup
from warehouse.article_rows import mentions_near
from warehouse.ducklake import is_lake
from warehouse.list_param import json_list
from warehouse.positions import articles_by_key, articles_by_time
from warehouse.queries import ARTICLE_TIME
from warehouse.rollup import rollup_pairs

SOURCE = "coalesce(nullif(a.site_name, ''), split_part(a.url, '/', 3))"
UNITS = ("day", "week")
DEAL_KINDS = (
    "investment", "acquisition", "merger", "partnership", "compute", "distribution",
    "licensing", "acquihire", "joint_venture",
)  # fmt: skip
DEAL_STATUSES = ("reported", "in_talks", "background", "denied")
DEAL_READERS = ("rules", "model")  # v_deals.found_by (migration 0023)


def dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def one(cursor: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    rows = dicts(cursor)
    return rows[0] if rows else None


# --- entities -------------------------------------------------------------------------------


def entities(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The watchlist in use, each entity with its articles and mentions of all time."""
    return dicts(
        con.execute(
            """
            SELECT e.entity_id, e.name, e.kind, e.parent_id,
                   coalesce(c.articles, 0) AS articles, coalesce(c.mentions, 0) AS mentions
            FROM v_entities e
            LEFT JOIN (SELECT entity_id, count(*) AS articles, sum(mentions) AS mentions
                       FROM article_entities GROUP BY entity_id) c USING (entity_id)
            ORDER BY articles DESC, e.name
            """
        )
    )


def entity_choices(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The watchlist's entities by name, for the forms' choices (no counting)."""
    return dicts(
        con.execute("SELECT entity_id, name, kind FROM v_entities ORDER BY lower(name), entity_id")
    )


def entity(con: duckdb.DuckDBPyConnection, entity_id: str) -> dict[str, Any] | None:
    """One entity with its parent's name and its children (id, name)."""
    row = one(
        con.execute(
            "SELECT e.entity_id, e.name, e.kind, e.parent_id, p.name AS parent_name, e.aliases"
            " FROM v_entities e LEFT JOIN v_entities p ON p.entity_id = e.parent_id"
            " WHERE e.entity_id = ?",
            [entity_id],
        )
    )
    if row is None:
        return None
    row["aliases"] = list(row["aliases"] or [])
    row["children"] = [
        {"entity_id": r[0], "name": r[1]}
        for r in con.execute(
            "SELECT entity_id, name FROM v_entities WHERE parent_id = ? ORDER BY name",
            [entity_id],
        ).fetchall()
    ]
    return row


def newest_day(con: duckdb.DuckDBPyConnection) -> date:
    """The day of the newest article (today in an empty warehouse): charts end there."""
    row = con.execute(f"SELECT max({ARTICLE_TIME})::DATE FROM articles a").fetchone()
    return row[0] if row and row[0] else datetime.now(UTC).date()


def family(con: duckdb.DuckDBPyConnection, entity_id: str) -> list[str]:
    """The entity and its descendants in the watchlist in use (none when it is not in it)."""
    return rollup.members(rollup.rollup_pairs(con), entity_id)


def names(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    rows = con.execute(
        "SELECT entity_id, name FROM v_entities WHERE list_contains(?::JSON::VARCHAR[], entity_id)",
        [json_list(ids)],
    ).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)


def series(
    con: duckdb.DuckDBPyConnection,
    entity_ids: list[str],
    unit: str,
    start: datetime,
    end: datetime,
    *,
    rollup: bool = True,
) -> dict[str, list[dict[str, Any]]]:
    """Each entity's mentions and articles per UTC day or ISO week (its Monday) in
    [start, end), every period present (zeros included). `rollup`: its descendants count for
    it (aws and bedrock for amazon), else only its own mentions."""
    if unit not in UNITS:
        raise ValueError(f"unit must be day or week, not {unit!r}")
    # The whole days of [start, end) are read from entity_days (a few rows per entity and
    # day, warehouse/entity_days.py); only what lies outside them (a start or end within a
    # day), and a family whose day rows were counted with other members than the
    # watchlist's, from article_entities (one row per article and entity).
    links = rollup_pairs(con)
    members: dict[str, set[str]] = {}
    for ancestor, member in links:
        if ancestor in entity_ids and (rollup or member == ancestor):
            members.setdefault(ancestor, set()).add(member)
    counted = entity_days.families(con)
    start, end = _utc(start), _utc(end)
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    first += timedelta(days=1) if first < start else timedelta(0)
    last = end.replace(hour=0, minute=0, second=0, microsecond=0)
    whole = first < last
    # Per entity: the entity_days rows that hold its counts (own rows of its only member,
    # or its family's rows), or none: counted from article_entities.
    tabled: dict[str, tuple[str, bool]] = {}
    for ancestor, fam in members.items():
        if whole and len(fam) == 1:
            tabled[ancestor] = (next(iter(fam)), False)
        elif whole and counted.get(ancestor) == fam:
            tabled[ancestor] = (ancestor, True)
    pairs = [(m, a, len(fam) == 1, a in tabled) for a, fam in members.items() for m in fam]
    ranges = [("$start", "$end", False)]
    if start < first:
        ranges.append(("$start", "$first", True))
    if last < end and whole:
        ranges.append(("$last", "$end", True))
    # Rows are counted per quarter hour (integer arithmetic) before the quarters are put in
    # days: date_trunc on every row was most of the time, and day boundaries fall on quarter
    # hours. An entity alone in its family has one row per article: its rows are its
    # articles, counted without count(DISTINCT).
    parts = [
        f"""
            SELECT r.ancestor_id AS id, floor(epoch_us(ae.t) / 9e8)::BIGINT AS quarter,
                   sum(ae.mentions) AS mentions, {articles} AS articles
            FROM article_entities ae JOIN family r ON r.entity_id = ae.entity_id
            WHERE ae.t >= {low} AND ae.t < {high} AND r.alone = {alone} AND r.tabled = {fast}
            GROUP BY ALL
        """
        for low, high, fast in ranges
        for alone, articles in ((True, "count(*)"), (False, "count(DISTINCT ae.article_id)"))
        if any(p[2] == alone and p[3] == fast for p in pairs)
    ]
    days = [
        "SELECT id, timezone('UTC', to_timestamp(quarter * 900))::DATE AS day,"
        f" sum(mentions) AS mentions, sum(articles) AS articles FROM ({part}) GROUP BY ALL"
        for part in parts
    ]
    if tabled:
        days.append(
            """
            SELECT w.id, d.day, d.mentions, d.articles
            FROM entity_days d JOIN tabled w ON d.entity_id = w.source AND d.rollup = w.rollup
            WHERE d.day >= timezone('UTC', $first)::DATE AND d.day < timezone('UTC', $last)::DATE
            """
        )
    sql = f"""
        WITH periods AS (
            SELECT unnest(generate_series(date_trunc($unit, timezone('UTC', $start)),
                                          timezone('UTC', $end) - INTERVAL 1 SECOND,
                                          CASE $unit WHEN 'day' THEN INTERVAL 1 DAY
                                                     ELSE INTERVAL 7 DAY END))::DATE AS period
        ),
        wanted AS (SELECT unnest($ids::JSON::VARCHAR[]) AS id),
        family AS (
            SELECT unnest($member::JSON::VARCHAR[]) AS entity_id,
                   unnest($ancestor::JSON::VARCHAR[]) AS ancestor_id,
                   unnest($alone::JSON::BOOLEAN[]) AS alone,
                   unnest($tabled::JSON::BOOLEAN[]) AS tabled
        ),
        tabled AS (
            SELECT unnest($tabled_id::JSON::VARCHAR[]) AS id,
                   unnest($source::JSON::VARCHAR[]) AS source,
                   unnest($rollup::JSON::BOOLEAN[]) AS rollup
        ),
        counts AS (
            SELECT id, date_trunc($unit, day)::DATE AS period, sum(mentions) AS mentions,
                   sum(articles) AS articles
            FROM ({
        " UNION ALL ".join(days)
        or "SELECT NULL AS id, NULL::DATE AS day, 0 AS mentions, 0 AS articles LIMIT 0"
    })
            GROUP BY ALL
        )
        SELECT w.id, p.period, coalesce(c.mentions, 0) AS mentions,
               coalesce(c.articles, 0) AS articles
        FROM wanted w CROSS JOIN periods p
        LEFT JOIN counts c ON c.id = w.id AND c.period = p.period
        ORDER BY w.id, p.period
        """
    params = {
            "unit": unit, "start": start, "end": end, "first": first, "last": last,
            "ids": json_list(entity_ids), "member": json_list(p[0] for p in pairs),
            "ancestor": json_list(p[1] for p in pairs), "alone": json_list(p[2] for p in pairs),
            "tabled": json_list(p[3] for p in pairs), "tabled_id": json_list(tabled),
            "source": json_list(v[0] for v in tabled.values()),
            "rollup": json_list(v[1] for v in tabled.values()),
    }  # fmt: skip
    used = set(re.findall(r"\$(\w+)", sql))
    rows = con.execute(sql, {k: v for k, v in params.items() if k in used}).fetchall()
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in entity_ids}
    for eid, period, mentions, articles in rows:
        out[eid].append({"period": period, "mentions": int(mentions), "articles": int(articles)})
    return out


def co_mentioned(
    con: duckdb.DuckDBPyConnection,
    entity_id: str,
    limit: int = 15,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[dict[str, Any]]:
    """The entities named most often in the same articles as `entity_id` (or a descendant):
    articles in common, its own family left out; only articles of [start, end) when given
    (the entity page's chart period), else of all time."""
    # Whole weeks of the period are read from entity_pair_weeks (warehouse/entity_pairs.py),
    # when it holds the entity's counts: its own rows for an entity alone in its family, its
    # family's rows while they were counted with the watchlist's family. The days at the
    # ends, or everything when it does not, are counted from article_entities.
    pairs = rollup_pairs(con)
    members = set(rollup.members(pairs, entity_id))
    rolled = None
    if members == {entity_id}:
        rolled = False
    elif len(members) > 1 and entity_pairs.families(con).get(entity_id) == members:
        rolled = True
    params: dict[str, Any] = {
        "id": entity_id, "limit": limit, "family": json_list(sorted(members)),
        "ancestors": json_list(rollup.ancestors(pairs, entity_id)),
    }  # fmt: skip
    counts: list[str] = []
    ranges: list[tuple[datetime | None, datetime | None]] = [(start, end)]
    if rolled is not None:
        first = _monday(start, later=True) if start is not None else None
        last = _monday(end, later=False) if end is not None else None
        if first is None or last is None or first < last:
            weeks = ["entity_id = $id", "rollup = $rollup"]
            params["rollup"] = rolled
            if first is not None:
                weeks.append("week >= $first")
                params["first"] = first.date()
            if last is not None:
                weeks.append("week < $last")
                params["last"] = last.date()
            counts.append(
                "SELECT other_id AS entity_id, sum(articles) AS articles FROM entity_pair_weeks"
                f" WHERE {' AND '.join(weeks)} GROUP BY other_id"
            )
            ranges = [(start, first), (last, end)]
    for n, (low, high) in enumerate(ranges):
        if (low is None and counts) or (high is None and counts) or (low and high and low >= high):
            continue  # covered by the weeks, or empty
        counts.append(_co_counts(n, low, high, params))
    sql = f"""
            WITH counts AS ({" UNION ALL ".join(counts)})
            SELECT c.entity_id, any_value(e.name) AS name, any_value(e.kind) AS kind,
                   sum(c.articles)::BIGINT AS articles
            FROM counts c JOIN v_entities e ON e.entity_id = c.entity_id
            WHERE NOT list_contains($family::JSON::VARCHAR[], c.entity_id)
              AND NOT list_contains($ancestors::JSON::VARCHAR[], c.entity_id)
            GROUP BY c.entity_id
            ORDER BY articles DESC, name
            LIMIT $limit
            """
    used = set(re.findall(r"\$(\w+)", sql))
    return dicts(con.execute(sql, {k: v for k, v in params.items() if k in used}))


def _monday(t: datetime, *, later: bool) -> datetime:
    """The Monday midnight (UTC) on or after `t` (`later`), else on or before it."""
    t = _utc(t)
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    if later:
        day += timedelta(days=1) if day < t else timedelta(0)
        return day + timedelta(days=(7 - day.weekday()) % 7)
    return day - timedelta(days=day.weekday())


def _co_counts(n: int, start: datetime | None, end: datetime | None, params: dict[str, Any]) -> str:
    """Per other entity, the articles of [start, end) (either end open) it shares with the
    family (the caller's `$family`), from article_entities; params added to `params`."""
    # A semi join, and count(*): article_entities holds one row per article and entity
    # (tests/test_article_entities.py), so an entity's rows among the family's articles are
    # its articles in common (2.4x faster than joining with the distinct articles and
    # counting them distinct). A period is applied to both sides: an article's rows all
    # carry its time, and article_entities is in time order, so the scan skips the rest.
    period = ""
    if start is not None:
        period += f" AND {{t}} >= $start{n}"
        params[f"start{n}"] = start
    if end is not None:
        period += f" AND {{t}} < $end{n}"
        params[f"end{n}"] = end
    return f"""
        SELECT o.entity_id, count(*) AS articles
        FROM article_entities o SEMI JOIN (
            SELECT article_id FROM article_entities
            WHERE list_contains($family::JSON::VARCHAR[], entity_id) {period.format(t="t")}
        ) mine USING (article_id)
        WHERE true {period.format(t="o.t")}
        GROUP BY o.entity_id
    """


def entity_articles(
    con: duckdb.DuckDBPyConnection, entity_id: str, *, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """The latest articles naming `entity_id` or a descendant, newest first."""
    # Looked for among the newest rows first (article_entities is kept in time order, so a
    # scan from a time on skips the rest): an article's rows all have its time, so when a
    # window holds offset + limit articles, no older article can be among them. Only when
    # it does not is a wider window, at last all time, read.
    row = con.execute("SELECT max(t) FROM article_entities").fetchone()
    newest = row[0] if row else None
    members = family(con, entity_id)
    for days in (14, 120, None):
        since = newest - timedelta(days=days) if newest is not None and days else None
        hits = con.execute(
            """
            SELECT article_id, max(t) AS t, sum(mentions) AS mentions
            FROM article_entities
            WHERE list_contains($family::JSON::VARCHAR[], entity_id)
              AND ($since IS NULL OR t >= $since)
            GROUP BY article_id ORDER BY t DESC, article_id LIMIT $limit OFFSET $offset
            """,
            {"family": json_list(members), "limit": limit, "offset": offset, "since": since},
        ).fetchall()
        if since is None or len(hits) == limit:
            # The articles read where their times put them, not by a scan of every key.
            rows = articles_by_time(con, [(a, t) for a, t, _ in hits], f"a.title, {SOURCE} AS site")
            return [
                {"article_id": a, "title": rows[a]["title"], "t": t, "site": rows[a]["site"],
                 "mentions": m}
                for a, t, m in hits
                if a in rows
            ]  # fmt: skip
    return []


# --- deals ----------------------------------------------------------------------------------

_DEAL_COLUMNS = (
    "d.deal_id, d.kind, d.investor, i.name AS investor_name, d.target, t.name AS target_name,"
    " d.amount_usd, d.amount_max_usd, d.qualifier, d.year, d.status, d.evidence,"
    " d.article_id, d.sources, d.first_reported, d.found_by"
)


def deals(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str | None = None,
    party: str | None = None,
    year: int | None = None,
    status: str | None = None,
    found_by: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """(number of deals matching, one page of the ledger), largest amounts first. `party`:
    investor, target or a backer in its roles, or a descendant of one; `found_by`: `rules`
    (a rule read it) or `model` (only the deal model did)."""
    filters: list[str] = ["true"]
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if kind:
        filters.append("d.kind = $kind")
        params["kind"] = kind
    if party:
        # The party's family read once, not once per deal (a correlated count was 0.4 s at
        # 100k deals).
        filters.append(
            "(list_contains($family::JSON::VARCHAR[], d.investor)"
            " OR list_contains($family::JSON::VARCHAR[], d.target)"
            " OR list_has_any(list_transform(d.roles, x -> x.entity_id), $family::JSON::VARCHAR[]))"
        )
        params["family"] = json_list(family(con, party))
    if year:
        filters.append("coalesce(d.year, year(d.first_reported)) = $year")
        params["year"] = year
    if status:
        filters.append("d.status = $status")
        params["status"] = status
    if found_by:
        filters.append("d.found_by = $found_by")
        params["found_by"] = found_by
    rows = dicts(
        con.execute(
            f"""
            SELECT {_DEAL_COLUMNS}, count(*) OVER () AS total
            FROM v_deals d
            LEFT JOIN v_entities i ON i.entity_id = d.investor
            LEFT JOIN v_entities t ON t.entity_id = d.target
            WHERE {" AND ".join(filters)}
            ORDER BY d.amount_usd DESC NULLS LAST, d.sources DESC, d.first_reported DESC,
                     d.deal_id
            LIMIT $limit OFFSET $offset
            """,
            params,
        )
    )
    total = int(rows[0]["total"]) if rows else 0
    for r in rows:
        del r["total"]
    return total, rows


def deal_sources(
    con: duckdb.DuckDBPyConnection, deal_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The articles reporting each deal: id, title, site, time and their own evidence."""
    out: dict[str, list[dict[str, Any]]] = {d: [] for d in deal_ids}
    if not deal_ids:
        return out
    for r in dicts(
        con.execute(
            f"""
            SELECT r.deal_id, a.article_id, a.title, {SOURCE} AS site, r.t, r.evidence
            FROM v_deal_reports r JOIN articles a USING (article_id)
            WHERE list_contains($ids::JSON::VARCHAR[], r.deal_id)
            ORDER BY r.deal_id, r.t, a.article_id
            """,
            {"ids": json_list(deal_ids)},
        )
    ):
        out[r.pop("deal_id")].append(r)
    return out


def deal_first_sources(
    con: duckdb.DuckDBPyConnection, deal_ids: list[str], first: int
) -> dict[str, tuple[int, list[dict[str, Any]]]]:
    """Each deal's number of reports and its first `first` of `deal_sources` (the ledger
    page lists five): their articles read by position (`articles_by_key`), not joined with
    every article's key (the largest deals have 1,672 reports; reading all their articles
    by position costs more than the join)."""
    out: dict[str, tuple[int, list[dict[str, Any]]]] = {d: (0, []) for d in deal_ids}
    if not deal_ids:
        return out
    reports = dicts(
        con.execute(
            """
            SELECT deal_id, article_id, t, evidence, n FROM (
                SELECT r.deal_id, r.article_id, r.t, r.evidence,
                       count(*) OVER (PARTITION BY r.deal_id) AS n,
                       row_number() OVER (PARTITION BY r.deal_id ORDER BY r.t, r.article_id) AS k
                FROM v_deal_reports r WHERE list_contains($ids::JSON::VARCHAR[], r.deal_id))
            WHERE k <= $first ORDER BY deal_id, t, article_id
            """,
            {"ids": json_list(deal_ids), "first": first},
        )
    )
    found = articles_by_key(
        con, {r["article_id"] for r in reports}, f"a.title, {SOURCE} AS site",
        by_position=not is_lake(con),
    )  # fmt: skip
    for r in reports:
        a = found.get(r["article_id"])
        if a is None:  # a report of no stored article (none while in step): as the join
            continue
        listed = out[r["deal_id"]][1]
        listed.append({"article_id": r["article_id"], "title": a["title"], "site": a["site"],
                       "t": r["t"], "evidence": r["evidence"]})  # fmt: skip
        out[r["deal_id"]] = (int(r["n"]), listed)
    return out


def article_deals(con: duckdb.DuckDBPyConnection, article_id: str) -> list[dict[str, Any]]:
    """The deals an article reports, each with its evidence sentence."""
    return dicts(
        con.execute(
            """
            SELECT d.kind, d.investor_id AS investor, i.name AS investor_name,
                   d.target_id AS target, t.name AS target_name, d.amount_usd,
                   d.amount_max_usd, d.qualifier, d.year, d.status, d.evidence, d.found_by
            FROM deals d
            LEFT JOIN v_entities i ON i.entity_id = d.investor_id
            LEFT JOIN v_entities t ON t.entity_id = d.target_id
            WHERE d.article_id = ? ORDER BY d.deal_no
            """,
            [article_id],
        )
    )


def entity_deals(con: duckdb.DuckDBPyConnection, entity_id: str) -> list[dict[str, Any]]:
    return deals(con, party=entity_id, limit=100)[1]


# --- articles -------------------------------------------------------------------------------


def article(con: duckdb.DuckDBPyConnection, article_id: str) -> dict[str, Any] | None:
    return article_at(con, article_id)[0]


def article_at(
    con: duckdb.DuckDBPyConnection, article_id: str
) -> tuple[dict[str, Any] | None, int | None]:
    """The article and its position in `articles` (None on a DuckLake: no rowid to read by);
    read where `article_hashes` puts it (`articles_by_key`), not by a scan of every key."""
    lake = is_lake(con)
    position = "" if lake else ", a.rowid AS _position"
    columns = f"""a.article_id, a.title, a.canonical_url AS url, {SOURCE} AS site, a.author,
                  a.published_at, a.fetched_at, {ARTICLE_TIME} AS t, a.language, a.text,
                  a.text_source, a.extractor, a.page_error, a.page_kind, a.cluster_id,
                  a.analysis_note{position}"""
    found = articles_by_key(con, [article_id], columns, by_position=not lake).get(article_id)
    at = found.pop("_position", None) if found else None
    return found, None if at is None else int(at)


MENTIONS = (
    "SELECT m.entity_id, e.name, e.kind, m.surface, m.start_offset, m.end_offset,"
    " m.in_title FROM {mentions} m LEFT JOIN v_entities e USING (entity_id)"
    " WHERE m.article_id = $id ORDER BY m.in_title DESC, m.start_offset"
)


def article_mentions(
    con: duckdb.DuckDBPyConnection, article_id: str, near: tuple[int, datetime] | None = None
) -> list[dict[str, Any]]:
    """An article's mentions in offset order (title's first), with each entity's name.
    `near`: the article's position in `articles` and its time, to read its mentions where
    they were appended (warehouse/article_rows.py) rather than by a scan."""
    params: dict[str, object] = {"id": article_id}
    if near is not None:
        rows = mentions_near(con, MENTIONS, params, *near)
        if rows is not None:
            return rows
    return dicts(con.execute(MENTIONS.format(mentions="mentions"), params))


def same_story(con: duckdb.DuckDBPyConnection, article: dict[str, Any]) -> list[dict[str, Any]]:
    """The other articles of the article's story (cluster), in time order."""
    story = article["cluster_id"] or article["article_id"]
    # The story's members (cluster_id) and its first article (its own id, no cluster_id)
    # as two plain filters, which the scans apply: coalesce(cluster_id, article_id) was
    # computed for every article (1M: 80-200 ms against 25-45 ms).
    return dicts(
        con.execute(
            f"""
            SELECT a.article_id, a.title, {SOURCE} AS site, {ARTICLE_TIME} AS t
            FROM (SELECT * FROM articles WHERE cluster_id = $story
                  UNION ALL
                  SELECT * FROM articles WHERE article_id = $story AND cluster_id IS NULL) a
            WHERE a.article_id <> $id
            ORDER BY t, a.article_id LIMIT 100
            """,
            {"story": story, "id": article["article_id"]},
        )
    )


def fetch_history(con: duckdb.DuckDBPyConnection, article_id: str) -> list[dict[str, Any]]:
    """How the article came in: each feed that carried it (first seen), and each later try
    of its page (page_retries)."""
    return dicts(
        con.execute(
            """
            SELECT af.first_seen_at AS time, 'seen in feed' AS event,
                   coalesce(nullif(f.name, ''), f.title, f.url) AS detail, NULL AS outcome
            FROM article_feeds af LEFT JOIN feeds f USING (feed_id)
            WHERE af.article_id = $id
            UNION ALL BY NAME
            SELECT last_tried_at AS time, 'page fetched again' AS event,
                   attempts || ' tries; ' || coalesce(error, '') AS detail, outcome
            FROM page_retries WHERE article_id = $id
            UNION ALL BY NAME
            SELECT upgraded_at AS time, 'upgraded to the page text' AS event, '' AS detail,
                   'page' AS outcome
            FROM page_retries WHERE article_id = $id AND upgraded_at IS NOT NULL
            ORDER BY time
            """,
            {"id": article_id},
        )
    )


# --- home, feeds ----------------------------------------------------------------------------


def leading_entities(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, limit: int = 10
) -> list[dict[str, Any]]:
    """The entities named in most articles in [start, end), descendants rolled up."""
    return dicts(
        con.execute(
            """
            SELECT r.ancestor_id AS entity_id, any_value(e.name) AS name,
                   any_value(e.kind) AS kind, count(DISTINCT ae.article_id) AS articles,
                   sum(ae.mentions) AS mentions
            FROM article_entities ae JOIN v_entity_rollup r USING (entity_id)
            JOIN v_entities e ON e.entity_id = r.ancestor_id
            WHERE ae.t >= $start AND ae.t < $end
            GROUP BY r.ancestor_id ORDER BY articles DESC, mentions DESC, name LIMIT $limit
            """,
            {"start": start, "end": end, "limit": limit},
        )
    )


def feeds(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every feed's health: failing ones first."""
    return dicts(
        con.execute(
            "SELECT feed_id, name, url, last_fetched_at, last_success_at, last_outcome,"
            " last_error, consecutive_failures, next_due_at, fetches_7d, failures_7d, articles"
            " FROM v_feed_health ORDER BY consecutive_failures DESC, name"
        )
    )

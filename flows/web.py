"""`labwatch web`: a read-only web application over the warehouse, pages rendered on the
server (they work without JavaScript, and the Content-Security-Policy allows none) and the
same data as JSON under /api, CSV for every table.

Each request opens the warehouse read-only and closes it before answering (`reader`), as
`labwatch sql` does: an ingest is never locked out for longer than one page takes, and a page
asked for while an ingest writes waits for the ingest's short transaction (up to `lock_wait`)
instead of failing. A page's independent queries run at once on cursors of that one opening
(flows/web_together.py). Nothing of the warehouse is kept between requests but what search
knows of its index, and only while the file is unchanged (warehouse/index_facts.py); it is
prepared when the server starts and after each change of the file (flows/web_ready.py).

Untrusted text (feeds, pages, the user's watchlist) reaches HTML only through Jinja2's
autoescape or flows/web_text.py, which escapes every piece it joins.

Listening: loopback only by default; another address only with a `web_token`, which every
request must then carry (a bearer header, or `?token=` once: it is kept in a cookie).
"""

from __future__ import annotations

import asyncio
import csv
import hmac
import io
import ipaddress
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import duckdb
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader
from markupsafe import Markup
from starlette.middleware.trustedhost import TrustedHostMiddleware

from extractors.errors import ServeError
from flows.connection import open_db
from flows.digest_render import deal_link, deal_roles, money, safe_url
from flows.settings import Settings
from flows.web_chart import Chart, line_chart
from flows.web_ready import Readiness
from flows.web_text import entity_href, snippet, with_mentions
from flows.web_together import together
from warehouse import index_facts
from warehouse import web_queries as q
from warehouse.backend import SEARCH_NEEDS_A_FILE
from warehouse.digest_queries import (
    deals_of_week,
    digest_index,
    failing_feeds,
    figures,
    top_stories,
)
from warehouse.errors import (
    InvalidWeekError,
    QueryError,
    WarehouseError,
    WarehouseLockedError,
    WarehouseMissingError,
)
from warehouse.queries import (
    iso_week,
    lock_down,
    newest_article_week,
    utc_for_cursors,
    week_bounds,
)
from warehouse.search import (
    SORTS,
    load_fts,
    parse_query,
    phrase_pattern,
    search_articles,
)

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
PER_PAGE = 20
SOURCES_LISTED = 5  # a deal's reports the ledger page lists (templates/web/deals.html.j2)
MAX_PER_PAGE = 200
MAX_COMPARE = 5
TOKEN_COOKIE = "labwatch_token"
# No script at all; styles and images only from this server; nothing framed, posted or
# fetched elsewhere. The pages link out (plain <a>), which a CSP does not restrict.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# The digests are files of their own with inline styles (flows/templates/digest.html.j2).
DIGEST_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
_DIGEST_FILE = re.compile(r"\d{4}-W\d{2}\.(html|md)|index\.html")
_STATIC = Path(__file__).parent / "templates" / "web"

_ENV = Environment(
    loader=PackageLoader("flows", "templates/web"),
    autoescape=True,  # every value is escaped unless it is Markup from flows/web_text.py
    trim_blocks=True,
    lstrip_blocks=True,
)
# (a global, so that the macros templates import see it too)
_ENV.globals["deal_link"] = deal_link


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str) -> None:
    """Refuse a non-loopback address unless a token protects the pages."""
    if not is_loopback(host) and not token:
        raise ServeError(
            f"refusing to listen on {host}: anyone who can reach it would read the warehouse. "
            "Set web_token in labwatch.toml (or LABWATCH_WEB_TOKEN) to require a token, or "
            "listen on 127.0.0.1"
        )


# --- request parameters ---------------------------------------------------------------------


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPException(
            400, f"{name} must be a date such as 2026-11-30, not {text!r}"
        ) from None


def _moment(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


def _choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if value and value not in allowed:
        raise HTTPException(400, f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value or None


def _page(page: int) -> int:
    if page < 1:
        raise HTTPException(400, "page must be 1 or more")
    return page


def _per_page(per_page: int) -> int:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise HTTPException(400, f"per_page must be from 1 to {MAX_PER_PAGE}")
    return per_page


def _paged(items: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"total": total, "page": page, "per_page": per_page,
            "pages": max(1, -(-total // per_page)), "items": items}  # fmt: skip


def csv_response(rows: list[dict[str, Any]], name: str) -> Response:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return value


# --- the application ------------------------------------------------------------------------


@contextmanager
def reader(settings: Settings, *, fts: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for one request, closed after it: locked down (no other file
    read or written); `fts`: the search extension loaded first (an index without its
    postings is searched with the extension's functions; otherwise search needs none here:
    it stems the query in a connection of its own, warehouse/query_terms.py)."""
    with open_db(settings, read_only=True) as con:
        if fts:
            load_fts(con)
        utc_for_cursors(con)  # for flows/web_together.py
        lock_down(con)
        yield con


def search_reader(settings: Settings) -> Any:
    """`reader` for a search: the extension loaded unless the index is known to have its
    postings (warehouse/index_facts.py, while the file is unchanged)."""
    path = settings.warehouse
    known = index_facts.known(path) if isinstance(path, Path) else None
    return reader(settings, fts=not (known and known.postings))


def _weeks_range(
    unit: str, since: date | None, until: date | None, newest: date
) -> tuple[datetime, datetime]:
    """[start, end) of a chart: the given days, else 12 weeks (60 days by day) to the newest."""
    end = _moment(until + timedelta(days=1)) if until else _moment(newest + timedelta(days=1))
    assert end is not None
    if since:
        start = _moment(since)
        assert start is not None
    else:
        start = end - (timedelta(days=60) if unit == "day" else timedelta(weeks=12))
    if start >= end:
        raise HTTPException(400, "since must be before until")
    if (end - start).days > 3660:
        raise HTTPException(400, "a chart spans at most ten years")
    return start, end


def create_app(settings: Settings, token: str = "", host: str = DEFAULT_HOST) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The templates compiled (10-20 ms each, paid by each page's first answer), and
        # search's per-file state prepared before the first request and after each ingest
        # (flows/web_ready.py); a DuckLake has no search index to prepare.
        for name in _ENV.list_templates():
            _ENV.get_template(name)
        if not isinstance(settings.warehouse, Path):
            yield
            return
        ready = Readiness(settings.warehouse, lambda: reader(settings))
        app.state.ready = ready
        await asyncio.to_thread(ready.start)
        try:
            yield
        finally:
            await asyncio.to_thread(ready.stop)

    app = FastAPI(
        lifespan=lifespan,
        title="labwatch",
        summary="Read-only access to the labwatch warehouse: entities, mentions over time, "
        "articles, search, deals, feeds. Every list is paginated; add format=csv for CSV.",
        docs_url=None,  # Swagger UI loads scripts from a CDN: /api/docs is drawn here instead
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    hosts = ["*"] if token else ["127.0.0.1", "localhost", "::1", "[::1]", host]
    # A page on another site cannot reach us through DNS rebinding: only our own host names.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Any]) -> Response:
        if token:
            given = request.query_params.get("token")
            if given is not None and hmac.compare_digest(given.encode(), token.encode()):
                # Once: into a cookie, and out of the address (history, Referer, logs).
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = request.url.path + ("?" + urlencode(rest) if rest else "")
                redirect = RedirectResponse(target, status_code=303)
                redirect.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return _secured(redirect, request)
            bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            cookie = request.cookies.get(TOKEN_COOKIE, "")
            if not any(hmac.compare_digest(t.encode(), token.encode()) for t in (bearer, cookie)):
                return _secured(
                    Response("a token is required: open the address with ?token=...",
                             status_code=401, media_type="text/plain"),
                    request,
                )  # fmt: skip
        response: Response = await call_next(request)
        return _secured(response, request)

    def _secured(response: Response, request: Request) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(WarehouseError)
    async def warehouse_error(request: Request, exc: WarehouseError) -> Response:
        status = 503 if isinstance(exc, WarehouseLockedError | WarehouseMissingError) else 500
        return _error(request, status, str(exc))

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> Response:
        return _error(request, 400, str(exc))

    def _error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api"):
            return JSONResponse({"error": message}, status_code=status)
        return HTMLResponse(render("error.html.j2", status=status, message=message), status)

    def page(name: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(render(name, **context))

    # --- HTML pages -------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(week: str | None = None) -> HTMLResponse:
        return page("home.html.j2", **week_data(week))

    def week_data(week: str | None) -> dict[str, Any]:
        with reader(settings) as con:
            if not week:
                week = newest_article_week(con) or iso_week(datetime.now(UTC).date())
            try:
                start, end = week_bounds(week)
            except InvalidWeekError as exc:
                raise HTTPException(400, str(exc)) from None
            parts = together(con, {
                "figures": lambda c: figures(c, start, end),
                "stories": lambda c: top_stories(c, start, end, limit=10),
                "deals": lambda c: deals_of_week(c, start, end),
                "leaders": lambda c: q.leading_entities(c, start, end),
                "failing": lambda c: failing_feeds(c, start, end),
            })  # fmt: skip
        this, last = parts["figures"]
        return {
            "week": week, "start": start, "end": end,
            "last_day": (end - timedelta(days=1)).date(), "this": this, "last": last,
            "stories": parts["stories"], "deals": parts["deals"], "leaders": parts["leaders"],
            "failing": parts["failing"], "previous": iso_week((start - timedelta(days=7)).date()),
            "next": iso_week(end.date()),
        }  # fmt: skip

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(
        request: Request,
        q_: str = Query("", alias="q"),
        entity: str = "",
        kind: str = "",
        source: str = "",
        since: str = "",
        until: str = "",
        sort: str = "relevance",
        page_no: int = Query(1, alias="page"),
    ) -> HTMLResponse:
        with search_reader(settings) as con:
            result = run_search(
                con, q_, entity, kind, source, since, until, sort, page_no, PER_PAGE
            )
            choices = {"entities": q.entity_choices(con)}
        for item in result["items"]:
            item["snippet"] = snippet_of(item.pop("text"), q_)
        return page(
            "search.html.j2", q=q_, entity=entity, kind=kind, source=source, since=since,
            until=until, sort=sort, result=result, sorts=SORTS, **choices,
            query_string=request.url.query,
        )  # fmt: skip

    def run_search(
        con: duckdb.DuckDBPyConnection, text: str, entity: str, kind: str, source: str,
        since: str, until: str, sort: str, page_no: int, per_page: int,
    ) -> dict[str, Any]:  # fmt: skip
        _choice(sort, SORTS, "sort")
        start, stop = _moment(_day(since, "since")), _day(until, "until")
        page_no, per_page = _page(page_no), _per_page(per_page)
        if not text.strip():
            return _paged([], 0, page_no, per_page) | {"note": ""}
        if not isinstance(settings.warehouse, Path):  # a DuckLake (issue 18)
            raise QueryError(SEARCH_NEEDS_A_FILE)
        total, items = search_articles(
            con, text, entity=entity or None, kind=kind or None, source=source or None,
            since=start, until=_moment(stop + timedelta(days=1)) if stop else None,
            sort=sort, limit=per_page, offset=(page_no - 1) * per_page,
            path=settings.warehouse,
        )  # fmt: skip
        note = (
            "the search index is behind the newest articles (the next ingest rebuilds it)"
            if index_facts.facts(con, settings.warehouse).state == "stale"
            else ""
        )
        return _paged(items, total, page_no, per_page) | {"note": note}

    @app.get("/entities", response_class=HTMLResponse, include_in_schema=False)
    def entities_page() -> HTMLResponse:
        with reader(settings) as con:
            return page("entities.html.j2", entities=q.entities(con))

    @app.get("/entity/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(
        entity_id: str,
        unit: str = "week",
        since: str = "",
        until: str = "",
        rollup: int = 1,
        measure: str = "mentions",
        page_no: int = Query(1, alias="page"),
    ) -> HTMLResponse:
        _choice(unit, q.UNITS, "unit")
        _choice(measure, ("mentions", "articles"), "measure")
        page_no = _page(page_no)
        with reader(settings) as con:
            found = q.entity(con, entity_id)
            if found is None:
                raise HTTPException(404, f"no entity {entity_id!r} in the watchlist")
            start, end = _weeks_range(unit, _day(since, "since"), _day(until, "until"),
                                      q.newest_day(con))  # fmt: skip
            ids = [entity_id] + ([c["entity_id"] for c in found["children"]] if not rollup else [])
            parts = together(con, {
                "series": lambda c: q.series(c, ids, unit, start, end, rollup=bool(rollup)),
                "co": lambda c: q.co_mentioned(c, entity_id, start=start, end=end),
                "deals": lambda c: q.entity_deals(c, entity_id),
                "articles": lambda c: q.entity_articles(c, entity_id, limit=PER_PAGE,
                                                        offset=(page_no - 1) * PER_PAGE),
            })  # fmt: skip
        data = parts.pop("series")
        labels = {entity_id: found["name"]} | {c["entity_id"]: c["name"] for c in found["children"]}
        if not rollup:
            labels[entity_id] = f"{found['name']} (own mentions)"
        context = {
            "e": found, "unit": unit, "rollup": rollup, "measure": measure,
            "since": start.date(), "until": (end - timedelta(days=1)).date(),
            "chart": chart_of(data, labels, unit, measure),
            "totals": {k: sum(p[measure] for p in v) for k, v in data.items()},
            "page": page_no,
        } | parts  # fmt: skip
        return page("entity.html.j2", **context)

    def chart_of(
        data: dict[str, list[dict[str, Any]]], labels: dict[str, str], unit: str, measure: str
    ) -> Chart:
        return line_chart(
            {k: [(p["period"], p[measure]) for p in v] for k, v in data.items()}, labels, unit
        )

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(
        e: Annotated[list[str] | None, Query()] = None,
        unit: str = "week",
        since: str = "",
        until: str = "",
        measure: str = "mentions",
    ) -> HTMLResponse:
        _choice(unit, q.UNITS, "unit")
        _choice(measure, ("mentions", "articles"), "measure")
        ids = list(dict.fromkeys(i for i in e or [] if i))
        if len(ids) > MAX_COMPARE:
            raise HTTPException(400, f"compare at most {MAX_COMPARE} entities")
        with reader(settings) as con:
            known = q.names(con, ids)
            missing = [i for i in ids if i not in known]
            if missing:
                raise HTTPException(404, f"no entity {missing[0]!r} in the watchlist")
            start, end = _weeks_range(unit, _day(since, "since"), _day(until, "until"),
                                      q.newest_day(con))  # fmt: skip
            chart = None
            totals: dict[str, int] = {}
            if len(ids) >= 2:
                data = q.series(con, ids, unit, start, end)
                chart = chart_of(data, known, unit, measure)
                totals = {k: sum(p[measure] for p in v) for k, v in data.items()}
            everyone = q.entity_choices(con)
        return page(
            "compare.html.j2", ids=ids, names=known, chart=chart, totals=totals, unit=unit,
            measure=measure, since=start.date(), until=(end - timedelta(days=1)).date(),
            entities=everyone, slots=range(MAX_COMPARE),
        )  # fmt: skip

    @app.get("/article/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(article_id: str) -> HTMLResponse:
        data = article_data(article_id)
        mentions = data["mentions"]
        data["title_html"] = with_mentions(
            data["article"]["title"], [m for m in mentions if m["in_title"]], paragraphs=False
        )
        data["text_html"] = with_mentions(
            data["article"]["text"], [m for m in mentions if not m["in_title"]]
        )
        counts: dict[str, dict[str, Any]] = {}
        for m in mentions:
            c = counts.setdefault(
                m["entity_id"], {"entity_id": m["entity_id"], "name": m["name"], "n": 0}
            )
            c["n"] += 1
        data["entity_counts"] = sorted(counts.values(), key=lambda c: (-c["n"], str(c["name"])))
        return page("article.html.j2", **data)

    def article_data(article_id: str) -> dict[str, Any]:
        def after_article(c: duckdb.DuckDBPyConnection) -> tuple[Any, Any, Any]:
            found, position = q.article_at(c, article_id)
            if found is None:
                return None, [], []
            # Its mentions read where its position puts them, then its story.
            near = None if position is None else (position, found["t"])
            return found, q.article_mentions(c, article_id, near), q.same_story(c, found)

        with reader(settings) as con:
            parts = together(con, {
                "article": after_article,  # mentions and story need the article: after it
                "deals": lambda c: q.article_deals(c, article_id),
                "history": lambda c: q.fetch_history(c, article_id),
            })  # fmt: skip
        found, mentions, story = parts["article"]
        if found is None:
            raise HTTPException(404, f"no article {article_id!r}")
        return {"article": found, "mentions": mentions, "deals": parts["deals"],
                "story": story, "history": parts["history"]}  # fmt: skip

    @app.get("/deals", response_class=HTMLResponse, include_in_schema=False)
    def deals_page(
        request: Request,
        kind: str = "",
        party: str = "",
        year: str = "",
        status: str = "",
        found_by: str = "",
        page_no: int = Query(1, alias="page"),
    ) -> HTMLResponse:
        with reader(settings) as con:
            result = deal_data(
                con, kind, party, year, status, page_no, PER_PAGE, sources=True,
                first=SOURCES_LISTED, found_by=found_by,
            )  # fmt: skip
            everyone = q.entity_choices(con)
        return page(
            "deals.html.j2", kind=kind, party=party, year=year, status=status, result=result,
            kinds=q.DEAL_KINDS, statuses=q.DEAL_STATUSES, entities=everyone,
            query_string=request.url.query, found_by=found_by, readers=q.DEAL_READERS,
        )  # fmt: skip

    def deal_data(
        con: duckdb.DuckDBPyConnection, kind: str, party: str, year: str, status: str,
        page_no: int, per_page: int, *, sources: bool, first: int | None = None,
        found_by: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        """`sources`: each deal's reports with their articles; `first`: only the first so
        many, and their number (`report_count`); `found_by`: the rules' deals or the deal
        model's alone."""
        _choice(kind, q.DEAL_KINDS, "kind")
        _choice(status, q.DEAL_STATUSES, "status")
        _choice(found_by, q.DEAL_READERS, "found_by")
        if year and not re.fullmatch(r"\d{4}", year):
            raise HTTPException(400, f"year must be four digits, not {year!r}")
        page_no, per_page = _page(page_no), _per_page(per_page)
        total, rows = q.deals(
            con, kind=kind or None, party=party or None, year=int(year) if year else None,
            status=status or None, found_by=found_by or None, limit=per_page,
            offset=(page_no - 1) * per_page,
        )  # fmt: skip
        if sources and first:
            firsts = q.deal_first_sources(con, [r["deal_id"] for r in rows], first)
            for r in rows:
                r["report_count"], r["reports"] = firsts[r["deal_id"]]
        elif sources:
            reports = q.deal_sources(con, [r["deal_id"] for r in rows])
            for r in rows:
                r["reports"] = reports[r["deal_id"]]
        return _paged(rows, total, page_no, per_page)

    @app.get("/feeds", response_class=HTMLResponse, include_in_schema=False)
    def feeds_page() -> HTMLResponse:
        with reader(settings) as con:
            return page("feeds.html.j2", feeds=q.feeds(con), digests=digest_index(con))

    @app.get("/digests/{name}", include_in_schema=False)
    def digest_file(name: str) -> Response:
        if not _DIGEST_FILE.fullmatch(name) or not (settings.digests_dir / name).is_file():
            raise HTTPException(404, f"no digest {name!r}")
        body = (settings.digests_dir / name).read_bytes()
        kind = "text/html" if name.endswith(".html") else "text/markdown"
        return Response(body, media_type=f"{kind}; charset=utf-8",
                         headers={"Content-Security-Policy": DIGEST_CSP})  # fmt: skip

    @app.get("/static/web.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response((_STATIC / "web.css.j2").read_bytes(), media_type="text/css")

    # --- JSON (and CSV) API -----------------------------------------------------------------

    def out(data: Any, fmt: str, name: str) -> Response:
        _choice(fmt, ("json", "csv"), "format")
        if fmt == "csv":
            rows = data["items"] if isinstance(data, dict) and "items" in data else data
            return csv_response(rows, name)
        return JSONResponse(jsonable_encoder(data))

    @app.get("/api/week", tags=["home"])
    def api_week(week: str | None = None) -> Response:
        """The home page's data for one ISO week (default: the newest with articles)."""
        return out(week_data(week), "json", "week")

    @app.get("/api/entities", tags=["entities"])
    def api_entities(page: int = 1, per_page: int = 100, format: str = "json") -> Response:
        """The watchlist in use, with each entity's articles and mentions of all time."""
        page, per_page = _page(page), _per_page(per_page)
        with reader(settings) as con:
            rows = q.entities(con)
        items = rows[(page - 1) * per_page : page * per_page]
        return out(_paged(items, len(rows), page, per_page), format, "entities")

    @app.get("/api/entities/{entity_id}", tags=["entities"])
    def api_entity(entity_id: str) -> Response:
        """One entity: its parent, children, co-mentioned entities and deals."""
        with reader(settings) as con:
            found = q.entity(con, entity_id)
            if found is None:
                raise HTTPException(404, f"no entity {entity_id!r} in the watchlist")
            found["co_mentioned"] = q.co_mentioned(con, entity_id)
            found["deals"] = q.entity_deals(con, entity_id)
        return out(found, "json", entity_id)

    @app.get("/api/series", tags=["entities"])
    def api_series(
        e: Annotated[list[str], Query(description="entity ids (one to five)")],
        unit: str = "week",
        since: str = "",
        until: str = "",
        rollup: int = 1,
        format: str = "json",
    ) -> Response:
        """Mentions and articles per day or week for each entity (descendants rolled up
        unless rollup=0); every period present, zeros included."""
        _choice(unit, q.UNITS, "unit")
        ids = list(dict.fromkeys(e))
        if not 1 <= len(ids) <= MAX_COMPARE:
            raise HTTPException(400, f"give one to {MAX_COMPARE} entities")
        with reader(settings) as con:
            missing = [i for i in ids if i not in q.names(con, ids)]
            if missing:
                raise HTTPException(404, f"no entity {missing[0]!r} in the watchlist")
            start, end = _weeks_range(unit, _day(since, "since"), _day(until, "until"),
                                      q.newest_day(con))  # fmt: skip
            data = q.series(con, ids, unit, start, end, rollup=bool(rollup))
        if format == "csv":
            return out(
                [{"entity_id": k, **p} for k, v in data.items() for p in v], format, "series"
            )
        return out({"unit": unit, "since": start.date(), "until": (end - timedelta(days=1)).date(),
                    "series": data}, format, "series")  # fmt: skip

    @app.get("/api/entities/{entity_id}/articles", tags=["articles"])
    def api_entity_articles(
        entity_id: str, page: int = 1, per_page: int = PER_PAGE, format: str = "json"
    ) -> Response:
        """The latest articles naming the entity or a descendant, newest first."""
        page, per_page = _page(page), _per_page(per_page)
        with reader(settings) as con:
            rows = q.entity_articles(
                con, entity_id, limit=per_page + 1, offset=(page - 1) * per_page
            )
        more = len(rows) > per_page
        data = {"page": page, "per_page": per_page, "more": more, "items": rows[:per_page]}
        return out(data, format, f"{entity_id}-articles")

    @app.get("/api/articles/{article_id}", tags=["articles"])
    def api_article(article_id: str) -> Response:
        """One article with its text, mentions (offsets), deals, story and fetch history."""
        return out(article_data(article_id), "json", article_id)

    @app.get("/api/search", tags=["search"])
    def api_search(
        q_: str = Query(..., alias="q", description='words, numbers, "quoted phrases"'),
        entity: str = "",
        kind: str = "",
        source: str = "",
        since: str = "",
        until: str = "",
        sort: str = "relevance",
        page: int = 1,
        per_page: int = PER_PAGE,
        format: str = "json",
    ) -> Response:
        """Full-text search (BM25; quoted phrases must appear as written), with a snippet
        of each article around the words found (plain text)."""
        with search_reader(settings) as con:
            result = run_search(con, q_, entity, kind, source, since, until, sort, page, per_page)
        for item in result["items"]:
            item["snippet"] = snippet_of(item.pop("text"), q_).striptags()
        return out(result, format, "search")

    @app.get("/api/deals", tags=["deals"])
    def api_deals(
        kind: str = "",
        party: str = "",
        year: str = "",
        status: str = "",
        found_by: str = "",
        page: int = 1,
        per_page: int = 50,
        format: str = "json",
    ) -> Response:
        """The deals ledger, largest first; each deal with the articles reporting it.
        `found_by`: `rules` (a rule read the deal) or `model` (only the deal model did)."""
        with reader(settings) as con:
            data = deal_data(con, kind, party, year, status, page, per_page,
                             sources=format == "json", found_by=found_by)  # fmt: skip
        return out(data, format, "deals")

    @app.get("/api/feeds", tags=["feeds"])
    def api_feeds(format: str = "json") -> Response:
        """Every feed's health: last outcome and error, failures, next due."""
        with reader(settings) as con:
            rows = q.feeds(con)
        return out(_paged(rows, len(rows), 1, max(1, len(rows))), format, "feeds")

    @app.get("/api/digests", tags=["feeds"])
    def api_digests(format: str = "json") -> Response:
        """Every digest written, newest week first (files under /digests/)."""
        with reader(settings) as con:
            rows = digest_index(con)
        return out(_paged(rows, len(rows), 1, max(1, len(rows))), format, "digests")

    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return page("api.html.j2", spec=app.openapi())

    return app


def snippet_of(text: str | None, query: str) -> Markup:
    """A search result's snippet: around its first quoted phrase, else the whole query as
    a phrase, else its first word."""
    parsed = parse_query(query)
    phrases = [phrase_pattern(p) for p in (*parsed.phrases, parsed.words) if p]
    return snippet(text, parsed.words, phrases)


def with_page(query_string: str, n: int) -> str:
    """The query string with page=n in place of its page."""
    return urlencode(
        [(k, v) for k, v in parse_qsl(query_string) if k != "page"] + [("page", str(n))]
    )


def render(name: str, **context: Any) -> str:
    return _ENV.get_template(name).render(
        money=money, safe_url=safe_url, deal_roles=deal_roles, entity_href=entity_href,
        urlencode=urlencode, with_page=with_page, **context,
    )  # fmt: skip


def run_web(
    settings: Settings,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    say: Callable[[str], None] = print,
    open_browser: bool = False,
) -> None:
    """Serve the web application until Ctrl-C."""
    server = web_server(settings, host, port)
    url = address(host, port)
    say(f"labwatch web: {url} (Ctrl-C stops)")
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, [url]).start()
    server.run()


def address(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}/"


def web_server(settings: Settings, host: str, port: int) -> Any:
    """A uvicorn server for the application (not started), after checking the address."""
    import uvicorn

    check_bind(host, settings.web_token)
    app = create_app(settings, settings.web_token, host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False)
    return uvicorn.Server(config)


@contextmanager
def web_in_background(settings: Settings, say: Callable[[str], None]) -> Iterator[None]:
    """`labwatch serve`'s web application (unless the `web` setting is off), in a thread for
    as long as the block runs."""
    if not settings.web:
        yield
        return
    import socket
    import threading

    server = web_server(settings, settings.web_host, settings.web_port)
    with socket.socket(socket.AF_INET6 if ":" in settings.web_host else socket.AF_INET) as probe:
        if probe.connect_ex((settings.web_host, settings.web_port)) == 0:
            say(f"web: port {settings.web_port} is in use; not started (set web_port)")
            yield
            return

    def run() -> None:
        try:
            server.run()
        except SystemExit:  # uvicorn exits when it cannot bind: serve goes on without it
            say(f"web: could not listen on {settings.web_host}:{settings.web_port}")

    thread = threading.Thread(target=run, name="labwatch-web", daemon=True)
    thread.start()
    say(f"web: {address(settings.web_host, settings.web_port)}")
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)

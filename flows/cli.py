"""The `labwatch` command line: each command parses its arguments and calls one library function.

Library errors become a one-line message on stderr and exit status 1 (2 for usage errors);
no traceback for a problem the user can fix.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from extractors.entities import Tagger, load_watchlist
from extractors.errors import LabwatchError
from flows.report import format_rows, ingest_report
from flows.settings import Settings, SettingsError, load_settings
from warehouse.errors import WarehouseError

DESCRIPTION = """\
labwatch watches AI-industry news: it fetches RSS/Atom feeds, extracts the articles, tags
the AI labs, cloud providers and deals they mention, and appends everything to a DuckDB
warehouse you can query with SQL; a weekly digest summarises it.

Everything lives under LABWATCH_HOME (default ./data): labwatch.duckdb, digests/, prefect/.
"""

EPILOG = """\
examples:
  labwatch demo                                  ingest the bundled seed site, write a digest
  labwatch ingest --feeds my-feeds.toml          ingest your own feed list
  labwatch digest --week 2026-W47 --open         write digests/2026-W47.md and .html, open it
  labwatch serve                                 ingest every 30 min, digest on Mondays
  labwatch runs                                  the latest runs and their figures
  labwatch tag article.txt --counts              tag a text file with the watchlist
  labwatch sql "select title from articles" --format csv
  labwatch feeds add https://example.com/blog   add the feed a page advertises
  labwatch eval feeds ../shared/corpus/malformed-feeds
"""


def _prefect(settings: Settings, args: argparse.Namespace) -> None:
    # Must run before anything imports Prefect.
    from flows.prefect_env import configure_prefect

    configure_prefect(settings, verbose=args.verbose, quiet=args.quiet)
    import logging

    from flows.progress import log, show_live_progress

    log.setLevel(logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO)
    show_live_progress(not args.quiet)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    _prefect(settings, args)
    from flows.demo import run_demo

    result = run_demo(settings, port=args.port)
    print(f"labwatch demo: served the seed site at {result.base_url}")
    print("\n".join(ingest_report(result.summary, result.totals)))
    print(f"  warehouse         {settings.warehouse}")
    if result.digest:
        print(f"  digest            {result.digest.markdown}")
        print(f"                    {result.digest.html}")
    print('next: labwatch sql "select title, published_at from articles"')
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    _prefect(settings, args)
    from flows.ingest import ingest
    from warehouse.database import open_warehouse
    from warehouse.queries import totals

    overrides = {"allowed_private_hosts": args.allow_host} if args.allow_host else None
    summary = ingest(
        feed_urls=args.feed or None,
        feeds_file=str(args.feeds) if args.feeds else None,
        home=str(settings.home),
        force=args.force,
        overrides=overrides,
    )
    if "skipped" in summary:
        print(f"labwatch ingest: skipped: {summary['skipped']}", file=sys.stderr)
        return 1
    with open_warehouse(settings.warehouse, read_only=True, lock_wait=settings.lock_wait) as con:
        figures = totals(con)
    if not args.quiet:
        print(f"labwatch ingest: run {summary['run_id']}")
        print("\n".join(ingest_report(summary, figures)))
        print(f"  warehouse         {settings.warehouse}")
    # Every feed failing is worth a non-zero status; some failing is a normal day on the web.
    return 1 if summary["feeds_total"] and not summary["feeds_fetched"] else 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    _prefect(settings, args)
    from flows.serve import serve_deployments

    serve_deployments(settings, args.port, lambda line: None if args.quiet else print(line))
    return 0


def cmd_runs(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.database import open_warehouse
    from warehouse.runs import latest_runs

    with open_warehouse(settings.warehouse, read_only=True, lock_wait=settings.lock_wait) as con:
        columns, rows = latest_runs(con, args.limit, args.flow)
    sys.stdout.write(format_rows(columns, rows, args.format))
    return 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.digest_queries import canonical_week

    # A mistyped week fails here, before Prefect's server starts.
    week = canonical_week(args.week) if args.week else None
    _prefect(settings, args)
    from flows.digest import SENT, digest, open_in_browser

    result = digest(week=week, home=str(settings.home))
    if not args.quiet:
        print(
            f"labwatch digest {result.week}: {result.articles} articles, "
            f"{result.mentions} mentions, {result.deals} deals"
        )
        print(f"  {result.markdown}\n  {result.html}\n  {result.index}")
        if result.notification == SENT:
            print("  notification sent")
    # A notification that was not sent is a warning in the flow's log, shown on stderr.
    if args.open:
        if open_in_browser(result.html):
            if not args.quiet:
                print("  opened in your browser")
        else:
            print(f"labwatch digest: no browser available; open {result.html.resolve()}")
    return 0


def cmd_tag(args: argparse.Namespace, settings: Settings) -> int:
    watchlist = (
        load_watchlist(args.watchlist, settings.watchlist_extra)
        if args.watchlist
        else settings.load_watchlist()
    )
    if args.file in (None, "-"):
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LabwatchError(f"cannot read {args.file}: {exc}") from exc
    tagger = Tagger(watchlist)
    if args.deals:
        from dataclasses import asdict

        from extractors.deals import find_deals

        for deal in find_deals(text, tagger.tag(text), watchlist.ancestors):
            print(json.dumps(asdict(deal), ensure_ascii=False))
        return 0
    if args.counts:
        print(json.dumps(tagger.counts(text), ensure_ascii=False, sort_keys=True))
        return 0
    for m in tagger.tag(text):
        record = {
            "entity": m.entity,
            "kind": m.kind,
            "text": m.text,
            "start": m.start,
            "end": m.end,
        }
        print(json.dumps(record, ensure_ascii=False))
    return 0


def cmd_retag(args: argparse.Namespace, settings: Settings) -> int:
    from flows.retag import retag

    r = retag(settings)
    if not args.quiet:
        print(
            f"labwatch retag: {r.articles} articles with watchlist {r.version}: "
            f"mentions {r.mentions_before} -> {r.mentions_after}, "
            f"deals {r.deals_before} -> {r.deals_after}"
        )
    return 0


def cmd_deals(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.database import open_warehouse
    from warehouse.queries import deals_ledger

    with open_warehouse(settings.warehouse, read_only=True, lock_wait=settings.lock_wait) as con:
        columns, rows = deals_ledger(con)
    sys.stdout.write(format_rows(columns, rows, args.format))
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.database import open_warehouse
    from warehouse.export import export_tables

    with open_warehouse(settings.warehouse, read_only=True, lock_wait=settings.lock_wait) as con:
        exported = export_tables(con, args.folder)
    if not args.quiet:
        for e in exported:
            print(f"  {e.table:<18} {e.rows:>9} rows  {e.path}")
        print(f"labwatch export: {len(exported)} tables to {args.folder} (schema in README.md)")
    return 0


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.database import open_warehouse
    from warehouse.named_query import named_queries, run_named
    from warehouse.queries import lock_down

    if args.list or not args.name:
        for q in named_queries().values():
            usage = " ".join(f"--param {k}={v}" for k, v in q.params.items())
            print(f"{q.name:<16} {q.description}" + (f"\n{'':<16} {usage}" if usage else ""))
        return 0
    params: dict[str, str] = {}
    for item in args.param or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--param wants NAME=VALUE, got {item!r}")
        params[key.strip()] = value.strip()
    with open_warehouse(settings.warehouse, read_only=True, lock_wait=settings.lock_wait) as con:
        lock_down(con)
        columns, rows = run_named(con, args.name, params)
    sys.stdout.write(format_rows(columns, rows, args.format))
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from warehouse.database import open_warehouse
    from warehouse.search import refresh_index, search

    if args.reindex:
        with open_warehouse(settings.warehouse, lock_wait=settings.lock_wait) as con:
            refresh_index(con)
    if not args.query:
        return 0
    since = datetime.fromisoformat(args.since).replace(tzinfo=UTC) if args.since else None
    with open_warehouse(settings.warehouse, read_only=True, lock_wait=settings.lock_wait) as con:
        columns, rows = search(con, args.query, entity=args.entity, since=since, limit=args.limit)
    sys.stdout.write(format_rows(columns, rows, args.format))
    return 0


def cmd_sql(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.database import open_warehouse
    from warehouse.queries import lock_down, run_sql

    # Read-only, and no access to other files, unless the user asks to write.
    with open_warehouse(
        settings.warehouse, read_only=not args.write, lock_wait=settings.lock_wait
    ) as con:
        if not args.write:
            lock_down(con)
        columns, rows = run_sql(con, args.query)
    sys.stdout.write(format_rows(columns, rows, args.format))
    return 0


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from flows import feed_admin

    if args.action == "list":
        feeds = feed_admin.list_feeds(settings)
        columns = [
            "url",
            "name",
            "articles",
            "last_success_at",
            "failures",
            "last_error",
            "next_due_at",
        ]
        table = [[f[c] for c in columns] for f in feeds]
        sys.stdout.write(format_rows(columns, table, args.format))
    elif args.action == "add":
        added = feed_admin.add_feed(settings, args.url, args.name or "")
        state = "added" if added.added else "already listed"
        print(f"{state}: {added.url} ({added.title or 'untitled'})")
    elif args.action == "remove":
        if not feed_admin.remove_feed_url(settings, args.url):
            raise LabwatchError(f"not in the feed list: {args.url}")
        print(f"removed: {args.url} (its fetch log and articles stay)")
    elif args.action == "import":
        new, total = feed_admin.import_opml(settings, args.file)
        print(f"imported {args.file}: {new} new of {total} feeds")
    else:
        count = feed_admin.export_opml(settings, args.file)
        print(f"exported {count} feeds to {args.file}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    if args.stage == "extraction":
        return eval_extraction(args)
    if args.stage == "deals":
        return eval_deals(args, settings)
    if args.stage == "tagging":
        from extractors.entities import Tagger
        from flows.evaluation import evaluate_tagging

        found = evaluate_tagging(args.folder, Tagger(settings.load_watchlist()))
        columns = ["page", "entity", "text", "count", "example"]
        table = [[m.page, m.entity, m.surface, m.count, m.example] for m in found]
        sys.stdout.write(format_rows(columns, table, args.format))
        return 0
    from collections import Counter

    from flows.evaluation import CRASHED, evaluate_feeds

    verdicts = evaluate_feeds(args.folder)
    table = [[v.file, v.verdict, v.entries, v.detail] for v in verdicts]
    if not args.quiet:
        sys.stdout.write(format_rows(["file", "verdict", "entries", "detail"], table, args.format))
    counts = Counter(v.verdict for v in verdicts)
    summary = ", ".join(f"{counts[k]} {k}" for k in ("parsed", "recovered", "rejected", "crashed"))
    print(
        f"{len(verdicts)} files: {summary}",
        file=sys.stderr if args.format != "table" else sys.stdout,
    )
    return 1 if counts[CRASHED] else 0


def eval_deals(args: argparse.Namespace, settings: Settings) -> int:
    from flows import eval_deals as ev

    watchlist = load_watchlist(settings.watchlist, args.watchlist_extra or settings.watchlist_extra)
    gold = ev.load_gold(args.gold)
    find = ev.default_finder(Tagger(watchlist))
    splits = [*sorted({s.split for s in gold if s.split}, key=lambda x: (x != "tune", x)), "all"]
    results = {
        split: ev.evaluate_deals([s for s in gold if split in ("all", s.split)], find)
        for split in splits
    }
    if args.format == "json":
        print(json.dumps({k: ev.as_json(v) for k, v in results.items()}, indent=1))
        return 0
    for split, scores in results.items():
        print(f"{split}: {scores.sentences} sentences")
        sys.stdout.write(format_rows(ev.REPORT_COLUMNS, ev.report_rows(scores), args.format))
        agree = ", ".join(f"{k} {a.right}/{a.total}" for k, a in scores.fields.items())
        print(f"matched deals agreeing on: {agree}\n")
    if not args.quiet:
        for e in results["all"].errors:
            print(f"{e.sentence} ({e.split}) {e.what}: {e.detail}\n    {e.text}")
    return 0


def eval_extraction(args: argparse.Namespace) -> int:
    from flows.evaluation import evaluate_extraction, summarise

    scores = evaluate_extraction(args.folder, args.setting)
    if args.per_page:
        columns = ["page", "setting", "precision", "recall", "f1", "ms"]
        table = [
            [s.page, s.setting, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}",
             f"{1000 * s.seconds:.0f}"]
            for s in scores
        ]  # fmt: skip
        sys.stdout.write(format_rows(columns, table, args.format))
    columns = ["setting", "pages", "precision", "recall", "f1", "mean_ms", "max_ms"]
    table = [
        [s.setting, str(s.pages), f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}",
         f"{s.mean_ms:.0f}", f"{s.max_ms:.0f}"]
        for s in summarise(scores)
    ]  # fmt: skip
    sys.stdout.write(format_rows(columns, table, args.format))
    return 0


def build_parser() -> argparse.ArgumentParser:
    # The global options work before or after the command: `labwatch --home X sql ...` and
    # `labwatch sql ... --home X` both do. Subparsers leave them unset unless given.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="data directory (default: $LABWATCH_HOME or ./data)",
    )
    noise = common.add_mutually_exclusive_group()
    noise.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only errors"
    )
    noise.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="also each failed feed and page, and Prefect's own logs",
    )
    parser = argparse.ArgumentParser(
        prog="labwatch",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "demo",
        parents=[common],
        help="serve the bundled seed site on loopback, ingest it, write its digest",
    )
    p.add_argument(
        "--port", type=int, default=8765, help="loopback port for the seed site (default 8765)"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "ingest",
        parents=[common],
        help="fetch the feeds and store new articles, mentions and deals",
    )
    p.add_argument(
        "--feeds", type=Path, metavar="FILE", help="feed list TOML (default: seeds/feeds.toml)"
    )
    p.add_argument(
        "--feed", action="append", metavar="URL", help="a feed URL (repeatable); overrides --feeds"
    )
    p.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST[:PORT]",
        help="fetch pages from this host although it is private or loopback (repeatable)",
    )
    p.add_argument("--force", action="store_true", help="fetch every feed, even those backing off")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "serve",
        parents=[common],
        help="run the ingest and digest on their schedules until Ctrl-C (Prefect serve)",
        description="Serve the ingest (every ingest_every_minutes) and the weekly digest "
        "(digest_cron in timezone) from this process. Without PREFECT_API_URL, a Prefect "
        "server is started on 127.0.0.1:PORT for as long as it runs (its UI shows the runs).",
    )
    p.add_argument(
        "--port",
        type=int,
        default=4200,
        help="port of the local Prefect server and its UI (default 4200)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("runs", parents=[common], help="the latest flow runs and their figures")
    p.add_argument("--limit", type=int, default=10, help="how many runs (default 10)")
    p.add_argument("--flow", choices=("ingest", "digest"), help="only runs of this flow")
    p.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format"
    )
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser(
        "digest", parents=[common], help="write the weekly digest as Markdown and HTML"
    )
    p.add_argument(
        "--week", metavar="YYYY-Www", help="ISO week, e.g. 2026-W47 (default: last week)"
    )
    p.add_argument(
        "--open", action="store_true", help="open the HTML digest in your browser when done"
    )
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser(
        "feeds", parents=[common], help="manage the feed list: list, add, remove, import, export"
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("list", parents=[common], help="every feed with its health")
    a.add_argument("--format", choices=("table", "csv", "json"), default="table")
    a = actions.add_parser(
        "add", parents=[common], help="add a feed; given a web page, the feed it advertises"
    )
    a.add_argument("url")
    a.add_argument("--name", help="display name (default: the feed's title)")
    a = actions.add_parser("remove", parents=[common], help="remove a feed (its history stays)")
    a.add_argument("url")
    a = actions.add_parser("import", parents=[common], help="add the feeds of an OPML file")
    a.add_argument("file", type=Path, metavar="FILE.opml")
    a = actions.add_parser("export", parents=[common], help="write the feed list as OPML")
    a.add_argument("file", type=Path, metavar="FILE.opml")
    p.set_defaults(func=cmd_feeds)

    p = sub.add_parser(
        "eval", parents=[common], help="evaluate a stage on a folder of real material"
    )
    what = p.add_subparsers(dest="stage", metavar="STAGE", required=True)
    a = what.add_parser(
        "feeds",
        parents=[common],
        help="parse every file in DIR as a feed: parsed, recovered, rejected, crashed",
    )
    a.add_argument("folder", type=Path, metavar="DIR")
    a.add_argument("--format", choices=("table", "csv", "json"), default="table")
    a = what.add_parser(
        "extraction",
        parents=[common],
        help="score extraction against ground truth (DIR/html, DIR/ground_truth): "
        "precision, recall, F1 and time per page, for each setting",
    )
    a.add_argument("folder", type=Path, metavar="DIR")
    a.add_argument(
        "--setting",
        action="append",
        metavar="NAME",
        help="a setting to score (repeatable; default: the pipeline and every candidate)",
    )
    a.add_argument("--per-page", action="store_true", help="also print each page's scores")
    a.add_argument("--format", choices=("table", "csv", "json"), default="table")
    a = what.add_parser(
        "tagging",
        parents=[common],
        help="the mentions found in each page of DIR (or DIR/html), for review",
    )
    a.add_argument("folder", type=Path, metavar="DIR")
    a.add_argument("--format", choices=("table", "csv", "json"), default="table")
    a = what.add_parser(
        "deals",
        parents=[common],
        help="score the deal finder on a gold set of sentences: precision and recall of "
        "(kind, investor, target) and amounts per kind, then every miss and false positive",
    )
    a.add_argument(
        "--gold",
        type=Path,
        required=True,
        metavar="FILE",
        help="gold JSONL, e.g. tests/data/deals_gold.jsonl (format: tests/data/README.md)",
    )
    a.add_argument(
        "--watchlist-extra",
        type=Path,
        metavar="FILE",
        help="entities the gold names beyond the watchlist (tests/data/deals_gold_watchlist.toml)",
    )
    a.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser(
        "tag",
        parents=[common],
        help="tag a plain text with the watchlist; one JSON object per mention",
    )
    p.add_argument("file", nargs="?", metavar="FILE|-", help="text file, or - for stdin (default)")
    p.add_argument("--counts", action="store_true", help='print {"entity": count} instead')
    p.add_argument(
        "--deals", action="store_true", help="print the deals found, one JSON object per line"
    )
    p.add_argument(
        "--watchlist",
        type=Path,
        metavar="FILE",
        help="watchlist TOML (default: seeds/watchlist.toml)",
    )
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser(
        "deals", parents=[common], help="the deals ledger: one row per deal, with its sources"
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_deals)

    p = sub.add_parser(
        "export", parents=[common], help="write every table as Parquet, with a README of the schema"
    )
    p.add_argument("folder", type=Path, metavar="DIR")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "query", parents=[common], help="run a named query (warehouse/named_queries/NAME.sql)"
    )
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument(
        "--param", action="append", metavar="NAME=VALUE", help="a parameter (repeatable)"
    )
    p.add_argument(
        "--list", action="store_true", help="list the named queries and their parameters"
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser(
        "search", parents=[common], help="full-text search over titles and texts (BM25 ranking)"
    )
    p.add_argument("query", nargs="?", help='words to search for, e.g. "compute deal"')
    p.add_argument(
        "--entity", metavar="ID", help="only articles mentioning this entity (or its children)"
    )
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published since this day")
    p.add_argument("--limit", type=int, default=20, help="at most this many results (default 20)")
    p.add_argument("--reindex", action="store_true", help="rebuild the search index first")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "retag",
        parents=[common],
        help="tag every stored article again with the current watchlist (after editing it)",
    )
    p.set_defaults(func=cmd_retag)

    p = sub.add_parser("sql", parents=[common], help="run a read-only SQL query on the warehouse")
    p.add_argument("query", help='SQL, e.g. "select count(*) from articles"')
    p.add_argument(
        "--write", action="store_true", help="open the warehouse read-write (default: read-only)"
    )
    p.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format"
    )
    p.set_defaults(func=cmd_sql)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Defaults of the global options, set here: argparse shares option objects between a
    # parser and its subparsers, so set_defaults would make a subparser undo `--home X cmd`.
    for name, default in (("home", None), ("quiet", False), ("verbose", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    try:
        settings = load_settings(args.home)
        return int(args.func(args, settings))
    except (
        LabwatchError,
        WarehouseError,
        SettingsError,
        FileNotFoundError,
        ValueError,
    ) as exc:
        print(f"labwatch {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"labwatch {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`labwatch ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())

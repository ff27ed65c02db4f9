"""The `labwatch` command line: each command parses its arguments and calls one library function.

Exit status: 0 done; 1 a failure, as one line on stderr naming what was wrong and what to do;
2 a usage error (a bad or missing argument), also one line; 130 interrupted (Ctrl-C). Only the
project's own errors (LabwatchError, WarehouseError and their subclasses, SettingsError among
them) are caught as the user's: anything else is a bug and keeps its traceback. With
--verbose the project's errors show their traceback too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from extractors.entities import Tagger, load_watchlist
from extractors.errors import FeedListError, InputError, LabwatchError, UsageError
from extractors.urls import redact
from flows.connection import open_db
from flows.report import format_rows, ingest_report, write_rows
from flows.settings import Settings, load_settings
from warehouse.errors import WarehouseError

if TYPE_CHECKING:
    from flows.eval_deals import GoldSentence

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
  labwatch web --open                            browse the warehouse at 127.0.0.1:8000
  labwatch refetch --since 2026-11-01            fetch failed pages again, upgrade articles
  labwatch tag article.txt --counts              tag a text file with the watchlist
  labwatch sql "select title from articles" --format csv
  labwatch feeds add https://example.com/blog   add the feed a page advertises
  labwatch eval feeds ../shared/corpus/malformed-feeds

exit status:
  0    done
  1    failed: one line on stderr says what was wrong and what to do
  2    usage error: a bad or missing argument (one line; see the command's --help)
  130  interrupted (Ctrl-C)
An unexpected error is a bug in labwatch: it prints its traceback (please report it); with
--verbose, every error prints its traceback.
"""

# Rows `labwatch sql` prints by default; more are cut, with a message saying so.
DEFAULT_MAX_ROWS = 10_000


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line (argparse prints the whole usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# Argument types: a bad value is a usage error (exit status 2) naming the argument.
def _whole(text: str, what: str = "a whole number") -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None


def positive_int(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def row_limit(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more, got {value}")
    return value


def port_number(text: str) -> int:
    value = _whole(text, "a port number")
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is from 1 to 65535, got {value}")
    return value


def iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def iso_week_text(text: str) -> str:
    from warehouse.digest_queries import canonical_week
    from warehouse.errors import InvalidWeekError

    try:
        return canonical_week(text)
    except InvalidWeekError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def feed_url(text: str) -> str:
    from extractors.feedlist import feed_spec

    try:
        feed_spec(text)  # any text: a spec or a FeedListError (tests/test_urls.py)
    except FeedListError as exc:
        raise argparse.ArgumentTypeError(f"{exc}; give the feed's full http(s) URL") from None
    return text


def query_param(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"wants NAME=VALUE, got {text!r}")
    return key.strip(), value.strip()


def _progress_level(args: argparse.Namespace) -> None:
    """The `labwatch` logger's level and the live counters, as -q and -v ask."""
    import logging

    from flows.progress import log, show_live_progress

    log.setLevel(logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO)
    show_live_progress(not args.quiet)


def _prefect(
    settings: Settings, args: argparse.Namespace, server: bool = True, one_off: bool = False
) -> bool:
    """Prefect's environment, leftovers of killed runs stopped, and (`server`) its temporary
    server started for the flows this command runs. Must run before anything imports Prefect.

    `one_off` (ingest, refetch, digest): report to a Prefect server that is already there,
    else run the flow's steps directly, with no server (flows/oneoff.py); returns True then.
    """
    from flows.prefect_env import (
        clean_leftover_servers,
        configure_prefect,
        quiet_project_errors,
        start_temporary_server,
    )

    configure_prefect(settings, verbose=args.verbose, quiet=args.quiet)
    _progress_level(args)
    for pid in clean_leftover_servers(settings):
        if not args.quiet:
            print(
                f"labwatch {args.command}: stopped a Prefect server left running by a killed "
                f"labwatch (pid {pid})",
                file=sys.stderr,
            )
    if one_off:
        from flows.oneoff import one_off_api, show_progress_lines

        if not one_off_api(settings):
            if not args.quiet:
                show_progress_lines()  # what Prefect's console shows of them otherwise
            return True
    if server:
        # Not for serve: it imports Prefect only once it knows its server's URL (Prefect
        # reads PREFECT_API_URL at import), and its flows run in processes of their own.
        if not args.verbose:
            # We print a project error as one line; Prefect would log its traceback first.
            quiet_project_errors((LabwatchError, WarehouseError))
        start_temporary_server(settings)
    return False


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    check_warehouse(settings)
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


def check_ingest(args: argparse.Namespace, settings: Settings) -> None:
    """What an ingest needs, checked before Prefect starts, so a mistake is one line and no
    run is recorded: the feed list, the watchlist, and a warehouse that opens."""
    from extractors.feedlist import load_feed_list

    if args.save and not args.feed:
        raise UsageError("--save keeps the feeds given with --feed; give at least one")
    if args.feeds and not args.feed:
        load_feed_list(args.feeds)
    settings.load_watchlist()
    check_warehouse(settings)


def check_warehouse(settings: Settings) -> None:
    """Open the warehouse once, if there is one, before a flow starts: a damaged or busy
    file is then one line in a second, not a failed run after Prefect's server started."""
    if settings.warehouse.exists():
        with open_db(settings):
            pass


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    check_ingest(args, settings)
    direct = _prefect(settings, args, one_off=True)
    from flows.ingest import flow_feed_urls
    from flows.oneoff import flow_function
    from warehouse.queries import totals

    overrides = {"allowed_private_hosts": args.allow_host} if args.allow_host else None
    summary = flow_function("flows.ingest", "ingest", direct)(
        # Prefect stores a flow's parameters: it is given the URLs with passwords redacted.
        feed_urls=flow_feed_urls(args.feed) if args.feed else None,
        feeds_file=str(args.feeds) if args.feeds else None,
        home=str(settings.home),
        force=args.force,
        overrides=overrides,
        save=args.save,
    )
    if "skipped" in summary:
        print(f"labwatch ingest: skipped: {summary['skipped']}", file=sys.stderr)
        return 1
    with open_db(settings, read_only=True) as con:
        figures = totals(con)
    if not args.quiet:
        print(f"labwatch ingest: run {summary['run_id']}")
        print("\n".join(ingest_report(summary, figures)))
        print(f"  warehouse         {settings.warehouse}")
    # Every feed failing is worth a non-zero status; some failing is a normal day on the web.
    # On a lake, every due feed held by other workers is not a failure: they fetch them.
    held = summary.get("feeds_held", 0)
    if held and not summary["feeds_fetched"] and not summary["feeds_failed"]:
        if not args.quiet:
            print(f"labwatch ingest: all {held} due feeds are being fetched by other workers")
        return 0
    return 1 if summary["feeds_total"] and not summary["feeds_fetched"] else 0


def cmd_refetch(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from extractors.feedlist import feed_spec
    from warehouse.database import require_warehouse

    # Bad arguments fail in the parser (iso_day, feed_url), before Prefect's server starts.
    require_warehouse(settings.warehouse)  # nothing to fetch again in a warehouse not made yet
    check_warehouse(settings)
    since = datetime.combine(args.since, datetime.min.time(), UTC) if args.since else None
    feed_id = feed_spec(args.feed).feed_id if args.feed else None
    direct = _prefect(settings, args, one_off=True)
    from flows.oneoff import flow_function

    overrides = {"allowed_private_hosts": args.allow_host} if args.allow_host else None
    summary = flow_function("flows.ingest", "refetch", direct)(
        home=str(settings.home), since=since, feed_id=feed_id, overrides=overrides
    )
    if "skipped" in summary:
        print(f"labwatch refetch: skipped: {summary['skipped']}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(
            f"labwatch refetch: {summary['pages_retried']} failed pages fetched again: "
            f"{summary['articles_upgraded']} articles upgraded to the page's text, "
            f"{summary['pages_blocked']} blocked, {summary['pages_failed']} failed"
        )
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    _prefect(settings, args, server=False)  # serve starts a real server of its own
    from flows.serve import serve_deployments

    serve_deployments(settings, args.port, lambda line: None if args.quiet else print(line))
    return 0


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    from flows.web import run_web
    from warehouse.database import require_warehouse

    require_warehouse(settings.warehouse)
    host = args.host or settings.web_host
    port = args.port or settings.web_port
    run_web(settings, host, port, lambda line: None if args.quiet else print(line), args.open)
    return 0


def cmd_runs(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.runs import latest_runs

    with open_db(settings, read_only=True) as con:
        columns, rows = latest_runs(con, args.limit, args.flow)
    sys.stdout.write(format_rows(columns, rows, args.format))
    return 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.database import require_warehouse

    # A mistyped week (parsed by --week's type) or a home with no warehouse fails here,
    # before Prefect's server starts; the digest never creates an empty warehouse.
    require_warehouse(settings.warehouse)
    check_warehouse(settings)
    direct = _prefect(settings, args, one_off=True)
    from flows.digest import SENT, DigestResult, open_in_browser
    from flows.oneoff import flow_function

    result: DigestResult = flow_function("flows.digest", "digest", direct)(
        week=args.week, home=str(settings.home)
    )
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
        try:
            text = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"the text on stdin is not UTF-8: {exc}") from exc
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
    from flows.oneoff import show_progress_lines
    from flows.retag import retag

    # Its progress lines, as an ingest's: a retag of a large warehouse takes minutes.
    _progress_level(args)
    if not args.quiet:
        show_progress_lines()
    r = retag(settings)
    if not args.quiet:
        print(
            f"labwatch retag: {r.articles} articles with watchlist {r.version}: "
            f"mentions {r.mentions_before} -> {r.mentions_after}, "
            f"deals {r.deals_before} -> {r.deals_after}, "
            f"story keys {r.story_keys} new, {r.story_moves} articles moved story"
        )
    return 0


def cmd_deals(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.queries import deals_ledger

    with open_db(settings, read_only=True) as con:
        columns, rows = deals_ledger(con)
    sys.stdout.write(format_rows(columns, rows, args.format))
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.export import Exported, check_target, export_tables

    check_target(args.folder, overwrite=args.overwrite)  # before waiting for the warehouse

    def written(e: Exported) -> None:  # as each file is done: a large export takes a while
        if not args.quiet:
            print(f"  {e.table:<18} {e.rows:>9} rows  {e.path}", flush=True)

    with open_db(settings, read_only=True) as con:
        exported = export_tables(con, args.folder, overwrite=args.overwrite, written=written)
    if not args.quiet:
        print(f"labwatch export: {len(exported)} tables to {args.folder} (schema in README.md)")
    return 0


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.named_query import named_queries, run_named
    from warehouse.queries import lock_down

    if args.list or not args.name:
        for q in named_queries().values():
            usage = " ".join(f"--param {k}={v}" for k, v in q.params.items())
            print(f"{q.name:<16} {q.description}" + (f"\n{'':<16} {usage}" if usage else ""))
        return 0
    params = dict(args.param or [])
    with open_db(settings, read_only=True) as con:
        lock_down(con)
        columns, rows = run_named(con, args.name, params)
    sys.stdout.write(format_rows(columns, rows, args.format))
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime, time

    from warehouse.search import ensure_index, search

    words = (args.query or "").strip()
    if not words and not args.reindex:
        raise UsageError('no words to search for: labwatch search "compute deal"')
    if not isinstance(settings.warehouse, Path):
        # The fts index is DuckDB-file tables and macros; DuckLake cannot hold it yet.
        raise LabwatchError(
            "labwatch search needs a DuckDB warehouse: its full-text index cannot live in "
            "DuckLake yet; use labwatch sql with ILIKE instead (docs/scale-out.md)"
        )

    # The index is rebuilt when asked, or when it is missing or stale (a killed ingest).
    def say(note: str) -> None:
        if not args.quiet:
            print(f"labwatch search: {note}", file=sys.stderr, flush=True)

    note = ensure_index(settings.warehouse, settings.lock_wait, force=args.reindex, starting=say)
    if note:
        say(note)
    if not words:
        return 0
    since = datetime.combine(args.since, time(), tzinfo=UTC) if args.since else None
    with open_db(settings, read_only=True) as con:
        columns, rows = search(con, words, entity=args.entity, since=since, limit=args.limit)
    sys.stdout.write(format_rows(columns, rows, args.format))
    return 0


def cmd_sql(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.queries import lock_down, stream_sql

    if not args.query.strip():
        raise UsageError('no SQL given: labwatch sql "select count(*) from articles"')
    if args.max_rows == 0 and args.format == "table":
        raise UsageError("--max-rows 0 (every row) streams with --format csv or json only")
    # Read-only, and no access to other files, unless the user asks to write.
    with open_db(settings, read_only=not args.write) as con:
        if not args.write:
            lock_down(con)
        columns, chunks = stream_sql(con, args.query)
        # Rows go out as they come (csv, json), so a huge result never sits in memory; the
        # table needs them all for its widths, and stops at --max-rows either way.
        written, cut = write_rows(sys.stdout, columns, chunks, args.format, args.max_rows)
    if cut:
        print(
            f"labwatch sql: stopped after {written} rows (--max-rows {args.max_rows}); "
            "pass --max-rows N for more, or --max-rows 0 with --format csv or json for all",
            file=sys.stderr,
        )
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
        print(f"{state}: {redact(added.url)} ({added.title or 'untitled'})")
    elif args.action == "remove":
        if not feed_admin.remove_feed_url(settings, args.url):
            raise LabwatchError(f"not in the feed list: {redact(args.url)}")
        print(f"removed: {redact(args.url)} (its fetch log and articles stay)")
    elif args.action == "import":
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {args.file}: {exc.strerror}") from exc
        new, total = feed_admin.import_opml_data(settings, data)
        print(f"imported {args.file}: {new} new of {total} feeds")
    else:
        if args.file.is_dir():
            raise InputError(f"{args.file} is a folder: give the OPML file to write")
        try:
            count = feed_admin.export_opml(settings, args.file)
        except OSError as exc:
            raise InputError(f"cannot write {args.file}: {exc.strerror}") from exc
        print(f"exported {count} feeds to {args.file}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    if args.stage == "tagging" and args.gold:
        return eval_tagging_gold(args, settings)
    if args.stage == "deals":
        return eval_deals(args, settings)
    if args.stage == "clusters":
        return eval_clusters(args)
    if args.folder is None:
        extra = ", or --gold FILE" if args.stage == "tagging" else ""
        raise UsageError(f"eval {args.stage} needs a folder DIR{extra}")
    if not args.folder.is_dir():
        raise InputError(f"no such folder: {args.folder}")
    if args.stage == "extraction":
        return eval_extraction(args)
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
    if args.edits:
        return _eval_deal_edits(args, gold, Tagger(watchlist))
    find = ev.default_finder(Tagger(watchlist), learned=args.deal_model)
    splits = [*sorted({s.split for s in gold if s.split}, key=lambda x: (x != "tune", x)), "all"]
    results = {
        split: ev.evaluate_deals(
            [s for s in gold if split in ("all", s.split)], find, per_text=args.per_article
        )
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


def _eval_deal_edits(args: argparse.Namespace, gold: list[GoldSentence], tagger: Tagger) -> int:
    from flows import deal_edits as de

    scores = de.evaluate_edits(gold, tagger)
    if args.format == "json":
        print(json.dumps(de.as_json(scores), indent=1))
        return 0
    print(f"{len(gold)} texts")
    sys.stdout.write(format_rows(de.EDIT_COLUMNS, de.edit_rows(scores), args.format))
    if not args.quiet:
        for x in scores.losses:
            lost = "; ".join(" ".join(t) for t in x.lost) or "-"
            added = "; ".join(" ".join(t) for t in x.added) or "-"
            print(f"{x.sentence} {x.edit}: lost {lost}; added {added}\n    {x.text}")
    return 0


def eval_tagging_gold(args: argparse.Namespace, settings: Settings) -> int:
    """Precision, recall and F1 against a labelled gold set, then every miss."""
    from extractors.entities import Tagger
    from flows import eval_tagging as ev

    records = ev.load_gold(args.gold)  # a GoldError is an InputError: one line
    score = ev.evaluate_gold(records, Tagger(settings.load_watchlist()))
    summary, misses = ev.summary_rows(score), ev.miss_rows(score)
    if args.format == "json":
        doc = {
            "sentences": score.sentences,
            "articles": score.articles,
            "scores": [dict(zip(ev.SUMMARY_COLUMNS, r, strict=True)) for r in summary],
            "misses": [dict(zip(ev.MISS_COLUMNS, r, strict=True)) for r in misses],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=1))
        return 0
    sys.stdout.write(format_rows(ev.SUMMARY_COLUMNS, summary, args.format))
    if args.format == "table":
        n_fp = sum(1 for m in misses if m[0] == "fp")
        kinds = ((score.sentences - score.articles, "sentences"), (score.articles, "articles"))
        texts = ", ".join(f"{n} {what}" for n, what in kinds if n) or "0 sentences"
        print(f"\n{texts}; {n_fp} false positives, {len(misses) - n_fp} false negatives:")
    sys.stdout.write(format_rows(ev.MISS_COLUMNS, misses, args.format))
    return 0


def eval_clusters(args: argparse.Namespace) -> int:
    from flows.eval_clusters import evaluate, load_pairs

    scores = evaluate(load_pairs(args.file, args.corpus))  # PairFileError is an InputError
    rows = [s.row() for s in scores]
    columns = list(rows[0]) if rows else []
    sys.stdout.write(format_rows(columns, [[r[c] for c in columns] for r in rows], args.format))
    if args.errors:
        for s in scores:
            if s.split == "all":
                for pair, kind, label in s.errors:
                    print(f"{s.rule}: {pair} ({kind}) labelled {label}", file=sys.stderr)
    return 0


def eval_extraction(args: argparse.Namespace) -> int:
    from flows.eval_extraction import evaluate_extraction, summarise, worst

    scores, skipped = evaluate_extraction(args.folder, args.setting, args.split)
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
    if args.worst:
        columns = ["page", "setting", "f1", "precision", "recall", "page_kind", "extractor"]
        table = [
            [s.page, s.setting, f"{s.f1:.3f}", f"{s.precision:.3f}", f"{s.recall:.3f}",
             s.page_kind, s.chosen or "(no text)"]
            for s in worst(scores, args.worst)
        ]  # fmt: skip
        sys.stdout.write(format_rows(columns, table, args.format))
    if skipped:
        shown = ", ".join(skipped[:5]) + (", …" if len(skipped) > 5 else "")
        print(f"skipped {len(skipped)} page(s) with no ground-truth body: {shown}", file=sys.stderr)
    return 0


FORMATS = ("table", "csv", "json")


def add_format(parser: argparse.ArgumentParser) -> None:
    """The `--format` option every command that prints rows shares (flows/report.py)."""
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format")


def cmd_migrate_warehouse(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.backend import DEFAULT_FILE
    from warehouse.ducklake_migrate import migrate_to_lake

    lake = settings.warehouse
    if isinstance(lake, Path):
        raise UsageError(
            "migrate-warehouse copies into a DuckLake: set warehouse = "
            '"ducklake:postgres:<connection>" first (docs/scale-out.md)'
        )
    source = args.source or settings.home / DEFAULT_FILE
    if not source.is_file():
        raise InputError(f"no DuckDB warehouse to copy at {source}: give it with --from FILE")
    copied = migrate_to_lake(source, lake, lock_wait=settings.lock_wait)
    if not args.quiet:
        print(f"labwatch migrate-warehouse: copied {copied.rows} rows from {source} to {lake}")
        for table, rows in sorted(copied.tables.items()):
            print(f"  {table:<22} {rows}")
    return 0


def cmd_maintain_warehouse(args: argparse.Namespace, settings: Settings) -> int:
    # The scheduled flow's function, run once here (not a Prefect flow run): one row in runs.
    from flows.maintain import run_maintain

    if args.keep_days is not None and args.keep_days < 0:
        raise UsageError(f"--keep-days {args.keep_days:g}: must be 0 or more")
    done = run_maintain(str(settings.home), args.keep_days)
    if not args.quiet:
        if "skipped" in done:
            print(f"labwatch maintain-warehouse: {done['skipped']}")
        else:
            print(
                f"labwatch maintain-warehouse: data files {done['files_before']} -> "
                f"{done['files_after']} ({done['files_deleted']} deleted), snapshots "
                f"{done['snapshots_before']} -> {done['snapshots_after']}"
            )
    return 0


def build_parser() -> argparse.ArgumentParser:
    # The global options work before or after the command: `labwatch --home X sql ...` and
    # `labwatch sql ... --home X` both do. Subparsers leave them unset unless given.
    common = Parser(add_help=False)
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
    parser = Parser(
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
        "--port",
        type=port_number,
        default=8765,
        help="loopback port for the seed site (default 8765)",
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
        "--feed",
        action="append",
        type=feed_url,
        metavar="URL",
        help="a feed URL (repeatable) fetched this once, not added to the feed list unless "
        "--save; overrides --feeds",
    )
    p.add_argument(
        "--save",
        action="store_true",
        help="also add the --feed URLs to the feed list (as `labwatch feeds add` does)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST[:PORT]",
        help="fetch pages from this host although it is private or loopback (repeatable)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="fetch every feed, even those backing off, and every page that failed before",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "refetch",
        parents=[common],
        help="fetch failed pages again now; articles whose page arrives get its text",
        description="Fetch again every page that failed (refused, timed out, 5xx, 404...), "
        "whatever its retry schedule. An article whose page arrives is upgraded in place from "
        "the feed's text to the page's: same article, its mentions and deals retagged.",
    )
    p.add_argument(
        "--since",
        type=iso_day,
        metavar="YYYY-MM-DD",
        help="only articles published (or stored) since this day",
    )
    p.add_argument(
        "--feed", type=feed_url, metavar="URL", help="only articles carried by this feed"
    )
    p.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST[:PORT]",
        help="fetch pages from this host although it is private or loopback (repeatable)",
    )
    p.set_defaults(func=cmd_refetch)

    p = sub.add_parser(
        "serve",
        parents=[common],
        help="run the ingest and digest (and a DuckLake's maintenance) on their schedules "
        "until Ctrl-C (Prefect serve)",
        description="Serve the ingest (every ingest_every_minutes) and the weekly digest "
        "(digest_cron in timezone) from this process; on a DuckLake warehouse also its "
        "compaction and snapshot expiry (labwatch-maintain, at maintain_cron, keeping "
        "maintain_keep_days). It prints each deployment and its next run. Without "
        "PREFECT_API_URL, a Prefect "
        "server is started on 127.0.0.1:PORT for as long as it runs (its UI shows the runs; "
        "ingest, refetch and digest typed meanwhile report to it too).",
    )
    p.add_argument(
        "--port",
        type=port_number,
        default=4200,
        help="port of the local Prefect server and its UI (default 4200)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "web",
        parents=[common],
        help="browse, search and chart the warehouse in a browser (read-only), with a JSON API",
        description="Serve a read-only web application over the warehouse: the week's figures, "
        "search, entity pages with charts, compare, articles, the deals ledger, feeds and "
        "digests; the same data as JSON under /api (documented at /api/docs), CSV for every "
        "table. Listens on loopback unless --host says otherwise, which needs web_token set "
        "(every request must then carry it). `labwatch serve` starts it too (web = false "
        "turns that off).",
    )
    p.add_argument("--host", help="address to listen on (default web_host: 127.0.0.1)")
    p.add_argument("--port", type=port_number, help="port to listen on (default web_port: 8000)")
    p.add_argument("--open", action="store_true", help="open it in the default browser")
    p.set_defaults(func=cmd_web)

    p = sub.add_parser("runs", parents=[common], help="the latest flow runs and their figures")
    p.add_argument("--limit", type=positive_int, default=10, help="how many runs (default 10)")
    p.add_argument(
        "--flow", choices=("ingest", "refetch", "digest", "maintain"), help="only runs of this flow"
    )
    add_format(p)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser(
        "digest", parents=[common], help="write the weekly digest as Markdown and HTML"
    )
    p.add_argument(
        "--week",
        type=iso_week_text,
        metavar="YYYY-Www",
        help="ISO week, e.g. 2026-W47 (default: last week)",
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
    add_format(a)
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
    add_format(a)
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
    a.add_argument(
        "--worst",
        type=int,
        default=0,
        metavar="N",
        help="also print the N lowest-scoring pages of the pipeline, with the extractor it chose",
    )
    a.add_argument(
        "--split",
        choices=("all", "tune", "check"),
        default="all",
        help="score only the tuning or the check half (pages split by site; default: all)",
    )
    add_format(a)
    a = what.add_parser(
        "clusters",
        parents=[common],
        help="pair precision and recall of story clustering on a labelled pair file, "
        "before (SimHash), after, and by the lead and terms parts alone, per split (tune, check)",
    )
    a.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="pairs (tests/data/clusters/pairs.jsonl: wire copies; rewrite_pairs.jsonl: stories"
        " retold in other words; report_pairs.jsonl: other outlets' own reports; feed_pairs.jsonl:"
        " real feeds' entries of one week, labelled by event)",
    )
    a.add_argument(
        "--corpus", type=Path, metavar="DIR", help="the corpus the pairs name (../shared/corpus)"
    )
    a.add_argument("--errors", action="store_true", help="list the pairs each rule gets wrong")
    add_format(a)
    a = what.add_parser(
        "tagging",
        parents=[common],
        help="the mentions found in each page of DIR (or DIR/html), for review; with "
        "--gold FILE, precision, recall and F1 against a labelled gold set",
    )
    a.add_argument("folder", type=Path, metavar="DIR", nargs="?")
    a.add_argument(
        "--gold",
        type=Path,
        metavar="FILE",
        help="a gold set (JSONL, see tests/data/README.md) of sentences or of whole articles "
        "(records with a title): print precision, recall and F1 overall, per split and per "
        "entity (for articles, also of each entity named in an article), then every false "
        "positive and false negative",
    )
    add_format(a)
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
    a.add_argument(
        "--per-article",
        action="store_true",
        help="each gold text is a whole article: a kind of deal between two parties counts "
        "once per text, however many of its sentences state it (tests/data/deals_articles.jsonl)",
    )
    a.add_argument(
        "--deal-model",
        action="store_true",
        help="score the rules with the deal model's deals added, as the pipeline does by "
        "default (the setting deal_model; extractors/deal_model.py); without it, the rules alone",
    )
    a.add_argument(
        "--edits",
        action="store_true",
        help="instead, rewrite each text the way other outlets would (a place, a title, a "
        "listing or a legal form around a party's name, an adverb, a dateline ...: "
        "flows/deal_edits.py) and print, per edit, the share of the deals found right "
        "before it that are still found after it, and the deals it adds",
    )
    add_format(a)
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
    add_format(p)
    p.set_defaults(func=cmd_deals)

    p = sub.add_parser(
        "export",
        parents=[common],
        help="write every table as Parquet, with a README of the schema, to a new or empty DIR",
    )
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="write into DIR although it is not empty, replacing the export's own files",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "query", parents=[common], help="run a named query (warehouse/named_queries/NAME.sql)"
    )
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument(
        "--param",
        action="append",
        type=query_param,
        metavar="NAME=VALUE",
        help="a parameter (repeatable)",
    )
    p.add_argument(
        "--list", action="store_true", help="list the named queries and their parameters"
    )
    add_format(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser(
        "search", parents=[common], help="full-text search over titles and texts (BM25 ranking)"
    )
    p.add_argument("query", nargs="?", help='words to search for, e.g. "compute deal"')
    p.add_argument(
        "--entity", metavar="ID", help="only articles mentioning this entity (or its children)"
    )
    p.add_argument(
        "--since",
        type=iso_day,
        metavar="YYYY-MM-DD",
        help="only articles published since this day",
    )
    p.add_argument(
        "--limit", type=positive_int, default=20, help="at most this many results (default 20)"
    )
    p.add_argument(
        "--reindex",
        action="store_true",
        help="rebuild the search index first, from every article's text (it is rebuilt by "
        "itself when missing or stale)",
    )
    add_format(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "retag",
        parents=[common],
        help="tag every stored article again with the current watchlist (after editing it); "
        "give story keys to articles stored without one and place them in their stories",
        description="Tag every stored article again with the current watchlist, on every core "
        "(the workers setting), and swap all mentions and deals in one transaction; give "
        "story keys to articles stored without one and place them in their stories. The new "
        "rows are staged in a file beside the warehouse as they are made, so memory while "
        "tagging does not grow with the warehouse. Holds the ingest lock: ingests that "
        "start meanwhile are skipped, and a retag is refused while an ingest runs.",
    )
    p.set_defaults(func=cmd_retag)

    p = sub.add_parser("sql", parents=[common], help="run a read-only SQL query on the warehouse")
    p.add_argument("query", help='SQL, e.g. "select count(*) from articles"')
    p.add_argument(
        "--write", action="store_true", help="open the warehouse read-write (default: read-only)"
    )
    add_format(p)
    p.add_argument(
        "--max-rows",
        type=row_limit,
        default=DEFAULT_MAX_ROWS,
        metavar="N",
        help=f"print at most N rows, saying so when more were cut (default {DEFAULT_MAX_ROWS:,}); "
        "0: every row, streamed (csv or json)",
    )
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser(
        "migrate-warehouse",
        parents=[common],
        help="copy a DuckDB warehouse file into the (empty) DuckLake the warehouse setting "
        "names; all or nothing, the file is left as it was",
    )
    p.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="the DuckDB warehouse to copy (default: HOME/labwatch.duckdb)",
    )
    p.set_defaults(func=cmd_migrate_warehouse)

    p = sub.add_parser(
        "maintain-warehouse",
        parents=[common],
        help="compact a DuckLake warehouse: merge small files, expire old snapshots, delete "
        "the files no snapshot needs (a DuckDB file needs none)",
    )
    p.add_argument(
        "--keep-days",
        type=float,
        default=None,
        metavar="DAYS",
        help="keep this much history (time travel) before expiring snapshots (default: the "
        "maintain_keep_days setting, 7). `labwatch serve` runs this daily on a DuckLake "
        "(maintain_cron)",
    )
    p.set_defaults(func=cmd_maintain_warehouse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Defaults of the global options, set here: argparse shares option objects between a
    # parser and its subparsers, so set_defaults would make a subparser undo `--home X cmd`.
    for name, default in (("home", None), ("quiet", False), ("verbose", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    prog = f"labwatch {args.command}"
    return run_command(prog, lambda: int(args.func(args, load_settings(args.home))), args.verbose)


# The one mapping from the project's errors to what the user sees, first match wins: the
# exit status and the line on stderr. These are the errors labwatch raises on purpose (the
# trees in extractors/errors.py and warehouse/errors.py; SettingsError is a LabwatchError).
# Anything else, a ValueError included, is a bug and keeps its traceback.
USER_ERRORS: tuple[tuple[type[Exception], int, str], ...] = (
    (UsageError, 2, "{prog}: error: {exc} (see {prog} --help)"),
    (LabwatchError, 1, "{prog}: error: {exc}"),
    (WarehouseError, 1, "{prog}: error: {exc}"),
)


def user_error(exc: BaseException, prog: str) -> tuple[int, str] | None:
    """(exit status, message) when `exc` is the user's problem, None when it is a bug."""
    for kind, status, message in USER_ERRORS:
        if isinstance(exc, kind):
            return status, message.format(prog=prog, exc=exc)
    return None


def run_command(prog: str, command: Callable[[], int], verbose: bool = False) -> int:
    """Run one command, turning what it raises into an exit status and a message."""
    try:
        return command()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`labwatch ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        known = user_error(exc, prog)
        if known is None or (verbose and not isinstance(exc, UsageError)):
            # A bug's traceback is what a report needs; --verbose shows a project error's too
            # (a usage error's is no help: the command line is what was wrong).
            traceback.print_exc()
        if known is None:
            print(
                f"{prog}: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in labwatch; please report it with the traceback above.",
                file=sys.stderr,
            )
            return 1
        status, message = known
        print(message, file=sys.stderr)
        return status


if __name__ == "__main__":
    sys.exit(main())

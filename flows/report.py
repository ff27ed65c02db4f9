"""Plain-text reports the command line prints: the ingest summary and query results."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO


def _skipped(skipped: int, held: int) -> str:
    """The end of the feeds line: feeds not due (backing off), and on a lake those due but
    held by other workers, apart."""
    parts = [f"{skipped - held} not due"] if skipped > held else []
    parts += [f"{held} held by other workers"] if held else []
    return "".join(f", {p}" for p in parts) + ")"


def ingest_report(summary: Mapping[str, Any], totals: Mapping[str, int]) -> list[str]:
    s = summary
    lines = [
        f"  feeds fetched     {s['feeds_fetched']} of {s['feeds_total']}"
        f" ({s['feeds_not_modified']} not modified, {s['feeds_failed']} failed"
        + _skipped(s["feeds_skipped"], s.get("feeds_held", 0)),
        f"  entries           {s['entries']} ({s['entries_new']} new"
        + (
            f", {s['entries_rejected']} rejected: see v_entry_failures)"
            if s.get("entries_rejected")
            else ")"
        ),
        f"  pages fetched     {s['pages_fetched']} ({s['pages_blocked']} blocked,"
        f" {s['pages_failed']} failed"
        + (": feed text stored instead)" if s["pages_failed"] + s["pages_blocked"] else ")"),
        f"  articles stored   {s['articles_new']} new, {totals['articles']} in the warehouse",
        *(
            [
                f"  pages retried     {s['pages_retried']} failed before"
                f" ({s['articles_upgraded']} articles upgraded to the page's text)"
            ]
            if s.get("pages_retried")
            else []
        ),
        f"  mentions          {s['mentions']} new, {totals['mentions']} in the warehouse",
        f"  deals             {s['deals']} new, {totals['deals']} in the warehouse",
    ]
    failures = s.get("failures") or []
    if failures:
        lines.append("  failures:")
        lines += [f"    {url}: {reason}" for url, reason in failures[:20]]
        if len(failures) > 20:
            lines.append(
                f"    ... and {len(failures) - 20} more (feeds: the feed_fetches table; "
                "pages: articles.page_error)"
            )
    return lines


def _cell(value: Any, width: int = 60) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    """Query results as an aligned text table, CSV or a JSON array of objects."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buf.getvalue()
    if fmt == "json":
        objects = [dict(zip(columns, r, strict=True)) for r in rows]
        return json.dumps(objects, ensure_ascii=False, indent=2, default=str) + "\n"
    cells = [[_cell(c) for c in columns]] + [[_cell(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def write_rows(
    out: TextIO,
    columns: Sequence[str],
    chunks: Iterable[Sequence[Sequence[Any]]],
    fmt: str,
    max_rows: int = 0,
) -> tuple[int, bool]:
    """Write rows arriving in chunks as `format_rows` does, at most `max_rows` (0: all);
    return (rows written, whether more were cut). CSV and JSON go out chunk by chunk, so
    memory stays flat however many rows come; the table needs its rows for the widths."""
    taken: list[Sequence[Any]] = []
    written = 0
    cut = False
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
    elif fmt == "json":
        out.write("[")
    for chunk in chunks:
        if max_rows and written + len(chunk) > max_rows:
            chunk, cut = chunk[: max_rows - written], True
        if fmt == "csv":
            writer.writerows(chunk)
        elif fmt == "json":
            # Laid out as json.dumps(list, indent=2) lays it out, one object at a time.
            for i, row in enumerate(chunk):
                obj = json.dumps(
                    dict(zip(columns, row, strict=True)), ensure_ascii=False, indent=2, default=str
                )
                out.write(("," if written + i else "") + "\n  " + obj.replace("\n", "\n  "))
        else:
            taken.extend(chunk)
        written += len(chunk)
        if cut:
            break
    if fmt == "json":
        out.write("\n]\n" if written else "]\n")
    elif fmt not in ("csv", "json"):
        out.write(format_rows(columns, taken, fmt))
    return written, cut

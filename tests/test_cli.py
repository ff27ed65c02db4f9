"""The `labwatch` command: real files, real output. Most commands run in this process
(flows.cli.main, its exit status and output caught: tests/helpers.py); the demo, which starts
Prefect, a stream cut by its reader, and the installed command itself run as processes."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import build_parser
from tests.helpers import labwatch_in_process, seed_text
from warehouse.append import insert_rows
from warehouse.database import open_warehouse

LABWATCH = Path(sys.executable).parent / "labwatch"
README = Path(__file__).resolve().parents[1] / "README.md"


def labwatch(
    *args: str, stdin: str | None = None, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`labwatch ARGS` as a user runs it: the installed command in a process of its own
    (the other test files use this one, also for commands that start Prefect)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABWATCH_")}
    if home is not None:
        env["LABWATCH_HOME"] = str(home)
    return subprocess.run(
        [str(LABWATCH), *args], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


def test_help_lists_every_command() -> None:
    out = labwatch("--help")  # the installed command starts
    assert out.returncode == 0
    for command in ("demo", "ingest", "digest", "tag", "sql"):
        assert re.search(rf"^\s+{command}\s", out.stdout, re.M), command


def test_global_options_go_before_or_after_the_command(home: Path) -> None:
    for argv in (
        ["--home", str(home), "sql", "select 1"],
        ["sql", "select 1", "--home", str(home)],
    ):
        out = labwatch_in_process(*argv)
        assert str(home / "labwatch.duckdb") in out.stderr  # the missing warehouse is in home


def test_readme_documents_every_command() -> None:
    readme = README.read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for command in sub.choices:  # type: ignore[union-attr]
        assert f"labwatch {command}" in readme, command
    assert "make demo" in readme and "make test" in readme


def test_tag_prints_one_json_object_per_mention(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("Amazon’s stake in Anthropic, via AWS and Google DeepMind.", encoding="utf-8")
    out = labwatch_in_process("tag", str(path))
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert records == [
        {"entity": "amazon", "kind": "company", "text": "Amazon", "start": 0, "end": 6},
        {"entity": "anthropic", "kind": "lab", "text": "Anthropic", "start": 18, "end": 27},
        {"entity": "aws", "kind": "cloud", "text": "AWS", "start": 33, "end": 36},
        {
            "entity": "google-deepmind",
            "kind": "lab",
            "text": "Google DeepMind",
            "start": 41,
            "end": 56,
        },
    ]


def test_tag_counts_from_stdin() -> None:
    out = labwatch_in_process("tag", "--counts", stdin=seed_text("amazon-anthropic-investment"))
    assert out.returncode == 0, out.stderr
    counts = json.loads(out.stdout)
    assert counts["amazon"] == 15 and counts["anthropic"] == 16 and counts["openai"] == 11


def test_tag_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    out = labwatch_in_process("tag", str(tmp_path / "nope.txt"))
    assert out.returncode == 1
    assert "cannot read" in out.stderr and "Traceback" not in out.stderr


def test_sql_formats_and_errors(home: Path) -> None:
    with open_warehouse(home / "labwatch.duckdb") as con:
        insert_rows(con, "runs", [{"run_id": "r1", "flow": "ingest", "status": "completed",
                                   "started_at": "2026-11-20 10:00:00+00"}])  # fmt: skip
    out = labwatch_in_process("sql", "select count(*) as n from runs", home=home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].strip() == "n" and "(1 row)" in out.stdout
    out = labwatch_in_process("sql", "select run_id, flow from runs", "--format", "csv", home=home)
    assert out.stdout == "run_id,flow\nr1,ingest\n"
    out = labwatch_in_process("sql", "select run_id from runs", "--format", "json", home=home)
    assert json.loads(out.stdout) == [{"run_id": "r1"}]
    out = labwatch_in_process("sql", "delete from runs", home=home)
    assert out.returncode == 1 and "read-only" in out.stderr and "Traceback" not in out.stderr
    out = labwatch_in_process("sql", "selec 1", home=home)
    assert out.returncode == 1 and "syntax error" in out.stderr and "Traceback" not in out.stderr


def test_sql_without_a_warehouse(home: Path) -> None:
    out = labwatch_in_process("sql", "select 1", home=home)
    assert out.returncode == 1
    assert "no warehouse" in out.stderr


def test_unknown_setting_is_an_error(home: Path) -> None:
    (home / "labwatch.toml").write_text("bach_size = 3\n")
    out = labwatch_in_process("sql", "select 1", home=home)
    assert out.returncode == 1 and "unknown setting 'bach_size'" in out.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.flow
def test_demo_twice_stores_nothing_twice(home: Path) -> None:
    port = str(free_port())
    first = labwatch("demo", "--port", port, home=home)
    assert first.returncode == 0, first.stderr
    assert "articles stored   2 new, 2 in the warehouse" in first.stdout
    assert "feeds fetched     2 of 2 (0 not modified, 0 failed)" in first.stdout
    assert (home / "digests" / "2024-W20.md").is_file()
    assert (home / "digests" / "2024-W20.html").is_file()
    assert "Traceback" not in first.stderr
    second = labwatch("demo", "--port", port, home=home)
    assert second.returncode == 0, second.stderr
    assert "articles stored   0 new, 2 in the warehouse" in second.stdout
    # The seed site sends ETags: the second run's feeds answer 304 and no page is fetched.
    assert "feeds fetched     2 of 2 (2 not modified, 0 failed)" in second.stdout
    assert "pages fetched     0 (0 blocked, 0 failed)" in second.stdout
    out = labwatch("sql", "select count(*) from articles", "--format", "csv", home=home)
    assert out.stdout.splitlines()[1] == "2"


# Errors a user meets: one line on stderr naming the problem and what to do, the documented
# exit status (2 for usage, 1 for failures), and nothing half-done.


def one_line(out: subprocess.CompletedProcess[str]) -> str:
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr
    return lines[0]


def test_help_documents_the_exit_statuses() -> None:
    out = labwatch_in_process("--help")
    assert "exit status:" in out.stdout
    assert re.search(r"^\s+2\s+usage error", out.stdout, re.M)
    assert re.search(r"^\s+1\s+failed", out.stdout, re.M)
    readme = README.read_text(encoding="utf-8")
    assert "exit status 2" in readme and "exit status 1" in readme


def test_ingest_with_a_feed_that_is_not_a_url_stops_before_the_run(home: Path) -> None:
    out = labwatch_in_process("ingest", "--feed", "not-a-url", home=home)
    assert out.returncode == 2
    line = one_line(out)
    assert line.startswith("labwatch ingest: error: argument --feed")
    assert "not-a-url" in line and "http(s)" in line
    assert not (home / "labwatch.duckdb").exists()  # no run recorded, nothing created
    assert not (home / "prefect").exists()  # and Prefect never started


def test_save_needs_a_feed(home: Path) -> None:
    out = labwatch_in_process("ingest", "--save", home=home)
    assert out.returncode == 2
    assert "--save" in one_line(out)


def test_export_to_an_existing_file_is_refused(home: Path, tmp_path: Path) -> None:
    fill_runs(home)
    target = tmp_path / "passwd"
    target.write_text("root:x:0:0\n")
    out = labwatch_in_process("export", str(target), home=home)
    assert out.returncode == 1
    assert "is a file, not a folder" in one_line(out)
    assert target.read_text() == "root:x:0:0\n"


def test_export_refuses_a_folder_that_is_not_empty(home: Path, tmp_path: Path) -> None:
    fill_runs(home)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "README.md").write_text("my notes\n")
    (folder / "runs.parquet").write_bytes(b"my data")
    out = labwatch_in_process("export", str(folder), home=home)
    assert out.returncode == 1
    line = one_line(out)
    assert "not empty" in line and "--overwrite" in line
    assert (folder / "README.md").read_text() == "my notes\n"
    assert (folder / "runs.parquet").read_bytes() == b"my data"
    out = labwatch_in_process("export", str(folder), "--overwrite", home=home)
    assert out.returncode == 0, out.stderr
    assert "labwatch warehouse export" in (folder / "README.md").read_text()
    assert (folder / "runs.parquet").read_bytes().startswith(b"PAR1")
    out = labwatch_in_process(
        "export", str(tmp_path / "new" / "dir"), home=home
    )  # new folders are fine
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["search", "deal", "--limit", "-1"], "argument --limit: must be 1 or more"),
        (["search", "deal", "--since", "last week"], "argument --since: not a date"),
        (["search"], "no words to search for"),
        (["search", "   "], "no words to search for"),
        (["sql", ""], "no SQL given"),
        (["sql", "select 1", "--max-rows", "0"], "--max-rows 0"),
        (["runs", "--limit", "0"], "argument --limit: must be 1 or more"),
        (["digest", "--week", "2026-W54"], "argument --week"),
        (["serve", "--port", "99999"], "argument --port: a port is from 1 to 65535"),
        (["query", "entity_trend", "--param", "entity"], "argument --param: wants NAME=VALUE"),
        (["nosuchcommand"], "invalid choice"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(home: Path, argv: list[str], needle: str) -> None:
    fill_runs(home)
    out = labwatch_in_process(*argv, home=home)
    assert out.returncode == 2, out
    line = one_line(out)
    assert needle in line, line
    assert "--help" in line  # where to read how the command is used
    assert out.stdout == ""


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["feeds", "import", "nope.opml"], "cannot read nope.opml"),
        (["eval", "feeds", "no-such-folder"], "no such folder: no-such-folder"),
        (["tag", "no-such-file.txt"], "cannot read no-such-file.txt"),
    ],
)
def test_missing_inputs_are_one_line_and_exit_1(home: Path, argv: list[str], needle: str) -> None:
    out = labwatch_in_process(*argv, home=home)
    assert out.returncode == 1, out
    assert needle in one_line(out)


def test_tag_refuses_text_that_is_not_utf8() -> None:
    out = labwatch_in_process("tag", stdin=b"Anthropic \xff\xfe")
    assert out.returncode == 1
    assert "not UTF-8" in out.stderr and "Traceback" not in out.stderr


def test_digest_without_a_warehouse_says_how_to_make_one(home: Path) -> None:
    out = labwatch_in_process("digest", home=home)
    assert out.returncode == 1
    line = one_line(out)
    assert "no warehouse yet" in line and "labwatch ingest" in line and "labwatch demo" in line
    assert not (home / "labwatch.duckdb").exists()  # not created empty
    assert not (home / "digests").exists()  # and no empty digest written


def test_verbose_shows_the_traceback_of_a_project_error(home: Path, tmp_path: Path) -> None:
    fill_runs(home)
    (tmp_path / "f").write_text("x")
    out = labwatch_in_process("export", str(tmp_path / "f"), "--verbose", home=home)
    assert out.returncode == 1
    assert "Traceback" in out.stderr and "ExportError" in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("labwatch export: error: ")


def test_bad_numeric_setting_is_one_line_naming_it(home: Path) -> None:
    for value in ("-1", "0"):  # -1 stored nothing and kept validators; 0 divided by zero
        out = labwatch_in_process(
            "ingest", "--feed", "http://127.0.0.1:9/feed.xml",
            home=home, env={"LABWATCH_BATCH_SIZE": value},
        )  # fmt: skip
        assert out.returncode == 1
        line = one_line(out)
        assert "batch_size" in line and "LABWATCH_BATCH_SIZE" in line
        assert "from 1 to 10,000" in line
    assert not (home / "labwatch.duckdb").exists()


def fill_runs(home: Path) -> None:
    with open_warehouse(home / "labwatch.duckdb") as con:
        insert_rows(con, "runs", [{"run_id": "r1", "flow": "ingest", "status": "completed",
                                   "started_at": "2026-11-20 10:00:00+00"}])  # fmt: skip


def test_sql_cuts_a_huge_result_at_max_rows(home: Path) -> None:
    fill_runs(home)
    out = labwatch_in_process("sql", "select * from range(2000000000)", home=home)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1] == "(10000 rows)" and lines[2].strip() == "0"
    assert "stopped after 10000 rows" in one_line(out) and "--max-rows" in out.stderr
    out = labwatch_in_process("sql", "select range AS n from range(2000000000)", "--format", "json",
                   "--max-rows", "3", home=home)  # fmt: skip
    assert json.loads(out.stdout) == [{"n": 0}, {"n": 1}, {"n": 2}]
    out = labwatch_in_process("sql", "select 1 AS n", "--format", "csv", home=home)
    assert out.stdout == "n\n1\n" and out.stderr == ""  # nothing cut, nothing said


def test_sql_streams_every_row_when_asked(home: Path) -> None:
    """--max-rows 0 streams: the first rows of two billion arrive at once, and the command
    ends quietly when its reader stops reading (as `| head` does)."""
    fill_runs(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABWATCH_")}
    proc = subprocess.Popen(
        [str(LABWATCH), "sql", "select * from range(2000000000)", "--format", "csv",
         "--max-rows", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**env, "LABWATCH_HOME": str(home)},
    )  # fmt: skip
    assert proc.stdout is not None
    head = [proc.stdout.readline() for _ in range(5)]
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert head == ["range\n", "0\n", "1\n", "2\n", "3\n"]
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


def test_ingest_summary_points_to_where_failures_are() -> None:
    from flows.report import ingest_report

    summary = {
        "feeds_fetched": 1, "feeds_total": 1, "feeds_not_modified": 0, "feeds_failed": 0,
        "feeds_skipped": 0, "entries": 30, "entries_new": 30, "pages_fetched": 0,
        "pages_blocked": 0, "pages_failed": 30, "articles_new": 30, "mentions": 0, "deals": 0,
        "failures": [(f"https://example.com/{n}", "HTTP 404") for n in range(30)],
    }  # fmt: skip
    text = "\n".join(ingest_report(summary, {"articles": 30, "mentions": 0, "deals": 0}))
    assert "... and 10 more" in text
    assert "articles.page_error" in text


@pytest.mark.parametrize(
    ("skipped", "held", "ending"),
    [
        (0, 0, "0 failed)"),
        (2, 0, "0 failed, 2 not due)"),
        (3, 3, "0 failed, 3 held by other workers)"),
        (5, 3, "0 failed, 2 not due, 3 held by other workers)"),
    ],
)
def test_feeds_backing_off_and_feeds_held_by_other_workers_are_told_apart(
    skipped: int, held: int, ending: str
) -> None:
    from flows.report import ingest_report

    summary = {
        "feeds_fetched": 1, "feeds_total": 1 + skipped, "feeds_not_modified": 0,
        "feeds_failed": 0, "feeds_skipped": skipped, "feeds_held": held, "entries": 0,
        "entries_new": 0, "pages_fetched": 0, "pages_blocked": 0, "pages_failed": 0,
        "articles_new": 0, "mentions": 0, "deals": 0,
    }  # fmt: skip
    first = ingest_report(summary, {"articles": 0, "mentions": 0, "deals": 0})[0]
    assert first.endswith(f"1 of {1 + skipped} (0 not modified, {ending}")

"""The `labwatch` command as a user runs it: real processes, real files, real output."""

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
from tests.helpers import seed_text
from warehouse.append import insert_rows
from warehouse.database import open_warehouse

LABWATCH = Path(sys.executable).parent / "labwatch"
README = Path(__file__).resolve().parents[1] / "README.md"


def labwatch(
    *args: str, stdin: str | None = None, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABWATCH_")}
    if home is not None:
        env["LABWATCH_HOME"] = str(home)
    return subprocess.run(
        [str(LABWATCH), *args], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


def test_help_lists_every_command() -> None:
    out = labwatch("--help")
    assert out.returncode == 0
    for command in ("demo", "ingest", "digest", "tag", "sql"):
        assert re.search(rf"^\s+{command}\s", out.stdout, re.M), command


def test_global_options_go_before_or_after_the_command(home: Path) -> None:
    for argv in (
        ["--home", str(home), "sql", "select 1"],
        ["sql", "select 1", "--home", str(home)],
    ):
        out = labwatch(*argv)
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
    out = labwatch("tag", str(path))
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
    out = labwatch("tag", "--counts", stdin=seed_text("amazon-anthropic-investment"))
    assert out.returncode == 0, out.stderr
    counts = json.loads(out.stdout)
    assert counts["amazon"] == 15 and counts["anthropic"] == 16 and counts["openai"] == 11


def test_tag_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    out = labwatch("tag", str(tmp_path / "nope.txt"))
    assert out.returncode == 1
    assert "cannot read" in out.stderr and "Traceback" not in out.stderr


def test_sql_formats_and_errors(home: Path) -> None:
    with open_warehouse(home / "labwatch.duckdb") as con:
        insert_rows(con, "runs", [{"run_id": "r1", "flow": "ingest", "status": "completed",
                                   "started_at": "2026-11-20 10:00:00+00"}])  # fmt: skip
    out = labwatch("sql", "select count(*) as n from runs", home=home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].strip() == "n" and "(1 row)" in out.stdout
    out = labwatch("sql", "select run_id, flow from runs", "--format", "csv", home=home)
    assert out.stdout == "run_id,flow\nr1,ingest\n"
    out = labwatch("sql", "select run_id from runs", "--format", "json", home=home)
    assert json.loads(out.stdout) == [{"run_id": "r1"}]
    out = labwatch("sql", "delete from runs", home=home)
    assert out.returncode == 1 and "read-only" in out.stderr and "Traceback" not in out.stderr
    out = labwatch("sql", "selec 1", home=home)
    assert out.returncode == 1 and "syntax error" in out.stderr and "Traceback" not in out.stderr


def test_sql_without_a_warehouse(home: Path) -> None:
    out = labwatch("sql", "select 1", home=home)
    assert out.returncode == 1
    assert "no warehouse" in out.stderr


def test_unknown_setting_is_an_error(home: Path) -> None:
    (home / "labwatch.toml").write_text("bach_size = 3\n")
    out = labwatch("sql", "select 1", home=home)
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

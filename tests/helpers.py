"""Helpers the tests share (fixtures are in conftest.py)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

from seeds import EXPECTED_DIR, SITE_DIR

SEED_SLUGS = ("amazon-anthropic-investment", "ai-labs-big-tech-backers")


def seed_html(slug: str) -> bytes:
    return (SITE_DIR / f"{slug}.html").read_bytes()


def seed_text(slug: str) -> str:
    return (EXPECTED_DIR / f"{slug}.txt").read_text(encoding="utf-8")


def labwatch_in_process(
    *args: str,
    stdin: str | bytes | None = None,
    home: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`labwatch ARGS` run by flows.cli.main in this process, its exit status, stdout and
    stderr caught as a process's would be: the environment has no LABWATCH_* but the
    LABWATCH_HOME `home` and `env`, stdin is `stdin`. Seconds faster than a process a call.

    Only for commands that start no Prefect (its settings are read once a process, and its
    server lives on) and need no signal or closed pipe: those run as processes."""
    from flows.cli import main

    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin or b""
    out, err = io.StringIO(), io.StringIO()
    saved_environ, saved_stdin = dict(os.environ), sys.stdin
    for var in [v for v in os.environ if v.upper().startswith("LABWATCH_")]:
        del os.environ[var]
    os.environ.update({"LABWATCH_HOME": str(home)} if home is not None else {})
    os.environ.update(env or {})
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors (message printed)
                status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    finally:
        sys.stdin = saved_stdin
        os.environ.clear()
        os.environ.update(saved_environ)
    return subprocess.CompletedProcess(["labwatch", *args], status, out.getvalue(), err.getvalue())

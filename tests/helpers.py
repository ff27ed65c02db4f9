"""Helpers the tests share (fixtures are in conftest.py)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from seeds import EXPECTED_DIR, SITE_DIR

SEED_SLUGS = ("amazon-anthropic-investment", "ai-labs-big-tech-backers")


def seed_html(slug: str) -> bytes:
    return (SITE_DIR / f"{slug}.html").read_bytes()


def seed_text(slug: str) -> str:
    return (EXPECTED_DIR / f"{slug}.txt").read_text(encoding="utf-8")


@contextlib.contextmanager
def environment(values: Mapping[str, str], drop: str = "") -> Iterator[None]:
    """os.environ with `values` set (and, with `drop`, the variables whose names start with
    it in any case removed) for the block, then as it was: for code that reads it, and for
    processes the block starts, which inherit it."""
    dropped = [v for v in os.environ if drop and v.upper().startswith(drop)]
    saved = {k: os.environ.get(k) for k in [*dropped, *values]}
    for var in dropped:
        del os.environ[var]
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


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
    variables = {"LABWATCH_HOME": str(home)} if home is not None else {}
    saved_stdin, sys.stdin = sys.stdin, io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        with (
            environment(variables | (env or {}), drop="LABWATCH_"),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                status = main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors (message printed)
                status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    finally:
        sys.stdin = saved_stdin
    return subprocess.CompletedProcess(["labwatch", *args], status, out.getvalue(), err.getvalue())


def start_serve(
    tmp_path: Path, env: Mapping[str, str], port: int, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """`labwatch serve --port PORT` as a user starts it, its output in tmp_path/serve.log;
    `new_session`: in a process group of its own, as a shell gives a foreground job."""
    labwatch = Path(sys.executable).parent / "labwatch"
    with (tmp_path / "serve.log").open("w") as log:
        return subprocess.Popen(
            [str(labwatch), "serve", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
            start_new_session=new_session,
        )  # fmt: skip

"""One-off commands without a temporary Prefect server, and flows that import Prefect only
when they run as Prefect flows.

A Prefect flow run needs a Prefect API. Without one, Prefect starts a temporary server in a
subprocess for the command (8 to 40 s on this 2-core machine, most of a one-off `labwatch
digest`), and importing Prefect alone costs 1.5 s of CPU. So a one-off `labwatch ingest`,
`refetch` or `digest` picks how its flow runs (`one_off_api`):

- a Prefect API is there (PREFECT_API_URL, or the server `labwatch serve` started for this
  home, found through its record): the flow runs as a Prefect flow run reporting to it;
- the `prefect_one_off` setting is on: as a Prefect flow run on a temporary server (as
  before);
- otherwise the flow's function is called directly: the same steps in the same order, each
  with its retries, the same `runs` rows and warehouse rows, the same progress lines and
  errors; it is only not a Prefect flow run (not in the Prefect UI, `runs.prefect_run_id`
  empty), and Prefect is never imported.

Flow modules therefore define their flows as plain functions and export the Prefect flows
lazily (`prefect_flows`): `flows.ingest.ingest` is a real Prefect flow, built when first
looked up (by `labwatch serve`, prefect.yaml or a test), and their steps are `step`s: a
Prefect task inside a Prefect flow run, a plain call with the same retries outside one.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from flows.progress import log
from flows.settings import Settings

# Plain flow functions by (module, flow name), registered by `prefect_flows`.
_FUNCTIONS: dict[tuple[str, str], Callable[..., Any]] = {}


def _prefect_flow_run() -> bool:
    """Inside a Prefect flow run (Prefect cannot be running one if it was never imported)."""
    if "prefect" not in sys.modules:
        return False
    from prefect.context import FlowRunContext

    return FlowRunContext.get() is not None


def flow_run_id() -> str | None:
    """The Prefect flow run's id, None outside one (a one-off run without a server)."""
    if "prefect" not in sys.modules:
        return None
    from prefect.runtime import flow_run

    return flow_run.get_id()


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """Prefect's logger of the flow run (its lines reach the Prefect UI), or ours outside one."""
    if not _prefect_flow_run():
        return log
    from prefect import get_run_logger

    return get_run_logger()


class Quoted:
    """A large argument passed as is: a Prefect task would otherwise walk it looking for
    futures (Prefect's `quote`, applied when the step runs as a task)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def quote(value: Any) -> Any:
    return Quoted(value)


class Step:
    """One step of a flow: a Prefect task (no result caching or persistence) inside a Prefect
    flow run; outside one, the function called directly, retried as the task would be."""

    def __init__(
        self, fn: Callable[..., Any], name: str, retries: int, delays: list[float]
    ) -> None:
        self.fn, self.name, self.retries, self.delays = fn, name, retries, delays
        self._task: Any = None

    def _prefect_task(self) -> Any:
        if self._task is None:
            from prefect import task
            from prefect.cache_policies import NONE

            self._task = task(
                name=self.name,
                cache_policy=NONE,
                persist_result=False,
                retries=self.retries,
                retry_delay_seconds=self.delays,
            )(self.fn)
        return self._task

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _prefect_flow_run():
            from prefect.utilities.annotations import quote as prefect_quote

            def wrap(value: Any) -> Any:
                return prefect_quote(value.value) if isinstance(value, Quoted) else value

            task = self._prefect_task()
            return task(*map(wrap, args), **{k: wrap(v) for k, v in kwargs.items()})
        args = tuple(a.value if isinstance(a, Quoted) else a for a in args)
        kwargs = {k: v.value if isinstance(v, Quoted) else v for k, v in kwargs.items()}
        for attempt in range(self.retries + 1):
            try:
                return self.fn(*args, **kwargs)
            except Exception as exc:
                if attempt == self.retries:
                    raise
                delay = self.delays[min(attempt, len(self.delays) - 1)] if self.delays else 0.0
                log.warning(
                    "%s failed (%s: %s); retry %d/%d in %g s",
                    self.name, type(exc).__name__, exc, attempt + 1, self.retries, delay,
                )  # fmt: skip
                time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def step(
    fn: Callable[..., Any], name: str, retries: int = 0, delays: list[float] | None = None
) -> Step:
    return Step(fn, name, retries, list(delays or []))


def prefect_flows(
    namespace: dict[str, Any], **functions: Callable[..., Any]
) -> Callable[[str], Any]:
    """A module `__getattr__` that makes each of `functions` a Prefect flow of that name when
    it is first looked up (Prefect imported then, not before); the module's own attribute
    from then on. The plain functions stay available to `flow_function`."""
    module = str(namespace["__name__"])
    for name, fn in functions.items():
        _FUNCTIONS[(module, name)] = fn

    def __getattr__(name: str) -> Any:
        if name not in functions:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        from prefect import flow

        built = flow(name=name)(functions[name])
        namespace[name] = built
        return built

    return __getattr__


def flow_function(module: str, name: str, direct: bool) -> Callable[..., Any]:
    """Flow `name` of `module`: the Prefect flow, or (`direct`) its plain function."""
    mod = importlib.import_module(module)
    return _FUNCTIONS[(module, name)] if direct else getattr(mod, name)


def serve_api_url(settings: Settings) -> str | None:
    """The API of the Prefect server a running `labwatch serve` started for this home, if
    it answers; found through the record serve leaves (flows/prefect_env.py)."""
    from flows.prefect_env import SERVER_RECORDS, process_start
    from flows.serve import _healthy

    folder = settings.prefect_home / SERVER_RECORDS
    for record in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            info = json.loads(record.read_text())
            url, pid, owner = str(info.get("api_url") or ""), int(info["pid"]), int(info["owner"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not url or process_start(owner) != info.get("owner_start"):
            continue  # a command's temporary server, or its serve is gone
        if process_start(pid) == info.get("start") and _healthy(url):
            return url
    return None


def one_off_api(settings: Settings) -> bool:
    """Whether a one-off command's flow runs as a Prefect flow run (True) or directly.

    Call before Prefect is imported: a running serve's server becomes PREFECT_API_URL.
    """
    if os.environ.get("PREFECT_API_URL"):
        return True
    url = serve_api_url(settings)
    if url:
        os.environ["PREFECT_API_URL"] = url
        return True
    return settings.prefect_one_off


class _ProgressHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Our progress lines on stderr, as Prefect's console prints them."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # whatever stderr is now (replaced by tests, redirected)
        super().emit(record)


def show_progress_lines() -> None:
    """Print the `labwatch` logger's lines on stderr in Prefect's console format, as they
    are when Prefect runs the flow (PREFECT_LOGGING_EXTRA_LOGGERS)."""
    if any(isinstance(h, _ProgressHandler) for h in log.handlers):
        return
    handler = _ProgressHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s.%(msecs)03d | %(levelname)-7s | %(name)s - %(message)s", "%H:%M:%S"
        )
    )
    log.addHandler(handler)

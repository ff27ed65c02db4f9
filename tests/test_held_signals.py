"""A run records how it ended even when a second stop signal arrives while it writes the
record (flows/held_signals.py). Real processes and real signals."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


def run_child(script: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`script` run by this Python in a process of its own, from the repository's root."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True, text=True, timeout=timeout, cwd=Path(__file__).parents[1],
    )  # fmt: skip


CHILD = textwrap.dedent("""
    import contextlib, os, signal, sys, threading, time
    from flows.held_signals import held_signals

    if sys.argv[2] == "threads":  # a run has many (DuckDB's, the page fetcher's, Prefect's)
        for _ in range(3):
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()

    class Stop(BaseException):
        pass

    def stop(signum, frame):
        raise Stop(signum)

    signal.signal(signal.SIGTERM, stop)
    record = sys.argv[1]
    try:
        raise KeyboardInterrupt  # the first stop, as Ctrl-C
    except KeyboardInterrupt:
        try:
            with HOLD:
                os.kill(os.getpid(), signal.SIGTERM)  # the second, while the run records
                time.sleep(0.3)
                open(record, "w").write("interrupted")
        except Stop:
            print("stopped after" if os.path.exists(record) else "stopped before", flush=True)
            sys.exit(3)
    print("not stopped", flush=True)
""")


@pytest.mark.parametrize("threads", ["threads", "one thread"])
@pytest.mark.parametrize(
    ("hold", "recorded"), [("held_signals()", True), ("contextlib.nullcontext()", False)]
)
def test_a_second_stop_waits_until_the_record_is_written(
    tmp_path: Path, hold: str, recorded: bool, threads: str
) -> None:
    # With other threads alive the kernel hands the signal to one of them (it is not blocked
    # there), and Python runs the handler in the main thread all the same: blocking the
    # signal in the main thread alone held nothing.
    record = tmp_path / "record"
    done = run_child(CHILD.replace("HOLD", hold), str(record), threads)
    # The second signal still stops it, with its own handler, but only once the record is
    # written; without holding it (the control case) the record is lost.
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == ("stopped after" if recorded else "stopped before")
    assert record.exists() == recorded


# A flow starting in a process, as Prefect's runner starts a served run (its flow run id in
# the environment), then Ctrl-C to the process. tests/test_serve_signals.py checks the real
# served run's process.
START = textwrap.dedent("""
    import os, signal, time
    from flows.held_signals import ignore_ctrl_c_if_served

    ignore_ctrl_c_if_served()  # what each flow calls as it starts
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)
    print("still running", flush=True)
""")


@pytest.mark.parametrize(
    ("env", "survives"),
    [
        ({"LABWATCH_SERVED": "1", "PREFECT__FLOW_RUN_ID": "0f6d"}, True),  # a served run
        ({"PREFECT__FLOW_RUN_ID": "0f6d"}, False),  # a run outside serve: Ctrl-C stops it
        ({"LABWATCH_SERVED": "1"}, False),  # serve's own process: it routes Ctrl-C itself
    ],
)
def test_a_served_run_ignores_ctrl_c(env: dict[str, str], survives: bool) -> None:
    base = {
        k: v for k, v in os.environ.items() if k not in ("LABWATCH_SERVED", "PREFECT__FLOW_RUN_ID")
    }
    done = subprocess.run(
        [sys.executable, "-c", START],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    if survives:
        assert done.returncode == 0 and "still running" in done.stdout, done.stderr
    else:
        assert done.returncode != 0 and "KeyboardInterrupt" in done.stderr


def _raised(make: Callable[[], object]) -> BaseException:
    try:
        make()
    except BaseException as exc:  # the exception is the value under test
        return exc
    raise AssertionError("nothing raised")


def test_what_an_interrupt_caused_where_it_landed_is_an_interrupt() -> None:
    """Serve's log keeps a stopped run's one-line report without the traceback of wherever
    the signal landed: a statement DuckDB interrupted raises RuntimeError from it."""
    from prefect.exceptions import TerminationSignal

    from flows.prefect_env import _is_interrupt

    def from_(cause: BaseException) -> None:
        raise RuntimeError("Query interrupted") from cause

    def during(first: BaseException) -> None:
        try:
            raise first
        except BaseException:
            raise RuntimeError("Query interrupted")  # noqa: B904 - as the rollback raises it

    assert _is_interrupt(_raised(lambda: from_(KeyboardInterrupt())))
    assert _is_interrupt(_raised(lambda: during(TerminationSignal(signal=15))))
    assert _is_interrupt(_raised(lambda: from_(_raised(lambda: during(KeyboardInterrupt())))))
    assert not _is_interrupt(_raised(lambda: from_(ValueError("a real bug"))))
    assert not _is_interrupt(RuntimeError("Query interrupted"))
    # The run's row says the same: interrupted, not failed (flows/ingest.py).
    from flows.held_signals import stopped_from_outside

    assert stopped_from_outside(_raised(lambda: from_(TerminationSignal(signal=15))))
    assert stopped_from_outside(KeyboardInterrupt())
    assert not stopped_from_outside(_raised(lambda: during(ValueError("a real bug"))))


# Both stops held at once, and what the block leaves behind: the handlers as they were (one
# ignored left ignored), SIGTERM raised first.
BOTH = textwrap.dedent("""
    import signal, sys
    from flows.held_signals import held_signals

    class Stop(BaseException):
        pass

    def stop(signum, frame):
        raise Stop(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN if sys.argv[1] == "ignored" else stop)
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    try:
        with held_signals():
            held = signal.getsignal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGTERM)
            print("held", held is signal.SIG_IGN, flush=True)
    except Stop as exc:
        print("raised", int(exc.args[0]), flush=True)
    after = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    print("restored", after == before, flush=True)
""")


@pytest.mark.parametrize(("sigint", "ignored"), [("handled", False), ("ignored", True)])
def test_held_stops_come_back_sigterm_first(sigint: str, ignored: bool) -> None:
    done = run_child(BOTH, sigint)
    assert done.returncode == 0, done.stderr
    # An ignored Ctrl-C stays ignored inside the block (nothing to hold).
    assert done.stdout.split("\n")[:3] == [f"held {ignored}", "raised 15", "restored True"]


# A stop whose exception Python dropped, raised inside a finalizer ("Exception ignored in"):
# sent again, it stops the run after the finalizer.
FINALIZER = textwrap.dedent("""
    import os, signal, sys, time
    from prefect.exceptions import TerminationSignal
    from flows.held_signals import stops_survive_finalizers

    def stop(signum, frame):
        raise TerminationSignal(signal=signum)  # Prefect's SIGTERM handler in a flow run

    signal.signal(signal.SIGTERM, stop)
    if sys.argv[1] == "resent":
        stops_survive_finalizers()

    class Slow:
        def __del__(self):  # the stop arrives while a finalizer runs
            os.kill(os.getpid(), signal.SIGTERM)
            started = time.monotonic()
            while time.monotonic() - started < 0.1:
                pass

    try:
        Slow()
        time.sleep(1)
        print("went on", flush=True)
    except TerminationSignal:
        print("stopped", flush=True)
""")


@pytest.mark.parametrize(
    ("mode", "outcome"), [("resent", "stopped"), ("as python does", "went on")]
)
def test_a_stop_lost_in_a_finalizer_is_sent_again(mode: str, outcome: str) -> None:
    done = run_child(FINALIZER, mode, timeout=120)  # it imports Prefect
    assert done.returncode == 0, done.stderr
    assert "TerminationSignal" in done.stderr  # Python's "Exception ignored in" report
    assert done.stdout.strip() == outcome

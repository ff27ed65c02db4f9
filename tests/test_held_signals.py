"""A run records how it ended even when a second stop signal arrives while it writes the
record (flows/held_signals.py). Real processes and real signals."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CHILD = textwrap.dedent("""
    import contextlib, os, signal, sys, time
    from flows.held_signals import held_signals

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


@pytest.mark.parametrize(
    ("hold", "recorded"), [("held_signals()", True), ("contextlib.nullcontext()", False)]
)
def test_a_second_stop_waits_until_the_record_is_written(
    tmp_path: Path, hold: str, recorded: bool
) -> None:
    record = tmp_path / "record"
    done = subprocess.run(
        [sys.executable, "-c", CHILD.replace("HOLD", hold), str(record)],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1],
    )  # fmt: skip
    # The second signal still stops it, with its own handler, but only once the record is
    # written; without holding it (the control case) the record is lost.
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == ("stopped after" if recorded else "stopped before")
    assert record.exists() == recorded

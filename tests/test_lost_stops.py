"""A stop signal that lands while a run's DuckDB statement with parameters runs is not lost
in DuckDB's attempt to import pandas (flows/held_signals.py `pandas_known_absent`, around
an ingest or refetch run). Real processes, real signals, real DuckDB files."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pandas") is not None,
    reason="pandas is installed: DuckDB imports it once, and no import is tried again",
)

# A stop arriving while Python looks for pandas, as a SIGTERM does that lands in the import
# DuckDB tries at a statement with parameters (a finder asked for pandas sends it).
CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    class Stop(BaseException):
        pass

    def stop(signum, frame):
        raise Stop(signum)

    class StopWhenPandasIsLookedFor:
        looked = 0
        def find_spec(self, name, path=None, target=None):
            if name == "pandas":
                type(self).looked += 1
                os.kill(os.getpid(), signal.SIGTERM)  # its handler runs in this finder
            return None

    import contextlib, importlib.util
    from flows.held_signals import pandas_known_absent
    from warehouse.database import connect

    con = connect(Path(sys.argv[1]))
    with pandas_known_absent() if sys.argv[2] == "run" else contextlib.nullcontext():
        signal.signal(signal.SIGTERM, stop)
        sys.meta_path.insert(0, StopWhenPandasIsLookedFor())
        try:
            row = con.execute("SELECT length($text)", {"text": "a parameter"}).fetchone()
            print("went on:", row[0], "pandas looked for", StopWhenPandasIsLookedFor.looked)
        except BaseException as exc:
            print("stopped:", type(exc).__name__, repr(exc.__cause__))
        del sys.meta_path[0]
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            import pandas
        except ImportError as exc:
            print("import pandas:", type(exc).__name__)
        print("find_spec:", importlib.util.find_spec("pandas"))
    print("after the run:", sys.modules.get("pandas", "not in sys.modules"))
""")


def run_child(tmp_path: Path, within: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "wh.duckdb"), within],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_stop_in_a_statement_with_parameters_is_not_lost(tmp_path: Path) -> None:
    out = run_child(tmp_path, "run")
    # The statement ran without looking for pandas, so no stop could land there; pandas
    # still reads as not installed, and after the run sys.modules is as it was.
    assert "went on: 11 pandas looked for 0" in out, out
    assert "import pandas: ModuleNotFoundError" in out, out
    assert "find_spec: None" in out, out
    assert "after the run: not in sys.modules" in out, out


def test_control_duckdb_drops_a_stop_raised_while_it_imports_pandas(tmp_path: Path) -> None:
    """The DuckDB behaviour the warehouse works around: the stop's exception, raised inside
    its import of pandas, is taken for "no pandas" and dropped; the statement goes on. If a
    DuckDB upgrade stops dropping it, this control fails and the workaround can go."""
    out = run_child(tmp_path, "no run")
    assert "went on: 11" in out, out  # a stop was sent at each look (DuckDB looks twice)
    assert "pandas looked for 0" not in out, out

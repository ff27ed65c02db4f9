"""An empty Prefect flow in labwatch's Prefect environment: what any flow run costs.

    python -m benchmarks.empty_flow HOME

Prefect is configured exactly as `labwatch ingest --home HOME` configures it (its home under
HOME/prefect, the temporary server started on demand), so the wall time of this process is
the fixed cost inside every ingest: interpreter and imports, server start-up, one flow run.
"""

from __future__ import annotations

import sys

from flows.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m benchmarks.empty_flow HOME", file=sys.stderr)
        return 2
    from flows.prefect_env import configure_prefect

    configure_prefect(load_settings(args[0]))
    from prefect import flow

    @flow(name="empty")
    def empty() -> int:
        return 0

    return int(empty())


if __name__ == "__main__":
    sys.exit(main())

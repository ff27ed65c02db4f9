"""Prefect's environment, set before Prefect is first imported (it reads settings at import)."""

from __future__ import annotations

import os
from pathlib import Path

from flows.settings import Settings


def configure_prefect(settings: Settings, *, verbose: bool = False, quiet: bool = False) -> None:
    """Keep Prefect's state under LABWATCH_HOME and make it quiet and offline-friendly.

    Values the user already set in the environment win, so a user with their own Prefect
    server (PREFECT_API_URL) or home keeps them.
    """
    defaults = {
        "PREFECT_HOME": str(settings.prefect_home.resolve()),
        # Offline, telemetry only produces errors in the logs.
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        # A fresh PREFECT_HOME takes ~16 s to start the ephemeral server on a slow machine.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "INFO" if verbose else "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
    if not quiet:
        # Our own line per step (flows/progress.py) through Prefect's handlers: in the
        # terminal, in served runs' output and in the Prefect UI.
        defaults["PREFECT_LOGGING_EXTRA_LOGGERS"] = "labwatch"
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # Prefect creates only the last level of its home; the server then fails to start.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)

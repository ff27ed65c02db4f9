"""The deployments users schedule: ingest every N minutes, the digest once a week, and on a
DuckLake warehouse its maintenance (compaction, snapshot expiry) daily.

`labwatch serve` serves them from one process; prefect.yaml declares the same ones for
`prefect deploy --all` on a DuckDB file, prefect-ducklake.yaml those of a lake (a test keeps
each in step). Schedules come from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.settings import Settings, SettingsError
from warehouse.backend import DuckLakeWarehouse

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

INGEST = "labwatch-ingest"
DIGEST = "labwatch-digest"
MAINTAIN = "labwatch-maintain"  # a DuckLake warehouse only


@dataclass(frozen=True)
class Plan:
    """One deployment as users see it: what runs, when, with which parameters."""

    name: str
    flow: str  # entrypoint as a module path: the installed package, wherever it is run from
    interval: timedelta | None
    cron: str | None
    timezone: str
    parameters: dict[str, Any]

    def describe(self) -> str:
        if self.interval is not None:
            return f"every {_minutes(self.interval)}"
        return f"cron {self.cron!r} ({self.timezone})"

    def next_runs(self, after: datetime, count: int = 1) -> list[datetime]:
        """The next start times after `after` (aware), in the schedule's time zone."""
        zone = ZoneInfo(self.timezone)
        if self.interval is not None:
            return [(after + self.interval * (n + 1)).astimezone(zone) for n in range(count)]
        it = _croniter()(self.cron, after.astimezone(zone))
        return [it.get_next(datetime) for _ in range(count)]


def _croniter() -> Any:
    # The cron parser Prefect itself schedules with (vendored, untyped), so our "next run"
    # agrees with the server's.
    from prefect._vendor.croniter import croniter  # type: ignore[attr-defined]

    return croniter


def _minutes(interval: timedelta) -> str:
    seconds = interval.total_seconds()
    if seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def plans(settings: Settings) -> list[Plan]:
    """The ingest and digest deployments for these settings, and the maintenance one when
    the warehouse is a DuckLake (a DuckDB file needs none)."""
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"setting timezone: unknown time zone {settings.timezone!r}") from exc
    if settings.ingest_every_minutes <= 0:
        raise SettingsError("setting ingest_every_minutes: must be more than 0")
    if not _croniter().is_valid(settings.digest_cron):
        raise SettingsError(f"setting digest_cron: not a cron expression: {settings.digest_cron!r}")
    if not _croniter().is_valid(settings.maintain_cron):
        raise SettingsError(
            f"setting maintain_cron: not a cron expression: {settings.maintain_cron!r}"
        )
    home = str(settings.home.resolve())
    maintain = Plan(
        name=MAINTAIN,
        flow="flows.maintain.maintain",
        interval=None,
        cron=settings.maintain_cron,
        timezone=settings.timezone,
        parameters={"home": home},  # keep_days: maintain_keep_days at run time
    )
    lake = isinstance(settings.warehouse, DuckLakeWarehouse)
    return [
        Plan(
            name=INGEST,
            flow="flows.ingest.ingest",
            interval=timedelta(minutes=settings.ingest_every_minutes),
            cron=None,
            timezone=settings.timezone,
            parameters={"home": home},
        ),
        Plan(
            name=DIGEST,
            flow="flows.digest.digest",
            interval=None,
            cron=settings.digest_cron,
            timezone=settings.timezone,
            parameters={"home": home},  # week: the last complete one at run time
        ),
        *([maintain] if lake else []),
    ]


def to_deployment(plan: Plan) -> RunnerDeployment:
    """A Prefect RunnerDeployment for `plan` (imports Prefect: call after configure_prefect).

    No deployment concurrency limit: with Prefect 3.8.8 and a local server it cancelled every
    run of the limited deployment ("concurrency slot lost during provisioning"). Overlap is
    prevented by the warehouse's ingest lock instead: a run that starts while another holds
    it is recorded as skipped and ends at once.
    """
    from prefect.schedules import Cron, Interval
    from prefect.types.entrypoint import EntrypointType

    from flows.digest import digest
    from flows.ingest import ingest
    from flows.maintain import maintain

    flow: Any = {
        "flows.ingest.ingest": ingest,
        "flows.digest.digest": digest,
        "flows.maintain.maintain": maintain,
    }[plan.flow]
    schedule = (
        Interval(plan.interval, timezone=plan.timezone)
        if plan.interval is not None
        else Cron(plan.cron or "", timezone=plan.timezone)
    )
    deployment: RunnerDeployment = flow.to_deployment(
        name=plan.name,
        schedules=[schedule],
        parameters=plan.parameters,
        tags=["labwatch"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    # Prefect names the entrypoint after the flow's function (run_ingest, a plain function:
    # flows/oneoff.py); runs load the flow itself.
    deployment.entrypoint = plan.flow
    return deployment

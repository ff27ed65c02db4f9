"""Line charts drawn on the server as SVG geometry (the template writes the elements): one
line per entity, a point per day or week with its value, axes labelled. No script, no
remote resource, so the chart works under the page's Content-Security-Policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    period: date
    value: int


@dataclass(frozen=True)
class Line:
    key: str  # entity id
    label: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[tuple[float, int]]  # (y, value)
    x_labels: list[tuple[float, str]]  # (x, text)
    baseline: float
    left: float
    right: float


def _nice_top(peak: int) -> int:
    """The axis top: the peak rounded up to 1, 2 or 5 times a power of ten."""
    if peak <= 4:
        return max(peak, 1)
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= peak:
                return m * step
        step *= 10


def line_chart(
    series: dict[str, list[tuple[date, int]]], labels: dict[str, str], unit: str = "week"
) -> Chart:
    """A chart of each series (id -> [(period, value)], all with the same periods)."""
    periods = next(iter(series.values()), [])
    n = len(periods)
    top = _nice_top(max((v for s in series.values() for _, v in s), default=0))
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (span_x * i / (n - 1) if n > 1 else span_x / 2)

    def y(v: int) -> float:
        return TOP + span_y * (1 - v / top)

    lines = [
        Line(key, labels.get(key, key), [Point(x(i), y(v), p, v) for i, (p, v) in enumerate(s)])
        for key, s in series.items()
    ]
    step = max(1, -(-n // MAX_X_LABELS))
    fmt = "%Y-%m-%d" if unit == "day" else "%G-W%V"
    x_labels = [(x(i), periods[i][0].strftime(fmt)) for i in range(0, n, step)]
    ticks = sorted({0, top // 2, top}) if top > 1 else [0, top]
    return Chart(
        WIDTH, HEIGHT, lines, [(y(v), v) for v in ticks], x_labels, TOP + span_y, LEFT,
        WIDTH - RIGHT,
    )  # fmt: skip

"""Evaluation commands: run a stage over a folder of real material and report how it fared."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractors.errors import NotAFeedError
from extractors.feeds import parse_feed

PARSED, RECOVERED, REJECTED, CRASHED = "parsed", "recovered", "rejected", "crashed"


@dataclass(frozen=True)
class FeedVerdict:
    file: str
    verdict: str  # parsed | recovered (malformed, entries kept) | rejected (not a feed) | crashed
    entries: int
    detail: str


def evaluate_feeds(folder: Path) -> list[FeedVerdict]:
    """Parse every file in `folder` as a feed. "crashed" means an exception escaped the
    parser's contract (anything but NotAFeedError): a bug to fix."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    verdicts: list[FeedVerdict] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.suffix in (".json", ".md"):
            continue  # expected outputs and notes beside the feeds
        try:
            feed = parse_feed(path.read_bytes(), url=path.resolve().as_uri())
        except NotAFeedError as exc:
            verdicts.append(FeedVerdict(path.name, REJECTED, 0, str(exc)))
        except Exception as exc:  # the point of the command is to find these
            verdicts.append(FeedVerdict(path.name, CRASHED, 0, f"{type(exc).__name__}: {exc}"))
        else:
            verdict = RECOVERED if feed.warning else PARSED
            verdicts.append(FeedVerdict(path.name, verdict, len(feed.entries), feed.warning))
    return verdicts

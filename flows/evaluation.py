"""Evaluation commands: run a stage over a folder of real material and report how it fared."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from extractors.analyse import tag_article
from extractors.article import SETTINGS, extract_article, extract_with
from extractors.entities import Tagger
from extractors.errors import InputError, NotAFeedError, UsageError
from extractors.feeds import parse_feed
from extractors.scoring import score

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
        raise InputError(f"no such folder: {folder}")
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


PIPELINE = "labwatch"  # what ingest runs: the primary setting, then the fallback


@dataclass(frozen=True)
class PageScore:
    page: str
    setting: str
    precision: float
    recall: float
    f1: float
    seconds: float


@dataclass(frozen=True)
class SettingSummary:
    setting: str
    pages: int
    precision: float
    recall: float
    f1: float
    mean_ms: float
    max_ms: float


def _ground_truth(folder: Path) -> list[tuple[str, Path, str, str]]:
    """(name, html path, url, expected body) for each page with ground truth."""
    html_dir, truth_dir = folder / "html", folder / "ground_truth"
    if not html_dir.is_dir() or not truth_dir.is_dir():
        raise InputError(f"{folder} must hold html/ and ground_truth/ folders")
    pages = []
    for truth in sorted(truth_dir.glob("*.json")):
        html = html_dir / f"{truth.stem}.html"
        if html.is_file():
            doc = json.loads(truth.read_text(encoding="utf-8"))
            pages.append((truth.stem, html, doc.get("url", ""), doc["articleBody"]))
    if not pages:
        raise InputError(f"no page in {folder} has both html and ground truth")
    return pages


def evaluate_extraction(folder: Path, settings: list[str] | None = None) -> list[PageScore]:
    """Score each setting (default: the pipeline and every candidate) on every page."""
    names = settings or [PIPELINE, *SETTINGS]
    unknown = [n for n in names if n != PIPELINE and n not in SETTINGS]
    if unknown:
        raise UsageError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(SETTINGS)}")
    pages = _ground_truth(folder)
    extract_article(pages[0][1].read_bytes(), pages[0][2])  # warm-up: lazy imports and caches
    results: list[PageScore] = []
    for name in names:
        for page, path, url, truth in pages:
            html = path.read_bytes()
            started = time.perf_counter()
            article = (
                extract_article(html, url) if name == PIPELINE else extract_with(html, url, name)
            )
            elapsed = time.perf_counter() - started
            s = score(article.text if article else "", truth)
            results.append(PageScore(page, name, s.precision, s.recall, s.f1, elapsed))
    return results


def summarise(scores: list[PageScore]) -> list[SettingSummary]:
    """Mean precision, recall and F1 over pages, and time per page, best F1 first."""
    by_setting: dict[str, list[PageScore]] = {}
    for s in scores:
        by_setting.setdefault(s.setting, []).append(s)
    out = [
        SettingSummary(
            setting=name,
            pages=len(group),
            precision=statistics.fmean(s.precision for s in group),
            recall=statistics.fmean(s.recall for s in group),
            f1=statistics.fmean(s.f1 for s in group),
            mean_ms=1000 * statistics.fmean(s.seconds for s in group),
            max_ms=1000 * max(s.seconds for s in group),
        )
        for name, group in by_setting.items()
    ]
    return sorted(out, key=lambda s: (-s.f1, s.mean_ms))


@dataclass(frozen=True)
class PageMention:
    page: str
    entity: str
    surface: str
    count: int
    example: str  # the first sentence it was found in


def evaluate_tagging(folder: Path, tagger: Tagger) -> list[PageMention]:
    """The mentions found in each page of `folder` (or `folder/html`), for a person to
    review: extraction as ingest does it, then tagging; one row per (page, entity, surface)."""
    html_dir = folder / "html" if (folder / "html").is_dir() else folder
    pages = sorted(p for p in html_dir.iterdir() if p.suffix in (".html", ".htm", ".txt"))
    if not pages:
        raise InputError(f"no .html or .txt pages in {html_dir}")
    rows: list[PageMention] = []
    for path in pages:
        if path.suffix == ".txt":
            title, text = "", path.read_text(encoding="utf-8")
        else:
            article = extract_article(path.read_bytes(), path.resolve().as_uri())
            title, text = (article.title, article.text) if article else ("", "")
        mentions, _ = tag_article(tagger, title, text)
        seen: dict[tuple[str, str], list[str]] = {}
        for m in mentions:
            seen.setdefault((m.entity, m.text), []).append(m.sentence)
        rows += [
            PageMention(path.stem, entity, surface, len(sentences), sentences[0])
            for (entity, surface), sentences in sorted(seen.items())
        ]
    return rows

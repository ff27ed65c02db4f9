"""Evaluation commands: run a stage over a folder of real material and report how it fared."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractors.analyse import tag_article
from extractors.article import extract_article
from extractors.entities import Tagger
from extractors.errors import InputError, NotAFeedError
from extractors.feeds import parse_feed, unusable

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
            # "recovered" only when entries were kept; items of which none is usable fail.
            failed = unusable(feed)
            verdict = REJECTED if failed else RECOVERED if feed.warning and feed.entries else PARSED
            detail = failed or feed.warning
            verdicts.append(FeedVerdict(path.name, verdict, len(feed.entries), detail))
    return verdicts


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

"""`labwatch eval extraction`: article extraction scored against ground truth, per setting.

The folder holds `html/NAME.html` and `ground_truth/NAME.json` (`{"url", "articleBody"}`,
the Zyte and WCXB benchmarks' layout). Pages are split by site into a tuning half and a
check half (`split_of`), so rules tuned on one half can be reported on the other.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from extractors.article import Article, extract_article, extract_previous, extract_with
from extractors.candidates import SETTINGS
from extractors.errors import InputError, UsageError
from extractors.scoring import score

PIPELINE = "labwatch"  # what ingest runs: the per-page choice of extractors/article.py
PREVIOUS = "labwatch-0.1"  # what it ran before: precision, then recall under 200 characters
SPLITS = ("all", "tune", "check")


@dataclass(frozen=True)
class PageScore:
    page: str
    setting: str
    precision: float
    recall: float
    f1: float
    seconds: float
    chosen: str = ""  # the extractor that produced the text; "" when none did
    page_kind: str = ""  # what the pipeline took the page for ("" for single settings)


@dataclass(frozen=True)
class SettingSummary:
    setting: str
    pages: int
    precision: float
    recall: float
    f1: float
    mean_ms: float
    max_ms: float


@dataclass(frozen=True)
class TruthPage:
    name: str
    html: Path
    url: str
    body: str


@dataclass(frozen=True)
class Corpus:
    pages: list[TruthPage]
    skipped: list[str]  # ground truth with no body (missing, null or not text)


def split_of(url: str) -> str:
    """ "tune" or "check", by a hash of the page's host (www. dropped): every page of a site
    falls in the same half, so a rule cannot learn a site on one half and meet it again."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return "tune" if hashlib.sha256(host.encode()).digest()[0] % 2 == 0 else "check"


def load_corpus(folder: Path, split: str = "all") -> Corpus:
    """The pages with html and a ground-truth body, in the split asked for."""
    if split not in SPLITS:
        raise UsageError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    html_dir, truth_dir = folder / "html", folder / "ground_truth"
    if not html_dir.is_dir() or not truth_dir.is_dir():
        raise InputError(f"{folder} must hold html/ and ground_truth/ folders")
    pages: list[TruthPage] = []
    skipped: list[str] = []
    for truth in sorted(truth_dir.glob("*.json")):
        html = html_dir / f"{truth.stem}.html"
        if not html.is_file():
            continue
        try:
            doc = json.loads(truth.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{truth}: not a JSON ground truth ({exc})") from exc
        body = doc.get("articleBody") if isinstance(doc, dict) else None
        url = doc.get("url") if isinstance(doc, dict) else None
        url = url if isinstance(url, str) else ""
        if split != "all" and split_of(url) != split:
            continue
        if not isinstance(body, str):
            skipped.append(truth.stem)
            continue
        pages.append(TruthPage(truth.stem, html, url, body))
    if not pages:
        raise InputError(f"no page in {folder} ({split}) has both html and a ground truth")
    return Corpus(pages, skipped)


def known_settings() -> list[str]:
    return [PIPELINE, PREVIOUS, *SETTINGS]


def _extract(name: str, html: bytes, url: str) -> Article | None:
    if name == PIPELINE:
        return extract_article(html, url)
    if name == PREVIOUS:
        return extract_previous(html, url)
    return extract_with(html, url, name)


def evaluate_extraction(
    folder: Path, settings: list[str] | None = None, split: str = "all"
) -> tuple[list[PageScore], list[str]]:
    """Score each setting (default: all of them) on every page of the split; also the pages
    skipped for want of a ground-truth body. A page the pipeline takes for something other
    than an article scores its text as empty: that is what ingest stores from it."""
    names = settings or known_settings()
    unknown = [n for n in names if n not in known_settings()]
    if unknown:
        raise UsageError(
            f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(known_settings())}"
        )
    corpus = load_corpus(folder, split)
    first = corpus.pages[0]
    for name in names:  # warm-up: lazy imports and caches of every library in use
        _extract(name, first.html.read_bytes(), first.url)
    results: list[PageScore] = []
    # Page by page, every setting on each: on a shared machine, the settings' times then
    # compare under the same load.
    for page in corpus.pages:
        html = page.html.read_bytes()
        for name in names:
            started = time.perf_counter()
            article = _extract(name, html, page.url)
            elapsed = time.perf_counter() - started
            kind = article.page_kind if article else ""
            text = article.text if article and kind == "article" else ""
            s = score(text, page.body)
            chosen = article.extractor if article else ""
            results.append(
                PageScore(page.name, name, s.precision, s.recall, s.f1, elapsed, chosen,
                          kind if name == PIPELINE else "")
            )  # fmt: skip
    return results, corpus.skipped


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


def worst(scores: list[PageScore], n: int, setting: str = PIPELINE) -> list[PageScore]:
    """The `n` pages with the lowest F1 under `setting` (default: the pipeline)."""
    mine = [s for s in scores if s.setting == setting] or scores
    return sorted(mine, key=lambda s: (s.f1, s.page))[:n]

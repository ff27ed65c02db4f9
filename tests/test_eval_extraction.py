"""`labwatch eval extraction`: ground truth with gaps, the tuning/check split, the worst pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.errors import UsageError
from flows.eval_extraction import PIPELINE, evaluate_extraction, load_corpus, split_of, worst
from tests.helpers import SEED_SLUGS, seed_html, seed_text
from tests.test_cli import labwatch


def corpus(tmp_path: Path, hosts: list[str]) -> Path:
    """The seed pages under the given hosts (cycled), plus two ground truths with no body."""
    folder = tmp_path / "corpus"
    (folder / "html").mkdir(parents=True)
    (folder / "ground_truth").mkdir()
    for i, host in enumerate(hosts):
        slug = SEED_SLUGS[i % len(SEED_SLUGS)]
        (folder / "html" / f"p{i}.html").write_bytes(seed_html(slug))
        truth = {"id": f"p{i}", "url": f"https://{host}/{slug}", "articleBody": seed_text(slug)}
        (folder / "ground_truth" / f"p{i}.json").write_text(json.dumps(truth))
    for name, truth in (("null", {"url": None, "articleBody": None}), ("missing", {"id": "x"})):
        (folder / "html" / f"{name}.html").write_bytes(seed_html(SEED_SLUGS[0]))
        (folder / "ground_truth" / f"{name}.json").write_text(json.dumps(truth))
    return folder


def test_pages_without_a_body_are_skipped_and_said(tmp_path: Path) -> None:
    folder = corpus(tmp_path, ["time.com"])
    loaded = load_corpus(folder)
    assert [p.name for p in loaded.pages] == ["p0"]
    assert loaded.skipped == ["missing", "null"]
    out = labwatch("eval", "extraction", str(folder), "--setting", PIPELINE)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].split() == [
        "setting", "pages", "precision", "recall", "f1", "mean_ms", "max_ms"
    ]  # fmt: skip
    assert "skipped 2 page(s) with no ground-truth body: missing, null" in out.stderr


def test_the_split_is_by_site_and_covers_every_page_once(tmp_path: Path) -> None:
    hosts = [f"site{n}.example" for n in range(12)] + ["www.site0.example"]
    assert split_of("https://www.site0.example/a") == split_of("https://site0.example/b")
    assert {split_of(f"https://{h}/") for h in hosts} == {"tune", "check"}
    folder = corpus(tmp_path, hosts)
    tune, check = (load_corpus(folder, s).pages for s in ("tune", "check"))
    names = sorted(p.name for p in tune + check)
    assert names == sorted(p.name for p in load_corpus(folder).pages)
    assert not {p.name for p in tune} & {p.name for p in check}
    for part, pages in (("tune", tune), ("check", check)):
        assert all(split_of(p.url) == part for p in pages)
    with pytest.raises(UsageError, match="unknown split"):
        load_corpus(folder, "train")


def test_worst_pages_name_the_extractor_that_was_chosen(tmp_path: Path) -> None:
    folder = corpus(tmp_path, ["time.com", "time.com"])
    # One ground truth that the page cannot match: the worst page, whatever is extracted.
    (folder / "ground_truth" / "p1.json").write_text(
        json.dumps({"url": "https://time.com/x", "articleBody": "Nothing like the page."})
    )
    scores, skipped = evaluate_extraction(folder, [PIPELINE, "precision"])
    assert len(skipped) == 2
    bottom = worst(scores, 1)
    assert [(s.page, s.setting) for s in bottom] == [("p1", PIPELINE)]
    assert bottom[0].f1 < 0.1 and bottom[0].chosen.startswith("trafilatura-")
    assert bottom[0].page_kind == "article"
    out = labwatch("eval", "extraction", str(folder), "--setting", PIPELINE, "--worst", "1")
    assert out.returncode == 0, out.stderr
    table = out.stdout.split("\n\n")[-1] if "\n\n" in out.stdout else out.stdout
    assert "page_kind" in out.stdout and "extractor" in out.stdout
    assert any(line.startswith("p1 ") and "trafilatura-" in line for line in table.splitlines())

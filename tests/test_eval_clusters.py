"""`labwatch eval clusters`: the project's written stories, read from every TOML file of
the pair set's folder, and the repository's pair files well formed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.eval_clusters import (
    REPO_STORIES,
    PairFileError,
    _project_stories,
    evaluate,
    load_pairs,
    source_text,
)

STORY = '[[story]]\nid = "{id}"\ntitle = "{title}"\ntext = """\n{text}\n"""\n'


def test_stories_come_from_every_toml_file_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "stories.toml").write_text(STORY.format(id="a", title="A", text="First."))
    (tmp_path / "rewrites.toml").write_text(STORY.format(id="b", title="B", text="Second."))
    assert source_text("story:a", None, tmp_path) == ("A", "First.")
    assert source_text("story:b", None, tmp_path) == ("B", "Second.")
    with pytest.raises(PairFileError, match="no story 'c'"):
        source_text("story:c", None, tmp_path)


def test_a_story_id_in_two_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "stories.toml").write_text(STORY.format(id="a", title="A", text="First."))
    (tmp_path / "rewrites.toml").write_text(STORY.format(id="a", title="B", text="Second."))
    with pytest.raises(PairFileError, match="in two files"):
        _project_stories(tmp_path)


@pytest.mark.parametrize("name", ["pairs.jsonl", "rewrite_pairs.jsonl", "report_pairs.jsonl"])
def test_every_story_a_pair_file_names_is_written(name: str) -> None:
    stories = _project_stories(REPO_STORIES)
    pairs = [json.loads(line) for line in (REPO_STORIES / name).read_text().splitlines()]
    named = {
        side["text"].removeprefix("story:")
        for p in pairs
        for side in (p["a"], p["b"])
        if side["text"].startswith("story:")
    }
    assert named <= set(stories)
    assert {p["label"] for p in pairs} == {"same", "different"}
    assert {p["split"] for p in pairs} == {"tune", "check"}
    assert len({p["id"] for p in pairs}) == len(pairs)


def test_the_story_rule_links_reports_and_keeps_the_report_sets_different_stories_apart() -> None:
    """report_pairs.jsonl is written text only (no corpus): 36 events told by two or three
    outlets, each with a different story of its week on the same company. The rule links
    the reports that lead with the event's figure and a name (extractors/story_leads.py;
    26 of the 72 pairs when it was written, none before) and must call none of the different
    stories one with the event."""
    pairs = load_pairs(REPO_STORIES / "report_pairs.jsonl", None)
    assert sum(p.label == "same" for p in pairs) == 72
    assert sum(p.label == "different" for p in pairs) == 90
    (score,) = [s for s in evaluate(pairs, ["stories"]) if s.split == "all"]
    merged = [e for e in score.errors if e[2] == "different"]
    assert score.fp == 0, merged
    assert score.tn == 90
    assert score.tp >= 24

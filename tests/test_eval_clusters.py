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


FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Film star Elena Marsh dies at 88</title>
<description>&lt;p&gt;The actress Elena Marsh, who starred in &lt;b&gt;Harbour Lights&lt;/b&gt;, died at home in
Lisbon, her family said.&lt;/p&gt;</description></item>
<item><title>Co-stars mourn Elena Marsh</title>
<description>Directors and co-stars remembered Elena Marsh, the star of Harbour Lights, who
died on Sunday in Lisbon.</description></item>
</channel></rss>"""


def test_a_feed_entry_is_a_text_and_the_leads_rule_reads_it(tmp_path: Path) -> None:
    """`feed:<file>#<n>`: a corpus feed's entry n, its headline and its summary as plain text
    (tests/data/clusters/feed_pairs.jsonl names real feeds' entries so)."""
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "news.xml").write_text(FEED)
    title, body = source_text("feed:feeds/news.xml#0", tmp_path)
    assert title == "Film star Elena Marsh dies at 88"
    assert (
        body.startswith("The actress Elena Marsh, who starred in Harbour Lights")
        and "<" not in body
    )
    with pytest.raises(PairFileError, match="has 2 entries"):
        source_text("feed:feeds/news.xml#2", tmp_path)
    with pytest.raises(PairFileError, match="needs the corpus"):
        source_text("feed:feeds/news.xml#0", None)
    side = {"text": "feed:feeds/news.xml#0", "hours": 0}
    pair = {"id": "p", "split": "check", "label": "same", "a": side}
    lines = [pair | {"b": {"text": "feed:feeds/news.xml#1", "hours": h}} for h in (5, 40)]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in lines))
    near, far = load_pairs(tmp_path / "pairs.jsonl", tmp_path)
    # A death in both headlines, two names shared (Elena Marsh), no figures: one event within
    # 36 hours (extractors/story_leads.py EVENT_WINDOW), not 40 hours apart.
    (score,) = [s for s in evaluate([near], ["leads"]) if s.split == "all"]
    assert score.tp == 1
    (score,) = [s for s in evaluate([far], ["leads"]) if s.split == "all"]
    assert score.fn == 1


def test_a_story_id_in_two_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "stories.toml").write_text(STORY.format(id="a", title="A", text="First."))
    (tmp_path / "rewrites.toml").write_text(STORY.format(id="a", title="B", text="Second."))
    with pytest.raises(PairFileError, match="in two files"):
        _project_stories(tmp_path)


@pytest.mark.parametrize(
    "name", ["pairs.jsonl", "rewrite_pairs.jsonl", "report_pairs.jsonl", "feed_pairs.jsonl"]
)
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
    """report_pairs.jsonl is written text only (no corpus): 112 events told by two or three
    outlets, each with different stories of its week or day on the same company. The rule
    links the reports that lead with the event's figure and a name, or whose headlines
    report one kind of happening to the same names (extractors/story_leads.py; 54 of the
    144 pairs of the first 72 events in session 29, none before session 28), or whose rare
    words and leads agree within 36 hours (extractors/story_terms.py; 152 of 264 in session
    39, 87 before), and must call none of the different stories one with the event."""
    pairs = load_pairs(REPO_STORIES / "report_pairs.jsonl", None)
    assert sum(p.label == "same" for p in pairs) == 264
    assert sum(p.label == "different" for p in pairs) == 420
    (score,) = [s for s in evaluate(pairs, ["stories"]) if s.split == "all"]
    merged = [e for e in score.errors if e[2] == "different"]
    assert score.fp == 0, merged
    assert score.tn == 420
    assert score.tp >= 145

"""Story matching wired to the warehouse: extractors/stories.py's rule handed to the
warehouse (which stores keys and runs joins but decides nothing about text), and story keys
as article row fields."""

from __future__ import annotations

from typing import Any

from extractors.stories import (
    TERMS_WINDOW,
    WINDOW,
    StoryKey,
    match_scores,
    matches,
    near_bands,
    story_key,
)
from warehouse.stories import StoryRule

STORY_RULE = StoryRule(
    match=matches,
    window=WINDOW,
    scores=match_scores,
    near=near_bands,
    near_window=TERMS_WINDOW,
)


def story_fields(key: StoryKey | None) -> dict[str, Any]:
    """The story key as article row fields (warehouse/stories.py `STORY_FIELDS`)."""
    return {
        "story_signature": key.signature if key else None,
        "story_shingles": key.shingles if key else None,
        "story_bands": list(key.bands) if key else None,
    }


def stored_text_key(
    text: str, common: frozenset[str] = frozenset(), title: str = ""
) -> StoryKey | None:
    """The story key of a stored article's text and title, as the ingest computed it
    (extractors/analyse.py: over the text the budget analyses, the watchlist's name words
    `common` left out of its names: the tagger's `name_words`)."""
    # Here, not at the top: extractors.budget loads the deal rules (hundreds of regexes,
    # seconds of CPU and megabytes), which the ingest's own process, storing, never needs.
    from extractors.budget import DEFAULT_BUDGET, leading

    return story_key(leading(text, DEFAULT_BUDGET.text_chars), common, title)

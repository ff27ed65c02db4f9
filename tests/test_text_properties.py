"""Properties on generated text (hypothesis): sentence spans cover the text in order within
their cap, the tagger's offsets point at what it says it found, and Markdown escaping leaves
nothing a table or a renderer would read as markup."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.entities import Tagger, load_watchlist
from extractors.text import sentence_spans
from flows.digest_render import md
from seeds import SEEDS_DIR

CHECKS = settings(max_examples=150, deadline=None)
# In the whole suite, threads of the session's Prefect harness use the `random` module while
# hypothesis draws, which hypothesis takes for a strategy using it: not ours to fix here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
)

# Words, names the watchlist knows, sentence ends, spaces of every kind and stray symbols.
_pieces = st.sampled_from(
    ["Anthropic", "OpenAI", "AWS", "Claude", "Mistral", "Gemini", "Meta", "Amazon’s", "LAWS",
     "invests", "$4bn", "in", "the", "a", ".", "!", "?", "…", ", ", "\n", "\n\n", " ", "\u00a0",
     "\u00ad", "\u200b", "U.S.", "Dr.", "e.g.", "3.5", "—", "(", ")", "\"", "'", "CLAUDE.md",
     "docs.oracle.com", "日本", "x@y.com"]
)  # fmt: skip
texts = st.one_of(st.lists(_pieces, max_size=60).map(" ".join), st.text(max_size=300))


@CHECKS
@given(texts, st.integers(min_value=2, max_value=400))
def test_sentence_spans_cover_the_text_in_order_within_the_cap(text: str, cap: int) -> None:
    spans = sentence_spans(text, cap)
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        assert end - start <= cap
        assert not text[end - 1].isspace()
        last = end
    covered = set().union(*(range(s, e) for s, e in spans)) if spans else set()
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


@CHECKS
@given(text=texts)
def test_mentions_point_at_their_text_and_never_overlap(tagger: Tagger, text: str) -> None:
    mentions = tagger.tag(text)
    last = 0
    for m in sorted(mentions, key=lambda m: m.start):
        assert last <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
        last = m.end
    assert tagger.tag(text) == mentions  # the same text, the same mentions


@CHECKS
@given(st.one_of(texts, st.text(alphabet="<>|&*_`[]()#!~$\\\n\r\t abc", max_size=80)))
def test_markdown_escaping_leaves_no_markup(text: str) -> None:
    out = md(text)
    assert "\n" not in out and "\r" not in out  # one table cell, one line
    assert "<" not in out and ">" not in out  # no raw HTML
    # Every Markdown special character is escaped: preceded by an odd run of backslashes.
    for match in re.finditer(r"[`*_{}\[\]()#+!|~$]", out):
        run = len(out[: match.start()]) - len(out[: match.start()].rstrip("\\"))
        assert run % 2 == 1, (text, out)
    # Unescaping gives back the text, spaces squeezed and & < > as entities.
    plain = re.sub(r"\\(.)", r"\1", out).replace("&lt;", "<").replace("&gt;", ">")
    assert plain.replace("&amp;", "&") == " ".join(text.split())

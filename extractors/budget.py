"""What analysing one page may cost: how much text is stored and analysed, how much context
a mention keeps, how many seconds; and deal finding within that. (How long a sentence may be
is `extractors.text.MAX_SENTENCE_CHARS`: every stage that splits text into sentences uses it.)

A hostile or broken page (megabytes of one endless sentence, a feed summary packed with
names) must cost bounded time and memory and leave the rest of the batch alone. Each bound
is far above what real articles need (the 779 WCXB dev articles in ../shared/corpus: longest
text 49,264 characters, 99th percentile 40,564; of their 101,120 sentences the 99th
percentile is 271 characters, the 99.99th 754, the longest 1,831), so real articles are
analysed as before, except that the 1% of sentences over 300 characters are kept as a
window around each mention. What a page loses to a bound is said in its `analysis_note`.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date

from extractors.deals import find_deals, fold_deals
from extractors.records import Deal, Mention

# Text past this is stored but not analysed (tagged, fingerprinted, searched for deals):
# twice the longest real article above.
MAX_TEXT_CHARS = 100_000
# Text past this is not stored either: twenty times the longest real article, a tenth of the
# largest page fetched. (Indexing 9 MB of one page for search took 21 s and 125 MB.)
MAX_STORED_CHARS = 1_000_000
# A mention's context: the words around it in its sentence, at most this long with the "…"
# that marks a cut. Whole sentences fit (99th percentile 271 characters).
CONTEXT_CHARS = 300
# Analysis time per page (from extraction on) before deal finding stops, in CPU time of the
# thread analysing it: a real page takes 30-50 ms of CPU. CPU time, not wall-clock time, so a
# busy machine (a worker waiting for a core) does not cut deals: what is stored must not
# depend on the load.
ANALYSIS_SECONDS = 5.0
# And a wall-clock backstop, twelve times as long: a page whose analysis blocks without using
# CPU (it should not: analysis does no I/O) still ends.
WALL_SECONDS = 60.0


@dataclass(frozen=True)
class Budget:
    text_chars: int = MAX_TEXT_CHARS
    stored_chars: int = MAX_STORED_CHARS
    context_chars: int = CONTEXT_CHARS
    seconds: float = ANALYSIS_SECONDS  # CPU seconds of the analysing thread
    wall_seconds: float = WALL_SECONDS
    # also the deal model's deals (extractors/deal_model.py; the setting `deal_model`, on by
    # default)
    deal_model: bool = True


DEFAULT_BUDGET = Budget()


class Clock:
    """A page's analysis time since it was started: CPU time of the thread that started it
    (time.thread_time: other threads and processes of a busy machine do not count) against
    `budget.seconds`, wall-clock time against the `budget.wall_seconds` backstop. Use it in
    the thread that started it. `cut` says which limit was passed ("" while within both)."""

    def __init__(self, budget: Budget = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.cpu_started = time.thread_time()
        self.wall_started = time.monotonic()
        self.cut = ""

    def over(self) -> bool:
        """Whether the page is over its budget (checked between runs of deal finding)."""
        if not self.cut:
            if time.thread_time() - self.cpu_started > self.budget.seconds:
                self.cut = f"over the {self.budget.seconds:g} s analysis budget (CPU time)"
            elif time.monotonic() - self.wall_started > self.budget.wall_seconds:
                self.cut = f"over the {self.budget.wall_seconds:g} s wall-clock backstop"
        return bool(self.cut)


# Deal finding runs over runs of whole sentences of at most this many characters and
# mentions, one `find_deals` call each, with the clock checked between them: the rules cost
# sentences x mentions within a call, so bounding both makes the whole linear in the text.
# An article of up to 10,000 characters and 100 mentions is one call, as without the bound.
DEAL_CHUNK_CHARS = 10_000
DEAL_CHUNK_MENTIONS = 100


def leading(text: str, limit: int) -> str:
    """The first `limit` characters of `text` (the whole text when shorter), cut at a space
    when there is one in the last half."""
    if len(text) <= limit:
        return text
    space = max(text.rfind(" ", limit // 2, limit + 1), text.rfind("\n", limit // 2, limit + 1))
    return text[: space if space > 0 else limit]


def context(text: str, span: tuple[int, int], start: int, end: int, width: int) -> str:
    """The words around `text[start:end]` within its sentence `span`: the whole sentence when
    it is at most `width` characters, else a window of about `width` centred on the mention,
    cut at spaces, with "…" where it was cut (never shorter than the mention itself)."""
    s, e = min(span[0], start), max(span[1], end)  # a mention cut by a split shows whole
    if e - s <= width:
        return text[s:e]
    room = max(0, width - 2 - (end - start))  # two characters for the "…" marks
    left = min(start - s, room // 2)
    right = min(e - end, room - left)
    left = min(start - s, room - right)
    lo, hi = start - left, end + right
    if lo > s:
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    if hi < e:
        space = text.rfind(" ", end, hi)
        hi = space if space >= 0 else hi
    words = text[lo:start].lstrip() + text[start:end] + text[end:hi].rstrip()
    return ("…" if lo > s else "") + words + ("…" if hi < e else "")


def deal_chunks(
    spans: Sequence[tuple[int, int]], starts: Sequence[int]
) -> Iterator[tuple[int, int]]:
    """(start, end) of runs of whole sentences within DEAL_CHUNK_CHARS and DEAL_CHUNK_MENTIONS
    (a run holds at least one sentence); `starts` are the mentions' start offsets, sorted."""
    first = last = count = -1
    for s, e in spans:
        here = bisect_left(starts, e) - bisect_left(starts, s)
        if first >= 0 and (e - first > DEAL_CHUNK_CHARS or count + here > DEAL_CHUNK_MENTIONS):
            yield first, last
            first = -1
        if first < 0:
            first, count = s, 0
        last, count = e, count + here
    if first >= 0:
        yield first, last


def deals_within(
    text: str,
    mentions: Sequence[Mention],
    spans: Sequence[tuple[int, int]],
    ancestors: Callable[[str], Sequence[str]] | None,
    clock: Clock | None,
    published: date | None = None,
    learned: bool = False,
) -> tuple[list[Deal], int]:
    """The deals `find_deals` finds in `text`, sought run by run of sentences until `clock`
    is over its budget (never without a clock); with how far the search got (len(text) when
    done). `published` is the article's day, `learned` adds the model's deals (see
    `find_deals`)."""
    starts = [m.start for m in mentions]
    span_starts = [s for s, _ in spans]
    found: list[Deal] = []
    for cs, ce in deal_chunks(spans, starts):
        if clock is not None and clock.over():
            return fold_deals(found, published), cs
        lo, hi = bisect_left(starts, cs), bisect_left(starts, ce)
        inside = [m for m in mentions[lo:hi] if m.end <= ce]
        if len(inside) < 2:
            continue
        a, b = bisect_left(span_starts, cs), bisect_left(span_starts, ce)
        local = [(s - cs, e - cs) for s, e in spans[a:b]]
        if cs:
            inside = [replace(m, start=m.start - cs, end=m.end - cs) for m in inside]
        for deal in find_deals(text[cs:ce], inside, ancestors, published, local, learned):
            found.append(replace(deal, start=deal.start + cs) if cs else deal)
    # One deal per article across runs too, as find_deals does within one.
    return fold_deals(found, published), len(text)

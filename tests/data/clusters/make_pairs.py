"""Build tests/data/clusters/pairs.jsonl, the labelled pair set of `labwatch eval clusters`.

    .venv/bin/python -m tests.data.clusters.make_pairs ../shared/corpus > tests/data/clusters/pairs.jsonl

Deterministic (seeded). The file names texts and edits, never holds corpus text: see README.md.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import sys
import zlib
from collections import Counter
from pathlib import Path

from flows.eval_clusters import REPO_STORIES, _project_stories, source_text

FOLDERS = ("wcxb-dev-articles", "articles")
MIN_WORDS = 150
LIGHT = ("headline", "credit", "says", "shorthand", "update", "local")
MEDIUM = ("headline", "credit", "lede", "says", "shorthand", "reorder", "drop", "local", "update")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zA-Z]{2,}(?:\s+[A-Z][a-zA-Z]{2,})*)")
_COMMON = set("The This That These Those There They When What Where Which While With From For And But "
              "Our Your His Her Its How Why Who One Two Here Some Many Most More Also After Before "
              "During Since Until Each Every All Any New Not Now Then Than If In On At By To Of".split())  # fmt: skip


W = "corpus:wcxb-dev-articles/wcxb_dev_"
# The same Public Domain Review article under two URLs (with and without a final slash).
REAL_SAME = {(W + "0463", W + "3035")}
# Two different Glossier promotion terms written from one template.
REAL_DIFFERENT = {(W + "4759", W + "4761")}


def split_of(ref: str) -> str:
    """Texts, not pairs, are split, so no text is in both parts. WCXB ids come in runs on one
    topic (0001-0003 are all on nutrition trends): blocks of 100 ids stay together."""
    m = re.search(r"wcxb_dev_(\d+)", ref)
    if m:
        return "tune" if int(m[1]) // 100 % 2 == 0 else "check"
    if ref.startswith("story:"):
        return "tune" if ref.split(":")[1].split("-")[0] in ("anthropic", "google") else "check"
    if ref.startswith("seed:"):
        return "tune"
    return "tune" if zlib.crc32(ref.encode()) % 2 == 0 else "check"


def names(body: str) -> set[str]:
    found = Counter(m for m in _NAME.findall(body) if m.split()[0] not in _COMMON)
    return {n for n, c in found.items() if c >= 2}


def side(
    ref: str, edits: tuple[str, ...] = (), seed: int = 0, hours: float = 0, words: int = 0
) -> dict[str, object]:
    out: dict[str, object] = {"text": ref}
    if words:
        out["words"] = words
    if edits:
        out |= {"edits": list(edits), "seed": seed}
    if hours:
        out["hours"] = hours
    return out


def edits_for(r: random.Random, level: str) -> tuple[str, ...]:
    if level == "light":
        chosen = r.sample(LIGHT, r.randint(2, 4))
    elif level == "medium":
        chosen = ["headline", *r.sample(MEDIUM[1:], r.randint(3, 6))]
    else:  # heavy: cut to length, new lede, plus the rest
        chosen = [
            "headline",
            "lede",
            "cut",
            *r.sample(
                ("credit", "says", "shorthand", "reorder", "local", "update"), r.randint(2, 4)
            ),
        ]
    order = [*MEDIUM, "cut"]
    return tuple(sorted(set(chosen), key=order.index))


def main(corpus: Path) -> None:
    r = random.Random(16)
    refs = []
    for folder in FOLDERS:
        for truth in sorted((corpus / folder / "ground_truth").glob("*.json")):
            ref = f"corpus:{folder}/{truth.stem}"
            if len(source_text(ref, corpus)[1].split()) >= MIN_WORDS:
                refs.append(ref)
    stories = [f"story:{s}" for s in _project_stories(REPO_STORIES)]
    seeds = ["seed:amazon-anthropic-investment", "seed:ai-labs-big-tech-backers"]
    pairs: list[dict[str, object]] = []

    def add(label: str, kind: str, a: dict[str, object], b: dict[str, object], split: str) -> None:
        pairs.append({"id": f"p{len(pairs) + 1:04d}", "split": split, "label": label,
                      "kind": kind, "a": a, "b": b})  # fmt: skip

    # Same story: an article and its wire copy, or two copies of it, 1 to 72 hours apart.
    # Most pages are cut to the length of a news story (250-900 words), one in five is whole.
    length = {ref: 0 if r.random() < 0.2 else r.randint(250, 900) for ref in refs}
    sources = r.sample(refs, 260) + stories + seeds
    for n, ref in enumerate(sources):
        level = ("light", "medium", "heavy")[n % 3]
        hours = round(r.uniform(1, 72), 1)
        words = length.get(ref, 0)
        if n % 4 == 3:
            a = side(ref, edits_for(r, "medium"), r.randrange(10**6), words=words)
            b = side(ref, edits_for(r, level), r.randrange(10**6), hours, words=words)
            add("same", f"two-copies-{level}", a, b, split_of(ref))
        else:
            add(
                "same",
                f"copy-{level}",
                side(ref, words=words),
                side(ref, edits_for(r, level), r.randrange(10**6), hours, words=words),
                split_of(ref),
            )
    # Real republications and real look-alikes, found by reading the corpus pairs with the
    # highest shingle overlap (see README.md).
    for x, y in REAL_SAME:
        add("same", "real-republication", side(x), side(y, hours=20), split_of(x))
        add(
            "same",
            "real-republication-copy",
            side(x, words=400),
            side(y, edits_for(r, "medium"), 5, 26, words=400),
            split_of(x),
        )
    for x, y in REAL_DIFFERENT:
        add("different", "same-template", side(x), side(y, hours=3), split_of(x))
    # Different stories on the same company in the same week, sharing a background paragraph.
    by_company: dict[str, list[str]] = {}
    for s in stories:
        by_company.setdefault(s.split(":")[1].split("-")[0], []).append(s)
    days = {f"story:{k}": v["day"] for k, v in _project_stories(REPO_STORIES).items()}
    for group in by_company.values():
        for x, y in itertools.combinations(group, 2):
            hours = 24 * (days[y] - days[x])
            add("different", "same-company-week", side(x), side(y, hours=hours), split_of(x))
            add("different", "same-company-week-copies", side(x, edits_for(r, "medium"), r.randrange(10**6)),
                side(y, edits_for(r, "medium"), r.randrange(10**6), hours), split_of(x))  # fmt: skip
    add("different", "seeds-same-companies", side(seeds[0]), side(seeds[1], hours=30), "tune")
    add("different", "seeds-same-companies-copies", side(seeds[0], edits_for(r, "medium"), 7),
        side(seeds[1], edits_for(r, "medium"), 8, 30), "tune")  # fmt: skip
    # Different stories on the same entities: real articles naming the most names in common
    # (weighted by rarity), and neighbours in WCXB's topic runs.
    found = {ref: names(source_text(ref, corpus)[1]) for ref in refs}
    df = Counter(n for ns in found.values() for n in ns)
    scored = []
    for x, y in itertools.combinations(refs, 2):
        if split_of(x) != split_of(y) or (x, y) in REAL_SAME:
            continue
        shared = found[x] & found[y]
        if len(shared) >= 2:
            scored.append((sum(1 / math.log(1 + df[n]) for n in shared), x, y))
    scored.sort(reverse=True)
    used: Counter[str] = Counter()
    chosen = 0
    for _, x, y in scored:
        if used[x] >= 2 or used[y] >= 2:
            continue
        used[x] += 1
        used[y] += 1
        hours = round(r.uniform(0, 120), 1)
        if chosen % 3 == 2:
            add("different", "shared-names-copies", side(x, edits_for(r, "medium"), r.randrange(10**6), words=length[x]),
                side(y, edits_for(r, "medium"), r.randrange(10**6), hours, words=length[y]), split_of(x))  # fmt: skip
        else:
            add(
                "different",
                "shared-names",
                side(x, words=length[x]),
                side(y, hours=hours, words=length[y]),
                split_of(x),
            )
        chosen += 1
        if chosen == 200:
            break
    ordered = sorted(refs)
    for x, y in itertools.islice(itertools.pairwise(ordered), 0, None, 3):
        if split_of(x) == split_of(y) and x.startswith("corpus:wcxb"):
            add(
                "different",
                "topic-neighbours",
                side(x, words=length[x]),
                side(y, hours=round(r.uniform(0, 120), 1), words=length[y]),
                split_of(x),
            )
    for p in pairs:
        print(json.dumps(p, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

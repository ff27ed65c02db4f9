"""The watchlist file: entities, their aliases and the rules that tell them from ordinary words.

Each `[[entity]]` has an `id`, `name`, `kind` and optional `parent`, plus:
- `aliases`: names matched with their exact case ("Meta" the company, not "meta" the word);
- `aliases_ignore_case`: names matched in any case;
- `ambiguous`: those of its aliases that are also ordinary words or other things ("Mistral"
  the wind, "Gemini" the zodiac sign, "Claude" the first name): extractors/disambiguation.py
  decides each of their mentions from the words around it;
- `sure`: how sure a bare ambiguous alias is: "always" (it counts unless its neighbourhood
  says it is something else), "context" (it counts with support: the entity's words or the
  industry's near it, or an unambiguous mention of the entity or a relative in the text) or
  "anchor" (only when the text also names the entity or a relative unambiguously); default
  "context";
- `context`: words that, near an ambiguous alias, say it is this entity;
- `senses`: the other things its ambiguous aliases can be, as classes of extractors/senses.py
  ("place", "food", "person", …); `sense_words`: more words of those other senses;
- `follow`: words that, right after an ambiguous alias, make it this entity ("Claude Code",
  "Mistral Large"); "<version>" stands for a version number ("Claude 3", "Phi-3.5"),
  "<size>" for a model size ("Falcon 180B"), "<price>" for a price, as a shop's listings
  put it ("View at Amazon $169");
- `exclude`: regular expressions; a mention inside a match ("Amazon rainforest",
  "Meta-analysis") does not count;
- `fuzzy`: whether a one-edit misspelling of its long names (7 letters or more) counts
  (default true);
- `since`: the year the entity came to be (a company's founding, a product's launch): a
  bare ambiguous alias in a sentence dated decades before it ("Thinking Machines filed for
  bankruptcy in 1994", "Gemini 4 flew in June 1965") is another thing.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from extractors.errors import WatchlistError
from extractors.records import Entity, Watchlist
from extractors.senses import SENSE_CLASSES

ENTITY_KINDS = ("lab", "cloud", "company", "product")
SURENESS = ("always", "context", "anchor")
_FIELDS = {
    "id", "name", "kind", "parent", "aliases", "aliases_ignore_case", "ambiguous", "context",
    "exclude", "fuzzy", "sure", "senses", "sense_words", "follow", "since",
}  # fmt: skip


def _strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise WatchlistError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(value)


def _entity(raw: dict[str, Any], where: str) -> Entity:
    unknown = set(raw) - _FIELDS
    if unknown:
        raise WatchlistError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        raise WatchlistError(f"{where}: 'id' is required")
    if raw.get("kind") not in ENTITY_KINDS:
        raise WatchlistError(f"{where}: 'kind' must be one of {', '.join(ENTITY_KINDS)}")
    aliases = _strings(raw, "aliases", where)
    ignore_case = _strings(raw, "aliases_ignore_case", where)
    if not aliases and not ignore_case:
        raise WatchlistError(f"{where}: no aliases")
    ambiguous = _strings(raw, "ambiguous", where)
    stray = set(ambiguous) - set(aliases) - set(ignore_case)
    if stray:
        raise WatchlistError(f"{where}: 'ambiguous' names non-aliases: {', '.join(sorted(stray))}")
    exclude = _strings(raw, "exclude", where)
    for pattern in exclude:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise WatchlistError(f"{where}: bad 'exclude' pattern {pattern!r}: {exc}") from exc
    fuzzy = raw.get("fuzzy", True)
    if not isinstance(fuzzy, bool):
        raise WatchlistError(f"{where}: 'fuzzy' must be true or false")
    sure = raw.get("sure", "context")
    if sure not in SURENESS:
        raise WatchlistError(f"{where}: 'sure' must be one of {', '.join(SURENESS)}")
    since = raw.get("since", 0)
    # (bool is an int to Python; a year written true is a mistake)
    if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= 2100:
        raise WatchlistError(f"{where}: 'since' must be a year (an integer up to 2100)")
    senses = _strings(raw, "senses", where)
    unknown_senses = set(senses) - set(SENSE_CLASSES)
    if unknown_senses:
        raise WatchlistError(
            f"{where}: unknown sense(s) {', '.join(sorted(unknown_senses))}; "
            f"known: {', '.join(sorted(SENSE_CLASSES))}"
        )
    return Entity(
        id=raw["id"],
        name=str(raw.get("name", raw["id"])),
        kind=raw["kind"],
        parent=str(raw.get("parent", "")),
        aliases=aliases,
        aliases_ignore_case=ignore_case,
        ambiguous=ambiguous,
        context=_strings(raw, "context", where),
        exclude=exclude,
        fuzzy=fuzzy,
        sure=sure,
        senses=senses,
        sense_words=_strings(raw, "sense_words", where),
        follow=_strings(raw, "follow", where),
        since=since,
    )


def _load_doc(data: bytes, source: str) -> list[dict[str, Any]]:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WatchlistError(f"{source}: {exc}") from exc
    raws = doc.get("entity", [])
    if not isinstance(raws, list) or not all(isinstance(r, dict) for r in raws):
        raise WatchlistError(f"{source}: expected [[entity]] tables")
    return raws


def _build(raws: list[tuple[str, dict[str, Any]]], version: str, source: str) -> Watchlist:
    entities = [_entity(raw, f"{where} ({raw.get('id', '?')})") for where, raw in raws]
    ids = Counter(e.id for e in entities)
    duplicates = sorted(i for i, n in ids.items() if n > 1)
    if duplicates:
        raise WatchlistError(f"{source}: duplicate id(s) {', '.join(duplicates)}")
    for e in entities:
        if e.parent and e.parent not in ids:
            raise WatchlistError(f"{source}: {e.id} has unknown parent {e.parent!r}")
    return Watchlist(entities=tuple(entities), version=version)


def parse_watchlist(data: bytes, source: str = "watchlist") -> Watchlist:
    """Read a watchlist TOML document (see seeds/watchlist.toml) and check it is consistent."""
    raws = [(f"{source}: entity #{n}", raw) for n, raw in enumerate(_load_doc(data, source), 1)]
    return _build(raws, hashlib.sha256(data).hexdigest()[:12], source)


def load_watchlist(path: Path, extra: Path | None = None) -> Watchlist:
    """The watchlist at `path`; with `extra`, a user's file whose entities are added to it,
    replacing those with the same id. The version covers both files."""
    try:
        data = path.read_bytes()
        extra_data = extra.read_bytes() if extra else b""
    except OSError as exc:
        raise WatchlistError(f"cannot read watchlist {exc.filename}: {exc.strerror}") from exc
    if extra is None:
        return parse_watchlist(data, source=str(path))
    own = [(f"{extra}: entity #{n}", r) for n, r in enumerate(_load_doc(extra_data, str(extra)), 1)]
    replaced = {raw.get("id") for _, raw in own}
    base = [
        (f"{path}: entity #{n}", raw)
        for n, raw in enumerate(_load_doc(data, str(path)), 1)
        if raw.get("id") not in replaced
    ]
    version = hashlib.sha256(data + b"\0" + extra_data).hexdigest()[:12]
    return _build(base + own, version, f"{path} + {extra}")

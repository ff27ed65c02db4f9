"""The watchlist and the entity tagger: one Aho-Corasick pass finds every alias in a text.

Matching rules:
- the longest alias wins, leftmost first ("Google DeepMind" is one mention of google-deepmind,
  not also one of google);
- an alias matches only on word boundaries, so "AWS" is not found in "LAWS"; a CJK character
  next to a Latin name counts as a boundary, since those scripts put no spaces between words;
- `aliases` match with their exact case ("Meta" the company, not "meta" the word),
  `aliases_ignore_case` in any case;
- non-breaking and other Unicode spaces match a space, typographic apostrophes match "'";
  possessives need no rule of their own: "Amazon’s" is "Amazon" followed by a boundary.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick

from extractors.errors import WatchlistError

KINDS = ("lab", "cloud", "company", "product")


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    kind: str
    parent: str
    aliases: tuple[str, ...]
    aliases_ignore_case: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    entity: str
    kind: str
    text: str  # the surface form as it appears in the text
    start: int
    end: int


@dataclass(frozen=True)
class Watchlist:
    entities: tuple[Entity, ...]
    version: str  # hash of the file's content, stored with every mention

    def get(self, entity_id: str) -> Entity:
        for entity in self.entities:
            if entity.id == entity_id:
                return entity
        raise KeyError(entity_id)


def _strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise WatchlistError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(value)


def parse_watchlist(data: bytes, source: str = "watchlist") -> Watchlist:
    """Read a watchlist TOML document (see seeds/watchlist.toml) and check it is consistent."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WatchlistError(f"{source}: {exc}") from exc
    allowed = {"id", "name", "kind", "parent", "aliases", "aliases_ignore_case"}
    entities: list[Entity] = []
    for n, raw in enumerate(doc.get("entity", []), start=1):
        where = f"{source}: entity #{n} ({raw.get('id', '?')})"
        unknown = set(raw) - allowed
        if unknown:
            raise WatchlistError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if not isinstance(raw.get("id"), str) or not raw["id"]:
            raise WatchlistError(f"{where}: 'id' is required")
        if raw.get("kind") not in KINDS:
            raise WatchlistError(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
        aliases = _strings(raw, "aliases", where)
        ignore_case = _strings(raw, "aliases_ignore_case", where)
        if not aliases and not ignore_case:
            raise WatchlistError(f"{where}: no aliases")
        entities.append(
            Entity(
                id=raw["id"],
                name=str(raw.get("name", raw["id"])),
                kind=raw["kind"],
                parent=str(raw.get("parent", "")),
                aliases=aliases,
                aliases_ignore_case=ignore_case,
            )
        )
    ids = [e.id for e in entities]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise WatchlistError(f"{source}: duplicate id(s) {', '.join(duplicates)}")
    for e in entities:
        if e.parent and e.parent not in ids:
            raise WatchlistError(f"{source}: {e.id} has unknown parent {e.parent!r}")
    version = hashlib.sha256(data).hexdigest()[:12]
    return Watchlist(entities=tuple(entities), version=version)


def load_watchlist(path: Path) -> Watchlist:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WatchlistError(f"cannot read watchlist {path}: {exc.strerror}") from exc
    return parse_watchlist(data, source=str(path))


# Length-preserving normalisation, so offsets in the normalised text are offsets in the input.
_NORMALISE = str.maketrans(
    {
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\t": " ",
        "\n": " ",
        "\r": " ",
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u2010": "-",
        "\u2011": "-",
    }
)


def _normalise(text: str) -> str:
    return text.translate(_NORMALISE)


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    # A few characters lowercase to two ("İ"); keep those as they are to keep offsets.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # kana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= o <= 0xD7AF  # hangul
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
    )


def _is_word(ch: str) -> bool:
    return ch == "_" or (ch.isalnum() and not _is_cjk(ch))


class Tagger:
    """Finds watchlist mentions in text. Picklable: the automaton is rebuilt after unpickling."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self._kind = {e.id: e.kind for e in watchlist.entities}
        self._automaton = self._build()

    def __getstate__(self) -> dict[str, Any]:
        return {"watchlist": self.watchlist}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["watchlist"])  # type: ignore[misc]  # rebuild the automaton

    def _build(self) -> Any:
        automaton = ahocorasick.Automaton()
        payloads: dict[str, list[tuple[int, str, str, bool]]] = {}
        for e in self.watchlist.entities:
            for alias, exact in [(a, True) for a in e.aliases] + [
                (a, False) for a in e.aliases_ignore_case
            ]:
                norm = _normalise(alias)
                key = _lower(norm)
                payloads.setdefault(key, []).append((len(key), norm, e.id, exact))
        for key, items in payloads.items():
            automaton.add_word(key, items)
        automaton.make_automaton()
        return automaton

    def tag(self, text: str) -> list[Mention]:
        """Every mention in `text`, in order, longest alias first where they overlap."""
        if not text:
            return []
        norm = _normalise(text)
        candidates: list[tuple[int, int, str]] = []
        for last, items in self._automaton.iter(_lower(norm)):
            for length, alias, entity_id, exact in items:
                start, end = last - length + 1, last + 1
                if exact and norm[start:end] != alias:
                    continue
                if alias[0].isalnum() and start > 0 and _is_word(text[start - 1]):
                    continue
                if alias[-1].isalnum() and end < len(text) and _is_word(text[end]):
                    continue
                candidates.append((start, end, entity_id))
        candidates.sort(key=lambda c: (c[0], c[0] - c[1]))
        mentions: list[Mention] = []
        taken_until = 0
        for start, end, entity_id in candidates:
            if start < taken_until:
                continue
            mentions.append(Mention(entity_id, self._kind[entity_id], text[start:end], start, end))
            taken_until = end
        return mentions

    def counts(self, text: str) -> dict[str, int]:
        return dict(Counter(m.entity for m in self.tag(text)))

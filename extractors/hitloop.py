"""The tagger's two loops that run once per automaton hit and once per mention
(extractors/entities.py): which hits pass their boundary and case checks, and the mentions
of those that are in no `exclude` match or URL.

They are most of the tagger's Python time, so setup.py compiles this file with Cython, when
it can, into extractors._hitloop, some 1.5-2 times faster; this file is both its source and,
where it is not built (no compiler) or older than this file, what runs instead
(extractors/entities.py chooses). Plain Python, same results either way
(tests/test_tagger_equivalence.py runs both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from extractors.records import Mention

if TYPE_CHECKING:  # C types for the compiled build, read by Cython; annotations to Python
    import cython

__all__ = [
    "ASCII_WORD",
    "EXCLUDE_WINDOW",
    "boundaries",
    "is_cjk",
    "is_word",
    "mentions",
    "ruled_out",
    "select",
]

EXCLUDE_WINDOW = 120  # characters around a mention searched for `exclude` patterns

# How a hit on a key is checked (see Tagger._build). One alias per key is the rule; several
# (two entities sharing a name, or one name in both case modes) are tried in order, the first
# that passes wins. _SENSE: a key that is no alias but a word of another sense of an
# ambiguous name ("rainforest"), found in the same pass for extractors/senses_resolver.py.
ANY_CASE, SAME_CASE, FIRST_LETTER, SEVERAL, SENSE = 0, 1, 2, 3, 4

# Next to a mention, these may make it part of a URL, an address or a code name.
URLISH = frozenset("./@:")


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # kana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= o <= 0xD7AF  # hangul
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
    )


def is_word(ch: str) -> bool:
    return ch == "_" or (ch.isalnum() and not is_cjk(ch))


# Word characters below U+0080: a set lookup decides most boundaries without a call.
ASCII_WORD = frozenset(c for c in map(chr, range(128)) if is_word(c))

_new = object.__new__


def boundaries(values: list[tuple[Any, ...]]) -> bytes:
    """For select, each key's checks (left, right, mode, ...) as one byte: 1 for the left
    boundary, 2 for the right, the mode times 4."""
    return bytes(left | right << 1 | mode << 2 for left, right, mode, *_ in values)


def select(
    text: str,
    norm: str,
    hits: list[tuple[int, int, int]],
    values: list[tuple[Any, ...]],
    variant: Callable[[str, str, int, int, str, Any], Any],
    checks: bytes,
) -> tuple[list[int], list[int], list[Any], list[tuple[int, str, str]]]:
    """The hits (key index, start, end: overlapping ones too, by end, and at one end the
    longest first) that pass their checks, leftmost first, the longest where they overlap, as
    their starts, ends and targets (three lists: no tuple per hit for the cyclic garbage
    collector to walk); and the other senses' words found, as (start, key, text). `values`:
    each key's checks (Tagger._build); `variant`: Tagger._variant, for a case-sensitive alias
    in another case; `checks`: for each key, its boundaries and mode as one byte (`boundaries`,
    read before its value is unpacked: nearly half the hits fail a boundary)."""
    n: cython.Py_ssize_t = len(text)
    index: cython.Py_ssize_t
    start: cython.Py_ssize_t
    end: cython.Py_ssize_t
    i: cython.Py_ssize_t
    chosen_end: cython.Py_ssize_t = 0  # end of the last chosen hit
    mode: cython.int
    check: cython.int
    c: cython.Py_UCS4
    # The modes as C ints (a module global is a Python object, looked up at each use).
    any_case: cython.int = ANY_CASE
    same_case: cython.int = SAME_CASE
    first_letter: cython.int = FIRST_LETTER
    several: cython.int = SEVERAL
    sense: cython.int = SENSE
    starts: list[int] = []
    ends: list[int] = []
    targets: list[Any] = []
    senses: list[tuple[int, str, str]] = []
    for index, start, end in hits:
        check = checks[index]
        # The right boundary first: it is what most failing hits fail, a misspelling variant
        # that is the name less its last letter ("anthropi" in "anthropic").
        # A word character: [0-9A-Za-z_] spelt out, which Cython compiles to a switch.
        if check & 2 and end < n:
            c = text[end]
            if c < "\x80":
                if c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz":
                    continue
            elif is_word(c):
                continue
        if check & 1 and start:
            c = text[start - 1]
            if c < "\x80":
                if c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz":
                    continue
            elif is_word(c):
                continue
        mode = check >> 2
        _left, _right, _mode, expect, target, alts = values[index]
        if mode == sense:
            senses.append((start, expect, text[start:end]))
            continue
        if mode == same_case:
            # The slice is the alias's length (lowering keeps lengths): a comparison is
            # cheaper than str.startswith, which parses its arguments each time.
            if norm[start:end] != expect:
                if norm[start] != expect[0] and not norm[start].isupper():
                    continue
                target = variant(text, norm, start, end, expect, target)
                if target is None:
                    continue
        elif mode == first_letter:
            if norm[start] != expect:
                continue  # a misspelling keeps the name's first letter, case included
        elif mode == several:
            target = None
            for alt_mode, alt_expect, alt_target in alts:  # the first that passes wins
                if (
                    alt_mode == any_case
                    or (alt_mode == same_case and norm.startswith(alt_expect, start))
                    or (alt_mode == first_letter and norm[start] == alt_expect)
                ):
                    target = alt_target
                    break
            else:  # none as written: the first case-sensitive one in another case
                for alt_mode, alt_expect, alt_target in alts:
                    if alt_mode == same_case:
                        target = variant(text, norm, start, end, alt_expect, alt_target)
                        if target is not None:
                            break
            if target is None:
                continue
        if start >= chosen_end:
            starts.append(start)
            ends.append(end)
            targets.append(target)
            chosen_end = end
            continue
        # Overlap. Hits arrive by end, so this one ends last: it replaces the chosen hits it
        # overlaps when it starts at or before the first of them (it is then the longest of
        # those that start leftmost), else that first one keeps its place.
        i = len(ends) - 1
        while i > 0 and ends[i - 1] > start:
            i -= 1
        if start <= starts[i]:
            del starts[i:], ends[i:], targets[i:]
            starts.append(start)
            ends.append(end)
            targets.append(target)
            chosen_end = end
    return starts, ends, targets, senses


def mentions(
    text: str,
    low: str,
    starts: list[int],
    ends: list[int],
    targets: list[Any],
    exceptions: bool,
    in_code: Callable[[str, int, int], bool],
) -> tuple[list[Mention], list[int], list[str], list[int]]:
    """The mentions of the chosen hits (select) that are inside no `exclude` match of their
    entity (target[3], an Exclusion) and no URL or code name (`in_code`, asked only where a
    character of URLISH is next to the hit); the indexes of those dropped; and the entity and
    how sure the alias is (target[2]) of every hit, for the resolver. `exceptions`: whether
    the text has a character of disambiguation._CASE_EXCEPTIONS."""
    n: cython.Py_ssize_t = len(text)
    start: cython.Py_ssize_t
    end: cython.Py_ssize_t
    i: cython.Py_ssize_t
    dropped: list[int] = []
    entities: list[str] = []
    hows: list[int] = []
    new = _new
    out: list[Mention] = []
    append = out.append
    for i in range(len(starts)):  # by index: a C loop once compiled
        start = starts[i]
        end = ends[i]
        entity, kind, how, exclude = targets[i]
        entities.append(entity)
        hows.append(how)
        # Exclusion.contains's first test, its gates, is done here (most calls end there).
        if (
            exclude is not None
            and (exceptions or exclude.gates is None or not ruled_out(low, start, end, exclude))
            and exclude.contains(text, low, start, end, exceptions)
        ):
            dropped.append(i)
            continue
        # One of URLISH spelt out, which Cython compiles to a switch. A name that starts a word
        # and ends a sentence ("... with Anthropic. The") is in no URL: in_code need not look.
        if (
            ((start and text[start - 1] in "./@:") or (end < n and text[end] in "./@:"))
            and not (
                (not start or text[start - 1] in " \n\t")
                and text[end] == "."
                and (end + 1 == n or text[end + 1] in " \n")
            )
            and in_code(text, start, end)
        ):
            dropped.append(i)
            continue
        # Mention(...) without its __init__, which goes through object.__setattr__ for each
        # field (the dataclass is frozen): a third of the cost. The fresh instance's own
        # __dict__ is filled in place, cheaper than setting a new one.
        m = new(Mention)
        fields = m.__dict__
        fields["entity"] = entity
        fields["kind"] = kind
        fields["text"] = text[start:end]
        fields["start"] = start
        fields["end"] = end
        append(m)
    return out, dropped, entities, hows


def ruled_out(low: str, start: int, end: int, exclude: Any) -> bool:
    """Whether no pattern of `exclude` (an extractors.disambiguation.Exclusion, with gates)
    can match around start:end, by its gates: the strings each pattern needs, looked for in
    the part of `low` its longest match of the mention could cover. Exclusion.contains asks
    it too (the Python build), for a text without case exceptions."""
    lo: cython.Py_ssize_t = start - EXCLUDE_WINDOW if start > EXCLUDE_WINDOW else 0
    hi: cython.Py_ssize_t = end + EXCLUDE_WINDOW
    a: cython.Py_ssize_t
    b: cython.Py_ssize_t
    width: cython.Py_ssize_t
    for width, sets in exclude.gates:
        a = end - width
        b = start + width
        span = low[a if a > lo else lo : b if b < hi else hi]
        for strings in sets:
            for string in strings:
                if string in span:
                    break
            else:
                break  # a set is missing: this pattern contains no mention here
        else:
            return False  # this pattern may
    return True

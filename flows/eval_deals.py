"""`labwatch eval deals`: the deal finder against a gold set of sentences (tests/data/README.md
describes the format).

What is scored:
- parties: every deal is unfolded into (kind, investor, target) triples with their direction
  (a round into one triple per backer, a joint venture into its partner pairs); precision and
  recall of the triples per kind and overall;
- amounts: of the found deals that match a gold deal, the share whose amount (low, high and
  currency as written) is the gold one, within 0.5 %;
- status, year, qualifier, roles and tranches: agreement on the matched deals, for review.
Every miss and false positive is listed with its sentence.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from extractors.deals import SYMMETRIC, find_deals
from extractors.entities import Tagger
from extractors.errors import GoldError
from extractors.records import Deal, Mention
from extractors.scoring import Counts

Finder = Callable[[str, Sequence[Mention], date | None], list[Deal]]
Triple = tuple[str, str, str]


@dataclass(frozen=True)
class GoldDeal:
    kind: str
    investor: str
    target: str
    amount: float | None = None
    amount_max: float | None = None
    currency: str = "USD"
    qualifier: str = ""
    year: int | None = None
    status: str = "reported"
    roles: tuple[tuple[str, str], ...] = ()
    tranche: bool = False


@dataclass(frozen=True)
class GoldSentence:
    id: str
    split: str
    text: str
    day: date | None
    deals: tuple[GoldDeal, ...]


def load_gold(path: Path) -> list[GoldSentence]:
    """Read a gold JSONL file; a bad line is an error naming the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"cannot read {path}: {exc}") from exc
    out: list[GoldSentence] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            deals = tuple(_gold_deal(d) for d in row.get("deals", []))
            day = date.fromisoformat(row["date"]) if row.get("date") else None
            out.append(GoldSentence(row["id"], row.get("split", ""), row["text"], day, deals))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise GoldError(f"{path}:{n}: {type(exc).__name__}: {exc}") from exc
    if not out:
        raise GoldError(f"{path}: no sentences")
    return out


def _gold_deal(d: dict[str, Any]) -> GoldDeal:
    return GoldDeal(
        kind=d["kind"],
        investor=d["investor"],
        target=d["target"],
        amount=d.get("amount"),
        amount_max=d.get("amount_max", d.get("amount")),
        currency=d.get("currency", "USD"),
        qualifier=d.get("qualifier", ""),
        year=d.get("year"),
        status=d.get("status", "reported"),
        roles=tuple(d.get("roles", {}).items()),
        tranche=d.get("tranche", False),
    )


def triples(
    kind: str, investor: str, target: str, roles: Iterable[tuple[str, str]]
) -> list[tuple[Triple, str]]:
    """A deal as (kind, investor, target) triples with the role of the investor in each."""
    roles = list(roles)
    if kind in SYMMETRIC and roles:
        partners = sorted({e for e, _ in roles} | {investor, target})
        return [
            ((kind, a, b), "partner") for i, a in enumerate(partners) for b in partners[i + 1 :]
        ]
    if roles:
        out = [((kind, e, target), role) for e, role in roles]
        if investor not in dict(roles):
            out.append(((kind, investor, target), ""))
        return out
    return [((kind, investor, target), "")]


@dataclass
class Agreement:
    """Of `total` matched deals, how many agree on one field."""

    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 1.0


@dataclass(frozen=True)
class Error:
    sentence: str  # id
    split: str
    what: str  # "miss" | "false positive" | "amount" | "status" ...
    detail: str
    text: str


@dataclass
class DealScores:
    sentences: int = 0
    kinds: dict[str, Counts] = field(default_factory=dict)
    amounts: dict[str, Agreement] = field(default_factory=dict)  # per kind
    fields: dict[str, Agreement] = field(default_factory=dict)  # status, year, ...
    errors: list[Error] = field(default_factory=list)

    def kind(self, kind: str) -> Counts:
        return self.kinds.setdefault(kind, Counts())

    @property
    def overall(self) -> Counts:
        return Counts(
            sum(k.tp for k in self.kinds.values()),
            sum(k.fp for k in self.kinds.values()),
            sum(k.fn for k in self.kinds.values()),
        )

    @property
    def amount_overall(self) -> Agreement:
        return Agreement(
            sum(a.right for a in self.amounts.values()), sum(a.total for a in self.amounts.values())
        )


def _money(deal: Deal | GoldDeal) -> tuple[float | None, float | None, str]:
    if isinstance(deal, GoldDeal):
        return deal.amount, deal.amount_max, deal.currency if deal.amount is not None else ""
    low = deal.amount if deal.amount is not None else deal.amount_usd
    high = deal.amount_max if deal.amount_max is not None else deal.amount_max_usd
    return low, high, deal.currency if low is not None else ""


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 0.005 * max(abs(a), abs(b))


def amounts_agree(found: Deal, gold: GoldDeal) -> bool:
    f, g = _money(found), _money(gold)
    return _close(f[0], g[0]) and _close(f[1], g[1]) and f[2] == g[2]


def _describe(kind: str, investor: str, target: str, amount: tuple[float | None, float | None, str],
              status: str, roles: Iterable[tuple[str, str]]) -> str:  # fmt: skip
    low, high, cur = amount
    money = "" if low is None else f" {cur} {low:,.0f}" + (f"-{high:,.0f}" if high != low else "")
    role = ", ".join(f"{e}:{r}" for e, r in roles)
    return f"{kind} {investor} -> {target}{money} [{status}]" + (f" ({role})" if role else "")


def _pair_up(found: list[Deal], gold: Sequence[GoldDeal]) -> list[tuple[Deal, GoldDeal]]:
    """Match found deals to gold deals of the same sentence: same kind and a shared triple,
    the main triple and the amount counting most."""
    scored = []
    for i, f in enumerate(found):
        ft = {t for t, _ in triples(f.kind, f.investor, f.target, f.roles)}
        for j, g in enumerate(gold):
            gt = {t for t, _ in triples(g.kind, g.investor, g.target, g.roles)}
            if f.kind != g.kind or not ft & gt:
                continue
            score = 4.0 * ((f.investor, f.target) == (g.investor, g.target))
            score += 2 * amounts_agree(f, g) + (f.status == g.status) + len(ft & gt) / len(ft | gt)
            scored.append((-score, i, j))
    used_f: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, i, j in sorted(scored):
        if i not in used_f and j not in used_g:
            used_f.add(i)
            used_g.add(j)
            out.append((found[i], gold[j]))
    return out


def default_finder(
    tagger: Tagger, learned: bool = False
) -> Callable[[str, date | None], list[Deal]]:
    """The deal finder on each text, with the deal model's deals when `learned`."""

    def find(text: str, day: date | None) -> list[Deal]:
        return find_deals(text, tagger.tag(text), tagger.watchlist.ancestors, day, learned=learned)

    return find


def _score_triples(
    scores: DealScores, s: GoldSentence, found: list[Deal], per_text: bool = False
) -> None:
    got: Counter[Triple] = Counter()
    want: Counter[Triple] = Counter()
    for d in found:
        got.update(t for t, _ in triples(d.kind, d.investor, d.target, d.roles))
    for g in s.deals:
        want.update(t for t, _ in triples(g.kind, g.investor, g.target, g.roles))
    if per_text:  # a whole article's deals: each once, however many sentences state it
        got, want = Counter(set(got)), Counter(set(want))
    for triple in got | want:
        tp = min(got[triple], want[triple])
        k = scores.kind(triple[0])
        k.tp += tp
        k.fp += got[triple] - tp
        k.fn += want[triple] - tp
        for what, n in (("false positive", got[triple] - tp), ("miss", want[triple] - tp)):
            scores.errors += [Error(s.id, s.split, what, " ".join(triple), s.text)] * n


def _field_values(f: Deal, g: GoldDeal) -> dict[str, tuple[object, object]]:
    return {
        "status": (f.status, g.status),
        "year": (f.year, g.year),
        "qualifier": (f.qualifier, g.qualifier),
        "roles": (dict(f.roles), dict(g.roles)),
        "tranche": (f.tranche, g.tranche),
    }


def _score_deal(scores: DealScores, s: GoldSentence, f: Deal, g: GoldDeal) -> None:
    ok = amounts_agree(f, g)
    scores.amounts.setdefault(f.kind, Agreement()).add(ok)
    if not ok:
        found = _describe(f.kind, f.investor, f.target, _money(f), f.status, f.roles)
        gold = _describe(g.kind, g.investor, g.target, _money(g), g.status, g.roles)
        scores.errors.append(Error(s.id, s.split, "amount", f"found {found}; gold {gold}", s.text))
    for name, (mine, theirs) in _field_values(f, g).items():
        scores.fields.setdefault(name, Agreement()).add(mine == theirs)
        if mine != theirs:
            detail = f"{f.kind} {f.investor} -> {f.target}: found {mine!r}, gold {theirs!r}"
            scores.errors.append(Error(s.id, s.split, name, detail, s.text))


def evaluate_deals(
    gold: Sequence[GoldSentence],
    find: Callable[[str, date | None], list[Deal]],
    per_text: bool = False,
) -> DealScores:
    """Score `find` (text, article date -> deals) on the gold sentences. `per_text`: each
    text is a whole article, and a (kind, investor, target) counts once per text, found or
    wanted, however many of its sentences state it (the fields are scored on the best
    pairs, as per sentence)."""
    scores = DealScores()
    for s in gold:
        scores.sentences += 1
        found = find(s.text, s.day)
        _score_triples(scores, s, found, per_text)
        for f, g in _pair_up(found, s.deals):
            _score_deal(scores, s, f, g)
    return scores


def report_rows(scores: DealScores) -> list[list[str]]:
    """The table of `labwatch eval deals`: one row per kind and one for all."""
    rows = []
    for name in sorted(scores.kinds):
        k = scores.kinds[name]
        a = scores.amounts.get(name, Agreement())
        rows.append([name, str(k.tp), str(k.fp), str(k.fn), f"{k.precision:.3f}",
                     f"{k.recall:.3f}", f"{a.right}/{a.total}", f"{a.share:.3f}"])  # fmt: skip
    o, a = scores.overall, scores.amount_overall
    rows.append(["all", str(o.tp), str(o.fp), str(o.fn), f"{o.precision:.3f}",
                 f"{o.recall:.3f}", f"{a.right}/{a.total}", f"{a.share:.3f}"])  # fmt: skip
    return rows


REPORT_COLUMNS = ["kind", "tp", "fp", "fn", "precision", "recall", "amounts", "amount_share"]


def as_json(scores: DealScores) -> dict[str, object]:
    """The scores as plain data, for `--format json`."""
    return {
        "sentences": scores.sentences,
        "kinds": {
            row[0]: dict(zip(REPORT_COLUMNS[1:], row[1:], strict=True))
            for row in report_rows(scores)
        },
        "fields": {k: {"right": a.right, "total": a.total} for k, a in scores.fields.items()},
        "errors": [
            {"id": e.sentence, "split": e.split, "what": e.what, "detail": e.detail, "text": e.text}
            for e in scores.errors
        ],
    }

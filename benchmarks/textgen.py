"""News-like article texts for the benchmark corpus: real prose, watchlist names and deals.

Each article mixes sentences of the two seed articles (real TIME prose), generic business
news with random names and figures, and sentences naming watchlist entities, some of them
deals ("X will invest up to $N billion in Y"). Random names and figures make every text
unique, so no article is a duplicate of another (labwatch would store it as a link).
Deterministic for a given random generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from extractors.records import Watchlist
from extractors.text import sentence_spans
from seeds import EXPECTED_DIR

PEOPLE = (
    "Maria Chen", "David Okafor", "Priya Raman", "Tom Becker", "Lena Novak", "Carlos Ruiz",
    "Aiko Tanaka", "Samuel Price", "Fatima Haddad", "Jonas Weber", "Grace Liu", "Omar Nasser",
    "Elena Petrova", "Ravi Kapoor", "Hannah Scott", "Luca Romano",
)  # fmt: skip
CITIES = (
    "San Francisco", "London", "Paris", "Seattle", "New York", "Berlin", "Tokyo", "Toronto",
    "Singapore", "Austin", "Dublin", "Zurich",
)  # fmt: skip
FIRMS = (
    "Morgan Stanley", "Bernstein", "Gartner", "IDC", "Jefferies", "Evercore", "PitchBook",
    "Synergy Research", "Canalys", "Forrester",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
TOPICS = (
    "data centres", "chips", "model training", "inference", "AI safety", "regulation",
    "cloud contracts", "open-weight models", "enterprise software", "energy supply",
)  # fmt: skip

NEUTRAL = (
    "Analysts at {firm} expect spending on {topic} to reach ${n} billion by {year}.",
    "{person}, who covers {topic} for {firm}, said the market had changed quickly.",
    "The company employs about {k} people, most of them in {city}.",
    "Revenue rose {p} percent in the quarter, according to a filing on {weekday}.",
    "Regulators in {city} have opened an inquiry into {topic}, officials said.",
    "Executives met investors in {city} on {weekday} to discuss plans for {topic}.",
    "Shares rose {p} percent in early trading before giving up most of the gain.",
    "{person} said in an interview that demand for {topic} was still growing.",
    "The deal still needs approval from regulators in {city}, people familiar said.",
    "Costs for {topic} fell by roughly {p} percent last year, {firm} estimates.",
)
MENTIONS = (
    "{person}, a spokesperson for {a}, declined to comment on {topic}.",
    "{a} released a new model on {weekday}, weeks after {b} unveiled its own.",
    "Engineers who left {a} for {b} say the two cultures differ sharply.",
    "{a} and {b} are both racing to secure capacity for {topic}.",
    "Customers of {a} can now use the service in {city}, the company said.",
    "{a} declined to say how much it spends on {topic}.",
)
DEALS = (
    "{inv} will invest up to ${n} billion in {lab}, the companies said on {weekday}.",
    "{inv} invested ${n} million in {lab} in {year}, according to people familiar.",
    "{lab} was acquired by {inv} for a price reportedly near ${n} million.",
    "{cloud} will provide {lab} with computing power under a multiyear agreement.",
    "{lab} offers its models through {cloud}, which hosts them for business customers.",
    "{inv} has partnered with {lab} on {topic}.",
)


@dataclass(frozen=True)
class GeneratedArticle:
    title: str
    author: str
    summary: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@cache
def seed_sentences() -> tuple[str, ...]:
    """Sentences of the seed articles' expected texts: real news prose."""
    out: list[str] = []
    for path in sorted(EXPECTED_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [text[s:e].strip() for s, e in sentence_spans(text)]
    return tuple(s for s in out if len(s) > 40 and "\n" not in s)


def seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(EXPECTED_DIR.glob("*.txt"))]


class TextGenerator:
    """Article texts naming the watchlist's entities, with deals among them."""

    def __init__(self, watchlist: Watchlist, rng: random.Random) -> None:
        self.rng = rng
        names: dict[str, list[str]] = {}
        for e in watchlist.entities:
            # Ambiguous names need context to count; the plain ones keep the counts simple.
            if e.aliases and not set(e.aliases) & set(e.ambiguous):
                names.setdefault(e.kind, []).append(e.aliases[0])
        self.labs = names.get("lab") or ["OpenAI"]
        self.clouds = names.get("cloud") or ["AWS"]
        self.companies = (names.get("company") or []) + self.clouds
        self.everyone = self.labs + self.companies
        self.pool = seed_sentences()

    def _fill(self, template: str, **given: str) -> str:
        r = self.rng
        values = dict(
            firm=r.choice(FIRMS),
            topic=r.choice(TOPICS),
            person=r.choice(PEOPLE),
            city=r.choice(CITIES),
            weekday=r.choice(WEEKDAYS),
            n=r.randint(2, 950),
            k=r.randint(80, 90_000),
            p=r.randint(2, 60),
            year=r.randint(2014, 2030),
            a=r.choice(self.everyone),
            b=r.choice(self.everyone),
            inv=r.choice(self.companies),
            lab=r.choice(self.labs),
            cloud=r.choice(self.clouds),
        )
        return template.format(**(values | given))

    def sentence(self) -> str:
        roll = self.rng.random()
        if roll < 0.55:
            return self.rng.choice(self.pool)
        if roll < 0.80:
            return self._fill(self.rng.choice(NEUTRAL))
        if roll < 0.94:
            return self._fill(self.rng.choice(MENTIONS))
        return self._fill(self.rng.choice(DEALS))

    def article(self, paragraphs: int = 14) -> GeneratedArticle:
        r = self.rng
        a, b = r.sample(self.everyone, 2)
        title = f"{a} and {b}: the race for {r.choice(TOPICS)} moves to {r.choice(CITIES)}"
        lead = self._fill(
            "{city} — {person} said on {weekday} that {a} and {b} would compete on {topic}.",
            a=a,
            b=b,
        )
        body = [lead] + [
            " ".join(self.sentence() for _ in range(r.randint(2, 5)))
            for _ in range(max(1, paragraphs + r.randint(-4, 4)))
        ]
        return GeneratedArticle(
            title=title, author=r.choice(PEOPLE), summary=body[1][:240], paragraphs=tuple(body)
        )

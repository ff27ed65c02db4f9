"""Helpers the tests share (fixtures are in conftest.py)."""

from __future__ import annotations

from seeds import EXPECTED_DIR, SITE_DIR

SEED_SLUGS = ("amazon-anthropic-investment", "ai-labs-big-tech-backers")


def seed_html(slug: str) -> bytes:
    return (SITE_DIR / f"{slug}.html").read_bytes()


def seed_text(slug: str) -> str:
    return (EXPECTED_DIR / f"{slug}.txt").read_text(encoding="utf-8")

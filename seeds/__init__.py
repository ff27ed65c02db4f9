"""Seed data shipped with labwatch: the demo site, expected texts, watchlist and feed list."""

from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent
SITE_DIR = SEEDS_DIR / "site"
EXPECTED_DIR = SEEDS_DIR / "expected"

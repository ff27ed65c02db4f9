"""Analysed batches wait here to be stored together: one store for several batches.

A store has a cost of its own whatever its size: opening the warehouse, the deals ledger's
refresh, the commit and the checkpoint on closing (0.2-0.3 s of CPU at 1M articles). When
the pool is what the run waits for, that cost is taken from the analysis, so batches are
stored `size` articles at a time (flows/settings.py `store_size`). When the run waits on the
network instead, the cores are idle, and what is ready is stored at once (`flush`), so a
slow run's articles reach the warehouse as soon as they are analysed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class StoreGroups(Generic[T]):
    """Batches of `T` waiting for their store; `store` takes them, oldest first."""

    def __init__(self, size: int, store: Callable[[Sequence[T]], None]) -> None:
        self.size = size
        self._store = store
        self._waiting: list[T] = []
        self._articles = 0

    def add(self, batch: T, articles: int) -> None:
        """`batch` of `articles` analysed: stored with those waiting once `size` are."""
        self._waiting.append(batch)
        self._articles += articles
        if self._articles >= self.size:
            self.flush()

    def flush(self) -> None:
        """Store every batch waiting (nothing when none is)."""
        if not self._waiting:
            return
        batches, self._waiting, self._articles = self._waiting, [], 0
        self._store(batches)

    def __bool__(self) -> bool:
        return bool(self._waiting)

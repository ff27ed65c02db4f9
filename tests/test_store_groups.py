"""flows/store_groups.py: analysed batches are stored `size` articles at a time, oldest
first, and all of them when flushed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from flows.store_groups import StoreGroups


def test_batches_wait_until_size_articles_are_ready() -> None:
    stores: list[list[str]] = []

    def store(batches: Sequence[str]) -> None:
        stores.append(list(batches))

    groups = StoreGroups(10, store)
    groups.flush()  # nothing waiting: no store
    assert stores == [] and not groups
    for name in ("a", "b"):
        groups.add(name, 4)
    assert stores == [] and groups  # 8 of 10
    groups.add("c", 4)  # 12: stored, oldest first
    assert stores == [["a", "b", "c"]] and not groups
    groups.add("d", 3)
    groups.flush()  # the run's end, or it waits on the network
    assert stores == [["a", "b", "c"], ["d"]] and not groups
    groups.add("e", 25)  # one batch over the size: stored alone
    assert stores[-1] == ["e"]


def test_a_failed_store_is_not_kept_waiting() -> None:
    def fail(batches: Sequence[str]) -> None:
        raise OSError("disk full")

    groups = StoreGroups(2, fail)
    groups.add("a", 1)
    with pytest.raises(OSError, match="disk full"):
        groups.add("b", 1)
    assert not groups  # the run fails with the error; nothing is stored twice

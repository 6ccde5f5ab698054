"""Tests for Ragged: many small arrays kept as one flat array and their lengths."""

from __future__ import annotations

import numpy as np
import pytest

from dupfind.ragged import Ragged

ITEMS = [[5, 1, 9], [], [9], [2, 5, 7, 11], [], [1]]


def ragged(items: list[list[int]] = ITEMS) -> Ragged:
    return Ragged.of([np.array(item, dtype=np.uint64) for item in items])


def as_lists(value: Ragged) -> list[list[int]]:
    return [item.tolist() for item in value]


def test_items_come_back_as_given() -> None:
    value = ragged()
    assert len(value) == len(ITEMS) and as_lists(value) == ITEMS
    assert value.values.dtype == np.uint64 and value.offsets.tolist() == [0, 3, 3, 4, 8, 8, 9]
    with pytest.raises(TypeError):
        value[1:3]


def test_join_concatenates_items() -> None:
    joined = Ragged.join([ragged(ITEMS[:2]), ragged(ITEMS[2:])])
    assert as_lists(joined) == ITEMS
    assert len(Ragged.join([])) == 0


def test_select_gives_values_and_their_items() -> None:
    values, owners = ragged().select(np.array([3, 1, 0]))
    assert values.tolist() == [2, 5, 7, 11, 5, 1, 9]
    assert owners.tolist() == [3, 3, 3, 3, 0, 0, 0]


@pytest.mark.parametrize("removed", [[], [5], [1, 9], [1, 2, 5, 7, 9, 11], [4, 6]])
def test_without_removes_values_and_keeps_every_item(removed: list[int]) -> None:
    gone = set(removed)
    expected = [[v for v in item if v not in gone] for item in ITEMS]
    result = ragged().without(np.array(removed, dtype=np.uint64))
    assert as_lists(result) == expected
    assert result.lengths.tolist() == [len(item) for item in expected]


def test_without_on_many_values_uses_the_same_rule() -> None:
    rng = np.random.default_rng(3)
    items = [rng.integers(0, 500, size=rng.integers(0, 40)).tolist() for _ in range(20_000)]
    removed = np.unique(rng.integers(0, 500, size=60)).astype(np.uint64)
    result = ragged(items).without(removed)
    gone = set(removed.tolist())
    assert as_lists(result) == [[v for v in item if v not in gone] for item in items]


def test_keep_items_empties_the_others() -> None:
    kept = ragged().keep_items(np.array([True, True, False, True, True, False]))
    assert as_lists(kept) == [[5, 1, 9], [], [], [2, 5, 7, 11], [], []]

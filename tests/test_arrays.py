"""Tests for the numpy helpers that replace slow paths of np.unique and np.isin."""

from __future__ import annotations

import numpy as np
import pytest

from dupfind import arrays
from dupfind.arrays import isin_sorted, sort_stable, unique


@pytest.mark.parametrize("size", [0, 1, 2, 1000])
def test_unique_equals_numpy(size: int) -> None:
    values = np.random.default_rng(size).integers(0, 50, size=size).astype(np.uint64)
    assert unique(values).tolist() == np.unique(values).tolist()


@pytest.mark.parametrize("dtype", [np.uint64, np.int64])
@pytest.mark.parametrize("size", [0, 7, 1 << 16, 300_000])  # both sides of the table path
@pytest.mark.parametrize("members", [0, 1, 40, 5000])
def test_isin_sorted_equals_numpy(dtype: type, size: int, members: int) -> None:
    rng = np.random.default_rng(size + members)
    info = np.iinfo(dtype)
    values = rng.integers(info.min, info.max, size=size, dtype=dtype, endpoint=True)
    chosen = rng.choice(values, size=min(members, size)) if size else values[:0]
    others = rng.integers(info.min, info.max, size=members, dtype=dtype, endpoint=True)
    member_set = np.unique(np.concatenate((chosen, others)))[: members or 0]
    expected = np.isin(values, member_set)
    assert isin_sorted(values, member_set).tolist() == expected.tolist()


def test_isin_sorted_table_catches_values_that_share_low_bits() -> None:
    # Values equal in their low bits pass the table; only the binary search tells them apart.
    members = np.array([1 << 40, 3 << 40], dtype=np.uint64)
    values = np.zeros(arrays._TABLE_MIN_VALUES, dtype=np.uint64)
    values[::3] = 1 << 40
    values[1::3] = 2 << 40  # same low bits as the members, not a member
    found = isin_sorted(values, members)
    assert found.tolist() == (values == (1 << 40)).tolist()


@pytest.mark.parametrize("distinct", [1, 3, 50, 10**6, 2**62])
@pytest.mark.parametrize("size", [0, 1, 2, 17, 5000])
def test_sort_stable_equals_numpys_stable_sort(distinct: int, size: int) -> None:
    rng = np.random.default_rng(distinct % 1000 + size)
    values = rng.integers(0, distinct, size=size).astype(np.uint64)
    expected = np.argsort(values, kind="stable")
    order, ordered = sort_stable(values)
    assert order.tolist() == expected.tolist()
    assert ordered.tolist() == values[expected].tolist()

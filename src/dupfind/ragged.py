"""Many small arrays kept as one flat array and their lengths.

A scan keeps a few dozen hashes per document (its sentences, its lines) for a million
documents: as separate numpy arrays that is three Python objects and a heap allocation each,
several times the data itself. One flat array per kind, with offsets, costs the data alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dupfind.arrays import isin_sorted


class Ragged(Sequence[np.ndarray]):
    """A read-only sequence of 1-d arrays stored flat: ``ragged[i]`` is a view."""

    def __init__(self, values: np.ndarray, lengths: np.ndarray) -> None:
        self.values = values
        self.lengths = lengths.astype(np.int64, copy=False)
        self.offsets = np.concatenate(([0], np.cumsum(self.lengths)))

    @classmethod
    def of(cls, arrays: Sequence[np.ndarray], dtype: type = np.uint64) -> Ragged:
        if isinstance(arrays, Ragged):
            return arrays
        lengths = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
        values = np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.empty(0, dtype)
        return cls(values, lengths)

    @classmethod
    def join(cls, parts: Sequence[Ragged]) -> Ragged:
        if not parts:
            return cls(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64))
        return cls(
            np.concatenate([p.values for p in parts]),
            np.concatenate([p.lengths for p in parts]),
        )

    def __len__(self) -> int:
        return self.lengths.size

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            raise TypeError("Ragged takes integer indexes")
        return self.values[self.offsets[index] : self.offsets[index + 1]]

    def select(self, indexes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values of the given items, concatenated, and each value's item index."""
        lengths = self.lengths[indexes]
        starts = self.offsets[indexes]
        total = int(lengths.sum())
        if total == 0:
            return self.values[:0], np.empty(0, dtype=np.int64)
        owners = np.repeat(np.asarray(indexes, dtype=np.int64), lengths)
        inner = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return self.values[np.repeat(starts, lengths) + inner], owners

    def without(self, removed: np.ndarray) -> Ragged:
        """The same items minus the values found in the sorted array ``removed``."""
        if removed.size == 0 or self.values.size == 0:
            return self
        dropped = isin_sorted(self.values, removed)
        # Few values go: count them per item rather than labelling every value with its item.
        where = np.flatnonzero(dropped)
        owners = np.searchsorted(self.offsets, where, side="right") - 1
        lengths = self.lengths - np.bincount(owners, minlength=len(self))
        return Ragged(self.values[~dropped], lengths)

    def keep_items(self, keep: np.ndarray) -> Ragged:
        """The same number of items, those where ``keep`` is false emptied."""
        owners = np.repeat(np.arange(len(self)), self.lengths)
        mask = keep[owners]
        return Ragged(self.values[mask], np.where(keep, self.lengths, 0))

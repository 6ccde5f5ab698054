"""MinHash signatures for many documents at once, bit-compatible with datasketch.

MinHash (Broder, "On the resemblance and containment of documents", 1997) summarises a set by
the minimum of each of ``num_perm`` random permutations of its elements' hashes; the fraction
of equal minima of two signatures estimates the Jaccard similarity of the sets.

We use datasketch's ``affine32`` scheme (its default since 2.0): each 32-bit element hash is
pre-mixed with the MurmurHash3 32-bit finalizer, then permuted as ``a * h + b mod 2^32``, with
``(a, b)`` drawn exactly as ``datasketch.MinHash(num_perm, seed)`` draws them. Signatures made
here are therefore interchangeable with datasketch's: wrap one with
``datasketch.LeanMinHash(MinHash(seed=seed, hashvalues=sig, scheme="affine32"))`` to use
datasketch's LSH structures and storage backends. What is ours is the batching: the shingles
of a whole batch of documents are permuted in one numpy pass and reduced per document with
``np.minimum.reduceat``, instead of one ``MinHash.update_batch`` call per document.

Example::

    >>> import numpy as np
    >>> from dupfind.minhash import Signer
    >>> signer = Signer(num_perm=64)
    >>> sets = [np.array([1, 2, 3], dtype=np.uint64), np.array([1, 2, 4], dtype=np.uint64)]
    >>> sigs = signer.sign(sets)
    >>> sigs.shape
    (2, 64)
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
from datasketch import MinHash

SCHEME = "affine32"
EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # datasketch's initial (empty-set) hash value for affine32
# Shingles per numpy pass: the permuted values (num_perm x this, uint32; 0.9 MB for LSH's 56
# permutations) stay in the L2 cache. Measured: 18 us a document, 24 us at 1 << 14.
_CHUNK_ELEMENTS = 1 << 12


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before the permutations."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def element_hashes32(shingles: np.ndarray) -> np.ndarray:
    """The 32-bit element hash MinHash permutes: the low half of our 64-bit shingle hash."""
    return (shingles & np.uint64(0xFFFFFFFF)).astype(np.uint32)


class Signer:
    """Computes datasketch-compatible MinHash signatures for batches of shingle sets.

    Holds only the permutation parameters, so it is cheap to pickle to worker processes.
    """

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        if num_perm < 1:
            raise ValueError("num_perm must be positive")
        self.num_perm = num_perm
        self.seed = seed
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
        self._a = np.asarray(a, dtype=np.uint32)[:, None]
        self._b = np.asarray(b, dtype=np.uint32)[:, None]

    def prefix(self, permutations: int) -> Signer:
        """A signer of the first ``permutations`` values only: LSH with ``b`` bands of ``r``
        rows reads only the first ``b * r`` values (56 of 128 by default), and the permutation
        step is the costliest of a scan's first pass. Its values equal the full signature's."""
        if not 1 <= permutations <= self.num_perm:
            raise ValueError(f"a prefix must have 1 to {self.num_perm} permutations")
        shorter = copy.copy(self)
        shorter.num_perm = permutations
        shorter._a, shorter._b = self._a[:permutations], self._b[:permutations]
        return shorter

    def sign(self, shingle_sets: Sequence[np.ndarray]) -> np.ndarray:
        """Return a ``(len(shingle_sets), num_perm)`` uint32 array of signatures.

        An empty set gets datasketch's empty signature (all ``0xFFFFFFFF``); callers keep such
        documents out of LSH, where they would all collide.
        """
        count = len(shingle_sets)
        signatures = np.full((count, self.num_perm), EMPTY_VALUE, dtype=np.uint32)
        # One buffer for every chunk's permuted values: a fresh multi-megabyte array per
        # chunk is mapped and faulted in anew by the allocator, which tripled signing time.
        buffer = np.empty((self.num_perm, _CHUNK_ELEMENTS), dtype=np.uint32)
        start = 0
        while start < count:
            # Gather documents until the chunk is full (a single huge document is its own chunk).
            stop, size = start, 0
            while stop < count and (size == 0 or size + len(shingle_sets[stop]) <= _CHUNK_ELEMENTS):
                size += len(shingle_sets[stop])
                stop += 1
            self._sign_chunk(shingle_sets, start, stop, signatures, buffer)
            start = stop
        return signatures

    def _sign_chunk(
        self,
        shingle_sets: Sequence[np.ndarray],
        start: int,
        stop: int,
        out: np.ndarray,
        buffer: np.ndarray,
    ) -> None:
        sets = [shingle_sets[i] for i in range(start, stop)]  # any sequence, e.g. a Ragged
        lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
        nonempty = np.flatnonzero(lengths)
        if nonempty.size == 0:
            return
        elements = np.concatenate([sets[i] for i in nonempty])
        hashed = _fmix32(element_hashes32(elements))
        offsets = np.concatenate(([0], np.cumsum(lengths[nonempty])[:-1]))
        minima = np.full((self.num_perm, nonempty.size), EMPTY_VALUE, dtype=np.uint32)
        # Slice very long documents' elements so the (num_perm x elements) matrix stays bounded.
        for lo in range(0, hashed.size, _CHUNK_ELEMENTS):
            hi = min(lo + _CHUNK_ELEMENTS, hashed.size)
            permuted = buffer[:, : hi - lo]
            with np.errstate(over="ignore"):
                np.multiply(self._a, hashed[lo:hi], out=permuted)
                np.add(permuted, self._b, out=permuted)
            self._reduce_slice(permuted, offsets, lo, hi, minima)
        out[start + nonempty] = minima.T

    @staticmethod
    def _reduce_slice(
        permuted: np.ndarray, offsets: np.ndarray, lo: int, hi: int, minima: np.ndarray
    ) -> None:
        """Fold the minima of columns ``lo:hi`` into each document they belong to."""
        ends = np.append(offsets[1:], np.iinfo(np.int64).max)
        touched = np.flatnonzero((offsets < hi) & (ends > lo))
        starts = np.maximum(offsets[touched], lo) - lo
        partial = np.minimum.reduceat(permuted, starts, axis=1)
        minima[:, touched] = np.minimum(minima[:, touched], partial)

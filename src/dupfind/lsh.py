"""Banded LSH over MinHash signatures, held in compact numpy arrays.

Locality-sensitive hashing for MinHash (Indyk & Motwani 1998; the banding technique of
Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3): cut each signature into
``bands`` bands of ``rows`` values; two documents become a candidate pair when they agree on
every value of at least one band. A pair with Jaccard ``s`` becomes a candidate with
probability ``1 - (1 - s**rows)**bands``, an S-curve whose steep part sits near the threshold
that :func:`optimal_bands` chooses.

Unlike ``datasketch.MinHashLSH``, which keeps a Python dict entry per document and band (about
9 KB per document), the index here is one ``(documents, bands)`` uint64 array of band keys;
candidate pairs come from sorting each band's keys and pairing documents in runs of equal keys.
A run longer than ``window`` (thousands of identical copies) is paired only within ``window``
positions of each other, which keeps the pair count linear while still connecting the run.

Example::

    >>> import numpy as np
    >>> from dupfind.lsh import band_keys, candidate_pairs
    >>> sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 7, 7]], dtype=np.uint32)
    >>> candidate_pairs(band_keys(sigs, bands=2, rows=2)).tolist()
    [[0, 1]]
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from dupfind.arrays import sort_stable, unique

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
DEFAULT_WINDOW = 16
_PARTITION_MIN = 1 << 20  # keys above this many are paired a partition at a time (memory)


def _collision_probability(similarity: np.ndarray, bands: int, rows: int) -> np.ndarray:
    return 1.0 - (1.0 - similarity**rows) ** bands


@lru_cache(maxsize=64)
def optimal_bands(
    threshold: float,
    num_perm: int,
    false_positive_weight: float = 0.5,
    false_negative_weight: float = 0.5,
) -> tuple[int, int]:
    """Return ``(bands, rows)`` minimising the weighted false positive and negative areas.

    The same objective as ``datasketch.MinHashLSH`` (integrals of the S-curve below and
    above the threshold), integrated with the trapezoid rule instead of scipy's ``quad``.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError("LSH threshold must be between 0 and 1")
    below = np.linspace(0.0, threshold, 201)
    above = np.linspace(threshold, 1.0, 201)
    best, best_error = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = np.trapezoid(_collision_probability(below, bands, rows), below)
            false_negative = np.trapezoid(1.0 - _collision_probability(above, bands, rows), above)
            error = false_positive * false_positive_weight + false_negative * false_negative_weight
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Hash each band of each signature to one uint64 key: a ``(documents, bands)`` array."""
    count, num_perm = signatures.shape
    if bands * rows > num_perm:
        raise ValueError(f"{bands} bands x {rows} rows need {bands * rows} permutations")
    values = signatures[:, : bands * rows].astype(np.uint64).reshape(count, bands, rows)
    with np.errstate(over="ignore"):
        keys = np.full((count, bands), np.uint64(0x243F6A8885A308D3), dtype=np.uint64)
        for row in range(rows):
            keys = (keys ^ values[:, :, row]) * _MULTIPLIER
        keys ^= keys >> np.uint64(29)
    return keys


def candidate_pairs(keys: np.ndarray, window: int = DEFAULT_WINDOW, jobs: int = 1) -> np.ndarray:
    """Return the sorted unique ``(i, j)`` pairs, ``i < j``, that share a key in some band.

    Within a run of equal keys, each document is paired with the next ``window`` documents of
    the run (all pairs for runs up to ``window + 1`` long), in document order, so the output is
    deterministic and linear in the number of documents. Bands are sorted on ``jobs`` threads
    (numpy's sorts release the GIL; the keys are shared, not copied).
    """
    count, bands = keys.shape
    owners = np.arange(count, dtype=np.int64)

    def band_pairs(band: int) -> np.ndarray:
        # A contiguous copy of the column: sorting and gathering a strided one is 3x slower.
        return _pair_codes(np.ascontiguousarray(keys[:, band]), owners, count, window)

    return _decode(_map(band_pairs, range(bands), jobs), count)


def pairs_sharing(
    keys: np.ndarray, owners: np.ndarray, count: int, window: int = DEFAULT_WINDOW, jobs: int = 1
) -> np.ndarray:
    """Pairs of owners (``0..count-1``) that share a key, e.g. a verbatim sentence's hash.

    ``keys[i]`` belongs to ``owners[i]``; an owner lists each key once. Same windowing as
    :func:`candidate_pairs`; large inputs are paired a partition at a time, on ``jobs`` threads.
    """
    if keys.size <= _PARTITION_MIN:
        return _decode([_pair_codes(keys, owners.astype(np.int64), count, window)], count)
    # Equal keys fall in one partition, so the union of the partitions' pairs is the same;
    # sorting a partition of about _PARTITION_MIN keys at a time bounds the temporaries.
    bits = min(4, max(3, (keys.size // _PARTITION_MIN).bit_length()))
    part = (keys >> np.uint64(64 - bits)).astype(np.uint8)

    def partition_pairs(number: int) -> np.ndarray:
        chosen = part == number
        return _pair_codes(keys[chosen], owners[chosen].astype(np.int64), count, window)

    return _decode(_map(partition_pairs, range(1 << bits), jobs), count)


def _map(function: Callable[[int], np.ndarray], items: range, jobs: int) -> list[np.ndarray]:
    """``[function(i) for i in items]``, on ``jobs`` threads when more than one."""
    if jobs <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=jobs) as threads:
        return list(threads.map(function, items))


def _pair_codes(keys: np.ndarray, owners: np.ndarray, count: int, window: int) -> np.ndarray:
    """``i * count + j`` codes of the pairs within ``window`` of each other in runs of a key."""
    if owners.size < 2 or bool((owners[1:] >= owners[:-1]).all()):
        order, sorted_keys = sort_stable(keys)  # owners already in order: a cheaper sort
    else:
        order = np.lexsort((owners, keys))
        sorted_keys = keys[order]
    sorted_owners = owners[order]
    codes = []
    for distance in range(1, min(window, keys.size - 1) + 1):
        same = sorted_keys[:-distance] == sorted_keys[distance:]
        if not same.any():
            break
        left, right = sorted_owners[:-distance][same], sorted_owners[distance:][same]
        codes.append(np.minimum(left, right) * count + np.maximum(left, right))
    return np.concatenate(codes) if codes else np.empty(0, dtype=np.int64)


def _decode(found: list[np.ndarray], count: int) -> np.ndarray:
    codes = unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
    return (
        np.stack((codes // count, codes % count), axis=1)
        if codes.size
        else np.empty((0, 2), dtype=np.int64)
    )

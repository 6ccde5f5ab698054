"""Word k-shingles, hashed: the sets that signatures estimate and verification compares.

A document's shingles are its runs of ``k`` consecutive normalized words (see
:mod:`dupfind.normalize`). Each word is hashed once with xxh3-64; the hash of a shingle is a
rolling combination of its words' hashes computed with numpy over the whole document, so there
is no Python loop per shingle. The result is a sorted array of unique 64-bit hashes, compact
enough to keep for every document and to intersect exactly in verification.

A document with fewer than ``k`` words (but at least one) gets one shingle of all its words,
so very short texts still compare with their copies; an empty document has no shingles.

Example::

    >>> from dupfind.shingle import shingle_hashes
    >>> a = shingle_hashes("The port reopened on Monday after a strike", k=5)
    >>> b = shingle_hashes("the port reopened on monday, after a strike!", k=5)
    >>> bool((a == b).all())
    True
"""

from __future__ import annotations

import numpy as np
import xxhash

from dupfind.arrays import unique
from dupfind.normalize import tokenize

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: spreads bits when combining
_EMPTY = np.empty(0, dtype=np.uint64)


def fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: an avalanching bijection, so nearby inputs spread."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> np.uint64(33))


def token_hashes(tokens: list[str]) -> np.ndarray:
    """Hash each token once with xxh3-64 (C code called through ``map``, no Python-level body)."""
    if not tokens:
        return _EMPTY
    encoded = map(str.encode, tokens)
    return np.fromiter(map(xxhash.xxh3_64_intdigest, encoded), dtype=np.uint64, count=len(tokens))


def shingle_windows(hashes: np.ndarray, k: int) -> np.ndarray:
    """The hash of every k-word window, in text order (repeats included), vectorized.

    The combination is order-sensitive (``h = h * M ^ t`` then a finalizer), so "a b c" and
    "c b a" differ, as word shingles must.
    """
    if k < 1:
        raise ValueError("shingle size must be at least 1")
    count = hashes.shape[0]
    if count == 0:
        return _EMPTY
    width = min(k, count)
    windows = count - width + 1
    with np.errstate(over="ignore"):
        combined = hashes[:windows].copy()
        for offset in range(1, width):
            combined *= _MULTIPLIER
            combined ^= hashes[offset : offset + windows]
        return fmix64(combined)


def shingles_from_token_hashes(hashes: np.ndarray, k: int) -> np.ndarray:
    """Combine per-token hashes into sorted unique k-shingle hashes."""
    return unique(shingle_windows(hashes, k))


def shingle_hashes(text: str, k: int = 5) -> np.ndarray:
    """Return the sorted unique hashes of the word k-shingles of ``text``."""
    return shingles_from_token_hashes(token_hashes(tokenize(text)), k)

"""Boilerplate learned from the corpus itself: outlet furniture, found by how it spreads.

Outlets wrap every article in the same lines: "Story continues below advertisement", "Sign up
for our newsletter", "Also read: ...", a disclaimer. Such lines make unrelated articles of one
outlet look alike, and no fixed list can know every outlet's. But they betray themselves:
they recur across many documents that are *not otherwise copies of each other*. A wire
paragraph recurs too, but only inside its story's cluster.

So a line or sentence (a *unit*, see :mod:`dupfind.features`) seen in at least
``min_spread`` documents is boilerplate when either

* those documents fall into at least ``min_spread`` different clusters of a first clustering
  of the full texts (a singleton counts as its own cluster); or
* those documents are, on average, mostly text of their own (at least ``own_share`` of their
  words in units no other document has). This catches furniture heavy enough to make its
  articles look like copies in the first clustering: a wire paragraph's documents are copies
  and share most of their words, an outlet's articles share only the furniture.

Left out of shingling, such units can no longer link articles; the diff view still shows
them, marked.

The learned set is a sorted array of unit hashes, small enough to store with an index so that
later checks against it leave out the same furniture.

Example::

    >>> import numpy as np
    >>> units = [np.array([1, 7], dtype=np.uint64), np.array([2, 7], dtype=np.uint64),
    ...          np.array([3, 7], dtype=np.uint64)]
    >>> words = [np.array([40, 3], dtype=np.uint32)] * 3
    >>> learn(units, words, components=[0, 1, 2], min_spread=3).tolist()
    [7]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dupfind.arrays import unique
from dupfind.ragged import Ragged

DEFAULT_MIN_SPREAD = 5
DEFAULT_OWN_SHARE = 0.6


def learn(
    units: Sequence[np.ndarray],
    unit_words: Sequence[np.ndarray],
    components: Sequence[int],
    min_spread: int = DEFAULT_MIN_SPREAD,
    own_share: float = DEFAULT_OWN_SHARE,
) -> np.ndarray:
    """The boilerplate units of a corpus (see the module docstring), as a sorted array.

    ``units[i]`` holds document ``i``'s unique unit hashes and ``unit_words[i]`` their lengths;
    ``components[i]`` is its cluster number from a first clustering. Vectorized: a few sorts.
    """
    if not len(units):
        return np.empty(0, dtype=np.uint64)
    flat_units = Ragged.of(units)
    if flat_units.values.size == 0:
        return np.empty(0, dtype=np.uint64)
    documents = len(units)
    words = Ragged.of(unit_words, np.uint32).values
    owners = np.repeat(np.arange(documents, dtype=np.int32), flat_units.lengths)
    # Occurrences sorted by unit: runs of one unit. Kept small (a million documents carry
    # tens of millions of units): one argsort, then only the frequent units' occurrences.
    order = np.argsort(flat_units.values)
    ordered = flat_units.values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    run_lengths = np.diff(np.append(starts, ordered.size))

    # Share of each document's words that are in units of its own.
    single = order[np.repeat(run_lengths == 1, run_lengths)]
    own = np.bincount(owners[single], weights=words[single], minlength=documents).astype(float)
    total = np.bincount(owners, weights=words, minlength=documents).astype(float)
    own_fraction = np.divide(own, total, out=np.zeros_like(own), where=total > 0)
    del single

    frequent = np.flatnonzero(run_lengths >= min_spread)
    if frequent.size == 0:
        return np.empty(0, dtype=np.uint64)
    values, frequency = ordered[starts[frequent]], run_lengths[frequent]
    inner = np.arange(int(frequency.sum())) - np.repeat(np.cumsum(frequency) - frequency, frequency)
    holders = owners[order[np.repeat(starts[frequent], frequency) + inner]]
    unit = np.repeat(np.arange(frequent.size, dtype=np.int64), frequency)
    mean_own = np.bincount(unit, weights=own_fraction[holders]) / frequency

    # Distinct first-pass clusters among the documents of each unit.
    cluster = np.asarray(components, dtype=np.int64)[holders]
    clusters = int(cluster.max()) + 1
    distinct = unique(unit * clusters + cluster)  # (unit, cluster) codes
    spread = np.bincount(distinct // clusters, minlength=values.size)
    return values[(spread >= min_spread) | (mean_own >= own_share)]

"""Exact verification of candidate pairs: the decision that two documents are copies.

LSH only proposes candidates from estimated similarity; every candidate is checked here on
the exact shingle sets, so a hash-band collision never merges two articles. Two scores:

* Jaccard ``|A ∩ B| / |A ∪ B|``: how much of both texts is common;
* containment ``|A ∩ B| / min(|A|, |B|)``: how much of the shorter text is found in the
  longer. A trimmed copy, or one padded with an outlet's own paragraphs, keeps a high
  containment while its Jaccard falls: real syndicated copies need both.

A pair is a duplicate when ``jaccard >= jaccard_threshold``, or when
``containment >= containment_threshold`` and the texts share at least
``min_shared_shingles`` shingles (so a one-line text inside a long one is not a "copy").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PairScores:
    """Exact similarity of two shingle sets."""

    shared: int
    jaccard: float
    containment: float

    @classmethod
    def of(cls, left: np.ndarray, right: np.ndarray) -> PairScores:
        """Score two sorted arrays of unique shingle hashes."""
        if left.size == 0 or right.size == 0:
            return cls(shared=0, jaccard=0.0, containment=0.0)
        shared = int(np.intersect1d(left, right, assume_unique=True).size)
        union = left.size + right.size - shared
        return cls(
            shared=shared,
            jaccard=shared / union,
            containment=shared / min(left.size, right.size),
        )


@dataclass(frozen=True)
class DecisionRule:
    """When a verified pair counts as a copy (see the module docstring)."""

    jaccard_threshold: float
    containment_threshold: float
    min_shared_shingles: int

    def accepts(self, scores: PairScores) -> bool:
        if scores.shared == 0:
            return False
        if scores.jaccard >= self.jaccard_threshold:
            return True
        return (
            scores.containment >= self.containment_threshold
            and scores.shared >= self.min_shared_shingles
        )


def verify_pairs(
    pairs: np.ndarray, shingle_sets: list[np.ndarray], rule: DecisionRule
) -> list[tuple[int, int, PairScores]]:
    """Return the candidate pairs that the rule accepts, with their exact scores, in order."""
    accepted = []
    for left, right in pairs.tolist():
        scores = PairScores.of(shingle_sets[left], shingle_sets[right])
        if rule.accepts(scores):
            accepted.append((left, right, scores))
    return accepted

"""Exact verification of a candidate pair: the evidence that two documents are copies.

LSH and shared sentences only propose candidates; every candidate is checked here on the
documents' exact features (:mod:`dupfind.features`). Whole-document Jaccard alone cannot
tell a syndicated copy from a rewrite: real copies of one report share only a third of their
shingles, while an article that carries three paragraphs of another report shares as much.
So the evidence is what a person would look at:

* **overlap**: Jaccard ``|A ∩ B| / |A ∪ B|``, containment ``|A ∩ B| / min(|A|, |B|)`` (a trimmed
  or padded copy keeps a high containment while its Jaccard falls), and the number of verbatim
  sentences of six words or more the two share (a rewrite of the same event shares none);
* **alignment**: outlets keep a report's lead and cut from the bottom, so in two copies the
  shared text starts near the top of *both* (after at most a new headline, byline or dateline:
  15 words or 20% of the text, at most 300). Paragraphs of another report carried in the
  middle of an article start far down in it;
* **spread**: the shared text covers at least three of the four quarters of the shorter
  document (two when they share three verbatim sentences or more), not only a block of site
  furniture at its top or bottom;
* **coherence**: when both texts open with words the other does not share (two headlines), the
  words of one headline appear somewhere in the other text. Scraper junk (a cookie wall, a
  paywall) served under two unrelated headlines fails this.

The **decision rule**: incoherent pairs are never copies; near-identical texts (Jaccard >=
``identical``) are. Otherwise a
pair is a copy when it is aligned (unless ``require_alignment`` is off, for text reuse that is
not syndication: a quotation lifted from the middle of a source), spread and coherent, and its
overlap is enough: Jaccard >=
``jaccard_threshold``, or containment >= ``containment_threshold`` with at least
``min_shared_shingles`` shared shingles, or at least ``min_shared_sentences`` shared sentences
with containment >= ``sentence_containment``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dupfind.features import Features, head_length, quarter_counts

SPREAD_MIN_SHARE = 0.1  # of a quarter's shingles shared, for the quarter to count
#: Below this containment no rule can accept a pair (thresholds are at least this), so
#: alignment, spread and coherence are not computed: most candidates stop here, cheaply.
MIN_EXAMINED_CONTAINMENT = 0.1


@dataclass(frozen=True)
class Evidence:
    """Exact comparison of two documents' features."""

    shared: int
    jaccard: float
    containment: float
    shared_sentences: int = 0
    aligned: bool = False
    spread: int = 0
    coherent: bool = True
    words: int | None = None  # of the shorter text, boilerplate left out (None: not known)

    @classmethod
    def of(cls, left: Features, right: Features) -> Evidence:
        words = min(left.words, right.words)
        if left.shingles.size == 0 or right.shingles.size == 0:
            return cls(shared=0, jaccard=0.0, containment=0.0, words=words)
        left_index, right_index = _common(left.shingles, right.shingles)
        shared = int(left_index.size)
        if shared == 0:
            return cls(shared=0, jaccard=0.0, containment=0.0, words=words)
        union = left.shingles.size + right.shingles.size - shared
        containment = shared / min(left.shingles.size, right.shingles.size)
        if containment < MIN_EXAMINED_CONTAINMENT:
            return cls(shared, shared / union, containment, words=words)
        left_start = int(left.first_window[left_index].min())
        right_start = int(right.first_window[right_index].min())
        shorter, shorter_index = (
            (left, left_index) if left.windows <= right.windows else (right, right_index)
        )
        return cls(
            shared=shared,
            jaccard=shared / union,
            containment=containment,
            shared_sentences=int(_common(left.sentences, right.sentences)[0].size),
            aligned=left_start <= head_length(left.windows)
            and right_start <= head_length(right.windows),
            spread=_spread(shorter, shorter.first_window[shorter_index]),
            coherent=_coherent(left, left_start, right) or _coherent(right, right_start, left),
            words=words,
        )


def _common(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the values two sorted arrays of distinct values share sit in each of them.

    ``np.intersect1d(..., return_indices=True)`` for this case: one binary search of the
    shorter array's values in the longer, instead of a merge sort of both (3x faster on the
    ~700 shingles of an article, and verification runs it for every candidate pair).
    """
    if left.size > right.size:
        right_index, left_index = _common(right, left)
        return left_index, right_index
    if left.size == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    # Array methods, not np.* functions: this runs ~200,000 times a 100k-document scan, and
    # the function wrappers cost as much as the search.
    slots = right.searchsorted(left)
    np.minimum(slots, right.size - 1, out=slots)
    hit = right[slots] == left
    return hit.nonzero()[0], slots[hit]


def _spread(document: Features, shared_positions: np.ndarray) -> int:
    """In how many quarters of ``document`` at least a tenth of the shingles are shared."""
    if document.windows == 0:
        return 0
    shared_counts = quarter_counts(shared_positions, document.windows).tolist()
    return sum(
        1
        for shared, total in zip(shared_counts, document.quarter_counts.tolist(), strict=True)
        if total and shared / total >= SPREAD_MIN_SHARE
    )


def _coherent(document: Features, start: int, other: Features) -> bool:
    """True unless ``document`` opens with content words that ``other`` never uses."""
    head = document.head[:start]
    head = head[head != 0]
    if head.size == 0:
        return True
    vocabulary = other.vocabulary
    if vocabulary.size == 0:
        return False
    slots = vocabulary.searchsorted(head)
    np.minimum(slots, vocabulary.size - 1, out=slots)
    return bool((vocabulary[slots] == head).any())


@dataclass(frozen=True)
class DecisionRule:
    """When verified evidence makes two documents copies (see the module docstring)."""

    jaccard_threshold: float = 0.2
    containment_threshold: float = 0.35
    min_shared_shingles: int = 20
    min_shared_sentences: int = 2
    sentence_containment: float = 0.15
    identical: float = 0.9
    min_spread: int = 3
    require_alignment: bool = True
    #: Verbatim shared sentences that let the shared text cover only half the shorter text:
    #: a copy trimmed to the wire's first sentences, padded with as much text of its own.
    sentences_for_half_spread: int = 3
    #: Shorter texts (boilerplate left out) are never copies: captcha pages, cookie walls.
    min_words: int = 0

    def accepts(self, evidence: Evidence) -> bool:
        if evidence.shared == 0 or not evidence.coherent:
            return False
        if evidence.words is not None and evidence.words < self.min_words:
            return False
        if evidence.jaccard >= self.identical:
            return True
        spread = evidence.spread >= self.min_spread or (
            evidence.shared_sentences >= self.sentences_for_half_spread
            and evidence.spread >= min(self.min_spread, 2)
        )
        if not (spread and (evidence.aligned or not self.require_alignment)):
            return False
        return (
            evidence.jaccard >= self.jaccard_threshold
            or (
                evidence.containment >= self.containment_threshold
                and evidence.shared >= self.min_shared_shingles
            )
            or (
                evidence.shared_sentences >= self.min_shared_sentences
                and evidence.containment >= self.sentence_containment
            )
        )

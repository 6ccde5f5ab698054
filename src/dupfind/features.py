"""Per-document features: everything verification needs, computed once, without the text.

One pass over a document's normalized words yields:

* ``shingles``: sorted unique 64-bit hashes of its word k-shingles (see :mod:`dupfind.shingle`),
  with ``first_window``, the position of each shingle's first occurrence. Positions tell a copy
  (the shared text starts at the top of both articles, as outlets keep a report's lead and trim
  its end) from an article that carries another report's paragraphs in its middle.
* ``sentences``: hashes of its sentences of at least :data:`SENTENCE_MIN_WORDS` words, the
  verbatim passages that a copy keeps and a rewrite of the same event does not.
* ``units`` and ``unit_words``: hashes of its lines and sentences and their lengths in words,
  counted across the corpus to learn boilerplate (:mod:`dupfind.boilerplate`).
* ``vocabulary`` and ``head``: its longer words, and the words it starts with, to check that
  two texts which share a block after different headlines speak of the same thing.

Features are computed a batch at a time (:func:`extract_batch`, :func:`sketch_batch`): the
batch is tokenized in one go (:mod:`dupfind.tokens`), lines, sentences and shingle windows of
all its documents are hashed in the same numpy passes, and only the per-document sorts run one
document at a time. :func:`_tokens` is the definition those passes reproduce, one document
with regexes; the tests hold the batch code to it.

Lines and sentences listed in ``boilerplate`` are left out before shingling, so outlet
furniture ("Story continues below advertisement") never makes two articles look alike.
Sentences end at ``. ! ?`` (and their Chinese, Arabic and Devanagari forms) or at a blank line;
a single line break does not end one, so re-wrapped copies give the same sentences.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from dupfind.arrays import isin_sorted, unique
from dupfind.normalize import SPACED_TOKEN, TOKEN, needs_full_tokenizer, prepare
from dupfind.ragged import Ragged
from dupfind.shingle import fmix64, shingle_windows, token_hashes
from dupfind.tokens import TokenBatch, tokenize_batch

SENTENCE_MIN_WORDS = 6
CONTENT_WORD_MIN_CHARS = 4  # words this long carry meaning in most spaced scripts
HEAD_MIN_WORDS = 15  # the head a pair may differ by is at least this long (see verify.py)
HEAD_FRACTION = 0.2
# No headline, byline and dateline block is longer than this: without a cap, 20% of a 50 MB
# dump would let a copy of an article from its middle count as starting "at the top".
HEAD_MAX_WORDS = 300
QUARTERS = 4  # parts of a text whose coverage verification counts (its spread)

# One regex pass yields words, line breaks and sentence stops (a stop followed by at most two
# closing quotes or brackets and then a space or the end; the Chinese full stop needs none).
_STOP = r"[.!?\u061f\u0964][\"')\]]{0,2}(?=\s|$)|\u3002"
# Stops and line breaks become one-character markers that no word contains, so that after one
# findall, numpy can tell words from markers without a Python loop over the items.
_STOP_MARK, _LINE_MARK = "\x01", "\x02"
_STOPS_TO_MARK = re.compile(_STOP)
_SEGMENTS_PLAIN = re.compile(rf"{SPACED_TOKEN}|[{_STOP_MARK}{_LINE_MARK}]")
_SEGMENTS_FULL = re.compile(rf"{TOKEN}|[{_STOP_MARK}{_LINE_MARK}]")

_UNIT_MULTIPLIER = np.uint64(0x100000001B3)  # FNV prime: odd, so the powers never vanish
_POWERS = np.cumprod(np.full(4096, _UNIT_MULTIPLIER, dtype=np.uint64), dtype=np.uint64)
_EMPTY = np.empty(0, dtype=np.uint64)
_NO_WINDOWS = np.empty(0, dtype=np.uint32)


def head_length(windows: int) -> int:
    """How many leading words two copies may differ by (a new headline, byline, dateline)."""
    return max(HEAD_MIN_WORDS, min(HEAD_MAX_WORDS, int(HEAD_FRACTION * windows)))


@dataclass(frozen=True)
class Features:
    """What a scan keeps of one document (no text)."""

    shingles: np.ndarray
    first_window: np.ndarray
    windows: int
    sentences: np.ndarray
    units: np.ndarray
    unit_words: np.ndarray
    vocabulary: np.ndarray
    head: np.ndarray
    words: int

    @cached_property
    def quarter_counts(self) -> np.ndarray:
        """Distinct shingles first seen in each quarter of the text; verification compares
        every pair's shared shingles to them, so they are counted once per document."""
        return quarter_counts(self.first_window, self.windows)

    @property
    def nbytes(self) -> int:
        arrays = (self.shingles, self.first_window, self.sentences, self.units, self.unit_words)
        return sum(a.nbytes for a in (*arrays, self.vocabulary, self.head))


def quarter_counts(positions: np.ndarray, windows: int) -> np.ndarray:
    """How many window ``positions`` (each below ``windows``) fall in each quarter of a text.

    Equals ``np.histogram(positions, bins=np.linspace(0, windows, QUARTERS + 1))[0]``: those
    edges are exact in floating point, so a position's bin is ``QUARTERS * position //
    windows``, one integer pass instead of histogram's checks (~20 us a call).
    """
    bins = positions.astype(np.int64) * QUARTERS // max(windows, 1)
    return np.bincount(bins, minlength=QUARTERS)[:QUARTERS]


def _powers(count: int) -> np.ndarray:
    if count <= _POWERS.size:
        return _POWERS[:count]
    return np.cumprod(np.full(count, _UNIT_MULTIPLIER, dtype=np.uint64), dtype=np.uint64)


def segment_hashes(hashes: np.ndarray, segment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hash each run of equal ``segment`` ids over the word hashes in it, in order.

    A polynomial hash (sum of word hash times a power of an odd constant by position in the
    run, wrapping at 2**64, then a finalizer), computed with ``np.add.reduceat`` over the
    whole document: no Python loop per line or sentence. Returns the hashes and run lengths.
    """
    if hashes.size == 0:
        return _EMPTY, np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], segment[1:] != segment[:-1])))
    lengths = np.diff(np.append(starts, hashes.size))
    offset = np.arange(hashes.size) - np.repeat(starts, lengths)
    with np.errstate(over="ignore"):
        weighted = hashes * _powers(int(offset.max()) + 1)[offset]
        return fmix64(np.add.reduceat(weighted, starts)), lengths


def unit_hash(words: list[str]) -> int:
    """Hash of a run of normalized words, as lines and sentences are hashed in documents."""
    hashes = token_hashes(words)
    if hashes.size == 0:
        return 0
    return int(segment_hashes(hashes, np.zeros(hashes.size, dtype=np.int64))[0][0])


def _tokens(prepared: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words of prepared text (a numpy string array) with each one's line and sentence number.

    A sentence ends at a stop or at a blank line; a single line break does not end it, so a
    re-wrapped copy has the same sentences. Lines are the text's own lines.
    """
    marked = _STOPS_TO_MARK.sub(f" {_STOP_MARK} ", prepared).replace("\n", f" {_LINE_MARK} ")
    pattern = _SEGMENTS_FULL if needs_full_tokenizer(prepared) else _SEGMENTS_PLAIN
    items = np.array(pattern.findall(marked))
    if items.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return np.empty(0, dtype=str), empty, empty
    newline = items == _LINE_MARK
    stop = items == _STOP_MARK
    is_word = ~(newline | stop)
    blank_line = newline.copy()
    blank_line[1:] &= newline[:-1]
    blank_line[0] = False
    line = np.cumsum(newline)[is_word]
    sentence = np.cumsum(stop | blank_line)[is_word]
    return items[is_word], line, sentence


@dataclass
class SketchBatch:
    """What a streaming first pass needs of a batch of documents, as flat arrays.

    ``windows`` are each document's shingle hashes in text order, repeats kept: enough to
    sign (a MinHash of a multiset is the MinHash of its set), without a sort per document.
    """

    windows: Ragged
    words: np.ndarray
    sentences: Ragged
    units: Ragged
    unit_words: Ragged


def sketch_batch(texts: Sequence[str], shingle_size: int) -> SketchBatch:
    """The cheaper first-pass features of full texts: shingles to sign, sentence hashes for
    candidates, and line and sentence units for boilerplate learning."""
    tokens = tokenize_batch([prepare(text) for text in texts])
    count = len(texts)
    units, unit_words, sentence_hashes, sentence_lengths, sentence_owners = _units(tokens, count)
    long = sentence_lengths >= SENTENCE_MIN_WORDS
    return SketchBatch(
        windows=_window_hashes(tokens.hashes, tokens.offsets, shingle_size),
        words=np.diff(tokens.offsets),
        sentences=_unique_per_document(sentence_hashes[long], sentence_owners[long], count)[0],
        units=units,
        unit_words=unit_words,
    )


def extract(text: str, shingle_size: int, boilerplate: Collection[int] = ()) -> Features:
    """Compute a document's features, leaving out its ``boilerplate`` lines and sentences."""
    return extract_batch([text], shingle_size, boilerplate)[0]


def extract_batch(
    texts: Sequence[str],
    shingle_size: int,
    boilerplate: Collection[int] | np.ndarray = (),
    *,
    units: bool = True,
) -> list[Features]:
    """:func:`extract` for many texts: tokenized and segmented together, in numpy passes over
    the whole batch; only the per-document sorts run one document at a time.

    ``units=False`` leaves ``units`` and ``unit_words`` empty: verifying pairs does not read
    them (only boilerplate learning and the index do), and they cost an eighth of the time.
    """
    tokens = tokenize_batch([prepare(text) for text in texts])
    count = len(texts)
    if units:
        unit_sets, unit_words, sentence_hashes, sentence_lengths, sentence_owners = _units(
            tokens, count
        )
    else:
        sentence_hashes, sentence_lengths, sentence_owners = _segments(
            tokens.hashes, tokens.sentence, tokens.offsets
        )
        unit_sets = Ragged(_EMPTY, np.zeros(count, dtype=np.int64))
        unit_words = Ragged(_NO_WINDOWS, np.zeros(count, dtype=np.int64))
    hashes, lengths, offsets = tokens.hashes, tokens.lengths, tokens.offsets
    if len(boilerplate) and hashes.size:
        known = unique(
            boilerplate.astype(np.uint64)
            if isinstance(boilerplate, np.ndarray)
            else np.fromiter(boilerplate, dtype=np.uint64, count=len(boilerplate))
        )
        line_hashes, line_lengths = segment_hashes(hashes, tokens.line)
        line_dropped = np.repeat(isin_sorted(line_hashes, known), line_lengths)
        sentence_dropped = np.repeat(isin_sorted(sentence_hashes, known), sentence_lengths)
        keep = ~(line_dropped | sentence_dropped)
        if not keep.all():
            owner = np.repeat(np.arange(count), np.diff(offsets))
            hashes, lengths, sentence = hashes[keep], lengths[keep], tokens.sentence[keep]
            offsets = np.concatenate(([0], np.cumsum(np.bincount(owner[keep], minlength=count))))
            sentence_hashes, sentence_lengths, sentence_owners = _segments(
                hashes, sentence, offsets
            )
    long = sentence_lengths >= SENTENCE_MIN_WORDS
    sentences = _unique_per_document(sentence_hashes[long], sentence_owners[long], count)[0]
    windows = _window_hashes(hashes, offsets, shingle_size)
    long_words = lengths >= CONTENT_WORD_MIN_CHARS
    features = []
    for index in range(count):
        start, stop = offsets[index], offsets[index + 1]
        features.append(
            _features(
                hashes[start:stop],
                long_words[start:stop],
                windows[index],
                sentences[index],
                unit_sets[index],
                unit_words[index],
                shingle_size,
            )
        )
    return features


def _segments(
    hashes: np.ndarray, ids: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`segment_hashes` over a batch, with the document each run belongs to."""
    run_hashes, run_lengths = segment_hashes(hashes, ids)
    starts = np.cumsum(run_lengths) - run_lengths
    return run_hashes, run_lengths, np.searchsorted(offsets, starts, side="right") - 1


def _units(
    tokens: TokenBatch, count: int
) -> tuple[Ragged, Ragged, np.ndarray, np.ndarray, np.ndarray]:
    """Each document's unique line and sentence units with their lengths, and the sentences
    of the batch (hashes, lengths, owners)."""
    line_hashes, line_lengths, line_owners = _segments(tokens.hashes, tokens.line, tokens.offsets)
    sentence_hashes, sentence_lengths, sentence_owners = _segments(
        tokens.hashes, tokens.sentence, tokens.offsets
    )
    units, unit_words = _unique_per_document(
        np.concatenate((line_hashes, sentence_hashes)),
        np.concatenate((line_owners, sentence_owners)),
        count,
        np.concatenate((line_lengths, sentence_lengths)).astype(np.uint32),
    )
    assert unit_words is not None
    return units, unit_words, sentence_hashes, sentence_lengths, sentence_owners


def _unique_per_document(
    values: np.ndarray, owners: np.ndarray, count: int, attached: np.ndarray | None = None
) -> tuple[Ragged, Ragged | None]:
    """Each document's sorted distinct values (and the ``attached`` value of each, taken from
    one of its occurrences), from values and their owners, with one sort for the batch."""
    order = np.lexsort((values, owners))
    values, owners = values[order], owners[order]
    keep = np.ones(values.size, dtype=bool)
    keep[1:] = (values[1:] != values[:-1]) | (owners[1:] != owners[:-1])
    lengths = np.bincount(owners[keep], minlength=count)
    extra = None if attached is None else Ragged(attached[order][keep], lengths)
    return Ragged(values[keep], lengths), extra


def _window_hashes(hashes: np.ndarray, offsets: np.ndarray, k: int) -> Ragged:
    """Each document's k-word window hashes in text order (one window of all its words when it
    has fewer than ``k``), computed over the whole batch at once."""
    words = np.diff(offsets)
    counts = np.where(words >= k, words - k + 1, (words > 0).astype(np.int64))
    out = np.empty(int(counts.sum()), dtype=np.uint64)
    out_offsets = np.concatenate(([0], np.cumsum(counts)))
    full = np.flatnonzero(words >= k)
    if full.size:
        every = shingle_windows(hashes, k)  # windows across document ends are never picked
        sizes = counts[full]
        inner = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        out[np.repeat(out_offsets[full], sizes) + inner] = every[
            np.repeat(offsets[full], sizes) + inner
        ]
    for index in np.flatnonzero((words > 0) & (words < k)).tolist():
        out[out_offsets[index]] = shingle_windows(hashes[offsets[index] : offsets[index + 1]], k)[0]
    return Ragged(out, counts)


def _features(
    hashes: np.ndarray,
    long_words: np.ndarray,
    windows: np.ndarray,
    sentences: np.ndarray,
    units: np.ndarray,
    unit_words: np.ndarray,
    shingle_size: int,
) -> Features:
    order = windows.argsort()  # not stable (2x faster); first occurrences come from minima
    ordered = windows[order]
    first_of_run = np.ones(ordered.size, dtype=bool)
    first_of_run[1:] = ordered[1:] != ordered[:-1]
    starts = first_of_run.nonzero()[0]
    head = hashes[: head_length(windows.size) + shingle_size].copy()
    head[~long_words[: head.size]] = 0
    return Features(
        shingles=ordered[starts],
        first_window=(
            np.minimum.reduceat(order, starts).astype(np.uint32) if starts.size else _NO_WINDOWS
        ),
        windows=int(windows.size),
        sentences=sentences,
        units=units,
        unit_words=unit_words,
        vocabulary=unique(hashes[long_words]) if hashes.size else _EMPTY,
        head=head,
        words=int(hashes.size),
    )

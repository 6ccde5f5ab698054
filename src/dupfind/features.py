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

Lines and sentences listed in ``boilerplate`` are left out before shingling, so outlet
furniture ("Story continues below advertisement") never makes two articles look alike.
Sentences end at ``. ! ?`` (and their Chinese, Arabic and Devanagari forms) or at a blank line;
a single line break does not end one, so re-wrapped copies give the same sentences.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from dupfind.arrays import unique
from dupfind.normalize import SPACED_TOKEN, TOKEN, needs_full_tokenizer, prepare
from dupfind.shingle import fmix64, shingle_windows, token_hashes

SENTENCE_MIN_WORDS = 6
CONTENT_WORD_MIN_CHARS = 4  # words this long carry meaning in most spaced scripts
HEAD_MIN_WORDS = 15  # the head a pair may differ by is at least this long (see verify.py)
HEAD_FRACTION = 0.2
# No headline, byline and dateline block is longer than this: without a cap, 20% of a 50 MB
# dump would let a copy of an article from its middle count as starting "at the top".
HEAD_MAX_WORDS = 300

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

    @property
    def nbytes(self) -> int:
        arrays = (self.shingles, self.first_window, self.sentences, self.units, self.unit_words)
        return sum(a.nbytes for a in (*arrays, self.vocabulary, self.head))


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


@dataclass(frozen=True)
class Sketched:
    """The part of a document's features a streaming first pass keeps (see executor.py)."""

    shingles: np.ndarray
    words: int
    sentences: np.ndarray
    units: np.ndarray
    unit_words: np.ndarray


def sketch(text: str, shingle_size: int) -> Sketched:
    """The cheaper first-pass features of a full text: shingles to sign, sentence hashes for
    candidates, and line and sentence units for boilerplate learning."""
    words, line, sentence = _tokens(prepare(text))
    hashes = token_hashes(words.tolist())
    units, unit_words, sentence_hashes, sentence_lengths = _units(hashes, line, sentence)
    return Sketched(
        shingles=unique(shingle_windows(hashes, shingle_size)),
        words=int(words.size),
        sentences=unique(sentence_hashes[sentence_lengths >= SENTENCE_MIN_WORDS]),
        units=units,
        unit_words=unit_words,
    )


def _units(
    hashes: np.ndarray, line: np.ndarray, sentence: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unique line and sentence units with their lengths, and the sentences themselves."""
    line_hashes, line_lengths = segment_hashes(hashes, line)
    sentence_hashes, sentence_lengths = segment_hashes(hashes, sentence)
    units, first = np.unique(np.concatenate((line_hashes, sentence_hashes)), return_index=True)
    unit_words = np.concatenate((line_lengths, sentence_lengths))[first].astype(np.uint32)
    return units, unit_words, sentence_hashes, sentence_lengths


def extract(text: str, shingle_size: int, boilerplate: Collection[int] = ()) -> Features:
    """Compute a document's features, leaving out its ``boilerplate`` lines and sentences."""
    words, line, sentence = _tokens(prepare(text))
    hashes = token_hashes(words.tolist())
    line_hashes, line_lengths = segment_hashes(hashes, line)
    sentence_hashes, sentence_lengths = segment_hashes(hashes, sentence)
    all_units = np.concatenate((line_hashes, sentence_hashes))
    units, first = np.unique(all_units, return_index=True)
    unit_words = np.concatenate((line_lengths, sentence_lengths))[first].astype(np.uint32)

    keep = None
    if boilerplate and hashes.size:
        known = np.fromiter(boilerplate, dtype=np.uint64, count=len(boilerplate))
        line_dropped = np.repeat(np.isin(line_hashes, known), line_lengths)
        sentence_dropped = np.repeat(np.isin(sentence_hashes, known), sentence_lengths)
        keep = ~(line_dropped | sentence_dropped)
        if keep.all():
            keep = None
    if keep is not None:
        words, hashes, sentence = words[keep], hashes[keep], sentence[keep]
        sentence_hashes, sentence_lengths = segment_hashes(hashes, sentence)
    long_sentences = sentence_hashes[sentence_lengths >= SENTENCE_MIN_WORDS]
    return _features(words, hashes, long_sentences, units, unit_words, shingle_size)


def _features(
    words: np.ndarray,
    hashes: np.ndarray,
    sentence_hashes: np.ndarray,
    units: np.ndarray,
    unit_words: np.ndarray,
    shingle_size: int,
) -> Features:
    windows = shingle_windows(hashes, shingle_size)
    shingles, first = np.unique(windows, return_index=True)
    long_words = np.char.str_len(words) >= CONTENT_WORD_MIN_CHARS
    head = hashes[: head_length(windows.size) + shingle_size].copy()
    head[~long_words[: head.size]] = 0
    return Features(
        shingles=shingles,
        first_window=first.astype(np.uint32),
        windows=int(windows.size),
        sentences=unique(sentence_hashes),
        units=units,
        unit_words=unit_words,
        vocabulary=unique(hashes[long_words]) if words.size else _EMPTY,
        head=head,
        words=int(words.size),
    )

"""Batch tokenizer: the words, lines and sentences of many prepared texts at once, with numpy.

:func:`dupfind.features._tokens` followed by :func:`dupfind.shingle.token_hashes` runs two
regexes, builds a numpy string array and calls xxh3 once per word, for every document: about
a third of a millisecond per news article, the hot path of a scan. :func:`tokenize_batch`
gives exactly the same words (their xxh3-64 hashes and lengths) and the same line and sentence
segmentation for a whole batch, with a fixed number of numpy passes over the batch's UTF-8
bytes and no Python loop per word or character.

How:

* The batch is encoded to UTF-8 (``surrogatepass``: a lone surrogate is never in a word, but it
  must not make encoding fail) and joined with one space between documents. The space plays
  the part of the end of a text for the stop lookahead (``$`` in the regex) and is a forced
  line and sentence break, so runs never join across documents.
* Every byte gets the class of its character. ASCII bytes get theirs with arithmetic (faster
  than a table lookup); other characters are decoded from their lead bytes and looked up in a
  code point table filled lazily, 256 code points at a time, for the blocks a batch uses. The
  table is filled by running the very character classes of :data:`dupfind.normalize.TOKEN`
  (and ``\\s``) through :mod:`re`, so "what is a word character" cannot drift from the regex.
* A word is a maximal run of word bytes, or one character of an unspaced script. The regex's
  alternation has one corner case, reproduced exactly: a combining mark inside an unspaced
  range (Thai U+0E31, the kana voicing marks) continues a run that began with a letter or a
  mark outside those ranges, and is a one-character word anywhere else.
* Stops, line breaks and document boundaries are few: their positions are found once, each is
  mapped to the index of the word it comes before (``searchsorted``), and the line and
  sentence ids of all words are runs between those indices (``np.repeat``).
* Word hashes are xxh3-64 computed in numpy (:func:`_xxh3`): a port of the reference
  algorithm's branches for inputs of 1 to 128 bytes (default secret, seed 0), checked against
  :mod:`xxhash` for every length in the tests; longer words, rare, go through :mod:`xxhash`.
  It is exact, so unlike hashing only the unique words under a vectorized key (polynomial key,
  ``np.unique``, xxh3 of each unique word, scatter back) it has no collision risk at all, and
  it is the fastest of the three ways measured on the same word positions of the 4.4 KB news
  benchmark documents (714 words each): 0.02 ms per document, against 0.13 ms for the
  unique-key route (``np.unique`` of the batch's keys dominates) and 0.14 ms for one
  ``xxhash`` call per word through ``map``.
* Work is done in chunks of about :data:`CHUNK_BYTES` bytes of text, and hashing in pieces of
  :data:`_HASH_PIECE` words: chains of numpy operations run much faster on arrays that stay
  in the CPU cache than on arrays of a whole batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import xxhash

from dupfind.normalize import _MARKS, _UNSPACED

#: Texts are processed in chunks of about this many characters (cache-sized numpy arrays).
CHUNK_BYTES = 1 << 18

# Stop characters that end a sentence when followed by at most two closers and whitespace (or
# the end), closers, and the Chinese full stop, which needs nothing after it: see
# dupfind.features._STOP. The markers features._tokens uses are items in their own right
# there: a text that contains one gets a stop or a line break at that place, and so does it
# here. They are repeated, not imported, so that features can import this module; the tests
# check that both agree.
_STOP_MARK, _LINE_MARK = "\x01", "\x02"
STOP_CHARS = ".!?\u061f\u0964"
CLOSERS = "\"')]"
FULL_STOPS = "\u3002" + _STOP_MARK
LINE_BREAKS = "\n" + _LINE_MARK

# Character classes, one bit each.
_WORD = 1  # starts or continues a run: a letter or digit, or a mark, outside unspaced scripts
_UMARK = 2  # a combining mark inside an unspaced range: continues a run, else a word alone
_UNSP = 4  # any other character of an unspaced range: always a word alone
_SPACE = 8  # whitespace, what the stop lookahead needs after a stop
_STOP = 16  # a stop character, a stop if whitespace follows (after at most two closers)
_FULL_STOP = 32  # always a stop
_NEWLINE = 64
_CLOSER = 128
_SINGLE = _UMARK | _UNSP

# The regexes that define each class, run over a block of code points to fill the table.
_CLASSIFIERS = (
    (re.compile(rf"[^\W_{_UNSPACED}]|(?![{_UNSPACED}])[{_MARKS}]"), _WORD),
    (re.compile(rf"(?=[{_UNSPACED}])[{_MARKS}]"), _UMARK),
    (re.compile(rf"(?![{_MARKS}])[{_UNSPACED}]"), _UNSP),
    (re.compile(r"\s"), _SPACE),
    (re.compile(f"[{re.escape(STOP_CHARS)}]"), _STOP),
    (re.compile(f"[{re.escape(FULL_STOPS)}]"), _FULL_STOP),
    (re.compile(f"[{re.escape(LINE_BREAKS)}]"), _NEWLINE),
    (re.compile(f"[{re.escape(CLOSERS)}]"), _CLOSER),
)
_BLOCK_BITS = 8
_CLASSES = np.zeros(0x110000, dtype=np.uint8)  # class of each code point, filled by block
_FILLED = np.zeros(0x110000 >> _BLOCK_BITS, dtype=bool)

# The end of the last text, then room for 8-byte reads past any word and to round the buffer
# up to a multiple of 8 bytes.
_PAD = b" " * 24


@dataclass(frozen=True)
class TokenBatch:
    """The words of a batch of texts, concatenated in order, with their segmentation.

    ``line`` and ``sentence`` are run ids: words of one line (sentence) share an id, ids never
    decrease and always change between documents, so :func:`dupfind.features.segment_hashes`
    can run over the whole batch. Document ``i``'s words are ``offsets[i]:offsets[i + 1]``.
    """

    hashes: np.ndarray
    lengths: np.ndarray
    line: np.ndarray
    sentence: np.ndarray
    offsets: np.ndarray

    def document(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Hashes, lengths, line and sentence ids of one document's words (views)."""
        part = slice(int(self.offsets[index]), int(self.offsets[index + 1]))
        return self.hashes[part], self.lengths[part], self.line[part], self.sentence[part]


def _fill(blocks: np.ndarray) -> None:
    """Classify the code points of the given 256-code-point blocks with the regexes."""
    for block in blocks.tolist():
        base = block << _BLOCK_BITS
        chars = "".join(map(chr, range(base, base + (1 << _BLOCK_BITS))))
        classes = np.zeros(1 << _BLOCK_BITS, dtype=np.uint8)
        for pattern, flag in _CLASSIFIERS:
            classes[[match.start() for match in pattern.finditer(chars)]] |= flag
        _CLASSES[base : base + classes.size] = classes
        _FILLED[block] = True  # set last: another thread reading the table sees it complete


def _classes_of(code_points: np.ndarray) -> np.ndarray:
    """The classes of code points, classifying blocks not seen before."""
    blocks = code_points >> _BLOCK_BITS
    missing = ~_FILLED[blocks]
    if missing.any():
        _fill(np.unique(blocks[missing]))
    return _CLASSES[code_points]


_fill(np.arange(1))  # ASCII and Latin-1
_ASCII_CLASSES = _CLASSES[:256].copy()
_ASCII_CLASSES[128:] = 0  # bytes, not code points: non-ASCII bytes are classified apart


class _Chunk(NamedTuple):
    hashes: np.ndarray
    lengths: np.ndarray
    line: np.ndarray
    sentence: np.ndarray
    offsets: np.ndarray  # relative to the chunk's first word


def tokenize_batch(prepared: Sequence[str]) -> TokenBatch:
    """Words (xxh3-64 hashes, lengths), line and sentence ids of texts already prepared.

    The same as :func:`dupfind.features._tokens` and :func:`dupfind.shingle.token_hashes` on
    each text, for all of them at once (see the module docstring).
    """
    chunks: list[_Chunk] = []
    first_id = 0
    for texts in _chunked(prepared):
        chunk, first_id = _tokenize_chunk(texts, first_id)
        chunks.append(chunk)
    if len(chunks) == 1:
        return TokenBatch(*chunks[0])
    word_base = np.cumsum([0] + [chunk.hashes.size for chunk in chunks[:-1]])
    offsets = [chunk.offsets[1:] + base for chunk, base in zip(chunks, word_base, strict=True)]
    return TokenBatch(
        hashes=np.concatenate([chunk.hashes for chunk in chunks]),
        lengths=np.concatenate([chunk.lengths for chunk in chunks]),
        line=np.concatenate([chunk.line for chunk in chunks]),
        sentence=np.concatenate([chunk.sentence for chunk in chunks]),
        offsets=np.concatenate([np.zeros(1, dtype=np.int64), *offsets]),
    )


def _chunked(prepared: Sequence[str]) -> Iterator[Sequence[str]]:
    """Consecutive runs of texts of about CHUNK_BYTES characters (one run if there are none)."""
    start, size = 0, 0
    for index, text in enumerate(prepared):
        size += len(text) + 1
        if size >= CHUNK_BYTES:
            yield prepared[start : index + 1]
            start, size = index + 1, 0
    if start < len(prepared) or start == 0:
        yield prepared[start:]


def _tokenize_chunk(texts: Sequence[str], first_id: int) -> tuple[_Chunk, int]:
    """Tokenize a few texts, numbering lines and sentences from ``first_id``.

    Returns the chunk and the first id free for the next one.
    """
    encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    # One space before the first text and between texts; the pad ends the last one.
    buffer = b" " + b" ".join(encoded)
    buffer += _PAD[: len(_PAD) - len(buffer) % 8]
    doc_starts = np.empty(sizes.size + 1, dtype=np.int64)
    doc_starts[0] = 0
    np.cumsum(sizes + 1, out=doc_starts[1:])
    doc_starts += 1
    boundaries = doc_starts[1:-1] - 1  # the separators between texts
    data = np.frombuffer(buffer, dtype=np.uint8)

    word = (data - np.uint8(48) < 10) | ((data | np.uint8(32)) - np.uint8(97) < 26)
    if buffer.isascii():
        starts, ends, stops, newlines = _ascii_items(data, word)
        lengths = ends - starts
    else:
        starts, ends, stops, newlines, lengths = _unicode_items(data, word)
    hashes = _xxh3(buffer, starts, ends - starts)

    # Line and sentence numbers: the word index each event comes before, then runs.
    at_newline = np.searchsorted(starts, newlines)
    at_stop = np.searchsorted(starts, stops)
    at_boundary = np.searchsorted(starts, boundaries)
    # A blank line is a line break right after another: no word in between. features also
    # wants no stop in between, and never counts a text's first item; both only drop breaks
    # that a stop or the text boundary already makes before the same word: same runs.
    blank = np.zeros(newlines.size, dtype=bool)
    blank[1:] = at_newline[1:] == at_newline[:-1]
    line_events = np.concatenate((at_newline, at_boundary))
    sentence_events = np.concatenate((at_stop, at_newline[blank], at_boundary))
    chunk = _Chunk(
        hashes=hashes,
        lengths=lengths.astype(np.int32),
        line=_run_ids(line_events, starts.size, first_id),
        sentence=_run_ids(sentence_events, starts.size, first_id),
        offsets=np.searchsorted(starts, doc_starts),
    )
    return chunk, first_id + max(line_events.size, sentence_events.size) + 1


def _run_ids(events: np.ndarray, words: int, first_id: int) -> np.ndarray:
    """Run ids for ``words`` words from ``first_id``, one more after each event.

    ``events`` are the indices of the words the events come before, so ids change exactly
    where an event lies between two words (by as many as there are events there).
    """
    events.sort()
    runs = np.diff(events, prepend=0, append=words)
    return np.repeat(np.arange(first_id, first_id + runs.size, dtype=np.int64), runs)


def _edges(run: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends (exclusive) of the runs of True; the first and last bytes are False."""
    edges = np.flatnonzero(run[1:] != run[:-1]) + 1
    return edges[0::2], edges[1::2]


def _ascii_items(
    data: np.ndarray, word: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Word starts and ends, stop and line break positions of ASCII text."""
    starts, ends = _edges(word)
    # Punctuation and line breaks: the few bytes that are neither word bytes nor spaces.
    marks = np.flatnonzero(~word & (data != 32))
    classes = _ASCII_CLASSES[data[marks]]
    newlines = marks[(classes & _NEWLINE) != 0]
    candidates = marks[(classes & _STOP) != 0]
    stops = candidates[_followed_by_space(data, candidates + 1, None, None)]
    full = marks[(classes & _FULL_STOP) != 0]
    if full.size:
        stops = np.union1d(stops, full)
    return starts, ends, stops, newlines


def _followed_by_space(
    data: np.ndarray,
    after: np.ndarray,
    leads: np.ndarray | None,
    lead_classes: np.ndarray | None,
) -> np.ndarray:
    """Whether what starts at ``after`` is whitespace, after at most two closers.

    The stop lookahead of features._STOP: a stop needs ``\\s`` or the end of the text (the
    separator space) after its closers. Closers are ASCII, one byte each.
    """

    def classes_at(positions: np.ndarray) -> np.ndarray:
        classes = _ASCII_CLASSES[data[positions]]
        if leads is not None and lead_classes is not None:
            multi = np.flatnonzero(data[positions] >= 0xC0)
            if multi.size:
                classes[multi] = lead_classes[np.searchsorted(leads, positions[multi])]
        return classes

    first = classes_at(after)
    ok = (first & _SPACE) != 0
    closer = np.flatnonzero((first & _CLOSER) != 0)
    if closer.size:
        second = classes_at(after[closer] + 1)
        ok[closer] = (second & _SPACE) != 0
        closer2 = closer[(second & _CLOSER) != 0]
        if closer2.size:
            ok[closer2] = (classes_at(after[closer2] + 2) & _SPACE) != 0
    return ok


def _unicode_items(
    data: np.ndarray, word: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Word starts and ends, stops, line breaks and word lengths of text with non-ASCII."""
    leads = np.flatnonzero(data >= 0xC0)  # the first bytes of multi-byte characters
    lead_bytes = data[leads]
    size = (lead_bytes >= 0xE0).astype(np.int32)
    size += lead_bytes >= 0xF0
    size += 2
    lead_classes = _classes_of(_decode(data, leads, lead_bytes, size))
    _set_bytes(word, leads, size, (lead_classes & _WORD) != 0)

    single = (lead_classes & _SINGLE) != 0
    unspaced_marks = np.flatnonzero(lead_classes & _UMARK)
    if unspaced_marks.size:
        joining = unspaced_marks[_joins_run(word, leads[unspaced_marks], size[unspaced_marks])]
        single[joining] = False
        _set_bytes(word, leads[joining], size[joining], None)
    starts, ends = _edges(word)
    lengths = _code_point_lengths(starts, ends, leads, size)
    if single.any():
        starts, ends, lengths = _merge_singles(starts, ends, lengths, leads[single], size[single])

    # Punctuation and line breaks: ASCII bytes that are neither word bytes nor spaces.
    marks = np.flatnonzero(~word & (data != 32) & (data < 0x80))
    classes = _ASCII_CLASSES[data[marks]]
    newlines = marks[(classes & _NEWLINE) != 0]
    ascii_stops = marks[(classes & _STOP) != 0]
    lead_stops = np.flatnonzero((lead_classes & _STOP) != 0)
    candidates = np.concatenate((ascii_stops, leads[lead_stops]))
    after = np.concatenate((ascii_stops + 1, leads[lead_stops] + size[lead_stops]))
    order = np.argsort(candidates, kind="stable")
    candidates, after = candidates[order], after[order]
    stops = candidates[_followed_by_space(data, after, leads, lead_classes)]
    full = np.concatenate(
        (marks[(classes & _FULL_STOP) != 0], leads[(lead_classes & _FULL_STOP) != 0])
    )
    if full.size:
        stops = np.union1d(stops, full)
    return starts, ends, stops, newlines, lengths


def _set_bytes(
    mask: np.ndarray, leads: np.ndarray, size: np.ndarray, chosen: np.ndarray | None
) -> None:
    """Set ``mask`` on every byte of the (chosen) characters starting at ``leads``."""
    if chosen is not None:
        leads, size = leads[chosen], size[chosen]
    mask[leads] = True
    for byte in (1, 2, 3):
        leads, size = leads[size > byte], size[size > byte]
        mask[leads + byte] = True


def _joins_run(word: np.ndarray, at: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Which marks of unspaced scripts (at byte ``at``) continue a run rather than stand alone.

    The regex's run goes on through such a mark, and through a chain of them, only if the
    character before the chain is a run character (``word``, one of its bytes); otherwise the
    regex's first alternative takes each mark as a one-character word.
    """
    follows = np.zeros(at.size, dtype=bool)
    follows[1:] = at[1:] == at[:-1] + size[:-1]  # right after the previous such mark
    chain_start = np.maximum.accumulate(np.where(follows, 0, np.arange(at.size)))
    return word[at[chain_start] - 1]


def _code_point_lengths(
    starts: np.ndarray, ends: np.ndarray, leads: np.ndarray, size: np.ndarray
) -> np.ndarray:
    """Lengths in code points of runs: bytes minus the continuation bytes of their characters.

    A multi-byte character is wholly inside a run or wholly outside it. The cheaper way round
    is chosen: find the run of each such character, or count them before each run's ends.
    """
    lengths = ends - starts
    if leads.size == 0:
        return lengths
    extra = size - 1
    if leads.size <= starts.size:
        owner = np.searchsorted(starts, leads, side="right") - 1
        inside = owner >= 0
        inside[inside] = leads[inside] < ends[owner[inside]]
        lengths -= np.bincount(owner[inside], extra[inside], starts.size).astype(np.int64)
    else:
        before = np.zeros(leads.size + 1, dtype=np.int64)
        np.cumsum(extra, out=before[1:])
        lengths -= before[np.searchsorted(leads, ends)] - before[np.searchsorted(leads, starts)]
    return lengths


def _merge_singles(
    starts: np.ndarray, ends: np.ndarray, lengths: np.ndarray, at: np.ndarray, size: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs and one-character words (at byte ``at``, ``size`` bytes) in text order."""
    starts = np.concatenate((starts, at))
    order = np.argsort(starts, kind="stable")  # two sorted runs: one merge
    ends = np.concatenate((ends, at + size))[order]
    lengths = np.concatenate((lengths, np.ones(at.size, dtype=lengths.dtype)))[order]
    return starts[order], ends, lengths


def _decode(
    data: np.ndarray, leads: np.ndarray, lead_bytes: np.ndarray, size: np.ndarray
) -> np.ndarray:
    """Code points of the multi-byte UTF-8 characters starting at ``leads``.

    All four bytes are read (the buffer is padded), assembled as for a 4-byte character, and
    the bits of bytes past the character's end shifted out.
    """
    value = (lead_bytes & np.right_shift(0x7F, size, dtype=np.int32)) << 18
    for k, shift in ((1, 12), (2, 6), (3, 0)):
        value |= (data[leads + k] & 0x3F).astype(np.int32) << shift
    return value >> 6 * (4 - size)


# --- xxh3-64 in numpy --------------------------------------------------------------------------

# The first 128 bytes of the reference implementation's default secret (XXH3_kSecret).
_SECRET = bytes.fromhex(
    "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f"
    "cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c"
    "3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
    "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364"
)
_U = np.uint64


def _secret64(offset: int) -> np.uint64:
    return _U(int.from_bytes(_SECRET[offset : offset + 8], "little"))


def _secret32(offset: int) -> int:
    return int.from_bytes(_SECRET[offset : offset + 4], "little")


_PRIME64_1 = _U(0x9E3779B185EBCA87)
_PRIME64_2 = _U(0xC2B2AE3D27D4EB4F)
_PRIME64_3 = _U(0x165667B19E3779F9)
_PRIME_MX1 = _U(0x165667919E3779F9)
_PRIME_MX2 = _U(0x9FB21C651E98DF25)
_LOW32 = _U(0xFFFFFFFF)
_FLIP_1TO3 = _U(_secret32(0) ^ _secret32(4))
_FLIP_4TO8 = _secret64(8) ^ _secret64(16)
_FLIP_9TO16 = (_secret64(24) ^ _secret64(32), _secret64(40) ^ _secret64(48))
_MAX_VECTOR_LENGTH = 128
_HASH_PIECE = 1 << 14


def _mul128_fold64(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 128-bit product of ``a`` and ``b``, its high half xor its low half (32-bit limbs)."""
    a_lo, a_hi = a & _LOW32, a >> _U(32)
    b_lo, b_hi = b & _LOW32, b >> _U(32)
    lo_lo = a_lo * b_lo
    hi_lo = a_hi * b_lo
    cross = (lo_lo >> _U(32)) + (hi_lo & _LOW32) + a_lo * b_hi
    upper = (hi_lo >> _U(32)) + (cross >> _U(32)) + a_hi * b_hi
    return upper ^ ((cross << _U(32)) | (lo_lo & _LOW32))


def _avalanche(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U(37))
    h *= _PRIME_MX1
    return h ^ (h >> _U(32))


def _xxh3(buffer: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """xxh3-64 (seed 0) of ``buffer[start:start + length]`` for each word, in numpy.

    The reference algorithm's short-input branches (1-3, 4-8, 9-16 and 17-128 bytes), with
    64-bit reads at any byte offset put together from two aligned words (see :func:`_read`);
    ``buffer`` must extend at least 8 bytes past every word and its size be a multiple of 8.
    Longer words go through :mod:`xxhash`. Words are hashed :data:`_HASH_PIECE` at a time and
    operations are in place where they can be: a chain of some sixty numpy operations runs
    faster on arrays that stay in the CPU cache.
    """
    words = np.frombuffer(buffer, dtype="<u8")
    if not words.flags.aligned:
        words = words.copy()
    out = np.empty(starts.size, dtype=np.uint64)
    for first in range(0, starts.size, _HASH_PIECE):
        part = slice(first, first + _HASH_PIECE)
        _xxh3_piece(buffer, words, starts[part], lengths[part], out[part])
    return out


def _xxh3_piece(
    buffer: bytes, words: np.ndarray, starts: np.ndarray, lengths: np.ndarray, out: np.ndarray
) -> None:
    """:func:`_xxh3` of a few thousand words, written to ``out``."""

    short = (lengths <= 8).nonzero()[0]
    head = _read(words, starts[short])
    size = lengths[short].astype(np.uint64)
    tiny = size < 4
    pick = tiny.nonzero()[0]
    if pick.size:
        out[short[pick]] = _xxh3_1to3(head[pick], size[pick])
    pick = (~tiny).nonzero()[0]
    if pick.size:
        out[short[pick]] = _xxh3_4to8(head[pick], size[pick])

    pick = ((lengths > 8) & (lengths <= 16)).nonzero()[0]
    if pick.size:
        at = starts[pick]
        low = _read(words, at)
        low ^= _FLIP_9TO16[0]
        high = _read(words, at + lengths[pick] - 8)
        high ^= _FLIP_9TO16[1]
        acc = lengths[pick].astype(np.uint64)
        acc += low.byteswap()
        acc += high
        acc += _mul128_fold64(low, high)
        out[pick] = _avalanche(acc)

    pick = ((lengths > 16) & (lengths <= _MAX_VECTOR_LENGTH)).nonzero()[0]
    if pick.size:
        out[pick] = _xxh3_17to128(words, starts[pick], lengths[pick])

    for index in (lengths > _MAX_VECTOR_LENGTH).nonzero()[0].tolist():
        start = int(starts[index])
        out[index] = xxhash.xxh3_64_intdigest(buffer[start : start + int(lengths[index])])


def _read(words: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The little-endian 64-bit values at byte offsets ``at`` of the buffer ``words`` views.

    Two gathers from the aligned view and shifts: gathering from an unaligned strided view
    makes numpy copy the whole view first (eight bytes per byte of text), every time.
    """
    index = at >> 3
    shift = (at & 7).astype(np.uint64)
    shift <<= _U(3)
    value = words[index]
    value >>= shift
    index += 1
    upper = words[index]
    np.subtract(_U(64), shift, out=shift)
    upper <<= shift  # a shift by 64 gives 0 in numpy, as the aligned case needs
    value |= upper
    return value


def _xxh3_1to3(head: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Words of 1 to 3 bytes: first, middle and last byte and the length, then XXH64's mix."""
    middle = size >> _U(1)
    middle <<= _U(3)
    np.right_shift(head, middle, out=middle)
    middle &= _U(0xFF)
    middle <<= _U(24)
    last = size - _U(1)
    last <<= _U(3)
    np.right_shift(head, last, out=last)
    last &= _U(0xFF)
    h = head & _U(0xFF)
    h <<= _U(16)
    h |= middle
    h |= last
    h |= size << _U(8)
    h ^= _FLIP_1TO3
    np.right_shift(h, _U(33), out=last)
    h ^= last
    h *= _PRIME64_2
    np.right_shift(h, _U(29), out=last)
    h ^= last
    h *= _PRIME64_3
    np.right_shift(h, _U(32), out=last)
    h ^= last
    return h


def _xxh3_4to8(head: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Words of 4 to 8 bytes: first and last 4 bytes, then the rrmxmx mix."""
    last = size - _U(4)
    last <<= _U(3)
    np.right_shift(head, last, out=last)
    last &= _LOW32
    h = head << _U(32)  # the first 4 bytes, shifted up
    h += last
    h ^= _FLIP_4TO8
    mix = h << _U(49)  # h ^= rotl(h, 49) ^ rotl(h, 24)
    np.right_shift(h, _U(15), out=last)
    mix |= last
    np.left_shift(h, _U(24), out=last)
    mix ^= last
    np.right_shift(h, _U(40), out=last)
    mix ^= last
    h ^= mix
    h *= _PRIME_MX2
    np.right_shift(h, _U(35), out=mix)
    mix += size
    h ^= mix
    h *= _PRIME_MX2
    np.right_shift(h, _U(28), out=mix)
    h ^= mix
    return h


def _xxh3_17to128(words: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Words of 17 to 128 bytes: pairs of 16-byte mixes from both ends, more for longer ones."""

    def mix16(at: np.ndarray, secret: int) -> np.ndarray:
        low = _read(words, at)
        low ^= _secret64(secret)
        high = _read(words, at + 8)
        high ^= _secret64(secret + 8)
        return _mul128_fold64(low, high)

    acc = lengths.astype(np.uint64) * _PRIME64_1
    acc += mix16(starts, 0)
    acc += mix16(starts + lengths - 16, 16)
    for level in (1, 2, 3):  # more than 32, 64, 96 bytes
        pick = (lengths > 32 * level).nonzero()[0]
        if pick.size == 0:
            break
        at, end = starts[pick], starts[pick] + lengths[pick]
        acc[pick] += mix16(at + 16 * level, 32 * level)
        acc[pick] += mix16(end - 16 * (level + 1), 32 * level + 16)
    return _avalanche(acc)

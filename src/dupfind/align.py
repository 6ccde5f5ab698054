"""Passage alignment: what a syndicated copy kept, changed, added and dropped from its original.

Clustering only says that two articles are near-duplicates. To show *how* a copy differs from
its cluster's canonical member (a trimmed ending, an added paragraph, one corrected figure, a
paragraph moved up) and to tell a copy (long verbatim passages) from a rewrite of the same event
(same facts, no shared sentence), the two texts are aligned passage by passage here.

The passage is the **sentence**: each one carries the index of its paragraph, so a renderer can
collapse "5 shared paragraphs" while an edit inside a paragraph stays one changed sentence.
Every passage keeps character offsets into the *original* texts (``text[start:end]`` is exactly
the passage), so callers can highlight or quote it without re-searching.

Algorithm (both texts are segmented once; the canonical's :class:`Segmented` can be reused for
every member of its cluster):

1. Split into paragraphs (blank lines; a single newline is a re-wrap unless the line lengths say
   it ends a standalone line: headline, "1 min read", one-paragraph-per-line scrapes) and
   paragraphs into sentences (punctuation followed by a non-lowercase start, with the usual
   abbreviations and initials kept inside; ``。！？`` end sentences without a space).
2. Key each sentence by its normalized form (:func:`dupfind.normalize.tokenize`), so quote and
   dash styles, case, punctuation and line wrapping never make two sentences differ.
3. ``difflib.SequenceMatcher`` (autojunk off) over the key sequences gives the in-order matches.
4. Unmatched sentences with equal keys elsewhere are paired out of order (a move), and a
   sentence is paired with two adjacent ones of the other side that join into it (an odd line
   break read as a paragraph break on one side only).
5. Remaining sentences are paired by word similarity (``SequenceMatcher.ratio`` on tokens
   >= :data:`CHANGED_MIN_RATIO`, prefiltered by token-set overlap computed with bit masks and
   preferring the gap between the surrounding in-order matches): these are ``changed`` and
   carry a word diff whose words come from the original texts.
6. A pair is ``moved`` when it is not on the heaviest (in words) order-preserving chain of pairs,
   so a reordered paragraph is one move, not a removal plus an addition.
7. What is left is ``removed`` (canonical only) or ``added`` (copy only).

Cost: segmentation is linear in the text; steps 3-6 work on sentences, not characters, and the
similarity step only compares sentences left unmatched (within a window around their expected
place when there are very many). Aligning two 1,500-word wire copies takes about 5 ms, 3 ms
when the canonical's segmentation is reused.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Hashable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import pairwise
from typing import Any, NamedTuple

from dupfind.normalize import fold, tokenize

SHARED = "shared"
CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"
KINDS = (SHARED, CHANGED, ADDED, REMOVED)

#: Minimum ``SequenceMatcher.ratio`` between the token lists of two sentences to call one an edit
#: of the other (``changed``) rather than a removal plus an addition.
CHANGED_MIN_RATIO = 0.5
#: A shared passage with at least this many words counts as verbatim evidence of copying.
VERBATIM_MIN_WORDS = 6

# Cheap token-set Dice coefficient below which a pair is not worth a SequenceMatcher.
_PREFILTER_DICE = 0.3
# At most this many canonical candidates (best by Dice) are scored per unmatched copy sentence.
_CANDIDATES_PER_SENTENCE = 4
# Preference for a similar sentence found where an in-place edit would be.
_IN_GAP_BONUS = 0.1
# Above this many unmatched (canonical, copy) sentence pairs (long, mostly different texts),
# each copy sentence is compared with a window of canonical sentences around its expected
# place instead of all of them, which keeps the similarity step linear.
_MAX_PAIR_CHECKS = 100_000
_MIN_WINDOW = 20

# --------------------------------------------------------------------------------------------
# Segmentation
# --------------------------------------------------------------------------------------------

# Hard-wrapped text is wrapped at 60-80 columns; lines longer than this are whole paragraphs.
_MAX_WRAP_WIDTH = 100
# Blocks whose longest line is shorter than this are lists of short lines, not wrapped prose.
_MIN_WRAP_WIDTH = 30
_LIST_ITEM = re.compile(r"(?:[-*\u2022\u00b7\u2013\u2014]|\d{1,3}[.)])\s")
_CLOSERS = "\"')]\u201d\u2019\u00bb\u203a\u300d\u300f\uff09"
_SENTENCE_END_CHARS = ".!?\u2026\u3002\uff01\uff1f\u061f\u0964"

# Sentence ends: in spaced scripts the punctuation must be followed by whitespace; the
# ideographic full stop and full-width marks end a sentence with or without a space.
_BOUNDARY = re.compile(
    r"(?P<spaced>[.!?\u2026\u061f\u0964]+[\"')\]\u201d\u2019\u00bb\u203a]*(?=\s))"
    r"|(?P<unspaced>[\u3002\uff01\uff1f]+[\"')\]\u201d\u2019\u300d\u300f\uff09]*)"
)
_NONSPACE = re.compile(r"\S")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # U.S, a.m, e.g, D.C
# Capitalized abbreviations usually followed by a capitalized name or a number.
# fmt: off
_ABBREVIATIONS = frozenset({
    "Mr", "Mrs", "Ms", "Mx", "Dr", "Prof", "Sr", "St", "Mt", "Ft", "Gen", "Gov", "Sen", "Rep",
    "Col", "Lt", "Sgt", "Capt", "Cmdr", "Adm", "Maj", "Rev", "Hon", "Pres", "Supt", "Det",
    "Insp", "Messrs", "Mme", "Mlle", "Msgr", "No", "Nos", "Vol", "Fig", "Art", "Sec", "Ch", "Pt",
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Ave",
    "Blvd",
})
# fmt: on
_LOWER_ABBREVIATIONS = frozenset(["vs", "cf", "approx", "ca", "incl", "esp"])
_CHUNK = re.compile(r"\S+")


class Sentence(NamedTuple):
    """One sentence of a segmented text: its span in the original text and its normalized words."""

    start: int
    end: int
    paragraph: int
    tokens: tuple[str, ...]
    key: str  # the normalized form: tokens joined by single spaces


@dataclass(frozen=True)
class Segmented:
    """A text split into sentences once, so a canonical text is not re-split for every copy."""

    text: str
    sentences: tuple[Sentence, ...]
    paragraphs: int  # number of paragraphs that contain at least one word

    @property
    def words(self) -> int:
        """Number of normalized words in the text (sentences without words are not kept)."""
        return sum(len(s.tokens) for s in self.sentences)


@lru_cache(maxsize=4096)
def _is_unspaced(char: str) -> bool:
    """True for a character of a script written without spaces (each one is a word).

    Asked of the tokenizer itself so that this module never disagrees with it.
    """
    return len(tokenize(char + char)) == 2


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENTENCE_END_CHARS


def _continues(prev: str, nxt: str, prev_indented: bool, next_indented: bool, width: int) -> bool:
    """Whether the newline between two non-blank lines of a block is a re-wrap.

    Otherwise it ends a standalone line (headline, byline, boilerplate, one paragraph per
    line). A wrapped line was broken because the next word did not fit: it is long and adding
    the next line's first word would exceed the block's widest line.
    """
    if next_indented and not prev_indented:
        return False  # first-line indent starts a paragraph
    if _LIST_ITEM.match(nxt):
        return False
    if nxt[0].islower() and not _ends_sentence(prev):
        return True  # a sentence cannot end there
    if not _MIN_WRAP_WIDTH <= width <= _MAX_WRAP_WIDTH:
        return False
    if _is_unspaced(nxt[0]):
        return len(prev) >= width - 2 and not _ends_sentence(prev)
    first_word = len(nxt.split(None, 1)[0])
    return 2 * len(prev) >= width and len(prev) + 1 + first_word > width


def _split_block(text: str, lines: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """Split a block of consecutive non-blank lines into paragraph spans."""
    if len(lines) == 1:
        return [(lines[0][0], lines[0][1])]
    width = max(end - start for start, end, _ in lines)
    spans = []
    para_start = lines[0][0]
    for (ps, pe, pind), (ns, ne, nind) in pairwise(lines):
        if not _continues(text[ps:pe], text[ns:ne], pind, nind, width):
            spans.append((para_start, pe))
            para_start = ns
    spans.append((para_start, lines[-1][1]))
    return spans


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` offsets of the paragraphs of ``text`` (stripped, non-blank)."""
    spans: list[tuple[int, int]] = []
    block: list[tuple[int, int, bool]] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            block.append((pos + lead, pos + lead + len(stripped), lead > 0))
        elif block:
            spans.extend(_split_block(text, block))
            block = []
        pos += len(line) + 1
    if block:
        spans.extend(_split_block(text, block))
    return spans


def _is_abbreviation(text: str, lo: int, dot: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation or initial rather than a sentence."""
    k = dot
    while k > lo and not text[k - 1].isspace():
        k -= 1
    word = text[k:dot].lstrip("(\"'[\u201c\u2018\u00ab")
    if not word:
        return False
    if len(word) == 1:
        return word.isupper()  # an initial: "John F. Kennedy"
    return (
        word in _ABBREVIATIONS
        or word.lower() in _LOWER_ABBREVIATIONS
        or _DOTTED.fullmatch(word) is not None
    )


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` offsets of the sentences of ``text[start:end]``.

    A simple rule-based splitter: good enough because both sides of an alignment are split by
    the same rules, so a copy splits exactly where its original does.
    """
    end = len(text) if end is None else end
    first = _NONSPACE.search(text, start, end)
    if first is None:
        return []
    spans = []
    cur = first.start()
    for m in _BOUNDARY.finditer(text, cur, end):
        nxt_match = _NONSPACE.search(text, m.end(), end)
        if nxt_match is None:
            break
        nxt = nxt_match.start()
        if m.group("spaced") is not None and (
            text[nxt].islower() or (m.group() == "." and _is_abbreviation(text, cur, m.start()))
        ):
            continue
        spans.append((cur, m.end()))
        cur = nxt
    last = end
    while last > cur and text[last - 1].isspace():
        last -= 1
    if last > cur:
        spans.append((cur, last))
    return spans


def segment(text: str) -> Segmented:
    """Split ``text`` into paragraphs and sentences and normalize each sentence.

    Sentences without any word (a ``* * *`` separator) are dropped; paragraph indices count
    only paragraphs that keep a sentence.
    """
    sentences: list[Sentence] = []
    paragraph = 0
    for p_start, p_end in paragraph_spans(text):
        kept = False
        for s_start, s_end in sentence_spans(text, p_start, p_end):
            tokens = tuple(tokenize(text[s_start:s_end]))
            if tokens:
                sentences.append(Sentence(s_start, s_end, paragraph, tokens, " ".join(tokens)))
                kept = True
        paragraph += kept
    return Segmented(text, tuple(sentences), paragraph)


# --------------------------------------------------------------------------------------------
# Word diff
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _chunk_units(chunk: str) -> tuple[tuple[str, Hashable], ...]:
    """Split one whitespace-free chunk into diff units with their comparison keys (cached).

    A chunk is one unit unless it holds characters of a script written without spaces, which
    become one unit each. Keys are the normalized words, or the folded text for punctuation-only
    units, so ``don’t`` and ``don't`` (or ``—`` and ``-``) are the same unit.
    """
    tokens = tokenize(chunk)
    if len(tokens) <= 1 or not any(_is_unspaced(c) for c in chunk):
        return ((chunk, tuple(tokens) if tokens else fold(chunk)),)
    parts: list[str] = []
    buf = ""
    for c in chunk:
        if _is_unspaced(c):
            if buf:
                parts.append(buf)
                buf = ""
            parts.append(c)
        else:
            buf += c
    if buf:
        parts.append(buf)
    units = []
    for part in parts:
        part_tokens = tokenize(part)
        units.append((part, tuple(part_tokens) if part_tokens else fold(part)))
    return tuple(units)


def _units(text: str) -> tuple[list[str], list[Hashable]]:
    """Split a sentence into diff units and their keys.

    Units are shown with a leading space when whitespace preceded them, so joined they give the
    sentence with its whitespace collapsed.
    """
    shown: list[str] = []
    keys: list[Hashable] = []
    for m in _CHUNK.finditer(text):
        lead = " " if m.start() > 0 else ""
        for part, key in _chunk_units(m.group()):
            shown.append(lead + part)
            keys.append(key)
            lead = ""
    return shown, keys


def word_diff(canonical_text: str, copy_text: str) -> tuple[tuple[str, str], ...]:
    """Diff two sentences word by word: ``(op, text)`` with op ``equal``/``delete``/``insert``.

    Words are compared normalized but shown as written: ``equal`` and ``insert`` texts come from
    the copy, ``delete`` texts from the canonical. A text starts with a space when whitespace
    preceded it (on either side, for ``equal``), so joining the ``equal`` and ``insert`` texts
    and stripping gives the copy sentence with its whitespace collapsed, and ``equal`` plus
    ``delete`` the canonical one up to normalization.
    """
    a_shown, a_keys = _units(canonical_text)
    b_shown, b_keys = _units(copy_text)
    ops: list[tuple[str, str]] = []

    def add(op: str, parts: list[str]) -> None:
        if not parts:
            return
        piece = "".join(parts)
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + piece)
        else:
            ops.append((op, piece))

    matcher = SequenceMatcher(None, a_keys, b_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts = b_shown[j1:j2]
            if a_shown[i1].startswith(" ") and not parts[0].startswith(" "):
                parts = [" " + parts[0], *parts[1:]]  # the canonical had a word before it
            add("equal", parts)
        else:
            add("delete", a_shown[i1:i2])
            add("insert", b_shown[j1:j2])
    return tuple(ops)


# --------------------------------------------------------------------------------------------
# Alignment
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """One sentence of the alignment, with where it is in each original text.

    ``canonical_span``/``copy_span`` are offsets into the original texts (``None`` for the side
    that lacks it); ``paragraph`` is the paragraph index on the copy side when the passage is in
    the copy, else on the canonical side. ``moved`` flags a shared or changed passage found out
    of order; ``word_diff`` is set for ``changed`` only (see :func:`word_diff`). A shared
    passage may span two sentences on one side when a line break split a sentence there.
    """

    kind: str
    canonical_text: str | None
    copy_text: str | None
    canonical_span: tuple[int, int] | None
    copy_span: tuple[int, int] | None
    paragraph: int
    words: int  # normalized words, the larger side for ``changed``
    moved: bool = False
    word_diff: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Alignment:
    """A copy aligned against its canonical text, passage by passage.

    ``passages`` are in copy order, with removed passages placed where they were in the
    canonical (before what the copy added in the same place). ``shared_sentences`` and
    ``longest_shared_run`` are the evidence that tells a copy (verbatim passages) from a
    rewrite of the same event (none): the number of shared passages of at least
    :data:`VERBATIM_MIN_WORDS` words, and the words of the longest run of passages that follow
    each other, shared, in both texts.
    """

    passages: tuple[Passage, ...]
    shared_sentences: int
    longest_shared_run: int
    canonical_words: int
    copy_words: int

    def summary(self) -> dict[str, Any]:
        """Passage and word counts per kind, plus the number of moved passages."""
        out: dict[str, Any] = {kind: {"passages": 0, "words": 0} for kind in KINDS}
        moved = 0
        for p in self.passages:
            out[p.kind]["passages"] += 1
            out[p.kind]["words"] += p.words
            moved += p.moved
        out["moved"] = moved
        return out


_UNMATCHED = -1
_ABSORBED = -2  # second half of a sentence split in two, joined to the first


class _Pair(NamedTuple):
    copy: int
    canonical: int


def _order_preserving(pairs: list[_Pair], weights: list[int], n_canonical: int) -> set[int]:
    """Indices of the heaviest chain of pairs increasing in both texts (weighted LIS).

    ``pairs`` are sorted by copy index; a Fenwick tree over canonical indices gives the best
    chain ending below each canonical index in O(log n).
    """
    size = n_canonical
    tree_val = [0] * (size + 1)
    tree_idx = [-1] * (size + 1)
    best = [0] * len(pairs)
    prev = [-1] * len(pairs)
    for k, pair in enumerate(pairs):
        value, back = 0, -1
        x = pair.canonical
        while x > 0:
            if tree_val[x] > value:
                value, back = tree_val[x], tree_idx[x]
            x -= x & -x
        best[k] = value + weights[k]
        prev[k] = back
        x = pair.canonical + 1
        while x <= size:
            if tree_val[x] < best[k]:
                tree_val[x], tree_idx[x] = best[k], k
            x += x & -x
    chain: set[int] = set()
    if pairs:
        k = max(range(len(pairs)), key=best.__getitem__)
        while k >= 0:
            chain.add(k)
            k = prev[k]
    return chain


def _similar_pairs(
    sa: tuple[Sentence, ...],
    sb: tuple[Sentence, ...],
    pair_of_a: list[int],
    pair_of_b: list[int],
    gap: list[tuple[int, int]],
) -> None:
    """Pair unmatched sentences that are edits of each other (greedy, best ratio first).

    ``gap[j]`` is the range of canonical indices (exclusive) between the in-order matches
    around copy sentence ``j``: an edit found there is an in-place edit and preferred.
    """
    ua = [i for i, p in enumerate(pair_of_a) if p == _UNMATCHED]
    ub = [j for j, p in enumerate(pair_of_b) if p == _UNMATCHED]
    if not ua or not ub:
        return
    vocab: dict[str, int] = {}

    def mask(tokens: tuple[str, ...]) -> tuple[int, int]:
        bits = 0
        for t in set(tokens):
            bits |= 1 << vocab.setdefault(t, len(vocab))
        return bits, bits.bit_count()

    masks_a = {i: mask(sa[i].tokens) for i in ua}
    half = None
    if len(ua) * len(ub) > _MAX_PAIR_CHECKS:
        half = max(_MIN_WINDOW, _MAX_PAIR_CHECKS // (2 * len(ub)))
    matcher = SequenceMatcher(None, autojunk=False)
    scored: list[tuple[float, int, int, int]] = []
    for j in ub:
        bits_b, n_b = mask(sb[j].tokens)
        window = ua
        if half is not None:
            lo, hi = gap[j]
            center = min(max(j * len(sa) // len(sb), lo + 1), hi - 1)
            window = ua[bisect_left(ua, center - half) : bisect_right(ua, center + half)]
        candidates = []
        for i in window:
            bits_a, n_a = masks_a[i]
            common = (bits_a & bits_b).bit_count()
            if 2 * common >= _PREFILTER_DICE * (n_a + n_b):
                candidates.append((2 * common / (n_a + n_b), i))
        if not candidates:
            continue
        candidates.sort(reverse=True)
        matcher.set_seq2(sb[j].tokens)
        lo, hi = gap[j]
        for _, i in candidates[:_CANDIDATES_PER_SENTENCE]:
            matcher.set_seq1(sa[i].tokens)
            if matcher.quick_ratio() < CHANGED_MIN_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= CHANGED_MIN_RATIO:
                bonus = _IN_GAP_BONUS if lo < i < hi else 0.0
                scored.append((ratio + bonus, -abs(i - j), i, j))
    scored.sort(reverse=True)
    for _score, _distance, i, j in scored:
        if pair_of_a[i] == _UNMATCHED and pair_of_b[j] == _UNMATCHED:
            pair_of_a[i] = j
            pair_of_b[j] = i


def _split_pairs(
    keys_x: list[str],
    pair_of_x: list[int],
    last_x: list[int],
    keys_y: list[str],
    pair_of_y: list[int],
) -> None:
    """Pair a sentence of side y with two adjacent sentences of side x that join into it.

    A line break read as a paragraph break on one side only (an odd re-wrap) splits one
    sentence in two; joined, the halves are the same passage. The second half is marked
    :data:`_ABSORBED` and ``last_x`` of the first records where the passage ends.
    """
    joined: dict[str, int] = {}
    for k in range(len(keys_x) - 1):
        if pair_of_x[k] == _UNMATCHED and pair_of_x[k + 1] == _UNMATCHED:
            joined.setdefault(f"{keys_x[k]} {keys_x[k + 1]}", k)
    if not joined:
        return
    for m, key in enumerate(keys_y):
        k = joined.get(key, -1) if pair_of_y[m] == _UNMATCHED else -1
        if k >= 0 and pair_of_x[k] == _UNMATCHED and pair_of_x[k + 1] == _UNMATCHED:
            pair_of_x[k] = m
            pair_of_x[k + 1] = _ABSORBED
            last_x[k] = k + 1
            pair_of_y[m] = k


def align(canonical: str | Segmented, copy: str | Segmented) -> Alignment:
    """Align ``copy`` against ``canonical`` and label every sentence (see the module docstring).

    Pass a :class:`Segmented` (from :func:`segment`) to reuse the canonical's segmentation for
    every member of a cluster.
    """
    a = canonical if isinstance(canonical, Segmented) else segment(canonical)
    b = copy if isinstance(copy, Segmented) else segment(copy)
    sa, sb = a.sentences, b.sentences
    # Partner of each sentence (first sentence of the partner passage), or a marker.
    pair_of_a = [_UNMATCHED] * len(sa)
    pair_of_b = [_UNMATCHED] * len(sb)
    # Last sentence of the passage each sentence starts (itself unless a split was joined).
    last_a = list(range(len(sa)))
    last_b = list(range(len(sb)))
    keys_a = [s.key for s in sa]
    keys_b = [s.key for s in sb]

    # 1. In-order matches of identical sentences.
    if keys_a == keys_b:
        blocks = [(0, 0, len(sa))]
    else:
        blocks = SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_matching_blocks()
    for i0, j0, n in blocks:
        for k in range(n):
            pair_of_a[i0 + k] = j0 + k
            pair_of_b[j0 + k] = i0 + k

    if _UNMATCHED in pair_of_a or _UNMATCHED in pair_of_b:
        # Canonical range between the in-order matches around each copy sentence.
        gap = [(-1, len(sa))] * len(sb)
        lo = -1
        for j in range(len(sb)):
            gap[j] = (lo, len(sa))
            if pair_of_b[j] >= 0:
                lo = pair_of_b[j]
        hi = len(sa)
        for j in range(len(sb) - 1, -1, -1):
            gap[j] = (gap[j][0], hi)
            if pair_of_b[j] >= 0:
                hi = pair_of_b[j]
        # 2. Identical sentences out of order, then sentences split in two on one side.
        free: dict[str, list[int]] = {}
        for i, p in enumerate(pair_of_a):
            if p == _UNMATCHED:
                free.setdefault(keys_a[i], []).append(i)
        for j, p in enumerate(pair_of_b):
            if p == _UNMATCHED and free.get(keys_b[j]):
                i = free[keys_b[j]].pop(0)
                pair_of_a[i] = j
                pair_of_b[j] = i
        _split_pairs(keys_a, pair_of_a, last_a, keys_b, pair_of_b)
        _split_pairs(keys_b, pair_of_b, last_b, keys_a, pair_of_a)
        # 3. Edited sentences, preferably in place.
        _similar_pairs(sa, sb, pair_of_a, pair_of_b, gap)

    def tokens_a(i: int) -> int:
        return sum(len(sa[k].tokens) for k in range(i, last_a[i] + 1))

    def tokens_b(j: int) -> int:
        return sum(len(sb[k].tokens) for k in range(j, last_b[j] + 1))

    # 4. Moves: pairs off the heaviest order-preserving chain.
    pairs = [_Pair(j, i) for j, i in enumerate(pair_of_b) if i >= 0]
    weights = [max(tokens_a(p.canonical), tokens_b(p.copy)) for p in pairs]
    chain = _order_preserving(pairs, weights, len(sa))
    moved_b = [False] * len(sb)
    for k, p in enumerate(pairs):
        moved_b[p.copy] = k not in chain

    # 5. Passages in copy order; removed ones flushed before the next in-order match.
    next_anchor = [len(sa)] * (len(sb) + 1)
    for j in range(len(sb) - 1, -1, -1):
        i = pair_of_b[j]
        next_anchor[j] = i if i >= 0 and not moved_b[j] else next_anchor[j + 1]
    removed = [i for i, p in enumerate(pair_of_a) if p == _UNMATCHED]
    passages: list[Passage] = []
    canonical_range: list[tuple[int, int]] = []  # per passage, for the shared-run evidence
    r = 0

    def flush(limit: int) -> None:
        nonlocal r
        while r < len(removed) and removed[r] < limit:
            s = sa[removed[r]]
            span = (s.start, s.end)
            passages.append(
                Passage(
                    REMOVED,
                    a.text[s.start : s.end],
                    None,
                    span,
                    None,
                    s.paragraph,
                    tokens_a(removed[r]),
                )
            )
            canonical_range.append((removed[r], removed[r]))
            r += 1

    for j, t in enumerate(sb):
        i = pair_of_b[j]
        if i == _ABSORBED:
            continue
        flush(next_anchor[j])
        copy_span = (t.start, sb[last_b[j]].end)
        copy_text = b.text[copy_span[0] : copy_span[1]]
        if i == _UNMATCHED:
            passages.append(
                Passage(ADDED, None, copy_text, None, copy_span, t.paragraph, tokens_b(j))
            )
            canonical_range.append((-2, -2))
            continue
        canonical_span = (sa[i].start, sa[last_a[i]].end)
        canonical_text = a.text[canonical_span[0] : canonical_span[1]]
        same = last_a[i] != i or last_b[j] != j or keys_a[i] == keys_b[j]
        passages.append(
            Passage(
                SHARED if same else CHANGED,
                canonical_text,
                copy_text,
                canonical_span,
                copy_span,
                t.paragraph,
                max(tokens_a(i), tokens_b(j)),
                moved_b[j],
                () if same else word_diff(canonical_text, copy_text),
            )
        )
        canonical_range.append((i, last_a[i]))
    flush(len(sa) + 1)

    verbatim = 0
    longest = run = 0
    prev_last = -2
    for p, (first, last) in zip(passages, canonical_range, strict=True):
        if p.kind == SHARED:
            verbatim += p.words >= VERBATIM_MIN_WORDS
            run = run + p.words if first == prev_last + 1 else p.words
            longest = max(longest, run)
            prev_last = last
        else:
            run = 0
            prev_last = -2
    return Alignment(tuple(passages), verbatim, longest, a.words, b.words)


def alignment_to_dict(alignment: Alignment, *, passages: bool = True) -> dict[str, Any]:
    """Return ``alignment`` as JSON-ready data: summary, evidence and (optionally) passages.

    Spans are ``[start, end]`` character offsets into the original texts (``null`` for the
    missing side); ``word_diff`` is a list of ``[op, text]`` (empty unless ``changed``).
    """
    out: dict[str, Any] = {
        "summary": alignment.summary(),
        "shared_sentences": alignment.shared_sentences,
        "longest_shared_run": alignment.longest_shared_run,
        "canonical_words": alignment.canonical_words,
        "copy_words": alignment.copy_words,
    }
    if passages:
        out["passages"] = [
            {
                "kind": p.kind,
                "canonical_text": p.canonical_text,
                "copy_text": p.copy_text,
                "canonical_span": list(p.canonical_span) if p.canonical_span else None,
                "copy_span": list(p.copy_span) if p.copy_span else None,
                "paragraph": p.paragraph,
                "words": p.words,
                "moved": p.moved,
                "word_diff": [list(op) for op in p.word_diff],
            }
            for p in alignment.passages
        ]
    return out

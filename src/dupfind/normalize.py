"""Text normalization and tokenization: the one definition of "the same words".

Every stage that compares text (shingling, verification, passage alignment) goes through
:func:`normalize` and :func:`tokenize`, so that curly and straight quotes, en and em dashes,
ellipses, compatibility characters, case and re-wrapped lines never make two copies differ.

What a "word" is:

* Scripts written with spaces (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Hangul, ...):
  a maximal run of letters, combining marks and digits. Punctuation and apostrophes are
  dropped, so ``don't`` and ``don’t`` both give ``dont`` and ``well-known`` gives
  ``well known``. Arabic harakat and Hebrew niqqud are dropped too: they are optional vowel
  marks that one outlet prints and another omits, while Devanagari vowel signs are spelling
  and stay.
* Scripts written without spaces (Chinese Han, Japanese kana, Thai, Lao, Khmer, Myanmar):
  every character is a word. Shingles of k characters then play the role that k-word shingles
  play elsewhere; it needs no dictionary and is how text-dedup and datatrove treat such text.

Bump :data:`NORMALIZATION_VERSION` whenever the output of these functions (or of the features
built on them, :mod:`dupfind.features`) changes: a persistent
index records it and refuses signatures made by another version.
"""

from __future__ import annotations

import re
import unicodedata

NORMALIZATION_VERSION = 3

# Folded to ASCII before anything else: typographic variants outlets use interchangeably.
_FOLDS = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark / apostrophe
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",  # single high-reversed-9 quotation mark
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent used as apostrophe
    "\u0060": "'",  # grave accent used as apostrophe
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',  # double high-reversed-9 quotation mark
    "\u2033": '"',  # double prime
    "\u00ab": '"',  # left-pointing double angle quotation mark
    "\u00bb": '"',  # right-pointing double angle quotation mark
    "\u2039": "'",  # single left-pointing angle quotation mark
    "\u203a": "'",  # single right-pointing angle quotation mark
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2026": "...",  # horizontal ellipsis (NFKC also does this; kept explicit)
    "\u00a0": " ",  # no-break space
    "\u00ad": "",  # soft hyphen
    "\u200b": "",  # zero-width space
    "\u200c": "",  # zero-width non-joiner
    "\u200d": "",  # zero-width joiner
    "\ufeff": "",  # byte order mark
}
# One regex pass that rewrites only the characters to fold: much faster than str.translate
# with a dict table on text that has none or few of them (most text).
_FOLD_PATTERN = re.compile("[" + "".join(re.escape(c) for c in _FOLDS) + "]")

# Characters of scripts written without spaces between words: each one is a token.
_UNSPACED = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u309f"  # Hiragana
    "\u30a0-\u30ff"  # Katakana
    "\u3400-\u4dbf"  # CJK Unified Ideographs Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\U00020000-\U0002ffff"  # CJK Unified Ideographs Extensions B-F and supplements
)


def _combining_marks() -> str:
    """A regex class body of the Basic Multilingual Plane's combining marks (Mn, Mc, Me).

    Python's ``\\w`` leaves them out, which would split Devanagari or Bengali words at every
    vowel sign; the table is built once at import (about 10 ms).
    """
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


_MARKS = _combining_marks()
#: A word: one character of an unspaced script, or a run of letters, digits and marks.
TOKEN = rf"[{_UNSPACED}]|(?:[^\W_{_UNSPACED}]|[{_MARKS}])+"
#: The same for text with no unspaced script and no combining mark: a much faster pattern.
SPACED_TOKEN = r"[^\W_]+"
_TOKEN = re.compile(TOKEN)
# Optional vowel marks: Arabic harakat (and superscript alef), Hebrew niqqud and cantillation.
_OPTIONAL_MARKS = re.compile(
    "[\u064b-\u065f\u0670"  # Arabic harakat, superscript alef
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]"  # Hebrew cantillation and niqqud
)
_SPECIAL = re.compile(rf"[{_UNSPACED}{_MARKS}]")
_PLAIN_TOKEN = re.compile(SPACED_TOKEN)
_WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Return ``text`` in NFKC with quotes, dashes and ellipses folded to ASCII.

    Case and punctuation are kept, so the result is still readable: this is what the diff
    view compares when it decides that two passages differ only in typography.
    """
    text = _FOLD_PATTERN.sub(_fold_match, text)
    if text.isascii():
        return text  # NFKC leaves ASCII unchanged
    # Folded before NFKC too: NFKC would turn some of them (an acute accent used as an
    # apostrophe) into a space and a combining mark first.
    return _FOLD_PATTERN.sub(_fold_match, unicodedata.normalize("NFKC", text))


def _fold_match(match: re.Match[str]) -> str:
    return _FOLDS[match.group()]


def prepare(text: str) -> str:
    """Fold typography and case, join contractions, drop optional vowel marks.

    Punctuation and line breaks are kept, so callers can still find sentence and line
    boundaries in the result before splitting it into words with :func:`words_of`.
    """
    # Apostrophes are never part of a word: dropping them joins contractions (don't -> dont).
    prepared = fold(text).casefold().replace("'", "")
    return prepared if prepared.isascii() else _OPTIONAL_MARKS.sub("", prepared)


def needs_full_tokenizer(prepared: str) -> bool:
    """Whether text has characters of unspaced scripts or combining marks (slower pattern)."""
    return not prepared.isascii() and _SPECIAL.search(prepared) is not None


def words_of(prepared: str) -> list[str]:
    """The words of text already passed through :func:`prepare`."""
    if needs_full_tokenizer(prepared):
        return _TOKEN.findall(prepared)
    return _PLAIN_TOKEN.findall(prepared)


def tokenize(text: str) -> list[str]:
    """Split ``text`` into normalized words (see the module docstring for what a word is).

    Folds typography and case first, joins apostrophe contractions, and drops punctuation,
    so ``tokenize`` of two copies that differ only in quote style or wrapping is identical.
    """
    return _TOKEN.findall(prepare(text))


def normalize(text: str) -> str:
    """Return the canonical comparable form of ``text``: its words joined by single spaces."""
    return " ".join(tokenize(text))


def collapse_whitespace(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends (for titles and labels)."""
    return _WHITESPACE.sub(" ", text).strip()

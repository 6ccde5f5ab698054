"""Tests for the batch tokenizer: exactly the words and segmentation of the per-text regex path.

The oracle is what the scanner computed before: ``features._tokens`` then
``shingle.token_hashes`` on each text alone. Segmentation is compared as "where the ids
change", since ids only have to agree on which words share a line or a sentence.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import xxhash

import dupfind.tokens as tokens_module
from dupfind import features, normalize
from dupfind.features import _tokens, segment_hashes
from dupfind.normalize import prepare
from dupfind.shingle import token_hashes
from dupfind.tokens import TokenBatch, tokenize_batch


def oracle(prepared: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hashes, lengths, line and sentence numbers of one text, the regex way."""
    words, line, sentence = _tokens(prepared)
    as_list = words.tolist()
    lengths = np.array([len(word) for word in as_list], dtype=np.int64)
    return token_hashes(as_list), lengths, line, sentence


def changes(ids: np.ndarray) -> list[int]:
    """Indices of the words that start a new run (the first word excluded)."""
    return (np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist()


def assert_matches(texts: list[str]) -> TokenBatch:
    """Tokenize ``texts`` as one batch and check every text against the oracle."""
    batch = tokenize_batch(texts)
    assert batch.hashes.dtype == np.uint64
    assert batch.line.dtype == batch.sentence.dtype == np.int64
    assert batch.offsets.dtype == np.int64
    assert batch.offsets.size == len(texts) + 1
    assert batch.offsets[0] == 0 and batch.offsets[-1] == batch.hashes.size
    assert batch.lengths.size == batch.line.size == batch.sentence.size == batch.hashes.size
    assert (np.diff(batch.line) >= 0).all() and (np.diff(batch.sentence) >= 0).all()
    for index, text in enumerate(texts):
        hashes, lengths, line, sentence = oracle(text)
        start, end = int(batch.offsets[index]), int(batch.offsets[index + 1])
        context = f"text {index}: {text!r}"
        assert batch.hashes[start:end].tolist() == hashes.tolist(), context
        assert batch.lengths[start:end].tolist() == lengths.tolist(), context
        assert changes(batch.line[start:end]) == changes(line), context
        assert changes(batch.sentence[start:end]) == changes(sentence), context
    # Runs never join across texts: ids change at every boundary that has words both sides.
    inner = batch.offsets[1:-1]
    inner = inner[(inner > 0) & (inner < batch.hashes.size)]
    assert (batch.line[inner] != batch.line[inner - 1]).all()
    assert (batch.sentence[inner] != batch.sentence[inner - 1]).all()
    return batch


def words_of(batch: TokenBatch, index: int) -> list[int]:
    return batch.document(index)[0].tolist()


def hashes_of(*words: str) -> list[int]:
    return [xxhash.xxh3_64_intdigest(word.encode()) for word in words]


# --- Invented texts ----------------------------------------------------------------------------

NEWS = [
    "The Port of Keldwick said on Monday that its northern terminal would reopen on 3.5 "
    "metres of dredged channel. “We are ready,” said Mr. Anselm Dore, the U.S.-born harbour "
    "master. Ships waiting offshore would be handled first!\n\n"
    "Asked whether the strike was over, a union official said: “Yes.” Talks resume at 9.30 "
    "a.m. on Friday (local time.) Fees rose 12% to $4.2 million… or so they say?\n",
    "Line one of a wire story\r\nline two, wrapped by the CMS\r\n\r\nA new paragraph. "
    "It ends with a stop at the very end.",
    'No trailing newline and a closing quote at the end: "done."',
    "Three closers do not end a sentence: (really.)\"] here. Two do: 'yes.') there.",
    "\n\n\nLeading blank lines, then text.\n\n\n\nTrailing blank lines.\n\n\n",
    "Stops without space.Here and a number 1.000.000 and e.g. this; and ?! and !?\t\nok",
    "under_score snake_case_name __dunder__ _lead trail_ 3_000",
]

SCRIPTS = [
    "Le café de la gare était fermé. Où est-il ? Là-bas, près de l'hôpital.",
    "Die Straße über den Fluss wird gesperrt. Größere Schäden? Keine!",
    "Порт Кельдвик вновь открыт. Суда ждут на рейде!\nНовая строка.",
    "Το λιμάνι άνοιξε ξανά. Τα πλοία περιμένουν; Ναι.",
    "أعلنت الهيئة إعادة فتح المَرفأ يوم الاثنين؟ نعم. وقالت إنَّ السفن تنتظر.",
    "הנמל נפתח מחדש ביום שני. האוניות ממתינות!",
    "बंदरगाह सोमवार को फिर से खुल गया। जहाज़ इंतज़ार कर रहे हैं। क्या यह सच है?",
    "বন্দরটি সোমবার আবার খুলেছে। জাহাজগুলি অপেক্ষা করছে।",
    "港口周一重新开放。船只在海上等待。\n工人们说：“是的。”",
    "港は月曜日に再開した。船は沖で待っている。カタカナとひらがな。",
    "ท่าเรือเปิดอีกครั้งในวันจันทร์ เรือรอคิวอยู่นอกชายฝั่ง",
    "항구가 월요일에 다시 문을 열었다. 배들이 기다리고 있다.",
    "Emoji 🚢 and flags 🇳🇴 between words; astral CJK 𠀀𠀁 and 𝄞 music; 𝐁𝐨𝐥𝐝.",
    "Mixed: port港口ท่าเรือpuerto and cafe\u0301 (a combining accent) and e\u0e31x.",
]


@pytest.mark.parametrize("text", NEWS + SCRIPTS)
def test_each_invented_text_alone_matches_the_regex_path(text: str) -> None:
    assert_matches([prepare(text)])


def test_a_batch_of_all_of_them_with_empty_and_blank_texts_in_between() -> None:
    texts = [prepare(text) for text in NEWS + SCRIPTS]
    texts[3:3] = ["", "   ", "\n\n", "\t \r\n"]
    texts.append("")
    batch = assert_matches(texts)
    for index in (3, 4, 5, 6, len(texts) - 1):
        assert batch.offsets[index] == batch.offsets[index + 1]


def test_empty_batch_and_batches_of_one() -> None:
    empty = tokenize_batch([])
    assert empty.hashes.size == empty.lengths.size == empty.line.size == 0
    assert empty.offsets.tolist() == [0]
    assert tokenize_batch([""]).offsets.tolist() == [0, 0]
    assert tokenize_batch(["   \n "]).offsets.tolist() == [0, 0]
    one = assert_matches(["port reopens"])
    assert one.hashes.tolist() == hashes_of("port", "reopens")
    assert one.lengths.tolist() == [4, 7]


def test_a_batch_gives_each_text_what_it_gets_alone() -> None:
    texts = [prepare(text) for text in NEWS + SCRIPTS + ["", "x"]]
    together = tokenize_batch(texts)
    for index, text in enumerate(texts):
        hashes, lengths, line, sentence = together.document(index)
        alone = tokenize_batch([text])
        assert hashes.tolist() == alone.hashes.tolist()
        assert lengths.tolist() == alone.lengths.tolist()
        assert changes(line) == changes(alone.line)
        assert changes(sentence) == changes(alone.sentence)


def test_segment_hashes_over_a_batch_equal_those_of_each_text() -> None:
    texts = [prepare(text) for text in NEWS]
    batch = tokenize_batch(texts)
    lines, _ = segment_hashes(batch.hashes, batch.line)
    sentences, _ = segment_hashes(batch.hashes, batch.sentence)
    expected_lines: list[int] = []
    expected_sentences: list[int] = []
    for text in texts:
        hashes, _, line, sentence = oracle(text)
        expected_lines += segment_hashes(hashes, line)[0].tolist()
        expected_sentences += segment_hashes(hashes, sentence)[0].tolist()
    assert lines.tolist() == expected_lines
    assert sentences.tolist() == expected_sentences


# --- Corner cases, spelled out -----------------------------------------------------------------


def test_words_are_runs_of_letters_digits_and_marks_without_underscores() -> None:
    batch = assert_matches(["snake_case 3.5 naïve cafe\u0301 x"])
    assert words_of(batch, 0) == hashes_of("snake", "case", "3", "5", "naïve", "cafe\u0301", "x")
    assert batch.lengths.tolist() == [5, 4, 1, 1, 5, 5, 1]


def test_unspaced_characters_are_words_alone_and_an_unspaced_mark_joins_a_run() -> None:
    # U+0E31 is a Thai vowel mark: a combining mark inside the Thai range. After a Latin
    # letter the regex's run goes on through it; at the start of a run it is a word alone.
    batch = assert_matches(["a\u0e31b \u0e31b \u0e31\u0e31 \u0e01\u0e31 港口 a\u3099"])
    expected = ["a\u0e31b", "\u0e31", "b", "\u0e31", "\u0e31", "\u0e01", "\u0e31", "港", "口"]
    assert words_of(batch, 0) == hashes_of(*expected, "a\u3099")
    assert batch.lengths.tolist() == [3, 1, 1, 1, 1, 1, 1, 1, 1, 2]
    # A chain of such marks goes with what precedes the whole chain.
    batch = assert_matches(["x\u0e31\u0e34\u0e48y \u0e01\u0e31\u0e34 \u0301\u0e31\u0e34"])
    expected = ["x\u0e31\u0e34\u0e48y", "\u0e01", "\u0e31", "\u0e34", "\u0301\u0e31\u0e34"]
    assert words_of(batch, 0) == hashes_of(*expected)


def test_astral_characters() -> None:
    # CJK Extension B is unspaced; U+1D165 is a combining mark outside the BMP, which the
    # regex's mark class leaves out, so it splits words; Gothic letters are letters.
    batch = assert_matches(["𠀀𠀁 a\U0001d165b 𐌰𐌱 🚢x"])
    assert words_of(batch, 0) == hashes_of("𠀀", "𠀁", "a", "b", "𐌰𐌱", "x")
    assert batch.lengths.tolist() == [1, 1, 1, 1, 2, 1]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("a. b", [[0], [1]]),
        ("a.b c", [[0, 1, 2]]),
        ('a." b', [[0], [1]]),
        ("a.\"') b", [[0, 1]]),  # three closers: no stop
        ("a.') b", [[0], [1]]),
        ("a.", [[0]]),
        ("a.)", [[0]]),
        ("a\u3002b", [[0], [1]]),  # the Chinese full stop needs no space
        ("a\u061f b\u0964 c", [[0], [1], [2]]),
        ("a\nb", [[0, 1]]),  # a single line break does not end a sentence
        ("a\n\nb", [[0], [1]]),
        ("a\n \t\nb", [[0], [1]]),  # a line of spaces is blank
        ("a\n.\nb", [[0], [1]]),  # a stop between the breaks: one break, not a blank line
        ("\n\na", [[0]]),
        ("a.\u00a0b", [[0], [1]]),  # any Unicode space
        ("a.\x1cb", [[0], [1]]),  # str.isspace() includes the separators U+001C..U+001F
        ("a.\u200bb", [[0, 1]]),  # a zero-width space is not a space
        (f"a{features._STOP_MARK}b{features._LINE_MARK}{features._LINE_MARK}c", [[0], [1], [2]]),
    ],
)
def test_sentence_stops_and_blank_lines(text: str, sentences: list[list[int]]) -> None:
    batch = assert_matches([text, text + " tail"])
    ids = batch.document(0)[3].tolist()
    assert [[i for i, run in enumerate(ids) if run == value] for value in sorted(set(ids))] == (
        sentences
    )


def test_a_stop_at_the_end_of_a_text_does_not_depend_on_the_next_text() -> None:
    # The separator between texts plays the end of the text for the stop lookahead, and
    # a line break at the start of a text is never blank whatever came before.
    assert_matches(["one.", "\n\ntwo", "three.'", "four", "five.''", "\nsix\n"])


def test_ids_change_between_texts_even_without_any_break() -> None:
    batch = assert_matches(["alpha beta", "gamma", "delta epsilon"])
    assert changes(batch.line) == changes(batch.sentence) == [2, 3]


def test_long_words_use_the_library_hash() -> None:
    long_words = ["x" * 129, "é" * 100, "a" * 1000, "b" * 16, "c" * 17, "d" * 128]
    batch = assert_matches([" ".join(long_words)])
    assert batch.hashes.tolist() == hashes_of(*long_words)


def test_texts_that_are_not_prepared_still_match() -> None:
    # The contract is prepared text, but nothing breaks on raw text, including a lone
    # surrogate (never part of a word) or a byte order mark.
    assert_matches(["Raw “Text”. DON'T \ud800 fold\ufeff it.", "\x00\x01\x02\x03"])


def test_chunks_join_into_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [prepare(text) for text in NEWS + SCRIPTS] * 3
    whole = tokenize_batch(texts)
    monkeypatch.setattr(tokens_module, "CHUNK_BYTES", 100)
    chunked = assert_matches(texts)
    assert chunked.hashes.tolist() == whole.hashes.tolist()
    assert chunked.offsets.tolist() == whole.offsets.tolist()
    assert changes(chunked.line) == changes(whole.line)
    assert changes(chunked.sentence) == changes(whole.sentence)


# --- Every character, and fuzzing -------------------------------------------------------------


def test_every_code_point_in_context() -> None:
    """Each BMP character (and every 97th astral one) after a letter, alone, and doubled."""
    code_points = [*range(0x10000), *range(0x10000, 0x110000, 97)]
    parts = [f"x{chr(c)}y {chr(c)} {chr(c)}{chr(c)}.\n" for c in code_points]
    texts = ["".join(parts[i : i + 4096]) for i in range(0, len(parts), 4096)]
    assert_matches(texts)


POOL = [
    *"abcXYZé019_ .!?\"')],;-",
    *(" ", " ", " ", "\n", "\n", "\t", "\r", "\x0b", "\x1c", "\u3000", "\u2028"),
    *("\u3002", "\u061f", "\u0964", features._STOP_MARK, features._LINE_MARK),
    *("\u0301", "\u0903", "\u093f", "\u0915", "\u09be"),  # marks outside unspaced ranges
    *("\u0e01", "\u0e31", "\u0e34", "\u0e48", "\u0e3f", "\u3099", "\u30ab", "\u1031"),  # Thai...
    *("\u4e2d", "\u56fd", "\U00020000", "\U0002a6d6"),  # CJK, astral CJK
    *("\u0628", "\u064e", "\u0651", "\u05d0", "\u05b8"),  # Arabic and Hebrew with marks
    *("\U0001d165", "\U0001f6a2", "\u200d", "\ufe0f", "\U00010330", "ß", "İ", "\uff21"),
]


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(POOL) for _ in range(rng.randrange(0, 30)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz_against_the_regex_path(seed: int) -> None:
    rng = random.Random(seed)
    texts = [prepare(random_text(rng)) for _ in range(1500)]
    start = 0
    while start < len(texts):
        size = rng.choice([0, 1, 2, 5, 17, 60, 200])
        assert_matches(texts[start : start + size])
        start += max(size, 1)


def test_fuzz_with_tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens_module, "CHUNK_BYTES", 64)
    rng = random.Random(4)
    assert_matches([prepare(random_text(rng)) for _ in range(500)])


# --- The hash and the patterns it mirrors ------------------------------------------------------


def test_numpy_xxh3_equals_the_library_for_every_length() -> None:
    rng = random.Random(7)
    pieces = [rng.randbytes(length) for length in range(1, 301) for _ in range(8)]
    pieces += [bytes(length) for length in range(1, 300)]  # zeros: the shifts by 64 matter
    buffer = b"".join(pieces)
    buffer += b" " * (24 - len(buffer) % 8)
    lengths = np.array([len(piece) for piece in pieces], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    expected = [xxhash.xxh3_64_intdigest(piece) for piece in pieces]
    assert tokens_module._xxh3(buffer, starts, lengths).tolist() == expected


def test_the_patterns_reproduced_here_are_the_ones_features_uses() -> None:
    """tokens.py mirrors these regexes; if one changes, tokens.py must change with it."""
    assert features._STOP == r"[.!?\u061f\u0964][\"')\]]{0,2}(?=\s|$)|\u3002"
    assert tokens_module.STOP_CHARS == ".!?\u061f\u0964"
    assert tokens_module.CLOSERS == "\"')]"
    assert tokens_module._STOP_MARK == features._STOP_MARK
    assert tokens_module._LINE_MARK == features._LINE_MARK
    unspaced, marks = normalize._UNSPACED, normalize._MARKS
    token = rf"[{unspaced}]|(?:[^\W_{unspaced}]|[{marks}])+"
    assert token == normalize.TOKEN
    assert normalize.SPACED_TOKEN == r"[^\W_]+"

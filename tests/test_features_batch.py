"""Batched feature extraction equals the plain per-document definition.

``reference_extract`` below is the definition, written the slow and obvious way: one document,
the regex tokenizer, one xxh3 call per word, ``np.unique`` for every set. ``extract_batch``
and ``sketch_batch`` compute the same things for many documents at once; every field must be
identical, for texts with furniture left out, short texts, empty texts and other scripts.
All texts are invented here.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import replace

import numpy as np
import pytest

from articles import article, copy_of, sentence
from dupfind.features import (
    CONTENT_WORD_MIN_CHARS,
    SENTENCE_MIN_WORDS,
    Features,
    _tokens,
    extract,
    extract_batch,
    head_length,
    segment_hashes,
    sketch_batch,
    unit_hash,
)
from dupfind.normalize import prepare
from dupfind.shingle import shingle_windows, token_hashes

K = 5


def reference_extract(text: str, k: int, boilerplate: Collection[int] = ()) -> Features:
    """Features of one text, by the definition."""
    words, line, sentence_ids = _tokens(prepare(text))
    hashes = token_hashes(words.tolist())
    line_hashes, line_lengths = segment_hashes(hashes, line)
    sentence_hashes, sentence_lengths = segment_hashes(hashes, sentence_ids)
    units, first = np.unique(np.concatenate((line_hashes, sentence_hashes)), return_index=True)
    unit_words = np.concatenate((line_lengths, sentence_lengths))[first].astype(np.uint32)
    if boilerplate and hashes.size:
        known = np.fromiter(boilerplate, dtype=np.uint64, count=len(boilerplate))
        keep = ~(
            np.repeat(np.isin(line_hashes, known), line_lengths)
            | np.repeat(np.isin(sentence_hashes, known), sentence_lengths)
        )
        words, hashes, sentence_ids = words[keep], hashes[keep], sentence_ids[keep]
        sentence_hashes, sentence_lengths = segment_hashes(hashes, sentence_ids)
    windows = shingle_windows(hashes, k)
    shingles, first_window = np.unique(windows, return_index=True)
    long_words = np.char.str_len(words) >= CONTENT_WORD_MIN_CHARS
    head = hashes[: head_length(windows.size) + k].copy()
    head[~long_words[: head.size]] = 0
    return Features(
        shingles=shingles,
        first_window=first_window.astype(np.uint32),
        windows=int(windows.size),
        sentences=np.unique(sentence_hashes[sentence_lengths >= SENTENCE_MIN_WORDS]),
        units=units,
        unit_words=unit_words,
        vocabulary=np.unique(hashes[long_words]),
        head=head,
        words=int(hashes.size),
    )


def assert_same(actual: Features, expected: Features) -> None:
    for name in ("shingles", "first_window", "sentences", "units", "unit_words", "vocabulary"):
        got, want = getattr(actual, name), getattr(expected, name)
        assert got.dtype == want.dtype, name
        assert np.array_equal(got, want), name
    assert np.array_equal(actual.head, expected.head)
    assert (actual.windows, actual.words) == (expected.windows, expected.words)


FURNITURE = "Story continues below the sponsored panel"
OTHER_SCRIPTS = [
    "Le conseil a voté jeudi. « Nous étions prêts », a déclaré la maire.\n\nLa séance a duré.",
    "Совет проголосовал в четверг. «Мы были готовы», сказала мэр города Вельск.",
    "市议会周四投票通过了新的预算。市长表示，我们已经准备好了。",
    "मंत्री ने गुरुवार को नई योजना की घोषणा की। किसानों को लाभ मिलेगा।",
    "สภาเมืองลงมติเมื่อวันพฤหัสบดี นายกเทศมนตรีกล่าวว่าพร้อมแล้ว",
]


def corpus() -> list[str]:
    rng = random.Random(11)
    texts = []
    for seed in range(40):
        story = article(seed, paragraphs=rng.randint(1, 9))
        texts.append(story)
        texts.append(copy_of(story, seed, furniture=FURNITURE))
    texts += ["", "   \n\n ", "Short one.", "two words", "four little words here"]
    texts += OTHER_SCRIPTS
    texts += [" ".join(sentence(rng) for _ in range(3)) + "\n" + FURNITURE for _ in range(5)]
    rng.shuffle(texts)
    return texts


@pytest.mark.parametrize("k", [1, 3, K])
def test_extract_batch_equals_the_definition(k: int) -> None:
    texts = corpus()
    for actual, text in zip(extract_batch(texts, k), texts, strict=True):
        assert_same(actual, reference_extract(text, k))


def test_extract_batch_leaves_out_boilerplate_as_the_definition_does() -> None:
    texts = corpus()
    known = {unit_hash(FURNITURE.lower().split()), unit_hash(["short", "one"])}
    batch = extract_batch(texts, K, known)
    for actual, text in zip(batch, texts, strict=True):
        assert_same(actual, reference_extract(text, K, known))
    with_furniture = [f for f, t in zip(batch, texts, strict=True) if FURNITURE in t]
    assert with_furniture and all(
        f.words < reference_extract(t, K).words
        for f, t in zip(batch, texts, strict=True)
        if FURNITURE in t
    )


def test_features_for_verifying_only_leave_out_units_and_nothing_else() -> None:
    texts = corpus()
    known = {unit_hash(FURNITURE.lower().split())}
    fulls = extract_batch(texts, K, known)
    assert sum(full.units.size > 0 for full in fulls) > len(texts) // 2
    for lean, full in zip(extract_batch(texts, K, known, units=False), fulls, strict=True):
        assert lean.units.size == lean.unit_words.size == 0
        assert_same(lean, replace(full, units=lean.units, unit_words=lean.unit_words))


def test_extract_of_one_text_is_its_batch_entry() -> None:
    texts = corpus()
    batch = extract_batch(texts, K)
    assert_same(extract(texts[3], K), batch[3])


def test_sketch_batch_matches_the_features() -> None:
    texts = corpus()
    sketched = sketch_batch(texts, K)
    for index, text in enumerate(texts):
        expected = reference_extract(text, K)
        assert np.array_equal(np.unique(sketched.windows[index]), expected.shingles)
        assert sketched.windows[index].size == expected.windows
        assert sketched.words[index] == expected.words
        assert np.array_equal(sketched.sentences[index], expected.sentences)
        assert np.array_equal(sketched.units[index], expected.units)
        assert np.array_equal(sketched.unit_words[index], expected.unit_words)


def test_empty_batch() -> None:
    assert extract_batch([], K) == []
    assert len(sketch_batch([], K).words) == 0

"""Tests for per-document features: shingles and their positions, sentences, units, heads."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from dupfind.features import (
    CONTENT_WORD_MIN_CHARS,
    SENTENCE_MIN_WORDS,
    Features,
    extract,
    head_length,
    unit_hash,
)
from dupfind.normalize import tokenize
from dupfind.shingle import shingle_hashes, token_hashes

K = 5

# Invented article: three paragraphs, one line each (as a CMS exports them).
PARAGRAPHS = [
    "The harbour master of Keldwick said on Monday that the northern breakwater would be "
    "rebuilt this summer after winter storms tore away a forty metre section of its stone "
    "wall. Fishing boats have been mooring in the inner basin since January.",
    "Engineers will lower precast concrete blocks into place from a floating crane, a method "
    "that avoids closing the harbour mouth to traffic. The work is expected to cost about "
    "nine million and to take four months.",
    "Skippers welcomed the plan but asked why repairs had taken so long. The council said "
    "it had waited for the spring tides to survey the damaged foundations.",
]
TEXT = "\n\n".join(PARAGRAPHS) + "\n"


def words(text: str) -> list[str]:
    return tokenize(text)


def sentence_hash(text: str) -> int:
    return unit_hash(tokenize(text))


# --- unit_hash and head_length -----------------------------------------------------------------


def test_unit_hash_depends_on_the_words_their_order_and_boundaries() -> None:
    assert unit_hash(["port", "closed"]) == unit_hash(["port", "closed"])
    assert unit_hash(["port", "closed"]) != unit_hash(["closed", "port"])
    assert unit_hash(["port", "closed"]) != unit_hash(["portclosed"])
    assert unit_hash(["port", "closed"]) != unit_hash(["port", "closed", "today"])
    assert 0 <= unit_hash(["port"]) < 2**64
    # It is how extract hashes a one-line, one-sentence text.
    assert extract("Port closed", K).units.tolist() == [unit_hash(["port", "closed"])]


@pytest.mark.parametrize(
    ("windows", "expected"),
    [(0, 15), (10, 15), (75, 15), (79, 15), (80, 16), (100, 20), (1000, 200)],
)
def test_head_length_is_fifteen_words_or_a_fifth(windows: int, expected: int) -> None:
    assert head_length(windows) == expected


# --- Shingles and words ------------------------------------------------------------------------


def test_shingles_are_the_word_shingles_of_the_text() -> None:
    features = extract(TEXT, K)
    assert np.array_equal(features.shingles, shingle_hashes(TEXT, K))
    assert features.words == len(words(TEXT))
    assert features.windows == features.words - K + 1
    # Every window is a shingle; repeats collapse ("the" phrases are not repeated here).
    assert features.shingles.size == features.windows
    assert features.first_window.dtype == np.uint32
    assert features.first_window.size == features.shingles.size


def test_first_window_is_the_position_of_each_shingles_first_occurrence() -> None:
    # "a b c d e a b c d e z": the shingle "a b c d e" occurs at windows 0 and 5.
    features = extract("alpha beta gamma delta epsilon alpha beta gamma delta epsilon zeta", K)
    assert features.windows == 7
    assert features.shingles.size == 6  # windows 0..6, window 5 repeats window 0
    assert sorted(features.first_window.tolist()) == [0, 1, 2, 3, 4, 6]


def test_new_headline_moves_the_shared_shingles_to_window_ten() -> None:
    headline = "Keldwick breakwater to be rebuilt after fierce winter storm damage"
    assert len(words(headline)) == 10
    body = extract(TEXT, K)
    headed = extract(headline + "\n\n" + TEXT, K)
    shared, body_index, headed_index = np.intersect1d(
        body.shingles, headed.shingles, assume_unique=True, return_indices=True
    )
    assert shared.size == body.shingles.size  # the whole body is kept
    assert int(body.first_window[body_index].min()) == 0
    assert int(headed.first_window[headed_index].min()) == 10
    # The headline's own windows (0..9) are shingles the body does not have.
    assert headed.shingles.size == body.shingles.size + 10


def test_short_text_gets_one_shingle_of_all_its_words() -> None:
    features = extract("Port closed.", K)
    assert features.words == 2
    assert features.windows == 1
    assert features.shingles.size == 1
    assert features.first_window.tolist() == [0]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "--",
        "\u2014",
        "   \n\n\t  ",
        "... -- !!! ?",
        "\u2014 \u2026",
    ],
)
def test_empty_text_has_empty_features(text: str) -> None:
    features = extract(text, K)
    assert features.words == 0
    assert features.windows == 0
    for array in (
        features.shingles,
        features.first_window,
        features.sentences,
        features.units,
        features.unit_words,
        features.vocabulary,
        features.head,
    ):
        assert array.size == 0
    assert features.nbytes == 0


def test_nbytes_sums_the_arrays() -> None:
    f = extract(TEXT, K)
    arrays = (f.shingles, f.first_window, f.sentences, f.units, f.unit_words, f.vocabulary)
    expected = sum(a.nbytes for a in arrays) + f.head.nbytes
    assert f.nbytes == expected > 0


# --- Sentences -------------------------------------------------------------------------------


def test_sentences_are_hashes_of_sentences_of_six_words_or_more() -> None:
    text = (
        "The ferry left the harbour at noon. It was late. "
        "Passengers waited on the quay for two hours!\n"
        "Was the crossing ever cancelled before this week?"
    )
    features = extract(text, K)
    expected = sorted(
        sentence_hash(s)
        for s in (
            "The ferry left the harbour at noon.",  # 7 words
            "Passengers waited on the quay for two hours!",  # 8 words, ends with "!"
            "Was the crossing ever cancelled before this week?",  # 8 words, ends with "?"
        )
    )
    assert features.sentences.tolist() == expected
    # "It was late." (3 words) is too short to be evidence of copying, but is still a unit.
    assert SENTENCE_MIN_WORDS == 6
    assert sentence_hash("It was late.") not in features.sentences
    assert sentence_hash("It was late.") in features.units


def test_a_single_line_break_does_not_end_a_sentence_but_a_blank_line_does() -> None:
    wrapped = extract("The ferry left the harbour\nat noon on Monday.", K)
    joined = sentence_hash("the ferry left the harbour at noon on monday")
    assert wrapped.sentences.tolist() == [joined]
    # No full stop: the blank line ends the headline, which is not joined with the body.
    headed = extract(
        "Ferry leaves harbour late again today\n\nThe ferry left the harbour at noon.", K
    )
    assert headed.sentences.tolist() == sorted(
        [
            sentence_hash("Ferry leaves harbour late again today"),
            sentence_hash("The ferry left the harbour at noon."),
        ]
    )


def test_chinese_full_stop_ends_a_sentence() -> None:
    # Each Han character is a word: both sentences have at least six.
    features = extract("港口周一重新开放了。渔船已经回到港湾里。", K)
    assert features.sentences.tolist() == sorted(
        [unit_hash(list("港口周一重新开放了")), unit_hash(list("渔船已经回到港湾里"))]
    )


@pytest.mark.parametrize("closing", ['."', ".'", '.")', ".\u201d", "!\u201d)"])
def test_a_sentence_ending_in_a_closing_quote_ends_there(closing: str) -> None:
    features = extract(
        f'She said: "The new ferries will be ready by spring{closing} '
        "The first crossing is planned for April next year.",
        K,
    )
    assert features.sentences.tolist() == sorted(
        [
            sentence_hash("She said: The new ferries will be ready by spring."),
            sentence_hash("The first crossing is planned for April next year."),
        ]
    )


def test_rewrapped_text_has_the_same_sentences_and_shingles() -> None:
    # Hard line breaks inside paragraphs (an e-mail or a plain-text wire feed).
    rewrapped = "\n\n".join(textwrap.fill(p, width=38) for p in PARAGRAPHS) + "\n"
    assert rewrapped.count("\n") > 3 * len(PARAGRAPHS)
    plain, wrapped = extract(TEXT, K), extract(rewrapped, K)
    assert plain.sentences.size == 6
    for name in ("shingles", "first_window", "sentences", "vocabulary", "head"):
        assert np.array_equal(getattr(plain, name), getattr(wrapped, name)), name
    assert (plain.words, plain.windows) == (wrapped.words, wrapped.windows)
    # Lines differ, so the units (lines and sentences) do too; the sentences are in both.
    assert not np.array_equal(plain.units, wrapped.units)
    assert np.isin(plain.sentences, wrapped.units).all()


def test_typography_does_not_change_the_features() -> None:
    straight = 'The mayor said: "We don\'t close the harbour - ever."'
    curly = "The MAYOR said: \u201cWe don\u2019t close the harbour \u2014 ever.\u201d"
    a, b = extract(straight, K), extract(curly, K)
    assert np.array_equal(a.shingles, b.shingles)
    assert np.array_equal(a.sentences, b.sentences)
    assert a.sentences.size == 1


# --- Units and boilerplate ---------------------------------------------------------------------

FURNITURE = "Story continues below advertisement"


def test_units_are_the_lines_and_sentences() -> None:
    text = "Harbour reopens\n\nThe harbour reopened today. Boats returned at dawn."
    features = extract(text, K)
    expected = {
        sentence_hash("Harbour reopens"),  # a line, and a (short) sentence
        sentence_hash("The harbour reopened today. Boats returned at dawn."),  # the line
        sentence_hash("The harbour reopened today."),
        sentence_hash("Boats returned at dawn."),
    }
    assert features.units.tolist() == sorted(expected)
    assert features.units.dtype == np.uint64


def test_a_boilerplate_line_is_left_out_of_the_content_but_kept_in_units() -> None:
    with_furniture = "\n\n".join([PARAGRAPHS[0], FURNITURE, PARAGRAPHS[1], PARAGRAPHS[2]])
    furniture = sentence_hash(FURNITURE)
    plain = extract(with_furniture, K)
    cleaned = extract(with_furniture, K, boilerplate={furniture})
    assert plain.words - cleaned.words == len(words(FURNITURE)) == 4
    # The units still list it: they are what boilerplate is learned from.
    assert furniture in plain.units
    assert np.array_equal(plain.units, cleaned.units)
    # The content is exactly the article without the line.
    article = extract(TEXT, K)
    for name in ("shingles", "first_window", "sentences", "vocabulary", "head"):
        assert np.array_equal(getattr(cleaned, name), getattr(article, name)), name
    assert not np.isin(plain.shingles, article.shingles).all()


def test_a_boilerplate_line_inside_a_sentence_leaves_the_rest_of_the_sentence() -> None:
    # A scraper put the ad slot's caption on its own line in the middle of a sentence.
    split = "The council met on Monday and\n" + FURNITURE + "\nvoted to close the old bridge."
    joined = "The council met on Monday and voted to close the old bridge."
    cleaned = extract(split, K, boilerplate={sentence_hash(FURNITURE)})
    reference = extract(joined, K)
    assert cleaned.sentences.tolist() == [sentence_hash(joined)]
    assert np.array_equal(cleaned.shingles, reference.shingles)
    assert cleaned.words == reference.words == 12


def test_a_boilerplate_sentence_on_a_line_with_article_text_is_left_out() -> None:
    newsletter = "Sign up for our newsletter to get the morning headlines."
    text = "The council voted to close the old bridge for repairs. " + newsletter
    cleaned = extract(text, K, boilerplate={sentence_hash(newsletter)})
    assert cleaned.words == len(words(text)) - len(words(newsletter))
    assert cleaned.sentences.tolist() == [
        sentence_hash("The council voted to close the old bridge for repairs.")
    ]


def test_boilerplate_hashes_not_in_the_text_change_nothing() -> None:
    plain = extract(TEXT, K)
    other = extract(TEXT, K, boilerplate={sentence_hash(FURNITURE), 12345})
    assert np.array_equal(plain.shingles, other.shingles)
    assert plain.words == other.words


# --- Vocabulary and head -----------------------------------------------------------------------


def test_vocabulary_holds_the_words_of_four_characters_or_more() -> None:
    text = "The cat sat on the warm mat by the big windowsill, warm and calm."
    features = extract(text, K)
    assert CONTENT_WORD_MIN_CHARS == 4
    assert np.array_equal(
        features.vocabulary, np.unique(token_hashes(["warm", "windowsill", "calm"]))
    )


def test_head_is_the_opening_words_with_short_words_zeroed() -> None:
    features = extract(TEXT, K)
    tokens = words(TEXT)
    size = head_length(features.windows) + K
    assert features.head.size == size
    expected = token_hashes(tokens[:size]).copy()
    expected[[len(t) < CONTENT_WORD_MIN_CHARS for t in tokens[:size]]] = 0
    assert np.array_equal(features.head, expected)
    assert features.head[0] == 0  # "the"
    assert features.head[1] == token_hashes(["harbour"])[0]


def test_features_is_frozen() -> None:
    features = extract(TEXT, K)
    assert isinstance(features, Features)
    with pytest.raises(AttributeError):
        features.words = 0  # type: ignore[misc]

"""Tests for normalization: what counts as "the same words" for every later stage."""

from __future__ import annotations

import unicodedata

import pytest

from dupfind.normalize import collapse_whitespace, fold, normalize, tokenize


class TestCompatibilityCharacters:
    def test_full_width_latin_letters_become_ascii_words(self) -> None:
        assert tokenize("ＰＯＲＴ Ｓｔｒｉｋｅ") == ["port", "strike"]

    def test_ligatures_are_expanded(self) -> None:
        # U+FB01 "fi" and U+FB02 "fl" ligatures, as produced by some PDF exports.
        assert tokenize("ﬁnancial ﬂows") == ["financial", "flows"]
        assert tokenize("ﬁnancial ﬂows") == tokenize("financial flows")

    def test_full_width_digits_match_ascii_digits(self) -> None:
        assert tokenize("２０２４年") == tokenize("2024年")

    def test_half_width_katakana_matches_full_width(self) -> None:
        assert tokenize("ｶﾀｶﾅ") == tokenize("カタカナ") == ["カ", "タ", "カ", "ナ"]


class TestTypographicFolding:
    def test_fold_maps_quotes_dashes_and_ellipsis_to_ascii(self) -> None:
        assert fold("“A” ‘b’ c–d e—f g…") == "\"A\" 'b' c-d e-f g..."

    def test_fold_keeps_case_and_punctuation(self) -> None:
        assert fold("Hello, World!") == "Hello, World!"

    def test_fold_removes_invisible_characters(self) -> None:
        # Soft hyphen, zero-width space and BOM vanish; a no-break space becomes a space.
        assert fold("\ufeffco\u00adop\u200bera\u00a0tive") == "coopera tive"

    def test_curly_and_straight_quotes_tokenize_alike(self) -> None:
        curly = "“We will not back down,” she said — and left…"
        straight = '"We will not back down," she said - and left...'
        assert tokenize(curly) == tokenize(straight)
        assert tokenize(curly) == [
            "we",
            "will",
            "not",
            "back",
            "down",
            "she",
            "said",
            "and",
            "left",
        ]

    def test_dash_variants_all_split_words(self) -> None:
        for dash in ("-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"):
            assert tokenize(f"north{dash}south") == ["north", "south"], repr(dash)

    def test_soft_hyphen_and_zero_width_space_do_not_split_words(self) -> None:
        assert tokenize("co\u00adoperation ma\u200bnager") == ["cooperation", "manager"]

    def test_no_break_space_separates_words(self) -> None:
        assert tokenize("10\u00a0km") == ["10", "km"]


class TestCaseAndPunctuation:
    def test_casefold_not_just_lower(self) -> None:
        # casefold maps German sharp s to "ss", which lower() does not.
        assert tokenize("STRASSE") == tokenize("Straße") == ["strasse"]

    def test_mixed_case_is_irrelevant(self) -> None:
        assert tokenize("The PORT Reopened") == tokenize("the port reopened")

    def test_punctuation_is_dropped(self) -> None:
        text = "Prices rose (sharply); analysts said: 'why?' [sic] #strike @port & more!"
        assert tokenize(text) == [
            "prices",
            "rose",
            "sharply",
            "analysts",
            "said",
            "why",
            "sic",
            "strike",
            "port",
            "more",
        ]

    def test_hyphenated_word_gives_two_words(self) -> None:
        assert tokenize("a well-known case") == ["a", "well", "known", "case"]

    def test_underscore_is_not_part_of_a_word(self) -> None:
        assert tokenize("snake_case") == ["snake", "case"]


class TestContractions:
    @pytest.mark.parametrize(
        "text",
        ["don't", "don’t", "DON'T", "Don‘t", "don`t", "don\u2032t"],
    )
    def test_apostrophe_variants_join_the_contraction(self, text: str) -> None:
        assert tokenize(text) == ["dont"]

    def test_elision_is_joined(self) -> None:
        assert tokenize("l’état") == tokenize("l'état") == ["létat"]

    def test_quotes_around_words_are_not_joined(self) -> None:
        # An apostrophe only joins when it has word characters on both sides.
        assert tokenize("'strike' 'now'") == ["strike", "now"]
        assert tokenize("the workers' union") == ["the", "workers", "union"]

    def test_acute_accent_used_as_apostrophe_joins_the_contraction(self) -> None:
        assert tokenize("don´t") == ["dont"]


class TestWhitespaceAndWrapping:
    def test_line_wrapping_and_indentation_are_irrelevant(self) -> None:
        one_line = "The council approved the new cycle lanes on Thursday evening."
        wrapped = "The council approved\n   the new cycle\r\nlanes on Thursday\t\tevening.\n\n"
        assert tokenize(wrapped) == tokenize(one_line)
        assert normalize(wrapped) == "the council approved the new cycle lanes on thursday evening"

    def test_normalize_joins_words_with_single_spaces(self) -> None:
        assert normalize("  Hello,\n\n  WORLD…  ") == "hello world"

    def test_collapse_whitespace(self) -> None:
        assert collapse_whitespace("  A  title\n with\tbreaks ") == "A title with breaks"


class TestScripts:
    def test_chinese_is_one_token_per_character(self) -> None:
        assert tokenize("北京大学发布报告") == ["北", "京", "大", "学", "发", "布", "报", "告"]

    def test_chinese_punctuation_is_dropped(self) -> None:
        assert tokenize("港口罢工，结束了。") == ["港", "口", "罢", "工", "结", "束", "了"]

    def test_japanese_kanji_and_kana_are_one_token_per_character(self) -> None:
        assert tokenize("東京タワーに行く") == ["東", "京", "タ", "ワ", "ー", "に", "行", "く"]

    def test_latin_word_next_to_han_is_split_at_the_script_boundary(self) -> None:
        assert tokenize("iPhone手机") == ["iphone", "手", "机"]

    def test_cyrillic_words_kept_whole(self) -> None:
        assert tokenize("Забастовка в порту, Ёлка!") == ["забастовка", "в", "порту", "ёлка"]

    def test_greek_words_kept_whole(self) -> None:
        assert tokenize("Καλημέρα, κόσμε!") == ["καλημέρα", "κόσμε"]

    def test_greek_final_sigma_casefolds_like_upper_case(self) -> None:
        # casefold maps final sigma to the ordinary sigma, so an all-caps headline matches.
        assert tokenize("ΚΌΣΜΟΣ") == tokenize("κόσμος") == ["κόσμοσ"]

    def test_arabic_words_kept_whole(self) -> None:
        assert tokenize("مرحبا بالعالم") == ["مرحبا", "بالعالم"]

    def test_hangul_words_kept_whole(self) -> None:
        assert tokenize("안녕하세요 세계") == ["안녕하세요", "세계"]

    @pytest.mark.parametrize(
        "words",
        [
            ["नमस्ते", "दुनिया"],  # Devanagari: vowel signs and virama are marks
            ["স্বাগতম", "বাংলা"],  # Bengali
        ],
        ids=["devanagari", "bengali"],
    )
    def test_words_with_combining_marks_kept_whole(self, words: list[str]) -> None:
        expected = [unicodedata.normalize("NFKC", word) for word in words]
        assert tokenize(" ".join(words)) == expected

    @pytest.mark.parametrize(
        ("pointed", "plain"),
        [("مُحَمَّد رسول", "محمد رسول"), ("שָׁלוֹם עולם", "שלום עולם")],
        ids=["arabic-harakat", "hebrew-niqqud"],
    )
    def test_optional_vowel_marks_are_dropped(self, pointed: str, plain: str) -> None:
        # Outlets print or omit harakat and niqqud freely: the words must still match.
        assert tokenize(pointed) == tokenize(plain) == plain.split()

    def test_precomposed_and_decomposed_accents_match(self) -> None:
        # NFKC composes "e" + COMBINING ACUTE into "é", so both spellings are one word.
        assert tokenize("cafe\u0301 ouvert") == tokenize("café ouvert") == ["café", "ouvert"]


class TestDigitsAndEmpty:
    def test_digits_are_kept(self) -> None:
        assert tokenize("In 2024, 37 ships left pier 9") == [
            "in",
            "2024",
            "37",
            "ships",
            "left",
            "pier",
            "9",
        ]

    def test_digits_inside_words_stay_in_the_word(self) -> None:
        assert tokenize("COVID-19 and B2B") == ["covid", "19", "and", "b2b"]

    @pytest.mark.parametrize("text", ["", "   ", "\n\t\r\n", "— … !!! ?", "\u200b\ufeff"])
    def test_text_without_words_gives_no_tokens(self, text: str) -> None:
        assert tokenize(text) == []
        assert normalize(text) == ""

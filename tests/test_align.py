"""Tests for passage alignment, on short invented wire stories."""

from __future__ import annotations

import json

import pytest

from dupfind.align import (
    ADDED,
    CHANGED,
    REMOVED,
    SHARED,
    Alignment,
    align,
    alignment_to_dict,
    paragraph_spans,
    segment,
    sentence_spans,
    word_diff,
)
from dupfind.normalize import normalize

P1 = (
    "The town of Westmere opened its new ferry pier on Tuesday. "
    "Harbor master Daniel Okafor said the structure passed its final inspection last week."
)
P2 = (
    "The pier cost 4.2 million dollars and took two years to build. "
    "It replaces a wooden dock that had served the island crossing since 1961."
)
P3 = (
    "Officials expect three thousand passengers a day during the summer season. "
    "Ferries will leave every forty minutes from early morning until midnight."
)
P4 = '"We waited a long time for this," said Mayor Ruth Calloway at the opening ceremony.'
P5 = "A second pier for freight boats is planned for the north shore by the end of next year."
HEADLINE = "Westmere opens new ferry pier"
ARTICLE = "\n\n".join([HEADLINE, P1, P2, P3, P4, P5])


def kinds(alignment: Alignment) -> list[str]:
    return [p.kind for p in alignment.passages]


def texts(alignment: Alignment, kind: str) -> list[str]:
    return [
        (p.copy_text if p.copy_text is not None else p.canonical_text) or ""
        for p in alignment.passages
        if p.kind == kind
    ]


# ------------------------------------------------------------------------------ segmentation


def test_segment_splits_sentences_and_paragraphs() -> None:
    seg = segment(ARTICLE)
    got = [ARTICLE[s.start : s.end] for s in seg.sentences]
    assert got[0] == HEADLINE
    assert got[1] == "The town of Westmere opened its new ferry pier on Tuesday."
    assert len(got) == 1 + 2 + 2 + 2 + 1 + 1
    assert [s.paragraph for s in seg.sentences] == [0, 1, 1, 2, 2, 3, 3, 4, 5]
    assert seg.paragraphs == 6


def test_abbreviations_and_initials_do_not_end_sentences() -> None:
    text = (
        "Mr. Okafor met Dr. Lena Park of the U.S. Coast Guard at 9 a.m. on Jan. 4. "
        "John F. Ward, the pilot, was not there. He arrived later."
    )
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == [
        "Mr. Okafor met Dr. Lena Park of the U.S. Coast Guard at 9 a.m. on Jan. 4.",
        "John F. Ward, the pilot, was not there.",
        "He arrived later.",
    ]


def test_quotes_and_lowercase_continuations() -> None:
    text = '"It is ready." The crew cheered. Was it late? not really, said the clerk.'
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == [
        '"It is ready."',
        "The crew cheered.",
        "Was it late? not really, said the clerk.",
    ]


def test_chinese_sentences_split_without_spaces() -> None:
    text = "新码头今天开放。市长出席了仪式！每天预计有三千名乘客。"
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ["新码头今天开放。", "市长出席了仪式！", "每天预计有三千名乘客。"]


def test_one_paragraph_per_line_scrape() -> None:
    text = f"{HEADLINE}\n2 min read\n{P1}\nStory continues below advertisement\n{P2}\n"
    spans = paragraph_spans(text)
    assert [text[s:e] for s, e in spans] == [
        HEADLINE,
        "2 min read",
        P1,
        "Story continues below advertisement",
        P2,
    ]


def test_hard_wrapped_lines_are_one_paragraph() -> None:
    wrapped = (
        "Westmere opens new ferry pier\n"
        "The town of Westmere opened its new ferry pier on Tuesday. Harbor\n"
        "master Daniel Okafor said the structure passed its final inspection\n"
        "last week.\n"
        "\n"
        "The pier cost 4.2 million dollars and took two years to build. It\n"
        "replaces a wooden dock that had served the island crossing since 1961.\n"
    )
    spans = [wrapped[s:e] for s, e in paragraph_spans(wrapped)]
    assert len(spans) == 3
    assert spans[0] == "Westmere opens new ferry pier"
    assert spans[1].startswith("The town") and spans[1].endswith("last week.")
    keys = [s.key for s in segment(wrapped).sentences]
    assert keys == [s.key for s in segment("\n\n".join([HEADLINE, P1, P2])).sentences]


def test_sentences_without_words_are_dropped() -> None:
    seg = segment(f"{P1}\n\n* * *\n\n{P5}")
    assert [s.paragraph for s in seg.sentences] == [0, 0, 1]
    assert seg.paragraphs == 2


# ------------------------------------------------------------------------------ alignment


def test_identical_texts_are_all_shared() -> None:
    result = align(ARTICLE, ARTICLE)
    assert kinds(result) == [SHARED] * 9
    assert not any(p.moved for p in result.passages)
    words = len(normalize(ARTICLE).split())
    assert result.summary()["shared"] == {"passages": 9, "words": words}
    assert result.summary()["moved"] == 0
    assert result.longest_shared_run == words
    # the headline (5 words) is too short to count as verbatim evidence
    assert result.shared_sentences == 8


def test_trimmed_ending_is_removed_at_the_end() -> None:
    copy = "\n\n".join([HEADLINE, P1, P2, P3])
    result = align(ARTICLE, copy)
    assert kinds(result) == [SHARED] * 7 + [REMOVED] * 2
    removed = result.passages[-2:]
    assert [p.canonical_text for p in removed] == [P4, P5]
    assert all(p.copy_span is None and p.copy_text is None for p in removed)
    assert [p.paragraph for p in removed] == [4, 5]  # canonical paragraphs


def test_added_paragraph_is_added_in_place() -> None:
    extra = "Local fishermen said they worried about the noise from the new engines."
    copy = "\n\n".join([HEADLINE, P1, P2, extra, P3, P4, P5])
    result = align(ARTICLE, copy)
    assert kinds(result) == [SHARED] * 5 + [ADDED] + [SHARED] * 4
    added = result.passages[5]
    assert added.copy_text == extra
    assert added.canonical_span is None
    assert copy[added.copy_span[0] : added.copy_span[1]] == extra
    assert added.paragraph == 3
    assert result.summary()["added"] == {"passages": 1, "words": 12}


def test_one_word_changed_gives_a_word_diff() -> None:
    copy = ARTICLE.replace("pier on Tuesday.", "pier on Wednesday.")
    result = align(ARTICLE, copy)
    assert kinds(result) == [SHARED, CHANGED] + [SHARED] * 7
    changed = result.passages[1]
    assert changed.canonical_text == "The town of Westmere opened its new ferry pier on Tuesday."
    assert changed.copy_text == "The town of Westmere opened its new ferry pier on Wednesday."
    assert changed.word_diff == (
        ("equal", "The town of Westmere opened its new ferry pier on"),
        ("delete", " Tuesday."),
        ("insert", " Wednesday."),
    )
    assert changed.words == 11
    assert not changed.moved


def test_word_diff_compares_normalized_words_but_shows_the_original() -> None:
    diff = word_diff(
        "Officials don't expect “major delays” at the pier today.",
        'officials don’t expect "major delays" at\nthe new pier.',
    )
    assert diff == (
        ("equal", 'officials don’t expect "major delays" at the'),
        ("insert", " new"),
        ("equal", " pier."),
        ("delete", " today."),
    )
    copy_side = "".join(text for op, text in diff if op != "delete")
    assert copy_side == 'officials don’t expect "major delays" at the new pier.'


def test_word_diff_keeps_the_space_before_words_the_copy_starts_with() -> None:
    diff = word_diff("Officials said the pier is ready.", "The pier is ready, officials said.")
    assert diff == (
        ("delete", "Officials said"),
        ("equal", " The pier is ready,"),  # as the copy writes it
        ("insert", " officials said."),
    )
    assert normalize("".join(t for op, t in diff if op != "insert")) == normalize(
        "Officials said the pier is ready."
    )


def test_word_diff_of_chinese_is_per_character() -> None:
    diff = word_diff("市长出席了仪式。", "副市长出席了仪式。")
    assert diff == (("insert", "副"), ("equal", "市长出席了仪式。"))


def test_reordered_paragraphs_are_moved_not_removed_and_added() -> None:
    copy = "\n\n".join([HEADLINE, P1, P4, P2, P3, P5])
    result = align(ARTICLE, copy)
    assert set(kinds(result)) == {SHARED}
    moved = [p for p in result.passages if p.moved]
    assert [p.copy_text for p in moved] == [P4]
    assert moved[0].paragraph == 2  # its paragraph in the copy
    assert result.summary()["moved"] == 1
    assert result.summary()["removed"]["passages"] == 0
    assert result.summary()["added"]["passages"] == 0


def test_moved_and_edited_sentence_is_changed_and_moved() -> None:
    edited_p4 = P4.replace("at the opening ceremony", "at the opening")
    copy = "\n\n".join([HEADLINE, edited_p4, P1, P2, P3, P5])
    result = align(ARTICLE, copy)
    changed = [p for p in result.passages if p.kind == CHANGED]
    assert len(changed) == 1
    assert changed[0].moved
    assert changed[0].canonical_text == P4
    assert changed[0].word_diff[-1] == ("delete", " ceremony.")
    assert result.summary()["removed"]["passages"] == 0


def test_typography_and_rewrapping_are_shared() -> None:
    canonical = (
        "Westmere opens new ferry pier\n\n"
        "“We waited a long time for this,” said Mayor Ruth Calloway — the town’s first "
        "female mayor — at the opening ceremony. The pier serves the island route 7–9."
    )
    copy = (
        'WESTMERE OPENS NEW FERRY PIER\n\n"We waited a long time for this," said Mayor\n'
        "Ruth Calloway - the town's first female mayor - at the opening ceremony.\n"
        "The pier serves the island route 7-9.\n"
    )
    result = align(canonical, copy)
    assert kinds(result) == [SHARED, SHARED, SHARED]
    assert result.summary()["changed"]["passages"] == 0


def test_sentence_broken_by_an_odd_line_break_is_joined() -> None:
    # The short first line reads as a standalone line, so the copy splits the sentence in two.
    copy = "\n".join([HEADLINE, P1, P2, P3, P4.replace(" said Mayor ", " said Mayor\n"), P5])
    result = align(ARTICLE, copy)
    assert kinds(result) == [SHARED] * 9
    joined = result.passages[7]
    assert joined.canonical_text == P4
    assert joined.copy_text == P4.replace(" said Mayor ", " said Mayor\n")
    assert copy[joined.copy_span[0] : joined.copy_span[1]] == joined.copy_text
    assert joined.words == 15
    assert result.longest_shared_run == len(normalize(ARTICLE).split())
    # and the other way round: the canonical holds the two halves
    reverse = align(copy, ARTICLE)
    assert kinds(reverse) == [SHARED] * 9
    assert reverse.passages[7].canonical_text == joined.copy_text
    assert reverse.passages[7].copy_text == P4


def test_boilerplate_line_in_copy_is_added() -> None:
    copy = "\n".join([HEADLINE, P1, "Story continues below advertisement", P2, P3, P4, P5])
    result = align(ARTICLE, copy)
    assert texts(result, ADDED) == ["Story continues below advertisement"]
    assert result.summary()["shared"]["passages"] == 9


def test_removed_comes_before_added_in_the_same_place() -> None:
    other = "Tickets will be sold online and at a kiosk beside the car park."
    copy = "\n\n".join([HEADLINE, P1, P2, other, P4, P5])
    result = align(ARTICLE, copy)
    assert kinds(result) == [SHARED] * 5 + [REMOVED, REMOVED, ADDED] + [SHARED] * 2


@pytest.mark.parametrize("empty", ["", "  \n\n  "])
def test_empty_copy_is_all_removed(empty: str) -> None:
    result = align(ARTICLE, empty)
    assert kinds(result) == [REMOVED] * 9
    assert result.summary()["shared"] == {"passages": 0, "words": 0}
    assert result.shared_sentences == 0
    assert result.longest_shared_run == 0


def test_empty_canonical_is_all_added() -> None:
    result = align("", ARTICLE)
    assert kinds(result) == [ADDED] * 9
    assert result.summary()["added"]["words"] == len(normalize(ARTICLE).split())


def test_both_empty() -> None:
    result = align("", "")
    assert result.passages == ()
    assert alignment_to_dict(result)["passages"] == []


def test_rewrite_of_the_same_event_shares_no_sentence() -> None:
    rewrite = (
        "Ferry travellers to the island have a new place to board. Westmere's pier, built "
        "over two years for 4.2 million dollars, welcomed its first boats on Tuesday."
    )
    result = align(ARTICLE, rewrite)
    assert result.shared_sentences == 0
    assert result.longest_shared_run == 0
    assert result.summary()["shared"]["passages"] == 0


def test_longest_shared_run_stops_at_an_edit() -> None:
    copy = ARTICLE.replace("since 1961", "since 1962")
    result = align(ARTICLE, copy)
    words_after = len(normalize("\n".join([P3, P4, P5])).split())
    words_before = len(normalize("\n".join([HEADLINE, P1, P2.split(". ")[0]])).split())
    assert result.longest_shared_run == max(words_after, words_before)
    assert result.summary()["changed"]["passages"] == 1


def test_segmented_canonical_can_be_reused() -> None:
    copy = "\n\n".join([HEADLINE, P2, P1, P3])
    canonical = segment(ARTICLE)
    assert align(canonical, copy) == align(ARTICLE, copy)
    assert align(canonical, segment(copy)) == align(ARTICLE, copy)


# ------------------------------------------------------------------------------ JSON


def test_json_offsets_map_back_to_the_original_texts() -> None:
    canonical = "  " + ARTICLE.replace("\n\n", "\r\n\r\n") + "\n"
    copy = (
        "WESTMERE OPENS NEW PIER\n"
        + P2.replace("two years", "three years").replace(". ", ".\n")
        + "\n\n"
        + P1.replace('"', "“")
        + "\nStory continues below advertisement\n"
        + P4.replace('"', "“", 1).replace('"', "”", 1)
        + "\n"
    )
    a = align(canonical, copy)
    data = json.loads(json.dumps(alignment_to_dict(a)))
    assert data["summary"] == a.summary()
    assert len(data["passages"]) == len(a.passages)
    seen = {SHARED: 0, CHANGED: 0, ADDED: 0, REMOVED: 0}
    for p in data["passages"]:
        seen[p["kind"]] += 1
        if p["canonical_span"] is None:
            assert p["kind"] == ADDED and p["canonical_text"] is None
        else:
            start, end = p["canonical_span"]
            assert canonical[start:end] == p["canonical_text"]
        if p["copy_span"] is None:
            assert p["kind"] == REMOVED and p["copy_text"] is None
        else:
            start, end = p["copy_span"]
            assert copy[start:end] == p["copy_text"]
        if p["kind"] == CHANGED:
            assert p["word_diff"]
            shown = "".join(text for op, text in p["word_diff"] if op != "delete")
            assert shown.strip() == " ".join(p["copy_text"].split())
            before = "".join(text for op, text in p["word_diff"] if op != "insert")
            assert normalize(before) == normalize(p["canonical_text"])
        else:
            assert p["word_diff"] == []
    assert seen[SHARED] >= 4 and seen[CHANGED] >= 2 and seen[ADDED] >= 1 and seen[REMOVED] >= 2
    assert "passages" not in alignment_to_dict(a, passages=False)


def test_summary_counts() -> None:
    extra = "Local fishermen said they worried about the noise from the new engines."
    copy = "\n\n".join([HEADLINE, P1, P2.replace("4.2 million", "4.5 million"), P4, P3, extra])
    result = align(ARTICLE, copy)
    summary = result.summary()
    # headline 5, P1 11 + 13, second sentence of P2 13, P3 11 + 11, P4 15 (moved: shorter than P3)
    assert summary == {
        "shared": {"passages": 7, "words": 5 + 24 + 13 + 22 + 15},
        "changed": {"passages": 1, "words": 13},
        "added": {"passages": 1, "words": 12},
        "removed": {"passages": 1, "words": 18},
        "moved": 1,
    }
    assert [p.copy_text for p in result.passages if p.moved] == [P4]
    assert result.canonical_words == len(normalize(ARTICLE).split())


# ------------------------------------------------------------------------ long articles


def test_long_article_with_block_move_trim_and_edit() -> None:
    # Speed is measured by benchmarks/bench_align.py, never by a timed test.
    paragraphs = [
        f"Paragraph {n} reports that crew number {n} inspected pier section {n * 7} on day {n}. "
        f"Engineers measured {n * 3} bolts and found {n % 5} loose ones in section {n * 7}. "
        f"The inspection of section {n * 7} ended at {n % 12 + 1} o'clock as planned."
        for n in range(60)
    ]
    canonical = "\n\n".join(paragraphs)
    edited = paragraphs[:10] + paragraphs[30:40] + paragraphs[10:30] + paragraphs[40:55]
    edited[5] = edited[5].replace("inspected", "checked")
    copy = "\n\n".join([*edited, "An extra closing line was added by the second outlet."])
    assert len(canonical.split()) > 1400
    result = align(canonical, copy)
    assert result.summary()["changed"]["passages"] == 1
    assert result.summary()["removed"]["passages"] == 15
    assert result.summary()["moved"] > 0

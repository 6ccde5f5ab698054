"""Tests for the Rich rendering of alignments, asserted on plain text (no colour)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from dupfind.align import align
from dupfind.diffview import (
    STYLE_DELETED_WORDS,
    STYLE_INSERTED_WORDS,
    render_alignment,
    render_summary,
)

P1 = (
    "The museum in Carrow Bay reopened its east wing on Saturday after a long renovation. "
    "Curator Amira Holt said the roof had leaked for almost a decade."
)
P2 = (
    "Workers replaced four hundred slate tiles and installed new climate controls. "
    "The project was paid for by a regional heritage fund."
)
P3 = "Visitors can now see the whaling collection, which had been kept in storage since 2015."
P4 = "Entry will be free for residents of the bay until the end of the month."
P5 = "The west wing is scheduled to close for similar repairs in the spring."
HEADLINE = "Carrow Bay museum reopens east wing"
ARTICLE = "\n\n".join([HEADLINE, P1, P2, P3, P4, P5])


def render(canonical: str, copy: str, **options: object) -> str:
    console = Console(file=io.StringIO(), width=80, no_color=True, force_terminal=False)
    console.print(render_alignment(align(canonical, copy), **options))  # type: ignore[arg-type]
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in output.splitlines())


def test_identical_texts_collapse_to_one_line() -> None:
    assert render(ARTICLE, ARTICLE) == "… 6 shared paragraphs (8 sentences) …"


def test_trimmed_ending_shows_removed_paragraphs() -> None:
    copy = "\n\n".join([HEADLINE, P1, P2, P3])
    assert render(ARTICLE, copy).splitlines() == [
        "… 4 shared paragraphs (6 sentences) …",
        f"- {P4}",
        f"- {P5}",
    ]


def test_added_paragraph_is_green_plus_line_between_collapsed_runs() -> None:
    extra = "A cafe run by volunteers will open next to the entrance."
    copy = "\n\n".join([HEADLINE, P1, P2, extra, P3, P4, P5])
    assert render(ARTICLE, copy).splitlines() == [
        "… 3 shared paragraphs (5 sentences) …",
        f"+ {extra}",
        "… 3 shared paragraphs (3 sentences) …",
    ]


def test_changed_word_uses_word_diff_markers() -> None:
    copy = ARTICLE.replace("on Saturday after", "on Sunday after")
    lines = render(ARTICLE, copy).splitlines()
    assert lines[0] == "… 1 shared paragraph (1 sentence) …"
    changed = " ".join(lines[1:-1])
    assert changed == (
        "~ The museum in Carrow Bay reopened its east wing on [-Saturday-]{+Sunday+} "
        "after a long renovation."
    )
    assert lines[-1] == "… 4 shared paragraphs (6 sentences) …"


def test_shared_sentences_of_a_changed_paragraph_are_counted_as_sentences() -> None:
    copy = "\n\n".join([P1.replace("almost a decade", "nearly ten years")])
    canonical = "\n\n".join([P1])
    lines = render(canonical, copy).splitlines()
    assert lines[0] == "… 1 shared sentence …"
    assert lines[1].startswith("~ Curator Amira Holt said the roof had leaked for ")
    assert "[-almost a decade.-]{+nearly ten years.+}" in " ".join(lines[1:])


def test_markers_off_keeps_words_without_brackets() -> None:
    copy = ARTICLE.replace("on Saturday after", "on Sunday after")
    output = render(ARTICLE, copy, markers=False)
    assert "[-" not in output and "{+" not in output
    assert "~ The museum in Carrow Bay reopened its east wing on Saturday Sunday after" in output


def test_reordered_paragraph_is_marked_moved() -> None:
    copy = "\n\n".join([HEADLINE, P1, P4, P2, P3, P5])
    lines = render(ARTICLE, copy).splitlines()
    assert lines == [
        "… 2 shared paragraphs (3 sentences) …",
        f"↕ {P4}",
        "(moved)",  # the tag did not fit on the 80-column line
        "… 3 shared paragraphs (4 sentences) …",
    ]
    assert not any(line.startswith(("- ", "+ ")) for line in lines)


def test_context_keeps_neighbouring_shared_passages() -> None:
    copy = "\n\n".join([HEADLINE, P1, P2, P4, P5])  # P3 dropped
    lines = render(ARTICLE, copy, context=1).splitlines()
    assert lines == [
        "… 2 shared paragraphs (4 sentences) …",
        "  The project was paid for by a regional heritage fund.",
        "- Visitors can now see the whaling collection, which had been kept in storage",
        "since 2015.",
        f"  {P4}",
        "… 1 shared paragraph (1 sentence) …",
    ]


def test_long_lines_wrap_at_80_columns() -> None:
    long_sentence = " ".join(["The renovation crew worked through the winter nights"] * 6) + "."
    canonical = f"{HEADLINE}\n\n{P1}"
    copy = f"{HEADLINE}\n\n{P1}\n\n{long_sentence}"
    output = render(canonical, copy)
    lines = output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[1].startswith("+ The renovation crew")
    assert len(lines) >= 5  # the added sentence took several lines
    assert " ".join(lines[1:]) == f"+ {long_sentence}"


def test_empty_alignments_and_empty_sides() -> None:
    assert render("", "") == "(both texts are empty)"
    lines = render("", f"{HEADLINE}\n\n{P4}").splitlines()
    assert lines == [f"+ {HEADLINE}", f"+ {P4}"]
    lines = render(f"{HEADLINE}\n\n{P4}", "").splitlines()
    assert lines == [f"- {HEADLINE}", f"- {P4}"]


def test_word_changes_are_styled() -> None:
    copy = ARTICLE.replace("on Saturday after", "on Sunday after")
    group = render_alignment(align(ARTICLE, copy))
    changed = [r for r in group.renderables if isinstance(r, Text) and r.plain.startswith("~ ")]
    assert len(changed) == 1
    assert str(changed[0].style) == ""  # unchanged words keep the default style
    styled = {changed[0].plain[s.start : s.end]: str(s.style) for s in changed[0].spans}
    assert styled["[-Saturday-]"] == STYLE_DELETED_WORDS
    assert styled["{+Sunday+}"] == STYLE_INSERTED_WORDS
    assert " after a long renovation." not in styled


def test_summary_line() -> None:
    copy = "\n\n".join([HEADLINE, P1, P4, P2, P3.replace("2015", "2014")])
    text = render_summary(align(ARTICLE, copy)).plain
    assert text == (
        "6 shared (69 words) · 1 changed (15 words) · 0 added (0 words) · "
        "1 removed (13 words) · 1 moved"
    )

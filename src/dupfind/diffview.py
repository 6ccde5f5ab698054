"""Terminal rendering of an :class:`~dupfind.align.Alignment`: only what differs, in context.

A wire copy is mostly the same text as its original, so printing both is useless: the reader
wants the few passages that were trimmed, added, edited or moved. Runs of shared passages are
collapsed into one dim line (``… 5 shared paragraphs (23 sentences) …``); removed passages are
red with ``- ``, added green with ``+ ``, edited ones ``~ `` with word-level highlights, moved
ones tagged ``(moved)``. With ``markers`` the word changes are also written in git's word-diff
style, ``[-old-]{+new+}``, so the output reads the same with ``NO_COLOR`` or in a log file.

Everything is built from :class:`rich.text.Text`, which wraps to the terminal width.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from rich.console import Group
from rich.text import Text

from dupfind.align import ADDED, CHANGED, KINDS, REMOVED, SHARED, Alignment, Passage

STYLE_REMOVED = "red"
STYLE_ADDED = "green"
STYLE_CHANGED = "yellow"
STYLE_DELETED_WORDS = "red strike"
STYLE_INSERTED_WORDS = "bold green"
STYLE_MOVED = "cyan"
STYLE_COLLAPSED = "dim"

_PREFIX = {REMOVED: "- ", ADDED: "+ ", CHANGED: "~ ", SHARED: "  "}
_MOVED_PREFIX = "↕ "
_MOVED_TAG = "  (moved)"
_BOILERPLATE_TAG = "  (boilerplate)"
STYLE_BOILERPLATE = "dim"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _collapsed_line(run: list[Passage], paragraph_sizes: Counter[int]) -> Text:
    """One dim line standing for a run of hidden shared passages.

    Paragraphs are counted only when the run covers them entirely, so two shared sentences
    around an edit read "2 shared sentences", not "1 shared paragraph".
    """
    in_run = Counter(p.paragraph for p in run)
    full = sum(1 for par, n in in_run.items() if n == paragraph_sizes[par])
    sentences = _plural(len(run), "sentence")
    if full:
        label = f"… {_plural(full, 'shared paragraph')} ({sentences}) …"
    else:
        label = f"… {_plural(len(run), 'shared sentence')} …"
    return Text(label, style=STYLE_COLLAPSED)


def _changed_line(passage: Passage, markers: bool) -> Text:
    """A ``~`` line: the copy's sentence with deleted and inserted words highlighted."""
    line = Text()
    line.append(_PREFIX[CHANGED], style=STYLE_CHANGED)
    previous = None
    for n, (op, piece) in enumerate(passage.word_diff):
        if n == 0 or (markers and op == "insert" and previous == "delete"):
            piece = piece.lstrip()  # git style: [-old-]{+new+}
        lead = piece[: len(piece) - len(piece.lstrip())]
        word = piece[len(lead) :]
        if op == "equal":
            line.append(piece)
        elif op == "delete":
            line.append(lead)
            line.append(f"[-{word}-]" if markers else word, style=STYLE_DELETED_WORDS)
        else:
            line.append(lead)
            line.append(f"{{+{word}+}}" if markers else word, style=STYLE_INSERTED_WORDS)
        previous = op
    if passage.moved:
        line.append(_MOVED_TAG, style=STYLE_MOVED)
    return line


def _group_line(group: list[Passage], boilerplate: bool = False) -> Text:
    """A line for consecutive removed, added, moved or context passages of one paragraph.

    Boilerplate (outlet furniture the scan learned and left out of matching) is dimmed and
    tagged, so the reader sees it was set aside rather than compared.
    """
    first = group[0]
    if first.kind == REMOVED:
        text = " ".join(p.canonical_text or "" for p in group)
    else:
        text = " ".join(p.copy_text or "" for p in group)
    if first.kind == SHARED and first.moved:
        line = Text()
        line.append(_MOVED_PREFIX, style=STYLE_MOVED)
        line.append(text)
        line.append(_MOVED_TAG, style=STYLE_MOVED)
        return line
    style = {REMOVED: STYLE_REMOVED, ADDED: STYLE_ADDED}.get(first.kind, "")
    if boilerplate:
        style = f"{style} {STYLE_BOILERPLATE}".strip()
    line = Text()
    line.append(_PREFIX[first.kind], style=style)
    line.append(text, style=style)
    if boilerplate:
        line.append(_BOILERPLATE_TAG, style=STYLE_BOILERPLATE)
    return line


def render_alignment(
    alignment: Alignment,
    *,
    context: int = 0,
    markers: bool = True,
    is_boilerplate: Callable[[Passage], bool] | None = None,
) -> Group:
    """Render the divergent passages of ``alignment``, collapsing runs of shared ones.

    ``context`` keeps that many shared passages visible on each side of every divergent one
    (removed, added, changed or moved). ``markers`` adds ``[-deleted-]{+inserted+}`` around
    word changes so they show without colour. ``is_boilerplate`` marks learned furniture.
    """
    flag = is_boilerplate or (lambda passage: False)
    passages = alignment.passages
    if not passages:
        return Group(Text("(both texts are empty)", style=STYLE_COLLAPSED))
    divergent = [p.kind != SHARED or p.moved for p in passages]
    visible = list(divergent)
    for k, is_divergent in enumerate(divergent):
        if is_divergent and context > 0:
            for v in range(max(0, k - context), min(len(passages), k + context + 1)):
                visible[v] = True
    # Sentences per copy-side paragraph, to tell a collapsed whole paragraph from a part of one.
    paragraph_sizes = Counter(p.paragraph for p in passages if p.kind != REMOVED)

    lines: list[Text] = []
    hidden: list[Passage] = []
    group: list[Passage] = []

    def close_group() -> None:
        if group:
            lines.append(_group_line(group, flag(group[0])))
            group.clear()

    for passage, shown in zip(passages, visible, strict=True):
        if not shown:
            close_group()
            hidden.append(passage)
            continue
        if hidden:
            lines.append(_collapsed_line(hidden, paragraph_sizes))
            hidden = []
        if passage.kind == CHANGED:
            close_group()
            lines.append(_changed_line(passage, markers))
            continue
        if group and (
            (group[0].kind, group[0].moved, group[0].paragraph, flag(group[0]))
            != (passage.kind, passage.moved, passage.paragraph, flag(passage))
        ):
            close_group()
        group.append(passage)
    close_group()
    if hidden:
        lines.append(_collapsed_line(hidden, paragraph_sizes))
    return Group(*lines)


def render_summary(alignment: Alignment) -> Text:
    """One line of counts, e.g. ``12 shared · 1 changed · 2 added · 3 removed · 1 moved``."""
    summary = alignment.summary()
    styles = {
        SHARED: "",
        CHANGED: STYLE_CHANGED,
        ADDED: STYLE_ADDED,
        REMOVED: STYLE_REMOVED,
    }
    line = Text()
    for n, kind in enumerate(KINDS):
        if n:
            line.append(" · ", style=STYLE_COLLAPSED)
        counts = summary[kind]
        line.append(f"{counts['passages']} {kind}", style=styles[kind])
        line.append(f" ({_plural(counts['words'], 'word')})", style=STYLE_COLLAPSED)
    if summary["moved"]:
        line.append(" · ", style=STYLE_COLLAPSED)
        line.append(f"{summary['moved']} moved", style=STYLE_MOVED)
    return line

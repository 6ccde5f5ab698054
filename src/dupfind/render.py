"""Terminal rendering of a scan for people: one panel per cluster and a summary line.

Only formatting lives here: everything shown comes from :class:`dupfind.pipeline.ScanResult`.
Colour follows Rich's rules (none when stdout is not a terminal or ``NO_COLOR`` is set) unless
``--color`` forces it.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dupfind.align import Alignment
from dupfind.diffview import render_alignment, render_summary
from dupfind.documents import Document
from dupfind.output import Aligner
from dupfind.pipeline import Cluster, ScanResult
from dupfind.verify import PairScores


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {plural or word + 's'}"


def cluster_table(cluster: Cluster) -> Table:
    """Members with their scores against the canonical member (marked ★)."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column("", width=1, no_wrap=True)
    table.add_column("document / title", ratio=1, overflow="fold")
    table.add_column("words", justify="right", no_wrap=True)
    table.add_column("jaccard", justify="right", no_wrap=True)
    table.add_column("contain", justify="right", no_wrap=True)
    for member in cluster.members:
        label = Text(member.id, style="bold" if member.canonical else "")
        if member.title:
            label.append("\n" + member.title, style="dim")
        table.add_row(
            "★" if member.canonical else "",
            label,
            str(member.words),
            "—" if member.canonical else f"{member.jaccard:.2f}",
            "—" if member.canonical else f"{member.containment:.2f}",
        )
    return table


def member_diffs(
    cluster: Cluster, alignments: dict[str, Alignment], context: int = 0
) -> list[RenderableType]:
    """Each copy's divergent passages against the canonical member, under a header line."""
    parts: list[RenderableType] = []
    for member in cluster.members[1:]:
        alignment = alignments.get(member.id)
        if alignment is None:
            continue
        header = Text(f"\n{member.id}", style="bold cyan")
        header.append(" vs ", style="dim")
        header.append(cluster.canonical.id, style="cyan")
        header.append(": ")
        header.append_text(render_summary(alignment))
        parts.append(header)
        parts.append(render_alignment(alignment, context=context))
    return parts


def cluster_panel(cluster: Cluster, diffs: list[RenderableType] | None = None) -> Panel:
    parts: list[RenderableType] = [cluster_table(cluster), *(diffs or [])]
    copies = len(cluster.members) - 1
    copies_label = _plural(copies, "copy", "copies")
    title = f"cluster {cluster.number} · {cluster.canonical.id} + {copies_label}"
    return Panel(Group(*parts), title=title, title_align="left", box=box.ROUNDED)


def summary_line(result: ScanResult, timings: bool = True) -> Text:
    stats = result.stats
    parts = [
        f"{_plural(stats.documents, 'document')} read",
        f"{stats.skipped} skipped",
        _plural(stats.clusters, "cluster"),
        f"{_plural(stats.duplicate_documents, 'duplicate document')}",
    ]
    if timings:
        parts.append(f"{result.seconds:.2f}s")
    style = "bold yellow" if stats.clusters else "bold green"
    return Text(" · ".join(parts), style=style)


def render_scan(
    result: ScanResult, console: Console, aligner: Aligner | None = None, context: int = 0
) -> None:
    """Print every cluster (with each copy's divergent passages given an aligner), then the
    summary. Clusters are printed as they are aligned, so a long report starts at once."""
    if not result.clusters:
        console.print(Text("No near-duplicate documents found.", style="green"))
    for cluster in result.clusters:
        diffs = member_diffs(cluster, aligner(cluster), context) if aligner else None
        console.print(cluster_panel(cluster, diffs))
    console.print(summary_line(result))


def render_pair_header(
    canonical: Document,
    copy: Document,
    scores: PairScores,
    is_copy: bool,
    alignment: Alignment,
) -> Panel:
    """``dupfind diff``'s header: the two documents, their scores and the verdict."""
    lines = Text()
    lines.append("A ", style="bold red")
    lines.append(f"{canonical.path}  ({alignment.canonical_words} words)\n", style="bold")
    lines.append(f"  {canonical.title}\n", style="dim")
    lines.append("B ", style="bold green")
    lines.append(f"{copy.path}  ({alignment.copy_words} words)\n", style="bold")
    lines.append(f"  {copy.title}\n", style="dim")
    lines.append(
        f"jaccard {scores.jaccard:.2f} · containment {scores.containment:.2f} · "
        f"{scores.shared} shared shingles · "
    )
    verdict = "copies" if is_copy else "not copies"
    lines.append(verdict, style="bold yellow" if is_copy else "bold green")
    lines.append(" under scan's default rule\n")
    lines.append_text(render_summary(alignment))
    return Panel(lines, title="dupfind diff", title_align="left", box=box.ROUNDED)

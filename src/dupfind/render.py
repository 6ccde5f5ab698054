"""Terminal rendering of a scan for people: one panel per cluster and a summary line.

Only formatting lives here: everything shown comes from :class:`dupfind.pipeline.ScanResult`.
Colour follows Rich's rules (none when stdout is not a terminal or ``NO_COLOR`` is set) unless
``--color`` forces it.
"""

from __future__ import annotations

from collections.abc import Callable

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dupfind.pipeline import Cluster, ScanResult

DiffRenderer = Callable[[Cluster], list[tuple[str, RenderableType]]]


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


def cluster_panel(cluster: Cluster, diffs: list[tuple[str, RenderableType]] = ()) -> Panel:
    parts: list[RenderableType] = [cluster_table(cluster)]
    for label, renderable in diffs:
        parts.append(Text(label, style="bold cyan"))
        parts.append(renderable)
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
    result: ScanResult, console: Console, diff_renderer: DiffRenderer | None = None
) -> None:
    """Print every cluster (with its member diffs when a renderer is given) and the summary."""
    if not result.clusters:
        console.print(Text("No near-duplicate documents found.", style="green"))
    for cluster in result.clusters:
        diffs = diff_renderer(cluster) if diff_renderer else []
        console.print(cluster_panel(cluster, diffs))
    console.print(summary_line(result))

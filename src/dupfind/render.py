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

from dupfind.align import Alignment, Passage
from dupfind.check import CheckResult, Match
from dupfind.diffs import boilerplate_marker
from dupfind.diffview import render_alignment, render_summary
from dupfind.documents import Document
from dupfind.evaluation import Evaluation, Metrics
from dupfind.index import IndexStats, UpsertResult
from dupfind.output import Aligner, MatchAligner
from dupfind.pipeline import Cluster, ScanResult
from dupfind.verify import Evidence


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
    cluster: Cluster,
    alignments: dict[str, Alignment],
    context: int = 0,
    is_boilerplate: Callable[[Passage], bool] | None = None,
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
        parts.append(render_alignment(alignment, context=context, is_boilerplate=is_boilerplate))
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
        diffs = (
            member_diffs(cluster, aligner(cluster), context, boilerplate_marker(result.boilerplate))
            if aligner
            else None
        )
        console.print(cluster_panel(cluster, diffs))
    console.print(summary_line(result))


def render_pair_header(
    canonical: Document,
    copy: Document,
    scores: Evidence,
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


def render_evaluation(evaluation: Evaluation, console: Console) -> None:
    """Metrics, per-category recall and the listed errors of ``dupfind eval``."""
    m = evaluation.metrics
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in ("documents", "precision", "recall", "F1", "ARI", "false merges", "missed"):
        table.add_column(name, justify="right")
    table.add_row(
        str(m.documents),
        f"{m.precision:.4f}",
        f"{m.recall:.4f}",
        f"{m.f1:.4f}",
        f"{m.ari:.4f}",
        str(m.false_merges),
        str(m.missed_pairs),
    )
    console.print(table)
    console.print(
        Text(
            f"pairs: labelled {m.true_pairs}, predicted {m.predicted_pairs}, "
            f"correct {m.correct_pairs}; unlabelled documents {evaluation.unlabelled}",
            style="dim",
        )
    )
    if evaluation.categories:
        categories = Table(title="recall by category", box=box.SIMPLE_HEAD, show_edge=False)
        for name in ("category", "pairs", "found", "recall"):
            categories.add_column(name, justify="left" if name == "category" else "right")
        for name, row in evaluation.categories.items():
            categories.add_row(name, str(row["pairs"]), str(row["found"]), f"{row['recall']:.3f}")
        console.print(categories)
    for error in evaluation.errors:
        e = error.evidence
        label = "false merge" if error.kind == "false_merge" else "missed pair"
        line = Text(f"{label}: ", style="bold red" if error.kind == "false_merge" else "bold")
        line.append(f"{error.left} ~ {error.right}  ")
        line.append(
            f"jaccard {e.jaccard:.2f} · containment {e.containment:.2f} · "
            f"{e.shared_sentences} shared sentences · "
            f"{'aligned' if e.aligned else 'not aligned'} · spread {e.spread}/4 · "
            f"{'coherent' if e.coherent else 'incoherent'}",
            style="dim",
        )
        console.print(line)
        for passage in error.shared_passages:
            console.print(Text(f"    = {passage}", style="cyan"))


_SWEEP_LABELS = {
    "jaccard_threshold": "-t",
    "containment_threshold": "-c",
    "min_shared_sentences": "sent",
    "merge_support": "support",
}


def render_sweep(
    results: list[tuple[dict[str, float], Metrics]],
    defaults: dict[str, float],
    console: Console,
    top: int = 15,
) -> None:
    """The sweep's best rows by F1 (and the defaults' row, marked ★)."""
    ranked = sorted(results, key=lambda row: (-row[1].f1, -row[1].precision))
    shown = ranked[:top]
    default_row = next((r for r in ranked if r[0] == defaults), None)
    if default_row is not None and default_row not in shown:
        shown.append(default_row)
    table = Table(
        title="sweep (best F1 first; ★ = the options given)",
        caption="-t threshold, -c containment, sent min-sentences, support merge-support; "
        "P precision, R recall, FM false merges",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    names = list(results[0][0]) if results else []
    table.add_column("")
    for name in names:
        table.add_column(_SWEEP_LABELS.get(name, name), justify="right", no_wrap=True)
    for name in ("P", "R", "F1", "ARI", "FM"):
        table.add_column(name, justify="right", no_wrap=True)
    for combo, m in shown:
        table.add_row(
            "★" if combo == defaults else "",
            *(f"{combo[n]:g}" for n in names),
            f"{m.precision:.4f}",
            f"{m.recall:.4f}",
            f"{m.f1:.4f}",
            f"{m.ari:.4f}",
            str(m.false_merges),
        )
    console.print(table)


def _check_match_table(matches: list[Match]) -> Table:
    """The documents one new document repeats, with their scores."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column("repeats / title", ratio=1, overflow="fold")
    table.add_column("where", no_wrap=True)
    table.add_column("jaccard", justify="right", no_wrap=True)
    table.add_column("contain", justify="right", no_wrap=True)
    table.add_column("sentences", justify="right", no_wrap=True)
    for match in matches:
        label = Text(match.matched.id, style="bold")
        if match.matched.title:
            label.append("\n" + match.matched.title, style="dim")
        table.add_row(
            label,
            "indexed" if match.where == "index" else "new",
            f"{match.evidence.jaccard:.2f}",
            f"{match.evidence.containment:.2f}",
            str(match.evidence.shared_sentences),
        )
    return table


def check_summary_line(
    result: CheckResult, max_duplicates: int, updated: UpsertResult | None = None
) -> Text:
    stats = result.stats
    duplicates = stats.duplicate_documents
    parts = [
        f"{_plural(stats.documents, 'document')} read",
        f"{stats.unchanged} already indexed",
        f"{stats.checked} checked against {_plural(stats.indexed, 'indexed document')}",
        f"{_plural(duplicates, 'duplicate')} (max {max_duplicates})",
    ]
    if updated is not None:
        parts.append(f"index updated: {len(updated.added)} added, {len(updated.replaced)} replaced")
    passed = duplicates <= max_duplicates
    style = "bold green" if not duplicates else "bold yellow" if passed else "bold red"
    return Text(" · ".join(parts), style=style)


def render_check(
    result: CheckResult,
    console: Console,
    aligner: MatchAligner | None = None,
    context: int = 0,
    max_duplicates: int = 0,
    updated: UpsertResult | None = None,
) -> None:
    """A panel per new document that repeats something: what it repeats, the scores, and
    (given an aligner) the divergent passages against each matched document; then a summary."""
    if not result.matches:
        console.print(Text("No duplicates found.", style="green"))
    marker = boilerplate_marker(result.boilerplate)
    by_new: dict[str, list[Match]] = {}
    for match in result.matches:
        by_new.setdefault(match.new.id, []).append(match)
    failing = result.stats.duplicate_documents > max_duplicates
    for new_id, matches in by_new.items():
        parts: list[RenderableType] = []
        if matches[0].new.title:
            parts.append(Text(matches[0].new.title, style="dim"))
        parts.append(_check_match_table(matches))
        for match in matches if aligner else []:
            header = Text(f"\n{new_id}", style="bold cyan")
            header.append(" vs ", style="dim")
            header.append(match.matched.id, style="cyan")
            alignment = aligner(match) if aligner else None
            if alignment is None:
                missing = match.matched.path or match.matched.id
                header.append(f": text not available (indexed from {missing})", style="dim")
                parts.append(header)
                continue
            header.append(": ")
            header.append_text(render_summary(alignment))
            parts.append(header)
            parts.append(render_alignment(alignment, context=context, is_boilerplate=marker))
        title = f"{new_id} · repeats {_plural(len(matches), 'document')}"
        console.print(
            Panel(
                Group(*parts),
                title=title,
                title_align="left",
                box=box.ROUNDED,
                border_style="red" if failing else "yellow",
            )
        )
    console.print(check_summary_line(result, max_duplicates, updated))


def render_index_stats(stats: IndexStats, console: Console) -> None:
    """``dupfind index stats``: documents, size on disk and parameters."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    per_document = stats.size_bytes / stats.documents if stats.documents else 0
    rows = [
        ("index", stats.path),
        ("documents", f"{stats.documents:,}"),
        ("size on disk", f"{stats.size_bytes / 1e6:,.1f} MB ({per_document:,.0f} bytes/document)"),
        ("boilerplate units", f"{stats.boilerplate_units:,}"),
        ("band rows", f"{stats.band_rows:,}"),
        ("sentence rows", f"{stats.sentence_rows:,}"),
    ]
    rows += [(name.replace("_", " "), str(value)) for name, value in stats.params.as_dict().items()]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)

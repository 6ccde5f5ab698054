"""Scoring a clustering against gold labels: pairwise precision/recall/F1 and the ARI.

Used by ``dupfind eval`` to choose defaults from data and to show the errors that remain.
A *pair* is two documents put in one cluster. Pairwise precision is the share of predicted
pairs that the labels also pair; recall is the share of labelled pairs that were predicted.
The adjusted Rand index (Hubert & Arabie, "Comparing partitions", 1985) scores the whole
partition, singletons included, with 0 for chance agreement and 1 for identical partitions.

Label ids are matched to scan ids exactly, or, failing that, to the scan id without its file
extension (``docs/000133.txt`` scanned from ``docs/`` has id ``000133.txt``; labels may say
``000133``). Documents the labels list but the scan did not produce count as singletons.

Example::

    >>> m = pairwise_metrics([["a", "b"], ["c"]], {"a": 0, "b": 0, "c": 1})
    >>> (m.precision, m.recall, m.ari)
    (1.0, 1.0, 1.0)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import combinations
from pathlib import Path, PurePosixPath

from dupfind.align import align
from dupfind.pipeline import Cluster, EvidenceCache, Prepared, ScanOptions, decide
from dupfind.verify import Evidence


class LabelsError(Exception):
    """The labels file cannot be used (unreadable, malformed, an id listed twice)."""


def load_labels(path: str | Path) -> tuple[dict[str, int], dict]:
    """Read ``{"clusters": [[id, ...], ...]}``: return id -> gold cluster, and the whole file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise LabelsError(f"{path}: {error.strerror or error}") from error
    except json.JSONDecodeError as error:
        raise LabelsError(f"{path}: not JSON ({error.msg} at line {error.lineno})") from error
    except UnicodeDecodeError as error:
        raise LabelsError(f"{path}: not UTF-8 text (byte {error.start})") from error
    clusters = data.get("clusters") if isinstance(data, dict) else data
    if not isinstance(clusters, list) or not all(isinstance(c, list) for c in clusters):
        raise LabelsError(f'{path}: expected {{"clusters": [[id, ...], ...]}}')
    gold: dict[str, int] = {}
    for number, cluster in enumerate(clusters):
        for doc_id in cluster:
            if isinstance(doc_id, bool) or not isinstance(doc_id, str | int):
                raise LabelsError(f"{path}: ids must be strings or numbers, not {doc_id!r}")
            if str(doc_id) in gold:
                raise LabelsError(f"{path}: id {doc_id!r} is listed twice")
            gold[str(doc_id)] = number
    return gold, data if isinstance(data, dict) else {"clusters": clusters}


def match_ids(scan_ids: Iterable[str], gold: dict[str, int]) -> dict[str, str]:
    """Map each scan id to its label id: the same id, else the id without its extension."""
    matched = {}
    for scan_id in scan_ids:
        if scan_id in gold:
            matched[scan_id] = scan_id
        else:
            stem = str(PurePosixPath(scan_id).with_suffix(""))
            if stem in gold:
                matched[scan_id] = stem
    return matched


@dataclass(frozen=True)
class Metrics:
    """Pairwise and partition scores of one clustering."""

    documents: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float
    ari: float

    @property
    def false_merges(self) -> int:
        """Predicted pairs the labels keep apart."""
        return self.predicted_pairs - self.correct_pairs

    @property
    def missed_pairs(self) -> int:
        """Labelled pairs the clustering keeps apart."""
        return self.true_pairs - self.correct_pairs

    def as_dict(self) -> dict[str, float | int]:
        return {
            **asdict(self),
            "false_merges": self.false_merges,
            "missed_pairs": self.missed_pairs,
        }


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def pairwise_metrics(predicted: Sequence[Sequence[str]], gold: dict[str, int]) -> Metrics:
    """Score predicted clusters (label ids) against ``gold`` (label id -> cluster number).

    Ids missing from ``predicted`` are singletons; ids not in ``gold`` are ignored.
    """
    assignment: dict[str, int] = {}
    for number, cluster in enumerate(predicted):
        for doc_id in cluster:
            if doc_id in gold:
                assignment[doc_id] = number
    next_singleton = len(predicted)
    for doc_id in gold:
        if doc_id not in assignment:
            assignment[doc_id] = next_singleton
            next_singleton += 1
    joint = Counter((gold[d], assignment[d]) for d in gold)
    gold_sizes = Counter(gold.values())
    predicted_sizes = Counter(assignment.values())
    correct = sum(_pairs(n) for n in joint.values())
    true_pairs = sum(_pairs(n) for n in gold_sizes.values())
    predicted_pairs = sum(_pairs(n) for n in predicted_sizes.values())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = _pairs(len(gold))
    expected = true_pairs * predicted_pairs / total if total else 0.0
    maximum = (true_pairs + predicted_pairs) / 2
    ari = 1.0 if maximum == expected else (correct - expected) / (maximum - expected)
    return Metrics(
        documents=len(gold),
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct,
        precision=precision,
        recall=recall,
        f1=f1,
        ari=ari,
    )


def error_pairs(
    predicted: Sequence[Sequence[str]], gold: dict[str, int]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The false merges (predicted together, labelled apart) and the missed pairs (the
    reverse), each sorted, as pairs of label ids."""
    cluster_of = {d: n for n, cluster in enumerate(predicted) for d in cluster}
    false_merges = sorted(
        (a, b)
        for cluster in predicted
        for a, b in combinations(sorted(d for d in cluster if d in gold), 2)
        if gold[a] != gold[b]
    )
    members: dict[int, list[str]] = {}
    for doc_id, number in gold.items():
        members.setdefault(number, []).append(doc_id)
    missed = sorted(
        (a, b)
        for group in members.values()
        for a, b in combinations(sorted(group), 2)
        if cluster_of.get(a, ("solo", a)) != cluster_of.get(b, ("solo", b))
    )
    return false_merges, missed


# ------------------------------------------------------------------ evaluating a scan


def category_recall(
    predicted: Sequence[Sequence[str]], gold: dict[str, int], categories: dict[str, str]
) -> dict[str, dict[str, float | int]]:
    """Recall of the labelled pairs that involve a document of each category.

    For corpora whose labels say how each copy was made (``textreuse-dev``: cut, light and
    heavy revision, original): which kinds of reuse the rule finds.
    """
    cluster_of = {d: n for n, cluster in enumerate(predicted) for d in cluster}
    members: dict[int, list[str]] = {}
    for doc_id, number in gold.items():
        members.setdefault(number, []).append(doc_id)
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for group in members.values():
        for a, b in combinations(sorted(group), 2):
            together = a in cluster_of and cluster_of.get(a) == cluster_of.get(b)
            for category in {categories.get(a), categories.get(b)} - {None}:
                total[category] += 1
                found[category] += together
    return {
        category: {
            "pairs": total[category],
            "found": found[category],
            "recall": found[category] / total[category],
        }
        for category in sorted(total)
    }


#: The grid ``dupfind eval --sweep`` runs: the decision rule's main parameters.
SWEEP_GRID: dict[str, tuple[float, ...]] = {
    "jaccard_threshold": (0.15, 0.2, 0.25, 0.3),
    "containment_threshold": (0.35, 0.5, 0.7),
    "min_shared_sentences": (2, 3),
    "merge_support": (0.0, 0.5),
}


def sweep_grid(grid: dict[str, tuple[float, ...]] = SWEEP_GRID) -> list[dict[str, float]]:
    """Every combination of the grid's values, in a fixed order."""
    names = list(grid)
    combos: list[dict[str, float]] = [{}]
    for name in names:
        combos = [{**combo, name: value} for combo in combos for value in grid[name]]
    return combos


@dataclass(frozen=True)
class ErrorPair:
    """A false merge or a missed pair, with the evidence the rule saw and what they share."""

    kind: str  # "false_merge" | "missed"
    left: str
    right: str
    evidence: Evidence
    shared_passages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """The scores of one run against gold labels."""

    metrics: Metrics
    categories: dict[str, dict[str, float | int]] | None
    errors: tuple[ErrorPair, ...]
    unlabelled: int  # scanned documents the labels do not name


def predicted_label_clusters(
    clusters: Sequence[Cluster], matched: dict[str, str]
) -> list[list[str]]:
    """Clusters of scan ids turned into clusters of label ids (unlabelled members dropped)."""
    return [[matched[m.id] for m in c.members if m.id in matched] for c in clusters]


def evaluate(
    prepared: Prepared,
    options: ScanOptions,
    gold: dict[str, int],
    *,
    categories: dict[str, str] | None = None,
    max_errors: int = 0,
    text_of: Callable[[int], str] | None = None,
    evidence: EvidenceCache | None = None,
) -> Evaluation:
    """Cluster a prepared corpus with ``options`` and score it against ``gold``.

    With ``max_errors``, up to that many false merges and as many missed pairs are returned
    with their evidence and, given ``text_of`` (document index -> text), the passages the two
    texts share verbatim.
    """
    evidence = evidence or EvidenceCache(prepared.features)
    clusters, _ = decide(prepared, options, evidence)
    ids = [info.id for info in prepared.infos]
    matched = match_ids(ids, gold)
    predicted = predicted_label_clusters(clusters, matched)
    errors: list[ErrorPair] = []
    if max_errors:
        index_of = {label: i for i, label in ((i, matched.get(d)) for i, d in enumerate(ids))}
        false_merges, missed = error_pairs(predicted, gold)
        for kind, pairs in (("false_merge", false_merges), ("missed", missed)):
            for left, right in pairs[:max_errors]:
                a, b = index_of.get(left), index_of.get(right)
                if a is None or b is None:
                    continue
                passages = _shared_passages(text_of(a), text_of(b)) if text_of else ()
                errors.append(ErrorPair(kind, left, right, evidence(a, b), passages))
    return Evaluation(
        metrics=pairwise_metrics(predicted, gold),
        categories=category_recall(predicted, gold, categories) if categories else None,
        errors=tuple(errors),
        unlabelled=len(ids) - len(matched),
    )


def _shared_passages(left: str, right: str, limit: int = 3) -> tuple[str, ...]:
    shared = [p.canonical_text for p in align(left, right).passages if p.kind == "shared"]
    return tuple(text for text in shared[:limit] if text)


def run_sweep(
    prepared: Prepared,
    options: ScanOptions,
    gold: dict[str, int],
    grid: dict[str, tuple[float, ...]] = SWEEP_GRID,
) -> list[tuple[dict[str, float], Metrics]]:
    """Score every combination of ``grid`` over one prepared corpus (evidence computed once)."""
    evidence = EvidenceCache(prepared.features)
    results = []
    for combo in sweep_grid(grid):
        trial = replace(options, **combo)
        results.append((combo, evaluate(prepared, trial, gold, evidence=evidence).metrics))
    return results

"""Machine-readable output: the versioned JSON and NDJSON schema of a scan.

The schema is a contract with scripts that pipe dupfind into ``jq`` and other programs:
fields are only ever added within a ``schema_version``; renaming or removing one bumps it.
Output is deterministic: keys are emitted in a fixed order, floats are rounded to 4 places,
and wall-clock time appears only when asked for (``timings=True``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import Any

from dupfind import __version__
from dupfind.align import Alignment, Passage, alignment_to_dict
from dupfind.check import CheckResult, Match, MatchSide
from dupfind.diffs import boilerplate_marker
from dupfind.documents import Document
from dupfind.evaluation import Evaluation, Metrics
from dupfind.index import IndexStats, UpsertResult
from dupfind.pipeline import Cluster, Member, ScanOptions, ScanResult
from dupfind.verify import Evidence

#: Computes a cluster's alignments by member id when its turn comes (see :mod:`dupfind.diffs`),
#: so NDJSON streams one cluster at a time.
Aligner = Callable[[Cluster], dict[str, Alignment]]

SCHEMA = "dupfind.scan"
SCHEMA_VERSION = 1
DIFF_SCHEMA = "dupfind.diff"
DIFF_SCHEMA_VERSION = 1


def _score(value: float) -> float:
    return round(value, 4)


def marked_alignment(
    alignment: Alignment,
    passages: bool,
    is_boilerplate: Callable[[Passage], bool] | None,
) -> dict[str, Any]:
    """An alignment as JSON, each passage marked ``boilerplate`` when a marker is given."""
    data = alignment_to_dict(alignment, passages=passages)
    if passages and is_boilerplate is not None:
        for passage, entry in zip(alignment.passages, data["passages"], strict=True):
            entry["boilerplate"] = is_boilerplate(passage)
    return data


def member_to_dict(
    member: Member,
    alignment: Alignment | None = None,
    passages: bool = False,
    is_boilerplate: Callable[[Passage], bool] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": member.id,
        "path": member.path,
        "title": member.title,
        "words": member.words,
        "canonical": member.canonical,
        "jaccard": _score(member.jaccard),
        "containment": _score(member.containment),
        "shared_shingles": member.shared_shingles,
        "shared_sentences": member.shared_sentences,
    }
    if alignment is not None:
        data["alignment"] = marked_alignment(alignment, passages, is_boilerplate)
    return data


def cluster_to_dict(
    cluster: Cluster,
    alignments: dict[str, Alignment] | None = None,
    passages: bool = False,
    is_boilerplate: Callable[[Passage], bool] | None = None,
) -> dict[str, Any]:
    alignments = alignments or {}
    return {
        "cluster": cluster.number,
        "size": len(cluster.members),
        "canonical": cluster.canonical.id,
        "members": [
            member_to_dict(
                m, None if m.canonical else alignments.get(m.id), passages, is_boilerplate
            )
            for m in cluster.members
        ],
    }


def _header(result: ScanResult, timings: bool) -> dict[str, Any]:
    header: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "dupfind_version": __version__,
        "parameters": result.options.as_dict(),
        "stats": {
            "documents": result.stats.documents,
            "skipped": result.stats.skipped,
            "short": result.stats.short,
            "boilerplate_units": result.stats.boilerplate_units,
            "candidate_pairs": result.stats.candidate_pairs,
            "verified_pairs": result.stats.verified_pairs,
            "clusters": result.stats.clusters,
            "duplicate_documents": result.stats.duplicate_documents,
        },
        "problems": [
            {"path": p.path, "message": p.message, "fatal": p.fatal} for p in result.problems
        ],
    }
    if timings:
        header["stats"]["seconds"] = round(result.seconds, 3)
    return header


def result_to_dict(
    result: ScanResult,
    *,
    aligner: Aligner | None = None,
    passages: bool = False,
    timings: bool = False,
) -> dict[str, Any]:
    """The whole scan as one JSON document (``--format json``).

    With an ``aligner``, each non-canonical member carries an ``alignment`` object (summary
    counts and evidence; the passages themselves too when ``passages`` is true).
    """
    document = _header(result, timings)
    document["clusters"] = list(_cluster_dicts(result, aligner, passages))
    return document


def _cluster_dicts(
    result: ScanResult, aligner: Aligner | None, passages: bool
) -> Iterator[dict[str, Any]]:
    """Each cluster's report, made when asked for (aligning it first with ``aligner``)."""
    marker = boilerplate_marker(result.boilerplate)
    for cluster in result.clusters:
        yield cluster_to_dict(cluster, aligner(cluster) if aligner else None, passages, marker)


def to_json(result: ScanResult, **options: Any) -> str:
    """``result_to_dict`` serialized (same keyword options)."""
    return "".join(json_chunks(result, **options))


def json_chunks(
    result: ScanResult,
    *,
    aligner: Aligner | None = None,
    passages: bool = False,
    timings: bool = False,
) -> Iterator[str]:
    """:func:`to_json`'s text, made a cluster at a time: the same bytes as
    ``json.dumps(result_to_dict(...), indent=2)`` without holding every cluster's dict and
    the whole text at once (1.2 GB for the 380,000 members of a million-document scan).
    """
    head = json.dumps(_header(result, timings), ensure_ascii=False, indent=2)
    yield head[: -len("\n}")] + ',\n  "clusters": ['
    for number, data in enumerate(_cluster_dicts(result, aligner, passages)):
        text = json.dumps(data, ensure_ascii=False, indent=2)  # strings hold no raw newline
        yield ("\n" if number == 0 else ",\n") + _NESTED + text.replace("\n", "\n" + _NESTED)
    yield "\n  ]\n}" if result.clusters else "]\n}"


_NESTED = " " * 4  # a cluster's indentation inside the document's "clusters" list


def to_ndjson_lines(
    result: ScanResult,
    *,
    aligner: Aligner | None = None,
    passages: bool = False,
    timings: bool = False,
) -> Iterator[str]:
    """One ``{"type": "cluster", ...}`` line per cluster, then one ``{"type": "summary", ...}``."""
    for data in _cluster_dicts(result, aligner, passages):
        yield json.dumps({"type": "cluster", **data}, ensure_ascii=False)
    yield json.dumps({"type": "summary", **_header(result, timings)}, ensure_ascii=False)


def diff_to_dict(
    canonical: Document,
    copy: Document,
    scores: Evidence,
    is_copy: bool,
    alignment: Alignment,
    options: ScanOptions,
) -> dict[str, Any]:
    """``dupfind diff --format json``: both documents, their scores and the whole alignment.

    Spans are character offsets into each file's decoded text, so ``text[start:end]`` is the
    passage exactly as the file has it.
    """

    def side(document: Document, words: int) -> dict[str, Any]:
        return {
            "path": document.path,
            "title": document.title,
            "encoding": document.encoding,
            "words": words,
            "characters": len(document.text),
        }

    return {
        "schema": DIFF_SCHEMA,
        "schema_version": DIFF_SCHEMA_VERSION,
        "dupfind_version": __version__,
        "parameters": options.as_dict(),
        "canonical": side(canonical, alignment.canonical_words),
        "copy": side(copy, alignment.copy_words),
        "scores": {
            "jaccard": _score(scores.jaccard),
            "containment": _score(scores.containment),
            "shared_shingles": scores.shared,
            "shared_sentences": scores.shared_sentences,
            "aligned": scores.aligned,
            "spread": scores.spread,
            "coherent": scores.coherent,
            "duplicate": is_copy,
        },
        "alignment": alignment_to_dict(alignment, passages=True),
    }


EVAL_SCHEMA = "dupfind.eval"
EVAL_SCHEMA_VERSION = 1


def evidence_to_dict(evidence: Evidence) -> dict[str, Any]:
    return {
        "jaccard": _score(evidence.jaccard),
        "containment": _score(evidence.containment),
        "shared_shingles": evidence.shared,
        "shared_sentences": evidence.shared_sentences,
        "aligned": evidence.aligned,
        "spread": evidence.spread,
        "coherent": evidence.coherent,
    }


def metrics_to_dict(metrics: Metrics) -> dict[str, Any]:
    return {k: _score(v) if isinstance(v, float) else v for k, v in metrics.as_dict().items()}


def evaluation_to_dict(
    evaluation: Evaluation | None,
    options: ScanOptions,
    sweep: list[tuple[dict[str, float], Metrics]] | None = None,
) -> dict[str, Any]:
    """``dupfind eval --format json``: metrics, per-category recall, errors, sweep rows."""
    document: dict[str, Any] = {
        "schema": EVAL_SCHEMA,
        "schema_version": EVAL_SCHEMA_VERSION,
        "dupfind_version": __version__,
        "parameters": options.as_dict(),
    }
    if evaluation is not None:
        document["metrics"] = metrics_to_dict(evaluation.metrics)
        document["unlabelled_documents"] = evaluation.unlabelled
        if evaluation.categories is not None:
            document["categories"] = {
                name: {k: _score(v) if isinstance(v, float) else v for k, v in row.items()}
                for name, row in evaluation.categories.items()
            }
        document["errors"] = [
            {
                "kind": error.kind,
                "left": error.left,
                "right": error.right,
                "evidence": evidence_to_dict(error.evidence),
                "shared_passages": list(error.shared_passages),
            }
            for error in evaluation.errors
        ]
    if sweep is not None:
        document["sweep"] = [{**combo, **metrics_to_dict(m)} for combo, m in sweep]
    return document


# ------------------------------------------------------------------------------ check

CHECK_SCHEMA = "dupfind.check"
CHECK_SCHEMA_VERSION = 1
INDEX_STATS_SCHEMA = "dupfind.index_stats"
INDEX_STATS_SCHEMA_VERSION = 1

#: Aligns a match's matched document (as A) with its new one (B), or None without texts.
MatchAligner = Callable[[Match], Alignment | None]


def _side_to_dict(side: MatchSide) -> dict[str, Any]:
    return {"id": side.id, "path": side.path, "title": side.title, "words": side.words}


def match_to_dict(
    match: Match,
    failing: bool,
    alignment: Alignment | None = None,
    passages: bool = False,
    is_boilerplate: Callable[[Passage], bool] | None = None,
) -> dict[str, Any]:
    """One match: the new document, what it repeats, where that lives, the evidence."""
    data: dict[str, Any] = {
        "new": _side_to_dict(match.new),
        "matched": _side_to_dict(match.matched),
        "where": match.where,
        "failing": failing,
        "scores": evidence_to_dict(match.evidence),
    }
    if alignment is not None:
        data["alignment"] = marked_alignment(alignment, passages, is_boilerplate)
    return data


def _check_header(
    result: CheckResult,
    index_path: str,
    max_duplicates: int,
    updated: UpsertResult | None,
    timings: bool,
) -> dict[str, Any]:
    stats = result.stats
    header: dict[str, Any] = {
        "schema": CHECK_SCHEMA,
        "schema_version": CHECK_SCHEMA_VERSION,
        "dupfind_version": __version__,
        "index": {"path": index_path, "documents": stats.indexed},
        "parameters": {**result.options.as_dict(), "max_duplicates": max_duplicates},
        "stats": {
            "documents": stats.documents,
            "skipped": stats.skipped,
            "unchanged": stats.unchanged,
            "checked": stats.checked,
            "short": stats.short,
            "boilerplate_units": stats.boilerplate_units,
            "learned_boilerplate": stats.learned_boilerplate,
            "candidate_pairs": stats.candidate_pairs,
            "verified_pairs": stats.verified_pairs,
            "duplicate_documents": stats.duplicate_documents,
        },
        "passed": stats.duplicate_documents <= max_duplicates,
        "updated": None
        if updated is None
        else {
            "added": len(updated.added),
            "replaced": len(updated.replaced),
            "unchanged": len(updated.unchanged),
            "boilerplate_added": updated.boilerplate_added,
        },
        "problems": [
            {"path": p.path, "message": p.message, "fatal": p.fatal} for p in result.problems
        ],
    }
    if timings:
        header["stats"]["seconds"] = round(result.seconds, 3)
    return header


def check_to_dict(
    result: CheckResult,
    *,
    index_path: str,
    max_duplicates: int = 0,
    updated: UpsertResult | None = None,
    aligner: MatchAligner | None = None,
    passages: bool = False,
    timings: bool = False,
) -> dict[str, Any]:
    """``dupfind check --format json``: parameters, stats and every match (schema
    ``dupfind.check`` v1). ``failing`` is true for every match when the check fails."""
    document = _check_header(result, index_path, max_duplicates, updated, timings)
    failing = not document["passed"]
    marker = boilerplate_marker(result.boilerplate)
    document["matches"] = [
        match_to_dict(m, failing, aligner(m) if aligner else None, passages, marker)
        for m in result.matches
    ]
    return document


def check_ndjson_lines(
    result: CheckResult,
    *,
    index_path: str,
    max_duplicates: int = 0,
    updated: UpsertResult | None = None,
    aligner: MatchAligner | None = None,
    passages: bool = False,
    timings: bool = False,
) -> Iterator[str]:
    """One ``{"type": "match", ...}`` line per match, then one ``{"type": "summary", ...}``."""
    header = _check_header(result, index_path, max_duplicates, updated, timings)
    failing = not header["passed"]
    marker = boilerplate_marker(result.boilerplate)
    for match in result.matches:
        data = match_to_dict(match, failing, aligner(match) if aligner else None, passages, marker)
        yield json.dumps({"type": "match", **data}, ensure_ascii=False)
    yield json.dumps({"type": "summary", **header}, ensure_ascii=False)


def github_escape_data(value: str) -> str:
    """Escape a workflow command's message (GitHub's rules: ``%``, CR, LF)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_escape_property(value: str) -> str:
    """Escape a workflow command's property value (also ``:`` and ``,``)."""
    return github_escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_lines(result: CheckResult, max_duplicates: int = 0) -> Iterator[str]:
    """GitHub Actions workflow commands, one per match, so matches show on the pull request:
    ``::error`` when the check fails (more duplicates than ``max_duplicates``), else
    ``::warning``; then a plain summary line."""
    stats = result.stats
    failing = stats.duplicate_documents > max_duplicates
    level = "error" if failing else "warning"
    for match in result.matches:
        path = PurePath(match.new.path).as_posix() if match.new.path else match.new.id
        title = f"dupfind: duplicate of {match.matched.id}"
        where = ", another new document" if match.where == "batch" else ""
        message = (
            f"{match.new.id} repeats {match.matched.id}{where} "
            f"(jaccard {match.evidence.jaccard:.2f}, containment {match.evidence.containment:.2f})"
        )
        yield (
            f"::{level} file={github_escape_property(path)},"
            f"title={github_escape_property(title)}::{github_escape_data(message)}"
        )
    verdict = "failing" if failing else "passing"
    yield (
        f"dupfind: {stats.duplicate_documents} duplicate document(s) (max {max_duplicates}) "
        f"among {stats.checked} checked against {stats.indexed} indexed: {verdict}"
    )


def index_stats_to_dict(stats: IndexStats) -> dict[str, Any]:
    """``dupfind index stats --format json``."""
    return {
        "schema": INDEX_STATS_SCHEMA,
        "schema_version": INDEX_STATS_SCHEMA_VERSION,
        "dupfind_version": __version__,
        "path": stats.path,
        "documents": stats.documents,
        "size_bytes": stats.size_bytes,
        "bytes_per_document": round(stats.size_bytes / stats.documents) if stats.documents else 0,
        "boilerplate_units": stats.boilerplate_units,
        "band_rows": stats.band_rows,
        "sentence_rows": stats.sentence_rows,
        "parameters": stats.params.as_dict(),
    }

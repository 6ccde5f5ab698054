"""Machine-readable output: the versioned JSON and NDJSON schema of a scan.

The schema is a contract with scripts that pipe dupfind into ``jq`` and other programs:
fields are only ever added within a ``schema_version``; renaming or removing one bumps it.
Output is deterministic: keys are emitted in a fixed order, floats are rounded to 4 places,
and wall-clock time appears only when asked for (``timings=True``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from dupfind import __version__
from dupfind.align import Alignment, alignment_to_dict
from dupfind.documents import Document
from dupfind.pipeline import Cluster, Member, ScanOptions, ScanResult
from dupfind.verify import PairScores

#: Computes a cluster's alignments by member id when its turn comes (see :mod:`dupfind.diffs`),
#: so NDJSON streams one cluster at a time.
Aligner = Callable[[Cluster], dict[str, Alignment]]

SCHEMA = "dupfind.scan"
SCHEMA_VERSION = 1
DIFF_SCHEMA = "dupfind.diff"
DIFF_SCHEMA_VERSION = 1


def _score(value: float) -> float:
    return round(value, 4)


def member_to_dict(
    member: Member, alignment: Alignment | None = None, passages: bool = False
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
    }
    if alignment is not None:
        data["alignment"] = alignment_to_dict(alignment, passages=passages)
    return data


def cluster_to_dict(
    cluster: Cluster, alignments: dict[str, Alignment] | None = None, passages: bool = False
) -> dict[str, Any]:
    alignments = alignments or {}
    return {
        "cluster": cluster.number,
        "size": len(cluster.members),
        "canonical": cluster.canonical.id,
        "members": [
            member_to_dict(m, None if m.canonical else alignments.get(m.id), passages)
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
            "empty": result.stats.empty,
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
    document["clusters"] = [
        cluster_to_dict(c, aligner(c) if aligner else None, passages) for c in result.clusters
    ]
    return document


def to_json(result: ScanResult, **options: Any) -> str:
    """``result_to_dict`` serialized (same keyword options)."""
    return json.dumps(result_to_dict(result, **options), ensure_ascii=False, indent=2)


def to_ndjson_lines(
    result: ScanResult,
    *,
    aligner: Aligner | None = None,
    passages: bool = False,
    timings: bool = False,
) -> Iterator[str]:
    """One ``{"type": "cluster", ...}`` line per cluster, then one ``{"type": "summary", ...}``."""
    for cluster in result.clusters:
        data = cluster_to_dict(cluster, aligner(cluster) if aligner else None, passages)
        yield json.dumps({"type": "cluster", **data}, ensure_ascii=False)
    yield json.dumps({"type": "summary", **_header(result, timings)}, ensure_ascii=False)


def diff_to_dict(
    canonical: Document,
    copy: Document,
    scores: PairScores,
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
            "duplicate": is_copy,
        },
        "alignment": alignment_to_dict(alignment, passages=True),
    }

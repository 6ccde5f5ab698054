"""Machine-readable output: the versioned JSON and NDJSON schema of a scan.

The schema is a contract with scripts that pipe dupfind into ``jq`` and other programs:
fields are only ever added within a ``schema_version``; renaming or removing one bumps it.
Output is deterministic: keys are emitted in a fixed order, floats are rounded to 4 places,
and wall-clock time appears only when asked for (``timings=True``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from dupfind import __version__
from dupfind.pipeline import Cluster, Member, ScanResult

SCHEMA = "dupfind.scan"
SCHEMA_VERSION = 1


def _score(value: float) -> float:
    return round(value, 4)


def member_to_dict(member: Member) -> dict[str, Any]:
    return {
        "id": member.id,
        "path": member.path,
        "title": member.title,
        "words": member.words,
        "canonical": member.canonical,
        "jaccard": _score(member.jaccard),
        "containment": _score(member.containment),
        "shared_shingles": member.shared_shingles,
    }


def cluster_to_dict(cluster: Cluster) -> dict[str, Any]:
    return {
        "cluster": cluster.number,
        "size": len(cluster.members),
        "canonical": cluster.canonical.id,
        "members": [member_to_dict(m) for m in cluster.members],
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


def result_to_dict(result: ScanResult, *, timings: bool = False) -> dict[str, Any]:
    """The whole scan as one JSON document (``--format json``)."""
    document = _header(result, timings)
    document["clusters"] = [cluster_to_dict(c) for c in result.clusters]
    return document


def to_json(result: ScanResult, *, timings: bool = False) -> str:
    return json.dumps(result_to_dict(result, timings=timings), ensure_ascii=False, indent=2)


def to_ndjson_lines(result: ScanResult, *, timings: bool = False) -> Iterator[str]:
    """One ``{"type": "cluster", ...}`` line per cluster, then one ``{"type": "summary", ...}``."""
    for cluster in result.clusters:
        yield json.dumps({"type": "cluster", **cluster_to_dict(cluster)}, ensure_ascii=False)
    yield json.dumps({"type": "summary", **_header(result, timings)}, ensure_ascii=False)

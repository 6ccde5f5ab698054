"""Passage-alignment stage: align each cluster member against its canonical member.

Scans keep no text in memory (only shingle hashes), so this stage re-reads just the documents
that ended up in clusters, segments each canonical member once, and aligns every other member
against it (:mod:`dupfind.align`). Its cost is linear in the number of clustered documents.
"""

from __future__ import annotations

from collections.abc import Callable

from dupfind.align import Alignment, align, segment
from dupfind.documents import Problem
from dupfind.pipeline import Cluster, Member
from dupfind.sources import read_file

TextLoader = Callable[[Member], str]


class TextUnavailable(Exception):
    """A clustered document could not be read again (moved or changed since the scan)."""


def reread_text(member: Member) -> str:
    """Read a member's text again from its source file, by its id."""
    problems: list[Problem] = []
    documents = list(read_file(member.path, member.id, on_problem=problems.append))
    for document in documents:
        if document.id == member.id:
            return document.text
    if len(documents) == 1:
        return documents[0].text
    reason = problems[0].message if problems else "document not found on re-reading"
    raise TextUnavailable(f"{member.path}: {reason}")


def align_cluster(cluster: Cluster, load_text: TextLoader = reread_text) -> dict[str, Alignment]:
    """Align every non-canonical member of ``cluster`` against its canonical member.

    Returns alignments by member id. A member whose text cannot be read again is left out
    (its scores from the scan still stand).
    """
    try:
        canonical = segment(load_text(cluster.canonical))
    except (TextUnavailable, OSError):
        return {}
    alignments: dict[str, Alignment] = {}
    for member in cluster.members[1:]:
        try:
            alignments[member.id] = align(canonical, load_text(member))
        except (TextUnavailable, OSError):
            continue
    return alignments

"""Passage-alignment stage: align each cluster member against its canonical member.

Scans keep no text in memory (only shingle hashes), so this stage re-reads just the documents
that ended up in clusters, segments each canonical member once, and aligns every other member
against it (:mod:`dupfind.align`). Its cost is linear in the number of clustered documents.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from dupfind.align import Alignment, Passage, align, segment
from dupfind.documents import Problem
from dupfind.features import unit_hash
from dupfind.normalize import tokenize
from dupfind.pipeline import Cluster, Member
from dupfind.sources import ReadOptions, read_again

TextLoader = Callable[[Member], str]


class TextUnavailable(Exception):
    """A clustered document could not be read again (moved or changed since the scan)."""


def reread_text(member: Member, options: ReadOptions | None = None) -> str:
    """Read a member's text again from its source file, by its id, the way the scan read it
    (``options``: forced format and record fields)."""
    problems: list[Problem] = []
    documents = list(
        read_again(member.path, [member.id], options=options, on_problem=problems.append)
    )
    for document in documents:
        if document.id == member.id:
            return document.text
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


def boilerplate_marker(boilerplate: Collection[int]) -> Callable[[Passage], bool]:
    """A predicate telling which passages are learned boilerplate (lines or sentences whose
    normalized words hash into ``boilerplate``), for the diff view and JSON to mark them."""
    known = frozenset(int(h) for h in boilerplate)

    def is_boilerplate(passage: Passage) -> bool:
        if not known:
            return False
        text = passage.copy_text if passage.copy_text is not None else passage.canonical_text
        words = tokenize(text or "")
        return bool(words) and unit_hash(words) in known

    return is_boilerplate

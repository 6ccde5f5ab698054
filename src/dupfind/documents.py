"""The records that flow between pipeline stages: documents in, problems reported aside.

Stages pass plain dataclasses, never open files or global state, so a later executor can ship
them between processes or machines.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """One article as read from a source, before any normalization.

    ``id`` is stable and human-traceable: the path relative to the argument it came from
    (later ``path#line`` or ``path#guid`` for records inside a file). ``path`` is where to
    re-read it from; ``title`` is its first non-empty line unless the format carries one.
    """

    id: str
    text: str
    title: str
    path: str
    encoding: str = "utf-8"


@dataclass(frozen=True)
class DocumentInfo:
    """What a scan keeps of a document besides its features: what reports need."""

    id: str
    title: str
    path: str


@dataclass(frozen=True)
class Problem:
    """A source that could not be read, or was read with a caveat (kept apart from stdout).

    ``fatal`` problems skip the source; non-fatal ones (an encoding guessed, bytes replaced)
    are warnings about a document that was still read.
    """

    path: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

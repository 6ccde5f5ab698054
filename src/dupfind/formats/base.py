"""What every format reader shares: reading options, the per-file context, record ids.

A reader is a function ``(stream, context) -> Iterator[Document]``. It receives an open
*binary stream* (already decompressed when the file was gzip) rather than the file's bytes, so
that formats holding many records (JSON Lines, JSON arrays, feeds) can read them one at a time
and a 2 GB export is never held in memory. Readers of single-document formats (text, Markdown,
HTML) simply read the stream to its end.

Readers never raise for bad input: they report a :class:`~dupfind.documents.Problem` through
``context.report`` and skip what they cannot read. ``report`` may itself raise (``--strict``
turns a fatal problem into an error), so readers must not wrap it in a broad ``except``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import Enum
from typing import IO

from dupfind.documents import Document, Problem

ProblemSink = Callable[[Problem], None]
BinaryStream = IO[bytes]
#: Opens the same source again from its start (decompressed like the first time); None for
#: sources that cannot be re-read, such as standard input.
Reopen = Callable[[], AbstractContextManager[BinaryStream]]


class InputFormat(str, Enum):
    """Format names accepted by ``--input-format`` (``rss``/``atom`` are ``feed``)."""

    text = "text"
    markdown = "markdown"
    html = "html"
    jsonl = "jsonl"
    json = "json"
    jsonfeed = "jsonfeed"
    feed = "feed"
    rss = "rss"
    atom = "atom"


@dataclass(frozen=True)
class ReadOptions:
    """How to read sources; the defaults read every format by its file extension.

    ``input_format`` forces one format for every file (and makes ``-`` a document stream on
    standard input). The ``*_field`` options name the record fields of JSON Lines and JSON
    files; a dotted path (``meta.guid``) reaches into nested objects (a key that itself
    contains dots is tried first).
    """

    input_format: str | None = None
    id_field: str = "id"
    text_field: str = "text"
    title_field: str = "title"

    def __post_init__(self) -> None:
        if self.input_format is not None:
            try:
                value = InputFormat(str(getattr(self.input_format, "value", self.input_format)))
            except ValueError:
                names = ", ".join(f.value for f in InputFormat)
                raise ValueError(
                    f"unknown input format {self.input_format!r} (choose from {names})"
                ) from None
            object.__setattr__(self, "input_format", value.value)


DEFAULT_READ_OPTIONS = ReadOptions()


@dataclass(frozen=True)
class ReadContext:
    """One source being read: where problems point, the base id, the options.

    ``path`` goes into problems and :attr:`Document.path`; ``doc_id`` is the source's unique
    base id: a single document takes it as is, records inside get ``doc_id#key``.
    ``known_format`` is False when no reader matched the extension and the file is tried as
    plain text.
    """

    path: str
    doc_id: str
    options: ReadOptions
    report: ProblemSink
    reopen: Reopen | None = None
    known_format: bool = True

    def problem(self, message: str, *, where: str | None = None, fatal: bool = True) -> None:
        """Report a problem at ``path`` (or at ``where``, e.g. ``path:line``)."""
        self.report(Problem(where or self.path, message, fatal=fatal))


class RecordIds:
    """Ids of the records of one source: ``base#key``, made unique with ``~2``, ``~3``...

    Deterministic for a given file, so re-reading the file gives every record the same id.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.used: set[str] = set()

    def take(self, key: str) -> str:
        candidate = f"{self.base}#{key}"
        if candidate in self.used:
            n = 2
            while f"{candidate}~{n}" in self.used:
                n += 1
            candidate = f"{candidate}~{n}"
        self.used.add(candidate)
        return candidate


Reader = Callable[[BinaryStream, ReadContext], Iterator[Document]]


@dataclass(frozen=True)
class Format:
    """A reader and what it yields: one document per source, or many (``records``)."""

    name: str
    read: Reader
    records: bool = False


def record_key(value: object) -> str:
    """An id value as text, or "" when it cannot serve as an id (missing, empty, structured)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return " ".join(str(value).split())
    return ""


_SPACE = re.compile(r"\s+")


def one_line(message: object, limit: int = 160) -> str:
    """An exception message or value squeezed onto one short line."""
    text = _SPACE.sub(" ", str(message)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

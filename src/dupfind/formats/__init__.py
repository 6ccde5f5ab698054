"""Input formats: which reader turns a source into documents, and how it is chosen.

==========  ===============================  ===========================================
format      extensions                       documents
==========  ===============================  ===========================================
text        ``.txt`` and unknown extensions  one; title = first non-empty line
markdown    ``.md``, ``.markdown``           one; title without ``#`` marks
html        ``.html``, ``.htm``, ``.xhtml``  one; the article text (trafilatura), page title
jsonl       ``.jsonl``, ``.ndjson``          one per line (``--id/text/title-field``)
json        ``.json``                        one per array element; a JSON Feed's items;
                                             or one for a single object
feed        ``.rss``, ``.atom``, ``.xml``    one per item (RSS 0.9x/1.0/2.0, Atom; a JSON
                                             Feed too, recognised by its first byte)
jsonfeed    (``--input-format`` only)        one per item
==========  ===============================  ===========================================

The format comes from ``--input-format`` when given (``rss`` and ``atom`` are names for
``feed``), else from the extension, case-insensitively. A ``.gz`` suffix is taken off first
(``x.jsonl.gz`` is JSON Lines) and the stream decompressed; a stream that starts with the
gzip magic bytes is decompressed whatever its name, so ``zcat``-less pipes work on stdin and
binary detection (a NUL in the first 8 KiB) only ever sees the decompressed content. A file
with an unknown extension is read as text unless it is binary, which is reported as an
unknown format.

Every reader receives a binary stream (see :mod:`dupfind.formats.base`), so formats with many
records are read one record at a time.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from dupfind.documents import Document, Problem
from dupfind.formats.base import (
    DEFAULT_READ_OPTIONS,
    BinaryStream,
    Format,
    InputFormat,
    ProblemSink,
    ReadContext,
    Reader,
    ReadOptions,
    RecordIds,
    one_line,
)
from dupfind.formats.feeds import read_feed
from dupfind.formats.htmltext import html_to_text, read_html
from dupfind.formats.records import read_json, read_jsonfeed, read_jsonl
from dupfind.formats.text import (
    BINARY_SNIFF,
    TITLE_MAX,
    decode_text,
    make_title,
    read_markdown,
    read_plain_text,
)

__all__ = [
    "BINARY_SNIFF",
    "DEFAULT_READ_OPTIONS",
    "FORMATS",
    "READERS",
    "TITLE_MAX",
    "Format",
    "InputFormat",
    "ReadContext",
    "ReadOptions",
    "Reader",
    "RecordIds",
    "decode_text",
    "format_for",
    "html_to_text",
    "make_title",
    "read_stream",
]

_TEXT = Format("text", read_plain_text)
_MARKDOWN = Format("markdown", read_markdown)
_HTML = Format("html", read_html)
_JSONL = Format("jsonl", read_jsonl, records=True)
_JSON = Format("json", read_json, records=True)
_JSONFEED = Format("jsonfeed", read_jsonfeed, records=True)
_FEED = Format("feed", read_feed, records=True)

#: Format by ``--input-format`` name.
FORMATS: dict[str, Format] = {
    "text": _TEXT,
    "markdown": _MARKDOWN,
    "html": _HTML,
    "jsonl": _JSONL,
    "json": _JSON,
    "jsonfeed": _JSONFEED,
    "feed": _FEED,
    "rss": _FEED,
    "atom": _FEED,
}

#: Format by lower-case file extension (after any ``.gz``). Files with an unlisted extension
#: (only reachable by naming them or through ``--include``) are read as plain text.
READERS: dict[str, Format] = {
    ".txt": _TEXT,
    ".md": _MARKDOWN,
    ".markdown": _MARKDOWN,
    ".html": _HTML,
    ".htm": _HTML,
    ".xhtml": _HTML,
    ".jsonl": _JSONL,
    ".ndjson": _JSONL,
    ".json": _JSON,
    ".rss": _FEED,
    ".atom": _FEED,
    ".xml": _FEED,
}

GZIP_SUFFIX = ".gz"
GZIP_MAGIC = b"\x1f\x8b"
_BUFFER = 64 * 1024


def format_for(name: str, options: ReadOptions = DEFAULT_READ_OPTIONS) -> tuple[Format, bool]:
    """The format for a file name (``.gz`` already removed) and whether it was recognised."""
    if options.input_format is not None:
        return FORMATS[options.input_format], True
    found = READERS.get(os.path.splitext(name)[1].lower())
    return (found, True) if found is not None else (_TEXT, False)


def _is_gzip(stream: BinaryStream) -> bool:
    peek = getattr(stream, "peek", None)
    return peek is not None and peek(2)[:2] == GZIP_MAGIC


def _gunzip(stream: BinaryStream) -> BinaryStream:
    return io.BufferedReader(gzip.GzipFile(fileobj=stream, mode="rb"), _BUFFER)  # type: ignore[arg-type]


def read_stream(
    stream: BinaryStream,
    *,
    path: str,
    doc_id: str,
    options: ReadOptions = DEFAULT_READ_OPTIONS,
    report: ProblemSink,
    reopen: Callable[[], AbstractContextManager[BinaryStream]] | None = None,
    record: str | None = None,
) -> Iterator[Document]:
    """Documents of one source read from ``stream`` (a buffered binary stream, not closed here).

    ``path`` names the source in problems and documents and, unless ``options`` forces a
    format, chooses the reader by extension. ``reopen`` opens the raw source again (for
    readers that need a second pass). ``record`` is set when the caller looks for one record
    (``doc_id#key``) again: a source that holds a single document then yields nothing.
    """
    name = path
    compressed = name.lower().endswith(GZIP_SUFFIX)
    if compressed:
        name = name[: -len(GZIP_SUFFIX)]
    compressed = compressed or _is_gzip(stream)
    format_, known = format_for(name, options)
    if record is not None and not format_.records:
        message = f"no record {record!r}: the file reads as one {format_.name} document"
        report(Problem(path, message))
        return

    again: Callable[[], AbstractContextManager[BinaryStream]] | None = None
    if reopen is not None:
        raw_reopen = reopen

        @contextmanager
        def again_() -> Iterator[BinaryStream]:
            with raw_reopen() as raw:
                yield _gunzip(raw) if compressed else raw

        again = again_

    raised: list[BaseException] = []  # what ``report`` itself raised (--strict): let it through

    def guarded(problem: Problem) -> None:
        try:
            report(problem)
        except BaseException as error:
            raised.append(error)
            raise

    context = ReadContext(path, doc_id, options, guarded, again, known)
    try:
        if compressed:
            with _gunzip(stream) as inner:
                yield from format_.read(inner, context)
        else:
            yield from format_.read(stream, context)
    except Exception as error:
        # A bad archive, a read error, or a parser failing on hostile or broken input must not
        # end the run: the source is reported and skipped like any unreadable file.
        if raised and error is raised[-1]:
            raise
        report(Problem(path, _failure(error, compressed)))


def _failure(error: Exception, compressed: bool) -> str:
    """The problem message for an exception that stopped a reader."""
    if compressed and isinstance(error, (EOFError, zlib.error, gzip.BadGzipFile)):
        return f"unreadable gzip archive ({one_line(error)}), skipped the rest"
    if isinstance(error, OSError):
        return f"read error ({one_line(error.strerror or error)}), skipped the rest"
    return f"could not be read ({type(error).__name__}: {one_line(error)}), skipped"

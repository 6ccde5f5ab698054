"""Reading stage: turn command-line paths into a deterministic stream of :class:`Document`.

Everything downstream (shingling, clustering, reports) depends on the *order* and the *ids*
of documents, so both are fixed here and nowhere else: folders are walked in sorted order,
ids are paths relative to the argument they came from, and collisions are resolved the same
way on every machine. Reading never stops on a bad file: it is reported as a :class:`Problem`
through a callback and skipped, so one unreadable file in a feed dump does not lose the run.
Only a path that does not exist on the command line is a usage error (:class:`SourceError`),
raised before anything is read.

Formats live in :mod:`dupfind.formats` (chosen by extension or ``--input-format``); the
walking code never looks at file contents. A file holding many documents (JSON Lines, a JSON
array, a feed) gives each record the id ``<file id>#<key>``: the record's id field or guid,
else its line number (JSON Lines) or index (JSON arrays). :attr:`Document.path` stays the
file's path, so a record can be read again with ``read_file(path, record_id)``.

**Which files a folder walk reads** (``--include`` replaces this): text and Markdown
(``*.txt``, ``*.md``), saved pages (``*.html``, ``*.htm``), JSON Lines (``*.jsonl``,
``*.ndjson``), feeds (``*.rss``, ``*.atom``, ``*.xml``) and the ``.gz`` of each. These are
the extensions that, in a folder of articles, almost always hold articles. ``*.xml`` is in
because feeds are usually saved as ``feed.xml``/``rss.xml``; an XML file that is not a feed
(a sitemap, NewsML) is reported and skipped rather than silently ignored. Plain ``*.json``
is *not* walked by default: folders of articles are full of JSON that is not articles
(``package.json``, per-article metadata sidecars next to the ``.txt`` they describe, which
would be read as a second copy); name JSON files or include them (``-i '*.json'``) to read
them. Files named on the command line are always read, whatever their extension.

``-`` on the command line reads newline-separated *paths* from stdin; with an input format
(``--input-format jsonl``) it reads stdin itself as a stream of documents in that format,
named ``<stdin>`` (ids ``<stdin>#<key>``; such documents cannot be read again for diffs).
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path, PurePath
from typing import IO, TextIO

from dupfind.documents import Document, Problem
from dupfind.formats import (
    BINARY_SNIFF,
    DEFAULT_READ_OPTIONS,
    FORMATS,
    GZIP_SUFFIX,
    READERS,
    TITLE_MAX,
    Format,
    InputFormat,
    Reader,
    ReadOptions,
    decode_text,
    format_for,
    make_title,
    read_stream,
)

__all__ = [
    "BINARY_SNIFF",
    "DEFAULT_INCLUDE",
    "DEFAULT_READ_OPTIONS",
    "FORMATS",
    "READERS",
    "STDIN_NAME",
    "TITLE_MAX",
    "Format",
    "InputFormat",
    "PendingFile",
    "ReadOptions",
    "Reader",
    "SourceError",
    "check_paths",
    "decode_text",
    "iter_documents",
    "iter_sources",
    "make_title",
    "read_again",
    "read_file",
    "read_pending",
]

_WALKED = ("*.txt", "*.md", "*.html", "*.htm", "*.jsonl", "*.ndjson", "*.rss", "*.atom", "*.xml")
DEFAULT_INCLUDE: tuple[str, ...] = _WALKED + tuple(glob + ".gz" for glob in _WALKED)
STDIN_PATH = "-"
#: The path and id of documents read from a stream on standard input.
STDIN_NAME = "<stdin>"

ProblemSink = Callable[[Problem], None]


class SourceError(Exception):
    """A usage-level error about a command-line path (e.g. it does not exist).

    ``str(error)`` is one line: ``"<path>: <reason>"``.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{_show(path)}: {reason}")
        self.path = path
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Opening files


def _reason(exc: OSError, path: str) -> str:
    """A short lowercase reason for an OS error."""
    code = exc.errno
    if code == errno.ENOENT:
        return "broken symbolic link" if os.path.islink(path) else "no such file"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.EISDIR:
        return "is a directory"
    if code == errno.ELOOP:
        return "symbolic link loop"
    if code in (errno.ENXIO, errno.ENODEV):
        return "not a regular file"
    if exc.strerror:
        return exc.strerror.lower()
    return "unreadable"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "not a regular file (fifo)"
    if stat.S_ISSOCK(mode):
        return "not a regular file (socket)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a regular file (device)"
    return "not a regular file"


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)


_BUFFER = 64 * 1024


class _NotRegular(OSError):
    """A path that opened but is a folder, FIFO, socket or device."""


def _open_checked(path: str) -> IO[bytes]:
    """A buffered binary stream on a regular file; OSError if it cannot be opened or is not one.

    Opened non-blocking and checked with fstat on the open descriptor, so a FIFO or device
    (even one swapped in after listing) is refused instead of hanging the run.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _NotRegular(_kind(mode))
        return open(fd, "rb", buffering=_BUFFER, closefd=True)
    except BaseException:
        os.close(fd)
        raise


def prefetch(paths: Iterable[str]) -> None:
    """Ask the kernel to start reading files that are about to be read (a batch's).

    A worker reads its batch's files one after another; on a cold page cache each read waits
    for the disk (~80 us a file here). ``posix_fadvise(WILLNEED)`` on all of them first lets
    the kernel fetch them together: 3,000 uncached 4 KB files took 0.04 s instead of 0.24 s.
    Best effort: paths that cannot be opened are left for the real read to report, and
    platforms without ``posix_fadvise`` skip this.
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for path in paths:
        try:
            fd = os.open(path, _OPEN_FLAGS)  # non-blocking: a FIFO must not hang here either
        except OSError:
            continue
        try:
            advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


def _open_regular(path: str, report: ProblemSink) -> IO[bytes] | None:
    """:func:`_open_checked`, or None after reporting why the file cannot be read."""
    try:
        return _open_checked(path)
    except _NotRegular as exc:
        report(Problem(path, str(exc), fatal=True))
    except OSError as exc:
        report(Problem(path, _reason(exc, path), fatal=True))
    return None


def _path_ids(path: str) -> set[str]:
    """Every id a file at ``path`` can have: trailing parts of its path, its resolved path."""
    parts = PurePath(path).as_posix().split("/")
    found = {"/".join(parts[i:]) for i in range(len(parts))}
    found.add(Path(os.path.realpath(path)).as_posix())
    found.discard("")
    return found


def _split_record_id(path: str, doc_id: str) -> tuple[str, str | None]:
    """``(file id, record id or None)`` for an id passed to :func:`read_file`.

    ``doc_id`` is the file's own id unless it is ``<an id of this file>#<key>``: then it
    names one record and the file id is the part before ``#``.
    """
    if "#" not in doc_id:
        return doc_id, None  # record ids always have a "#": skip resolving the path
    candidates = _path_ids(path)
    if doc_id in candidates:
        return doc_id, None
    for candidate in sorted(candidates, key=len, reverse=True):
        if doc_id.startswith(candidate + "#"):
            return candidate, doc_id
    return doc_id, None


def read_file(
    path: str | os.PathLike[str],
    doc_id: str,
    *,
    options: ReadOptions | None = None,
    on_problem: ProblemSink | None = None,
) -> Iterator[Document]:
    """Read one file with the reader for its format and yield its documents in file order.

    ``doc_id`` is the file's id: a single document gets it, records inside the file get
    ``doc_id#key``. Passing one record's id instead (``<file id>#<key>``, the file id being
    the path, a trailing part of it, or the resolved path) yields only that record (nothing
    if the file no longer has it, or holds a single document); see also :func:`read_again`.

    Pass the ``options`` the scan used so a re-read reads the file as the scan did. The file
    is read as a stream: records are parsed one at a time as the generator is consumed.
    """
    path = os.fspath(path)
    base, record = _split_record_id(path, doc_id)
    wanted = None if record is None else {record}
    yield from _read_path(path, base, record, wanted, options, on_problem or _drop)


def read_again(
    path: str | os.PathLike[str],
    ids: Iterable[str],
    *,
    options: ReadOptions | None = None,
    on_problem: ProblemSink | None = None,
) -> Iterator[Document]:
    """The documents of one file whose ids are in ``ids``, reading the file once.

    For stages that need the text of some documents again (diffs, boilerplate learning):
    ``ids`` are ids a scan gave documents of this file (the file's own id, or ids of records
    inside it). Reading stops once all are found; ids the file no longer has are left out.
    """
    path = os.fspath(path)
    wanted = set(ids)
    if not wanted:
        return
    splits = sorted(_split_record_id(path, doc_id) for doc_id in wanted)
    base = splits[0][0]
    records = [record for _, record in splits]
    record = None if None in records else records[0]
    yield from _read_path(path, base, record, wanted, options, on_problem or _drop)


def _read_path(
    path: str,
    base: str,
    record: str | None,
    wanted: set[str] | None,
    options: ReadOptions | None,
    report: ProblemSink,
) -> Iterator[Document]:
    """Documents of the file at ``path`` (only those in ``wanted`` unless it is None)."""
    if path == STDIN_NAME:
        report(Problem(path, "standard input cannot be read again", fatal=True))
        return
    if options is None:
        options = DEFAULT_READ_OPTIONS
    handle = _open_regular(path, report)
    if handle is None:
        return

    def reopen() -> AbstractContextManager[IO[bytes]]:
        return _open_checked(path)

    missing = set(wanted) if wanted is not None else None
    with handle:
        for document in read_stream(
            handle,
            path=path,
            doc_id=base,
            options=options,
            report=report,
            reopen=reopen,
            record=record,
        ):
            if missing is None:
                yield document
            elif document.id in missing:
                missing.discard(document.id)
                yield document
                if not missing:
                    return


class _EncodedText(io.RawIOBase):
    """A text stream (``io.StringIO``, a test's stdin) seen as UTF-8 bytes, encoded lazily."""

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = self._text.read(_BUFFER)
            if not chunk:
                return 0
            self._pending = chunk.encode("utf-8")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _binary_stdin(stdin: TextIO | IO[bytes] | None) -> IO[bytes]:
    """A buffered binary stream (with ``peek``) over standard input or its stand-in."""
    stream: object = stdin if stdin is not None else sys.stdin
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream = buffer
    elif isinstance(stream, io.TextIOBase):
        return io.BufferedReader(_EncodedText(stream), _BUFFER)  # type: ignore[arg-type]
    if hasattr(stream, "peek"):
        return stream  # type: ignore[return-value]
    return io.BufferedReader(stream, _BUFFER)  # type: ignore[arg-type]


def _read_stdin(
    stdin: TextIO | IO[bytes] | None, options: ReadOptions, report: ProblemSink
) -> Iterator[Document]:
    """Documents of standard input read as one source in ``options.input_format``."""
    yield from read_stream(
        _binary_stdin(stdin),
        path=STDIN_NAME,
        doc_id=STDIN_NAME,
        options=options,
        report=report,
    )


# --------------------------------------------------------------------------------------------
# Paths, globs and walking


def _drop(problem: Problem) -> None:
    """Default problem sink: ignore."""


def _show(path: str) -> str:
    """A path safe to put on one line of a message."""
    return path if path.isprintable() else repr(path)


def _posix(path: str) -> str:
    """The path as given, in POSIX form (``./a\\b`` -> ``a/b`` on Windows)."""
    return PurePath(path).as_posix()


def _clean_glob(glob: str) -> str:
    while glob.startswith("./"):
        glob = glob[2:]
    return glob


class _Filter:
    """Include/exclude globs (fnmatch, case-sensitive on every OS for reproducibility).

    A glob ending in ``/`` only matches folders; any other exclude glob matches files and
    folders alike. Globs are tried against the relative POSIX path and against the name.
    """

    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        self.include = tuple(_clean_glob(g) for g in include)
        cleaned = [_clean_glob(g) for g in exclude]
        self.file_excludes = tuple(g for g in cleaned if g and not g.endswith("/"))
        self.dir_excludes = tuple(g.rstrip("/") for g in cleaned if g.rstrip("/"))

    @staticmethod
    def _any(globs: Iterable[str], *names: str) -> bool:
        return any(fnmatchcase(name, glob) for glob in globs for name in names)

    def keeps_walked_file(self, rel: str, name: str) -> bool:
        return self._any(self.include, rel, name) and not self._any(self.file_excludes, rel, name)

    def excludes_dir(self, rel: str, name: str) -> bool:
        return self._any(self.dir_excludes, rel, name)

    def excludes_explicit_file(self, given: str) -> bool:
        """Filter a path given explicitly as if walking had found it at that relative path.

        ``include`` does not apply; ``.``, ``..`` and the root of the path are not folders
        that can be excluded.
        """
        pure = PurePath(given)
        if self._any(self.file_excludes, pure.as_posix(), pure.name):
            return True
        parts = [p for p in pure.parent.parts if p not in (pure.anchor, ".", "..")]
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return self._any(self.dir_excludes, *parts, *prefixes)


def _walk(root: str, filt: _Filter, report: ProblemSink) -> Iterator[tuple[str, str, str]]:
    """Yield ``(path, relative POSIX path, resolved path)`` of kept files under ``root``.

    Depth-first, entries sorted by name; hidden entries skipped; symlinked folders not
    followed (loops); iterative so deep trees cannot hit the recursion limit.
    """
    stack: list[tuple[Iterator[os.DirEntry[str]], str, str]] = []

    def push(dir_path: str, prefix: str, real_dir: str) -> None:
        try:
            with os.scandir(dir_path) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as exc:
            report(Problem(dir_path, _reason(exc, dir_path), fatal=True))
            return
        stack.append((iter(entries), prefix, real_dir))

    push(root, "", os.path.realpath(root))
    while stack:
        entries, prefix, real_dir = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        name = entry.name
        if name.startswith("."):
            continue
        rel = prefix + name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_link = entry.is_symlink()
        except OSError:
            is_dir, is_link = False, False
        if is_dir:
            if not filt.excludes_dir(rel, name):
                push(entry.path, rel + "/", os.path.join(real_dir, name))
            continue
        if is_link:
            try:
                if entry.is_dir():  # a symlink to a folder: never followed
                    continue
            except OSError:
                pass  # broken link: kept, so reading reports it
            real = os.path.realpath(entry.path)
        else:
            real = os.path.join(real_dir, name)
        if filt.keeps_walked_file(rel, name):
            yield entry.path, rel, real


def _expand_stdin(paths: Sequence[str], stdin: TextIO | None) -> list[str]:
    """Replace ``-`` with the newline-separated paths read from ``stdin`` (read once)."""
    expanded: list[str] = []
    stdin_read = False
    for path in paths:
        if path != STDIN_PATH:
            expanded.append(path)
            continue
        if stdin_read:
            continue
        stdin_read = True
        stream = stdin if stdin is not None else sys.stdin
        for line in stream.read().splitlines():
            line = line.strip()
            if line:
                expanded.append(line)
    return expanded


def check_paths(paths: Sequence[str], stdin_ok: bool = True) -> list[Problem]:
    """Fatal problems for command-line paths that do not exist, in argument order.

    With ``stdin_ok``, ``-`` means "read paths from stdin" and is not checked; otherwise it
    is an ordinary file name. A dangling symbolic link counts as missing.
    """
    problems: list[Problem] = []
    for path in paths:
        if stdin_ok and path == STDIN_PATH:
            continue
        if not os.path.exists(path):
            reason = "broken symbolic link" if os.path.islink(path) else "no such file or folder"
            problems.append(Problem(path, reason, fatal=True))
    return problems


class _Ids:
    """Allocates unique ids: preferred form, then fallbacks, then a ``~N`` suffix."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, *candidates: str) -> str:
        for candidate in candidates:
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        base, n = candidates[-1], 2
        while f"{base}~{n}" in self.used:
            n += 1
        self.used.add(f"{base}~{n}")
        return f"{base}~{n}"


def _registered(ids: _Ids, file_id: str, documents: Iterable[Document]) -> Iterator[Document]:
    """Keep record ids unique across files (a file's own id is already taken)."""
    for document in documents:
        if document.id != file_id:
            unique = ids.take(document.id)
            if unique != document.id:
                document = replace(document, id=unique)
        yield document


@dataclass(frozen=True)
class PendingFile:
    """A file holding one document, found but not read yet: whoever reads it (a worker
    process) calls :func:`read_pending`. Its id is final: one-document files take their
    file id, already made unique among all sources."""

    path: str
    id: str


def read_pending(
    pending: PendingFile, options: ReadOptions | None = None, on_problem: ProblemSink | None = None
) -> Iterator[Document]:
    """The document of a :class:`PendingFile` (none if it cannot be read: see ``on_problem``)."""
    return read_file(pending.path, pending.id, options=options, on_problem=on_problem)


def _holds_one_document(path: str, options: ReadOptions) -> bool:
    """Whether the file's format is a one-document format (text, Markdown, HTML)."""
    name = path[: -len(GZIP_SUFFIX)] if path.lower().endswith(GZIP_SUFFIX) else path
    return not format_for(name, options)[0].records


def _generate(
    args: list[str],
    filt: _Filter,
    options: ReadOptions,
    stdin: TextIO | IO[bytes] | None,
    report: ProblemSink,
    defer: bool = False,
) -> Iterator[Document | PendingFile]:
    ids = _Ids()
    seen: set[str] = set()  # resolved paths already read
    stdin_read = False

    def read(path: str, doc_id: str) -> Iterator[Document | PendingFile]:
        if defer and _holds_one_document(path, options):
            return iter((PendingFile(path, doc_id),))
        return _registered(ids, doc_id, read_file(path, doc_id, options=options, on_problem=report))

    for arg in args:
        if arg == STDIN_PATH and options.input_format is not None:
            if not stdin_read:
                stdin_read = True
                doc_id = ids.take(STDIN_NAME)
                yield from _registered(ids, doc_id, _read_stdin(stdin, options, report))
            continue
        try:
            is_dir = stat.S_ISDIR(os.stat(arg).st_mode)
        except OSError as exc:  # vanished or became unreadable since check_paths
            report(Problem(arg, _reason(exc, arg), fatal=True))
            continue
        if is_dir:
            for path, rel, real in _walk(arg, filt, report):
                if real in seen:
                    continue
                seen.add(real)
                if rel in ids.used:  # rare: build the fallback ids only when needed
                    joined = (PurePath(arg) / rel).as_posix()
                    doc_id = ids.take(rel, joined, Path(real).as_posix())
                else:
                    doc_id = ids.take(rel)
                yield from read(path, doc_id)
        else:
            if filt.excludes_explicit_file(arg):
                continue
            real = os.path.realpath(arg)
            if real in seen:
                continue
            seen.add(real)
            yield from read(arg, ids.take(_posix(arg), Path(real).as_posix()))


def iter_documents(
    paths: Sequence[str],
    *,
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
    stdin: TextIO | IO[bytes] | None = None,
    options: ReadOptions | None = None,
    on_problem: ProblemSink | None = None,
) -> Iterator[Document]:
    """Documents from files and folders, in a deterministic order with unique ids.

    Folders are walked recursively (sorted, hidden entries skipped, symlinked folders not
    followed) keeping files that match ``include`` and no ``exclude`` glob; files named
    explicitly are always read unless excluded. Each file is read by the reader for its
    extension, or by ``options.input_format`` when set (see :mod:`dupfind.formats`).

    ``-`` reads a list of paths from ``stdin`` (``sys.stdin`` if None), each treated as if
    given on the command line; with ``options.input_format`` set it instead reads ``stdin``
    itself as one source in that format (documents ``<stdin>`` or ``<stdin>#<key>``).

    This is an ordinary function returning a generator, so that a list of paths is read
    from stdin and :class:`SourceError` raised for a missing path *at call time*, before any
    document. Unreadable or binary files, malformed records and refused feeds become
    :class:`Problem` objects passed to ``on_problem`` (dropped if None) and are skipped.
    """
    return _sources(paths, include, exclude, stdin, options, on_problem, defer=False)  # type: ignore[return-value]


def iter_sources(
    paths: Sequence[str],
    *,
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
    stdin: TextIO | IO[bytes] | None = None,
    options: ReadOptions | None = None,
    on_problem: ProblemSink | None = None,
) -> Iterator[Document | PendingFile]:
    """:func:`iter_documents`, except that one-document files come as :class:`PendingFile`.

    A parallel scan hands those to its worker processes to read, so the process that walks
    the folders does not also read and decode every file. Files holding records (JSON
    Lines, feeds) and standard input are still read here, as streams, in order.
    """
    return _sources(paths, include, exclude, stdin, options, on_problem, defer=True)


def _sources(
    paths: Sequence[str],
    include: Sequence[str],
    exclude: Sequence[str],
    stdin: TextIO | IO[bytes] | None,
    options: ReadOptions | None,
    on_problem: ProblemSink | None,
    defer: bool,
) -> Iterator[Document | PendingFile]:
    options = options or DEFAULT_READ_OPTIONS
    stream_stdin = options.input_format is not None
    expand = STDIN_PATH in paths and not stream_stdin
    args = _expand_stdin(paths, stdin) if expand else list(paths)  # type: ignore[arg-type]
    missing = check_paths(args, stdin_ok=stream_stdin)
    if missing:
        raise SourceError(missing[0].path, missing[0].message)
    filt = _Filter(include, exclude)
    return _generate(args, filt, options, stdin, on_problem or _drop, defer)

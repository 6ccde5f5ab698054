"""Reading stage: turn command-line paths into a deterministic stream of :class:`Document`.

Everything downstream (shingling, clustering, reports) depends on the *order* and the *ids*
of documents, so both are fixed here and nowhere else: folders are walked in sorted order,
ids are paths relative to the argument they came from, and collisions are resolved the same
way on every machine. Reading never stops on a bad file: it is reported as a :class:`Problem`
through a callback and skipped, so one unreadable file in a feed dump does not lose the run.
Only a path that does not exist on the command line is a usage error (:class:`SourceError`),
raised before anything is read.

Formats plug in through :data:`READERS` (file extension -> reader); the walking code never
looks at file contents.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePath
from typing import TextIO

from charset_normalizer import from_bytes

from dupfind.documents import Document, Problem
from dupfind.normalize import collapse_whitespace

__all__ = [
    "DEFAULT_INCLUDE",
    "READERS",
    "Reader",
    "SourceError",
    "check_paths",
    "decode_text",
    "iter_documents",
    "make_title",
    "read_file",
]

DEFAULT_INCLUDE: tuple[str, ...] = ("*.txt", "*.md")
STDIN_PATH = "-"
TITLE_MAX = 200
BINARY_SNIFF = 8192  # bytes inspected for NUL when deciding a file is binary

ProblemSink = Callable[[Problem], None]
#: A format reader: (raw bytes, path, id, report) -> documents. ``path`` is the path shown in
#: problems and stored in :attr:`Document.path`; ``id`` is the unique base id for this file.
Reader = Callable[[bytes, str, str, ProblemSink], Iterator[Document]]


class SourceError(Exception):
    """A usage-level error about a command-line path (e.g. it does not exist).

    ``str(error)`` is one line: ``"<path>: <reason>"``.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{_show(path)}: {reason}")
        self.path = path
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Decoding and titles


# Legacy encodings news files actually come in. Restricting detection to these keeps rare code
# pages (iso8859_3, mac_iceland, cp775, ...) from winning on short text, where charset_normalizer
# otherwise turns French "« à »" into "Ğ ĥ ğ".
_CANDIDATE_ENCODINGS = (
    "cp1252",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
    "iso8859_2",
    "iso8859_5",
    "iso8859_7",
    "iso8859_15",
    "koi8_r",
    "koi8_u",
    "mac_roman",
    "cp874",
    "shift_jis",
    "euc_jp",
    "iso2022_jp",
    "gb18030",
    "big5",
    "euc_kr",
)
# Languages written in cp1252: when cp1252 ties with the best guess and reads as one of these,
# it wins (charset_normalizer breaks exact ties by an internal order, e.g. cp1250 first).
_CP1252_LANGUAGES = frozenset(
    {
        "Unknown",
        "English",
        "English—",
        "German",
        "French",
        "Dutch",
        "Italian",
        "Spanish",
        "Portuguese",
        "Swedish",
        "Norwegian",
        "Danish",
        "Finnish",
        "Indonesian",
    }
)


def _detect_encoding(data: bytes) -> str | None:
    """Best legacy encoding for ``data`` per charset_normalizer, or None if it finds none."""
    results = from_bytes(data, cp_isolation=list(_CANDIDATE_ENCODINGS))
    best = results.best()
    if best is None:
        return None
    if "cp1252" in best.could_be_from_charset:
        return "cp1252"  # same text either way; name the common code page
    for match in results:
        if (
            match.encoding == "cp1252"
            and match.chaos <= best.chaos
            and match.coherence >= best.coherence
            and match.language in _CP1252_LANGUAGES
        ):
            return "cp1252"
    return best.encoding


def decode_text(data: bytes, path: str, report: ProblemSink) -> tuple[str, str] | None:
    """Decode file bytes to ``(text, encoding)``, or None (after reporting) if binary.

    UTF-8 first (a BOM is stripped and recorded as ``utf-8-sig`` so the file can be re-read
    to the same text); UTF-16 with a BOM; otherwise the detected legacy encoding, with a
    non-fatal problem; as a last resort UTF-8 with replacement characters.
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass  # a BOM followed by non-UTF-8 bytes: fall through to detection
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass  # not really UTF-16: the NUL check below decides
    if data.find(b"\x00", 0, BINARY_SNIFF) != -1:
        report(Problem(path, "binary file, skipped", fatal=True))
        return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    detected = _detect_encoding(data)
    if detected is not None:
        encoding = codecs.lookup(detected).name
        if encoding != "utf-8":
            text = data.decode(encoding, errors="replace")
            report(Problem(path, f"not valid UTF-8; decoded as {encoding}", fatal=False))
            return text, encoding
    report(
        Problem(
            path, "not valid UTF-8, encoding not detected; undecodable bytes replaced", fatal=False
        )
    )
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff"), "utf-8"


_MD_HEADING_OPEN = re.compile(r"^\s{0,3}#{1,6}(?=\s|$)")
_MD_HEADING_CLOSE = re.compile(r"\s#+\s*$")


def make_title(text: str, *, markdown: bool = False) -> str:
    """First non-empty line, whitespace collapsed, cut to :data:`TITLE_MAX` characters.

    With ``markdown``, ATX heading marks (``# Title #``) are removed first; a line that is
    only heading marks counts as empty.
    """
    for line in text.splitlines():
        if markdown and _MD_HEADING_OPEN.match(line):
            line = _MD_HEADING_CLOSE.sub("", _MD_HEADING_OPEN.sub("", line, count=1))
        title = collapse_whitespace(line)
        if title:
            if len(title) > TITLE_MAX:
                title = title[: TITLE_MAX - 1].rstrip() + "…"
            return title
    return ""


# --------------------------------------------------------------------------------------------
# Format readers


def read_plain_text(data: bytes, path: str, doc_id: str, report: ProblemSink) -> Iterator[Document]:
    """One document per file; title is the first non-empty line."""
    decoded = decode_text(data, path, report)
    if decoded is None:
        return
    text, encoding = decoded
    yield Document(id=doc_id, text=text, title=make_title(text), path=path, encoding=encoding)


def read_markdown(data: bytes, path: str, doc_id: str, report: ProblemSink) -> Iterator[Document]:
    """Like plain text, but the title loses its ``#`` heading marks. The body is kept as is."""
    decoded = decode_text(data, path, report)
    if decoded is None:
        return
    text, encoding = decoded
    title = make_title(text, markdown=True)
    yield Document(id=doc_id, text=text, title=title, path=path, encoding=encoding)


#: Reader per lower-case file extension. Files with an unlisted extension (only reachable by
#: naming them explicitly or through ``--include``) are read as plain text.
READERS: dict[str, Reader] = {
    ".txt": read_plain_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
}
DEFAULT_READER: Reader = read_plain_text


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


def _read_bytes(path: str, report: ProblemSink) -> bytes | None:
    """All bytes of a regular file, or None after reporting why it could not be read.

    Opened non-blocking and checked with fstat on the open descriptor, so a FIFO or device
    (even one swapped in after listing) is refused instead of hanging the run.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        report(Problem(path, _reason(exc, path), fatal=True))
        return None
    try:
        with open(fd, "rb", closefd=True) as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                report(Problem(path, _kind(mode), fatal=True))
                return None
            return handle.read()
    except OSError as exc:
        report(Problem(path, _reason(exc, path), fatal=True))
        return None


def read_file(
    path: str | os.PathLike[str], doc_id: str, *, on_problem: ProblemSink | None = None
) -> Iterator[Document]:
    """Read one file (bytes, once) and parse it with the reader for its extension."""
    path = os.fspath(path)
    report = on_problem or _drop
    data = _read_bytes(path, report)
    if data is None:
        return
    reader = READERS.get(os.path.splitext(path)[1].lower(), DEFAULT_READER)
    yield from reader(data, path, doc_id, report)


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


def _generate(args: list[str], filt: _Filter, report: ProblemSink) -> Iterator[Document]:
    ids = _Ids()
    seen: set[str] = set()  # resolved paths already read
    for arg in args:
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
                joined = (PurePath(arg) / rel).as_posix()
                doc_id = ids.take(rel, joined, Path(real).as_posix())
                yield from read_file(path, doc_id, on_problem=report)
        else:
            if filt.excludes_explicit_file(arg):
                continue
            real = os.path.realpath(arg)
            if real in seen:
                continue
            seen.add(real)
            doc_id = ids.take(_posix(arg), Path(real).as_posix())
            yield from read_file(arg, doc_id, on_problem=report)


def iter_documents(
    paths: Sequence[str],
    *,
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
    stdin: TextIO | None = None,
    on_problem: ProblemSink | None = None,
) -> Iterator[Document]:
    """Documents from files and folders, in a deterministic order with unique ids.

    Folders are walked recursively (sorted, hidden entries skipped, symlinked folders not
    followed) keeping files that match ``include`` and no ``exclude`` glob; files named
    explicitly are always read unless excluded. ``-`` reads a list of paths from ``stdin``
    (``sys.stdin`` if None), each treated as if given on the command line.

    This is an ordinary function returning a generator, so that stdin is read and
    :class:`SourceError` raised for a missing path *at call time*, before any document.
    Unreadable or binary files become :class:`Problem` objects passed to ``on_problem``
    (dropped if None) and are skipped.
    """
    args = _expand_stdin(paths, stdin) if STDIN_PATH in paths else list(paths)
    missing = check_paths(args, stdin_ok=False)
    if missing:
        raise SourceError(missing[0].path, missing[0].message)
    filt = _Filter(include, exclude)
    return _generate(args, filt, on_problem or _drop)

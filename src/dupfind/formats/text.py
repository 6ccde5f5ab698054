"""Plain text and Markdown, and the decoding and titles every text-bearing format shares.

Text is decoded as UTF-8 first, then by detection among the legacy encodings news files
really come in (with a warning naming the one used). Binary files are recognised by a NUL
byte in their first 8 KiB: after decompression, so a gzip file is judged by what it holds.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from charset_normalizer import from_bytes

from dupfind.documents import Document, Problem
from dupfind.formats.base import BinaryStream, ProblemSink, ReadContext
from dupfind.normalize import collapse_whitespace

TITLE_MAX = 200
BINARY_SNIFF = 8192  # bytes inspected for NUL when deciding a file is binary
BINARY_MESSAGE = "binary file, skipped"


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


def decode_text(
    data: bytes, path: str, report: ProblemSink, *, binary_message: str = BINARY_MESSAGE
) -> tuple[str, str] | None:
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
        report(Problem(path, binary_message, fatal=True))
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
        title = clip_title(line)
        if title:
            return title
    return ""


def clip_title(title: str) -> str:
    """Whitespace collapsed and cut to :data:`TITLE_MAX` characters."""
    title = collapse_whitespace(title)
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    return title


def _decode(stream: BinaryStream, context: ReadContext) -> tuple[str, str] | None:
    message = BINARY_MESSAGE if context.known_format else "unknown format (binary file), skipped"
    return decode_text(stream.read(), context.path, context.report, binary_message=message)


def read_plain_text(stream: BinaryStream, context: ReadContext) -> Iterator[Document]:
    """One document per file; title is the first non-empty line."""
    decoded = _decode(stream, context)
    if decoded is None:
        return
    text, encoding = decoded
    yield Document(context.doc_id, text, make_title(text), context.path, encoding)


def read_markdown(stream: BinaryStream, context: ReadContext) -> Iterator[Document]:
    """Like plain text, but the title loses its ``#`` heading marks. The body is kept as is."""
    decoded = _decode(stream, context)
    if decoded is None:
        return
    text, encoding = decoded
    title = make_title(text, markdown=True)
    yield Document(context.doc_id, text, title, context.path, encoding)

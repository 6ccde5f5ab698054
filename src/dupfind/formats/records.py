"""JSON Lines, JSON arrays and JSON Feed: one document per record, read one record at a time.

CMS exports and crawls come as JSON Lines (one object per line) or as one JSON array; a JSON
Feed (https://jsonfeed.org/version/1.1) is an object whose ``items`` are the articles. All
three are *streamed*: JSON Lines line by line, JSON arrays and feeds element by element with
ijson (its C backend; the parser keeps one record in memory, never the file), so a 2 GB export
reads in constant memory.

Records: the text, id and title come from ``--text-field``, ``--id-field`` and
``--title-field`` (dotted paths reach nested objects). A text that is HTML markup (a CMS body)
is converted to plain text. The id is ``path#<id value>`` when the record has one, else
``path#<line>`` (JSON Lines, from 1) or ``path#<index>`` (JSON arrays, from 0 as in ``jq
'.[N]'``). A line that is not JSON, a record that is not an object, or one without its text is
reported (``path:line`` for JSON Lines) and skipped; the rest of the file is still read. A
JSON array cannot be resynchronised after a syntax error: what came before it is kept and the
error is reported.

A ``.json`` file holding an object is a JSON Feed when its ``version`` says so (then its items
are read), otherwise a single record. Limits of streaming there: a single-record object is
built whole, and the items of a JSON Feed that puts ``items`` before ``version`` (the spec
asks for ``version`` first) are held until ``version`` is seen.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any

from dupfind.documents import Document
from dupfind.formats.base import BinaryStream, ReadContext, RecordIds, one_line, record_key
from dupfind.formats.htmltext import html_to_text, looks_like_html
from dupfind.formats.text import BINARY_MESSAGE, BINARY_SNIFF, clip_title, make_title

JSONFEED_VERSION_PREFIX = "https://jsonfeed.org/version/"
_MISSING = object()


def field_value(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (``meta.guid``, ``items.0.text``), or ``_MISSING``.

    A key that itself contains dots (``"dc.title"``) is found before the path is split.
    """
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _text(value: str) -> str:
    return html_to_text(value) if looks_like_html(value) else value


def record_document(
    record: Any, context: ReadContext, ids: RecordIds, fallback_key: str, where: str, label: str
) -> Document | None:
    """The document of one JSON record, or None after reporting why it was skipped.

    ``where`` is the problem location (``path:line`` or ``path``); ``label`` prefixes the
    message (``""`` or ``"record [3]: "``).
    """
    options = context.options
    if not isinstance(record, dict):
        context.problem(f"{label}not a JSON object, skipped", where=where)
        return None
    text = field_value(record, options.text_field)
    if text is _MISSING or text is None:
        context.problem(f"{label}no {options.text_field!r} field, skipped", where=where)
        return None
    if not isinstance(text, str):
        context.problem(f"{label}{options.text_field!r} is not a string, skipped", where=where)
        return None
    text = _text(text)
    title = field_value(record, options.title_field)
    title = clip_title(_text(title)) if isinstance(title, str) else ""
    doc_id = ids.take(record_key(field_value(record, options.id_field)) or fallback_key)
    return Document(doc_id, text, title or make_title(text), context.path, "utf-8")


def read_jsonl(stream: BinaryStream, context: ReadContext) -> Iterator[Document]:
    """JSON Lines / NDJSON: one record per line, read line by line."""
    ids = RecordIds(context.doc_id)
    for number, raw in enumerate(stream, 1):
        where = f"{context.path}:{number}"
        if number == 1:
            if raw.find(b"\x00", 0, BINARY_SNIFF) != -1:
                context.problem(BINARY_MESSAGE)
                return
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            context.problem("not valid UTF-8; bytes replaced", where=where, fatal=False)
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            reason = f"{error.msg.removesuffix(' at')} at column {error.colno}"
            context.problem(f"malformed JSON ({reason}), skipped", where=where)
            continue
        document = record_document(record, context, ids, str(number), where, "")
        if document is not None:
            yield document


def _first_byte(stream: BinaryStream) -> bytes:
    """The first significant byte, consuming only a UTF-8 BOM (which the parser rejects)."""
    head = stream.peek(BINARY_SNIFF)[:BINARY_SNIFF] if hasattr(stream, "peek") else b""
    if head.startswith(codecs.BOM_UTF8):
        stream.read(len(codecs.BOM_UTF8))
    return head.removeprefix(codecs.BOM_UTF8).lstrip()[:1]


Events = Iterator[tuple[str, str, Any]]


def _next(events: Events) -> tuple[str, str, Any]:
    """The next parser event; a stream that ends early is malformed JSON, not StopIteration."""
    import ijson

    try:
        return next(events)
    except StopIteration:
        raise ijson.IncompleteJSONError("unexpected end of JSON") from None


def _build(event: str, value: Any, events: Events) -> Any:
    """The whole JSON value starting with ``(event, value)``, built from the following events."""
    import ijson

    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    depth = 1 if event in ("start_map", "start_array") else 0
    while depth:
        _, event, value = _next(events)
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
    return builder.value


def _array_elements(events: Events) -> Iterator[Any]:
    """The elements of the array whose ``start_array`` event was just consumed, one by one."""
    while True:
        _, event, value = _next(events)
        if event == "end_array":
            return
        yield _build(event, value, events)


def read_json(stream: BinaryStream, context: ReadContext) -> Iterator[Document]:
    """A JSON array of records, a JSON Feed, or a single record (a top-level object)."""
    import ijson

    first = _first_byte(stream)
    if first not in (b"[", b"{"):
        what = "empty file" if not first else "neither an array of records nor an object"
        context.problem(f"not a JSON document to read ({what}), skipped")
        return
    jsonfeed = context.options.input_format == "jsonfeed"
    if first == b"[" and jsonfeed:
        context.problem("not a JSON Feed (the top level is an array), skipped")
        return
    ids = RecordIds(context.doc_id)
    read = 0
    try:
        events = ijson.parse(stream, use_float=True)
        _, event, _ = _next(events)  # start_array or start_map
        if event == "start_array":
            for index, record in enumerate(_array_elements(events)):
                read = index + 1
                label = f"record [{index}]: "
                document = record_document(record, context, ids, str(index), context.path, label)
                if document is not None:
                    yield document
            return
        yield from _read_object(events, context, ids, jsonfeed)
    except ijson.JSONError as error:
        after = f" after record [{read - 1}]" if read else ""
        context.problem(f"malformed JSON{after} ({one_line(error)}); the rest is skipped")
    except UnicodeDecodeError:
        context.problem("not valid UTF-8 JSON, skipped")


def _read_object(
    events: Events, context: ReadContext, ids: RecordIds, jsonfeed: bool
) -> Iterator[Document]:
    """A top-level object: a JSON Feed (items streamed) or one record (built whole)."""
    top: dict[str, Any] = {}
    pending: list[Any] = []  # items met before "version" said whether this is a JSON Feed
    position = 0
    saw_items = False
    while True:
        _, event, value = _next(events)
        if event == "end_map":
            break
        key = value  # a map_key: the next events are its value
        _, event, value = _next(events)
        if key == "items" and event == "start_array":
            saw_items = True
            for item in _array_elements(events):
                position += 1
                if jsonfeed:
                    document = feed_item_document(item, context, ids, position)
                    if document is not None:
                        yield document
                else:
                    pending.append(item)
            continue
        top[key] = _build(event, value, events)
        if key == "version" and str(top[key]).startswith(JSONFEED_VERSION_PREFIX):
            jsonfeed = True
            for number, item in enumerate(pending, 1):
                document = feed_item_document(item, context, ids, number)
                if document is not None:
                    yield document
            pending.clear()
    if jsonfeed:
        return
    if saw_items:
        top["items"] = pending
    document = record_document(top, context, ids, "", context.path, "")
    if document is not None:
        # A single record: the file is the document, its id the file's id.
        yield Document(context.doc_id, document.text, document.title, context.path, "utf-8")


def feed_item_document(
    item: Any, context: ReadContext, ids: RecordIds, position: int
) -> Document | None:
    """A JSON Feed item: ``content_text``, else ``content_html`` (as text), else ``summary``."""
    if not isinstance(item, dict):
        context.problem(f"item {position}: not a JSON object, skipped")
        return None
    key = record_key(item.get("id")) or record_key(item.get("url")) or str(position)
    text = ""
    for field in ("content_text", "content_html", "summary"):
        value = item.get(field)
        if isinstance(value, str) and value.strip():
            is_html = field == "content_html" or looks_like_html(value)
            text = html_to_text(value) if is_html else value
            break
    if not text:
        context.problem(f"item {key!r}: no content_text, content_html or summary, skipped")
        return None
    title = item.get("title")
    title = clip_title(title) if isinstance(title, str) else ""
    return Document(ids.take(key), text, title or make_title(text), context.path, "utf-8")


def read_jsonfeed(stream: BinaryStream, context: ReadContext) -> Iterator[Document]:
    """A JSON Feed, whatever its ``version`` says (``--input-format jsonfeed``, feed sniffing)."""
    from dataclasses import replace

    forced = replace(context, options=replace(context.options, input_format="jsonfeed"))
    yield from read_json(stream, forced)

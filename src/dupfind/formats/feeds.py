"""RSS and Atom feeds (and JSON Feed, recognised by its first byte): one document per item.

Parsing is feedparser's: it knows every RSS dialect (0.9x, 1.0/RDF, 2.0) and Atom (0.3, 1.0),
their namespaces, escaped and CDATA content, and which element holds an item's id, link,
title, summary and full content. Two things are done around it, for safety and for memory:

* **Streaming, item by item.** ``feedparser.parse`` reads the whole document first. dupfind
  instead drives feedparser's own SAX content handler with an incremental parser, feeding
  64 KiB at a time and taking each item as soon as its closing tag is seen, so a feed archive
  of any size is read in constant memory.
* **No entity expansion, no external entities.** The incremental parser is defusedxml's
  expat reader with its defaults: any ``<!ENTITY`` declaration (the billion-laughs and
  quadratic-blowup bombs, ``SYSTEM`` entities reading local files or URLs) stops the parse
  with ``EntitiesForbidden`` before anything is expanded or fetched, and external DTDs are
  never loaded. Such a feed is refused with one problem line. (feedparser alone strips
  entity declarations with regular expressions before parsing, which has been bypassed in
  the past; expat's own amplification limit is a second line, not the first.) Legitimate
  feeds do not declare entities.

Feeds in the wild are often not well-formed XML (an HTML ``&nbsp;``, a stray ``&``, a wrong
encoding). When the strict parse fails on such an error, the feed is read again with
feedparser's lenient SGML-based parser (which never processes a DTD), up to
:data:`LENIENT_MAX_BYTES`, with a warning; items already read are not read twice. A document
whose root element is not ``rss``, ``rdf:RDF`` or ``feed`` is not a feed and is reported.

Item ids are the item's guid (RSS) or id (Atom), else its link, else its position; text is
its full content (``content:encoded``, Atom ``content``), else its summary/description, with
HTML converted to text; the title is the item's title.
"""

from __future__ import annotations

import codecs
import functools
import re
import xml.sax
from collections.abc import Iterator
from typing import Any

from dupfind.documents import Document
from dupfind.formats.base import BinaryStream, ReadContext, RecordIds, one_line, record_key
from dupfind.formats.htmltext import html_to_text, looks_like_html
from dupfind.formats.records import read_jsonfeed
from dupfind.formats.text import clip_title, make_title

CHUNK = 64 * 1024
#: The lenient fallback parser needs the whole document; larger broken feeds are reported.
LENIENT_MAX_BYTES = 64 * 1024 * 1024
FEED_ROOTS = frozenset({"rss", "rdf", "feed"})
REFUSED = (
    "refused: the feed declares XML entities (an entity-expansion bomb or an external "
    "entity); feeds are never parsed with entity declarations"
)
# Before the root element (the prolog) only; "<!ENTITY" inside content is just text.
_ROOT_START = re.compile(r"<[A-Za-z_]")
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)


class _NotAFeed(Exception):
    """Raised from the content handler at a root element that no feed has."""


@functools.cache
def _handler_class() -> type:
    """feedparser's strict (SAX) handler, stopping at once when the root is not a feed's."""
    from feedparser.api import StrictFeedParser

    class FeedHandler(StrictFeedParser):  # type: ignore[misc, valid-type]
        root: str | None = None

        def startElementNS(self, name: tuple[str | None, str], qname: str, attrs: Any) -> None:
            if self.root is None:
                self.root = (name[1] or "").lower()
                if self.root not in FEED_ROOTS:
                    raise _NotAFeed(self.root)
            super().startElementNS(name, qname, attrs)

    return FeedHandler


@functools.cache
def _parser_class() -> type:
    """defusedxml's expat SAX reader (entity declarations refused) that skips external DTDs.

    defusedxml would also refuse any ``<!DOCTYPE rss SYSTEM "...">``, which old RSS 0.91
    feeds carry; external DTDs are instead never loaded (as the standard library does without
    ``feature_external_ges``), and entities they would define are skipped. External
    *entities* cannot get that far: declaring one is refused first.
    """
    from defusedxml.expatreader import DefusedExpatParser

    class FeedParser(DefusedExpatParser):  # type: ignore[misc, valid-type]
        def defused_external_entity_ref_handler(
            self, context: str, base: str | None, sysid: str | None, pubid: str | None
        ) -> int:
            return 1  # "handled": nothing is opened, read or fetched

    return FeedParser


def _sniff(stream: BinaryStream) -> str:
    """``"xml"``, ``"json"``, ``"empty"`` or ``""``, from the first significant character."""
    head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            head = head[len(bom) :][:1024].decode(codec, errors="ignore").encode("utf-8")
            break
    first = head.lstrip()[:1]
    return {b"<": "xml", b"{": "json", b"": "empty"}.get(first, "")


def read_feed(stream: BinaryStream, context: ReadContext) -> Iterator[Document]:
    """RSS, Atom or JSON Feed: one document per item."""
    kind = _sniff(stream)
    if kind == "json":
        yield from read_jsonfeed(stream, context)
    elif kind == "xml":
        yield from _read_xml_feed(stream, context)
    elif kind == "empty":
        context.problem("empty file, not a feed, skipped")
    else:
        context.problem("not a feed (neither XML nor JSON), skipped")


def _completed(handler: Any, final: bool = False) -> list[Any]:
    """Take the items the handler has finished (all of them when ``final``)."""
    entries = handler.entries
    done = len(entries) if final or not handler.inentry else len(entries) - 1
    if done <= 0:
        return []
    taken = entries[:done]
    del entries[:done]
    for entry in taken:  # feedparser keeps a per-item map too; drop it with the item
        handler.property_depth_map.pop(entry, None)
    return taken


def _read_xml_feed(stream: BinaryStream, context: ReadContext) -> Iterator[Document]:
    from defusedxml import DefusedXmlException
    from feedparser.exceptions import UndeclaredNamespace

    handler = _handler_class()("", None, "utf-8")
    handler.resolve_relative_uris = False  # no base URL to resolve against
    handler.sanitize_html = False  # only the text is kept, scripts and styles are dropped
    parser = _parser_class()()
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setFeature(xml.sax.handler.feature_external_pes, False)
    parser.setContentHandler(handler)
    parser.setErrorHandler(handler)
    ids = RecordIds(context.doc_id)
    count = 0
    try:
        while chunk := stream.read(CHUNK):
            parser.feed(chunk)
            for entry in _completed(handler):
                count += 1
                document = _entry_document(entry, context, ids, count)
                if document is not None:
                    yield document
        parser.close()
    except DefusedXmlException:
        context.problem(REFUSED)
        return
    except _NotAFeed as error:
        context.problem(f"not an RSS or Atom feed (root element <{error}>), skipped")
        return
    except (xml.sax.SAXException, UndeclaredNamespace) as error:
        yield from _read_leniently(context, ids, count, _describe(error))
        return
    for entry in _completed(handler, final=True):
        count += 1
        document = _entry_document(entry, context, ids, count)
        if document is not None:
            yield document
    if handler.root is None:
        context.problem("not an RSS or Atom feed (no root element), skipped")


def _describe(error: Exception) -> str:
    if isinstance(error, xml.sax.SAXParseException):
        return f"line {error.getLineNumber()}: {one_line(error.getMessage())}"
    return one_line(error)


def _read_leniently(
    context: ReadContext, ids: RecordIds, already: int, reason: str
) -> Iterator[Document]:
    """Read a feed that is not well-formed XML with feedparser's lenient parser.

    The first ``already`` items were read by the strict parser and are not read again.
    """
    from feedparser.api import LooseFeedParser
    from feedparser.encodings import convert_to_utf8

    if context.reopen is None:
        context.problem(f"not well-formed XML ({reason}); the rest of the feed is skipped")
        return
    with context.reopen() as again:
        data = again.read(LENIENT_MAX_BYTES + 1)
    if len(data) > LENIENT_MAX_BYTES:
        context.problem(
            f"not well-formed XML ({reason}); larger than {LENIENT_MAX_BYTES >> 20} MiB, too "
            "large to read leniently: the rest of the feed is skipped"
        )
        return
    text = convert_to_utf8({}, data, {}).decode("utf-8", errors="replace")
    root = _ROOT_START.search(text)
    if _ENTITY_DECLARATION.search(text, 0, root.start() if root else len(text)):
        context.problem(REFUSED)
        return
    parser = LooseFeedParser("", None, "utf-8", {})
    parser.resolve_relative_uris = False
    parser.sanitize_html = False
    parser.feed(text)
    if not parser.version and not parser.entries:
        context.problem(f"not an RSS or Atom feed ({reason}), skipped")
        return
    context.problem(f"not well-formed XML ({reason}); read leniently", fatal=False)
    for position, entry in enumerate(parser.entries[already:], already + 1):
        document = _entry_document(entry, context, ids, position)
        if document is not None:
            yield document


def _entry_document(
    entry: Any, context: ReadContext, ids: RecordIds, position: int
) -> Document | None:
    """The document of one feed item, or None after reporting an item without text."""
    key = record_key(entry.get("id")) or record_key(entry.get("link")) or str(position)
    value, kind = "", ""
    for content in entry.get("content") or ():
        if str(content.get("value") or "").strip():
            value, kind = str(content["value"]), str(content.get("type") or "")
            break
    if not value:
        value = str(entry.get("summary") or "")
        kind = str((entry.get("summary_detail") or {}).get("type") or "text/html")
    text = html_to_text(value) if "html" in kind or looks_like_html(value) else value.strip()
    if not text:
        context.problem(f"item {key!r}: no content or summary, skipped")
        return None
    title = str(entry.get("title") or "")
    title = clip_title(html_to_text(title) if looks_like_html(title) else title)
    return Document(ids.take(key), text, title or make_title(text), context.path, "utf-8")

"""HTML: a saved web page becomes its article text; HTML fragments (feed items, CMS fields) text.

A saved page carries far more site furniture than story: navigation, cookie banners, "most
read" boxes, newsletter forms, comments, footers, scripts. Left in, that furniture would make
every page of one site look alike and hide the copies across sites, so pages go through
trafilatura, the main-content extractor that leads the published news benchmarks (Bevendorff
et al., SIGIR 2023; the ScrapingHub article-extraction benchmark). On dupfind's fixture pages
it keeps every body paragraph, drops all furniture, and takes 2-3 ms per page with metadata
(the title) on; ``favor_precision``/``favor_recall``/``fast`` gave identical text there, so the
defaults are used. trafilatura is only ever handed the page's text (never a URL) and is imported
lazily, so reading plain text pays nothing for it and nothing is fetched.

When trafilatura finds no article (an index page, a tiny page), the whole visible page text is
used instead, minus scripts, styles, navigation, headers, footers, forms and consent banners,
with a warning.

Fragments (an RSS item's ``content:encoded``, a JSON record's HTML body) are not pages: they
hold only the story, so they are converted directly: tags dropped, block elements turned into
paragraphs (blank lines, which the passage aligner reads as paragraph breaks), ``<br>`` into a
line break, entities decoded, scripts and styles removed.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from typing import Any

from dupfind.documents import Document
from dupfind.formats.base import BinaryStream, ReadContext, one_line
from dupfind.formats.text import BINARY_SNIFF, clip_title, decode_text, make_title
from dupfind.normalize import collapse_whitespace

# trafilatura logs extraction misses at WARNING; without a handler Python would print them on
# stderr through its last-resort handler. dupfind reports the miss itself (one line).
logging.getLogger("trafilatura").addHandler(logging.NullHandler())


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BLOCK_TAGS = _words(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary "
    "table tbody td tfoot th thead tr ul"
)
_DROP_TAGS = _words(
    "script style noscript template iframe object embed svg math head title button select "
    "textarea input canvas audio video"
)
# Page furniture dropped by the whole-page fallback (never by the fragment converter).
_FURNITURE_TAGS = _words("nav header footer aside form menu dialog")
_FURNITURE_ROLES = _words("navigation banner contentinfo complementary search dialog")
_FURNITURE_NAMES = re.compile(
    r"cookie|consent|gdpr|newsletter|subscribe|share|social|related|promo|advert|\bads?\b"
    r"|comment|breadcrumb|sidebar|menu|popup|modal|paywall",
    re.IGNORECASE,
)
_HTML_TAG = re.compile(
    r"<(?:p|div|br|span|a|em|strong|b|i|u|ul|ol|li|h[1-6]|blockquote|img|figure|figcaption"
    r"|table|tr|td|section|article|header|footer|pre|code|small|sup|sub)\b[^<>]*>",
    re.IGNORECASE,
)
_PARAGRAPH, _LINE = "\x1e", "\x1f"  # markers while flattening; never left in the text
_MARKERS = re.compile("[\x1e\x1f]")


def looks_like_html(text: str) -> bool:
    """Whether a field value is HTML markup rather than plain text (it contains common tags)."""
    return "<" in text and _HTML_TAG.search(text) is not None


def _flatten(root: Any) -> str:
    """Text of an lxml element: blocks become paragraphs (blank lines), ``<br>`` a newline."""
    from lxml import etree

    parts: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()
        if event == "start":
            if tag == "br":
                parts.append(_LINE)
            elif tag in _BLOCK_TAGS:
                parts.append(_PARAGRAPH)
            if tag and element.text:  # comments and processing instructions have no tag
                parts.append(_MARKERS.sub(" ", element.text))
        else:
            if tag in _BLOCK_TAGS:
                parts.append(_PARAGRAPH)
            if element.tail and element is not root:
                parts.append(_MARKERS.sub(" ", element.tail))
    paragraphs = []
    for block in "".join(parts).split(_PARAGRAPH):
        lines = [collapse_whitespace(line) for line in block.split(_LINE)]
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def _doomed(element: Any, furniture: bool) -> bool:
    tag = element.tag.rsplit("}", 1)[-1].lower()
    if tag in _DROP_TAGS:
        return True
    if not furniture:
        return False
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    return (
        tag in _FURNITURE_TAGS
        or (element.get("role") or "").lower() in _FURNITURE_ROLES
        or _FURNITURE_NAMES.search(names) is not None
    )


def _drop(root: Any, furniture: bool) -> None:
    """Remove elements whose text is never article text (and, with ``furniture``, site chrome)."""
    doomed = []
    for element in root.iter():
        if element is root:
            continue
        if not isinstance(element.tag, str):
            doomed.append(element)  # comments, processing instructions
            continue
        if _doomed(element, furniture):
            doomed.append(element)
    for element in doomed:
        parent = element.getparent()
        if parent is None:
            continue
        # Keep the tail text (it belongs to the parent), drop the element and its content.
        if element.tail:
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            else:
                parent.text = (parent.text or "") + element.tail
        parent.remove(element)


def _parse_page(markup: str) -> Any:
    """An lxml tree of a whole page (encoded first: lxml refuses str with an XML declaration)."""
    import lxml.html

    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
    return lxml.html.document_fromstring(markup.encode("utf-8"), parser=parser)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (a feed item, a CMS body field)."""
    if not markup.strip():
        return ""
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
    try:
        root = lxml.html.fragment_fromstring(
            markup.encode("utf-8"), create_parent="div", parser=parser
        )
    except (etree.ParserError, ValueError):
        return collapse_whitespace(markup)
    _drop(root, furniture=False)
    return _flatten(root)


def page_text(markup: str) -> tuple[str, str]:
    """``(text, title)`` of a whole page without its furniture: the fallback extraction."""
    from lxml import etree

    try:
        root = _parse_page(markup)
    except (etree.ParserError, ValueError):
        return collapse_whitespace(markup), ""
    title = page_title(root)
    body = root.find("body")
    _drop(body if body is not None else root, furniture=True)
    return _flatten(body if body is not None else root), title


def page_title(root: Any) -> str:
    """``og:title``, else ``<title>``, else the first ``<h1>`` of a parsed page."""
    for xpath in (
        "//meta[@property='og:title']/@content",
        "//title//text()",
        "//h1//text()",
    ):
        found = clip_title(" ".join(str(value) for value in root.xpath(xpath)))
        if found:
            return found
    return ""


def extract_article(markup: str) -> tuple[str, str]:
    """``(text, title)`` of a page's main article by trafilatura; text is empty if none found.

    Paragraphs (trafilatura's lines) are separated by blank lines.
    """
    import trafilatura

    result = trafilatura.bare_extraction(
        markup,
        url=None,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=True,
        deduplicate=False,
    )
    if result is None:
        return "", ""
    text = getattr(result, "text", None) or ""
    title = getattr(result, "title", None) or ""
    paragraphs = [collapse_whitespace(line) for line in text.split("\n")]
    return "\n\n".join(p for p in paragraphs if p), clip_title(title)


_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|"""
    rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# What browsers do (WHATWG Encoding): these labels mean windows-1252, and a page declaring
# UTF-16 in a meta tag is read as UTF-8 (the declaration cannot be right if it was readable).
_CHARSET_ALIASES = {
    "latin_1": "cp1252",
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
}


def decode_html(data: bytes, context: ReadContext) -> tuple[str, str] | None:
    """Decode a page by its BOM, then its declared charset, then as any text file."""
    match = _META_CHARSET.search(data[:4096])
    declared = (match.group(1) or match.group(2)).decode("ascii") if match else ""
    boms = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    if declared and not data.startswith(boms) and data.find(b"\x00", 0, BINARY_SNIFF) == -1:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            name = ""
        name = _CHARSET_ALIASES.get(name, name)
        if name:
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                pass  # the declaration is wrong: detect like any text file
    return decode_text(data, context.path, context.report)


def read_html(stream: BinaryStream, context: ReadContext) -> Iterator[Document]:
    """One document per page: the article text, titled by the page."""
    decoded = decode_html(stream.read(), context)
    if decoded is None:
        return
    markup, encoding = decoded
    try:
        text, title = extract_article(markup)
        missing = "no article found in the page"
    except Exception as error:  # the extractor failing on a broken page must not end the run
        text, title = "", ""
        missing = f"article extraction failed ({type(error).__name__}: {one_line(error)})"
    if not text:
        text, title = page_text(markup)
        context.problem(f"{missing}; read all of its text", fatal=False)
    yield Document(context.doc_id, text, title or make_title(text), context.path, encoding)

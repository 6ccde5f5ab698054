"""Input formats: HTML pages, JSON Lines and JSON, RSS/Atom/JSON Feed, gzip, stdin streams.

Fixtures (``tests/fixtures/formats/``, all invented for these tests):

* ``pages/``: one story (a council's hydrogen ferry contract) as saved by two sites with
  different furniture (cookie banners, navigation, scripts, "most read", comments, footers).
* ``feeds/elmsworth-news.rss``: three items, the first and third copies of one story.
* ``feeds/vale-wire.json``: a JSON Feed with a third copy of that story.
* ``records/fisheries.jsonl``: two copies of one story, a malformed line (2) and a record
  without its text (4); ``records/fisheries-more.jsonl.gz``: a third copy, gzipped.
* ``hostile/billion-laughs.rss``: an entity-expansion bomb.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import socket
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from dupfind.documents import Document, Problem
from dupfind.formats import FORMATS, READERS, Format, InputFormat, read_stream
from dupfind.formats.htmltext import html_to_text
from dupfind.pipeline import scan
from dupfind.sources import (
    DEFAULT_INCLUDE,
    ReadOptions,
    iter_documents,
    read_again,
    read_file,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
PAGES = FIXTURES / "pages"
RSS = FIXTURES / "feeds" / "elmsworth-news.rss"
JSONFEED = FIXTURES / "feeds" / "vale-wire.json"
JSONL = FIXTURES / "records" / "fisheries.jsonl"
JSONL_GZ = FIXTURES / "records" / "fisheries-more.jsonl.gz"
BOMB = FIXTURES / "hostile" / "billion-laughs.rss"

FURNITURE = [
    "cookie",
    "Accept all",
    "Subscribe now",
    "Politics",
    "Most read",
    "Harbour bridge to close",
    "newsletter",
    "All rights reserved",
    "dataLayer",
    "trackPageView",
    "ads.render",
    "Share on",
    "Related stories",
    "comments",
    "hospital appointments",
    "Coastline Briefing",
    "Log in",
    "Norrhaven 7",
    "Harbour Road 4",
    "212 partners",
    "By Johan Eklund",
]
BODY = ["voted 31 to 12", "18,000 tonnes", "buying prototypes", "launched in 1988", "turns up"]


def collect(paths: list[str], **kwargs: object) -> tuple[list[Document], list[Problem]]:
    problems: list[Problem] = []
    docs = list(iter_documents(paths, on_problem=problems.append, **kwargs))  # type: ignore[arg-type]
    return docs, problems


def read(
    path: Path | str, doc_id: str = "", **kwargs: object
) -> tuple[list[Document], list[Problem]]:
    problems: list[Problem] = []
    doc_id = doc_id or Path(path).name
    docs = list(read_file(path, doc_id, on_problem=problems.append, **kwargs))  # type: ignore[arg-type]
    return docs, problems


def gz(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as handle:
        handle.write(data)
    return buffer.getvalue()


def short(doc_id: str) -> str:
    """An id without the folders of the path it starts with (``/x/y/a.rss#k`` -> ``a.rss#k``)."""
    base, sep, key = doc_id.partition("#")
    return base.rsplit("/", 1)[-1] + sep + key


def clusters_of(paths: list[str], **kwargs: object) -> list[list[str]]:
    result = scan(paths, **kwargs)  # type: ignore[arg-type]
    return sorted(sorted(short(m.id) for m in c.members) for c in result.clusters)


def noise(n: int) -> str:
    """Text that does not compress away (so a gzip stream spans many buffer reads)."""
    return " ".join(hashlib.sha256(f"{n}-{i}".encode()).hexdigest() for i in range(8))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to resolve a name or open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


# --------------------------------------------------------------------------- registry


def test_every_input_format_name_has_a_reader() -> None:
    assert set(FORMATS) == {f.value for f in InputFormat}
    assert FORMATS["rss"] is FORMATS["atom"] is FORMATS["feed"]
    assert {".html", ".htm", ".jsonl", ".ndjson", ".json", ".rss", ".atom", ".xml"} <= set(READERS)


def test_default_include_walks_article_formats_but_not_plain_json(tmp_path: Path) -> None:
    for glob in ("*.txt", "*.md", "*.html", "*.htm", "*.jsonl", "*.ndjson", "*.rss", "*.xml"):
        assert glob in DEFAULT_INCLUDE
        assert glob + ".gz" in DEFAULT_INCLUDE
    assert "*.json" not in DEFAULT_INCLUDE
    (tmp_path / "story.txt").write_text("A story\n")
    (tmp_path / "package.json").write_text('{"name": "site", "text": "not an article"}')
    (tmp_path / "story.json").write_text('{"title": "sidecar", "text": "A story"}')
    docs, problems = collect([str(tmp_path)])
    assert [d.id for d in docs] == ["story.txt"]
    assert problems == []
    docs, _ = collect([str(tmp_path / "story.json")])  # named explicitly: read
    assert [(short(d.id), d.text, d.title) for d in docs] == [("story.json", "A story", "sidecar")]


# --------------------------------------------------------------------------- HTML


def test_html_pages_keep_the_story_and_drop_the_site_furniture(no_network: None) -> None:
    docs, problems = collect([str(PAGES)])
    assert problems == []
    assert [d.id for d in docs] == [
        "coastline-daily-ferries.html",
        "harbour-courier-ferries.html",
    ]
    coastline, courier = docs
    assert courier.title == "Council approves hydrogen ferry contract"
    assert coastline.title == "Islands to get hydrogen ferries after fierce council debate"
    for doc in docs:
        assert doc.path.endswith(doc.id)
        for phrase in BODY:
            assert phrase in doc.text, (doc.id, phrase)
        leaked = [phrase for phrase in FURNITURE if phrase in doc.text]
        assert leaked == [], (doc.id, leaked)
        assert "\n\n" in doc.text  # paragraphs stay paragraphs
    assert "next spring" in courier.text and "next spring" not in coastline.text


def test_two_html_pages_of_one_story_form_one_cluster() -> None:
    assert clusters_of([str(PAGES)]) == [
        ["coastline-daily-ferries.html", "harbour-courier-ferries.html"]
    ]


def test_html_declared_charset_and_xhtml(tmp_path: Path) -> None:
    body = "<p>" + "Le conseil régional a voté jeudi le budget du port et des ferries. " * 8
    page = (
        '<html><head><meta charset="windows-1252"><title>Café à Norrhaven</title></head>'
        f"<body><article>{body}</p></article></body></html>"
    )
    (tmp_path / "legacy.htm").write_bytes(page.encode("cp1252"))
    xhtml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 '
        'Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Port budget</title></head>'
        f"<body><article>{body}</p></article></body></html>"
    )
    (tmp_path / "strict.xhtml").write_text(xhtml, encoding="utf-8")
    docs, problems = collect([str(tmp_path / "legacy.htm"), str(tmp_path / "strict.xhtml")])
    assert problems == []
    assert docs[0].title == "Café à Norrhaven"
    assert docs[0].encoding == "cp1252"
    assert "Le conseil régional a voté jeudi" in docs[0].text
    assert docs[1].title == "Port budget"
    assert "Le conseil régional" in docs[1].text


def test_html_without_an_article_falls_back_to_the_page_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    page = (
        "<html><head><title>Harbour Courier: index</title><script>var tracking = 1;</script>"
        "</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        "<div class='cookie-notice'>We use cookies.</div><h1>Latest</h1>"
        "<ul><li>Bridge closes for the summer</li><li>Ferry timetable changes</li></ul>"
        "<footer>Copyright Harbour Courier</footer></body></html>"
    )
    path = tmp_path / "index.html"
    path.write_text(page, encoding="utf-8")
    docs, problems = read(path)
    assert [(d.title, d.text) for d in docs] == [
        (
            "Harbour Courier: index",
            "Latest\n\nBridge closes for the summer\n\nFerry timetable changes",
        )
    ]
    assert problems == [
        Problem(str(path), "no article found in the page; read all of its text", fatal=False)
    ]


def test_html_fragment_to_text() -> None:
    fragment = (
        "<p>First <b>para</b>graph &amp; more.</p><script>alert('x')</script>"
        "<style>p{}</style><ul><li>one</li><li>two</li></ul>line<br>break<!-- hidden -->"
    )
    assert html_to_text(fragment) == "First paragraph & more.\n\none\n\ntwo\n\nline\nbreak"
    assert html_to_text("") == ""
    assert html_to_text("plain words, no tags") == "plain words, no tags"


# --------------------------------------------------------------------------- feeds


def test_rss_feed_with_three_items_of_which_two_are_copies() -> None:
    docs, problems = read(RSS, "feed.rss")
    assert problems == []
    assert [d.id for d in docs] == [
        "feed.rss#elmsworth-news-20240515-0001",  # the guid
        "feed.rss#elmsworth-news-20240515-0002",
        "feed.rss#https://elmsworth-news.example/2024/05/households-face-ban",  # no guid: link
    ]
    assert [d.title for d in docs] == [
        "Hosepipe ban for Elmsworth as reservoirs fall to 41 percent",
        "Harlow Street library reopens after two-year restoration",
        "Elmsworth households face hosepipe ban from Monday",
    ]
    first, _, third = docs
    assert first.text.startswith("Elmsworth Water will ban the use of hosepipes")  # full content
    assert "<p>" not in first.text and "never part of the text" not in first.text
    assert "“We do not take this step lightly,”" in third.text  # escaped HTML description
    assert "&lt;" not in third.text and "<p>" not in third.text
    assert all(d.path == str(RSS) for d in docs)
    assert clusters_of([str(RSS)]) == [
        [
            "elmsworth-news.rss#elmsworth-news-20240515-0001",
            "elmsworth-news.rss#https://elmsworth-news.example/2024/05/households-face-ban",
        ]
    ]


def test_atom_feed_and_format_aliases(tmp_path: Path) -> None:
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Wire</title><entry><id>urn:wire:1</id><title type='html'>&lt;b&gt;Bold&lt;/b&gt;"
        " headline</title><content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>"
        "<p>Para one.</p><p>Para two.</p></div></content></entry><entry><id>urn:wire:2</id>"
        "<title>Brief</title><summary>Only a summary.</summary></entry></feed>"
    )
    path = tmp_path / "wire.dat"
    path.write_text(atom, encoding="utf-8")
    expected = [
        ("wire#urn:wire:1", "Bold headline", "Para one.\n\nPara two."),
        ("wire#urn:wire:2", "Brief", "Only a summary."),
    ]
    for name in ("feed", "atom", "rss"):
        docs, problems = read(path, "wire", options=ReadOptions(input_format=name))
        assert [(d.id, d.title, d.text) for d in docs] == expected
        assert problems == []


def test_json_feed() -> None:
    docs, problems = read(JSONFEED, "vale.json")
    assert [(d.id, d.title) for d in docs] == [
        ("vale.json#vw-8812", "County water company announces hosepipe ban"),
        ("vale.json#vw-8813", "Tram extension to Millbrook opens"),
        ("vale.json#https://valewire.example/news/8814", "Weekend weather: dry and warm"),
    ]
    html_item, text_item, summary_item = docs
    assert html_item.text.startswith("Elmsworth Water will ban the use of hosepipes")
    assert "<p>" not in html_item.text and "\n\nAlso read: Reservoir levels" in html_item.text
    assert text_item.text.startswith("The three-kilometre extension")
    assert summary_item.text.startswith("Another dry weekend")
    assert problems == [
        Problem(str(JSONFEED), "item 'vw-8815': no content_text, content_html or summary, skipped")
    ]
    # The same bytes under a feed name, or forced, are recognised as a JSON Feed.
    for options in (ReadOptions(input_format="feed"), ReadOptions(input_format="jsonfeed")):
        again, _ = read(JSONFEED, "vale.json", options=options)
        assert [d.id for d in again] == [d.id for d in docs]


def test_json_feed_items_before_version_and_copies_across_formats(tmp_path: Path) -> None:
    feed = json.loads(JSONFEED.read_text(encoding="utf-8"))
    reordered = {"items": feed["items"], "title": feed["title"], "version": feed["version"]}
    path = tmp_path / "late-version.json"
    path.write_text(json.dumps(reordered), encoding="utf-8")
    docs, _ = read(path, "late.json")
    assert [d.id for d in docs] == [
        "late.json#vw-8812",
        "late.json#vw-8813",
        "late.json#https://valewire.example/news/8814",
    ]
    # The JSON Feed's copy joins the RSS copies.
    found = clusters_of([str(RSS), str(JSONFEED)])
    assert [m for m in found if len(m) == 3] == [
        [
            "elmsworth-news.rss#elmsworth-news-20240515-0001",
            "elmsworth-news.rss#https://elmsworth-news.example/2024/05/households-face-ban",
            "vale-wire.json#vw-8812",
        ]
    ]


def test_feed_problems_name_the_file(tmp_path: Path) -> None:
    files = {
        "sitemap.xml": '<?xml version="1.0"?><urlset><url><loc>https://x/</loc></url></urlset>',
        "page.rss": "<html><body><p>A web page saved as .rss</p></body></html>",
        "words.atom": "Just some words.",
        "empty.rss": "",
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    docs, problems = collect([str(tmp_path)])
    assert docs == []
    assert [(Path(p.path).name, p.message, p.fatal) for p in problems] == [
        ("empty.rss", "empty file, not a feed, skipped", True),
        ("page.rss", "not an RSS or Atom feed (root element <html>), skipped", True),
        ("sitemap.xml", "not an RSS or Atom feed (root element <urlset>), skipped", True),
        ("words.atom", "not a feed (neither XML nor JSON), skipped", True),
    ]


def test_feed_that_is_not_well_formed_is_read_leniently_once(tmp_path: Path) -> None:
    items = "".join(
        f"<item><guid>g{i}</guid><title>Item {i}</title><description>Text {i}"
        f"{'&nbsp;with an HTML entity' if i == 3 else ''}</description></item>"
        for i in range(1, 6)
    )
    path = tmp_path / "sloppy.rss"
    path.write_text(f'<rss version="2.0"><channel><title>x</title>{items}</channel></rss>')
    docs, problems = read(path, "sloppy.rss")
    assert [d.id for d in docs] == [f"sloppy.rss#g{i}" for i in range(1, 6)]
    assert docs[2].text == "Text 3 with an HTML entity"
    assert [(p.message, p.fatal) for p in problems] == [
        ("not well-formed XML (line 1: undefined entity); read leniently", False)
    ]


# --------------------------------------------------------------------------- hostile XML


def test_entity_expansion_bomb_is_refused_quickly() -> None:
    started = time.perf_counter()
    docs, problems = read(BOMB)
    elapsed = time.perf_counter() - started
    assert docs == []
    assert len(problems) == 1 and problems[0].fatal
    assert problems[0].path == str(BOMB)
    assert problems[0].message.startswith("refused: the feed declares XML entities")
    assert elapsed < 0.5


def test_bomb_stops_the_run_only_with_strict(run_cli, tmp_path: Path) -> None:
    (tmp_path / "bomb.rss").write_bytes(BOMB.read_bytes())
    (tmp_path / "ok.txt").write_text("A perfectly ordinary article.\n")
    lenient = run_cli("scan", str(tmp_path), "-f", "json")
    assert lenient.code == 0
    assert lenient.json()["stats"]["documents"] == 1
    assert lenient.stderr.count("\n") == 1 and "bomb.rss: refused" in lenient.stderr
    strict = run_cli("scan", str(tmp_path), "--strict")
    assert strict.code == 2
    assert strict.stderr.startswith("dupfind: error: ") and "bomb.rss: refused" in strict.stderr
    assert strict.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("name", "doctype", "reference", "refused"),
    [
        ("external-entity", '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret}">]>', "&xxe;", True),
        (
            "parameter-entity",
            '<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{dtd}"> %ext;]>',
            "&leak;",
            True,
        ),
        ("external-dtd", '<!DOCTYPE rss SYSTEM "{dtd}">', "&leak;", False),
        (  # broken before the DOCTYPE, so the strict parser stops first: lenient path
            "error-first",
            '&amp junk\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret}">]>',
            "&xxe;",
            True,
        ),
        ("utf-16", '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret}">]>', "&xxe;", True),
    ],
)
def test_external_entities_never_leak_files(
    tmp_path: Path, no_network: None, name: str, doctype: str, reference: str, refused: bool
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7731", encoding="utf-8")
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak "TOP-SECRET-DTD-5512">', encoding="utf-8")
    head = doctype.format(secret=secret.as_uri(), dtd=dtd.as_uri())
    feed = (
        f'<?xml version="1.0"?>\n{head}\n<rss version="2.0"><channel><title>t</title>'
        f"<item><guid>a</guid><title>T {reference}</title><description>before {reference} "
        "after</description></item></channel></rss>"
    )
    path = tmp_path / f"{name}.rss"
    if name == "utf-16":
        path.write_bytes(feed.replace('"?>', '" encoding="utf-16"?>', 1).encode("utf-16"))
    else:
        path.write_text(feed, encoding="utf-8")
    docs, problems = read(path)
    everything = " ".join(f"{d.id} {d.title} {d.text}" for d in docs) + str(problems)
    assert "TOP-SECRET" not in everything
    if refused:
        assert docs == []
        assert [p.message.split(":")[0] for p in problems] == ["refused"]
    else:  # the external DTD is not loaded: its entity is skipped, the item is read
        assert [(d.id, d.text) for d in docs] == [(f"{name}.rss#a", "before after")]
        assert problems == []


# --------------------------------------------------------------------------- JSON Lines, JSON


def test_jsonl_skips_and_reports_a_malformed_line_and_a_record_without_text() -> None:
    docs, problems = read(JSONL, "fish.jsonl")
    assert [(d.id, d.title) for d in docs] == [
        ("fish.jsonl#nsw-4471", "Mackerel quota talks collapse without deal"),
        ("fish.jsonl#3", "No deal on mackerel as coastal states walk away"),  # no id: line
        ("fish.jsonl#nsw-4474", "Ferry strike called off"),
    ]
    assert all(d.path == str(JSONL) for d in docs)
    assert problems == [
        Problem(
            f"{JSONL}:2", "malformed JSON (Unterminated string starting at column 54), skipped"
        ),
        Problem(f"{JSONL}:4", "no 'text' field, skipped"),
    ]


def test_jsonl_fields_dotted_paths_and_html_bodies(tmp_path: Path) -> None:
    records = [
        {
            "meta": {"guid": "a-1", "headline": "Nested"},
            "content": {"body": "<p>One</p><p>Two</p>"},
        },
        {"meta": {"guid": 7}, "content": {"body": "No title here\nsecond line"}},
        {"meta": {"headline": "No id"}, "content": {"body": "plain"}},
        {"meta": {"guid": "a-1"}, "content": {"body": "same id again"}},
        {"content": {"body": 12}},
        ["not", "an", "object"],
        {"dc.title": "Literal dotted key", "content.body": "found by its whole name"},
    ]
    path = tmp_path / "cms.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    options = ReadOptions(
        id_field="meta.guid", text_field="content.body", title_field="meta.headline"
    )
    docs, problems = read(path, "cms", options=options)
    assert [(d.id, d.title, d.text) for d in docs] == [
        ("cms#a-1", "Nested", "One\n\nTwo"),
        ("cms#7", "No title here", "No title here\nsecond line"),
        ("cms#3", "No id", "plain"),
        ("cms#a-1~2", "same id again", "same id again"),
        ("cms#7~2", "found by its whole name", "found by its whole name"),  # line 7, unique
    ]
    assert [(p.path, p.message) for p in problems] == [
        (f"{path}:5", "'content.body' is not a string, skipped"),
        (f"{path}:6", "not a JSON object, skipped"),
    ]
    literal = ReadOptions(text_field="content.body", title_field="dc.title")
    docs, _ = read(path, "cms", options=literal)
    assert docs[-1].title == "Literal dotted key"  # a key with dots is found by its name


def test_json_array_records_by_index_and_a_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(
        '[{"id": "x1", "text": "first"}, {"text": "second"}, 3, {"text": "fourth"}, {"te',
        encoding="utf-8",
    )
    docs, problems = read(path, "export.json")
    assert [(d.id, d.text) for d in docs] == [
        ("export.json#x1", "first"),
        ("export.json#1", "second"),  # index from 0, as jq '.[1]'
        ("export.json#3", "fourth"),
    ]
    assert [(p.path, p.message.split(" (")[0]) for p in problems] == [
        (str(path), "record [2]: not a JSON object, skipped"),
        (str(path), "malformed JSON after record [3]"),
    ]
    (tmp_path / "one.json").write_bytes(
        b'\xef\xbb\xbf{"id": 5, "title": "Single", "text": "one record"}'
    )
    docs, _ = read(tmp_path / "one.json", "one.json")
    assert [(d.id, d.title, d.text) for d in docs] == [("one.json", "Single", "one record")]
    (tmp_path / "scalar.json").write_text("42")
    docs, problems = read(tmp_path / "scalar.json")
    assert docs == [] and "neither an array of records nor an object" in problems[0].message


# --------------------------------------------------------------------------- gzip


def test_gzip_jsonl_fixture_reads_its_records_and_joins_the_cluster() -> None:
    docs, problems = read(JSONL_GZ, "more.jsonl.gz")
    assert problems == []
    assert [d.id for d in docs] == ["more.jsonl.gz#bh-207", "more.jsonl.gz#bh-208"]
    assert clusters_of([str(JSONL), str(JSONL_GZ)]) == [
        ["fisheries-more.jsonl.gz#bh-207", "fisheries.jsonl#3", "fisheries.jsonl#nsw-4471"]
    ]


def test_gzip_variants_of_each_format(tmp_path: Path) -> None:
    (tmp_path / "a.txt.gz").write_bytes(gz(b"Plain headline\nbody\n"))
    (tmp_path / "b.md.gz").write_bytes(gz(b"# Markdown headline\nbody\n"))
    (tmp_path / "c.html.gz").write_bytes(gz((PAGES / "harbour-courier-ferries.html").read_bytes()))
    (tmp_path / "d.rss.gz").write_bytes(gz(RSS.read_bytes()))
    (tmp_path / "e.ndjson.gz").write_bytes(gz(b'{"id": "r", "text": "record"}\n'))
    docs, problems = collect([str(tmp_path)])
    assert problems == []
    titles = {d.id: d.title for d in docs}
    assert titles["a.txt.gz"] == "Plain headline"
    assert titles["b.md.gz"] == "Markdown headline"
    assert titles["c.html.gz"] == "Council approves hydrogen ferry contract"
    assert len([i for i in titles if i.startswith("d.rss.gz#")]) == 3
    assert titles["e.ndjson.gz#r"] == "record"


def test_gzip_errors_and_binary_detection(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": noise(i)}) + "\n" for i in range(3000)]
    good = gz("".join(lines).encode())
    (tmp_path / "truncated.jsonl.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "corrupt.txt.gz").write_bytes(b"\x1f\x8b\x08\x00garbage that is not deflate")
    (tmp_path / "plain.txt.gz").write_bytes(b"not compressed at all\n")
    (tmp_path / "image.txt.gz").write_bytes(gz(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    docs, problems = collect([str(tmp_path)])
    assert docs and all(d.id.startswith("truncated.jsonl.gz#") for d in docs)  # read up to the cut
    messages = {Path(p.path).name: p.message for p in problems}
    assert messages["image.txt.gz"] == "binary file, skipped"  # judged after decompression
    assert messages["corrupt.txt.gz"].startswith("unreadable gzip archive")
    assert messages["plain.txt.gz"].startswith("unreadable gzip archive (Not a gzipped file")
    assert messages["truncated.jsonl.gz"].startswith("unreadable gzip archive")
    assert all(p.fatal for p in problems)


def test_compressed_text_is_not_mistaken_for_binary(tmp_path: Path) -> None:
    compressed = gz(("Wire headline\n" + "Text of the wire story. " * 500).encode())
    assert b"\x00" in compressed[:8192]
    (tmp_path / "story.txt.gz").write_bytes(compressed)
    (tmp_path / "story.gzipped").write_bytes(compressed)  # magic bytes, no .gz: still read
    docs, problems = collect([str(tmp_path / "story.txt.gz"), str(tmp_path / "story.gzipped")])
    assert problems == []
    assert [d.title for d in docs] == ["Wire headline", "Wire headline"]


# --------------------------------------------------------------------------- streaming


class SpyStream(io.RawIOBase):
    """A binary stream that records whether anyone asked for "everything" at once."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)
        self.size = len(data)
        self.unbounded: list[str] = []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        return self._inner.readinto(buffer)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            self.unbounded.append("read()")
        return self._inner.read(size)

    def readall(self) -> bytes:
        self.unbounded.append("readall()")
        return self._inner.read()

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        self.unbounded.append("readlines()")
        return self._inner.readlines(hint)

    def tell(self) -> int:
        return self._inner.tell()


def _stream_read(
    spy: SpyStream, name: str, options: ReadOptions | None = None
) -> Iterator[Document]:
    stream = io.BufferedReader(spy, 64 * 1024)
    return read_stream(
        stream, path=name, doc_id=name, options=options or ReadOptions(), report=print
    )


@pytest.mark.parametrize(
    "name", ["big.jsonl", "big.jsonl.gz", "big.json", "big.rss", "big.json.gz"]
)
def test_record_formats_are_read_as_streams(name: str) -> None:
    count = 3000
    if ".jsonl" in name:
        data = b"".join(
            json.dumps({"id": i, "text": noise(i)}).encode() + b"\n" for i in range(count)
        )
    elif ".json" in name:
        data = json.dumps([{"id": i, "text": noise(i)} for i in range(count)]).encode()
    else:
        items = "".join(
            f"<item><guid>{i}</guid><description>{noise(i)}</description></item>"
            for i in range(count)
        )
        data = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    if name.endswith(".gz"):
        data = gz(data)
    spy = SpyStream(data)
    documents = _stream_read(spy, name)
    first = next(documents)
    assert first.id == f"{name}#0"
    assert spy.tell() < spy.size / 4, "the first record came only after most of the file was read"
    assert sum(1 for _ in documents) == count - 1
    assert spy.unbounded == []


def test_large_jsonl_reads_in_constant_memory(tmp_path: Path) -> None:
    body = "The port authority said ferry traffic would resume on Monday. " * 60
    path = tmp_path / "export.jsonl"
    records = 0
    with path.open("w", encoding="utf-8") as handle:
        while handle.tell() < 48 * 1024 * 1024:
            handle.write(json.dumps({"id": records, "title": "t", "text": body}) + "\n")
            records += 1
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_file(path, "export.jsonl"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        path.unlink()
    assert count == records
    assert peak < size / 20, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.0f} MB file"


# --------------------------------------------------------------------------- stdin and ids


def test_stdin_is_a_document_stream_with_an_input_format(run_cli, monkeypatch) -> None:
    result = run_cli(
        "scan", "-", "--input-format", "jsonl", "-f", "json", stdin=JSONL.read_text("utf-8")
    )
    assert result.code == 0, result.stderr
    document = result.json()
    assert [[m["id"] for m in c["members"]] for c in document["clusters"]] == [
        ["<stdin>#3", "<stdin>#nsw-4471"]
    ]
    assert {m["path"] for c in document["clusters"] for m in c["members"]} == {"<stdin>"}
    assert "<stdin>:2: malformed JSON" in result.stderr
    # Compressed bytes on stdin are recognised by their magic bytes.
    binary = io.TextIOWrapper(io.BytesIO(gz(JSONL.read_bytes())), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", binary)
    result = run_cli("scan", "-", "--input-format", "JSONL", "-f", "json", "-q")
    assert result.code == 0, result.stderr
    assert len(result.json()["clusters"]) == 1


def test_stdin_stream_mixed_with_files_keeps_ids_unique(tmp_path: Path) -> None:
    stdin = io.StringIO('{"id": "a", "text": "from stdin"}\n')
    (tmp_path / "dump.dat").write_text('{"id": "a", "text": "from a file"}\n')
    docs, problems = collect(
        ["-", str(tmp_path / "dump.dat"), "-"],
        stdin=stdin,
        options=ReadOptions(input_format="jsonl"),
    )
    assert problems == []
    assert [(d.id, d.path, d.text) for d in docs] == [
        ("<stdin>#a", "<stdin>", "from stdin"),
        (f"{(tmp_path / 'dump.dat').as_posix()}#a", str(tmp_path / "dump.dat"), "from a file"),
    ]


def test_json_output_traces_records_back_and_diffs_reread_them(run_cli, tmp_path: Path) -> None:
    # An odd name read with --input-format and non-default fields: the diffs, which read the
    # clustered records again, must read them the way the scan did.
    docs, _ = read(JSONL)
    rows = [{"ref": f"r-{n}", "body": d.text} for n, d in enumerate(docs, 1)]
    export = tmp_path / "export.dat"
    export.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    options = ["--input-format", "jsonl", "--text-field", "body", "--id-field", "ref"]
    result = run_cli("scan", str(export), *options, "-f", "json")
    assert result.code == 0, result.stderr
    (cluster,) = result.json()["clusters"]
    members = cluster["members"]
    assert sorted(m["id"] for m in members) == [f"{export.as_posix()}#r-{n}" for n in (1, 2)]
    assert all(m["path"] == str(export) for m in members)
    copies = [m for m in members if not m["canonical"]]
    assert copies and all("alignment" in m for m in copies)


def test_read_file_and_read_again_find_records_by_id(tmp_path: Path) -> None:
    assert [d.id for d in read(JSONL, "fisheries.jsonl#3")[0]] == ["fisheries.jsonl#3"]
    path_id = JSONL.as_posix()
    docs, _ = read(JSONL, f"{path_id}#nsw-4474")
    assert [d.id for d in docs] == [f"{path_id}#nsw-4474"]
    docs, _ = read(JSONL, "records/fisheries.jsonl#nsw-4471")  # a trailing part of the path
    assert [d.title for d in docs] == ["Mackerel quota talks collapse without deal"]
    wanted = {"fisheries.jsonl#nsw-4474", "fisheries.jsonl#3", "fisheries.jsonl#gone"}
    assert sorted(d.id for d in read_again(JSONL, wanted)) == sorted(
        wanted - {"fisheries.jsonl#gone"}
    )
    # A single-document file never answers for a record id.
    problems: list[Problem] = []
    page = PAGES / "harbour-courier-ferries.html"
    assert list(read_file(page, "harbour-courier-ferries.html#1", on_problem=problems.append)) == []
    assert problems[0].message.startswith("no record 'harbour-courier-ferries.html#1'")
    assert [d.id for d in read_again(page, ["harbour-courier-ferries.html"])] == [
        "harbour-courier-ferries.html"
    ]


def test_unknown_formats(tmp_path: Path) -> None:
    (tmp_path / "notes.log").write_text("Readable notes\n")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "archive.tar.gz").write_bytes(gz(b"name\x00\x00\x00" + b"\x00" * 500))
    docs, problems = collect(
        [str(tmp_path / n) for n in ("notes.log", "blob.bin", "archive.tar.gz")]
    )
    assert [d.title for d in docs] == ["Readable notes"]
    assert [(Path(p.path).name, p.message) for p in problems] == [
        ("blob.bin", "unknown format (binary file), skipped"),
        ("archive.tar.gz", "unknown format (binary file), skipped"),
    ]


def test_a_reader_crash_skips_the_file_but_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(stream: io.BufferedIOBase, context: object) -> Iterator[Document]:
        raise KeyError("boom")
        yield  # a generator, like every reader

    monkeypatch.setitem(READERS, ".boom", Format("boom", explode))
    (tmp_path / "a.boom").write_text("x")
    (tmp_path / "b.txt").write_text("Still read\n")
    docs, problems = collect([str(tmp_path / "a.boom"), str(tmp_path / "b.txt")])
    assert [d.title for d in docs] == ["Still read"]
    assert [p.message for p in problems] == ["could not be read (KeyError: 'boom'), skipped"]

    class Stop(Exception):
        """What --strict raises from the problem sink: it must go through unchanged."""

    def strict(problem: Problem) -> None:
        raise Stop(str(problem))

    with pytest.raises(Stop, match="malformed JSON"):
        list(iter_documents([str(JSONL)], on_problem=strict))


def test_article_extractor_failure_falls_back(tmp_path: Path, monkeypatch) -> None:
    import trafilatura

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser gave up")

    monkeypatch.setattr(trafilatura, "bare_extraction", fail)
    path = tmp_path / "page.html"
    path.write_text("<html><body><p>Some text.</p></body></html>", encoding="utf-8")
    docs, problems = read(path)
    assert [d.text for d in docs] == ["Some text."]
    assert [p.message for p in problems] == [
        "article extraction failed (RuntimeError: parser gave up); read all of its text"
    ]


def test_problem_lines_are_single_lines(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('[{"text": "a"},\n\n {"text": \n\n nope}]')
    (tmp_path / "bad.jsonl").write_text('{"text": "a"\n')
    _, problems = collect([str(tmp_path / "broken.json"), str(tmp_path / "bad.jsonl")])
    assert len(problems) == 2
    assert all("\n" not in str(p) for p in problems)

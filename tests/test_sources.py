"""Tests for the reading stage: walking, filtering, ids, decoding and problem reporting.

Formats other than text and Markdown are tested in ``test_formats.py``.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from dupfind.documents import Document, Problem
from dupfind.formats import ReadContext
from dupfind.sources import (
    DEFAULT_INCLUDE,
    READERS,
    Format,
    ReadOptions,
    SourceError,
    check_paths,
    iter_documents,
    make_title,
    prefetch,
    read_file,
)

FRENCH = (
    "Grève à la SNCF : le trafic très perturbé jeudi\n"
    "Les syndicats de cheminots ont confirmé mercredi soir leur appel à la grève, après "
    "l'échec des négociations avec la direction. Selon les prévisions publiées par "
    "l'entreprise, seul un TGV sur trois circulera jeudi sur l'axe Paris-Lyon.\n"
    "« Nous n'avons pas été entendus », a déclaré le secrétaire général de la fédération, "
    "qui réclame une hausse des salaires supérieure à l'inflation.\n"
)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def collect(paths: list[str], **kwargs: object) -> tuple[list[Document], list[Problem]]:
    problems: list[Problem] = []
    docs = list(iter_documents(paths, on_problem=problems.append, **kwargs))  # type: ignore[arg-type]
    return docs, problems


def ids(docs: list[Document]) -> list[str]:
    return [doc.id for doc in docs]


def run_with_timeout(fn: Callable[[], object], seconds: float = 10.0) -> object:
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it does not return."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "reading hung"
    return result[0]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small feed folder, created in non-sorted order."""
    root = tmp_path / "feeds"
    write(root / "z.txt", "Zeta story\nbody z\n")
    write(root / "sub" / "deeper" / "d.txt", "Delta story\nbody d\n")
    write(root / "b.txt", "Beta story\nbody b\n")
    write(root / "sub" / "c.txt", "Gamma story\nbody c\n")
    write(root / "a.md", "# Alpha story\nbody a\n")
    write(root / "notes.csv", "not,an,article\n")
    write(root / "README", "no extension\n")
    return root


# --------------------------------------------------------------------------- walking and ids


def test_recursive_walk_is_sorted_with_relative_ids(tree: Path) -> None:
    docs, problems = collect([str(tree)])
    assert ids(docs) == ["a.md", "b.txt", "sub/c.txt", "sub/deeper/d.txt", "z.txt"]
    assert problems == []
    by_id = {doc.id: doc for doc in docs}
    assert by_id["sub/deeper/d.txt"].path == os.path.join(str(tree), "sub", "deeper", "d.txt")
    assert by_id["sub/deeper/d.txt"].text == "Delta story\nbody d\n"
    assert by_id["a.md"].title == "Alpha story"
    assert by_id["b.txt"].encoding == "utf-8"


def test_walk_order_is_independent_of_creation_order(tmp_path: Path) -> None:
    names = ["m.txt", "B.txt", "a.txt", "10.txt", "9.txt", "é.txt", "a_b.txt", "a-b.txt"]
    for i, name in enumerate(names):
        write(tmp_path / "one" / name, f"story {i}\n")
    for name in reversed(names):
        write(tmp_path / "two" / name, "x\n")
    first = ids(collect([str(tmp_path / "one")])[0])
    second = ids(collect([str(tmp_path / "two")])[0])
    assert first == sorted(names)
    assert second == first


def test_generator_is_lazy_and_restartable(tree: Path) -> None:
    gen = iter_documents([str(tree)])
    assert next(gen).id == "a.md"
    assert ids(list(iter_documents([str(tree)]))) == ids(list(iter_documents([str(tree)])))


def test_default_include(tree: Path) -> None:
    assert DEFAULT_INCLUDE[:2] == ("*.txt", "*.md")
    assert "*.txt.gz" in DEFAULT_INCLUDE
    assert "*.csv" not in DEFAULT_INCLUDE and "*.json" not in DEFAULT_INCLUDE
    docs, _ = collect([str(tree)])
    assert "notes.csv" not in ids(docs)
    assert "README" not in ids(docs)


def test_include_globs(tree: Path) -> None:
    docs, _ = collect([str(tree)], include=["*.csv", "sub/*.txt"])
    # "sub/*.txt" matches the relative path; fnmatch's * also crosses "/".
    assert ids(docs) == ["notes.csv", "sub/c.txt", "sub/deeper/d.txt"]


def test_exclude_file_glob_matches_name_and_relative_path(tree: Path) -> None:
    docs, _ = collect([str(tree)], exclude=["b.*", "sub/deeper/d.txt"])
    assert ids(docs) == ["a.md", "sub/c.txt", "z.txt"]
    docs, _ = collect([str(tree)], exclude=["d.txt"])  # a bare name matches at any depth
    assert ids(docs) == ["a.md", "b.txt", "sub/c.txt", "z.txt"]


def test_exclude_folder_by_trailing_slash_and_by_relative_path(tree: Path) -> None:
    docs, _ = collect([str(tree)], exclude=["sub/"])
    assert ids(docs) == ["a.md", "b.txt", "z.txt"]
    docs, _ = collect([str(tree)], exclude=["sub/deeper"])
    assert ids(docs) == ["a.md", "b.txt", "sub/c.txt", "z.txt"]
    docs, _ = collect([str(tree)], exclude=["deeper/"])  # a folder name at any depth
    assert ids(docs) == ["a.md", "b.txt", "sub/c.txt", "z.txt"]
    docs, _ = collect([str(tree)], exclude=["./sub/"])
    assert ids(docs) == ["a.md", "b.txt", "z.txt"]


def test_folder_glob_does_not_exclude_files_of_same_name(tmp_path: Path) -> None:
    write(tmp_path / "drafts.txt", "a file called drafts\n")
    write(tmp_path / "drafts" / "x.txt", "in drafts\n")
    docs, _ = collect([str(tmp_path)], exclude=["drafts/"], include=["*.txt", "drafts*"])
    assert ids(docs) == ["drafts.txt"]


def test_explicit_files_ignore_include_but_honour_exclude(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    docs, problems = collect(["notes.csv", "README", "b.txt"])
    assert ids(docs) == ["notes.csv", "README", "b.txt"]
    assert docs[1].text == "no extension\n"
    assert problems == []
    docs, _ = collect(["notes.csv", "b.txt", "sub/c.txt"], exclude=["*.csv", "sub/"])
    assert ids(docs) == ["b.txt"]


def test_hidden_entries_skipped_in_folders_but_read_when_explicit(tmp_path: Path) -> None:
    write(tmp_path / "visible.txt", "Visible\n")
    write(tmp_path / ".hidden.txt", "Hidden file\n")
    write(tmp_path / ".git" / "inside.txt", "Inside a hidden folder\n")
    write(tmp_path / "sub" / ".also-hidden.md", "# nope\n")
    docs, _ = collect([str(tmp_path)])
    assert ids(docs) == ["visible.txt"]

    docs, _ = collect([str(tmp_path / ".hidden.txt")])
    assert [doc.text for doc in docs] == ["Hidden file\n"]
    docs, _ = collect([str(tmp_path / ".git")])  # an explicit hidden folder is walked
    assert ids(docs) == ["inside.txt"]


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    write(tmp_path / "root" / "a.txt", "A\n")
    write(tmp_path / "elsewhere" / "b.txt", "B\n")
    os.symlink(tmp_path / "root", tmp_path / "root" / "loop")
    os.symlink(tmp_path / "elsewhere", tmp_path / "root" / "link")
    docs, problems = run_with_timeout(lambda: collect([str(tmp_path / "root")]))  # type: ignore[misc]
    assert ids(docs) == ["a.txt"]
    assert problems == []
    # Given explicitly, a symlinked folder is followed.
    docs, _ = collect([str(tmp_path / "root" / "link")])
    assert ids(docs) == ["b.txt"]


def test_symlinked_file_in_folder_is_read(tmp_path: Path) -> None:
    write(tmp_path / "store" / "story.txt", "Linked story\n")
    (tmp_path / "feed").mkdir()
    os.symlink(tmp_path / "store" / "story.txt", tmp_path / "feed" / "alias.txt")
    docs, _ = collect([str(tmp_path / "feed")])
    assert [(doc.id, doc.text) for doc in docs] == [("alias.txt", "Linked story\n")]


# --------------------------------------------------------------------------- stdin


def test_stdin_path_list(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    stdin = io.StringIO("\n  sub/c.txt  \r\n\n\nb.txt\r\n   \nnotes.csv\n")
    docs, problems = collect(["-"], stdin=stdin)
    assert ids(docs) == ["sub/c.txt", "b.txt", "notes.csv"]
    assert docs[0].text == "Gamma story\nbody c\n"
    assert problems == []


def test_stdin_mixed_with_arguments_keeps_argument_order(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    docs, _ = collect(["z.txt", "-", "a.md", "-"], stdin=io.StringIO("sub\nb.txt\n"))
    assert ids(docs) == ["z.txt", "c.txt", "deeper/d.txt", "b.txt", "a.md"]


def test_stdin_missing_path_is_a_source_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(SourceError, match=r"nope\.txt"):
        iter_documents(["-"], stdin=io.StringIO(missing + "\n"))


def test_stdin_absolute_paths(tree: Path) -> None:
    listing = f"{tree / 'b.txt'}\n{tree / 'sub'}\n"
    docs, _ = collect(["-"], stdin=io.StringIO(listing))
    assert ids(docs) == [(tree / "b.txt").as_posix(), "c.txt", "deeper/d.txt"]


def test_stdin_is_a_document_stream_only_with_an_input_format(tree: Path) -> None:
    listing = f"{tree / 'b.txt'}\n"
    docs, _ = collect(["-"], stdin=io.StringIO(listing))  # default: a list of paths
    assert ids(docs) == [(tree / "b.txt").as_posix()]
    text = io.TextIOWrapper(io.BytesIO(b"Headline from a pipe\nbody\n"), encoding="utf-8")
    docs, problems = collect(["-"], stdin=text, options=ReadOptions(input_format="text"))
    assert [(d.id, d.path, d.title) for d in docs] == [
        ("<stdin>", "<stdin>", "Headline from a pipe")
    ]
    assert problems == []
    # Nothing to re-read later: asking for it is a problem, not a crash or a file named so.
    problems = []
    assert list(read_file("<stdin>", "<stdin>", on_problem=problems.append)) == []
    assert [p.message for p in problems] == ["standard input cannot be read again"]


def test_input_format_forces_the_reader_of_every_file(tree: Path) -> None:
    docs, _ = collect([str(tree / "a.md")], options=ReadOptions(input_format="text"))
    assert docs[0].title == "# Alpha story"  # read as text: the heading mark stays
    with pytest.raises(ValueError, match="unknown input format 'yaml'"):
        ReadOptions(input_format="yaml")


# --------------------------------------------------------------------------- duplicates


def test_duplicate_ids_across_folder_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a" / "x.txt", "Copy from a\n")
    write(tmp_path / "b" / "x.txt", "Copy from b\n")
    write(tmp_path / "b" / "y.txt", "Only in b\n")
    monkeypatch.chdir(tmp_path)
    docs, _ = collect(["a/", "b/"])
    assert [(doc.id, doc.text) for doc in docs] == [
        ("x.txt", "Copy from a\n"),
        ("b/x.txt", "Copy from b\n"),
        ("y.txt", "Only in b\n"),
    ]
    assert ids(collect(["b", "a"])[0]) == ["x.txt", "y.txt", "a/x.txt"]


def test_ids_stay_unique_when_joined_path_also_collides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "x.txt", "top\n")
    write(tmp_path / "sub" / "x.txt", "nested\n")
    monkeypatch.chdir(tmp_path)
    docs, _ = collect(["sub", "."])
    got = ids(docs)
    assert len(got) == len(set(got)) == 2
    assert got[0] == "x.txt"
    assert docs[0].text == "nested\n"
    # "." joined with "x.txt" is "x.txt" again: falls back to the resolved path.
    assert got[1] == (tmp_path / "x.txt").resolve().as_posix()
    assert ids(collect(["sub", "."])[0]) == got  # deterministic


def test_same_file_through_two_arguments_is_read_once(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree.parent)
    docs, problems = collect(["feeds", "feeds/b.txt", "./feeds/sub/", "feeds/sub/c.txt"])
    assert ids(docs) == ["a.md", "b.txt", "sub/c.txt", "sub/deeper/d.txt", "z.txt"]
    assert problems == []
    docs, _ = collect(["feeds/b.txt", "./feeds/b.txt", "feeds"])
    assert ids(docs) == ["feeds/b.txt", "a.md", "sub/c.txt", "sub/deeper/d.txt", "z.txt"]


def test_file_and_symlink_to_it_read_once(tmp_path: Path) -> None:
    write(tmp_path / "story.txt", "Original\n")
    os.symlink(tmp_path / "story.txt", tmp_path / "alias.txt")
    docs, _ = collect([str(tmp_path)])
    assert ids(docs) == ["alias.txt"]


# --------------------------------------------------------------------------- titles


def test_titles_skip_blank_lines_and_collapse_whitespace(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "\n\n   \t\nCity   council\tapproves  budget  \nSecond line\n")
    write(tmp_path / "b.md", "\n## Storm hits   the coast ##\n\nBody text.\n")
    write(tmp_path / "c.txt", "# Not markdown\nbody\n")
    write(tmp_path / "d.md", "#\n\n#hashtag trends online\n")
    write(tmp_path / "e.txt", "")
    docs, _ = collect([str(tmp_path)])
    titles = {doc.id: doc.title for doc in docs}
    assert titles == {
        "a.txt": "City council approves budget",
        "b.md": "Storm hits the coast",
        "c.txt": "# Not markdown",
        "d.md": "#hashtag trends online",
        "e.txt": "",
    }
    # The body is never altered, only the title.
    assert docs[1].text == "\n## Storm hits   the coast ##\n\nBody text.\n"


def test_long_title_is_cut_to_200_characters() -> None:
    long_line = "word " * 100
    title = make_title(long_line)
    assert len(title) == 200
    assert title.endswith("…")
    assert title.startswith("word word")
    exact = "x" * 200
    assert make_title(exact) == exact
    assert make_title("   ###   Heading with marks  ", markdown=True) == "Heading with marks"
    assert make_title("C# 12 released", markdown=True) == "C# 12 released"
    assert make_title("## C#", markdown=True) == "C#"


# --------------------------------------------------------------------------- decoding


def test_cp1252_file_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "legacy.txt", FRENCH.encode("cp1252"))
    docs, problems = collect([str(path)])
    assert len(docs) == 1
    assert docs[0].text == FRENCH
    assert docs[0].title == "Grève à la SNCF : le trafic très perturbé jeudi"
    assert docs[0].encoding == "cp1252"
    assert problems == [Problem(str(path), "not valid UTF-8; decoded as cp1252", fatal=False)]


def test_short_latin1_file_with_accents(tmp_path: Path) -> None:
    text = "Café à la crème, déjà vu : une façade naïve.\n"
    path = write(tmp_path / "short.txt", text.encode("latin-1"))
    docs, problems = collect([str(path)])
    assert docs[0].text == text
    assert [p.fatal for p in problems] == [False]


def test_undecodable_bytes_are_replaced_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "garbage.txt", b"Garbled wire copy\n" + bytes(range(0x80, 0x100)) * 8)
    docs, problems = collect([str(path)])
    assert len(docs) == 1
    assert docs[0].title == "Garbled wire copy"
    assert "\ufffd" in docs[0].text
    assert docs[0].encoding == "utf-8"
    assert len(problems) == 1
    assert problems[0].fatal is False
    assert problems[0].path == str(path)
    assert "replaced" in problems[0].message


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfHeadline \xc3\xa9t\xc3\xa9\nbody\n")
    docs, problems = collect([str(path)])
    assert docs[0].text == "Headline été\nbody\n"
    assert docs[0].title == "Headline été"
    assert docs[0].encoding == "utf-8-sig"
    assert problems == []


def test_utf16_with_bom_is_not_binary(tmp_path: Path) -> None:
    path = write(tmp_path / "wide.txt", "Überschrift\nText\n".encode("utf-16"))
    docs, problems = collect([str(path)])
    assert docs[0].text == "Überschrift\nText\n"
    assert docs[0].encoding == "utf-16"
    assert problems == []


def test_binary_file_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Before\n")
    binary = write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64)
    write(tmp_path / "z.txt", "After\n")
    docs, problems = collect([str(tmp_path)])
    assert ids(docs) == ["a.txt", "z.txt"]
    assert problems == [Problem(str(binary), "binary file, skipped", fatal=True)]


def test_nul_after_first_8k_is_not_binary(tmp_path: Path) -> None:
    path = write(tmp_path / "late.txt", b"Title\n" + b"a" * 9000 + b"\x00tail\n")
    docs, problems = collect([str(path)])
    assert len(docs) == 1
    assert problems == []


def test_large_file(tmp_path: Path) -> None:
    line = "Markets rallied on Tuesday as investors weighed the central bank decision.\n"
    count = 50 * 1024 * 1024 // len(line) + 1
    path = write(tmp_path / "big.txt", (line * count).encode())
    docs, problems = collect([str(path)])
    assert problems == []
    assert len(docs) == 1
    assert len(docs[0].text) == len(line) * count
    assert docs[0].title == line.strip()


# --------------------------------------------------------------------------- unreadable files


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied_file_is_reported_and_skipped(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Readable\n")
    locked = write(tmp_path / "locked.txt", "Secret\n")
    locked.chmod(0)
    try:
        docs, problems = collect([str(tmp_path)])
    finally:
        locked.chmod(0o644)
    assert ids(docs) == ["a.txt"]
    assert problems == [Problem(str(locked), "permission denied", fatal=True)]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied_folder_is_reported_and_skipped(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Readable\n")
    locked = tmp_path / "locked"
    write(locked / "b.txt", "Secret\n")
    locked.chmod(0)
    try:
        docs, problems = collect([str(tmp_path)])
    finally:
        locked.chmod(0o755)
    assert ids(docs) == ["a.txt"]
    assert problems == [Problem(str(locked), "permission denied", fatal=True)]


def test_broken_symlink_in_folder_is_reported_and_skipped(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Readable\n")
    os.symlink(tmp_path / "vanished.txt", tmp_path / "gone.txt")
    write(tmp_path / "z.txt", "Also readable\n")
    docs, problems = collect([str(tmp_path)])
    assert ids(docs) == ["a.txt", "z.txt"]
    assert problems == [Problem(str(tmp_path / "gone.txt"), "broken symbolic link", fatal=True)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_folder_is_reported_without_hanging(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Readable\n")
    os.mkfifo(tmp_path / "pipe.txt")
    write(tmp_path / "z.txt", "Also readable\n")
    docs, problems = run_with_timeout(lambda: collect([str(tmp_path)]))  # type: ignore[misc]
    assert ids(docs) == ["a.txt", "z.txt"]
    assert problems == [
        Problem(str(tmp_path / "pipe.txt"), "not a regular file (fifo)", fatal=True)
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_explicit_fifo_is_reported_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    docs, problems = run_with_timeout(lambda: collect([str(fifo)]))  # type: ignore[misc]
    assert docs == []
    assert [(p.path, p.fatal) for p in problems] == [(str(fifo), True)]
    assert "not a regular file" in problems[0].message


def test_file_vanishing_after_listing(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "First\n")
    doomed = write(tmp_path / "b.txt", "Deleted while reading\n")
    write(tmp_path / "c.txt", "Third\n")
    problems: list[Problem] = []
    gen = iter_documents([str(tmp_path)], on_problem=problems.append)
    first = next(gen)  # the folder listing is taken before b.txt is removed
    doomed.unlink()
    rest = list(gen)
    assert [first.id, *ids(rest)] == ["a.txt", "c.txt"]
    assert problems == [Problem(str(doomed), "no such file", fatal=True)]


def test_problems_are_dropped_without_callback(tmp_path: Path) -> None:
    write(tmp_path / "bin.txt", b"\x00\x01\x02")
    write(tmp_path / "ok.txt", "Fine\n")
    assert ids(list(iter_documents([str(tmp_path)]))) == ["ok.txt"]


# --------------------------------------------------------------------------- usage errors


def test_missing_path_raises_before_anything_is_read(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Exists\n")
    problems: list[Problem] = []
    missing = str(tmp_path / "no-such-folder")
    with pytest.raises(SourceError) as info:
        # Raised by the call itself, not on first iteration.
        iter_documents([str(tmp_path / "a.txt"), missing], on_problem=problems.append)
    assert missing in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.path == missing
    assert problems == []


def test_check_paths(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Exists\n")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    paths = [str(tmp_path / "a.txt"), "-", str(tmp_path / "b.txt"), str(tmp_path / "dangling")]
    problems = check_paths(paths)
    assert [(p.path, p.fatal) for p in problems] == [
        (str(tmp_path / "b.txt"), True),
        (str(tmp_path / "dangling"), True),
    ]
    assert problems[1].message == "broken symbolic link"
    # Without stdin, "-" is an ordinary (missing) file name.
    assert [p.path for p in check_paths(["-"], stdin_ok=False)] == ["-"]


# --------------------------------------------------------------------------- inputs untouched


def test_input_files_are_unchanged(tmp_path: Path) -> None:
    files = [
        write(tmp_path / "a.txt", "Plain\n"),
        write(tmp_path / "b.md", "# Heading\nbody\n"),
        write(tmp_path / "c.txt", FRENCH.encode("cp1252")),
        write(tmp_path / "d.txt", b"\x00binary"),
        write(tmp_path / "e.txt", b"\xef\xbb\xbfBOM\n"),
    ]
    old = 1_000_000_000_000_000_000  # a fixed mtime, so a rewrite could not go unnoticed
    for path in files:
        os.utime(path, ns=(old, old))
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in files}
    docs, _ = collect([str(tmp_path)])
    assert len(docs) == 4
    after = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in files}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.txt",
        "b.md",
        "c.txt",
        "d.txt",
        "e.txt",
    ]


# --------------------------------------------------------------------------- format seam


def test_read_file_dispatches_on_extension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(READERS) >= {".txt", ".md"}

    def read_lines(stream: io.BufferedIOBase, context: ReadContext):  # one doc per line
        for number, line in enumerate(stream, 1):
            text = line.decode().rstrip("\n")
            yield Document(f"{context.doc_id}#{number}", text, text, context.path)

    monkeypatch.setitem(READERS, ".lines", Format("lines", read_lines, records=True))
    path = write(tmp_path / "feed.LINES", "first\nsecond\n")
    docs = list(read_file(path, "feed"))
    assert [(d.id, d.text) for d in docs] == [("feed#1", "first"), ("feed#2", "second")]
    # The walker uses the same registry.
    docs, _ = collect([str(tmp_path)], include=["*.LINES"])
    assert ids(docs) == ["feed.LINES#1", "feed.LINES#2"]


def test_read_file_reports_problems(tmp_path: Path) -> None:
    problems: list[Problem] = []
    docs = list(read_file(tmp_path / "missing.txt", "missing.txt", on_problem=problems.append))
    assert docs == []
    assert problems == [Problem(str(tmp_path / "missing.txt"), "no such file", fatal=True)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_prefetch_skips_what_it_cannot_read_and_never_changes_a_file(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Harbour wall to be rebuilt.\n", encoding="utf-8")
    before = article.stat()
    os.mkfifo(tmp_path / "pipe.txt")  # opening it for reading must not wait for a writer
    (tmp_path / "folder").mkdir()
    paths = [tmp_path / "missing.txt", tmp_path / "pipe.txt", tmp_path / "folder", article]
    finished = threading.Event()
    worker = threading.Thread(
        target=lambda: (prefetch(map(str, paths)), finished.set()), daemon=True
    )
    worker.start()
    worker.join(timeout=10)
    assert finished.is_set()
    after = article.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert article.read_text(encoding="utf-8") == "Harbour wall to be rebuilt.\n"

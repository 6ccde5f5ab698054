"""Checking new documents against an index (dupfind.check): copies of indexed documents and
copies within the batch are found with scan's rule; unchanged and self matches are not
reported; the learned boilerplate persists with the index."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from articles import article, copy_of
from dupfind.check import add_documents, check, params_for, update
from dupfind.documents import Document
from dupfind.features import unit_hash
from dupfind.index import SQLiteIndex
from dupfind.normalize import tokenize
from dupfind.pipeline import ScanOptions, scan_documents

OPTIONS = ScanOptions()


def _docs(texts: dict[str, str], folder: str = "") -> list[Document]:
    return [
        Document(id=k, text=v, title=v.split("\n", 1)[0], path=f"{folder}{k}")
        for k, v in texts.items()
    ]


@pytest.fixture
def store(tmp_path):
    with SQLiteIndex.open(tmp_path / "index.db", create=params_for(OPTIONS)) as opened:
        add_documents(_docs({f"old{n}.txt": article(n) for n in range(10)}), opened, OPTIONS)
        yield opened


def _found(result) -> list[tuple[str, str, str]]:
    return [(m.new.id, m.where, m.matched.id) for m in result.matches]


def test_a_copy_of_an_indexed_document_is_found_and_an_unrelated_one_is_not(store):
    new = {"copy.txt": copy_of(article(3), seed=50), "fresh.txt": article(77)}
    result = check(_docs(new), store, OPTIONS)
    assert _found(result) == [("copy.txt", "index", "old3.txt")]
    assert result.duplicates == ["copy.txt"]
    assert result.stats.checked == 2 and result.stats.indexed == 10
    assert result.stats.duplicate_documents == 1
    match = result.matches[0]
    assert match.evidence.jaccard > 0.3 and match.evidence.aligned
    assert match.matched.path == "old3.txt" and match.new.words > 100


def test_copies_among_the_new_documents_are_found(store):
    wire = article(200)
    new = {"wire.txt": wire, "outlet.txt": copy_of(wire, seed=1), "other.txt": article(201)}
    result = check(_docs(new), store, OPTIONS)
    assert len(result.matches) == 1
    match = result.matches[0]
    assert match.where == "batch"
    assert {match.new.id, match.matched.id} == {"wire.txt", "outlet.txt"}
    assert result.stats.duplicate_documents == 1


def test_the_same_pairs_as_a_scan_of_everything(tmp_path):
    originals = {f"o{n}.txt": article(300 + n) for n in range(8)}
    copies = {f"c{n}.txt": copy_of(article(300 + n), seed=n, keep=0.5 + n / 20) for n in range(8)}
    with SQLiteIndex.open(tmp_path / "i.db", create=params_for(OPTIONS)) as store:
        add_documents(_docs(originals), store, OPTIONS)
        result = check(_docs(copies), store, OPTIONS)
    scanned = scan_documents(_docs({**originals, **copies}))
    pairs = {tuple(sorted(m.id for m in cluster.members)) for cluster in scanned.clusters}
    assert len(pairs) == 8  # every copy clustered with its original
    assert {tuple(sorted((m.new.id, m.matched.id))) for m in result.matches} == pairs


def test_unchanged_documents_are_skipped_and_changed_ones_not_matched_with_themselves(store):
    edited = copy_of(article(4), seed=9, keep=1.0)  # the same story, edited
    documents = _docs({"old2.txt": article(2), "old4.txt": edited})
    result = check(documents, store, OPTIONS)
    assert result.stats.unchanged == 1 and result.stats.checked == 1
    assert result.matches == []  # old4.txt's previous version is itself


def test_the_same_file_under_another_id_is_not_its_own_duplicate(store):
    # ``index add content/`` made id "old5.txt" with path "old5.txt"; a pre-commit hook
    # passes the file itself, whose id is then its path: the same source.
    edited = copy_of(article(5), seed=3, keep=1.0)
    documents = [Document(id="./old5.txt", text=edited, title="", path="./old5.txt")]
    assert check(documents, store, OPTIONS).matches == []


def test_without_an_index_only_the_batch_is_checked():
    wire = article(400)
    result = check(_docs({"a.txt": wire, "b.txt": copy_of(wire, 2)}), None, OPTIONS)
    assert [m.where for m in result.matches] == ["batch"]
    assert result.stats.indexed == 0


def test_update_stores_the_checked_documents(store):
    new = {"n1.txt": article(501), "n2.txt": article(502)}
    result = check(_docs(new), store, OPTIONS)
    written = update(result, store)
    assert written.added == ["n1.txt", "n2.txt"]
    assert store.count() == 12
    again = check(_docs(new), store, OPTIONS)
    assert again.stats.unchanged == 2 and again.stats.checked == 0


def test_rule_options_apply_per_run(store):
    copy = {"copy.txt": copy_of(article(6), seed=8, keep=0.5)}
    assert check(_docs(copy), store, OPTIONS).matches
    strict = replace(OPTIONS, jaccard_threshold=0.95, containment_threshold=1.0)
    strict = replace(strict, min_shared_sentences=1000)
    assert check(_docs(copy), store, strict).matches == []


FURNITURE = [
    "Harbour Gazette | Live coverage from the coast and the islands, every day of the week, "
    "by our own reporters",
    "Story continues below this advertisement from our partners in the region who keep local "
    "news free to read",
    "Sign up for the morning briefing and never miss a story from the coast, the harbour or the "
    "island ferries",
    "Read more: the best walks along the northern cliffs this summer season, chosen by our "
    "readers and walkers",
    "Copyright Harbour Gazette Media Group, all rights reserved, no reproduction without the "
    "written permission of the editors",
]


def _outlet(text: str) -> str:
    """One outlet's page: its furniture at the top, between paragraphs and at the bottom."""
    headline, body = text.split("\n\n", 1)
    parts = [FURNITURE[0], headline]
    for number, paragraph in enumerate(body.strip().split("\n\n")):
        parts.append(paragraph)
        if number < 3:
            parts.append(FURNITURE[1 + number])
    return "\n\n".join([*parts, FURNITURE[4]]) + "\n"


@pytest.mark.parametrize("learn", [True, False])
def test_learned_boilerplate_persists_with_the_index(tmp_path, learn):
    options = replace(OPTIONS, learn_boilerplate=learn)
    path = tmp_path / "index.db"
    pages = {f"gazette{n}.txt": _outlet(article(600 + n, paragraphs=4)) for n in range(8)}
    with SQLiteIndex.open(path, create=params_for(options)) as store:
        added = add_documents(_docs(pages), store, options)
    assert len(added.added) == 8
    furniture = {unit_hash(tokenize(line)) for line in FURNITURE}
    newcomer = {"gazette-new.txt": _outlet(article(700, paragraphs=4))}
    with SQLiteIndex.open(path) as store:  # reopened: the boilerplate comes from the file
        stored = set(store.boilerplate().tolist())
        result = check(_docs(newcomer), store, OPTIONS)
    if learn:
        assert furniture <= stored and added.boilerplate_added == len(stored)
        assert result.matches == []  # the furniture no longer links unrelated articles
        assert furniture <= set(result.boilerplate.tolist())
    else:  # the contrast: without the learned furniture, unrelated pages look like copies
        assert stored == set()
        assert result.matches and {m.where for m in result.matches} == {"index"}


def test_boilerplate_learned_by_a_check_is_stored_only_by_an_update(tmp_path):
    path = tmp_path / "index.db"
    with SQLiteIndex.open(path, create=params_for(OPTIONS)) as store:
        add_documents(_docs({"x.txt": article(1)}), store, OPTIONS)
        pages = {f"g{n}.txt": _outlet(article(800 + n, paragraphs=4)) for n in range(6)}
        result = check(_docs(pages), store, OPTIONS)
        assert result.matches == [] and result.learned.size >= len(FURNITURE)
        assert store.boilerplate().size == 0
        update(result, store)
        assert np.array_equal(store.boilerplate(), np.sort(result.learned))


def test_re_adding_a_moved_document_refreshes_its_path_only(store):
    moved = [Document(id="old1.txt", text=article(1), title="New title", path="moved/old1.txt")]
    result = add_documents(moved, store, OPTIONS)
    assert (result.added, result.replaced, result.unchanged) == ([], [], 1)
    entry = store.entries(["old1.txt"])["old1.txt"]
    assert (entry.path, entry.title) == ("moved/old1.txt", "New title")

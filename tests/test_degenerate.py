"""Degenerate inputs on small sizes: many identical copies, one big story cluster, empty and
one-word documents, one very large document.

These check results and pair counts (linear, not quadratic), never time: speed and memory on
full sizes are measured by ``benchmarks/bench_degenerate.py``. Every text is invented here.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dupfind
from articles import sentence, word
from dupfind import Document, ScanResult, scan_documents
from dupfind.lsh import DEFAULT_WINDOW

_FURNITURE = [
    "Story continues below the sponsored panel",
    "Sign up for the Valley Courier morning digest",
    "Follow our coverage of the harbour district on the app",
    "This report was amended to correct a spelling",
]


def article(seed: int, paragraphs: int = 8) -> str:
    """An invented report of about 55 words per paragraph, deterministic by ``seed``."""
    rng = random.Random(seed)
    headline = " ".join(word(rng) for _ in range(6)).capitalize()
    body = [" ".join(sentence(rng) for _ in range(rng.randint(3, 4))) for _ in range(paragraphs)]
    return headline + "\n\n" + "\n\n".join(body) + "\n"


def light_copy(text: str, seed: int) -> str:
    """An outlet's light copy: a few words changed, the ending sometimes trimmed, sometimes a
    furniture line added at the top or the bottom."""
    rng = random.Random(seed)
    paragraphs = text.strip("\n").split("\n\n")
    if rng.random() < 0.5:
        paragraphs = paragraphs[: len(paragraphs) - rng.randint(1, 2)]
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(1, len(paragraphs))
        words = paragraphs[i].split(" ")
        j = rng.randrange(len(words))
        words[j] = word(rng) + ("." if words[j].endswith(".") else "")
        paragraphs[i] = " ".join(words)
    furniture = rng.choice(_FURNITURE)
    where = rng.random()
    if where < 0.3:
        paragraphs.insert(1, furniture)
    elif where < 0.6:
        paragraphs.append(furniture)
    return "\n\n".join(paragraphs) + "\n"


def docs(texts: list[str], prefix: str = "d") -> list[Document]:
    return [
        Document(id=f"{prefix}{i:05d}", text=t, title=t.split("\n", 1)[0], path="")
        for i, t in enumerate(texts)
    ]


def sizes(result: ScanResult) -> list[int]:
    return [len(c.members) for c in result.clusters]


# --- N identical copies ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def identical() -> ScanResult:
    return scan_documents(docs([article(1)] * 300), jobs=1)


def test_identical_copies_form_one_cluster(identical: ScanResult) -> None:
    assert sizes(identical) == [300]
    assert identical.stats.duplicate_documents == 299
    assert identical.clusters[0].canonical.id.startswith("d")
    assert [m.canonical for m in identical.clusters[0].members].count(True) == 1


def test_identical_copies_verify_a_linear_number_of_pairs(identical: ScanResult) -> None:
    # All pairs would be 300 * 299 / 2 = 44,850; the LSH window keeps it near 300 * window.
    assert identical.stats.candidate_pairs <= 300 * DEFAULT_WINDOW
    assert identical.stats.verified_pairs <= 300 * DEFAULT_WINDOW


def test_identical_copies_score_one_against_the_canonical(identical: ScanResult) -> None:
    members = identical.clusters[0].members
    assert all(m.jaccard == 1.0 and m.containment == 1.0 for m in members)


# --- One story with many light copies among unrelated articles ---------------------------------


@pytest.fixture(scope="module")
def story_cluster() -> ScanResult:
    story = article(2)
    copies = [light_copy(story, seed) for seed in range(200)]
    unrelated = [article(1000 + seed) for seed in range(100)]
    return scan_documents(docs(copies, "copy") + docs(unrelated, "other"), jobs=1)


def test_light_copies_form_one_cluster_of_all_of_them(story_cluster: ScanResult) -> None:
    assert sizes(story_cluster) == [200]
    assert {m.id for m in story_cluster.clusters[0].members} == {f"copy{i:05d}" for i in range(200)}


def test_light_copies_verify_a_linear_number_of_pairs(story_cluster: ScanResult) -> None:
    # Near-copies share many LSH bands and sentences, so runs of equal keys are long; the
    # window keeps pairs per band and per sentence linear.
    assert story_cluster.stats.documents == 300
    assert story_cluster.stats.candidate_pairs <= 300 * DEFAULT_WINDOW * 2
    assert story_cluster.stats.verified_pairs <= 300 * DEFAULT_WINDOW * 2


# --- Empty and one-word documents --------------------------------------------------------------


def test_empty_and_one_word_documents_form_no_cluster_and_are_short() -> None:
    texts = [""] * 150 + ["   \n\n  "] * 50 + ["breaking"] * 150 + ["Tovalmer"] * 50
    result = scan_documents(docs(texts), jobs=1)
    assert result.clusters == []
    assert result.stats.documents == 400
    assert result.stats.short == 400
    assert result.stats.candidate_pairs == 0
    assert result.stats.verified_pairs == 0


def test_empty_documents_do_not_disturb_a_real_cluster() -> None:
    story = article(3)
    texts = [""] * 100 + ["word"] * 100 + [story, light_copy(story, 1)]
    result = scan_documents(docs(texts), jobs=1)
    assert [sorted(m.id for m in c.members) for c in result.clusters] == [["d00200", "d00201"]]
    assert result.stats.short == 200


# --- One very large document -------------------------------------------------------------------


def test_a_two_megabyte_document_scans() -> None:
    big = "\n\n".join(article(5000 + seed, paragraphs=12).strip("\n") for seed in range(480))
    assert len(big) > 2_000_000
    others = [article(7), light_copy(article(7), 3), article(8)]
    result = scan_documents(docs([big, *others]), jobs=1)
    assert result.stats.documents == 4
    assert result.stats.short == 0
    assert sizes(result) == [2]
    assert {m.id for m in result.clusters[0].members} == {"d00001", "d00002"}


# --- Through files and the process pool --------------------------------------------------------


def test_degenerate_folder_through_scan_with_two_jobs(tmp_path: Path) -> None:
    story = article(4)
    (tmp_path / "same").mkdir()
    (tmp_path / "near").mkdir()
    (tmp_path / "tiny").mkdir()
    (tmp_path / "other").mkdir()
    for i in range(120):
        (tmp_path / "same" / f"{i:03d}.txt").write_text(article(9), encoding="utf-8")
    for i in range(80):
        (tmp_path / "near" / f"{i:03d}.txt").write_text(light_copy(story, i), encoding="utf-8")
    for i in range(100):
        (tmp_path / "tiny" / f"{i:03d}.txt").write_text("" if i % 2 else "hello", encoding="utf-8")
    for i in range(60):
        (tmp_path / "other" / f"{i:03d}.txt").write_text(article(3000 + i), encoding="utf-8")
    result = dupfind.scan([str(tmp_path)], jobs=2)
    assert result.stats.documents == 360
    assert result.stats.short == 100
    assert sizes(result) == [120, 80]
    assert {m.id.split("/")[0] for m in result.clusters[0].members} == {"same"}
    assert {m.id.split("/")[0] for m in result.clusters[1].members} == {"near"}
    assert result.stats.verified_pairs <= 360 * DEFAULT_WINDOW * 2


# --- Known problems ----------------------------------------------------------------------------

NEWSLETTER = "Sign up for the Valley Courier morning digest"


def _dump_and_copy_of_its_middle(furniture: bool) -> ScanResult:
    """One file holding 50 articles (an archive dump, ~20,000 words) and an outlet copy of its
    36th article (about 70% of the way in); with ``furniture``, the dump's first article and
    the copy both carry one newsletter line."""
    articles = [article(8000 + i) for i in range(50)]
    copy = light_copy(articles[35], 1)
    if furniture:
        articles[0] = articles[0].rstrip("\n") + "\n\n" + NEWSLETTER + "\n"
        copy = copy.rstrip("\n") + "\n\n" + NEWSLETTER + "\n"
    dump = "\n".join(articles)
    unrelated = [article(9000 + i) for i in range(5)]
    return scan_documents(docs([dump, copy, *unrelated]), jobs=1)


def _together(result: ScanResult, left: str, right: str) -> bool:
    return any({left, right} <= {m.id for m in c.members} for c in result.clusters)


def test_copy_of_an_article_in_the_middle_of_a_dump_is_not_a_copy_of_the_dump() -> None:
    # The shared text starts about 14,000 words into the dump, past its head (20%): not aligned.
    assert not _together(_dump_and_copy_of_its_middle(furniture=False), "d00000", "d00001")


def test_one_shared_furniture_line_does_not_align_a_copy_of_the_middle_of_a_dump() -> None:
    assert not _together(_dump_and_copy_of_its_middle(furniture=True), "d00000", "d00001")


def test_guarded_components_bookkeeping_is_linear_in_cluster_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Counts the elements the module hands to sorted() (no timing): a linear implementation
    # sorts small samples per merge and each final group once, a few times n in all.
    from dupfind import cluster

    handled = 0

    def counting_sorted(items: Iterable, **kwargs: Any) -> list:
        nonlocal handled
        result = sorted(items, **kwargs)
        handled += len(result)
        return result

    monkeypatch.setattr(cluster, "sorted", counting_sorted, raising=False)
    n = 2_000
    groups = cluster.guarded_components(n, [(0, i) for i in range(1, n)], lambda a, b: True)
    assert [len(g) for g in groups] == [n]
    assert handled <= 40 * n


def test_large_candidate_components_are_verified_in_pair_chunks_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Components above the batch size are verified pair chunk by pair chunk, then their
    # accepted components clustered: the clusters must not change.
    texts = [article(1)] + [light_copy(article(1), seed) for seed in range(2, 30)]
    texts += [article(seed) for seed in range(100, 140)]
    texts += [article(200)] + [light_copy(article(200), seed) for seed in range(300, 310)]
    documents = docs(texts)
    reference = scan_documents(documents, jobs=1)
    monkeypatch.setattr("dupfind.executor.VERIFY_BATCH_DOCUMENTS", 4)
    chunked = scan_documents(documents, jobs=1)
    assert sizes(reference) == [29, 11]
    assert [[m.id for m in c.members] for c in chunked.clusters] == [
        [m.id for m in c.members] for c in reference.clusters
    ]
    assert chunked.stats.verified_pairs >= reference.stats.verified_pairs


@pytest.mark.parametrize("jobs", [1, 2])
def test_files_read_by_workers_report_problems_in_walk_order(tmp_path: Path, jobs: int) -> None:
    for i in range(30):
        (tmp_path / f"{i:02d}.txt").write_text(article(100 + i), encoding="utf-8")
    (tmp_path / "05.txt").write_bytes(b"\x00\x01binary\x00")
    (tmp_path / "27.txt").write_bytes(b"\x00\x02binary\x00")
    (tmp_path / "10.txt").write_text(article(105), encoding="utf-8")  # 05.txt held this story
    (tmp_path / "11.txt").write_text(article(100), encoding="utf-8")  # a copy of 00.txt
    seen: list[str] = []
    result = dupfind.scan([str(tmp_path)], jobs=jobs, on_problem=lambda p: seen.append(p.path))
    assert [Path(p).name for p in seen] == ["05.txt", "27.txt"]
    assert result.stats.documents == 28 and result.stats.skipped == 2
    assert [[m.id for m in c.members] for c in result.clusters] == [["00.txt", "11.txt"]]


class _Stop(Exception):
    """What a strict caller raises from its problem sink."""


def test_a_raising_problem_sink_stops_a_parallel_scan(tmp_path: Path) -> None:
    for i in range(10):
        (tmp_path / f"{i:02d}.txt").write_text(article(200 + i), encoding="utf-8")
    (tmp_path / "03.txt").write_bytes(b"\x00\x01binary\x00")

    def strict(problem: object) -> None:
        raise _Stop(str(problem))

    with pytest.raises(_Stop, match=r"03\.txt"):
        dupfind.scan([str(tmp_path)], jobs=2, on_problem=strict)


def test_pair_chunks_cover_every_pair_once_and_read_documents_few_times() -> None:
    from dupfind import executor

    rng = np.random.default_rng(3)
    # Runs of equal band keys as LSH gives them: documents scattered over the corpus, each
    # paired with its next 16 in the run; plus a few random long-range pairs.
    pairs = []
    for _ in range(30):
        run = np.sort(rng.choice(200_000, size=400, replace=False))
        for distance in range(1, 17):
            pairs.append(np.stack((run[:-distance], run[distance:]), axis=1))
    pairs.append(np.sort(rng.integers(0, 200_000, size=(300, 2)), axis=1))
    candidate = np.unique(np.concatenate(pairs), axis=0)
    candidate = candidate[candidate[:, 0] != candidate[:, 1]]
    chunks = executor._local_chunks(candidate)
    rows = np.concatenate(chunks)
    assert np.array_equal(np.sort(rows), np.arange(len(candidate)))
    reads = [np.unique(candidate[c]).size for c in chunks]
    assert max(reads) <= executor.VERIFY_BATCH_DOCUMENTS
    documents = np.unique(candidate).size
    assert sum(reads) < 3 * documents < len(candidate)

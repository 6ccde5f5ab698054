"""The scan pipeline: read -> normalize -> shingle and sign -> LSH -> verify -> cluster.

Each stage is a function over a batch of documents with no hidden state, so a later executor
(processes, a cluster engine) can run the same stages elsewhere. :func:`scan` chains them for
files and folders; :func:`scan_documents` does the same for documents already in memory.

Example::

    >>> from dupfind import Document, scan_documents
    >>> docs = [Document(id=str(i), text=t, title="", path="") for i, t in enumerate(texts)]
    >>> result = scan_documents(docs)
    >>> [[m.id for m in c.members] for c in result.clusters]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import TextIO

import numpy as np

from dupfind.cluster import choose_canonical, connected_components
from dupfind.documents import Document, Problem
from dupfind.lsh import band_keys, candidate_pairs, optimal_bands
from dupfind.minhash import Signer
from dupfind.normalize import NORMALIZATION_VERSION, tokenize
from dupfind.shingle import shingles_from_token_hashes, token_hashes
from dupfind.sources import DEFAULT_INCLUDE, iter_documents
from dupfind.verify import DecisionRule, PairScores, verify_pairs

BATCH_SIZE = 512


@dataclass(frozen=True)
class ScanOptions:
    """Parameters of a scan. Defaults were chosen by measurement (see the README)."""

    shingle_size: int = 5
    num_perm: int = 128
    lsh_threshold: float = 0.2
    jaccard_threshold: float = 0.3
    containment_threshold: float = 0.7
    min_shared_shingles: int = 20
    seed: int = 1

    def __post_init__(self) -> None:
        checks = [
            (self.shingle_size >= 1, "shingle size must be at least 1"),
            (self.num_perm >= 2, "num-perm must be at least 2"),
            (0.0 < self.lsh_threshold < 1.0, "lsh-threshold must be between 0 and 1"),
            (0.0 < self.jaccard_threshold <= 1.0, "threshold must be in (0, 1]"),
            (0.0 < self.containment_threshold <= 1.0, "containment must be in (0, 1]"),
            (self.min_shared_shingles >= 1, "min-shared must be at least 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def bands_rows(self) -> tuple[int, int]:
        """LSH bands and rows for ``lsh_threshold`` (the datasketch optimum)."""
        return optimal_bands(self.lsh_threshold, self.num_perm)

    def rule(self) -> DecisionRule:
        return DecisionRule(
            jaccard_threshold=self.jaccard_threshold,
            containment_threshold=self.containment_threshold,
            min_shared_shingles=self.min_shared_shingles,
        )

    def as_dict(self) -> dict[str, object]:
        bands, rows = self.bands_rows
        return {
            **asdict(self),
            "bands": bands,
            "rows": rows,
            "normalization_version": NORMALIZATION_VERSION,
        }


@dataclass(frozen=True)
class DocumentInfo:
    """What a scan keeps of a document once it is shingled: no text, only what reports need."""

    id: str
    title: str
    path: str
    words: int


@dataclass(frozen=True)
class Member:
    """A document in a cluster with its exact scores against the cluster's canonical member."""

    id: str
    title: str
    path: str
    words: int
    canonical: bool
    jaccard: float
    containment: float
    shared_shingles: int


@dataclass(frozen=True)
class Cluster:
    """A set of documents that are copies of one report; ``members[0]`` is the canonical one."""

    number: int
    members: tuple[Member, ...]

    @property
    def canonical(self) -> Member:
        return self.members[0]


@dataclass
class ScanStats:
    documents: int = 0
    skipped: int = 0
    empty: int = 0
    candidate_pairs: int = 0
    verified_pairs: int = 0
    clusters: int = 0
    duplicate_documents: int = 0


@dataclass
class ScanResult:
    """Everything a scan found; renderers (Rich, JSON) only format it."""

    options: ScanOptions
    stats: ScanStats
    clusters: list[Cluster]
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


def shingle_batch(
    documents: Sequence[Document], shingle_size: int
) -> tuple[list[np.ndarray], list[int]]:
    """Normalize and shingle a batch: sorted uint64 shingle hashes and a word count per document."""
    sets, word_counts = [], []
    for document in documents:
        tokens = tokenize(document.text)
        sets.append(shingles_from_token_hashes(token_hashes(tokens), shingle_size))
        word_counts.append(len(tokens))
    return sets, word_counts


def compare(left: str, right: str, options: ScanOptions | None = None) -> tuple[PairScores, bool]:
    """Exact scores of two texts and whether the scan's decision rule calls them copies."""
    options = options or ScanOptions()
    (left_set, right_set), _ = shingle_batch(
        [Document("left", left, "", ""), Document("right", right, "", "")], options.shingle_size
    )
    scores = PairScores.of(left_set, right_set)
    return scores, options.rule().accepts(scores)


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch


def scan_documents(
    documents: Iterable[Document],
    options: ScanOptions | None = None,
    problems: list[Problem] | None = None,
) -> ScanResult:
    """Cluster near-duplicate documents from any iterable of :class:`Document`."""
    options = options or ScanOptions()
    started = time.perf_counter()
    signer = Signer(num_perm=options.num_perm, seed=options.seed)
    bands, rows = options.bands_rows

    infos: list[DocumentInfo] = []
    shingle_sets: list[np.ndarray] = []
    key_blocks: list[np.ndarray] = []
    for batch in _batches(documents, BATCH_SIZE):
        sets, word_counts = shingle_batch(batch, options.shingle_size)
        key_blocks.append(band_keys(signer.sign(sets), bands, rows))
        shingle_sets.extend(sets)
        infos.extend(
            DocumentInfo(d.id, d.title, d.path, words)
            for d, words in zip(batch, word_counts, strict=True)
        )

    stats = ScanStats(documents=len(infos))
    stats.skipped = sum(1 for p in problems or () if p.fatal)
    pairs = _candidates(key_blocks, shingle_sets, stats)
    verified = verify_pairs(pairs, shingle_sets, options.rule())
    stats.verified_pairs = len(verified)
    clusters = _build_clusters(infos, shingle_sets, verified)
    stats.clusters = len(clusters)
    stats.duplicate_documents = sum(len(c.members) - 1 for c in clusters)
    return ScanResult(
        options=options,
        stats=stats,
        clusters=clusters,
        problems=list(problems or ()),
        seconds=time.perf_counter() - started,
    )


def _candidates(
    key_blocks: list[np.ndarray], shingle_sets: list[np.ndarray], stats: ScanStats
) -> np.ndarray:
    """Candidate pairs from LSH, leaving out empty documents (their signatures all collide)."""
    if not key_blocks:
        return np.empty((0, 2), dtype=np.int64)
    keys = np.concatenate(key_blocks)
    nonempty = np.flatnonzero([s.size > 0 for s in shingle_sets])
    stats.empty = len(shingle_sets) - nonempty.size
    pairs = nonempty[candidate_pairs(keys[nonempty])] if nonempty.size else np.empty((0, 2))
    stats.candidate_pairs = len(pairs)
    return pairs.astype(np.int64).reshape(-1, 2)


def _build_clusters(
    infos: list[DocumentInfo],
    shingle_sets: list[np.ndarray],
    verified: list[tuple[int, int, PairScores]],
) -> list[Cluster]:
    components = connected_components(len(infos), [(a, b) for a, b, _ in verified])
    weights_by_root: dict[int, list[tuple[int, int, float]]] = {}
    member_of = {node: index for index, members in enumerate(components) for node in members}
    for left, right, scores in verified:
        weights_by_root.setdefault(member_of[left], []).append((left, right, scores.jaccard))

    lengths = [s.size for s in shingle_sets]
    ids = [info.id for info in infos]
    built = []
    for index, members in enumerate(components):
        canonical = choose_canonical(members, weights_by_root[index], lengths, ids)
        others = sorted((m for m in members if m != canonical), key=lambda m: ids[m])
        built.append(
            [_member(infos[canonical], True, PairScores(lengths[canonical], 1.0, 1.0))]
            + [
                _member(infos[m], False, PairScores.of(shingle_sets[canonical], shingle_sets[m]))
                for m in others
            ]
        )
    built.sort(key=lambda members: (-len(members), members[0].id))
    return [Cluster(number=i + 1, members=tuple(m)) for i, m in enumerate(built)]


def _member(info: DocumentInfo, canonical: bool, scores: PairScores) -> Member:
    return Member(
        id=info.id,
        title=info.title,
        path=info.path,
        words=info.words,
        canonical=canonical,
        jaccard=scores.jaccard,
        containment=scores.containment,
        shared_shingles=scores.shared,
    )


def scan(
    paths: Sequence[str],
    options: ScanOptions | None = None,
    *,
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
    stdin: TextIO | None = None,
    on_problem: Callable[[Problem], None] | None = None,
) -> ScanResult:
    """Find and cluster near-duplicate articles in files and folders.

    Problems (unreadable files, guessed encodings) are passed to ``on_problem`` as they occur
    and listed in the result; a path that does not exist raises
    :class:`dupfind.sources.SourceError` before anything is read.
    """
    problems: list[Problem] = []

    def record(problem: Problem) -> None:
        problems.append(problem)
        if on_problem is not None:
            on_problem(problem)

    documents = iter_documents(
        paths, include=include, exclude=exclude, stdin=stdin, on_problem=record
    )
    result = scan_documents(documents, options, problems)
    result.problems = problems
    result.stats.skipped = sum(1 for p in problems if p.fatal)
    return result

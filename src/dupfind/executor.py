"""The local executor: runs the pipeline's stages over a stream, on all cores, in bounded memory.

Stages (:mod:`dupfind.pipeline`) are pure functions over batches; this module decides where
they run and what is kept between them, as datatrove keeps executors apart from steps. A
cluster executor would schedule the same stage functions differently.

Two passes, each spread over ``jobs`` worker processes:

1. **Sketch**: the main process walks folders and sends batches of file paths; workers read,
   normalize, shingle and sign them, a batch at a time. Only compact numpy arrays come back:
   LSH band keys (``bands`` uint64 per document), word counts, flat arrays of sentence and
   (sampled) line hashes, and ids, titles and paths packed in a :class:`Catalog`. Texts and
   shingle sets are dropped.
2. Boilerplate is learned, and candidate pairs found, from those arrays alone (numpy sorts
   on ``jobs`` threads and scipy's graph components: no Python loop per pair).
3. **Verify**: candidate components small enough for one worker go to workers whole, which
   read *only those documents* again, compute their full features (boilerplate left out),
   verify and cluster them. Pairs of larger components (furniture that LSH could not tell
   apart from text joins them) are first verified in chunks of documents that lie close in
   the pair graph, then their accepted pairs are clustered the same way. No accepted pair
   crosses a component and guarded merging only compares members of one, so the result
   equals :func:`dupfind.pipeline.decide` over the whole corpus.

Memory is about 0.75 KB per document in the main process (at a million documents: band keys
224 MB, sentence hashes 277 MB, catalog 134 MB, sampled units ~95 MB) plus, for a moment,
the sorts between the passes; each worker holds one batch's features (~260 MB).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice

import numpy as np
from scipy.sparse import csgraph, csr_matrix

from dupfind.arrays import unique
from dupfind.catalog import Catalog
from dupfind.cluster import component_labels
from dupfind.documents import Document, DocumentInfo, Problem
from dupfind.features import Features, extract_batch, sketch_batch
from dupfind.lsh import band_keys
from dupfind.minhash import Signer
from dupfind.pipeline import (
    BATCH_SIZE,
    Cluster,
    Member,
    Prepared,
    ScanOptions,
    ScanStats,
    candidates_from,
    decide_pairs,
    learn_boilerplate,
    lsh_candidates,
)
from dupfind.progress import Progress, Silent
from dupfind.ragged import Ragged
from dupfind.sources import PendingFile, ReadOptions, prefetch, read_again, read_pending
from dupfind.verify import Evidence

VERIFY_BATCH_DOCUMENTS = 2_000
#: Line and sentence units (for boilerplate learning) are kept for every document up to this
#: many, then for one in UNIT_SAMPLE_EVERY: furniture recurs across the whole corpus, so a
#: sample finds it, and units are the largest per-document arrays a scan keeps (sorting them
#: all was the longest step between the passes at 100k). Corpora up to this size (every
#: labelled corpus we tune on) learn from all their documents. On the 100k benchmark the
#: sample learns 830 units instead of 2,814; the others linked one more candidate pair, and
#: the clusters gained 5 correct pairs and no wrong one.
UNIT_SAMPLE_ALL = 25_000
UNIT_SAMPLE_EVERY = 10


@dataclass
class Sketch:
    """What pass 1 keeps of a batch of documents: flat arrays only."""

    keys: np.ndarray
    words: np.ndarray
    sentences: Ragged
    units: Ragged
    unit_words: Ragged


def read_batch(
    items: Sequence[Document | PendingFile], read_options: ReadOptions | None
) -> tuple[list[Document], list[Problem]]:
    """The documents of a batch, reading its pending files, and the problems met doing so."""
    documents: list[Document] = []
    problems: list[Problem] = []
    prefetch(item.path for item in items if isinstance(item, PendingFile))
    for item in items:
        if isinstance(item, PendingFile):
            documents.extend(read_pending(item, read_options, problems.append))
        else:
            documents.append(item)
    return documents, problems


def read_and_sketch_batch(
    items: Sequence[Document | PendingFile], options: ScanOptions, read_options: ReadOptions | None
) -> tuple[Catalog, list[Problem], Sketch]:
    """Pass 1 for a batch (runs in a worker): read pending files, then :func:`sketch_texts`."""
    documents, problems = read_batch(items, read_options)
    infos = Catalog.of(DocumentInfo(d.id, d.title, d.path) for d in documents)
    return infos, problems, sketch_texts([d.text for d in documents], options)


def sketch_texts(texts: Sequence[str], options: ScanOptions) -> Sketch:
    """Pass 1 for a batch of texts: sketch, sign, band keys; keep compact."""
    sketched = sketch_batch(texts, options.shingle_size)
    bands, rows = options.bands_rows
    signer = Signer(num_perm=options.num_perm, seed=options.seed).prefix(bands * rows)
    signatures = signer.sign(sketched.windows)
    return Sketch(
        keys=band_keys(signatures, bands, rows),
        words=sketched.words.astype(np.int64),
        sentences=sketched.sentences,
        units=sketched.units,
        unit_words=sketched.unit_words,
    )


@dataclass
class VerifyJob:
    """A batch of candidate-graph components for a worker to verify and cluster."""

    indexes: list[int]  # global document indexes, the batch's local order
    infos: list[DocumentInfo]
    texts: list[str] | None  # given for in-memory documents; otherwise read again
    pairs: np.ndarray  # candidate pairs in local indexes
    boilerplate: np.ndarray
    options: ScanOptions
    read_options: ReadOptions | None


@dataclass
class _Corpus:
    """What every verify job of one scan draws from: the documents' infos (and texts, when
    they cannot be read again), the learned boilerplate, and the options."""

    infos: Catalog
    texts: list[str] | None
    boilerplate: np.ndarray
    options: ScanOptions
    read_options: ReadOptions | None

    def job(self, indexes: np.ndarray, pairs: np.ndarray) -> VerifyJob:
        """A job over documents ``indexes`` (global) and ``pairs`` of them, renumbered
        locally in the order of ``indexes``."""
        order = np.argsort(indexes, kind="stable")
        local = order[np.searchsorted(indexes, pairs, sorter=order)]
        listed = indexes.tolist()
        return VerifyJob(
            indexes=listed,
            infos=self.infos.take(listed),
            texts=[self.texts[i] for i in listed] if self.texts is not None else None,
            pairs=local.astype(np.int64).reshape(-1, 2),
            boilerplate=self.boilerplate,
            options=self.options,
            read_options=self.read_options,
        )


def accept_batch(job: VerifyJob) -> np.ndarray:
    """Stage 3a for a chunk of candidate pairs (runs in a worker): which the rule accepts."""
    features, _missing = _job_features(job)
    rule = job.options.rule()
    return np.array(
        [rule.accepts(Evidence.of(features[a], features[b])) for a, b in job.pairs.tolist()],
        dtype=bool,
    )


def _split_by_component_size(count: int, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs of components up to VERIFY_BATCH_DOCUMENTS documents, and the rest."""
    if pairs.size == 0:
        return pairs.reshape(0, 2), pairs.reshape(0, 2)
    labels = component_labels(count, pairs)
    sizes = np.bincount(labels, minlength=count)
    large = sizes[labels[pairs[:, 0]]] > VERIFY_BATCH_DOCUMENTS
    return pairs[~large], pairs[large]


def _accepted_pairs(
    corpus: _Corpus, pairs: np.ndarray, executor: Executor, jobs: int, progress: Progress
) -> np.ndarray:
    """Stage 3a: verify candidate pairs in chunks of at most VERIFY_BATCH_DOCUMENTS documents.

    Chunks follow the pairs, not the candidate graph's components: LSH collisions on shared
    furniture can join a large part of a big corpus into one component, which a single
    worker would then verify alone. A document may be read in several chunks.
    """
    progress.start("verifying", total=len(pairs))
    rows = _local_chunks(pairs)
    chunks = (corpus.job(unique(pairs[r].ravel()), pairs[r]) for r in rows)
    accepted = np.zeros(len(pairs), dtype=bool)
    calls = ((accept_batch, (chunk,)) for chunk in chunks)
    for chunk_rows, mask in zip(rows, _ordered(executor, calls, 2 * jobs), strict=True):
        accepted[chunk_rows] = mask
        progress.advance(len(chunk_rows))
    progress.finish()
    return pairs[accepted]


def _local_chunks(pairs: np.ndarray) -> list[np.ndarray]:
    """Rows of ``pairs`` in chunks of at most VERIFY_BATCH_DOCUMENTS documents, each document
    in few chunks (each chunk reads its documents again).

    Documents are ranked by reverse Cuthill-McKee order of the pair graph, which puts the two
    documents of most pairs close together (LSH pairs each document with its neighbours in a
    run of equal band keys), then cut into blocks of half a chunk: pairs within a block or two
    adjacent blocks are verified with those blocks; the few others in chunks of pairs.
    """
    half = max(1, VERIFY_BATCH_DOCUMENTS // 2)
    if len(pairs) == 0:
        return []
    nodes = unique(pairs.ravel())
    local = np.searchsorted(nodes, pairs)
    both = np.concatenate((local, local[:, ::-1]))
    graph = csr_matrix(
        (np.ones(len(both), dtype=np.int8), (both[:, 0], both[:, 1])),
        shape=(nodes.size, nodes.size),
    )
    rank = np.empty(nodes.size, dtype=np.int64)
    rank[csgraph.reverse_cuthill_mckee(graph, symmetric_mode=True)] = np.arange(nodes.size)
    blocks = rank[local] // half
    low, high = blocks.min(axis=1), blocks.max(axis=1)
    near = np.flatnonzero(high - low <= 1)
    far = np.flatnonzero(high - low > 1)
    near = near[np.argsort(low[near], kind="stable")]
    cuts = np.flatnonzero(np.diff(low[near])) + 1
    chunks = [part for part in np.split(near, cuts) if part.size]
    chunks += [far[start : start + half] for start in range(0, far.size, half)]
    return chunks


def verify_batch(job: VerifyJob) -> tuple[list[list[Member]], int, int]:
    """Pass 2 for a batch (runs in a worker): read again, featurize, verify, cluster.

    Returns each cluster's members (canonical first), the verified pair count, and the number
    of documents that could not be read again.
    """
    features, missing = _job_features(job)
    prepared = Prepared(
        job.infos,
        features,
        np.empty((len(features), 0), dtype=np.uint32),
        job.boilerplate,
        job.options,
    )
    clusters, verified = decide_pairs(prepared, job.pairs, job.options)
    return [list(c.members) for c in clusters], verified, missing


def _job_features(job: VerifyJob) -> tuple[list[Features], int]:
    """The features verification needs of a job's documents (read again unless given), and
    how many documents could not be read again (they count as empty)."""
    texts = job.texts if job.texts is not None else _read_texts(job.infos, job.read_options)
    features = extract_batch(
        [text or "" for text in texts], job.options.shingle_size, job.boilerplate, units=False
    )
    return features, sum(text is None for text in texts)


def _read_texts(
    infos: Sequence[DocumentInfo], read_options: ReadOptions | None
) -> list[str | None]:
    by_path: dict[str, dict[str, int]] = {}
    for index, info in enumerate(infos):
        by_path.setdefault(info.path, {})[info.id] = index
    texts: list[str | None] = [None] * len(infos)
    prefetch(by_path)
    for path, wanted in by_path.items():
        for document in read_again(path, wanted, options=read_options):
            if document.id in wanted:
                texts[wanted[document.id]] = document.text
    return texts


class _Inline(Executor):
    """Runs submitted work in this process (``jobs=1``), with the executor interface."""

    def submit(self, fn: Callable, /, *args: object, **kwargs: object) -> Future:  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future
            future.set_exception(error)
        return future


def _ordered(executor: Executor, calls: Iterable[tuple[Callable, tuple]], window: int) -> Iterator:
    """Results of ``calls`` in order, with at most ``window`` in flight (bounded memory)."""
    pending: list[Future] = []
    for fn, args in calls:
        pending.append(executor.submit(fn, *args))
        if len(pending) >= window:
            yield pending.pop(0).result()
    while pending:
        yield pending.pop(0).result()


def _tune_allocator() -> None:
    """Let a worker reuse the memory of its last batch's arrays (glibc only; else nothing).

    A batch's arrays are megabytes each and are made anew for every batch. glibc serves such
    sizes with fresh ``mmap`` pages and returns them at free, so every batch paid the page
    faults again: 10% of pass 1 and more of pass 2's extraction, measured. Raising the mmap
    and trim thresholds keeps freed blocks in the worker's heap, up to 128 MB.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 128 << 20)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def _release_freed_memory() -> None:
    """Hand memory freed inside the heap back to the system (glibc's ``malloc_trim``).

    Pass 1's per-batch arrays are freed once joined, and the step between the passes frees
    its sorts, but glibc keeps freed heap pages it cannot give back from the top of the
    heap: the main process stayed at 1.2 GB through pass 2 at a million documents.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _ignore(problem: Problem) -> None:
    """Default problem sink: drop."""


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class StreamResult:
    clusters: list[Cluster]
    stats: ScanStats
    boilerplate: np.ndarray


def run(
    documents: Iterable[Document | PendingFile],
    options: ScanOptions,
    *,
    jobs: int = 1,
    keep_texts: bool = False,
    read_options: ReadOptions | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    progress: Progress | None = None,
) -> StreamResult:
    """Scan a stream of documents (see the module docstring).

    ``keep_texts`` keeps texts in memory for pass 2 (for documents that cannot be read again:
    in-memory documents, standard input); otherwise pass 2 reads files again. Files still
    to read (:class:`PendingFile`) are read with ``read_options``; problems met reading them
    go to ``on_problem``, in stream order.
    """
    progress = progress or Silent()
    report = on_problem or _ignore
    jobs = max(1, jobs)
    executor: Executor = (
        ProcessPoolExecutor(max_workers=jobs, initializer=_tune_allocator)
        if jobs > 1
        else _Inline()
    )
    try:
        infos, sketch, texts = _sketch_all(
            documents, options, executor, jobs, keep_texts, read_options, report, progress
        )
        _release_freed_memory()  # the per-batch parts, now joined
        pairs, boilerplate, stats = _candidates(sketch, options, jobs)
        del sketch  # pass 2 needs only the pairs: free the band keys and sentence hashes
        _release_freed_memory()
        # Pairs of small candidate components are verified and clustered in one step; pairs of
        # components too large for one worker are first verified in chunks of pairs.
        corpus = _Corpus(infos, texts, boilerplate, options, read_options)
        small, large = _split_by_component_size(len(infos), pairs)
        accepted = _accepted_pairs(corpus, large, executor, jobs, progress)
        work = np.concatenate([small, accepted]).reshape(-1, 2)
        work = work[np.lexsort((work[:, 1], work[:, 0]))] if work.size else work
        del pairs, small, large, accepted
        progress.start("verifying and clustering", total=len(work))
        groups: list[list[Member]] = []
        sizes: list[int] = []  # pairs of each job, known as jobs are made

        def calls() -> Iterator[tuple[Callable, tuple]]:
            for job in _verify_jobs(corpus, work):
                sizes.append(len(job.pairs))
                yield verify_batch, (job,)

        for number, (found, verified, _missing) in enumerate(_ordered(executor, calls(), 2 * jobs)):
            groups.extend(found)
            stats.verified_pairs += verified
            progress.advance(sizes[number])
        progress.finish()
    finally:
        executor.shutdown()
    groups.sort(key=lambda members: (-len(members), members[0].id))
    clusters = [Cluster(number=i + 1, members=tuple(m)) for i, m in enumerate(groups)]
    stats.clusters = len(clusters)
    stats.duplicate_documents = sum(len(c.members) - 1 for c in clusters)
    return StreamResult(clusters, stats, boilerplate)


def _candidates(
    sketch: Sketch, options: ScanOptions, jobs: int
) -> tuple[np.ndarray, np.ndarray, ScanStats]:
    """Boilerplate and candidate pairs from pass 1's arrays (main process; sorts on threads)."""
    lsh = lsh_candidates(sketch.keys, sketch.words, options.min_words, jobs)
    boilerplate = learn_boilerplate(
        sketch.keys, sketch.words, sketch.units, sketch.unit_words, options, lsh
    )
    del sketch.units, sketch.unit_words
    sentences = sketch.sentences.without(boilerplate)
    del sketch.sentences  # only the filtered copy is needed: 277 MB less at a million
    pairs = candidates_from(sketch.keys, sketch.words, sentences, options.min_words, lsh, jobs)
    stats = ScanStats(
        documents=len(sketch.words),
        short=int((sketch.words < max(options.min_words, 1)).sum()),
        boilerplate_units=int(boilerplate.size),
        candidate_pairs=len(pairs),
    )
    return pairs, boilerplate, stats


def _sketch_all(
    documents: Iterable[Document | PendingFile],
    options: ScanOptions,
    executor: Executor,
    jobs: int,
    keep_texts: bool,
    read_options: ReadOptions | None,
    on_problem: Callable[[Problem], None],
    progress: Progress,
) -> tuple[Catalog, Sketch, list[str] | None]:
    """Pass 1 over the stream: infos and compact arrays for every document.

    Pending files are read by the workers; documents already read travel with their text.
    """
    infos = Catalog()
    texts: list[str] | None = [] if keep_texts else None
    parts: list[Sketch] = []
    progress.start("reading and signing")

    def calls() -> Iterator[tuple[Callable, tuple]]:
        iterator = iter(documents)
        while batch := list(islice(iterator, BATCH_SIZE)):
            if texts is not None:  # texts are kept here, so read here
                batch, problems = read_batch(batch, read_options)
                for problem in problems:
                    on_problem(problem)
                texts.extend(d.text for d in batch)
            yield read_and_sketch_batch, (batch, options, read_options)

    seen = 0
    for batch_infos, problems, part in _ordered(executor, calls(), 2 * jobs):
        for problem in problems:
            on_problem(problem)
        infos.extend(batch_infos)
        index = np.arange(seen, seen + part.words.size)
        seen += part.words.size
        if part.words.size and index[-1] >= UNIT_SAMPLE_ALL:
            keep = (index < UNIT_SAMPLE_ALL) | (index % UNIT_SAMPLE_EVERY == 0)
            part.units = part.units.keep_items(keep)
            part.unit_words = part.unit_words.keep_items(keep)
        parts.append(part)
        progress.advance(part.words.size)
    progress.finish()
    bands = options.bands_rows[0]
    return (
        infos,
        Sketch(
            keys=np.concatenate([p.keys for p in parts]) if parts else np.empty((0, bands)),
            words=np.concatenate([p.words for p in parts]) if parts else np.empty(0, np.int64),
            sentences=Ragged.join([p.sentences for p in parts]),
            units=Ragged.join([p.units for p in parts]),
            unit_words=Ragged.join([p.unit_words for p in parts]),
        ),
        texts,
    )


def _verify_jobs(corpus: _Corpus, pairs: np.ndarray) -> Iterator[VerifyJob]:
    """Batches of whole connected components of the candidate graph, in document order.

    Made as they are asked for: packing a job's infos overlaps with the workers' verifying.
    """
    if pairs.size == 0:
        return
    labels = component_labels(len(corpus.infos), pairs)  # a component's label is its first document
    nodes = unique(pairs.ravel())
    node_order = np.lexsort((nodes, labels[nodes]))
    nodes, node_labels = nodes[node_order], labels[nodes[node_order]]
    pair_labels = labels[pairs[:, 0]]
    pair_order = np.argsort(pair_labels, kind="stable")
    pairs, pair_labels = pairs[pair_order], pair_labels[pair_order]

    # Cut the components, in order, into batches of about VERIFY_BATCH_DOCUMENTS documents.
    roots, sizes = np.unique(node_labels, return_counts=True)
    batch_of_root = np.zeros(roots.size, dtype=np.int64)
    filled, batch = 0, 0
    for index, size in enumerate(sizes.tolist()):
        batch_of_root[index] = batch
        filled += size
        if filled >= VERIFY_BATCH_DOCUMENTS:
            batch, filled = batch + 1, 0
    node_batch = np.repeat(batch_of_root, sizes)
    pair_batch = batch_of_root[np.searchsorted(roots, pair_labels)]
    node_cuts = np.searchsorted(node_batch, np.arange(batch_of_root[-1] + 2))
    pair_cuts = np.searchsorted(pair_batch, np.arange(batch_of_root[-1] + 2))
    for b in range(batch_of_root[-1] + 1):
        yield corpus.job(
            nodes[node_cuts[b] : node_cuts[b + 1]], pairs[pair_cuts[b] : pair_cuts[b + 1]]
        )

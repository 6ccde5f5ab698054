"""The scan pipeline: read -> normalize -> features -> sign -> candidates -> verify -> cluster.

Each stage is a function over a batch of documents with no hidden state, so a later executor
(processes, a cluster engine) can run the same stages elsewhere:

1. :func:`extract_batch`: normalize each document and compute its :class:`Features`;
2. :func:`sign_batch`: MinHash signatures (datasketch-compatible) and LSH band keys;
3. boilerplate (:mod:`dupfind.boilerplate`): a first clustering of the full texts shows which
   lines recur across unrelated documents; documents carrying them are featurized again
   without them;
4. :func:`find_candidates`: pairs that collide in an LSH band or share a verbatim sentence;
5. :func:`verify_candidates`: exact evidence for each pair (:mod:`dupfind.verify`);
6. :func:`form_clusters`: guarded agglomeration and a canonical member per cluster.

:func:`prepare` runs steps 1-3 once; :func:`decide` runs 4-6 and can be repeated with other
rules (``dupfind eval --sweep``). :func:`scan` does it all for files and folders,
:func:`scan_documents` for documents already in memory.

Example (``texts`` being a list of article texts)::

    from dupfind import Document, scan_documents

    docs = [Document(id=str(i), text=t, title="", path="") for i, t in enumerate(texts)]
    result = scan_documents(docs)
    print([[m.id for m in c.members] for c in result.clusters])
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import islice
from typing import TextIO

import numpy as np

from dupfind import boilerplate as boilerplate_learning
from dupfind.arrays import isin_sorted, unique
from dupfind.cluster import choose_canonical, component_labels, guarded_components
from dupfind.documents import Document, DocumentInfo, Problem
from dupfind.features import Features, extract
from dupfind.features import extract_batch as extract_texts
from dupfind.lsh import band_keys, candidate_pairs, optimal_bands, pairs_sharing
from dupfind.minhash import Signer
from dupfind.normalize import NORMALIZATION_VERSION
from dupfind.progress import Progress
from dupfind.ragged import Ragged
from dupfind.sources import DEFAULT_INCLUDE, ReadOptions, iter_sources, read_again
from dupfind.verify import MIN_EXAMINED_CONTAINMENT, DecisionRule, Evidence

BATCH_SIZE = 512
_PAIR_CHUNK = 1 << 18  # candidate pairs handled at once where each needs a row of band keys
FIRST_PASS_JACCARD = 0.3  # copies for the first clustering that boilerplate learning needs


@dataclass(frozen=True)
class ScanOptions:
    """Parameters of a scan. Defaults were chosen by measurement (see the README)."""

    shingle_size: int = 5
    num_perm: int = 128
    lsh_threshold: float = 0.2
    jaccard_threshold: float = 0.2
    containment_threshold: float = 0.35
    min_shared_shingles: int = 20
    min_shared_sentences: int = 2
    sentence_containment: float = 0.15
    min_spread: int = 3
    merge_support: float = 0.5
    min_words: int = 50
    require_alignment: bool = True
    learn_boilerplate: bool = True
    boilerplate_spread: int = boilerplate_learning.DEFAULT_MIN_SPREAD
    seed: int = 1

    def __post_init__(self) -> None:
        checks = [
            (self.shingle_size >= 1, "shingle size must be at least 1"),
            (self.num_perm >= 2, "num-perm must be at least 2"),
            (0.0 < self.lsh_threshold < 1.0, "lsh-threshold must be between 0 and 1"),
            (
                MIN_EXAMINED_CONTAINMENT <= self.jaccard_threshold <= 1.0,
                "threshold must be in [0.1, 1]",
            ),
            (
                MIN_EXAMINED_CONTAINMENT <= self.containment_threshold <= 1.0,
                "containment must be in [0.1, 1]",
            ),
            (
                MIN_EXAMINED_CONTAINMENT <= self.sentence_containment <= 1.0,
                "sentence containment must be in [0.1, 1]",
            ),
            (self.min_shared_shingles >= 1, "min-shared must be at least 1"),
            (self.min_shared_sentences >= 1, "min-sentences must be at least 1"),
            (0 <= self.min_spread <= 4, "min-spread must be between 0 and 4"),
            (0.0 <= self.merge_support <= 1.0, "merge-support must be between 0 and 1"),
            (self.min_words >= 0, "min-words must not be negative"),
            (self.boilerplate_spread >= 2, "boilerplate-spread must be at least 2"),
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
            min_shared_sentences=self.min_shared_sentences,
            sentence_containment=self.sentence_containment,
            min_spread=self.min_spread,
            require_alignment=self.require_alignment,
            min_words=self.min_words,
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
    shared_sentences: int


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
    short: int = 0
    boilerplate_units: int = 0
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
    boilerplate: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))


@dataclass
class Prepared:
    """A corpus after steps 1-3: features and signatures of every document, no text.

    ``signatures`` are of the full texts (boilerplate included: signing happens before
    boilerplate is known, in one streaming pass); ``features`` leave boilerplate out.
    ``raw_words`` (word counts of the full texts) and ``candidate_sentences`` (sentence hashes
    of the full texts, boilerplate sentences removed) are what candidate generation reads, so
    that a streaming scan, which has only those, finds the same candidates. Both default to
    the features' own.
    """

    infos: list[DocumentInfo]
    features: list[Features]
    signatures: np.ndarray
    boilerplate: np.ndarray
    options: ScanOptions
    raw_words: np.ndarray | None = None
    candidate_sentences: list[np.ndarray] | None = None

    def words_before_boilerplate(self) -> np.ndarray:
        if self.raw_words is not None:
            return self.raw_words
        return np.array([f.words for f in self.features], dtype=np.int64)

    def sentences_for_candidates(self) -> Sequence[np.ndarray]:
        if self.candidate_sentences is not None:
            return self.candidate_sentences
        return [f.sentences for f in self.features]


# ------------------------------------------------------------------------------ stages


def extract_batch(
    documents: Sequence[Document], shingle_size: int, boilerplate: frozenset[int] = frozenset()
) -> list[Features]:
    """Step 1: normalize each document and compute its features."""
    return extract_texts([d.text for d in documents], shingle_size, boilerplate)


def sign_batch(features: Sequence[Features], signer: Signer) -> np.ndarray:
    """Step 2: MinHash signatures of a batch (one row per document)."""
    return signer.sign([f.shingles for f in features])


def find_candidates(prepared: Prepared, options: ScanOptions) -> np.ndarray:
    """Step 4 over a prepared corpus (see :func:`candidates_from`)."""
    bands, rows = options.bands_rows
    return candidates_from(
        band_keys(prepared.signatures, bands, rows),
        prepared.words_before_boilerplate(),
        prepared.sentences_for_candidates(),
        options.min_words,
    )


def lsh_candidates(
    keys: np.ndarray, words: np.ndarray, min_words: int, jobs: int = 1
) -> np.ndarray:
    """Sorted unique pairs of documents that collide in an LSH band (``keys``: band keys),
    bands sorted on ``jobs`` threads.

    Documents shorter than ``min_words`` are left out: scraper junk (a captcha page, a cookie
    wall) must not cluster as copies of articles.
    """
    eligible = np.flatnonzero(np.asarray(words) >= max(min_words, 1))
    if eligible.size < 2:
        return np.empty((0, 2), dtype=np.int64)
    if eligible.size == keys.shape[0]:
        return candidate_pairs(keys, jobs=jobs)
    return eligible[candidate_pairs(keys[eligible], jobs=jobs)]


def candidates_from(
    keys: np.ndarray,
    words: np.ndarray,
    sentences: Sequence[np.ndarray],
    min_words: int,
    lsh: np.ndarray | None = None,
    jobs: int = 1,
) -> np.ndarray:
    """Step 4: sorted unique pairs colliding in an LSH band or sharing a verbatim sentence.

    ``keys`` are the documents' LSH band keys, ``sentences`` their sentence hashes (without
    boilerplate); ``lsh`` the band collisions if already found (:func:`lsh_candidates`: they
    do not depend on boilerplate, which is learned after signing). Documents shorter than
    ``min_words`` are left out. Sorting runs on ``jobs`` threads.
    """
    count = keys.shape[0]
    eligible = np.flatnonzero(np.asarray(words) >= max(min_words, 1))
    if eligible.size < 2:
        return np.empty((0, 2), dtype=np.int64)
    if lsh is None:
        lsh = lsh_candidates(keys, words, min_words, jobs)
    flat = Ragged.of(sentences)
    if eligible.size == count:  # the usual case: no copy of every document's sentences
        hashes, owners = flat.values, np.repeat(np.arange(count, dtype=np.int32), flat.lengths)
    else:
        hashes, owners = flat.select(eligible)
    by_sentence = pairs_sharing(hashes, owners, count, jobs=jobs)
    pairs = np.concatenate([lsh.reshape(-1, 2), by_sentence]).astype(np.int64)
    if pairs.size == 0:
        return pairs.reshape(0, 2)
    codes = unique(pairs[:, 0] * count + pairs[:, 1])  # one sort of int64, not of rows
    return np.stack((codes // count, codes % count), axis=1)


def first_components(keys: np.ndarray, pairs: np.ndarray, rows: int) -> np.ndarray:
    """A cheap first clustering for boilerplate learning: component labels of the candidate
    pairs whose band keys agree as often as a Jaccard of :data:`FIRST_PASS_JACCARD` implies
    (a band of ``rows`` rows agrees with probability ``J**rows``). Full texts, no features."""
    count = keys.shape[0]
    if pairs.size:
        # In chunks: a million documents' first pass has ~13M pairs, and both rows of band keys
        # for all of them at once would take ~6 GB.
        agreeing = np.concatenate(
            [
                (keys[chunk[:, 0]] == keys[chunk[:, 1]]).mean(axis=1)
                for chunk in np.array_split(pairs, max(1, len(pairs) // _PAIR_CHUNK))
            ]
        )
        pairs = pairs[agreeing >= FIRST_PASS_JACCARD**rows]
    return component_labels(count, pairs)


class EvidenceCache:
    """Evidence per document pair, computed once: it depends on features, not on the rule,
    so rules can be swept over one cache (``dupfind eval --sweep``)."""

    def __init__(self, features: Sequence[Features]) -> None:
        self.features = features
        self._memo: dict[tuple[int, int], Evidence] = {}

    def __call__(self, left: int, right: int) -> Evidence:
        key = (left, right) if left < right else (right, left)
        evidence = self._memo.get(key)
        if evidence is None:
            evidence = Evidence.of(self.features[key[0]], self.features[key[1]])
            self._memo[key] = evidence
        return evidence


def verify_candidates(
    pairs: np.ndarray, evidence: EvidenceCache, rule: DecisionRule
) -> list[tuple[int, int, Evidence]]:
    """Step 5: the candidate pairs the rule accepts, with their evidence, in pair order."""
    accepted = []
    for left, right in pairs.tolist():
        found = evidence(left, right)
        if rule.accepts(found):
            accepted.append((left, right, found))
    return accepted


def form_clusters(
    prepared: Prepared,
    verified: list[tuple[int, int, Evidence]],
    options: ScanOptions,
    evidence: EvidenceCache,
) -> list[Cluster]:
    """Step 6: clusters by guarded agglomeration, strongest pairs first, and their members.

    Two groups merge only when at least ``merge_support`` of the pairs between them are
    copies too, so an article carrying a second report's paragraphs cannot chain two stories.
    """
    rule = options.rule()
    order = sorted(verified, key=lambda item: (-item[2].jaccard, item[0], item[1]))
    groups = guarded_components(
        len(prepared.features),
        [(a, b) for a, b, _ in order],
        lambda a, b: rule.accepts(evidence(a, b)),
        support=options.merge_support,
    )
    return _clusters(prepared, groups, verified, evidence)


def _clusters(
    prepared: Prepared,
    groups: list[list[int]],
    verified: list[tuple[int, int, Evidence]],
    evidence: EvidenceCache,
) -> list[Cluster]:
    group_of = {node: index for index, members in enumerate(groups) for node in members}
    weights: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    for left, right, evidence in verified:
        if group_of.get(left, -1) == group_of.get(right, -2):
            weights[group_of[left]].append((left, right, evidence.jaccard))
    features, infos = prepared.features, prepared.infos
    lengths = [f.shingles.size for f in features]
    ids = [info.id for info in infos]
    built = []
    for index, members in enumerate(groups):
        canonical = choose_canonical(members, weights[index], lengths, ids)
        others = sorted((m for m in members if m != canonical), key=lambda m: ids[m])
        built.append(
            [_member(prepared, canonical, None)]
            + [_member(prepared, m, Evidence.of(features[canonical], features[m])) for m in others]
        )
    built.sort(key=lambda members: (-len(members), members[0].id))
    return [Cluster(number=i + 1, members=tuple(m)) for i, m in enumerate(built)]


def _member(prepared: Prepared, index: int, evidence: Evidence | None) -> Member:
    info, features = prepared.infos[index], prepared.features[index]
    is_canonical = evidence is None
    if evidence is None:  # the canonical member against itself
        shingles, sentences = features.shingles.size, features.sentences.size
        evidence = Evidence(shingles, 1.0, 1.0, shared_sentences=sentences)
    return Member(
        id=info.id,
        title=info.title,
        path=info.path,
        words=features.words,
        canonical=is_canonical,
        jaccard=evidence.jaccard,
        containment=evidence.containment,
        shared_shingles=evidence.shared,
        shared_sentences=evidence.shared_sentences,
    )


# ------------------------------------------------------------------------------ driving


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch


#: Yields ``(index, text)`` for the given document indexes (``infos`` says where they live).
Reread = Callable[[Sequence[int], Sequence[DocumentInfo]], Iterator[tuple[int, str]]]


def prepare(
    documents: Iterable[Document], options: ScanOptions, reread: Reread | None = None
) -> Prepared:
    """Steps 1-3 over a stream of documents, keeping every document's features in memory.

    For corpora that fit in memory and for rule sweeps (``dupfind eval``); :func:`scan` uses
    :mod:`dupfind.executor`, which keeps only compact arrays and gives the same clusters.
    Learning boilerplate needs a second look at the documents that carry some: ``reread``
    yields ``(index, text)`` for given indexes (files are read again); without it, texts are
    kept for that second look.
    """
    signer = Signer(num_perm=options.num_perm, seed=options.seed)
    infos: list[DocumentInfo] = []
    features: list[Features] = []
    blocks: list[np.ndarray] = []
    kept_texts: list[str] = []
    for batch in _batches(documents, BATCH_SIZE):
        batch_features = extract_batch(batch, options.shingle_size)
        blocks.append(sign_batch(batch_features, signer))
        features.extend(batch_features)
        infos.extend(DocumentInfo(d.id, d.title, d.path) for d in batch)
        if reread is None and options.learn_boilerplate:
            kept_texts.extend(d.text for d in batch)
    signatures = (
        np.concatenate(blocks) if blocks else np.empty((0, options.num_perm), dtype=np.uint32)
    )
    prepared = Prepared(infos, features, signatures, np.empty(0, dtype=np.uint64), options)
    learned = learn_boilerplate(
        band_keys(signatures, *options.bands_rows),
        [f.words for f in features],
        [f.units for f in features],
        [f.unit_words for f in features],
        options,
    )
    if learned.size == 0:
        return prepared
    if reread is None:

        def reread(indexes: Sequence[int], _: Sequence[DocumentInfo]) -> Iterator[tuple[int, str]]:
            return ((i, kept_texts[i]) for i in indexes)

    affected = [i for i, f in enumerate(features) if isin_sorted(f.units, learned).any()]
    fresh = list(features)
    indexes, texts = [], []
    for index, text in reread(affected, infos):
        indexes.append(index)
        texts.append(text)
    for index, features_again in zip(
        indexes, extract_texts(texts, options.shingle_size, learned), strict=True
    ):
        fresh[index] = features_again
    return replace(
        prepared,
        features=fresh,
        boilerplate=learned,
        raw_words=np.array([f.words for f in features], dtype=np.int64),
        candidate_sentences=[without(f.sentences, learned) for f in features],
    )


def learn_boilerplate(
    keys: np.ndarray,
    words: Sequence[int] | np.ndarray,
    units: Sequence[np.ndarray],
    unit_words: Sequence[np.ndarray],
    options: ScanOptions,
    lsh: np.ndarray | None = None,
) -> np.ndarray:
    """Step 3: boilerplate units of a corpus from a first clustering of its full texts.

    Needs only compact per-document arrays (band keys, unit hashes), so the streaming
    executor and :func:`prepare` learn the same set. The first clustering links LSH
    candidates only (``lsh``, found here if not given): :func:`first_components` keeps pairs
    whose keys agree in several bands, and a pair agreeing in a band collides in it, so pairs
    that only share a sentence would be dropped there anyway. At a million documents those
    were 12 million pairs, most linked by furniture sentences, and 10 s of sorting.
    """
    if not options.learn_boilerplate or keys.shape[0] < options.boilerplate_spread:
        return np.empty(0, dtype=np.uint64)
    if lsh is None:
        lsh = lsh_candidates(keys, np.asarray(words), options.min_words)
    component = first_components(keys, lsh, options.bands_rows[1])
    return boilerplate_learning.learn(units, unit_words, component, options.boilerplate_spread)


def without(hashes: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """``hashes`` minus those in the sorted array ``removed``."""
    if removed.size == 0 or hashes.size == 0:
        return hashes
    return hashes[~isin_sorted(hashes, removed)]


def decide(
    prepared: Prepared,
    options: ScanOptions | None = None,
    evidence: EvidenceCache | None = None,
) -> tuple[list[Cluster], ScanStats]:
    """Steps 4-6 with ``options``' rule (which may differ from the one prepared with, as long
    as features and signatures are the same: shingle size, permutations, boilerplate).
    Pass the same ``evidence`` cache to decide many rules over one prepared corpus."""
    options = options or prepared.options
    pairs = find_candidates(prepared, options)
    clusters, verified = decide_pairs(prepared, pairs, options, evidence)
    words = prepared.words_before_boilerplate()
    stats = ScanStats(
        documents=len(prepared.features),
        short=int((words < max(options.min_words, 1)).sum()),
        boilerplate_units=int(prepared.boilerplate.size),
        candidate_pairs=len(pairs),
        verified_pairs=verified,
        clusters=len(clusters),
        duplicate_documents=sum(len(c.members) - 1 for c in clusters),
    )
    return clusters, stats


def decide_pairs(
    prepared: Prepared,
    pairs: np.ndarray,
    options: ScanOptions,
    evidence: EvidenceCache | None = None,
) -> tuple[list[Cluster], int]:
    """Steps 5-6 for given candidate pairs: the clusters and the number of verified pairs."""
    evidence = evidence or EvidenceCache(prepared.features)
    verified = verify_candidates(pairs, evidence, options.rule())
    return form_clusters(prepared, verified, options, evidence), len(verified)


def scan_documents(
    documents: Iterable[Document],
    options: ScanOptions | None = None,
    problems: list[Problem] | None = None,
    *,
    jobs: int = 1,
    reread_files: bool = False,
    read_options: ReadOptions | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Cluster near-duplicate documents from any iterable of :class:`Document`.

    Runs on the local executor (:mod:`dupfind.executor`) with ``jobs`` processes. With
    ``reread_files`` the documents' files are read again for verification instead of keeping
    every text in memory (what :func:`scan` does for files).
    """
    from dupfind import executor  # the executor builds on this module's stages

    options = options or ScanOptions()
    started = time.perf_counter()
    outcome = executor.run(
        documents,
        options,
        jobs=jobs,
        keep_texts=not reread_files,
        read_options=read_options,
        on_problem=on_problem,
        progress=progress,
    )
    outcome.stats.skipped = sum(1 for p in problems or () if p.fatal)
    return ScanResult(
        options=options,
        stats=outcome.stats,
        clusters=outcome.clusters,
        problems=list(problems or ()),
        seconds=time.perf_counter() - started,
        boilerplate=outcome.boilerplate,
    )


def compare(left: str, right: str, options: ScanOptions | None = None) -> tuple[Evidence, bool]:
    """Exact evidence for two texts and whether the scan's decision rule calls them copies
    (without corpus boilerplate: two texts are not a corpus)."""
    options = options or ScanOptions()
    evidence = Evidence.of(
        extract(left, options.shingle_size), extract(right, options.shingle_size)
    )
    return evidence, options.rule().accepts(evidence)


def files_reader(read_options: ReadOptions | None = None) -> Reread:
    """A :data:`Reread` that reads documents again from their files (each file once), the way
    the scan read them (``read_options``: format and record fields)."""

    def reread(indexes: Sequence[int], infos: Sequence[DocumentInfo]) -> Iterator[tuple[int, str]]:
        by_path: dict[str, dict[str, int]] = defaultdict(dict)
        for index in indexes:
            by_path[infos[index].path][infos[index].id] = index
        for path, wanted in by_path.items():
            for document in read_again(path, wanted, options=read_options):
                if document.id in wanted:
                    yield wanted[document.id], document.text

    return reread


def scan(
    paths: Sequence[str],
    options: ScanOptions | None = None,
    *,
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
    stdin: TextIO | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    read_options: ReadOptions | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
) -> ScanResult:
    """Find and cluster near-duplicate articles in files and folders.

    Problems (unreadable files, guessed encodings) are passed to ``on_problem`` as they occur
    and listed in the result; a path that does not exist raises
    :class:`dupfind.sources.SourceError` before anything is read. ``read_options`` force an
    input format and name the fields of JSON records (:class:`dupfind.sources.ReadOptions`).
    """
    problems: list[Problem] = []

    def record(problem: Problem) -> None:
        problems.append(problem)
        if on_problem is not None:
            on_problem(problem)

    documents = iter_sources(
        paths,
        include=include,
        exclude=exclude,
        stdin=stdin,
        options=read_options,
        on_problem=record,
    )
    result = scan_documents(
        documents,  # type: ignore[arg-type]  # pending files are read by the executor
        options,
        problems,
        jobs=jobs,
        reread_files=not _reads_stdin(paths, read_options),
        read_options=read_options,
        on_problem=record,
        progress=progress,
    )
    result.problems = problems
    result.stats.skipped = sum(1 for p in problems if p.fatal)
    return result


def _reads_stdin(paths: Sequence[str], read_options: ReadOptions | None) -> bool:
    """Whether documents come from standard input itself (which cannot be read twice)."""
    return "-" in paths and read_options is not None and read_options.input_format is not None

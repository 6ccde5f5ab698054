"""Checking new documents against an index of published ones, and adding them to it.

A feed's CI asks two questions of a batch of new items: does one repeat an article already
published (the index, :mod:`dupfind.index`), and do some repeat each other? :func:`check`
answers both with the same stages and the same decision rule as ``dupfind scan``:

1. documents whose id is indexed with the same content hash are already published: skipped;
2. the others are featurized without the index's learned boilerplate (plus what the batch
   itself teaches, when it is large enough: :func:`featurize`), and signed;
3. **batch**: :func:`dupfind.pipeline.decide` clusters them among themselves (candidates,
   verification, guarded merging, as a scan does); each non-canonical member of a cluster is a
   match of its canonical member;
4. **index**: candidates are the indexed documents sharing an LSH band key (of the
   boilerplate-free features' signatures, as stored) or a verbatim sentence with a new one
   (indexed lookups, not a scan of the index); each is verified with
   :meth:`dupfind.verify.Evidence.of` on the stored features and accepted by
   :meth:`dupfind.verify.DecisionRule.accepts`. Stored features are 32-bit
   (:func:`dupfind.index.narrow_features`), so new ones are narrowed the same way first. A
   changed document is not compared with its own previous version (same id, or same file and
   record).

:func:`add_documents` (``dupfind index add``, ``check --update``) stores documents featurized
the same way and the boilerplate learned from them. Documents indexed before a boilerplate
line was learned keep it in their stored features until they are added again with new content
(or removed and added again): boilerplate only grows, features are never recomputed without
their text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import PurePath

import numpy as np

from dupfind.align import Alignment, align
from dupfind.arrays import unique
from dupfind.documents import Document, Problem
from dupfind.features import Features
from dupfind.index import (
    IndexEntry,
    IndexParams,
    IndexStore,
    NewEntry,
    UpsertResult,
    content_hash,
    narrow_features,
)
from dupfind.lsh import band_keys
from dupfind.minhash import Signer
from dupfind.pipeline import (
    DocumentInfo,
    EvidenceCache,
    Prepared,
    ScanOptions,
    decide,
    extract_batch,
    learn_boilerplate,
    sign_batch,
    without,
)
from dupfind.sources import ReadOptions, read_again
from dupfind.verify import Evidence

INDEX, BATCH = "index", "batch"


@dataclass(frozen=True)
class MatchSide:
    """One document of a match, as reports show it."""

    id: str
    path: str
    title: str
    words: int


@dataclass(frozen=True)
class Match:
    """A new document (``new``) that repeats ``matched``: an indexed document (``where`` is
    ``"index"``) or another new one (``"batch"``: the canonical member of their cluster)."""

    new: MatchSide
    matched: MatchSide
    where: str
    evidence: Evidence


@dataclass
class CheckStats:
    documents: int = 0  # documents read
    skipped: int = 0  # unreadable sources, reported and skipped
    unchanged: int = 0  # already indexed with the same content: not checked again
    checked: int = 0
    short: int = 0  # checked documents under --min-words (never matched)
    indexed: int = 0  # documents in the index
    boilerplate_units: int = 0  # in the index
    learned_boilerplate: int = 0  # learned from this batch, not yet in the index
    candidate_pairs: int = 0  # new-vs-index candidates, plus the batch's
    verified_pairs: int = 0
    duplicate_documents: int = 0  # new documents with at least one match


@dataclass
class CheckResult:
    """Everything a check found; renderers only format it."""

    options: ScanOptions
    params: IndexParams
    stats: CheckStats
    matches: list[Match]
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    #: The boilerplate the new documents were featurized without (index's and learned).
    boilerplate: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    #: Units learned from this batch that the index lacks (stored by an update).
    learned: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    #: The checked documents as an update would store them.
    entries: list[NewEntry] = field(default_factory=list)
    #: Texts of the new documents that have matches, for the diff view.
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def duplicates(self) -> list[str]:
        """Ids of the new documents with at least one match, sorted."""
        return sorted({m.new.id for m in self.matches})


@dataclass
class Featurized:
    """A batch after featurization, as :func:`dupfind.pipeline.prepare` leaves a corpus.

    ``features`` leave out the boilerplate (64-bit); ``signatures`` are theirs: what the index
    stores and looks up. ``first_signatures``, ``raw_words`` and ``candidate_sentences`` are
    those of the first pass (only the index's boilerplate left out), which a scan's candidate
    generation reads: the batch is clustered exactly as a scan of it would be.
    """

    features: list[Features]
    signatures: np.ndarray
    first_signatures: np.ndarray
    raw_words: np.ndarray
    candidate_sentences: list[np.ndarray]
    learned: np.ndarray
    boilerplate: np.ndarray

    def prepared(self, documents: Sequence[Document], options: ScanOptions) -> Prepared:
        """The batch as :func:`dupfind.pipeline.decide` takes a corpus."""
        return Prepared(
            infos=[DocumentInfo(d.id, d.title, d.path) for d in documents],
            features=self.features,
            signatures=self.first_signatures,
            boilerplate=self.boilerplate,
            options=options,
            raw_words=self.raw_words,
            candidate_sentences=self.candidate_sentences,
        )


def options_for(options: ScanOptions, params: IndexParams) -> ScanOptions:
    """``options`` with the index's featurization parameters (the rule stays the caller's)."""
    return replace(
        options,
        shingle_size=params.shingle_size,
        num_perm=params.num_perm,
        seed=params.seed,
        lsh_threshold=params.lsh_threshold,
    )


def params_for(options: ScanOptions) -> IndexParams:
    """The parameters of a new index made with ``options``."""
    return IndexParams.create(
        options.shingle_size, options.num_perm, options.seed, options.lsh_threshold
    )


def featurize(documents: Sequence[Document], options: ScanOptions, known: np.ndarray) -> Featurized:
    """Features and signatures of ``documents`` without the ``known`` boilerplate units.

    With ``options.learn_boilerplate``, more is learned from the batch with scan's own step
    (:func:`dupfind.pipeline.learn_boilerplate`: a first clustering, then units spread across
    unrelated clusters) and the documents carrying it are featurized again. For a new index
    (nothing ``known``) this is what :func:`dupfind.pipeline.prepare` does.
    """
    known = unique(np.asarray(known, dtype=np.uint64))
    known_set = frozenset(known.tolist())
    signer = Signer(num_perm=options.num_perm, seed=options.seed)
    features = extract_batch(documents, options.shingle_size, known_set)
    first = sign_batch(features, signer)
    raw_words = np.array([f.words for f in features], dtype=np.int64)
    sentences = [f.sentences for f in features]
    learned = np.empty(0, dtype=np.uint64)
    if options.learn_boilerplate and features:
        found = learn_boilerplate(
            band_keys(first, *options.bands_rows),
            raw_words,
            [f.units for f in features],
            [f.unit_words for f in features],
            options,
        )
        learned = np.setdiff1d(found, known)
    signatures = first.copy()
    if learned.size:
        union = known_set | frozenset(learned.tolist())
        affected = [i for i, f in enumerate(features) if np.isin(f.units, learned).any()]
        fresh = extract_batch([documents[i] for i in affected], options.shingle_size, union)
        if affected:
            signatures[affected] = sign_batch(fresh, signer)
        for i, f in zip(affected, fresh, strict=True):
            features[i] = f
    return Featurized(
        features=features,
        signatures=signatures,
        first_signatures=first,
        raw_words=raw_words,
        candidate_sentences=[without(s, learned) for s in sentences],
        learned=learned,
        boilerplate=np.union1d(known, learned),
    )


def _record_key(doc_id: str, path: str) -> str | None:
    """The record part of a record's id (``feed.jsonl#42`` -> ``42``), None for a file."""
    posix = PurePath(path).as_posix()
    for position in (i for i, char in enumerate(doc_id) if char == "#"):
        prefix = doc_id[:position]
        if posix == prefix or posix.endswith("/" + prefix):
            return doc_id[position + 1 :]
    return None


def same_source(document: Document | MatchSide, entry: IndexEntry) -> bool:
    """Whether an indexed entry is an earlier version of ``document``: the same id, or the
    same file (and record) under another id (``check content/a.md`` vs ``index add content``)."""
    if document.id == entry.id:
        return True
    if os.path.realpath(document.path) != os.path.realpath(entry.path):
        return False
    return _record_key(document.id, document.path) == _record_key(entry.id, entry.path)


def _side(document: Document, features: Features) -> MatchSide:
    return MatchSide(document.id, document.path, document.title, features.words)


def _fresh(
    documents: Iterable[Document],
    store: IndexStore | None,
    moved: bool = False,
    chunk: int = 1000,
) -> tuple[list[Document], list[str], int]:
    """The documents that are not indexed with the same content (with their content hashes),
    and how many documents were read. With ``moved``, also unchanged documents whose path or
    title changed (so an add refreshes them). Streams: unchanged texts are not kept."""
    fresh: list[Document] = []
    hashes: list[str] = []
    seen = 0
    iterator = iter(documents)
    while block := list(islice(iterator, chunk)):
        seen += len(block)
        digests = [content_hash(d.text) for d in block]
        indexed = store.entries(d.id for d in block) if store is not None else {}
        for document, digest in zip(block, digests, strict=True):
            entry = indexed.get(document.id)
            if (
                entry is None
                or entry.content_hash != digest
                or (moved and (entry.path, entry.title) != (document.path, document.title))
            ):
                fresh.append(document)
                hashes.append(digest)
    # Ids are unique per read (dupfind.sources), but a caller may pass repeats: keep the last.
    last = {d.id: n for n, d in enumerate(fresh)}
    if len(last) < len(fresh):
        keep = sorted(last.values())
        fresh, hashes = [fresh[n] for n in keep], [hashes[n] for n in keep]
    return fresh, hashes, seen


def check(
    documents: Iterable[Document],
    store: IndexStore | None,
    options: ScanOptions,
    problems: Sequence[Problem] = (),
) -> CheckResult:
    """Check ``documents`` against ``store`` (None: no index yet) and against each other."""
    started = time.perf_counter()
    params = store.params if store is not None else params_for(options)
    options = options_for(options, params)
    batch, hashes, seen = _fresh(documents, store)
    known = store.boilerplate() if store is not None else np.empty(0, dtype=np.uint64)
    featurized = featurize(batch, options, known)
    features = featurized.features
    min_words = max(options.min_words, 1)
    stats = CheckStats(
        documents=seen,
        skipped=sum(1 for p in problems if p.fatal),
        unchanged=seen - len(batch),
        checked=len(batch),
        short=int((featurized.raw_words < min_words).sum()),
        indexed=store.count() if store is not None else 0,
        boilerplate_units=int(known.size),
        learned_boilerplate=int(featurized.learned.size),
    )
    matches = _batch_matches(batch, featurized, options, stats)
    if store is not None:
        matches += _index_matches(batch, featurized, store, options, stats)
    matches.sort(key=lambda m: (m.new.id, m.where != INDEX, -m.evidence.jaccard, m.matched.id))
    stats.duplicate_documents = len({m.new.id for m in matches})
    entries = [
        NewEntry(d.id, d.path, d.title, hashes[n], f, featurized.signatures[n])
        for n, (d, f) in enumerate(zip(batch, features, strict=True))
    ]
    matched = {m.new.id for m in matches} | {m.matched.id for m in matches if m.where == BATCH}
    return CheckResult(
        options=options,
        params=params,
        stats=stats,
        matches=matches,
        problems=list(problems),
        seconds=time.perf_counter() - started,
        boilerplate=featurized.boilerplate,
        learned=featurized.learned,
        entries=entries,
        texts={d.id: d.text for d in batch if d.id in matched},
    )


def _batch_matches(
    batch: list[Document], featurized: Featurized, options: ScanOptions, stats: CheckStats
) -> list[Match]:
    """New documents that copy each other: the scan's clusters over the batch."""
    features = featurized.features
    evidence = EvidenceCache(features)
    clusters, scan_stats = decide(featurized.prepared(batch, options), options, evidence)
    stats.candidate_pairs += scan_stats.candidate_pairs
    stats.verified_pairs += scan_stats.verified_pairs
    position = {d.id: i for i, d in enumerate(batch)}
    matches = []
    for cluster in clusters:
        canonical = position[cluster.canonical.id]
        for member in cluster.members[1:]:
            copy = position[member.id]
            matches.append(
                Match(
                    new=_side(batch[copy], features[copy]),
                    matched=_side(batch[canonical], features[canonical]),
                    where=BATCH,
                    evidence=evidence(canonical, copy),
                )
            )
    return matches


def _index_matches(
    batch: list[Document],
    featurized: Featurized,
    store: IndexStore,
    options: ScanOptions,
    stats: CheckStats,
) -> list[Match]:
    """New documents that repeat indexed ones: indexed lookups, then exact verification."""
    features, min_words = featurized.features, max(options.min_words, 1)
    eligible = np.array(  # as scan's candidates: long enough before boilerplate removal
        [
            i
            for i, f in enumerate(features)
            if featurized.raw_words[i] >= min_words and f.shingles.size
        ],
        dtype=np.int64,
    )
    if eligible.size == 0:
        return []
    params = store.params
    keys = band_keys(featurized.signatures[eligible], params.bands, params.rows)
    by_band = store.candidates_by_bands(keys)
    sentence_sets = [features[i].sentences for i in eligible]
    owners = np.repeat(np.arange(eligible.size), [s.size for s in sentence_sets])
    hashes = np.concatenate(sentence_sets) if sentence_sets else np.empty(0, dtype=np.uint64)
    by_sentence = store.candidates_by_sentences(hashes, owners)
    pairs = np.unique(np.concatenate([by_band, by_sentence]).reshape(-1, 2), axis=0)
    stats.candidate_pairs += len(pairs)
    loaded = store.load(pairs[:, 1].tolist())
    rule = options.rule()
    narrowed: dict[int, Features] = {}
    matches = []
    for query, key in pairs.tolist():
        i = int(eligible[query])
        entry, stored = loaded.get(key, (None, None))
        if entry is None or stored is None:
            continue
        if same_source(batch[i], entry):
            continue
        if i not in narrowed:
            narrowed[i] = narrow_features(features[i])
        evidence = Evidence.of(stored, narrowed[i])
        if rule.accepts(evidence):
            stats.verified_pairs += 1
            matched = MatchSide(entry.id, entry.path, entry.title, entry.words)
            matches.append(Match(_side(batch[i], features[i]), matched, INDEX, evidence))
    return matches


def update(result: CheckResult, store: IndexStore) -> UpsertResult:
    """Store the checked documents and the boilerplate learned from them (one transaction)."""
    return store.upsert(result.entries, result.learned)


@dataclass
class AddResult:
    """What ``index add`` did: ids added and replaced, how many documents were unchanged,
    how many boilerplate units it learned."""

    added: list[str]
    replaced: list[str]
    unchanged: int
    boilerplate_added: int
    documents: int = 0  # documents read
    seconds: float = 0.0


def add_documents(
    documents: Iterable[Document], store: IndexStore, options: ScanOptions
) -> AddResult:
    """Add documents to ``store``: unchanged ones (same id and content hash) are skipped before
    any featurization; the rest are featurized without the index's boilerplate (and what
    this batch teaches) and written with the learned units in one transaction."""
    started = time.perf_counter()
    options = options_for(options, store.params)
    fresh, hashes, seen = _fresh(documents, store, moved=True)
    featurized = featurize(fresh, options, store.boilerplate())
    entries = [
        NewEntry(d.id, d.path, d.title, hashes[n], f, featurized.signatures[n])
        for n, (d, f) in enumerate(zip(fresh, featurized.features, strict=True))
    ]
    written = store.upsert(entries, featurized.learned)
    return AddResult(
        added=sorted(written.added),
        replaced=sorted(written.replaced),
        unchanged=seen - len(fresh) + len(written.unchanged),
        boilerplate_added=written.boilerplate_added,
        documents=seen,
        seconds=time.perf_counter() - started,
    )


def read_indexed_text(entry: MatchSide, options: ReadOptions | None = None) -> str | None:
    """The text of an indexed document read again from its stored path, or None when the
    file is gone or no longer holds it."""
    if not entry.path or not os.path.isfile(entry.path):
        return None
    try:
        for document in read_again(entry.path, [entry.id], options=options):
            if document.id == entry.id:
                return document.text
    except OSError:
        return None
    return None


def match_aligner(
    result: CheckResult, options: ReadOptions | None = None
) -> Callable[[Match], Alignment | None]:
    """Aligns each match's matched document (as the canonical side, A) with its new one (B),
    reading an indexed document again from its stored path; None when a text is missing.
    Each text is read once; alignments are cached."""
    indexed: dict[str, str | None] = {}
    cache: dict[tuple[str, str, str], Alignment | None] = {}

    def text_of(side: MatchSide, where: str) -> str | None:
        if where == BATCH:
            return result.texts.get(side.id)
        if side.id not in indexed:
            indexed[side.id] = read_indexed_text(side, options)
        return indexed[side.id]

    def aligner(match: Match) -> Alignment | None:
        key = (match.new.id, match.where, match.matched.id)
        if key not in cache:
            new, matched = result.texts.get(match.new.id), text_of(match.matched, match.where)
            cache[key] = None if new is None or matched is None else align(matched, new)
        return cache[key]

    return aligner

"""Index scale: building an index of N documents, then checking 1,000 new ones against it.

Checks the claim "checking 1,000 new documents against an index of 100,000 takes seconds, not
minutes" and measures the index's size per document, on synthetic news from :mod:`generate`
(no files, no real text):

1. ``--docs`` articles (100,000) from ``generate_articles(docs, seed)`` are added to a fresh
   index (``dupfind.check.add_documents``: featurize, learn boilerplate, one transaction per
   ``--batch`` of 10,000 documents, as ``dupfind index add`` does per command); prints
   documents per second;
2. ``--new`` documents (1,000): ``--copies`` (200) outlet copies of indexed articles
   (``generate.make_copy``) and fresh articles from another seed (which hold planted copies
   of each other); ``dupfind.check.check`` is timed twice (the second run with the index's
   pages in the OS cache), and the script reports how many planted copies were found;
3. the index's size on disk, bytes per document, and the share of each table (SQLite's
   ``dbstat`` table, when the sqlite3 library has it);
4. ``--verify`` (5,000): on that many documents, every candidate pair a scan proposes is
   verified on 64-bit features and on the 32-bit features the index stores; the script prints
   how many decisions differ (the index's narrowing must not change any).

Run: ``python benchmarks/bench_index.py [--docs 100000] [--new 1000] [--copies 200]
[--batch 10000] [--seed 7] [--index PATH] [--verify 5000]``. The index is written to a
temporary folder and deleted unless ``--index`` names a path.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

import numpy as np
from generate import generate_articles, make_copy

from dupfind.check import add_documents, check, featurize, params_for
from dupfind.documents import Document
from dupfind.features import extract
from dupfind.index import SQLiteIndex, narrow_features
from dupfind.lsh import band_keys
from dupfind.minhash import Signer
from dupfind.pipeline import DocumentInfo, EvidenceCache, Prepared, ScanOptions, find_candidates
from dupfind.verify import Evidence


def _documents(rows: Iterator[tuple[str, str, int]], prefix: str) -> Iterator[Document]:
    for doc_id, text, _ in rows:
        title = text.split("\n", 1)[0]
        yield Document(id=prefix + doc_id, text=text, title=title, path=f"{prefix}{doc_id}.txt")


def build(store: SQLiteIndex, docs: int, seed: int, batch: int, options: ScanOptions) -> float:
    """Add ``docs`` generated articles in batches; returns the seconds taken."""
    stream = _documents(generate_articles(docs, seed), "")
    started = time.perf_counter()
    added = 0
    while chunk := list(islice(stream, batch)):
        t = time.perf_counter()
        result = add_documents(chunk, store, options)
        added += len(result.added)
        print(
            f"  added {added:,} documents ({len(chunk) / (time.perf_counter() - t):,.0f} docs/s"
            f" for this batch, {result.boilerplate_added} boilerplate units)",
            file=sys.stderr,
        )
    return time.perf_counter() - started


def new_documents(
    docs: int, seed: int, new: int, copies: int
) -> tuple[list[Document], dict[str, str], dict[str, str]]:
    """``copies`` copies of indexed articles, then fresh articles; what each copy copies, and
    the copied originals' texts."""
    rng = np.random.default_rng(seed + 1000)
    sources = set(rng.choice(docs, size=copies, replace=False).tolist())
    originals: dict[str, str] = {}
    texts: dict[str, str] = {}
    made = []
    for position, (doc_id, text, _) in enumerate(generate_articles(docs, seed)):
        if position in sources:
            copy_id = f"copy/{doc_id}"
            made.append(Document(copy_id, make_copy(rng, text), "", f"{copy_id}.txt"))
            originals[copy_id] = doc_id
            texts[doc_id] = text
    fresh = list(_documents(generate_articles(new - copies, seed + 1), "new/"))
    return made + fresh, originals, texts


def rule_on_full_features(
    copies: list[Document], originals: dict[str, str], texts: dict[str, str], store, options
) -> int:
    """Planted copies the rule accepts against their originals on 64-bit features made now
    with the index's boilerplate (what a scan with that boilerplate decides)."""
    known = frozenset(store.boilerplate().tolist())
    rule, k = options.rule(), options.shingle_size
    return sum(
        rule.accepts(
            Evidence.of(extract(texts[originals[c.id]], k, known), extract(c.text, k, known))
        )
        for c in copies
    )


def candidate_recall(store: SQLiteIndex, copies: list[Document], originals: dict, options) -> int:
    """How many planted copies have their original among their index candidates (band keys
    or shared sentences): the lookup's recall, before the decision rule."""
    featurized = featurize(copies, options, store.boilerplate())
    params = store.params
    keys = band_keys(featurized.signatures, params.bands, params.rows)
    pairs = [store.candidates_by_bands(keys)]
    for n, features in enumerate(featurized.features):
        owners = np.full(features.sentences.size, n)
        pairs.append(store.candidates_by_sentences(features.sentences, owners))
    found = np.unique(np.concatenate(pairs), axis=0)
    entries = store.load(found[:, 1].tolist())
    hits = {(copies[q].id, entries[k][0].id) for q, k in found.tolist()}
    return sum((c.id, originals[c.id]) in hits for c in copies)


def table_sizes(path: Path) -> dict[str, int]:
    """Bytes per table and index (SQLite's dbstat), empty without dbstat."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        try:
            rows = connection.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.Error:
            return {}
    return dict(rows)


def verify_narrowing(count: int, seed: int, options: ScanOptions) -> tuple[int, int, int]:
    """(candidate pairs, decisions that differ, shared-shingle counts that differ) between
    64-bit and the index's 32-bit features, over a scan's candidates of ``count`` docs."""
    texts = [text for _, text, _ in generate_articles(count, seed + 2)]
    full = [extract(t, options.shingle_size) for t in texts]
    narrow = [narrow_features(f) for f in full]
    signatures = Signer(options.num_perm, options.seed).sign([f.shingles for f in full])
    infos = [DocumentInfo(str(i), "", "") for i in range(count)]
    prepared = Prepared(infos, full, signatures, np.empty(0, np.uint64), options)
    pairs = find_candidates(prepared, options)
    rule = options.rule()
    wide_cache = EvidenceCache(full)
    decisions = shared = 0
    for left, right in pairs.tolist():
        wide = wide_cache(left, right)
        slim = Evidence.of(narrow[left], narrow[right])
        decisions += rule.accepts(wide) != rule.accepts(slim)
        shared += wide.shared != slim.shared
    return len(pairs), decisions, shared


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--verify", type=int, default=5_000)
    args = parser.parse_args(argv)
    options = ScanOptions()

    with tempfile.TemporaryDirectory(prefix="dupfind-bench-") as scratch:
        path = args.index or Path(scratch) / "index.db"
        if path.exists():
            parser.error(f"{path} exists: give a new path")
        print(f"building an index of {args.docs:,} documents at {path}", file=sys.stderr)
        with SQLiteIndex.open(path, create=params_for(options)) as store:
            seconds = build(store, args.docs, args.seed, args.batch, options)
        size = path.stat().st_size
        print(
            f"add: {args.docs:,} documents in {seconds:.1f} s ({args.docs / seconds:,.0f} docs/s)"
        )
        print(f"index: {size / 1e6:,.1f} MB on disk, {size / args.docs:,.0f} bytes/document")
        sizes = table_sizes(path)
        if sizes:
            parts = ", ".join(
                f"{name} {100 * value / size:.0f}% ({value / args.docs:,.0f} B/doc)"
                for name, value in sizes.items()
                if value / size >= 0.005
            )
            print(f"  by table: {parts}")

        documents, originals, texts = new_documents(args.docs, args.seed, args.new, args.copies)
        for run in ("first", "second"):
            with SQLiteIndex.open(path) as store:
                started = time.perf_counter()
                result = check(documents, store, options)
                elapsed = time.perf_counter() - started
            found = {m.new.id for m in result.matches if originals.get(m.new.id) == m.matched.id}
            stats = result.stats
            print(
                f"check ({run} run): {len(documents):,} new documents against {args.docs:,} in "
                f"{elapsed:.2f} s; {stats.candidate_pairs:,} candidate pairs, "
                f"{stats.verified_pairs:,} verified, {stats.duplicate_documents} duplicates "
                f"({sum(m.where == 'batch' for m in result.matches)} batch matches); "
                f"planted copies found: {len(found)}/{len(originals)}"
            )
        with SQLiteIndex.open(path) as store:
            planted = [d for d in documents if d.id in originals]
            recalled = candidate_recall(store, planted, originals, options)
            accepted = rule_on_full_features(planted, originals, texts, store, options)
        print(
            f"planted copies with their original among the candidates: {recalled}/{len(planted)};"
            f" accepted by the rule on 64-bit features: {accepted}/{len(planted)}"
        )
        if args.verify:
            pairs, decisions, shared = verify_narrowing(args.verify, args.seed, options)
            print(
                f"32-bit vs 64-bit features on {args.verify:,} documents: {pairs:,} candidate "
                f"pairs, {decisions} decisions differ, {shared} shared-shingle counts differ"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

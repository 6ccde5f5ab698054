"""Alignment speed: one copy against its original, and whole clusters.

Checks the claim "aligning two 1,500-word articles takes well under 50 ms; a cluster of 50
members aligns in time linear in its members" on synthetic wire copies from
:mod:`generate` (no files, no real text):

1. a ~1,500-word agency original and ``--copies`` outlet copies of it (trimmed, padded,
   edited, re-wrapped, with furniture: see :func:`generate.make_copy`);
2. ``dupfind.align.align(canonical, copy)`` on text, each copy ``--repeat`` times: the median
   of a copy's runs is its time; the table gives the median and p95 over copies. The same with
   the canonical segmented once (``segment``), as ``align_cluster`` does. Three kinds of
   second text: untrimmed copies (both sides ~1,500 words, the claim), copies as the corpus
   generator makes them (last 0-60% of paragraphs dropped), and decoys (the same event written
   up independently: no shared sentence, so the similarity step does the most work);
3. ``dupfind.diffs.align_cluster`` on clusters of 10, 20, 50 and 100 members (the original as
   canonical member, copies as the others) with an in-memory ``load_text``: median over
   ``--repeat`` rounds (each round runs every size once, so load bursts hit all sizes), and
   ms per member (total / members), which stays flat when the cost is linear.

Timings use ``time.perf_counter`` after one warm-up run; the garbage collector stays on, as in
a real scan. Run: ``python benchmarks/bench_align.py [--seed 1] [--repeat 5] [--copies 40]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
from generate import make_copy, new_story, write_article

from dupfind.align import align, segment
from dupfind.diffs import align_cluster
from dupfind.pipeline import Cluster, Member

CLUSTER_SIZES = (10, 20, 50, 100)


def _time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` in ms over ``repeat`` runs (after a warm-up run)."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(runs)


def _p95(values: Sequence[float]) -> float:
    return float(np.percentile(values, 95))


def _member(doc_id: str, text: str, canonical: bool) -> Member:
    """A cluster member for in-memory text; scores the benchmark does not need are zero.

    Built from the dataclass fields, so fields added to :class:`Member` later get a zero of
    their type instead of breaking the benchmark.
    """
    known = {
        "id": doc_id,
        "title": text.split("\n", 1)[0],
        "path": f"<memory>/{doc_id}",
        "words": len(text.split()),
        "canonical": canonical,
    }
    zero = {"str": "", "int": 0, "float": 0.0, "bool": False}
    values = {}
    for f in dataclasses.fields(Member):
        if f.name in known:
            values[f.name] = known[f.name]
        elif f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            continue
        else:
            kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
            values[f.name] = zero.get(kind.split("|")[0].strip())
    return Member(**values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time dupfind passage alignment.")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (default 5)")
    parser.add_argument("--copies", type=int, default=40, help="copies timed (default 40)")
    parser.add_argument("--words", type=int, default=1500, help="words in the original")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.copies < 1 or args.words < 10:
        parser.error("need --repeat >= 1, --copies >= 1 and --words >= 10")
    t_start = time.perf_counter()

    rng = np.random.default_rng(args.seed)
    story = new_story(rng)
    canonical = write_article(rng, story, args.words, wire=True)
    n_copies = max(args.copies, max(CLUSTER_SIZES) - 1)
    copies = [make_copy(rng, canonical, story=story) for _ in range(n_copies)]
    seg = segment(canonical)
    # Untrimmed copies: both sides about --words long, the case the claim is about.
    full = [make_copy(rng, canonical, story=story, max_trim=0.0) for _ in range(args.copies)]
    # Same event, different write-up: nothing to match in order, the most similarity checks.
    decoys = [write_article(rng, story, args.words, wire=False) for _ in range(args.copies)]

    # 1. One pair at a time.
    seg_ms = _time(lambda: segment(canonical), args.repeat)
    print(
        f"original: {seg.words:,} words, {len(seg.sentences)} sentences, "
        f"segment() {seg_ms:.1f} ms; {args.copies} copies of each kind, {args.repeat} runs each"
    )
    kinds = (
        ("untrimmed copies", full),
        ("copies", copies[: args.copies]),
        ("decoys (same event, other text)", decoys),
    )
    for label, sample in kinds:
        words = [segment(c).words for c in sample]
        plain = [_time(lambda c=c: align(canonical, c), args.repeat) for c in sample]
        reused = [_time(lambda c=c: align(seg, c), args.repeat) for c in sample]
        print(
            f"align {label} ({min(words):,}-{max(words):,} words, median "
            f"{statistics.median(words):,.0f}): median {statistics.median(plain):.1f} ms, "
            f"p95 {_p95(plain):.1f} ms (segmented canonical: median "
            f"{statistics.median(reused):.1f} ms, p95 {_p95(reused):.1f} ms)"
        )

    # 2. Whole clusters, timed round-robin (one run of each size per round) so that a burst of
    # load on the machine hits every size alike.
    runs: dict[int, Callable[[], object]] = {}
    for size in CLUSTER_SIZES:
        texts = {"m000": canonical} | {f"m{i:03d}": copies[i - 1] for i in range(1, size)}
        members = tuple(_member(k, t, k == "m000") for k, t in texts.items())
        cluster = Cluster(number=1, members=members)

        def run(cluster: Cluster = cluster, texts: dict[str, str] = texts) -> None:
            aligned = align_cluster(cluster, lambda m: texts[m.id])
            assert len(aligned) == len(cluster.members) - 1

        runs[size] = run
    times: dict[int, list[float]] = {size: [] for size in CLUSTER_SIZES}
    for round_ in range(args.repeat + 1):  # round 0 is a warm-up
        for size, run in runs.items():
            t0 = time.perf_counter()
            run()
            if round_:
                times[size].append((time.perf_counter() - t0) * 1e3)
    print()
    print(f"align_cluster, copies as generated, median of {args.repeat} runs:")
    print("cluster members  total ms  ms/member")
    per_member = {}
    for size in CLUSTER_SIZES:
        total = statistics.median(times[size])
        per_member[size] = total / size
        print(f"{size:>15}  {total:>8.1f}  {total / size:>9.2f}")
    first, last = CLUSTER_SIZES[0], CLUSTER_SIZES[-1]
    print(
        f"ms/member at {last} members / at {first} members: "
        f"{per_member[last] / per_member[first]:.2f} (1.00 = linear)"
    )
    print(f"\n(benchmark took {time.perf_counter() - t_start:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

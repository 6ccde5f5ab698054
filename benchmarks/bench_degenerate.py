"""Degenerate inputs: time and memory of ``dupfind scan`` on inputs built to blow it up.

Checks the claim "degenerate inputs stay linear: 10,000 identical copies form one cluster
without verifying 50 million pairs; one 50 MB file, a million empty or one-word files, and a
cluster of 5,000 members do not blow up time or memory". Each case is written to a folder
(a temporary one, or ``--dir``), then ``dupfind scan DIR -f json --no-diff -q --jobs J`` runs
as a subprocess. For each case the script reports:

- wall time, and CPU time (user + system) of the scan and the worker processes it waited for
  (``getrusage(RUSAGE_CHILDREN)`` before and after);
- peak RSS of the whole process tree: every 0.1 s the VmRSS of the scan process and all its
  descendants (from ``/proc``) is summed; the peak is the largest sum seen, so a spike shorter
  than 0.1 s can be missed. **Linux only** (it reads ``/proc``);
- from the JSON: documents, short documents, candidate and verified pairs, clusters, the
  largest cluster's size, and candidate and verified pairs per document (linear means a small
  constant, not a number growing with the input).

Cases (``--cases a,b,c,d``):

a. ``--copies`` (10,000) identical copies of one ~400-word article; expected: one cluster of
   all of them;
b. one file of ``--big-mb`` (50) MB: distinct generated articles concatenated; plus a few
   normal files: an outlet copy of the big file's first article, one of an article from its
   middle, and three unrelated articles; expected: the copy of the middle article does not
   cluster with the big file (shared text must start near the top of both), the copy of the
   first article may;
c. ``--empty-count`` (1,000,000) files, half empty, half one word; expected: no cluster, all
   short. Files go into sub-folders of at most 10,000; writing a million takes a few minutes,
   so progress goes to stderr;
d. one wire story and ``--story-copies`` (5,000) light copies of it (a few words changed, the
   ending sometimes trimmed, sometimes a furniture line), plus ``--unrelated`` (5,000)
   unrelated articles; expected: one cluster of the story and its copies.

Texts come from :mod:`generate` (invented words); no real article is read.

Run: ``python benchmarks/bench_degenerate.py [--cases a,b,c,d] [--copies 10000]
[--big-mb 50] [--empty-count 1000000] [--story-copies 5000] [--unrelated 5000] [--jobs 2]
[--dir PATH] [--seed 7]``. With ``--dir`` the case folders are kept (and reused when they
already hold the same case: a marker file records its parameters).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from generate import generate_articles, make_copy, new_story, write_article

SHARD = 10_000  # files per sub-folder
POLL_SECONDS = 0.1
FURNITURE = (
    "Story continues below the partner panel",
    "Get the Lowmarsh Herald evening briefing in your inbox",
    "Read more from our regional desk on the app",
    "This article has been updated with a correction to a name",
    "Listen to this article (4 min)",
)
ONE_WORDS = ("update", "placeholder", "Brenvalo", "tbd", "Noticia", "404")


# --------------------------------------------------------------------------------------------
# Building the cases
# --------------------------------------------------------------------------------------------


def _shard_path(root: Path, index: int, name: str) -> Path:
    folder = root / f"{index // SHARD:04d}"
    if index % SHARD == 0:
        folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    print(f"  {label}: {done:,}/{total:,} files ({rate:,.0f} files/s)", file=sys.stderr)


def _write_many(root: Path, label: str, texts: Iterator[str], total: int) -> None:
    started = time.perf_counter()
    step = max(SHARD, total // 10)
    for index, text in enumerate(texts):
        _shard_path(root, index, f"{index:07d}.txt").write_text(text, encoding="utf-8")
        if (index + 1) % step == 0 and index + 1 < total:
            _progress(label, index + 1, total, started)
    _progress(label, total, total, started)


def build_identical(root: Path, copies: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    text = write_article(rng, new_story(rng), words=400, wire=True)
    print(f"  article: {len(text.split()):,} words, {len(text):,} characters", file=sys.stderr)
    _write_many(root, "identical copies", (text for _ in range(copies)), copies)
    return {"expected_largest": copies, "expected_prefix": ""}


def build_big_file(root: Path, megabytes: float, seed: int) -> dict:
    target = int(megabytes * 1_000_000)
    root.mkdir(parents=True, exist_ok=True)
    size, count, first, middle = 0, 0, "", ""
    texts: list[str] = []
    # Distinct articles (dup_rate 0: no planted copies inside the big file); generous n, cut
    # once the target size is reached.
    for _, text, _ in generate_articles(max(10, target // 3_000), seed, dup_rate=0.0):
        texts.append(text)
        size += len(text.encode("utf-8")) + 1
        count += 1
        if size >= target:
            break
    first, middle = texts[0], texts[len(texts) // 2]
    (root / "big.txt").write_text("\n".join(texts), encoding="utf-8")
    del texts
    rng = np.random.default_rng(seed + 1)
    story = new_story(rng)
    (root / "copy-of-first.txt").write_text(make_copy(rng, first, story=story), encoding="utf-8")
    (root / "copy-of-middle.txt").write_text(make_copy(rng, middle, story=story), encoding="utf-8")
    for i, (_, text, _) in enumerate(generate_articles(3, seed + 2, dup_rate=0.0)):
        (root / f"other-{i}.txt").write_text(text, encoding="utf-8")
    big = (root / "big.txt").stat().st_size
    print(f"  big.txt: {big / 1e6:.1f} MB, {count:,} articles", file=sys.stderr)
    return {"expected_largest": None, "expected_prefix": None}


def build_empty(root: Path, count: int, seed: int) -> dict:
    del seed  # the texts are fixed

    def texts() -> Iterator[str]:
        for index in range(count):
            yield "" if index % 2 == 0 else ONE_WORDS[(index // 2) % len(ONE_WORDS)] + "\n"

    _write_many(root, "empty and one-word files", texts(), count)
    return {"expected_largest": 0, "expected_prefix": None}


def light_copy(rng: np.random.Generator, text: str, vocabulary: Sequence[str]) -> str:
    """A few words changed; the ending trimmed (half the time); a furniture line added at the
    top or the bottom (two thirds of the time)."""
    blocks = text.strip("\n").split("\n\n")
    headline, paragraphs = blocks[0], blocks[1:]
    if rng.random() < 0.5 and len(paragraphs) > 4:
        paragraphs = paragraphs[: len(paragraphs) - int(rng.integers(1, 3))]
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.integers(len(paragraphs)))
        words = paragraphs[i].split(" ")
        j = int(rng.integers(len(words)))
        if words[j].isalpha():
            words[j] = vocabulary[int(rng.integers(len(vocabulary)))]
        paragraphs[i] = " ".join(words)
    where = rng.random()
    line = FURNITURE[int(rng.integers(len(FURNITURE)))]
    if where < 1 / 3:
        paragraphs.insert(0, line)
    elif where < 2 / 3:
        paragraphs.append(line)
    return "\n\n".join([headline, *paragraphs]) + "\n"


def build_story(root: Path, copies: int, unrelated: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    text = write_article(rng, new_story(rng), words=750, wire=True)
    vocabulary = sorted({w for w in text.split() if w.isalpha() and w.islower()})
    story_dir = root / "story"
    story_dir.mkdir(parents=True, exist_ok=True)
    (story_dir / "original.txt").write_text(text, encoding="utf-8")
    _write_many(
        story_dir,
        "story copies",
        (light_copy(rng, text, vocabulary) for _ in range(copies)),
        copies,
    )
    others = (t for _, t, _ in generate_articles(unrelated, seed + 1, dup_rate=0.0))
    _write_many(root / "other", "unrelated articles", others, unrelated)
    return {"expected_largest": copies + 1, "expected_prefix": "story/"}


# --------------------------------------------------------------------------------------------
# Running a scan and measuring it
# --------------------------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces): state, ppid, ...
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a zombie (no VmRSS line)


def tree_rss_kb(root: int) -> tuple[int, int]:
    """Summed VmRSS (kB) of ``root`` and all its descendants, and how many processes."""
    children = _children_map()
    pending, total, processes = [root], 0, 0
    while pending:
        pid = pending.pop()
        total += _rss_kb(pid)
        processes += 1
        pending.extend(children.get(pid, ()))
    return total, processes


@dataclass
class Measured:
    case: str
    build_seconds: float | None  # None: the folder of a previous run was reused
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss_mb: float = 0.0
    peak_processes: int = 0
    exit_code: int = 0
    stats: dict = field(default_factory=dict)
    largest: int = 0
    largest_ids: list[str] = field(default_factory=list)
    error: str = ""


def _dupfind_command() -> list[str]:
    found = shutil.which("dupfind")
    return [found] if found else [sys.executable, "-m", "dupfind"]


def run_scan(folder: Path, jobs: int, measured: Measured) -> None:
    command = [*_dupfind_command(), "scan", str(folder), "-f", "json", "--no-diff", "-q"]
    command += ["--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        peak, peak_processes = 0, 0
        while process.poll() is None:
            rss, processes = tree_rss_kb(process.pid)
            if rss > peak:
                peak, peak_processes = rss, processes
            time.sleep(POLL_SECONDS)
        measured.wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        measured.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        measured.peak_rss_mb = peak / 1024
        measured.peak_processes = peak_processes
        measured.exit_code = process.returncode
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode("utf-8", "replace")
    if process.returncode not in (0, 1):
        measured.error = stderr.strip().splitlines()[-1] if stderr.strip() else "no output"
        return
    report = json.loads(stdout)
    measured.stats = report["stats"]
    clusters = report["clusters"]
    if clusters:
        measured.largest = clusters[0]["size"]
        measured.largest_ids = [m["id"] for m in clusters[0]["members"]]


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


CASES: dict[str, str] = {
    "a": "identical copies",
    "b": "one big file",
    "c": "empty/one-word files",
    "d": "story cluster",
}


def _builders(args: argparse.Namespace) -> dict[str, tuple[dict, Callable[[Path], dict]]]:
    return {
        "a": ({"copies": args.copies}, lambda p: build_identical(p, args.copies, args.seed)),
        "b": ({"mb": args.big_mb}, lambda p: build_big_file(p, args.big_mb, args.seed)),
        "c": ({"count": args.empty_count}, lambda p: build_empty(p, args.empty_count, args.seed)),
        "d": (
            {"copies": args.story_copies, "unrelated": args.unrelated},
            lambda p: build_story(p, args.story_copies, args.unrelated, args.seed),
        ),
    }


def prepare_case(
    base: Path, case: str, params: dict, build: Callable[[Path], dict]
) -> tuple[Path, dict, float | None]:
    """The case's folder, built unless a previous run left the same case there."""
    folder = base / f"case-{case}"
    marker = base / f"case-{case}.json"
    if marker.exists() and folder.exists():
        saved = json.loads(marker.read_text())
        if saved.get("params") == params:
            print(f"case {case}: reusing {folder}", file=sys.stderr)
            return folder, saved["expected"], None
    if folder.exists():
        shutil.rmtree(folder)
    print(f"case {case}: building {CASES[case]} in {folder}", file=sys.stderr)
    started = time.perf_counter()
    expected = build(folder)
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"params": params, "expected": expected}))
    return folder, expected, seconds


def _ratio(value: int, documents: int) -> str:
    return f"{value / documents:.2f}" if documents else "-"


def print_table(rows: list[Measured]) -> None:
    header = (
        "case",
        "documents",
        "short",
        "build s",
        "wall s",
        "CPU s",
        "peak RSS MB",
        "procs",
        "candidates",
        "verified",
        "clusters",
        "largest",
        "cand/doc",
        "verified/doc",
    )
    table = [header]
    for m in rows:
        s = m.stats
        docs = s.get("documents", 0)
        table.append(
            (
                f"{m.case} {CASES[m.case]}",
                f"{docs:,}",
                f"{s.get('short', 0):,}",
                "reused" if m.build_seconds is None else f"{m.build_seconds:.1f}",
                f"{m.wall:.1f}",
                f"{m.cpu:.1f}",
                f"{m.peak_rss_mb:,.0f}",
                str(m.peak_processes),
                f"{s.get('candidate_pairs', 0):,}",
                f"{s.get('verified_pairs', 0):,}",
                f"{s.get('clusters', 0):,}",
                f"{m.largest:,}",
                _ratio(s.get("candidate_pairs", 0), docs),
                _ratio(s.get("verified_pairs", 0), docs),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def verdicts(rows: list[Measured], expected: dict[str, dict]) -> list[str]:
    lines = []
    for m in rows:
        if m.error:
            lines.append(f"{m.case}: dupfind failed (exit {m.exit_code}): {m.error}")
            continue
        want = expected[m.case]
        s = m.stats
        docs = s.get("documents", 0)
        pairs = (
            f"candidate pairs/doc {_ratio(s['candidate_pairs'], docs)}, "
            f"verified pairs/doc {_ratio(s['verified_pairs'], docs)} "
            f"(all pairs would be {docs * (docs - 1) // 2:,})"
        )
        if m.case in ("a", "d"):
            prefix = want["expected_prefix"]
            right_members = all(i.startswith(prefix) for i in m.largest_ids)
            ok = m.largest == want["expected_largest"] and right_members
            if m.case == "a":
                ok = ok and s["clusters"] == 1
            what = "one cluster" if m.case == "a" else "largest cluster"
            lines.append(
                f"{m.case}: {what} of {m.largest:,} (expected {want['expected_largest']:,}"
                f"{', all story files' if prefix else ''}): {'yes' if ok else 'NO'}; {pairs}"
            )
        elif m.case == "c":
            ok = s["clusters"] == 0 and s["short"] == docs
            lines.append(
                f"c: no cluster and every document short: {'yes' if ok else 'NO'} "
                f"({s['clusters']} clusters, {s['short']:,} of {docs:,} short)"
            )
        else:
            members = ", ".join(sorted(m.largest_ids)) or "none"
            lines.append(f"b: {s['clusters']} clusters (largest: {members}); {pairs}")
            if {"big.txt", "copy-of-middle.txt"} <= set(m.largest_ids):
                lines.append(
                    "b: copy-of-middle.txt clustered with big.txt although their shared text "
                    "starts half-way into big.txt (the rule wants it near the top of both)"
                )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", default="a,b,c,d", help="comma-separated (default a,b,c,d)")
    parser.add_argument("--copies", type=int, default=10_000, help="case a: identical copies")
    parser.add_argument("--big-mb", type=float, default=50.0, help="case b: size of the big file")
    parser.add_argument(
        "--empty-count", type=int, default=1_000_000, help="case c: empty and one-word files"
    )
    parser.add_argument("--story-copies", type=int, default=5_000, help="case d: light copies")
    parser.add_argument("--unrelated", type=int, default=5_000, help="case d: unrelated articles")
    parser.add_argument("--jobs", type=int, default=2, help="dupfind scan --jobs (default 2)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--dir", type=Path, help="build the cases here and keep them")
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown or not cases:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from a, b, c, d")
    if min(args.copies, args.empty_count, args.story_copies) < 2 or args.unrelated < 0:
        parser.error("--copies, --empty-count and --story-copies must be at least 2")
    if not Path("/proc/self/status").exists():
        parser.error("this benchmark reads /proc to measure memory: Linux only")

    builders = _builders(args)
    rows: list[Measured] = []
    expected: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="dupfind-degenerate-") as scratch:
        base = args.dir or Path(scratch)
        base.mkdir(parents=True, exist_ok=True)
        for case in cases:
            params, build = builders[case]
            folder, expected[case], build_seconds = prepare_case(base, case, params, build)
            measured = Measured(case, build_seconds)
            print(f"case {case}: dupfind scan --jobs {args.jobs} ...", file=sys.stderr)
            run_scan(folder, args.jobs, measured)
            print(
                f"case {case}: {measured.wall:.1f} s wall, {measured.peak_rss_mb:,.0f} MB peak",
                file=sys.stderr,
            )
            rows.append(measured)
            if args.dir is None:
                shutil.rmtree(folder)
    print(
        f"dupfind scan -f json --no-diff -q --jobs {args.jobs}; CPU = user + system of the scan "
        "and its workers; peak RSS = largest sum of VmRSS over the process tree, sampled "
        f"every {POLL_SECONDS} s (Linux /proc)"
    )
    print_table(rows)
    print()
    for line in verdicts(rows, expected):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

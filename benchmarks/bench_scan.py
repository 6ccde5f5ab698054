"""Time `dupfind scan` at growing sizes, and a plain datasketch loop on the same documents.

For each size (default 10k, 100k, 1M) it generates a synthetic corpus with planted clusters
(``generate.py``, cached in ``--data``), runs ``dupfind scan DIR -f json --no-diff -q`` as a
subprocess and reports documents per second, wall time, CPU time (the process and its
workers), peak memory of the whole process tree (Linux: VmRSS of the process and its
children, polled every 0.1 s), and pairwise precision/recall/F1 against the planted truth.

In the same run it times the loop a datasketch user writes (read each file, word 5-shingles,
``MinHash(num_perm=128).update_batch``, ``MinHashLSH(threshold=0.5)`` insert and query) on
the ``--baseline`` size, one process, so the speed-up is a ratio measured side by side.

    python benchmarks/bench_scan.py                       # 10k, 100k, 1M (~30 min, 6 GB disk)
    python benchmarks/bench_scan.py --sizes 10000 100000  # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from dupfind.evaluation import load_labels, match_ids, pairwise_metrics

HERE = Path(__file__).resolve().parent


def corpus(data: Path, size: int, seed: int, jobs: int) -> Path:
    """The generated corpus of ``size`` documents (made once, then reused)."""
    folder = data / f"corpus-{size}"
    if not (folder / "labels.json").exists():
        layout = "sharded" if size > 10_000 else "flat"
        command = [sys.executable, str(HERE / "generate.py"), str(folder), "--docs", str(size)]
        command += ["--seed", str(seed), "--jobs", str(jobs), "--layout", layout]
        subprocess.run(command, check=True)
    return folder


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        stack.extend(int(child) for child in children)
    return total


def run_scan(folder: Path, jobs: int) -> dict:
    """Run dupfind scan on a corpus; measure it; score its clusters."""
    out = folder / "scan.json"
    command = ["dupfind", "scan", str(folder / "docs"), "-f", "json", "--no-diff", "-q"]
    command += ["-j", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with out.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.1)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode not in (0, 1):
        raise SystemExit(f"dupfind scan failed with exit code {process.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads(out.read_text())
    gold, _ = load_labels(folder / "labels.json")
    ids = [m["id"] for c in result["clusters"] for m in c["members"]]
    matched = match_ids(ids, gold)
    predicted = [[matched[m["id"]] for m in c["members"]] for c in result["clusters"]]
    metrics = pairwise_metrics(predicted, gold)
    documents = result["stats"]["documents"]
    return {
        "documents": documents,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "docs_per_s": round(documents / wall),
        "peak_rss_mb": round(peak / 1024),
        "precision": round(metrics.precision, 4),
        "recall": round(metrics.recall, 4),
        "f1": round(metrics.f1, 4),
        "candidate_pairs": result["stats"]["candidate_pairs"],
    }


def run_baseline(folder: Path) -> dict:
    """The plain datasketch loop, one process, on the same files (see the module docstring)."""
    from datasketch import MinHash, MinHashLSH

    files = sorted((folder / "docs").rglob("*.txt"))
    started = time.perf_counter()
    cpu_before = time.process_time()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    pairs = 0
    for path in files:
        words = path.read_text(encoding="utf-8").lower().split()
        shingles = {" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))}
        signature = MinHash(num_perm=128)
        signature.update_batch(list(shingles))
        pairs += len(lsh.query(signature))
        lsh.insert(str(path), signature)
    wall = time.perf_counter() - started
    return {
        "documents": len(files),
        "wall_s": round(wall, 1),
        "cpu_s": round(time.process_time() - cpu_before, 1),
        "docs_per_s": round(len(files) / wall),
        "candidate_pairs": pairs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--baseline", type=int, default=100_000, help="size for datasketch")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--data", type=Path, default=Path("/tmp/dupfind-bench"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)

    results: dict[str, object] = {"machine": f"{os.cpu_count()} cores", "scan": {}}
    header = f"{'documents':>10} {'wall s':>8} {'cpu s':>8} {'docs/s':>8} {'peak MB':>8}"
    print(f"{header} {'P':>7} {'R':>7} {'F1':>7}")
    for size in args.sizes:
        row = run_scan(corpus(args.data, size, args.seed, args.jobs), args.jobs)
        results["scan"][str(size)] = row  # type: ignore[index]
        print(
            f"{row['documents']:>10} {row['wall_s']:>8} {row['cpu_s']:>8} {row['docs_per_s']:>8} "
            f"{row['peak_rss_mb']:>8} {row['precision']:>7} {row['recall']:>7} {row['f1']:>7}",
            flush=True,
        )
    if not args.no_baseline:
        base = run_baseline(corpus(args.data, args.baseline, args.seed, args.jobs))
        results["datasketch_loop"] = base
        ours = results["scan"].get(str(args.baseline))  # type: ignore[union-attr]
        ratio = f", dupfind is {ours['docs_per_s'] / base['docs_per_s']:.1f}x" if ours else ""
        print(
            f"datasketch loop on {base['documents']} documents: {base['wall_s']} s, "
            f"{base['docs_per_s']} docs/s (one process){ratio}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

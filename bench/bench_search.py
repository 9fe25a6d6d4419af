"""Benchmark of the vector search behind semantic search and similar pieces.

    python bench/bench_search.py            # 10k, 100k, 1M vectors (~8 GB of memory; building
                                            # the 1M HNSW index took ~10 min on 2 cores)
    python bench/bench_search.py --quick    # small sizes, for a CI smoke run (~20 s)

Synthetic vectors, dim 768, float32, "embedding-like": a 48-dimensional latent
mapped to 768 dimensions plus noise (real embeddings have a low intrinsic
dimension; uniformly random 768-d vectors have no meaningful neighbours, so
no index can be judged on them).  Queries are fresh draws from the same
distribution.  Every query is timed on ONE thread (threadpoolctl limits BLAS
and OpenMP; usearch is asked for one thread); the HNSW index is built with
every core, and its build time is printed separately.

Printed first: the exact-search kernel ``VectorIndex`` uses on this machine
and the calibration figures it was chosen by (``engine/kernels.py``; NumKong
or numpy's BLAS, whichever is faster here).  Then per size: exact search as
``VectorIndex`` does it up to its exact limit (float32, argpartition); up to
that limit also both kernels side by side on the same thread limit (float32
NumKong, float32 numpy BLAS) and NumKong on float16 storage; and above the
limit the approximate path with its recall@10 against exact.
Targets: 100k exact median < 20 ms; 1M approximate median < 150 ms with
recall@10 >= 0.95.  The exit status is 1 when recall misses its target
(timings depend on the machine and are only reported).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from clamp_desktop.engine import kernels  # noqa: E402
from clamp_desktop.engine.vectors import DEFAULT_EXACT_LIMIT, VectorIndex  # noqa: E402

LATENT_DIM = 48
TARGETS_MS = {100_000: 20.0, 1_000_000: 150.0}
RECALL_TARGET = 0.95


class EmbeddingLike:
    """Draws of a fixed low-rank-plus-noise distribution (same seed, same vectors)."""

    def __init__(self, dim: int, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.dim = dim
        self.projection = self.rng.standard_normal((LATENT_DIM, dim), dtype=np.float32) / np.sqrt(LATENT_DIM)
        self.noise = 0.35

    def draw(self, count: int, chunk: int = 100_000) -> np.ndarray:
        out = np.empty((count, self.dim), dtype=np.float32)
        for start in range(0, count, chunk):
            rows = min(chunk, count - start)
            latent = self.rng.standard_normal((rows, LATENT_DIM), dtype=np.float32)
            block = out[start:start + rows]
            np.matmul(latent, self.projection, out=block)
            block += self.noise * self.rng.standard_normal((rows, self.dim), dtype=np.float32)
        return out


def spread(seconds: list[float]) -> dict:
    ms = np.asarray(seconds) * 1e3
    return {"median_ms": round(float(np.median(ms)), 3), "p10_ms": round(float(np.percentile(ms, 10)), 3),
            "p90_ms": round(float(np.percentile(ms, 90)), 3), "min_ms": round(float(ms.min()), 3),
            "max_ms": round(float(ms.max()), 3), "queries": len(ms)}


def timed(run, queries: np.ndarray, warmup: int = 3) -> tuple[list, list[float]]:
    for query in queries[:warmup]:
        run(query)
    results, seconds = [], []
    for query in queries:
        started = time.perf_counter()
        results.append(run(query))
        seconds.append(time.perf_counter() - started)
    return results, seconds


def bench_size(size: int, queries: np.ndarray, data: EmbeddingLike, k: int, exact_limit: int) -> dict:
    ids = np.arange(size, dtype=np.int64) * 2 + 1          # ids need not be dense
    index = VectorIndex.from_vectors("bench", ids, data.draw(size), copy=False, exact_limit=size)
    row = {"size": size}
    with threadpool_limits(limits=1):
        exact, seconds = timed(lambda q: index.search(q, k)[0], queries)
    row["exact_float32"] = spread(seconds)
    if size <= exact_limit:
        row["alternatives"] = _alternatives(index.matrix, queries, k)
    if size > exact_limit:
        print(f"{size:,}: exact median {row['exact_float32']['median_ms']} ms; building the HNSW index "
              "(minutes for 1M vectors) ...", file=sys.stderr, flush=True)
        index.exact_limit = exact_limit
        started = time.perf_counter()
        for _ in index.build_approximate():
            pass
        row["approximate_build_s"] = round(time.perf_counter() - started, 1)
        with threadpool_limits(limits=1):
            approximate, seconds = timed(lambda q: index.search(q, k)[0], queries)
        row["approximate"] = spread(seconds)
        row["recall_at_k"] = round(float(np.mean(
            [len(set(a.tolist()) & set(e.tolist())) / k for a, e in zip(approximate, exact)])), 4)
    return row


def _alternatives(matrix: np.ndarray, queries: np.ndarray, k: int) -> dict:
    """Both float32 kernels side by side, and NumKong on float16 (top-k ids only, same thread limit)."""
    import numkong

    half = matrix.astype(np.float16)

    def numkong_float32(query):
        return np.argpartition(-kernels.numkong_dots(matrix, query), k)[:k]

    def numpy_blas(query):
        return np.argpartition(-kernels.blas_dots(matrix, query), k)[:k]

    def numkong_half(query):
        scores = np.asarray(numkong.cdist(query.astype(np.float16)[None], half, metric="dot", threads=1))
        return np.argpartition(-scores.reshape(-1), k)[:k]

    found = {}
    with threadpool_limits(limits=1):
        for name, run in (("float32 NumKong", numkong_float32), ("float32 numpy BLAS", numpy_blas),
                          ("float16 NumKong", numkong_half)):
            found[name] = spread(timed(run, queries)[1])
    return found


def verdicts(row: dict) -> list[str]:
    lines = []
    target = TARGETS_MS.get(row["size"])
    if target and "approximate" not in row:
        ok = row["exact_float32"]["median_ms"] < target
        lines.append(f"target exact median < {target:.0f} ms: {'met' if ok else 'MISSED'}")
    if "approximate" in row:
        if target:
            ok = row["approximate"]["median_ms"] < target
            lines.append(f"target approximate median < {target:.0f} ms: {'met' if ok else 'MISSED'}")
        ok = row["recall_at_k"] >= RECALL_TARGET
        lines.append(f"target recall@10 >= {RECALL_TARGET}: {'met' if ok else 'MISSED'}")
    return lines


def show(row: dict) -> None:
    def line(name, s):
        return (f"  {name:<26} median {s['median_ms']:8.2f} ms   p10 {s['p10_ms']:8.2f}   "
                f"p90 {s['p90_ms']:8.2f}   min {s['min_ms']:8.2f}   max {s['max_ms']:8.2f}")

    print(f"{row['size']:,} vectors, top-10, one thread:")
    print(line("exact (VectorIndex)", row["exact_float32"]))
    for name, measured in row.get("alternatives", {}).items():
        print(line(f"  vs {name}", measured))
    if "approximate" in row:
        print(line("approximate (usearch HNSW)", row["approximate"]))
        print(f"  recall@10 vs exact: {row['recall_at_k']:.4f}   "
              f"(index built in {row['approximate_build_s']} s, all cores)")
    for verdict in verdicts(row):
        print(f"  {verdict}")
    sys.stdout.flush()


def show_kernel_choice() -> None:
    """The kernel exact search uses here, and the calibration it was chosen by (measured now if need be)."""
    chosen = kernels.chosen_kernel()
    measured = kernels.measure()
    print(f"processor: {kernels.machine_key()['processor']}")
    print(f"exact-search kernel chosen here: {chosen}; calibration now ({kernels.CALIBRATION_SHAPE[0]:,} x "
          f"{kernels.CALIBRATION_SHAPE[1]}, best of {kernels.CALIBRATION_ROUNDS}): "
          + ", ".join(f"{name} {ms:.2f} ms" for name, ms in measured.items()))
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (2k, 20k; approximate above 10k)")
    parser.add_argument("--sizes", default=None, help="comma-separated sizes (default 10000,100000,1000000)")
    parser.add_argument("--queries", type=int, default=None, help="queries per size (default 200; 50 with --quick)")
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--exact-limit", type=int, default=None,
                        help=f"size above which the approximate path is used (default {DEFAULT_EXACT_LIMIT})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON as well")
    args = parser.parse_args(argv)
    sizes = [2_000, 20_000] if args.quick else [10_000, 100_000, 1_000_000]
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    exact_limit = args.exact_limit or (10_000 if args.quick else DEFAULT_EXACT_LIMIT)
    data = EmbeddingLike(args.dim)
    queries = data.draw(args.queries or (50 if args.quick else 200))
    if args.quick:
        print("quick run: the targets below are for the full sizes and only shown for reference")
    show_kernel_choice()
    rows = []
    for size in sizes:
        rows.append(bench_size(size, queries, data, 10, exact_limit))
        show(rows[-1])
    if args.json:
        print(json.dumps(rows, indent=2))
    recall_ok = all(r.get("recall_at_k", 1.0) >= RECALL_TARGET for r in rows)
    return 0 if recall_ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Indexing on a local Ray cluster against the plain indexer, side by side in one run.

On the same files and model (random weights of CLaMP-S/512's shape unless
``--model`` says otherwise), it measures:

* plain: ``LibraryIndexer`` on this machine (converter pool of 2, encoder thread);
* cluster, 1 worker: a Ray cluster of one node with one CPU (``ray.cluster_utils``);
* cluster, 2 workers: the same cluster with a second one-CPU node added;
* per-worker rates: conversion on one core (a converter pool of one) and
  encoding on one torch thread (the steps the encoder actors run).

Each cluster run is a new Ray job, so its time includes starting the Ray
workers, their converter processes and the encoder actors' model loads, as a
real ``index --cluster`` does; the cluster itself is started beforehand (as
``ray start`` would be).  From the per-worker rates it prints, on paper, the
hours to index 1,000,000 files on N CPU nodes and M GPUs.

    python bench/bench_cluster.py                 # 3 rounds, 66 files (every 10th .mxl/.xml of music21's corpus)
    python bench/bench_cluster.py --files 24 --model clamp-desktop-mini
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from clamp_desktop.engine.indexer import LibraryIndexer, convert_job, encode_in_steps, run_to_end
from clamp_desktop.ingest.pool import ConverterPool
from clamp_desktop.store import Library

sys.path.insert(0, str(Path(__file__).parent))
from bench_index import corpus_sample  # noqa: E402

OBJECT_STORE_BYTES = 150 * 1024**2
MILLION = 1_000_000
CORES_PER_NODE = 16
ASSUMED_GPU_RATE = 1000.0   # pieces/s per GPU for CLaMP-S fp32: assumed (no GPU here), see docs/large-archives.md


def index_once(folder: Path, db: Path, model: str, backend=None) -> tuple[float, object]:
    from clamp_desktop.engine.models import model_loader

    started = time.perf_counter()
    with Library(db) as library:
        summary = run_to_end(LibraryIndexer(library, model, model_loader(model, "cpu"), backend=backend).run([folder]))
    return time.perf_counter() - started, summary


RUNS = ("plain (converter pool of 2 + encoder thread)", "cluster, 1 worker node (1 CPU)",
        "cluster, 2 worker nodes (1 CPU each)")


def median_run(results: list[tuple[float, object]]) -> tuple[float, object]:
    """The run of median time (its summary's stage rates go with it)."""
    return sorted(results, key=lambda r: r[0])[len(results) // 2]


def cluster_run(address: str, folder: Path, db: Path, model: str) -> tuple[float, object]:
    from clamp_desktop.engine.cluster.backend import ClusterBackend

    with ClusterBackend(address, model) as backend:
        seconds, summary = index_once(folder, db, model, backend)
    print(f"  cluster run: {seconds:.1f} s, {summary.nodes} nodes", flush=True)
    return seconds, summary


def per_core_rates(folder: Path, model: str) -> tuple[float, float]:
    """(files/s converting on one core, pieces/s encoding on one torch thread)."""
    import torch

    from clamp_desktop.model import load_clamp
    from clamp_desktop.model.fallback import FallbackEncoder

    jobs = [(str(p), "") for p in sorted(folder.iterdir())]
    with ConverterPool(convert_job, workers=1) as pool:
        list(pool.imap_unordered(jobs[:1]))     # the converter's start apart
        started = time.perf_counter()
        results = list(pool.imap_unordered(jobs))
        convert_s = time.perf_counter() - started
    batch = [(i, e.abc) for i, (_, entries, _) in enumerate(results) for e in entries or []]
    encoder = FallbackEncoder(load_clamp(model, device="cpu"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        encode_in_steps(encoder, batch[:2])      # first-call costs apart
        started = time.perf_counter()
        encode_in_steps(encoder, batch)
        encode_s = time.perf_counter() - started
    finally:
        torch.set_num_threads(threads)
    return len(jobs) / convert_s, len(batch) / encode_s


def hours(nodes: int, gpus: int, convert_rate: float, encode_rate: float) -> float:
    """Conversion and encoding overlap, so the slower one sets the time.

    CPU only: every core converts and encodes, a file costing 1/convert + 1/encode core-seconds.
    With GPUs: the cores convert and the GPUs encode.
    """
    cores = nodes * CORES_PER_NODE
    if not gpus:
        return MILLION * (1 / convert_rate + 1 / encode_rate) / cores / 3600
    return max(MILLION / (cores * convert_rate), MILLION / (gpus * ASSUMED_GPU_RATE)) / 3600


def duration(hours_: float) -> str:
    return f"{hours_:.1f} h" if hours_ >= 1 else f"{hours_ * 60:.0f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=66, help="files from music21's corpus")
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (medians are reported)")
    parser.add_argument("--model", default=None, help="registry name or folder (default: CLaMP-S/512 shape, random)")
    args = parser.parse_args()
    # Ray starts its workers at nice 15, which on a machine shared with other work
    # handicaps them against the plain indexer's processes (nice 0); start them as equals.
    os.environ.setdefault("RAY_worker_niceness", "0")
    from ray.cluster_utils import Cluster

    from clamp_desktop.model.synthetic import write_random_checkpoint

    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        folder = work / "scores"
        folder.mkdir()
        for path in corpus_sample(10, args.files):
            shutil.copy(path, folder / f"{len(list(folder.iterdir())):03d}-{path.name}")
        model = args.model or str(write_random_checkpoint(work / "model", None, fmt="safetensors"))
        print(f"{len(list(folder.iterdir()))} files, model {args.model or 'CLaMP-S/512 shape, random weights'}, "
              f"{os.cpu_count()} cores here", flush=True)
        runs = {name: [] for name in RUNS}
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"   # loopback only (see tests/test_cluster.py)
        cluster = Cluster(initialize_head=True, head_node_args={
            "num_cpus": 1, "object_store_memory": OBJECT_STORE_BYTES, "include_dashboard": False})
        try:
            # Rounds of the three, interleaved, so a shared machine's changing load hits each alike.
            for round_ in range(args.runs):
                runs[RUNS[0]].append(index_once(folder, work / f"plain{round_}.db", model))
                print(f"  plain run: {runs[RUNS[0]][-1][0]:.1f} s", flush=True)
                runs[RUNS[1]].append(cluster_run(cluster.address, folder, work / f"c1-{round_}.db", model))
                second = cluster.add_node(num_cpus=1, object_store_memory=OBJECT_STORE_BYTES)
                cluster.wait_for_nodes()
                runs[RUNS[2]].append(cluster_run(cluster.address, folder, work / f"c2-{round_}.db", model))
                cluster.remove_node(second)
        finally:
            cluster.shutdown()
        rows = [(name, *median_run(results)) for name, results in runs.items()]
        convert_rate, encode_rate = per_core_rates(folder, model)
        report(rows, convert_rate, encode_rate)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(rows: list, convert_rate: float, encode_rate: float) -> None:
    plain_s = rows[0][1]
    print("\n| run | seconds | files/s | × plain | nodes | convert files/s | encode pieces/s |\n|---|---|---|---|---|---|---|")
    for name, seconds, summary in rows:
        files = summary.added + summary.failed
        stages = summary.stages
        print(f"| {name} | {seconds:.2f} | {files / seconds:.2f} | {plain_s / seconds:.2f}× | {summary.nodes} | "
              f"{stages['convert']['per_second']} | {stages['encode']['per_second']} |")
    print(f"\n2 workers against 1: {rows[1][1] / rows[2][1]:.2f}× the throughput")
    print(f"cluster (2 workers) against plain: {plain_s / rows[2][1]:.2f}× (aim ≥ 0.8×)")
    print(f"per core: converting {convert_rate:.2f} files/s, encoding {encode_rate:.2f} pieces/s (1 torch thread)")
    print(f"\nOn paper, 1,000,000 files, {CORES_PER_NODE}-core nodes "
          f"(GPU encoding assumed at {ASSUMED_GPU_RATE:g} pieces/s each; not measured here):")
    print("| CPU nodes | no GPU | 1 GPU | 4 GPUs | 8 GPUs |\n|---|---|---|---|---|")
    for nodes in (1, 4, 16, 64):
        cells = [duration(hours(nodes, gpus, convert_rate, encode_rate)) for gpus in (0, 1, 4, 8)]
        print(f"| {nodes} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

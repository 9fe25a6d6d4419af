"""Indexing throughput: our indexer against a faithful re-creation of the reference workflow.

Both run side by side in one process run, on the same files, with the same
random weights of the published CLaMP-S/512 shape:

* reference: one new Python process per file for Wim Vree's xml2abc.py
  (``-m 2 -c 6 -x``, the original ElementTree version), the filter, then encoding one piece at a time the reference way (one-hot
  patches x Linear, batch size 1, ``torch.no_grad``);
* ours: ``LibraryIndexer`` into a fresh SQLite library (scan, hash, converter
  pool overlapping with batched gather-sum encoding, batched commits);
* ours, fast path: the same with int8 linear layers (``--precision fast``);
* ours, bundled model: the same with ``clamp-desktop-mini`` when installed.

Beside them, the parts of ours alone: conversion (the converter pool over
the files, no model) and fp32 encoding of the already converted pieces.
It prints medians and spread of ``--runs`` runs, each ratio next to its target,
the exactness of our fp32 vectors against the reference's (max abs diff), and
the fast path's quality (cosine to fp32, top-10 neighbour overlap).

    python bench/bench_index.py            # 60 files (every 10th .mxl/.xml of music21's corpus), 3 runs
    python bench/bench_index.py --quick    # CI smoke: 6 files, 1 run, tiny model, no targets
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Converter processes are spawned and re-import this module, so everything
# heavy (torch, transformers) is imported inside the functions that need it.
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.ingest.musicxml import MUSICXML_SUFFIXES
from clamp_desktop.ingest.pool import ConverterPool
from clamp_desktop.ingest.score import read_score
from clamp_desktop.ingest.xml2abc import write_reference_script
from clamp_desktop.model import filter_abc, normalize
from clamp_desktop.model.patching import PATCH_FEATURES, PATCH_LENGTH, patchify
from clamp_desktop.store import Library



def corpus_sample(step: int, limit: int | None) -> list[Path]:
    import music21

    root = Path(music21.__file__).parent / "corpus"
    paths = sorted(p for p in root.rglob("*") if p.suffix in (".mxl", ".xml"))
    sample = paths[::step]
    return sample[:limit] if limit else sample


# --- the reference workflow ---------------------------------------------------------

def reference_convert(script: Path, path: Path) -> str:
    out = subprocess.run([sys.executable, str(script), "-m", "2", "-c", "6", "-x", str(path)],
                         capture_output=True, check=False)
    return filter_abc(out.stdout.decode("utf-8").replace("\r", ""))


def reference_encode(model, abc: str) -> np.ndarray:
    import torch

    from clamp_desktop.model.network import masked_mean

    net = model.network
    ids = torch.tensor(patchify(abc, model.max_length)).reshape(-1)[None]
    mask = torch.ones(1, ids.shape[1] // PATCH_LENGTH, dtype=torch.long)
    with torch.no_grad():
        one_hot = torch.nn.functional.one_hot(ids, num_classes=PATCH_FEATURES)
        one_hot = one_hot.reshape(1, -1, PATCH_LENGTH * PATCH_FEATURES).type(torch.FloatTensor)
        embeds = net.music_enc.patch_embedding(one_hot)
        hidden = net.music_enc.enc(inputs_embeds=embeds, attention_mask=mask).last_hidden_state
        return net.music_proj(masked_mean(hidden, mask))[0].numpy()


def run_reference(script: Path, files: list[Path], model) -> tuple[float, dict[str, np.ndarray], float]:
    started = time.perf_counter()
    abcs = {str(f): reference_convert(script, f) for f in files}
    converted = time.perf_counter()
    vectors = {f: reference_encode(model, abc) for f, abc in abcs.items() if abc.strip()}
    return time.perf_counter() - started, vectors, converted - started


# --- ours ---------------------------------------------------------------------------

def run_ours(folder: Path, model, workdir: Path) -> tuple[float, dict[str, np.ndarray]]:
    db = workdir / f"bench-{time.monotonic_ns()}.db"
    started = time.perf_counter()
    with Library(db) as library:
        indexer = LibraryIndexer(library, model.name, lambda: model, suffixes=MUSICXML_SUFFIXES)
        run_to_end(indexer.run([folder]))
        elapsed = time.perf_counter() - started
        ids, matrix = library.load_vectors(model.name)
        paths = {p["id"]: p["path"] for p in library.pieces()}
    return elapsed, {paths[int(i)]: matrix[k] for k, i in enumerate(ids)}


def run_our_conversion(files: list[Path]) -> tuple[float, list[str]]:
    """The converter pool alone, as the indexer runs it (same pool size, no model)."""
    started = time.perf_counter()
    with ConverterPool(read_score) as pool:
        abcs = [entry.abc for _, entries, _ in pool.imap_unordered(map(str, files)) for entry in entries or []]
    return time.perf_counter() - started, abcs


def run_our_encoding(model, abcs: list[str]) -> float:
    """Batched encoding of already converted pieces, all torch threads."""
    started = time.perf_counter()
    model.encode_music(abcs)
    return time.perf_counter() - started


PARTS = ("reference conversion", "ours conversion", "ours fp32 encoding")   # parts, not workflows


def stats(values: list[float]) -> str:
    med = statistics.median(values)
    spread = (max(values) - min(values)) / 2 if len(values) > 1 else 0.0
    return f"{med:7.2f} s ± {spread:.2f}"


def top10_overlap(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    keys = sorted(set(a) & set(b))
    ma, mb = normalize(np.stack([a[k] for k in keys])), normalize(np.stack([b[k] for k in keys]))
    sa, sb = ma @ ma.T, mb @ mb.T
    np.fill_diagonal(sa, -2)
    np.fill_diagonal(sb, -2)
    k = min(10, len(keys) - 1)
    overlaps = [len(set(np.argsort(-sa[i])[:k]) & set(np.argsort(-sb[i])[:k])) / k for i in range(len(keys))]
    return float(np.mean(overlaps))


def main() -> None:
    import torch

    from clamp_desktop.model import load_clamp
    from clamp_desktop.model.precision import with_precision
    from clamp_desktop.model.registry import REGISTRY, bundled_model_dir
    from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--step", type=int, default=10, help="take every STEP-th corpus file")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="CI smoke: few files, one run, tiny model")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.limit = 1, 6
    workdir = Path(tempfile.mkdtemp(prefix="clamp-bench-"))
    try:
        files = corpus_sample(args.step, args.limit)
        folder = workdir / "scores"
        folder.mkdir()
        for index, path in enumerate(files):
            shutil.copy(path, folder / f"{index:04d}-{path.name}")
        copies = sorted(folder.iterdir())
        config = tiny_config() if args.quick else None  # None: CLaMP-S/512's real shape
        checkpoint = write_random_checkpoint(workdir / "model", config, fmt="safetensors")
        model = load_clamp(checkpoint, device="cpu")
        fast = with_precision(model, "fast")
        print(f"{len(copies)} files, {args.runs} runs, torch threads {torch.get_num_threads()}, "
              f"model {'tiny' if args.quick else 'CLaMP-S/512 shape, random weights'}")

        script = write_reference_script(workdir)
        rows: dict[str, list[float]] = {"reference": [], "reference conversion": [], "ours fp32": [],
                                        "ours conversion": [], "ours fp32 encoding": [], "ours fast": []}
        bundled = REGISTRY["clamp-desktop-mini"]
        mini = None
        if (bundled_model_dir(bundled) / "config.json").exists():
            mini = load_clamp("clamp-desktop-mini", device="cpu")
            rows["ours bundled model"] = []
        ref_vectors = ours_vectors = fast_vectors = {}
        for _ in range(args.runs):
            seconds, ref_vectors, conversion = run_reference(script, copies, model)
            rows["reference"].append(seconds)
            rows["reference conversion"].append(conversion)
            seconds, ours_vectors = run_ours(folder, model, workdir)
            rows["ours fp32"].append(seconds)
            seconds, abcs = run_our_conversion(copies)
            rows["ours conversion"].append(seconds)
            rows["ours fp32 encoding"].append(run_our_encoding(model, abcs))
            seconds, fast_vectors = run_ours(folder, fast, workdir)
            rows["ours fast"].append(seconds)
            if mini is not None:
                rows["ours bundled model"].append(run_ours(folder, mini, workdir)[0])

        reference = statistics.median(rows["reference"])
        targets = {"ours fp32": 2.0, "ours fast": 3.5, "ours bundled model": 40.0}
        print(f"\n{'workflow':24} {'time (median ± half range)':>28} {'files/s':>9} {'× reference':>12} {'target':>8}")
        for name, values in rows.items():
            med = statistics.median(values)
            ratio = reference / med
            target = f"≥ {targets[name]:g}×" if name in targets and not args.quick else ""
            shown = "" if name in PARTS else f"{ratio:10.2f}×"
            print(f"{name:24} {stats(values):>28} {len(copies) / med:9.2f} {shown:>12} {target:>8}")

        common = sorted(set(ref_vectors) & set(ours_vectors))
        diff = max(float(np.abs(ref_vectors[k] - ours_vectors[k]).max()) for k in common)
        print(f"\nfp32 vectors vs reference one-at-a-time: {len(common)} pieces, max |diff| {diff:.2e} (target ≤ 1e-5)")
        cos = [float(normalize(ours_vectors[k][None])[0] @ normalize(fast_vectors[k][None])[0]) for k in common]
        print(f"fast path vs fp32: min cosine {min(cos):.4f}, median {statistics.median(cos):.4f} (target ≥ 0.99); "
              f"top-10 neighbour overlap {top10_overlap(ours_vectors, fast_vectors):.3f} (target ≥ 0.90)")
        only_ref = set(ref_vectors) - set(ours_vectors)
        only_ours = set(ours_vectors) - set(ref_vectors)
        print(f"read by the reference only: {len(only_ref)}; by ours only: {len(only_ours)} "
              f"({', '.join(sorted(Path(p).name for p in only_ours)) or '-'})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

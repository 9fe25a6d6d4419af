"""Duplicates and other editions: precision and recall per threshold, on real scores with planted copies.

Builds (once, kept in ``--work``) a library of real scores with byte copies,
music21-transposed copies and soprano-and-bass reductions planted among
them, plus real pairs of one work in two files (``duplicates_corpus.py``),
indexes it with the model, and prints for each edition threshold:

* pair precision and recall of ``find_duplicates``'s groups against the
  truth, and recall per kind of copy;
* the same with the cosine alone as the score (what the title, composer and
  bar evidence adds);

then the wrong pairs at the chosen threshold, and the time
``VectorIndex.nearest_each`` takes on random vectors (exact and approximate)
side by side.

    python bench/bench_duplicates.py [--work DIR] [--model NAME] [--quick | --held-out]

``--held-out`` builds another library from other files (the next 160
chorales, other Lieder and quartets, other planted copies) to check the
threshold on data it was not chosen on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import numpy as np  # noqa: E402
from duplicates_corpus import build, pairs_in_corpus  # noqa: E402

from clamp_desktop.engine import duplicates  # noqa: E402
from clamp_desktop.engine.editions import evidence  # noqa: E402
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end  # noqa: E402
from clamp_desktop.engine.models import model_loader, model_name  # noqa: E402
from clamp_desktop.engine.vectors import VectorIndex  # noqa: E402
from clamp_desktop.store import Library  # noqa: E402

THRESHOLDS = (0.80, 0.84, 0.86, 0.88, 0.90, 0.92, 0.94, 0.96, 0.98)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "clamp-bench-duplicates")
    parser.add_argument("--model", default=None)
    parser.add_argument("--quick", action="store_true", help="a small library (about 60 files)")
    parser.add_argument("--held-out", action="store_true",
                        help="other real files (the next 160 chorales, other Lieder and quartets) and other copies")
    args = parser.parse_args()
    sizes = dict(chorales=40, lieder=8, quartets=2, planted=12) if args.quick else \
        dict(chorales=220, lieder=60, quartets=12, planted=45)
    if args.held_out:
        sizes.update(chorales=160, skip=220, seed=11)
    truth_file = args.work / "scores" / "truth.json"
    truth = json.loads(truth_file.read_text()) if truth_file.exists() else build(args.work / "scores", **sizes)
    name = model_name(args.model)
    with Library(args.work / "library.db") as library:
        run_to_end(LibraryIndexer(library, name, model_loader(args.model), inline=True).run([args.work / "scores"]))
        report(library, name, truth["pairs"] + pairs_in_corpus(args.work / "scores"))
    timing()


def report(library, name: str, truth: list[list[str]]) -> None:
    by_path = defaultdict(list)
    for piece in library.pieces():
        by_path[piece["path"]].append(piece["id"])
    kinds = {}
    for one, other, kind in truth:
        for a, b in itertools.product(by_path[str(Path(one).absolute())], by_path[str(Path(other).absolute())]):
            kinds[_pair(a, b)] = kind
    kinds = _closed(kinds)
    print(f"{len(library.pieces())} pieces, {len(kinds)} true pairs: "
          + ", ".join(f"{k} {sum(v == k for v in kinds.values())}" for k in sorted(set(kinds.values()))))
    candidates = list(duplicates.close_pairs(library, name))
    rows = {p["id"]: p for p in library.pieces()}
    print(f"{len(candidates)} candidate pairs (nearest {duplicates.NEIGHBOURS}, cosine >= "
          f"{duplicates.CANDIDATE_COSINE}); true pairs among them: "
          f"{sum(_pair(a, b) in kinds for a, b, _ in candidates)}")
    print("\nthreshold | groups: precision recall | " + " ".join(f"{k}" for k in sorted(set(kinds.values())))
          + " | cosine alone: precision recall")
    for threshold in THRESHOLDS:
        groups = duplicates.find_duplicates(library, name, threshold=threshold)
        found = {_pair(a, b) for g in groups for a, b in itertools.combinations(g.ids, 2)}
        alone = {_pair(a, b) for a, b, c in candidates if c >= threshold}
        per_kind = " ".join(f"{_recall(found, kinds, k):.2f}" for k in sorted(set(kinds.values())))
        print(f"{threshold:.2f} | {_precision(found, kinds):.3f} {_recall(found, kinds):.3f} | {per_kind} | "
              f"{_precision(alone, kinds):.3f} {_recall(alone, kinds):.3f}")
    groups = duplicates.find_duplicates(library, name)
    print(f"\nwrong pairs at the chosen threshold {duplicates.EDITION_THRESHOLD}:")
    cosine = {_pair(a, b): c for a, b, c in candidates}
    for g in groups:
        for a, b in itertools.combinations(g.ids, 2):
            if _pair(a, b) not in kinds:
                e = evidence(cosine.get(_pair(a, b), float("nan")), rows[a], rows[b])
                print(f"  {rows[a]['title']!r} / {rows[b]['title']!r}: {e}")
    print("missed true pairs:")
    found = {_pair(a, b) for g in groups for a, b in itertools.combinations(g.ids, 2)}
    for pair, kind in sorted(kinds.items()):
        if pair not in found:
            e = evidence(cosine.get(pair, float("nan")), rows[pair[0]], rows[pair[1]])
            print(f"  {kind}: {rows[pair[0]]['title']!r} / {rows[pair[1]]['title']!r}: {e}")


def _closed(kinds: dict) -> dict:
    """Every pair within a group of one work counts (a copy of a copy of X is X), of the kind first named."""
    work = {}
    for a, b in sorted(kinds):
        group = work.get(a, {a}) | work.get(b, {b})
        work.update((i, group) for i in group)
    closed = dict(kinds)
    for group in {id(g): g for g in work.values()}.values():
        for a, b in itertools.combinations(sorted(group), 2):
            closed.setdefault((a, b), "same work, through a copy")
    return closed


def _pair(a: int, b: int) -> tuple[int, int]:
    return (min(a, b), max(a, b))


def _precision(found: set, kinds: dict) -> float:
    return sum(p in kinds for p in found) / len(found) if found else 1.0


def _recall(found: set, kinds: dict, kind: str | None = None) -> float:
    wanted = [p for p, k in kinds.items() if kind is None or k == kind]
    return sum(p in found for p in wanted) / len(wanted) if wanted else 1.0


def timing(dim: int = 256) -> None:
    """nearest_each on random vectors: exact and approximate, side by side."""
    print("\nnearest 8 of every piece, random vectors (dim %d):" % dim)
    rng = np.random.default_rng(0)
    for n in (10_000, 50_000):
        vectors = rng.standard_normal((n, dim), dtype=np.float32)
        for label, limit in (("exact", None), ("approximate", 0)):
            index = VectorIndex.from_vectors("bench", np.arange(n), vectors, exact_limit=limit)
            started = time.perf_counter()
            for _ in index.nearest_each(8):
                pass
            print(f"  {n:>7} pieces, {label:<11}: {time.perf_counter() - started:6.1f} s")


if __name__ == "__main__":
    main()

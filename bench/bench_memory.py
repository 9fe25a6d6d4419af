"""Peak memory of indexing: it must stay flat in the number of files.

Indexes N and M files of music21's corpus (default 100 and 600) into fresh
libraries, each in its own process, and prints the peak RSS of the indexing
process and of its converter processes side by side.

    python bench/bench_memory.py                 # 100 vs 600 files, tiny random model
    python bench/bench_memory.py --published     # the same with CLaMP-S/512's shape
    python bench/bench_memory.py --quick         # CI smoke: 10 vs 30 files
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DRIVER = """
import json, resource, sys
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.ingest.musicxml import MUSICXML_SUFFIXES
from clamp_desktop.model import load_clamp
from clamp_desktop.store import Library

folder, db, checkpoint = sys.argv[1:4]
model = load_clamp(checkpoint, device="cpu")
with Library(db) as library:
    summary = run_to_end(LibraryIndexer(library, model.name, lambda: model, suffixes=MUSICXML_SUFFIXES).run([folder]))
print(json.dumps({"self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "added": summary.added, "failed": summary.failed}))
"""


def corpus_files() -> list[Path]:
    import music21

    root = Path(music21.__file__).parent / "corpus"
    return sorted(p for p in root.rglob("*") if p.suffix in (".mxl", ".xml", ".musicxml"))


def measure(files: list[Path], checkpoint: Path, workdir: Path) -> dict:
    folder = workdir / f"scores-{len(files)}"
    folder.mkdir()
    for index, path in enumerate(files):
        shutil.copy(path, folder / f"{index:04d}-{path.name}")
    out = subprocess.run([sys.executable, "-c", DRIVER, str(folder), str(workdir / f"{len(files)}.db"), str(checkpoint)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs=2, default=(100, 600))
    parser.add_argument("--published", action="store_true", help="CLaMP-S/512 shape instead of a tiny model")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = (10, 30) if args.quick else args.sizes
    workdir = Path(tempfile.mkdtemp(prefix="clamp-mem-"))
    try:
        checkpoint = write_random_checkpoint(workdir / "model", None if args.published else tiny_config(),
                                             fmt="safetensors")
        everything = corpus_files()
        print(f"{'files':>6} {'indexer peak RSS':>18} {'converter peak RSS':>20} {'added':>6} {'failed':>7}")
        for size in sizes:
            step = max(1, len(everything) // size)
            result = measure(everything[::step][:size], checkpoint, workdir)
            print(f"{size:6d} {result['self_kib'] / 1024:15.0f} MB {result['children_kib'] / 1024:17.0f} MB "
                  f"{result['added']:6d} {result['failed']:7d}")
        print("target: peak RSS flat in the number of files")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()

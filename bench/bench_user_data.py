"""What the user's own data costs: re-reading files with and without edits, edits, collections, backup, restore.

The library is synthetic but of the real format (``store.synthetic``): one
real score stored under many names.  Side by side in one run:

* re-reading every file (``Library.store_entries``, as the indexer does for
  changed files) in a library without user data, and in the same library
  after the user edited, rated and collected ``--touched`` pieces;
* one edit (``engine.organise.edit_piece``, one transaction each), median;
* a collection of ``--touched`` pieces: adding them, one drag-reorder;
* a backup of everything, and its restore into a freshly built library.

    python bench/bench_user_data.py                        # 10,000 pieces, 1,000 touched
    python bench/bench_user_data.py --files 100 --per-file 1000 --touched 10000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path


def build(db: Path, entry, files: int, per_file: int) -> None:
    from clamp_desktop.store.synthetic import library_of_copies

    library_of_copies(db, entry, db.parent / "scores", files, per_file)


def reread(db: Path, entry, files: int, per_file: int) -> float:
    """Seconds to store every file again, as the indexer does for files whose content changed."""
    from clamp_desktop.store import Library

    folder = db.parent / "scores"
    with Library(db) as library:
        started = time.perf_counter()
        with library.atomic():
            for file in range(files):
                entries = [replace(entry, tune=tune, metadata=dict(entry.metadata, title=f"Piece {file}-{tune}"))
                           for tune in range(per_file)]
                library.store_entries(str(folder / f"copy{file}.mxl"), f"hash{file}", 2, 2, "mxl", entries)
        return time.perf_counter() - started


def touch(db: Path, touched: int) -> dict:
    """Edit, rate and collect ``touched`` pieces; returns the timings."""
    from clamp_desktop.engine import collections, organise
    from clamp_desktop.store import Library

    with Library(db) as library:
        ids = [p["id"] for p in library.pieces()][::max(1, len(library.pieces()) // touched)][:touched]
        edit_times = []
        for piece_id in ids:
            started = time.perf_counter()
            organise.edit_piece(library, piece_id, title=f"Edited {piece_id}", notes="bench")
            edit_times.append(time.perf_counter() - started)
            organise.rate(library, piece_id, piece_id % 5 + 1)
        collections.create_collection(library, "Bench")
        started = time.perf_counter()
        collections.add_to_collection(library, "Bench", ids)
        add_s = time.perf_counter() - started
        started = time.perf_counter()
        collections.move_in_collection(library, "Bench", ids[-1], 0)
        move_s = time.perf_counter() - started
    return {"edit_ms": statistics.median(edit_times) * 1000, "add_s": add_s, "move_ms": move_s * 1000}


def main() -> None:
    import music21

    from clamp_desktop.engine import backup
    from clamp_desktop.ingest.score import read_score
    from clamp_desktop.store import Library

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--per-file", type=int, default=100)
    parser.add_argument("--touched", type=int, default=1000)
    args = parser.parse_args()
    entry = read_score(Path(music21.__file__).parent / "corpus/bach/bwv66.6.mxl")[0]
    pieces = args.files * args.per_file
    base = Path(tempfile.mkdtemp(prefix="bench-user-data-"))
    try:
        db = base / "lib.db"
        build(db, entry, args.files, args.per_file)
        plain = reread(db, entry, args.files, args.per_file)
        figures = touch(db, args.touched)
        with_data = reread(db, entry, args.files, args.per_file)
        with Library(db) as library:
            started = time.perf_counter()
            counts = backup.write_backup(library, base / "backup.json")
            backup_s = time.perf_counter() - started
        fresh = base / "fresh" / "lib.db"
        fresh.parent.mkdir()
        build(fresh, entry, args.files, args.per_file)
        with Library(fresh) as library:
            started = time.perf_counter()
            report = backup.restore_backup(library, base / "backup.json")
            restore_s = time.perf_counter() - started
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"library: {pieces} pieces in {args.files} files; user data on {args.touched} pieces")
    print(f"re-read every file: {plain:.2f} s without user data, {with_data:.2f} s with it "
          f"({(with_data / plain - 1) * 100:+.1f} %)")
    print(f"one edit (a transaction): median {figures['edit_ms']:.2f} ms")
    print(f"collection: {args.touched} pieces added in {figures['add_s']:.3f} s; one reorder {figures['move_ms']:.1f} ms")
    print(f"backup: {counts['pieces']} pieces, {counts['edits']} edits in {backup_s:.2f} s; "
          f"restore into a fresh library: {report.pieces} found, {len(report.missing)} missing in {restore_s:.2f} s")


if __name__ == "__main__":
    main()

"""How long indexing the hostile corpus takes (the figure the test suite used to assert).

Builds ``tests/hostile_corpus.py``'s folder (zip bombs, a 4 GB tremolo, deep
nesting, symlink loops, files changed mid-run ...) and indexes it with the
tiny random model, two converter processes and the pool's 30 s per-file limit,
as ``tests/test_hostile_files.py`` does; prints the seconds and peak memory.
No assertion: the tests check that every file gets its reason and that no
file needs the time limit; this prints how long that took on this machine.

    python bench/bench_hostile.py
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hostile_corpus import build_hostile_corpus  # noqa: E402

from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end  # noqa: E402
from clamp_desktop.model import load_clamp  # noqa: E402
from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint  # noqa: E402
from clamp_desktop.store import Library  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        checkpoint = write_random_checkpoint(base / "clamp-tiny", tiny_config())
        folder = base / "library"
        build_hostile_corpus(folder)
        started = time.perf_counter()
        with Library(base / "hostile.db") as library:
            summary = run_to_end(LibraryIndexer(library, str(checkpoint), lambda: load_clamp(checkpoint),
                                                workers=2, timeout=30).run([folder]))
        seconds = time.perf_counter() - started
    timed_out = [path for path, reason in summary.failures if "timed out" in reason]
    print(f"hostile corpus: {summary.added} added, {summary.failed} refused, in {seconds:.1f} s "
          f"(the tests used to require < 90 s); files that hit the 30 s limit: {len(timed_out)}")
    print(f"peak RSS: indexer {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"largest converter {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

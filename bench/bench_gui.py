"""GUI timings: cold start to a filled window on a 10,000-piece library, and first-page render.

    python bench/bench_gui.py            # 5 cold starts, first pages of 10 corpus scores
    python bench/bench_gui.py --quick    # CI smoke: 1 cold start, 2 scores
    python bench/bench_gui.py --before /tmp/main-src   # cold starts side by side with another source tree

``--before DIR``: DIR holds another version's ``clamp_desktop`` package (e.g.
``git archive main clamp_desktop | tar -x -C DIR``); its cold starts alternate
with this tree's, so both share whatever load the machine has.

Cold start runs the app in a fresh process each time (offscreen) and times
from interpreter start-up to the first rows in the table.  First-page render
times Verovio's layout plus rasterising page one, as the viewer does after a
selection.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def cold_starts(runs: int, workdir: Path, score: Path, before: Path | None = None) -> tuple[list[float], list[float]]:
    """This tree's cold starts and, with ``before``, that tree's, alternating."""
    from clamp_desktop.ingest.score import read_score
    from clamp_desktop.store.synthetic import library_of_copies
    from clamp_desktop.ui.startup_probe import probe_library

    db = workdir / "big.db"
    library_of_copies(db, read_score(score)[0], score.parent)
    times, times_before = [], []
    for _ in range(runs):
        if before is not None:
            with python_path(before):
                wall, probe = probe_library(db, workdir)
            assert "deferred_imported" not in probe or before.resolve() == Path.cwd().resolve(), "not the other tree"
            times_before.append(wall)
        wall, probe = probe_library(db, workdir)
        times.append(wall)
        assert not probe["torch"]
    return times, times_before


@contextlib.contextmanager
def python_path(folder: Path):
    """Child processes import ``clamp_desktop`` from ``folder`` (ahead of the installed one)."""
    old, cwd = os.environ.get("PYTHONPATH"), os.getcwd()
    os.environ["PYTHONPATH"] = str(folder) + (os.pathsep + old if old else "")
    os.chdir(folder)          # ``python -m`` puts the working folder first: not this tree
    try:
        yield
    finally:
        os.chdir(cwd)
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old


def first_pages(scores: list[Path]) -> list[float]:
    from clamp_desktop.engine.render import ScoreRenderer
    from clamp_desktop.ui.app import application
    from clamp_desktop.ui.rasterize import page_image

    application(["bench"])
    times = []
    for score in scores:
        renderer = ScoreRenderer()
        started = time.perf_counter()
        renderer.load(score)
        page_image(renderer.page_svg(1), 900)
        times.append(time.perf_counter() - started)
    return times


def show(name: str, values: list[float], target: str) -> None:
    med = statistics.median(values)
    print(f"{name:34} median {med * 1000:8.0f} ms   min {min(values) * 1000:6.0f}   max {max(values) * 1000:6.0f}   "
          f"n={len(values)}   target {target}")


def main() -> None:
    import music21

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--before", type=Path, help="another source tree's clamp_desktop, timed alternately")
    args = parser.parse_args()
    corpus = Path(music21.__file__).parent / "corpus"
    scores = sorted(corpus.glob("bach/bwv1*.mxl"))[:2] if args.quick else sorted(corpus.glob("bach/*.mxl"))[::40][:10]
    with tempfile.TemporaryDirectory(prefix="clamp-gui-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "scores").mkdir()
        score = workdir / "scores" / "bwv1.6.mxl"
        score.write_bytes((corpus / "bach" / "bwv1.6.mxl").read_bytes())
        now, before = cold_starts(1 if args.quick else args.runs, workdir, score, args.before)
        if before:
            show(f"cold start, 10,000 pieces ({args.before.name})", before, "< 2000 ms")
        show("cold start, 10,000 pieces", now, "< 2000 ms")
        show("first page rendered", first_pages(scores), "< 300 ms")


if __name__ == "__main__":
    main()

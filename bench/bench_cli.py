"""Wall time of CLI commands side by side: what a search costs against a bare ``--version``.

    python bench/bench_cli.py                 # builds a 20-score library with the default model first
    python bench/bench_cli.py --db LIB.db     # an existing library (its model must be the default)

Each command runs as its own process (``python -m clamp_desktop``), as a user
types it, ``--runs`` times (median printed), in one run on the same machine:

- ``--version``: Python, click and the CLI's imports;
- a filter-only search (``composer:bach``): no model at all;
- a description search, cold: a fresh cache folder each time, so the text
  side of the model is loaded and the query encoded;
- the same description search, cached: its text vector comes from the
  on-disk query cache (``engine/search.py``), so no model is loaded;
- the query's encoding alone, in a fresh process, two ways: the text side
  alone (``text_model_loader``: plain-torch BERT, no transformers, what the
  cold search does) and the whole model (``model_loader``: transformers, both
  encoders, what every description search loaded before).

Figures are printed with their ratio to ``--version``; docs/performance.md
keeps a measured table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERY = "a slow chorale in a minor key"


ENCODE = ("from clamp_desktop.engine.models import {loader}; "
          f"{{loader}}(None, 'cpu')().encode_text([{QUERY!r}])")


def timed(args: list[str], env: dict) -> float:
    return timed_python(["-m", "clamp_desktop", *args], env)


def timed_python(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def build_library(folder: Path, env: dict) -> Path:
    import music21

    scores = folder / "scores"
    scores.mkdir()
    for source in sorted((Path(music21.__file__).parent / "corpus" / "bach").glob("*.mxl"))[:20]:
        (scores / source.name).symlink_to(source)
    db = folder / "bench.db"
    subprocess.run([sys.executable, "-m", "clamp_desktop", "index", str(scores), "--db", str(db)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        env = dict(os.environ, CLAMP_DESKTOP_DATA=str(work / "data"), CLAMP_DESKTOP_CACHE=str(work / "cache"),
                   CLAMP_DESKTOP_CONFIG=str(work / "config"), HF_HUB_OFFLINE="1")
        db = options.db or build_library(work, env)
        search = ["search", "--db", str(db), "--top", "5"]

        def cold() -> float:
            fresh = Path(tempfile.mkdtemp(dir=work))
            return timed(search + [QUERY], dict(env, CLAMP_DESKTOP_CACHE=str(fresh)))

        timed(search + [QUERY], env)       # fills the on-disk query cache for the cached rows
        cases = {
            "clamp-desktop --version": lambda: timed(["--version"], env),
            "search composer:bach (filter only)": lambda: timed(search + ["composer:bach"], env),
            f'search "{QUERY}" (cold)': cold,
            f'search "{QUERY}" (cached)': lambda: timed(search + [QUERY], env),
            "encode the query: text side alone (plain torch)":
                lambda: timed_python(["-c", ENCODE.format(loader="text_model_loader")], env),
            "encode the query: whole model (transformers)":
                lambda: timed_python(["-c", ENCODE.format(loader="model_loader")], env),
        }
        medians = {name: statistics.median(run() for _ in range(options.runs)) for name, run in cases.items()}
    base = medians["clamp-desktop --version"]
    print(f"{'command':55s} {'median s':>9s} {'x --version':>12s}   ({options.runs} runs each)")
    for name, seconds in medians.items():
        print(f"{name:55s} {seconds:9.2f} {seconds / base:12.1f}")


if __name__ == "__main__":
    main()

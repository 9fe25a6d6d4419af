"""Benchmark of ``clamp-desktop serve`` under many clients: searches and page renders over real HTTP.

    python bench/bench_web.py                 # 40 clients, 12 corpus scores, bundled model
    python bench/bench_web.py --clients 100 --scores 40

Indexes a few MusicXML scores from music21's corpus into a temporary library
with the bundled model, starts the server on a free loopback port (with a
password, as on a network), then has N clients at once each run a distinct
description search (so every one needs the model) and fetch a page.  Prints
the latency of each kind (median, 95th percentile, worst), the wall time for
all of them, and a first (engraved) against a cached page render.  Timings
depend on the machine and are only reported.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clamp_desktop.engine.demo import corpus_root  # noqa: E402
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end  # noqa: E402
from clamp_desktop.engine.models import model_loader, model_name  # noqa: E402
from clamp_desktop.store import Library  # noqa: E402
from clamp_desktop.web.server import BackgroundServer, ServeOptions  # noqa: E402

PASSWORD = "bench password"


def build_library(folder: Path, scores: int) -> Path:
    (folder / "scores").mkdir()
    for path in sorted(corpus_root().glob("bach/*.mxl"))[:scores]:
        shutil.copy(path, folder / "scores" / path.name)
    db = folder / "library.db"
    with Library(db) as library:
        run_to_end(LibraryIndexer(library, model_name(None), model_loader(None), inline=True).run([folder / "scores"]))
    return db


def figures(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"{name:>8}: median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
            f"worst {ordered[-1] * 1000:7.1f} ms   ({len(ordered)} requests)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--scores", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        db = build_library(folder, args.scores)
        (folder / "password").write_text(PASSWORD)
        auth = ("bench", PASSWORD)
        with BackgroundServer(ServeOptions(db, "127.0.0.1", 0, folder / "password")) as server:
            with httpx.Client(base_url=server.url, auth=auth, timeout=600) as http:
                http.get("/api/search", params={"q": "warm-up: load the model"}).raise_for_status()
                ids = [row["id"] for row in http.get("/api/search", params={"mode": "filter", "top": 200}).json()["results"]]
                started = time.perf_counter()
                http.get(f"/api/pieces/{ids[0]}/pages/1.svg").raise_for_status()
                first = time.perf_counter() - started
                started = time.perf_counter()
                http.get(f"/api/pieces/{ids[0]}/pages/1.svg").raise_for_status()
                cached = time.perf_counter() - started
            gate = threading.Barrier(args.clients)
            searches, pages = [], []

            def client(number: int) -> None:
                with httpx.Client(base_url=server.url, auth=auth, timeout=600) as http:
                    gate.wait()
                    started = time.perf_counter()
                    http.get("/api/search", params={"q": f"a chorale for voices, number {number}"}).raise_for_status()
                    searches.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    http.get(f"/api/pieces/{ids[number % len(ids)]}/pages/1.svg").raise_for_status()
                    pages.append(time.perf_counter() - started)

            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(client, range(args.clients)))
            wall = time.perf_counter() - started
    print(f"{args.clients} clients at once, {len(ids)} pieces, model {model_name(None)}")
    print(figures("search", searches))
    print(figures("page", pages))
    print(f"all answered in {wall:.2f} s; one page: engraved {first * 1000:.0f} ms, cached {cached * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A million pieces in the app: cold start, pages while scrolling, facets, keyword and semantic search.

The library is synthetic but of the real format (``store.synthetic``): one
short real score stored under 1,000,000 names, with 400 composers, every key
and metre the corpus uses, a genre and a mood tag per piece (the zero-shot
tagger's rows) and a 256-d vector per piece from the bundled model's text
space (embedding-like random draws, ``bench_search.EmbeddingLike``).  Then:

* cold start: a fresh app process to its first rows (``ui.startup_probe``);
* scrolling: the table's pages (200 rows) at the top, middle and end;
* facets: the sidebar's counts (composers, keys, metres, tags);
* keyword search: free words and field filters, first page and total;
* semantic search: the first search of a session with the vectors read from
  SQLite, then with the copy an index run saves beside the library
  (``engine/saved_vectors.py``), then after one vector changed; a warm exact
  ranking and, with ``--ann``, approximate (the HNSW graph the app builds above
  300k vectors; building it takes minutes).  The run re-encodes one vector of
  the library (a kept ``--keep`` library is changed by that one vector).

    python bench/bench_million.py                    # 1,000,000 pieces
    python bench/bench_million.py --pieces 100000 --keep /tmp/big.db
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))

from bench_search import EmbeddingLike  # noqa: E402

PER_FILE = 1000
COMPOSERS = 400
KEYS = ("C major", "G major", "D major", "A minor", "E minor", "F major", "B- major", "D minor", "F# minor")
METERS = ("4/4", "3/4", "2/4", "6/8", "3/8", "2/2")
REPEATS = 5
TAG_SCORE = 0.999    # above every calibrated threshold (genre 0.994), so every tag is visible


def build(db: Path, pieces: int, model: str) -> float:
    import music21

    from clamp_desktop.engine.tagging import load_vocabularies
    from clamp_desktop.ingest.score import read_score
    from clamp_desktop.store import Library, queries

    started = time.perf_counter()
    entry = read_score(Path(music21.__file__).parent / "corpus/bach/bwv66.6.mxl")[0]
    vocabularies, _ = load_vocabularies()
    genres, moods = (list(vocabularies[v].labels)[:8] for v in ("genre", "mood"))
    vectors = EmbeddingLike(256)
    folder = db.parent / "scores"
    tags = {"genre": [], "mood": []}
    with Library(db) as library:
        library.add_folder(folder)
        for file in range(pieces // PER_FILE):
            entries = [replace(entry, tune=t, metadata=dict(
                entry.metadata, title=f"Piece {file}-{t}", composer=f"Composer {(file * 7 + t) % COMPOSERS}",
                key=KEYS[(file + t) % len(KEYS)], time_signature=METERS[(file * 3 + t) % len(METERS)]))
                for t in range(PER_FILE)]
            with library.atomic():
                ids = library.store_entries(str(folder / f"copy{file}.mxl"), f"hash{file}", 1, 1, "mxl", entries)
                library.store_vectors(model, ids, vectors.draw(len(ids)))
            tags["genre"] += [(pid, genres[pid % len(genres)], TAG_SCORE) for pid in ids]
            tags["mood"] += [(pid, moods[pid % len(moods)], TAG_SCORE) for pid in ids]
        with library.atomic():
            for vocabulary, rows in tags.items():
                queries.replace_auto_tags(library, vocabulary, model, rows)
    return time.perf_counter() - started


def cold_starts(db: Path, workdir: Path, runs: int) -> list[float]:
    from clamp_desktop.ui.startup_probe import probe_library

    times = []
    for _ in range(runs):
        wall, probe = probe_library(db, workdir)
        assert probe["rows"], probe
        times.append(wall)
    return times


def timed(call, runs: int = REPEATS) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return times, result


def line(what: str, seconds: list[float], target: str = "", note: str = "") -> None:
    ms = [s * 1e3 for s in seconds]
    print(f"| {what} | {statistics.median(ms):,.1f} ms | {min(ms):,.1f}–{max(ms):,.1f} ms | {target} | {note} |", flush=True)


def measure(db: Path, workdir: Path, model: str, ann: bool) -> None:
    from clamp_desktop.engine.browse import facets
    from clamp_desktop.engine.search import search
    from clamp_desktop.engine.tagging import load_vocabularies
    import numpy as np

    from clamp_desktop.engine import saved_vectors
    from clamp_desktop.engine.vectors import VectorIndex
    from clamp_desktop.model import load_clamp, normalize
    from clamp_desktop.store import Library, queries

    print("| what | median | range | target | note |\n|---|---|---|---|---|")
    started = time.perf_counter()
    with Library(db) as library:        # a kept library of an older schema is upgraded here, as the app's writer would
        pass
    line("opening for writing (upgrades a kept library of an older schema, once)", [time.perf_counter() - started])
    line("cold start to rows (fresh process)", cold_starts(db, workdir, 3), "< 2 s")
    vocabularies, _ = load_vocabularies()
    with Library(db, readonly=True) as library:
        times, total = timed(lambda: queries.count_pieces(library), 3)
        before = timed(library.counts, 1)[0][0]
        line("piece total (sidebar)", times, "", f"before, every count: {before:.2f} s")
        line("files still failing (index run summary)", timed(library.files_failing, 3)[0])
        for offset in (0, total // 2, total - 200):
            times, page = timed(lambda: search(library, "", model, None, top=200, offset=offset, semantic=False))
            counted = f"; the first call counted them ({times[0] * 1e3:,.0f} ms), every later call and page " \
                "reuses the total" if offset == 0 else ""
            line(f"table page of 200 at row {offset:,}", times, "", f"{page.total:,} rows{counted}")
        times, counts = timed(lambda: facets(library, vocabularies), 3)
        line("sidebar facets (composers, keys, metres, score facts, tags)", times, "", f"{len(counts['composer'])} composers")
        for text in ("Piece 424", 'composer:"Composer 17"', "key:minor meter:3/4", f"tag:genre=\"{counts['tags:genre'][0][0]}\""):
            times, page = timed(lambda: search(library, text, model, None, top=200, semantic=False))
            line(f"keyword search `{text}` (first page + total)", times, "",
                 f"{page.total:,} matches; the first call {times[0] * 1e3:,.0f} ms, later ones reuse the total")
        clamp = load_clamp(model)
        times, query = timed(lambda: normalize(clamp.encode_text(["a slow chorale in a minor key"]))[0])
        line("query text encoding (bundled model)", times)
        saved = saved_vectors.path_for(db, model)
        saved.unlink(missing_ok=True)
        index = first_search(library, model, query, None, "first semantic search, vectors read from SQLite (before)")
        index.saved_file = saved
        line("saving the vectors beside the library (once per index run)", timed(lambda: index.save(library), 1)[0])
        first_search(library, model, query, saved, "first semantic search of a new process, saved vectors mapped")
        line(f"semantic search, exact over {len(index):,} vectors (top 20)", timed(lambda: index.ranking(query, 20), 20)[0],
             "< 150 ms")
    with Library(db) as library, library.atomic():      # one piece re-encoded, as an index run would
        piece, vector = int(index.ids[7]), -np.asarray(index.matrix[7])
        library.store_vectors(model, [piece], vector[None])
    with Library(db, readonly=True) as library:
        first_search(library, model, query, saved, "first semantic search of a new process after one vector changed")
        first_search(library, model, query, saved, "the same again (the saved copy was brought up to date)")
        running = first_search(library, model, query, saved, "an open index (as the app's), to be refreshed below")
        piece = int(running.ids[11])
    with Library(db) as library:        # writes that leave the vectors alone: a tag, a rating, a title
        times = timed(lambda: tag_rating_title(library, piece), 1)[0]
    with Library(db, readonly=True) as library:
        line("a tag, a rating and a title written (three transactions)", times)
        line("the open index's refresh after them", timed(lambda: running.refresh(library), 1)[0])
        first_search(library, model, query, saved, "first semantic search of a new process after a tag edit")
    if ann:
        approximate = VectorIndex.from_vectors(model, index.ids, index.matrix, exact_limit=0)
        started = time.perf_counter()
        for _ in approximate.build_approximate():
            pass
        line("approximate graph build (once; kept in the cache)", [time.perf_counter() - started])
        line("semantic search, approximate (top 20)", timed(lambda: approximate.ranking(query, 20), 20)[0], "< 150 ms")


def tag_rating_title(library, piece: int) -> None:
    from clamp_desktop.engine import organise
    from clamp_desktop.store import queries

    with library.atomic():
        queries.put_tag(library, piece, "genre", "waltz", "user")
    organise.rate(library, piece, 4)
    organise.edit_piece(library, piece, title="Renamed by the bench")


def first_search(library, model: str, query, saved, what: str):
    """A new index (as in a new process) to its first ranking; returns the index."""
    from clamp_desktop.engine.vectors import VectorIndex

    # The saved file is in the page cache when it was just written (a new desktop session may read it from disk).
    started = time.perf_counter()
    index = VectorIndex(model, exact_limit=10**9, saved_file=saved)
    index.refresh(library)
    index.ranking(query, 20)
    line(what, [time.perf_counter() - started])
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pieces", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="build the library here (or reuse it if it exists)")
    parser.add_argument("--ann", action="store_true", help="also build and query the approximate index (minutes)")
    args = parser.parse_args()
    from clamp_desktop.engine.models import model_name

    model = model_name(None)
    workdir = Path(tempfile.mkdtemp(prefix="bench-million-"))
    try:
        db = args.keep or workdir / "million.db"
        if not db.exists():
            db.parent.mkdir(parents=True, exist_ok=True)
            print(f"built {args.pieces:,} pieces in {build(db, args.pieces, model):.0f} s "
                  f"({db.stat().st_size / 1e9:.2f} GB)", flush=True)
        measure(db, workdir, model, args.ann)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

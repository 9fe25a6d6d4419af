"""music21's corpus -> prepared training pieces (filtered ABC + metadata), cached as JSONL.

Every file goes through the app's own ingest (``ingest.score.read_score``, run
in a ``ConverterPool``), so the model trains on exactly the ABC it will see at
inference.  For ABC files the raw header fields of each tune (``R:`` rhythm,
``O:`` origin, ``N:`` notes ...) are kept beside the metadata: descriptions
are built from them later (``training.facts``).

The cache is append-only and keyed by source file: an interrupted run resumes
where it stopped, and a finished one costs a file read.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

CORPUS_VERSION = 1
# Folders of music21's corpus that hold no scores, or only duplicates/tests.
_SKIP_DIRS = {"__pycache__", "_metadataCache"}
_SKIP_FILES = {"essenFolksong/test0.abc", "essenFolksong/test1.abc", "essenFolksong/testd.abc",
               "essenFolksong/teste.abc"}
_SKIP_FOLDERS_DEFAULT = {"demos", "theoryExercises"}
# The bundled model's selection (``default_sources``): converting all of the
# corpus takes about 45 CPU-minutes, mostly Essen's 8,500 German folk songs and
# Palestrina's 1,300 mass movements, so a fixed share of those two is used.
ESSEN_FILES = ("lux", "han1", "han2", "erk30", "erk10", "zuccal0", "fink0")
PALESTRINA_EVERY = 4


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def corpus_sources(root: Path | None = None, suffixes: Iterable[str] | None = None) -> list[str]:
    """Paths (relative to the corpus root, '/'-separated) of every convertible file, sorted."""
    from ..ingest.score import SUPPORTED_SUFFIXES

    root = root or corpus_root()
    wanted = tuple(s.lower() for s in (suffixes or SUPPORTED_SUFFIXES))
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or path.suffix.lower() not in wanted:
            continue
        if rel.split("/")[0] in _SKIP_DIRS or rel in _SKIP_FILES:
            continue
        found.append(rel)
    return sorted(found)


def _tune_fields(path: Path) -> list[dict]:
    """Raw header fields of each tune of an ABC file, in the order read_score numbers them."""
    from ..ingest.formats import read_text, split_abc_tunes

    return [_all_fields(t.text) for t in split_abc_tunes(read_text(path))]


def _all_fields(text: str) -> dict:
    """Every header field up to K: (repeated ones joined with ' | '), the file header included."""
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        if len(line) > 1 and line[1] == ":" and line[0].isalpha():
            value = line[2:].strip().strip('"').strip()
            if value:
                fields.setdefault(line[0], []).append(value)
            if line[0] == "K":
                break
    return {k: " | ".join(v) for k, v in fields.items()}


def convert_source(task: tuple[str, str]) -> list[dict]:
    """(corpus root, relative path) -> one record per piece; runs in a converter process."""
    root, rel = task
    from ..ingest.score import read_score

    path = Path(root) / rel
    entries = read_score(path)
    fields = _tune_fields(path) if path.suffix.lower() == ".abc" else []
    records = []
    for entry in entries:
        meta = {k: v for k, v in entry.metadata.items() if v not in (None, "", [])}
        records.append({
            "id": f"{rel}#{entry.tune}" if fields else rel,
            "source": rel,
            "tune": entry.tune,
            "abc": entry.abc,
            "metadata": meta,
            "abc_fields": fields[entry.tune] if entry.tune < len(fields) else {},
        })
    return records


def default_sources(root: Path | None = None) -> list[str]:
    """The corpus files the bundled model is trained on (a fixed, documented selection).

    Every convertible file except: music21's demo/test folders, Essen files
    other than ``ESSEN_FILES`` (4,492 songs from Luxembourg, China and Germany
    remain), every Palestrina file but each ``PALESTRINA_EVERY``-th, and a
    Humdrum file when the same work is there as MusicXML.
    """
    root = root or corpus_root()
    everything = corpus_sources(root)
    stems = {s.rsplit(".", 1)[0] for s in everything if not s.endswith(".krn")}
    palestrina = [s for s in everything if s.startswith("palestrina/")]
    keep_palestrina = set(palestrina[::PALESTRINA_EVERY])
    chosen = []
    for source in everything:
        folder, name = source.split("/")[0], source.rsplit("/", 1)[-1]
        if folder in _SKIP_FOLDERS_DEFAULT:
            continue
        if folder == "essenFolksong" and name.rsplit(".", 1)[0] not in ESSEN_FILES:
            continue
        if folder == "palestrina" and source not in keep_palestrina:
            continue
        if source.endswith(".krn") and source.rsplit(".", 1)[0] in stems:
            continue
        chosen.append(source)
    return chosen


_PRIORITY = {".abc": 0, ".mxl": 1, ".xml": 1, ".musicxml": 1}


@dataclass
class PrepareReport:
    pieces: int
    converted_files: int
    failed_files: int
    seconds: float


def cache_file(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"corpus-v{CORPUS_VERSION}.jsonl"


def read_cache(path: Path) -> tuple[list[dict], set[str]]:
    """(piece records, sources done) from a cache file; a torn last line is ignored."""
    pieces, done = [], set()
    if not path.exists():
        return pieces, done
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            done.add(record["source"])
            if "abc" in record:
                pieces.append(record)
    return pieces, done


def prepare_corpus(cache_dir: Path, sources: list[str] | None = None, root: Path | None = None,
                   workers: int | None = None, timeout: float = 3600.0,
                   on_file: Callable[[str, int, str | None], None] | None = None,
                   inline: bool = False, convert: Callable = convert_source,
                   prefix: str = "") -> tuple[list[dict], PrepareReport]:
    """Convert every source not in the cache yet (in parallel), then return all cached pieces.

    ``sources`` restricts the run (tests and ``--smoke`` use a handful of files);
    the returned pieces are those of ``sources`` only.  Another collection
    (``training.openscore``) shares the cache: its source names start with
    ``prefix`` (the file is ``root`` / the name without it) and ``convert``
    reads them.
    """
    from ..ingest.pool import ConverterPool, convert_inline

    root = Path(root or corpus_root())
    sources = sorted(sources) if sources is not None else default_sources(root)
    path = cache_file(cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    _, done = read_cache(path)
    todo = [s for s in sources if s not in done]
    # ABC, then MusicXML, then the rest; largest first within each, so a
    # 700-tune file never starts last on an otherwise idle pool.
    todo.sort(key=lambda s: (_PRIORITY.get(Path(s).suffix.lower(), 2),
                             -(root / s.removeprefix(prefix)).stat().st_size))
    started = time.perf_counter()
    converted = failed = 0
    if todo:
        tasks = [(str(root), s) for s in todo]
        with open(path, "a", encoding="utf-8") as out:
            if inline:
                results = convert_inline(convert, tasks)
            else:
                pool = ConverterPool(convert, workers=workers or min(2, os.cpu_count() or 1),
                                     timeout=timeout)
                results = pool.imap_unordered(tasks)
            try:
                for (_, rel), records, error in results:
                    if error is None:
                        converted += 1
                        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
                    else:
                        failed += 1
                        lines = json.dumps({"source": rel, "error": error}, ensure_ascii=False) + "\n"
                    out.write(lines)
                    out.flush()
                    if on_file:
                        on_file(rel, len(records or []), error)
            finally:
                if not inline:
                    pool.close()
    pieces, _ = read_cache(path)
    wanted = set(sources)
    pieces = [p for p in pieces if p["source"] in wanted]
    pieces.sort(key=lambda p: (p["source"], p["tune"]))
    return pieces, PrepareReport(len(pieces), converted, failed, time.perf_counter() - started)

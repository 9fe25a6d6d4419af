"""Hostile files are indexed to the end: each one recorded with a reason (or indexed if valid), nothing leaks.

One real run of the indexer (real converter pool, real SQLite file, tiny
real checkpoint) over the corpus of ``hostile_corpus.py``; the tests below
each check one promise against what that run left in the library.
"""

from __future__ import annotations

import re
import resource
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import clamp_desktop.engine.indexer as indexer_module
from clamp_desktop.engine.indexer import IndexSummary, LibraryIndexer, library_path, run_to_end
from clamp_desktop.ingest import to_clamp_abc
from clamp_desktop.ingest.pool import DEFAULT_MEMORY_LIMIT
from clamp_desktop.model import load_clamp
from clamp_desktop.model.patching import EOS_ID, PATCH_LENGTH, patchify
from clamp_desktop.store import Library
from hostile_corpus import (CANARY_TEXT, CASE_NAMES, HUGE_MEASURES, Expectation, build_hostile_corpus,
                            hanging_convert_job, musicxml)

POOL_TIMEOUT_S = 30         # the pool's per-file limit; how long the corpus takes is bench/bench_hostile.py's
PARENT_MEMORY_GROWTH = 1024**3


@dataclass
class HostileRun:
    folder: Path
    db: Path
    model: str
    expectations: dict[str, Expectation]
    summary: IndexSummary
    parent_rss_growth: int   # bytes the indexing process itself grew by (peak)
    children_peak_rss: int   # bytes, the largest converter process


def _max_rss(who: int) -> int:
    return resource.getrusage(who).ru_maxrss * 1024  # Linux reports KiB


def index_with_mid_run_changes(library: Library, folder: Path, model: str, expectations, **options):
    """Run the indexer; once the scan has counted the files, do each case's ``during_run`` to its file."""
    job = LibraryIndexer(library, model, lambda: load_clamp(model), **options).run([folder])
    changed = False
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value
        if progress.stage == "scan" and progress.total and not changed:
            changed = True
            for name, expectation in expectations.items():
                if expectation.during_run:
                    expectation.during_run(folder / name)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, tiny_checkpoint) -> HostileRun:
    base = tmp_path_factory.mktemp("hostile")
    folder = base / "library"
    expectations = build_hostile_corpus(folder)
    db = base / "hostile.db"
    rss_before = _max_rss(resource.RUSAGE_SELF)
    with Library(db) as library:
        summary = index_with_mid_run_changes(library, folder, str(tiny_checkpoint), expectations,
                                             workers=2, timeout=POOL_TIMEOUT_S)
    return HostileRun(folder, db, str(tiny_checkpoint), expectations, summary, _max_rss(resource.RUSAGE_SELF) - rss_before,
                      _max_rss(resource.RUSAGE_CHILDREN))


def rows_by_path(db: Path) -> dict[str, dict]:
    with Library(db, readonly=True) as library:
        return {row["path"]: row for row in library.pieces(status=None)}


@pytest.mark.parametrize("name", CASE_NAMES, ids=[ascii(n).strip("'") for n in CASE_NAMES])
def test_each_hostile_file_ends_as_expected(hostile_run, name):
    expectation = hostile_run.expectations[name]
    if expectation.skip:
        pytest.skip(expectation.skip)
    row = rows_by_path(hostile_run.db).get(library_path(str(hostile_run.folder / name)))
    if expectation.outcome == "absent":
        assert row is None
        return
    assert row is not None, "every file that exists after the run has a row"
    assert row["status"] == expectation.outcome, row["error"]
    if expectation.outcome == "failed":
        assert re.search(expectation.reason, row["error"]), row["error"]


def test_every_reason_is_one_short_line_and_also_reported(hostile_run):
    failures = {r["path"]: r["error"] for r in rows_by_path(hostile_run.db).values() if r["status"] == "failed"}
    assert len(failures) >= 25
    for path, reason in failures.items():
        assert reason and "\n" not in reason and len(reason) <= 300, (path, reason)
    assert dict(hostile_run.summary.failures) == failures


def test_valid_files_get_vectors_of_their_stored_abc(hostile_run, tiny_model):
    with Library(hostile_run.db, readonly=True) as library:
        ids, vectors = library.load_vectors(hostile_run.model)
        ok = [r["id"] for r in library.pieces()]
        abcs = [library.piece(int(i))["abc"] for i in ids]
    assert sorted(ids.tolist()) == sorted(ok) and len(ok) >= 10
    assert np.allclose(vectors, tiny_model.encode_music(abcs), atol=1e-5)


def test_canary_never_reaches_the_library(hostile_run):
    with sqlite3.connect(hostile_run.db) as conn:
        dump = "\n".join(conn.iterdump())
    assert CANARY_TEXT not in dump
    for written in hostile_run.db.parent.glob(hostile_run.db.name + "*"):     # the WAL, the saved vectors...
        for path in [p for p in written.rglob("*") if p.is_file()] if written.is_dir() else [written]:
            assert CANARY_TEXT.encode() not in path.read_bytes(), path


def test_archive_member_paths_write_nothing_outside(hostile_run):
    base = hostile_run.folder.parent
    assert not list(base.parent.rglob("escaped.xml"))


def test_run_is_bounded_in_time_and_memory(hostile_run):
    # No file needed the pool's time limit: each is refused by its own check (size, depth, memory),
    # so the run's length is bounded by the work, not by files x the limit.
    assert not [path for path, reason in hostile_run.summary.failures if "timed out" in reason]
    # The 2 GiB zip bomb and the 4 GB tremolo never inflate in the indexing process...
    assert hostile_run.parent_rss_growth < PARENT_MEMORY_GROWTH
    # ... and a converter process cannot grow past its limit.
    assert hostile_run.children_peak_rss < DEFAULT_MEMORY_LIMIT


def test_symlink_loop_is_walked_once(hostile_run):
    paths = list(rows_by_path(hostile_run.db))
    assert not [p for p in paths if "/self/" in p or "/back/" in p]
    assert sum("inside_a_symlink_loop" in p for p in paths) == 1


def test_huge_score_is_cut_to_the_patch_limit_the_reference_way(hostile_run, tiny_model):
    path = str(hostile_run.folder / "huge_valid.musicxml")
    with Library(hostile_run.db, readonly=True) as library:
        piece = next(p for p in library.pieces() if p["path"] == path)
        stored = library.vector(piece["id"], hostile_run.model)
        abc = library.piece(piece["id"])["abc"]
    assert abc.count("|") >= HUGE_MEASURES          # the library keeps the whole piece ...
    every_patch = patchify(abc, 10**9)
    limit = tiny_model.max_length
    assert len(every_patch) > 100 * limit
    reference_cut = every_patch[:limit]              # ... the model sees the first patches, end patch lost
    assert reference_cut[-1] != [EOS_ID] * PATCH_LENGTH
    assert np.allclose(stored, tiny_model.encode_patches([reference_cut])[0], atol=1e-5)
    kept_end_mark = every_patch[:limit - 1] + [every_patch[-1]]
    assert not np.allclose(stored, tiny_model.encode_patches([kept_end_mark])[0], atol=1e-3)


def test_second_run_rereads_only_the_files_changed_mid_run(hostile_run):
    rewritten = hostile_run.folder / "rewritten_while_indexing.musicxml"
    garbled = hostile_run.folder / "garbled_while_indexing.musicxml"
    with Library(hostile_run.db) as library:
        summary = run_to_end(LibraryIndexer(library, hostile_run.model, lambda: load_clamp(hostile_run.model),
                                            workers=2, timeout=30).run([hostile_run.folder]))
        row = next(p for p in library.pieces() if p["path"] == str(rewritten))
        abc = library.piece(row["id"])["abc"]
    assert (summary.added, summary.removed, summary.moved) == (0, 0, 0)
    assert summary.updated == 1 and [p for p, _ in summary.failures] == [str(garbled)]
    assert abc == to_clamp_abc(rewritten)
    assert summary.encoded == 0   # the first run already encoded the new content; its vector is kept


def test_a_lone_file_is_converted_in_a_process_with_a_time_limit(tmp_path, tiny_checkpoint, monkeypatch):
    """One file alone in a folder gets the same limits as a thousand: it runs in a killable process."""
    monkeypatch.setattr(indexer_module, "convert_job", hanging_convert_job)   # a converter that never ends
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "stuck.musicxml").write_text(musicxml(4), encoding="utf-8")
    with Library(tmp_path / "one.db") as library:
        summary = run_to_end(LibraryIndexer(library, str(tiny_checkpoint), lambda: load_clamp(tiny_checkpoint),
                                            timeout=0.3).run([folder]))
    assert [reason for _, reason in summary.failures] == ["conversion timed out after 0.3 s"]

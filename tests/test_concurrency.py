"""Readers and writers at once: readers never see "database is locked"; a second writer is refused cleanly.

Real processes on a real library file: the indexer writes in this process
(with tiny transactions, so it commits often) while another process searches
the library through the engine, as the GUI does while a folder is indexed.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import clamp_desktop.engine.indexer as indexer
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.errors import LibraryError
from clamp_desktop.store import Library

# Searches the library in a loop, opening it anew each time; once told the writer has closed, reads
# READS_AFTER_WRITER more times (the library with no writer at all) and prints what it saw.
READER = r"""
import json, sys
from pathlib import Path
from clamp_desktop.engine.models import model_loader
from clamp_desktop.engine.search import search
from clamp_desktop.store import Library

db, model, stop = sys.argv[1:]
load = model_loader(model, "cpu")
load()
report = {"reads": 0, "errors": [], "revisions": [], "pieces": [], "reads_after_writer": 0}
print("ready", flush=True)
while report["reads_after_writer"] < 3:
    if Path(stop).exists():
        report["reads_after_writer"] += 1
    try:
        with Library(db, readonly=True) as library:
            for text in ("a slow chorale in a minor key", "bach"):
                search(library, text, model, load, top=5)
                search(library, text, model, load, top=5, semantic=False)
            report["revisions"].append(library.revision())
            report["pieces"].append(library.counts()["pieces"])
            report["reads"] += 1
    except Exception as exc:
        report["errors"].append(f"{type(exc).__name__}: {exc}")
print(json.dumps(report), flush=True)
"""


def chorale_folder(base: Path, corpus, count: int) -> Path:
    folder = base / "scores"
    folder.mkdir()
    for path in corpus.files("bach/bwv1*.mxl", count):
        shutil.copy(path, folder / path.name)
    return folder


def integrity(db: Path) -> list:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchall()


def test_reader_process_searches_while_the_indexer_writes(tmp_path, corpus, tiny_checkpoint, tiny_model,
                                                          monkeypatch):
    monkeypatch.setattr(indexer, "COMMIT_EVERY", 2)
    monkeypatch.setattr(indexer, "ENCODE_BATCH", 2)
    folder = chorale_folder(tmp_path, corpus, 16)
    db, model, stop = tmp_path / "lib.db", str(tiny_checkpoint), tmp_path / "stop"
    Library(db).close()   # the library exists (schema and all) before the reader opens it
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), model, str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
        with Library(db) as library:
            summary = run_to_end(LibraryIndexer(library, model, lambda: tiny_model, workers=2).run([folder]))
        with Library(db) as library:   # and once more: a run with nothing to do, then the writer closes
            run_to_end(LibraryIndexer(library, model, lambda: tiny_model).run([folder]))
        stop.touch()      # it reads three more times with no writer at all (the WAL checkpointed away)
        out, err = reader.communicate(timeout=120)
    finally:
        reader.kill()
    report = json.loads(out.strip().splitlines()[-1])
    assert summary.added == 16 and summary.encoded == 16
    assert report["errors"] == [], err
    assert report["reads"] >= 5 and report["reads_after_writer"] == 3
    # It read while the writer worked: it saw the library grow through several commits.
    assert len(set(report["revisions"])) >= 3 and report["pieces"][-1] == 16
    assert report["pieces"] == sorted(report["pieces"])
    assert integrity(db) == [("ok",)]


def test_second_writer_in_the_same_process_is_refused(tmp_path):
    db = tmp_path / "lib.db"
    with Library(db):
        with pytest.raises(LibraryError, match=r"open for writing in another clamp-desktop window or command"):
            Library(db)
        Library(db, readonly=True).close()   # reading still works
    Library(db).close()   # and once the first writer closes, writing works again


def test_second_writer_process_is_refused_while_indexing_and_nothing_breaks(tmp_path, corpus, tiny_checkpoint,
                                                                             tiny_model, monkeypatch):
    monkeypatch.setattr(indexer, "COMMIT_EVERY", 2)
    folder = chorale_folder(tmp_path, corpus, 12)
    (tmp_path / "other").mkdir()
    other = chorale_folder(tmp_path / "other", corpus, 3)
    db, model = tmp_path / "lib.db", str(tiny_checkpoint)
    second = None
    with Library(db) as library:
        job = LibraryIndexer(library, model, lambda: tiny_model, workers=2).run([folder])
        for progress in job:
            if progress.stage == "convert" and second is None:
                second = subprocess.run(
                    [sys.executable, "-m", "clamp_desktop", "index", str(other), "--db", str(db), "--model", model],
                    capture_output=True, text=True, timeout=120)
    assert second is not None and second.returncode == 1
    message = second.stderr.strip()
    assert message.startswith("error: The library") and "open for writing" in message
    assert "\n" not in message and "Traceback" not in second.stderr
    assert integrity(db) == [("ok",)]
    with Library(db, readonly=True) as library:
        assert library.counts()["pieces"] == 12
        assert library.folders() == [str(folder)]   # the refused command changed nothing
        assert len(library.load_vectors(model)[0]) == 12

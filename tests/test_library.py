"""The library stays in step with its folder: add, modify, rename, delete, failures, upgrades."""

import shutil
import sqlite3

import numpy as np
import pytest

from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.errors import LibraryError
from clamp_desktop.model import load_clamp
from clamp_desktop.store import Library, migrations


class CountingLoader:
    """Loads the real model, counting how often the indexer asks for it."""

    def __init__(self, folder):
        self.folder = folder
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return load_clamp(self.folder)


def index(db, folder, checkpoint, inline=True):
    loader = CountingLoader(checkpoint)
    with Library(db) as library:
        summary = run_to_end(LibraryIndexer(library, str(checkpoint), loader, inline=inline).run([folder]))
    return summary, loader


def test_first_run_adds_every_file_with_a_vector(tmp_path, score_folder, tiny_checkpoint):
    db = tmp_path / "lib.db"
    summary, loader = index(db, score_folder, tiny_checkpoint)
    files = len(list(score_folder.iterdir()))
    assert summary.added == files and summary.failed == 0
    assert summary.encoded == files
    with Library(db, readonly=True) as library:
        ids, vectors = library.load_vectors(str(tiny_checkpoint))
        assert len(ids) == files
        assert vectors.shape == (files, 32)
        piece = library.piece(int(ids[0]))
        expected = load_clamp(tiny_checkpoint).encode_music([piece["abc"]])[0]
        assert np.allclose(vectors[0], expected, atol=1e-5)


def test_pool_and_inline_conversion_store_the_same(tmp_path, score_folder, tiny_checkpoint):
    index(tmp_path / "a.db", score_folder, tiny_checkpoint, inline=True)
    index(tmp_path / "b.db", score_folder, tiny_checkpoint, inline=False)
    with Library(tmp_path / "a.db") as a, Library(tmp_path / "b.db") as b:
        rows_a = {p["path"]: a.piece(p["id"])["abc"] for p in a.pieces()}
        rows_b = {p["path"]: b.piece(p["id"])["abc"] for p in b.pieces()}
    assert rows_a == rows_b


def test_second_run_on_unchanged_folder_does_no_model_work(tmp_path, score_folder, tiny_checkpoint):
    db = tmp_path / "lib.db"
    index(db, score_folder, tiny_checkpoint)
    summary, loader = index(db, score_folder, tiny_checkpoint)
    assert loader.calls == 0
    assert summary.added == summary.updated == summary.encoded == 0
    assert summary.unchanged == len(list(score_folder.iterdir()))


def test_rename_keeps_entry_vector_and_user_tags(tmp_path, score_folder, tiny_checkpoint):
    db = tmp_path / "lib.db"
    index(db, score_folder, tiny_checkpoint)
    old = sorted(score_folder.glob("*.mxl"))[0]
    with Library(db) as library:
        (piece,) = [p for p in library.pieces() if p["path"] == str(old)]
        with library.atomic() as conn:
            conn.execute("INSERT INTO tags (piece_id, vocabulary, label, source) VALUES (?, 'mine', 'favourite', 'user')",
                         (piece["id"],))
    (score_folder / "sub").mkdir()
    new = score_folder / "sub" / "moved here.mxl"
    old.rename(new)
    summary, loader = index(db, score_folder, tiny_checkpoint)
    assert summary.moved == 1 and summary.removed == 0 and summary.added == 0
    assert loader.calls == 0
    with Library(db) as library:
        moved = library.piece(piece["id"])
        assert moved["path"] == str(new)
        assert library.vector(piece["id"], str(tiny_checkpoint)) is not None
        tags = library.conn.execute("SELECT label FROM tags WHERE piece_id = ?", (piece["id"],)).fetchall()
        assert tags == [("favourite",)]


def test_changed_file_is_reconverted_and_reencoded(tmp_path, score_folder, tiny_checkpoint, corpus):
    db = tmp_path / "lib.db"
    index(db, score_folder, tiny_checkpoint)
    target = sorted(score_folder.glob("*.mxl"))[0]
    shutil.copy(corpus.root / "bach" / "bwv66.6.mxl", target)
    summary, loader = index(db, score_folder, tiny_checkpoint)
    assert summary.updated == 1 and summary.encoded == 1 and loader.calls == 1
    with Library(db) as library:
        (piece,) = [p for p in library.pieces() if p["path"] == str(target)]
        assert piece["key"] == "F# minor"


def test_deleted_file_is_removed(tmp_path, score_folder, tiny_checkpoint):
    db = tmp_path / "lib.db"
    index(db, score_folder, tiny_checkpoint)
    victim = sorted(score_folder.iterdir())[-1]
    victim.unlink()
    summary, _ = index(db, score_folder, tiny_checkpoint)
    assert summary.removed == 1
    with Library(db) as library:
        assert str(victim) not in {p["path"] for p in library.pieces()}


def test_broken_files_are_recorded_and_the_run_finishes(tmp_path, score_folder, tiny_checkpoint):
    full = sorted(score_folder.glob("*.mxl"))[0].read_bytes()
    (score_folder / "truncated.mxl").write_bytes(full[: len(full) // 2])
    (score_folder / "empty.musicxml").write_bytes(b"")
    (score_folder / "feed.xml").write_text("<?xml version='1.0'?><rss/>")
    (score_folder / "bytes.xml").write_bytes(bytes(range(256)) * 4)
    (score_folder / "odd name \u00e9\u266b.mxl").write_bytes(full)
    db = tmp_path / "lib.db"
    summary, _ = index(db, score_folder, tiny_checkpoint, inline=False)
    failed = dict(summary.failures)
    assert set(failed) == {str(score_folder / n) for n in ("truncated.mxl", "empty.musicxml", "feed.xml", "bytes.xml")}
    assert "not MusicXML" in failed[str(score_folder / "feed.xml")]
    assert "empty" in failed[str(score_folder / "empty.musicxml")]
    with Library(db) as library:
        assert {f["path"] for f in library.failures()} == set(failed)
        assert str(score_folder / "odd name \u00e9\u266b.mxl") in {p["path"] for p in library.pieces()}
    # a failed file that is fixed is read again
    shutil.copy(sorted(score_folder.glob("PMFC*.xml"))[0], score_folder / "feed.xml")
    summary, _ = index(db, score_folder, tiny_checkpoint)
    assert summary.updated == 1


def test_old_library_upgrades_in_place(tmp_path):
    db = tmp_path / "old.db"
    version, _, sql = migrations()[0]
    conn = sqlite3.connect(db)
    conn.executescript(sql + f"\nPRAGMA user_version = {version};")
    conn.execute("INSERT INTO pieces (path, hash, size, mtime_ns, status, title) VALUES ('/x.mxl', 'h', 1, 1, 'ok', 'Old piece')")
    conn.commit()
    conn.close()
    with Library(db) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
        assert library.pieces()[0]["title"] == "Old piece"
        assert "genre" in library.pieces()[0]
        hit = library.conn.execute("SELECT rowid FROM pieces_fts WHERE pieces_fts MATCH 'old'").fetchall()
        assert hit == [(1,)]


def test_second_writer_is_refused_but_readers_work(tmp_path):
    db = tmp_path / "lib.db"
    with Library(db):
        with pytest.raises(LibraryError, match="open for writing"):
            Library(db)
        with Library(db, readonly=True) as reader:
            assert reader.counts()["pieces"] == 0


def test_reader_on_missing_library_gets_a_clear_error(tmp_path):
    with pytest.raises(LibraryError, match="No library"):
        Library(tmp_path / "nothing.db", readonly=True)


def test_closing_a_run_midway_ends_the_encoder_thread(tmp_path, score_folder, tiny_checkpoint):
    import threading

    from waiting import wait_until

    with Library(tmp_path / "lib.db") as library:
        job = LibraryIndexer(library, str(tiny_checkpoint), CountingLoader(tiny_checkpoint), inline=True).run([score_folder])
        for progress in job:
            if progress.stage == "convert":
                break
        job.close()  # what the GUI's cancel does between yields
    encoder_running = lambda: any(t.name == "clamp-encoder" for t in threading.enumerate())  # noqa: E731
    wait_until(lambda: not encoder_running(), 30, "the encoder thread to end")
    assert not encoder_running()


def test_pieces_by_many_ids_keeps_the_given_order(tmp_path, score_folder, tiny_checkpoint, tiny_model):
    from search_helpers import index_library

    db = tmp_path / "lib.db"
    index_library(db, score_folder, tiny_checkpoint, tiny_model)
    with Library(db) as library:
        real = [p["id"] for p in library.pieces()][::-1]
        # more ids than one SQLite statement may take (32,766; 999 in older builds), most unknown
        asked = list(range(100_000, 140_000)) + real + real[:2]
        assert [p["id"] for p in library.pieces(asked)] == real

"""The vectors saved beside the library: used by the next process, kept in step, never trusted when stale or torn.

Each "next process" is a new ``VectorIndex`` on a real library file; a spy on
``queries.vectors_for`` shows which vectors it had to read from SQLite.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest

from clamp_desktop.engine import organise, saved_vectors
from clamp_desktop.engine.vectors import VectorIndex
from clamp_desktop.model import normalize
from clamp_desktop.store import Library, migrations, queries
from conftest import copy_score_folder
from search_helpers import index_library


@pytest.fixture(scope="module")
def indexed_once(tmp_path_factory, tiny_checkpoint, tiny_model):
    base = tmp_path_factory.mktemp("saved")
    folder = copy_score_folder(base / "scores")
    return base / "lib.db", index_library(base / "lib.db", folder, tiny_checkpoint, tiny_model)


@pytest.fixture
def indexed(indexed_once, tmp_path):
    """A copy of a real index run's library: (db, model name); the run saved the vectors beside it."""
    built, name = indexed_once
    shutil.copy(built, tmp_path / "lib.db")
    shutil.copytree(Path(f"{built}-vectors"), tmp_path / "lib.db-vectors")
    return tmp_path / "lib.db", name


@pytest.fixture
def reads(monkeypatch):
    """Every piece id whose vector is read from SQLite, in order."""
    seen: list[int] = []
    real = queries.vectors_for

    def spy(library, model, ids):
        seen.extend(int(i) for i in ids)
        return real(library, model, ids)

    monkeypatch.setattr(queries, "vectors_for", spy)
    return seen


def next_process(db, name) -> VectorIndex:
    with Library(db, readonly=True) as library:
        index = VectorIndex(name, saved_file=saved_vectors.path_for(db, name))
        assert index.refresh(library)
        return index


def assert_matches_table(index: VectorIndex, db, name) -> None:
    with Library(db, readonly=True) as library:
        ids, vectors = library.load_vectors(name)
    assert index.ids.tolist() == ids.tolist()
    np.testing.assert_allclose(index.matrix, normalize(vectors), atol=1e-6)


def test_an_index_run_saves_the_vectors_and_the_next_process_maps_them(indexed, reads):
    db, name = indexed
    path = saved_vectors.path_for(db, name)
    assert path.parent == db.parent / "lib.db-vectors"
    index = next_process(db, name)
    assert reads == []
    assert isinstance(index.matrix.base, np.memmap) or isinstance(index.matrix, np.memmap)
    assert_matches_table(index, db, name)
    with Library(db, readonly=True) as library:
        assert saved_vectors.read(path).revision == library.revision()


def test_a_changed_vector_is_read_alone_and_the_copy_brought_up_to_date(indexed, reads, tiny_model):
    db, name = indexed
    with Library(db) as library:
        moved = int(library.load_vectors(name)[0][2])
        with library.atomic():
            library.store_vectors(name, [moved], np.full((1, tiny_model.dim), 0.5, np.float32))
        revision = library.revision()
    index = next_process(db, name)
    assert reads == [moved]
    assert_matches_table(index, db, name)
    np.testing.assert_allclose(index.vector(moved), np.full(tiny_model.dim, 1 / np.sqrt(tiny_model.dim)), atol=1e-6)
    assert saved_vectors.read(saved_vectors.path_for(db, name)).revision == revision
    reads.clear()
    assert_matches_table(next_process(db, name), db, name)
    assert reads == []


def test_a_write_that_leaves_the_vectors_alone_only_restamps_the_copy(indexed, reads):
    db, name = indexed
    path = saved_vectors.path_for(db, name)
    before = path.read_bytes()
    with Library(db) as library:
        with library.atomic():
            library.add_folder(db.parent / "elsewhere")
        revision = library.revision()
    assert_matches_table(next_process(db, name), db, name)
    assert reads == []
    after = path.read_bytes()
    assert after[64:] == before[64:] and saved_vectors.read(path).revision == revision


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "torn header", "partial write left over"])
def test_a_torn_or_damaged_copy_is_never_trusted_and_is_rewritten(indexed, reads, damage):
    db, name = indexed
    path = saved_vectors.path_for(db, name)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) - 100]
    elif damage == "flipped byte":
        data[-3] ^= 0x40
    elif damage == "torn header":
        data[20] ^= 0x01
    else:       # a crash while writing leaves the partial file, never a half-written copy under the real name
        abandoned = path.with_name(path.name + ".1234.partial")
        abandoned.write_bytes(data[:100])
        os.utime(abandoned, (0, 0))         # from long ago: its writer is gone
        path.unlink()
    if path.exists():
        path.write_bytes(data)
    assert saved_vectors.read(path) is None
    index = next_process(db, name)
    assert sorted(reads) == index.ids.tolist()
    assert_matches_table(index, db, name)
    assert saved_vectors.read(path) is not None
    assert not list(path.parent.glob("*.partial"))


def test_a_copy_from_another_library_at_the_same_revision_is_not_trusted(indexed, reads, tmp_path):
    db, name = indexed
    path = saved_vectors.path_for(db, name)
    with Library(db, readonly=True) as library:
        revision, generation = queries.vector_state(library, name)
        ids, vectors = library.load_vectors(name)
    saved_vectors.write(path, revision, generation ^ 1, len(ids), ids[:1],
                        np.zeros(1, f"S{queries.FINGERPRINT_BYTES}"), normalize(vectors[:1] + 1))
    index = next_process(db, name)
    assert sorted(reads) == ids.tolist()
    assert_matches_table(index, db, name)


def test_saving_over_a_copy_torn_since_it_was_read_writes_it_whole(indexed):
    db, name = indexed
    path = saved_vectors.path_for(db, name)
    index = next_process(db, name)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01                                   # the magic: no header to restamp
    path.write_bytes(data)
    with Library(db, readonly=True) as library:
        index.save(library)
        saved = saved_vectors.read(path)
        assert saved is not None and saved.revision == library.revision()
    assert saved.ids.tolist() == index.ids.tolist()


# --- the vector generation (migration 0007): writes that leave the vectors alone read no vector head -----------

@pytest.fixture
def head_scans(monkeypatch):
    """One entry per scan of every vector's blob head (``queries.vector_fingerprints``)."""
    seen: list[str] = []
    real = queries.vector_fingerprints

    def spy(library, model):
        seen.append(model)
        return real(library, model)

    monkeypatch.setattr(queries, "vector_fingerprints", spy)
    return seen


def edit_tag_rating_and_title(library, piece_id: int) -> None:
    with library.atomic():
        queries.put_tag(library, piece_id, "genre", "waltz", "user")
    organise.rate(library, piece_id, 4)
    organise.edit_piece(library, piece_id, title="Renamed")


def test_a_tag_a_rating_or_a_title_edit_reads_no_vector_head(indexed, reads, head_scans):
    db, name = indexed
    path = saved_vectors.path_for(db, name)
    with Library(db) as library:
        running = VectorIndex(name, saved_file=path)        # the app's index, open across the edits
        assert running.refresh(library) and head_scans == []
        piece = int(running.ids[1])
        before = library.revision()
        edit_tag_rating_and_title(library, piece)
        assert library.revision() > before
        assert not running.refresh(library)                 # the revision moved; the vectors did not
        assert not running.refresh(library)
        revision = library.revision()
    assert head_scans == [] and reads == []
    assert_matches_table(running, db, name)
    index = next_process(db, name)                          # the saved copy is used as it is, and restamped
    assert head_scans == [] and reads == []
    assert_matches_table(index, db, name)
    assert saved_vectors.read(path).revision == revision


def remove_piece_file(library, piece_id: int) -> None:
    library.delete_files([library.piece(piece_id)["path"]])


def mark_piece_failed(library, piece_id: int) -> None:
    piece = library.piece(piece_id)
    library.store_failure(piece["path"], piece["hash"], 1, 1, "mxl", "cannot be read any more")


def re_encode(library, piece_id: int) -> None:
    dim = library.conn.execute("SELECT dim FROM embeddings WHERE piece_id = ?", (piece_id,)).fetchone()[0]
    library.store_vectors(next(iter(library.conn.execute("SELECT model FROM embeddings LIMIT 1")))[0],
                          [piece_id], np.full((1, dim), 0.25, np.float32))


@pytest.mark.parametrize("change", [re_encode, mark_piece_failed, remove_piece_file])
def test_a_re_encoded_failing_or_removed_piece_is_found_by_the_head_scan(indexed, head_scans, change):
    db, name = indexed
    with Library(db) as library:
        running = VectorIndex(name, saved_file=saved_vectors.path_for(db, name))
        running.refresh(library)
        piece = int(running.ids[3])
        with library.atomic():
            change(library, piece)
        assert running.refresh(library)
    assert head_scans == [name]
    assert_matches_table(running, db, name)
    assert (piece in running.ids.tolist()) == (change is re_encode)
    head_scans.clear()
    assert_matches_table(next_process(db, name), db, name)  # the running index saved nothing: one scan corrects the copy
    assert head_scans == [name]


SECOND_PROCESS = """
    import sys
    import numpy as np
    from clamp_desktop.engine import organise
    from clamp_desktop.store import Library
    db, name, piece, what = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with Library(db, wait=60) as library:        # as a CLI command does
        if what == "rating":
            organise.rate(library, piece, 5)
        else:
            dim = library.conn.execute("SELECT dim FROM embeddings WHERE piece_id = ?", (piece,)).fetchone()[0]
            with library.atomic():
                library.store_vectors(name, [piece], np.full((1, dim), -1.0, np.float32))
    print("done", flush=True)
"""


def test_a_second_process_writing_is_seen_by_a_running_index(indexed, head_scans, tiny_model):
    db, name = indexed
    with Library(db, readonly=True) as library:             # the app's reader, open throughout
        running = VectorIndex(name)
        running.refresh(library)
        piece = int(running.ids[2])
        for what, scans in (("rating", []), ("vector", [name])):
            head_scans.clear()
            writer = subprocess.run([sys.executable, "-c", textwrap.dedent(SECOND_PROCESS), str(db), name,
                                     str(piece), what], capture_output=True, text=True, timeout=300)
            assert writer.stdout == "done\n", writer.stderr
            running.refresh(library)
            assert head_scans == scans
    np.testing.assert_allclose(running.vector(piece), np.full(tiny_model.dim, -1 / np.sqrt(tiny_model.dim)),
                               atol=1e-6)
    assert_matches_table(running, db, name)


def as_version_1(path: Path) -> None:
    """Rewrite a saved copy's header as a version-1 file (before generations) wrote it."""
    data = bytearray(path.read_bytes())
    magic, _, revision, _, rows, count, dim, body_crc, _ = saved_vectors._HEADER.unpack_from(data)
    fields = saved_vectors._HEADER_V1.pack(magic, 1, revision, rows, count, dim, body_crc, 0)[:-4]
    data[:64] = (fields + struct.pack("<I", zlib.crc32(fields))).ljust(64, b"\0")
    path.write_bytes(data)


def test_a_version_1_copy_is_corrected_by_one_head_scan_and_restamped(indexed, reads, head_scans):
    db, name = indexed
    path = saved_vectors.path_for(db, name)
    as_version_1(path)
    assert saved_vectors.read(path).generation is None      # never taken as it is
    assert_matches_table(next_process(db, name), db, name)
    assert head_scans == [name] and reads == []             # a starting point: no vector read again
    with Library(db, readonly=True) as library:
        assert saved_vectors.read(path).generation == queries.vector_state(library, name)[1] is not None
    head_scans.clear()
    next_process(db, name)
    assert head_scans == []


def test_a_library_made_before_0007_gets_generations_that_follow_its_writes(tmp_path, head_scans):
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    for version, _, sql in migrations():
        if version <= 6:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
    for piece in (1, 2, 3):
        conn.execute("INSERT INTO pieces (id, path, hash, size, mtime_ns, status, title) "
                     "VALUES (?, ?, 'h', 1, 1, 'ok', 'Old piece')", (piece, f"/scores/{piece}.mxl"))
        conn.execute("INSERT INTO embeddings (piece_id, model, dim, vector) VALUES (?, 'old-model', 2, ?)",
                     (piece, np.array([1, piece], "<f4").tobytes()))
    conn.commit()
    conn.close()
    with Library(db) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0] >= 7
        generation = queries.vector_state(library, "old-model")[1]
        assert generation is not None and queries.vector_state(library, "no-such-model")[1] is None
        index = VectorIndex("old-model")
        index.refresh(library)
        assert index.ids.tolist() == [1, 2, 3] and head_scans == ["old-model"]
        organise.edit_piece(library, 2, title="New name")
        assert queries.vector_state(library, "old-model")[1] == generation
        index.refresh(library)
        assert head_scans == ["old-model"]
        with library.atomic():
            library.delete_files(["/scores/2.mxl"])
        assert queries.vector_state(library, "old-model")[1] != generation
        index.refresh(library)
        assert index.ids.tolist() == [1, 3] and head_scans == ["old-model", "old-model"]


def test_the_generation_moves_when_a_piece_changes_status_or_goes_even_with_its_vector_left_behind(indexed):
    db, name = indexed
    with Library(db) as library:
        index = VectorIndex(name)
        index.refresh(library)
        piece = int(index.ids[0])
        steps = [("UPDATE pieces SET status = 'failed' WHERE id = ?", False),     # its vector row stays
                 ("UPDATE pieces SET status = 'ok' WHERE id = ?", True),
                 ("DELETE FROM pieces WHERE id = ?", False)]                     # foreign keys off below
        library.conn.execute("PRAGMA foreign_keys = OFF")
        for sql, listed in steps:
            generation = queries.vector_state(library, name)[1]
            with library.atomic():
                library.conn.execute(sql, (piece,))
            assert queries.vector_state(library, name)[1] != generation
            index.refresh(library)
            assert (piece in index.ids.tolist()) == listed
        generation = queries.vector_state(library, name)[1]
        with library.atomic():      # a new piece under the id of the vector left behind
            library.conn.execute("INSERT INTO pieces (id, path, hash, size, mtime_ns, status) "
                                 "VALUES (?, '/elsewhere.mxl', 'x', 1, 1, 'ok')", (piece,))
        assert queries.vector_state(library, name)[1] != generation
        index.refresh(library)
        assert piece in index.ids.tolist()

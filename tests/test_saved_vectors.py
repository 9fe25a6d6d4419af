"""The vectors saved beside the library: used by the next process, kept in step, never trusted when stale or torn.

Each "next process" is a new ``VectorIndex`` on a real library file; a spy on
``queries.vectors_for`` shows which vectors it had to read from SQLite.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from clamp_desktop.engine import saved_vectors
from clamp_desktop.engine.vectors import VectorIndex
from clamp_desktop.model import normalize
from clamp_desktop.store import Library, queries
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
        revision = library.revision()
        ids, vectors = library.load_vectors(name)
    saved_vectors.write(path, revision, len(ids) + 1, ids[:1], np.zeros(1, f"S{queries.FINGERPRINT_BYTES}"),
                        normalize(vectors[:1] + 1))
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

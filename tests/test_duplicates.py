"""Duplicates and other editions, on a real library: byte copies, a music21-transposed copy, other pieces."""

from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pytest

from clamp_desktop.engine import organise
from clamp_desktop.engine.duplicates import find_duplicates
from clamp_desktop.engine.editions import numbers_agree, title_overlap
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.engine.models import model_loader, model_name
from clamp_desktop.engine.vectors import VectorIndex
from clamp_desktop.store import Library, queries
from cli_helpers import run_cli
from conftest import corpus_root
from test_cli_search import documented

CHORALES = ("bwv10.7", "bwv11.6", "bwv110.7", "bwv113.8", "bwv117.4")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Five chorales, a byte copy, a transposed copy and an uncompressed copy, indexed with the bundled model."""
    import music21

    base = tmp_path_factory.mktemp("duplicates")
    scores = base / "scores"
    (scores / "copies").mkdir(parents=True)
    for name in CHORALES:
        shutil.copy(corpus_root() / "bach" / f"{name}.mxl", scores / f"{name}.mxl")
    shutil.copy(scores / "bwv10.7.mxl", scores / "copies" / "bwv10.7 (1).mxl")
    music21.converter.parse(scores / "bwv11.6.mxl").transpose("M2").write(
        "musicxml", fp=scores / "copies" / "bwv11.6 in another key.musicxml")
    with zipfile.ZipFile(scores / "bwv110.7.mxl") as packed:
        inner = next(n for n in packed.namelist() if not n.startswith("META-INF") and n.endswith("xml"))
        (scores / "copies" / "bwv110.7.musicxml").write_bytes(packed.read(inner))
    db = base / "library.db"
    with Library(db) as lib:
        run_to_end(LibraryIndexer(lib, model_name(None), model_loader(None), inline=True).run([scores]))
    with Library(db, readonly=True) as lib:
        yield lib, db


def _ids(lib, *names):
    return sorted(p["id"] for p in lib.pieces() if any(p["path"].endswith("/" + n) for n in names))


def _group_of(groups, piece_id):
    return next((g for g in groups if piece_id in g.ids), None)


def test_a_byte_copy_is_identical(library):
    lib, _ = library
    group = _group_of(find_duplicates(lib, model_name(None)), _ids(lib, "bwv10.7.mxl")[0])
    assert group is not None and group.kind == "identical"
    assert sorted(group.ids) == _ids(lib, "bwv10.7.mxl", "bwv10.7 (1).mxl")


def test_the_same_music_in_another_format_is_identical(library):
    lib, _ = library
    group = _group_of(find_duplicates(lib, model_name(None)), _ids(lib, "bwv110.7.mxl")[0])
    assert group is not None and group.kind == "identical"
    assert sorted(group.ids) == _ids(lib, "bwv110.7.mxl", "bwv110.7.musicxml")


def test_a_transposed_copy_is_another_edition(library):
    lib, _ = library
    group = _group_of(find_duplicates(lib, model_name(None)), _ids(lib, "bwv11.6.mxl")[0])
    assert group is not None and group.kind == "edition"
    assert sorted(group.ids) == _ids(lib, "bwv11.6.mxl", "bwv11.6 in another key.musicxml")


def test_different_pieces_are_not_grouped(library):
    lib, _ = library
    groups = find_duplicates(lib, model_name(None))
    assert len(groups) == 3
    assert all(_group_of(groups, i) is None for i in _ids(lib, "bwv113.8.mxl", "bwv117.4.mxl"))


def test_a_group_marked_not_duplicates_is_not_shown_again(library, capsys):
    lib, db = library
    transposed = _ids(lib, "bwv11.6.mxl", "bwv11.6 in another key.musicxml")
    code, _, _ = run_cli(["duplicates", "--db", str(db), "--not-duplicates", ",".join(map(str, transposed))], capsys)
    assert code == 0 and organise.not_duplicate_groups(lib) == [transposed]
    groups = find_duplicates(lib, model_name(None))
    assert len(groups) == 2 and _group_of(groups, transposed[0]) is None
    with Library(db) as writer:
        organise.unmark_not_duplicates(writer, transposed)
    assert _group_of(find_duplicates(lib, model_name(None)), transposed[0]) is not None


def test_hide_keeps_an_extra_copy_out_of_the_library_view(library, capsys):
    lib, db = library
    copy = _ids(lib, "bwv10.7 (1).mxl")[0]
    code, _, _ = run_cli(["duplicates", "--db", str(db), "--hide", str(copy)], capsys)
    assert code == 0 and organise.hidden_ids(lib) == [copy]
    assert copy not in queries.piece_ids(lib, [queries.not_hidden()])
    run_cli(["duplicates", "--db", str(db), "--show", str(copy)], capsys)
    assert organise.hidden_ids(lib) == [] and copy in queries.piece_ids(lib, [queries.not_hidden()])


def test_cli_prints_the_groups_as_json(library, capsys):
    lib, db = library
    code, out, _ = run_cli(["duplicates", "--db", str(db), "--json"], capsys)
    shown = json.loads(out)
    assert code == 0 and shown["model"] == model_name(None) and set(shown) == documented("duplicates")
    assert all(set(g) == documented("duplicate group") for g in shown["groups"])
    kinds = sorted((g["kind"], len(g["pieces"])) for g in shown["groups"])
    assert kinds == [("edition", 2), ("identical", 2), ("identical", 2)]
    piece = shown["groups"][0]["pieces"][0]
    assert set(piece) == {"id", "path", "title"} and lib.piece(piece["id"])["path"] == piece["path"]


@pytest.mark.parametrize(("one", "other", "agree"), [
    ("BWV 101.7", "BWV 102.7", False),
    ("String Quartet No. 1, Op. 18", "String Quartet No. 2, Op. 18", False),
    ("Op. 18 no. 1 mvmnt 1", "op.18 no.1 mvmnt.3", False),
    ("BWV 11.6", "BWV 11.6 (2)", True),
    ("Op. 18 No. 1", "String Quartet No. 1 in F Major, Op. 18, No. 1: Mvmt. 1. Allegro", True),
    ("Der Lindenbaum", "Lindenbaum", True),
])
def test_title_numbers_must_agree(one, other, agree):
    assert numbers_agree(one, other) is agree


def test_title_overlap_reads_accents_and_counts_shared_words():
    assert title_overlap("Große Fuge, Op. 133", "Grosse Fuge") == 1.0
    assert title_overlap("Ave Maria", "Maria Stuart") == 0.5
    assert title_overlap("", "Anything") == 1.0


def _brute_force(vectors, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = unit @ unit.T
    np.fill_diagonal(scores, -np.inf)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k], np.sort(scores, axis=1)[:, ::-1][:, :k]


def test_nearest_each_equals_brute_force():
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((300, 24)).astype(np.float32)
    index = VectorIndex.from_vectors("m", np.arange(300) * 10, vectors)
    rows, cosines = _brute_force(vectors, 5)
    blocks = list(index.nearest_each(5, step=64))
    assert len(blocks) == 5
    np.testing.assert_array_equal(np.concatenate([b[0] for b in blocks]), np.arange(300) * 10)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in blocks]), rows * 10)
    np.testing.assert_allclose(np.concatenate([b[2] for b in blocks]), cosines, atol=1e-5)


def test_nearest_each_approximate_finds_near_copies():
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((2000, 32)).astype(np.float32)
    vectors[1000:1100] = vectors[:100] + 0.05 * rng.standard_normal((100, 32)).astype(np.float32)
    index = VectorIndex.from_vectors("m", np.arange(2000), vectors, exact_limit=0)
    assert not index.exact
    nearest = np.concatenate([b[1][:, 0] for b in index.nearest_each(3)])
    found = np.concatenate([nearest[:100] == np.arange(1000, 1100), nearest[1000:1100] == np.arange(100)])
    assert found.mean() >= 0.97       # an int8 graph: now and then one near copy is missed (1 in 3000 seen)

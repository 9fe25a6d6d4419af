"""Similar pieces: to a library piece and to an outside file, against numpy brute force."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from clamp_desktop.engine.similar import similar_to_file, similar_to_piece
from clamp_desktop.errors import ConversionError
from clamp_desktop.ingest import to_clamp_abc
from clamp_desktop.store import Library
from conftest import copy_score_folder
from search_helpers import index_library, reference_ranking


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_checkpoint, tiny_model):
    base = tmp_path_factory.mktemp("similar")
    folder = copy_score_folder(base / "scores")
    name = index_library(base / "lib.db", folder, tiny_checkpoint, tiny_model)
    with Library(base / "lib.db", readonly=True) as library:
        yield library, name, folder


def ids_of(result):
    return [h.piece["id"] for h in result.hits]


def test_similar_to_a_piece_equals_brute_force_without_itself(indexed):
    library, name, _ = indexed
    piece_id = library.pieces()[3]["id"]
    result = similar_to_piece(library, piece_id, name, top=20)
    others = {p["id"] for p in library.pieces()} - {piece_id}
    ids, cos, prob = reference_ranking(library, name, library.vector(piece_id, name), allowed=others)
    assert ids_of(result) == ids and result.total == 12 and piece_id not in ids_of(result)
    np.testing.assert_allclose([h.cosine for h in result.hits], cos, atol=1e-5)
    np.testing.assert_allclose([h.probability for h in result.hits], prob, rtol=1e-4)


def test_filters_narrow_the_candidates(indexed):
    library, name, _ = indexed
    piece_id = library.pieces()[0]["id"]
    result = similar_to_piece(library, piece_id, name, top=3, filters="composer:bach key:minor")
    allowed = {p["id"] for p in library.pieces()        # read from the metadata, not from the function under test
               if "bach" in (p["composer"] or "").lower() and (p["key"] or "").endswith(" minor")}
    ids, _, _ = reference_ranking(library, name, library.vector(piece_id, name), allowed=allowed)
    assert ids_of(result) == ids[:3] and result.total == len(allowed) == 6
    assert all("Bach" in h.piece["composer"] for h in result.hits)


def test_unknown_piece_and_missing_vector_are_explained(indexed):
    library, name, _ = indexed
    assert "no readable piece 424242" in similar_to_piece(library, 424242, name).message
    result = similar_to_piece(library, library.pieces()[0]["id"], "other-model")
    assert result.hits == [] and "has no vector from other-model" in result.message


def test_similar_to_a_library_file_leaves_out_its_copy(indexed, tiny_model):
    library, name, folder = indexed
    path = folder / "bwv10.7.mxl"
    own = next(p["id"] for p in library.pieces() if p["path"] == str(path))
    result = similar_to_file(library, path, name, lambda: tiny_model, top=20)
    vector = tiny_model.encode_music([to_clamp_abc(path)])[0]
    others = {p["id"] for p in library.pieces()} - {own}
    ids, cos, _ = reference_ranking(library, name, vector, allowed=others)
    assert ids_of(result) == ids and own not in ids_of(result)
    np.testing.assert_allclose([h.cosine for h in result.hits], cos, atol=1e-5)


def test_similar_to_an_outside_file_ranks_the_whole_library(indexed, tiny_model, corpus, tmp_path):
    library, name, _ = indexed
    outside = tmp_path / "outside.mxl"
    shutil.copy(corpus.root / "bach" / "bwv66.6.mxl", outside)
    result = similar_to_file(library, outside, name, lambda: tiny_model, top=5, filters="parts:4")
    vector = tiny_model.encode_music([to_clamp_abc(outside)])[0]
    four = {p["id"] for p in library.pieces() if p["parts"] == 4}
    ids, _, _ = reference_ranking(library, name, vector, allowed=four)
    assert ids_of(result) == ids[:5] and result.total == len(four)


def test_an_unreadable_file_is_a_one_line_conversion_error(indexed, tiny_model, tmp_path):
    library, name, _ = indexed
    broken = tmp_path / "broken.musicxml"
    broken.write_text("<score-partwise><part", encoding="utf-8")
    with pytest.raises(ConversionError) as caught:
        similar_to_file(library, broken, name, lambda: tiny_model)
    assert "\n" not in str(caught.value)

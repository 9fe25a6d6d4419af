"""Semantic search and plain listings over a real library, against numpy brute force."""

from __future__ import annotations

import numpy as np
import pytest

from clamp_desktop.engine import search as search_module
from clamp_desktop.engine.search import search
from clamp_desktop.store import Library
from conftest import copy_score_folder
from search_helpers import index_library, reference_ranking

QUERY = "a slow chorale in a minor key"


def no_model():
    raise AssertionError("a plain listing must not load the model")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_checkpoint, tiny_model):
    base = tmp_path_factory.mktemp("search")
    name = index_library(base / "lib.db", copy_score_folder(base / "scores"), tiny_checkpoint, tiny_model)
    with Library(base / "lib.db", readonly=True) as library:
        yield library, name


def test_semantic_ranking_equals_brute_force(indexed, tiny_model):
    library, name = indexed
    result = search(library, QUERY, name, lambda: tiny_model, top=100, hybrid=False)
    ids, cos, prob = reference_ranking(library, name, tiny_model.encode_text([QUERY])[0])
    assert result.message is None and result.total == len(ids) == 13
    assert [h.piece["id"] for h in result.hits] == ids
    np.testing.assert_allclose([h.cosine for h in result.hits], cos, atol=1e-5)
    np.testing.assert_allclose([h.probability for h in result.hits], prob, rtol=1e-4)
    assert sum(h.probability for h in result.hits) == pytest.approx(1.0, abs=1e-5)
    assert result.hits[0].piece == library.pieces([ids[0]])[0]


def test_filters_select_before_ranking(indexed, tiny_model):
    library, name = indexed
    result = search(library, f"composer:bach parts:4 {QUERY}", name, lambda: tiny_model, top=100, hybrid=False)
    bach = {p["id"] for p in library.pieces() if "bach" in (p["composer"] or "").lower() and p["parts"] == 4}
    ids, cos, prob = reference_ranking(library, name, tiny_model.encode_text([QUERY])[0], allowed=bach)
    assert [h.piece["id"] for h in result.hits] == ids and result.total == len(bach) > 1
    np.testing.assert_allclose([h.probability for h in result.hits], prob, rtol=1e-4)   # softmax over the filtered set


def test_quoted_keywords_filter_and_only_free_text_ranks(indexed, tiny_model):
    library, name = indexed
    result = search(library, '"tired" lullaby', name, lambda: tiny_model, hybrid=False)
    assert [h.piece["title"] for h in result.hits] == ["Prayer of a Tired Child"]
    assert result.hits[0].probability == pytest.approx(1.0)
    assert (name, "lullaby") in search_module.query_vectors._items      # the keyword is not sent to CLaMP


def test_pages_follow_each_other(indexed, tiny_model):
    library, name = indexed
    everything = [h.piece["id"] for h in search(library, QUERY, name, lambda: tiny_model, top=100).hits]
    pages = [search(library, QUERY, name, lambda: tiny_model, top=5, offset=offset) for offset in (0, 5, 10)]
    assert [h.piece["id"] for page in pages for h in page.hits] == everything
    assert [len(p.hits) for p in pages] == [5, 5, 3] and {p.total for p in pages} == {13}
    assert search(library, QUERY, name, lambda: tiny_model, top=5, offset=50).hits == []


def test_plain_listing_loads_no_model_and_keeps_library_order(indexed):
    library, name = indexed
    listing = search(library, "composer:bach", name, no_model, top=3)
    bach = [p["id"] for p in library.pieces() if "bach" in (p["composer"] or "").lower()]
    assert [h.piece["id"] for h in listing.hits] == bach[:3] and listing.total == len(bach)
    assert all(h.cosine is None and h.probability is None for h in listing.hits)
    typed = search(library, "prayer tir", name, no_model, semantic=False)
    assert [h.piece["title"] for h in typed.hits] == ["Prayer of a Tired Child"]
    everything = search(library, "", name, no_model, top=1000)
    assert [h.piece["id"] for h in everything.hits] == [p["id"] for p in library.pieces()]


def test_scrolling_a_listing_counts_it_once_per_revision(tmp_path, indexed, monkeypatch):
    import shutil

    from clamp_desktop.store import queries

    db = tmp_path / "lib.db"
    shutil.copy(indexed[0].path, db)
    counted = []
    real = queries.count_pieces
    monkeypatch.setattr(queries, "count_pieces", lambda library, clauses=(): counted.append(clauses) or
                        real(library, clauses))
    with Library(db) as library:
        pages = [search(library, "composer:bach", indexed[1], no_model, top=2, offset=o) for o in (0, 2, 4, 0)]
        assert len(counted) == 1 and len({p.total for p in pages}) == 1
        total = pages[0].total
        with library.atomic():
            library.delete_files([pages[0].hits[0].piece["path"]])      # a write: the revision moves
        assert search(library, "composer:bach", indexed[1], no_model, top=2, offset=2).total == total - 1
        assert len(counted) == 2
        search(library, "composer:bach", indexed[1], no_model, top=2, offset=4)
        search(library, "composer:brahms", indexed[1], no_model, top=2)      # another listing: counted anew
        assert len(counted) == 3


def test_no_match_gives_a_friendly_message(indexed, tiny_model):
    library, name = indexed
    for semantic in (True, False):
        result = search(library, "composer:nobody a chorale", name, lambda: tiny_model, semantic=semantic)
        assert result.hits == [] and result.total == 0
        assert result.message.startswith("No piece matches")


def test_ignored_filters_are_reported_not_raised(indexed, tiny_model):
    library, name = indexed
    result = search(library, "parts:lots", name, no_model)
    assert result.total == 13 and result.ignored == ["parts:lots (not a number or range)"]


def test_a_model_without_vectors_is_explained(indexed):
    library, _ = indexed
    result = search(library, "a chorale", "some-other-model", no_model)
    assert result.hits == [] and "No piece has a vector from some-other-model" in result.message


def test_empty_library_gives_a_friendly_message(tmp_path):
    with Library(tmp_path / "empty.db") as library:
        for text in ("", "a chorale", "composer:bach"):
            result = search(library, text, "any", no_model)
            assert result.hits == [] and result.total == 0 and "empty" in result.message


def test_query_vectors_are_cached_per_model_and_text(indexed, tiny_model):
    library, name = indexed
    calls = []

    def counting_loader():
        calls.append(1)
        return tiny_model

    text = "a cached query about fugues"
    search(library, text, name, counting_loader)
    search(library, text, name, counting_loader)
    assert len(calls) == 1

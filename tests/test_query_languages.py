"""Multilingual queries: CLaMP 3 takes any language; an English-only model gets a one-line hint."""

from __future__ import annotations

from clamp3_helpers import write_checkpoint
from clamp_desktop.engine.languages import query_language_hint


def test_an_english_only_model_gets_a_hint_for_a_query_in_another_language():
    for query in ("une pièce triste pour le piano et la voix", "悲しいピアノ曲", "ein trauriges Lied für Chor"):
        hint = query_language_hint(query, "sander-wood/clamp-small-512")
        assert hint and "clamp3-c2" in hint and "\n" not in hint


def test_no_hint_for_english_queries_or_multilingual_models(tmp_path):
    assert query_language_hint("a slow sad chorale in a minor key", "sander-wood/clamp-small-512") is None
    assert query_language_hint("une pièce triste pour le piano", "clamp3-c2") is None
    folder = write_checkpoint(tmp_path / "c2")
    assert query_language_hint("une pièce triste pour le piano", str(folder)) is None


def test_a_search_result_carries_the_hint(tmp_path, tiny_checkpoint, tiny_model):
    from conftest import copy_score_folder

    from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
    from clamp_desktop.engine.models import model_name
    from clamp_desktop.engine.search import search
    from clamp_desktop.store import Library

    folder = copy_score_folder(tmp_path / "scores")
    name = model_name(str(tiny_checkpoint))
    with Library(tmp_path / "lib.db") as library:
        run_to_end(LibraryIndexer(library, name, lambda: tiny_model, inline=True).run([folder]))
        result = search(library, "une pièce triste pour le piano", name, lambda: tiny_model)
        assert result.hits and result.hint and "English" in result.hint
        assert search(library, "a sad piece", name, lambda: tiny_model).hint is None

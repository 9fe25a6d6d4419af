"""Hybrid search on a real small library: soft constraints fused with a (random) model's ranking.

The tiny checkpoint ranks at random, which is the point: whatever the model
says, the pieces meeting what the query names must come first, an exact title
must rank first, and words nobody knows must leave the model's order alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clamp_desktop.engine.search import search
from clamp_desktop.engine.understand import understand
from clamp_desktop.store import Library
from conftest import corpus_files, corpus_root
from search_helpers import index_library

OPENSCORE = Path(__file__).parent / "data" / "openscore"      # 3 Lieder and a quartet (CC0)
PIECES = ("bach/bwv1*.mxl", 4), ("haydn/opus74no1/*.mxl", None), ("mozart/k80/*.mxl", 2), \
    ("beach/prayer_of_a_tired_child.musicxml", None), ("joplin/maple_leaf_rag.mxl", None)


@pytest.fixture(scope="module")
def library(tmp_path_factory, tiny_checkpoint, tiny_model):
    base = tmp_path_factory.mktemp("hybrid")
    for pattern, count in PIECES:
        for source in corpus_files(pattern, count):
            target = base / "scores" / source.relative_to(corpus_root())
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    shutil.copytree(OPENSCORE, base / "scores" / "openscore")
    name = index_library(base / "lib.db", base / "scores", tiny_checkpoint, tiny_model)
    with Library(base / "lib.db", readonly=True) as opened:
        yield opened, name


MOZART = "Wolfgang Amadeus Mozart"


def ranked(library, name, model, text, **options):
    return search(library, text, name, lambda: model, top=100, **options).hits


def test_an_exact_title_ranks_first_whatever_the_model_says(library, tiny_model):
    opened, name = library
    title = "Prayer of a Tired Child"
    alone = ranked(opened, name, tiny_model, title.lower(), hybrid=False)
    hits = ranked(opened, name, tiny_model, title.lower())
    assert hits[0].piece["title"] == title and "title" in hits[0].matched
    assert [h.piece["id"] for h in hits] != [h.piece["id"] for h in alone]   # the model alone ranks it elsewhere
    assert hits[0].probability is None and hits[0].cosine is not None


def test_pieces_meeting_more_of_the_query_come_first(library, tiny_model):
    opened, name = library
    hits = ranked(opened, name, tiny_model, "a piece by Mozart in 3/4")
    met = [len(h.matched) for h in hits]
    assert met == sorted(met, reverse=True)
    mozart_in_three = [p["id"] for p in opened.pieces() if p["composer"] == MOZART and p["time_signature"] == "3/4"]
    assert [h.piece["id"] for h in hits[:len(mozart_in_three)]] == mozart_in_three
    assert set(hits[0].matched) == {f"by {MOZART}", "3/4"}
    assert {h.piece["id"] for h in hits} == {p["id"] for p in opened.pieces()}   # soft: nothing is dropped


@pytest.mark.parametrize("text, composer, ensemble", [
    ("a string quartet by Mozart", MOZART, "string quartet"),
    ("a string quartet by Haydn", "Joseph Haydn", "string quartet"),        # composer from the folder name
    ("a song by Schubert", "Franz Schubert", "voice and piano"),
])
def test_a_composer_and_ensemble_query_ranks_their_pieces_first(library, tiny_model, text, composer, ensemble):
    opened, name = library
    wanted = [p["id"] for p in opened.pieces() if p["composer"] == composer and p["ensemble"] == ensemble]
    alone = [h.piece["id"] for h in ranked(opened, name, tiny_model, text, hybrid=False)]
    hits = ranked(opened, name, tiny_model, text)
    assert wanted and sorted(h.piece["id"] for h in hits[:len(wanted)]) == sorted(wanted)
    assert len(hits[0].matched) == 2
    # the random model alone does not put them first: the constraints did
    assert sorted(alone[:len(wanted)]) != sorted(wanted)


def test_a_movement_title_typed_whole_ranks_first(library, tiny_model):
    opened, name = library
    hits = ranked(opened, name, tiny_model, "aus meinen Tränen spriessen")
    assert hits[0].piece["title"] == "Dichterliebe, Op.48: 2. Aus meinen Tränen spriessen"
    assert ranked(opened, name, tiny_model, "Das Wandern by Schubert")[0].matched == ("by Franz Schubert", "title")


def test_unknown_words_leave_the_model_order_alone(library, tiny_model):
    opened, name = library
    text = "zqxv blorfish wibble"
    alone = ranked(opened, name, tiny_model, text, hybrid=False)
    hybrid = ranked(opened, name, tiny_model, text)
    assert [h.piece["id"] for h in hybrid] == [h.piece["id"] for h in alone]
    assert all(not h.matched for h in hybrid)
    assert [h.cosine for h in hybrid] == pytest.approx([h.cosine for h in alone])
    with_noise = ranked(opened, name, tiny_model, "a piece by Mozart in 3/4 zqxv")
    assert with_noise[0].piece["id"] == ranked(opened, name, tiny_model, "a piece by Mozart in 3/4")[0].piece["id"]


def labels(opened, text):
    return [soft.label for soft in understand(opened, text).constraints]


def test_what_a_query_names(library):
    opened, _ = library
    assert labels(opened, "a slow movement in a minor key") == ["minor", "slow"]
    assert labels(opened, "something in D minor") == ["in D minor"]
    assert labels(opened, "a piece in a minor") == ["in A minor"]
    assert labels(opened, "a song for voice and piano") == ["voice and piano"]
    assert labels(opened, "a German Lied in a minor key") == ["voice and piano", "lyrics in de", "minor"]
    assert labels(opened, "a waltz by bach") == ["by Johann Sebastian Bach", "3/4"]
    assert labels(opened, "a romantic lied by schumann") == ["by Robert Schumann", "voice and piano", "lyrics in de",
                                                             "Romantic"]
    assert labels(opened, "a chorale in the style of bach") == ["chorale", "by Johann Sebastian Bach"]
    assert labels(opened, "a string quartet") == ["string quartet"]     # not the quartet titled so
    assert labels(opened, "blorf") == [] and understand(opened, "blorf").keywords == '"blorf"'
    assert understand(opened, "a piece by").keywords is None


def test_filters_still_select_before_the_fusion(library, tiny_model):
    opened, name = library
    hits = ranked(opened, name, tiny_model, "parts:4 a piece by Mozart in 3/4")
    assert hits and all(h.piece["parts"] == 4 for h in hits)
    assert search(opened, "composer:nobody a piece by Mozart", name, lambda: tiny_model).message.startswith("No piece")

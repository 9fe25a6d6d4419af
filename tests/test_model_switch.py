"""Switching the active model: search, similar and tags keep the previous model until the new one's vectors are done."""

from __future__ import annotations

import shutil

import pytest

from clamp3_helpers import write_checkpoint
from clamp_desktop.engine.indexer import run_to_end
from clamp_desktop.engine.models import model_name
from clamp_desktop.worker import jobs
from clamp_desktop.worker.state import EngineState
from conftest import copy_score_folder


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    base = tmp_path_factory.mktemp("switch")
    return write_checkpoint(base / "old", seed=0), write_checkpoint(base / "new", seed=1)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, checkpoints):
    """A library indexed with the old model (built once; each test works on a copy)."""
    base = tmp_path_factory.mktemp("switch-lib")
    state = EngineState(base / "lib.db", str(checkpoints[0]), "cpu")
    run_to_end(jobs.index(state, [str(copy_score_folder(base / "scores"))]))
    state.close()
    return base / "lib.db"


@pytest.fixture
def state(tmp_path, indexed, checkpoints):
    shutil.copy(indexed, tmp_path / "lib.db")
    state = EngineState(tmp_path / "lib.db", str(checkpoints[0]), "cpu")
    yield state
    state.close()


def first_piece(state) -> int:
    return state.library().pieces()[0]["id"]


def test_search_and_similar_keep_the_previous_model_until_the_new_one_has_indexed(state, checkpoints):
    old, new = (model_name(str(c)) for c in checkpoints)
    before = jobs.search(state, "a chorale for four voices", top=5)
    state.use_model(str(checkpoints[1]), "cpu")

    assert state.model_name == new and state.serving_name == old and state.switching
    during = jobs.search(state, "a chorale for four voices", top=5)
    assert [h.piece["id"] for h in during.hits] == [h.piece["id"] for h in before.hits] and during.hits
    assert [h.cosine for h in during.hits] == pytest.approx([h.cosine for h in before.hits])
    assert len(jobs.similar_to_piece(state, first_piece(state), top=3).hits) == 3

    run_to_end(jobs.index(state, None))
    assert state.serving_name == new and not state.switching
    after = jobs.search(state, "a chorale for four voices", top=5)
    assert after.hits and [h.cosine for h in after.hits] != pytest.approx([h.cosine for h in before.hits])
    assert state.library().models()[new] == state.library().models()[old]


def test_a_cancelled_re_encoding_leaves_the_previous_model_serving(state, checkpoints):
    old = model_name(str(checkpoints[0]))
    state.use_model(str(checkpoints[1]), "cpu")
    run = jobs.index(state, None)
    next(run)            # started, then cancelled (the worker closes the generator)
    run.close()
    assert state.serving_name == old and state.switching
    assert jobs.search(state, "a chorale", top=3).hits


def test_switching_back_before_the_new_model_is_done_serves_the_old_one_at_once(state, checkpoints):
    state.use_model(str(checkpoints[1]), "cpu")
    state.use_model(str(checkpoints[0]), "cpu")
    assert not state.switching and state.serving_name == state.model_name == model_name(str(checkpoints[0]))


def test_a_library_without_vectors_of_the_previous_model_switches_at_once(tmp_path, checkpoints):
    state = EngineState(tmp_path / "empty.db", str(checkpoints[0]), "cpu")
    state.use_model(str(checkpoints[1]), "cpu")
    assert not state.switching and state.serving_name == model_name(str(checkpoints[1]))
    state.close()


def test_a_new_model_that_cannot_be_found_leaves_the_previous_one_serving(state, checkpoints, tmp_path):
    state.use_model(str(tmp_path / "no-such-model"), "cpu")
    assert state.switching and state.serving_name == model_name(str(checkpoints[0]))
    assert jobs.search(state, "a chorale", top=3).hits

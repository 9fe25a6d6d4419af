"""Calibrated search relevance: the logistic fit, its weights check, and the figure on every hit."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from clamp_desktop.engine.calibration import (
    Calibration, calibration_for, read_calibration, reliability, weights_sha256, write_calibration,
)
from clamp_desktop.engine.relevance import RelevanceCalibration, fit_logistic
from clamp_desktop.engine.search import search
from clamp_desktop.store import Library
from search_helpers import index_library

QUERY = "a slow chorale in a minor key"


def test_the_fit_recovers_the_curve_the_judgements_were_drawn_from():
    rng = np.random.default_rng(0)
    cosines = rng.uniform(-0.1, 0.5, 20000)
    truth = RelevanceCalibration(12.0, -3.0)
    relevant = rng.uniform(0, 1, len(cosines)) < np.array([truth.probability(c) for c in cosines])
    slope, intercept = fit_logistic(cosines, relevant)
    assert slope == pytest.approx(12.0, rel=0.1) and intercept == pytest.approx(-3.0, rel=0.1)
    fitted = RelevanceCalibration(slope, intercept)
    predicted = np.array([fitted.probability(c) for c in cosines])
    for row in reliability(predicted, relevant.astype(float)):   # says "40 %" where 40 % are relevant
        if row["n"] >= 500:
            assert abs(row["confidence"] - row["accuracy"]) < 0.05, row
    # Separable judgements still give a finite, increasing curve.
    steep = fit_logistic(np.array([0.1, 0.2, 0.3, 0.4]), np.array([False, False, True, True]))
    assert np.isfinite(steep).all() and steep[0] > 0


@pytest.fixture
def model_copy(tmp_path, tiny_checkpoint):
    folder = tmp_path / "model"
    shutil.copytree(tiny_checkpoint, folder)
    calibration_for.cache_clear()
    yield folder
    calibration_for.cache_clear()


def calibrate(folder, slope: float, intercept: float, weights: str) -> RelevanceCalibration:
    relevance = RelevanceCalibration(slope, intercept, weights, 100, "test pairs")
    write_calibration(folder, Calibration(folder.name, {}, "", relevance))
    calibration_for.cache_clear()
    return relevance


def test_a_relevance_calibration_holds_only_for_the_weights_it_was_fitted_on(model_copy):
    relevance = calibrate(model_copy, 10.0, -2.0, weights_sha256(model_copy))
    assert len(relevance.weights_sha256) == 64 and weights_sha256(model_copy / "missing") == ""
    assert read_calibration(model_copy).relevance == relevance
    assert calibration_for(str(model_copy)).relevance == relevance
    calibrate(model_copy, 10.0, -2.0, "0" * 64)          # retrained since: the figure would lie
    assert read_calibration(model_copy).relevance is not None
    assert calibration_for(str(model_copy)).relevance is None


def test_search_hits_carry_the_calibrated_relevance_only_where_the_model_has_one(model_copy, tmp_path,
                                                                                   score_folder, tiny_model):
    name = index_library(tmp_path / "lib.db", score_folder, model_copy, tiny_model)
    with Library(tmp_path / "lib.db", readonly=True) as library:
        plain = search(library, QUERY, name, lambda: tiny_model, top=5)
        assert plain.hits and all(h.relevance is None for h in plain.hits)
        relevance = calibrate(model_copy, 10.0, -2.0, weights_sha256(model_copy))
        for hybrid in (True, False):
            hits = search(library, QUERY, name, lambda: tiny_model, top=5, hybrid=hybrid).hits
            assert [h.relevance for h in hits] == pytest.approx([relevance.probability(h.cosine) for h in hits])
            assert all(0 < h.relevance < 1 for h in hits)
        listing = search(library, '"chorale"', name, lambda: tiny_model, semantic=False)
        assert all(h.cosine is None and h.relevance is None for h in listing.hits)


def test_the_score_column_shows_the_relevance_only_where_the_engine_gave_one():
    from clamp_desktop.ui.piece_model import score_text

    assert score_text(0.3123, None, ("string quartet",), 0.434) == "0.312 · 43% relevant · string quartet"
    assert score_text(0.3123, None, ("string quartet",)) == "0.312 · string quartet"
    assert score_text(0.3123, 0.0512, (), 0.9) == "0.312 · 90% relevant · 5.1%"
    assert score_text(None, None, (), 0.9) == ""

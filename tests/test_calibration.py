"""Calibrated zero-shot tags: temperature and show-threshold per model and vocabulary, the composer rule."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from clamp_desktop.engine import browse, tagging
from clamp_desktop.engine.calibration import (
    NEVER, SHOW_FLOOR, UNCALIBRATED_THRESHOLD, Calibration, VocabularyCalibration, calibration_for, choose_threshold,
    fit_temperature, probabilities, read_calibration, reliability, write_calibration,
)
from clamp_desktop.engine.indexer import run_to_end
from clamp_desktop.model import normalize
from clamp_desktop.store import Library, queries
from search_helpers import index_library


def sampled(temperature: float, pieces: int = 4000, labels: int = 8, seed: int = 0):
    """Cosines, and true labels drawn from softmax(cos x e / temperature): a model calibrated at that T."""
    rng = np.random.default_rng(seed)
    cos = rng.uniform(-0.2, 0.4, size=(pieces, labels))
    p = probabilities(cos, temperature)
    truth_index = np.array([rng.choice(labels, p=row) for row in p])
    truth = np.zeros_like(cos, dtype=bool)
    truth[np.arange(pieces), truth_index] = True
    return cos, truth


@pytest.mark.parametrize("temperature", [0.05, 0.2])
def test_the_fitted_temperature_is_the_one_the_labels_were_drawn_with(temperature):
    cos, truth = sampled(temperature)
    fitted = fit_temperature(cos, truth)
    assert fitted == pytest.approx(temperature, rel=0.15)
    # ... and at it, the stated confidence matches how often the top label is right.
    p = probabilities(cos, fitted)
    top = p.argmax(axis=1)
    rows = reliability(p.max(axis=1), truth[np.arange(len(p)), top])
    for row in rows:
        if row["n"] >= 200:
            assert abs(row["confidence"] - row["accuracy"]) < 0.08, row


def test_the_threshold_keeps_shown_tags_right_at_least_90_percent_at_every_cut():
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0, 1, 3000)
    correct = rng.uniform(0, 1, 3000) < confidence      # right as often as it says
    threshold, precision, share = choose_threshold(confidence, correct)
    shown = confidence >= threshold
    assert precision >= 0.9 and correct[shown].mean() == pytest.approx(precision)
    assert share == pytest.approx(shown.mean())
    order = np.argsort(-confidence)
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    assert running[19: shown.sum()].min() >= 0.9          # every cut showing 20 or more
    assert correct[confidence >= np.sort(confidence)[::-1][shown.sum()]].mean() < 0.9 or shown.all()
    # Never right: nothing is shown.
    assert choose_threshold(confidence, np.zeros_like(correct))[0] == NEVER


def test_calibration_round_trips_and_changed_labels_fall_back(tmp_path):
    entry = VocabularyCalibration(0.04, 0.85, 0.93, 0.4, 500, ("a", "b"))
    write_calibration(tmp_path, Calibration("m", {"genre": entry}, "validation"))
    back = read_calibration(tmp_path)
    assert back.vocabularies["genre"] == entry
    assert back.temperature("genre", ("a", "b")) == 0.04 and back.threshold("genre", ("a", "b")) == 0.85
    assert back.threshold("genre", ("a", "b", "c")) == UNCALIBRATED_THRESHOLD     # the user changed the labels
    assert back.threshold("mood") == UNCALIBRATED_THRESHOLD and back.temperature("mood") == 1.0
    (tmp_path / "calibration.json").write_text("{not json", encoding="utf-8")
    assert read_calibration(tmp_path) is None


@pytest.fixture
def calibrated(tmp_path, score_folder, tiny_checkpoint, tiny_model):
    """A copy of the tiny model with a calibration.json, a library indexed with it, and a writer."""
    folder = tmp_path / "calibrated-model"
    shutil.copytree(tiny_checkpoint, folder)
    vocabularies, _ = tagging.load_vocabularies()

    def calibrate(**entries):
        write_calibration(folder, Calibration("tiny", {name: VocabularyCalibration(
            t, threshold, labels=tuple(vocabularies[name].labels)) for name, (t, threshold) in entries.items()}))
        calibration_for.cache_clear()

    calibrate(genre=(0.01, 0.0), composer=(0.01, 0.0))
    db = tmp_path / "lib.db"
    name = index_library(db, score_folder, folder, tiny_model)
    with Library(db) as library:
        yield library, name, calibrate, vocabularies
    calibration_for.cache_clear()


def test_tagging_stores_probabilities_at_the_calibrated_temperature(calibrated, tiny_model):
    library, name, _, vocabularies = calibrated
    run_to_end(tagging.tag_library(library, name, lambda: tiny_model, [vocabularies["genre"]]))
    ids, matrix = library.load_vectors(name)
    cos = normalize(matrix) @ normalize(tiny_model.encode_text(vocabularies["genre"].prompts())).T
    p = probabilities(cos, 0.01)
    for row, piece_id in enumerate(ids):
        views = {v.label: v.score for v in tagging.piece_tags(library, int(piece_id))["genre"]}
        best = int(np.argmax(p[row]))
        assert views[vocabularies["genre"].labels[best]] == pytest.approx(p[row, best], rel=1e-4)
    # T = 0.01 sharpens the tiny model's flat probabilities: the best label is far above 1 / labels.
    assert np.mean(p.max(axis=1)) > 2 / len(vocabularies["genre"].labels)


def test_the_calibrated_threshold_decides_shown_or_suggested_without_re_tagging(calibrated, tiny_model):
    library, name, calibrate, vocabularies = calibrated
    run_to_end(tagging.tag_library(library, name, lambda: tiny_model, [vocabularies["genre"]]))
    piece_id = library.pieces()[0]["id"]
    floor = vocabularies["genre"].threshold            # the vocabulary's own threshold still applies
    first = tagging.piece_tags(library, piece_id)["genre"]
    assert any(v.visible for v in first) and all(v.visible == (v.score >= floor) for v in first)
    calibrate(genre=(0.01, NEVER))                  # a stricter calibration: every genre tag a suggestion
    views = tagging.piece_tags(library, piece_id)["genre"]
    assert views and not any(v.visible for v in views) and all(v.source == "auto" for v in views)
    assert "genre" not in browse.visible_tags(library, [piece_id]).get(piece_id, {})
    tagging.accept_tag(library, piece_id, "genre", views[0].label)   # the user accepts a suggestion
    assert [v.visible for v in tagging.piece_tags(library, piece_id)["genre"] if v.label == views[0].label] == [True]


def test_a_composer_tag_is_never_shown_for_a_piece_whose_composer_is_known(calibrated, tiny_model):
    library, name, _, vocabularies = calibrated
    run_to_end(tagging.tag_library(library, name, lambda: tiny_model, [vocabularies["composer"]]))
    pieces = library.pieces()
    known = [p for p in pieces if p["composer"]]
    unknown = [p for p in pieces if not p["composer"]]
    assert known and unknown                           # the Trecento files name no composer
    shown = browse.visible_tags(library, None)
    floor = max(vocabularies["composer"].threshold, SHOW_FLOOR)
    # The rule, not the threshold, hides them: these guesses are above it.
    assert any(score >= floor for p in known
               for vocabulary, _, score, _ in queries.tag_rows(library, p["id"]) if vocabulary == "composer")
    for piece in known:                                # not shown, not even offered as a suggestion
        assert "composer" not in shown.get(piece["id"], {})
        assert "composer" not in tagging.piece_tags(library, piece["id"])
    for piece in unknown:                              # calibrated threshold 0 (so the floor): guesses show where none is known
        views = tagging.piece_tags(library, piece["id"])["composer"]
        assert all(v.visible == (v.score >= floor) for v in views)
        assert sorted(shown.get(piece["id"], {}).get("composer", [])) == sorted(v.label for v in views if v.visible)


def test_the_bundled_model_carries_a_calibration_for_the_builtin_vocabularies_as_they_are():
    calibration_for.cache_clear()
    calibration = calibration_for("clamp-desktop-mini")
    assert calibration is not None and calibration.vocabularies
    vocabularies, _ = tagging.load_vocabularies()
    for name, entry in calibration.vocabularies.items():
        # Changing a built-in vocabulary's labels needs a new calibration (bench/calibrate_tags.py).
        assert entry.labels == vocabularies[name].labels, name
        assert 0 < entry.temperature and 0 <= entry.threshold <= NEVER
        if entry.threshold < NEVER:
            assert entry.precision >= 0.9


def test_a_tag_under_the_floor_is_never_shown_however_well_the_held_out_pieces_went():
    confidence = np.linspace(0.01, 1.0, 500)
    always_right = np.ones(500, dtype=bool)            # a few held-out pieces, all easy
    threshold, _, share = choose_threshold(confidence, always_right)
    assert threshold >= SHOW_FLOOR and share == pytest.approx((confidence >= threshold).mean())
    stored = Calibration("m", {"genre": VocabularyCalibration(temperature=0.05, threshold=3e-05)})
    assert stored.threshold("genre") == SHOW_FLOOR     # a calibration.json written before the floor

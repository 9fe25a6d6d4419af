"""The exact-search kernel: both give the same products; the faster one here is measured once, cached, and used."""

from __future__ import annotations

import json

import numpy as np
import pytest

from clamp_desktop import paths
from clamp_desktop.engine import kernels
from clamp_desktop.engine.vectors import VectorIndex


@pytest.fixture(autouse=True)
def _fresh_choice(monkeypatch):
    monkeypatch.delenv(kernels.ENV_OVERRIDE, raising=False)
    kernels.forget_choice()
    yield
    kernels.forget_choice()


def fake_measurements(monkeypatch, ms: dict[str, float]) -> list[int]:
    """``measure`` returns these figures instead of timing; the list counts the calls."""
    calls: list[int] = []
    monkeypatch.setattr(kernels, "measure", lambda *a, **k: calls.append(1) or dict(ms))
    return calls


def spies(monkeypatch) -> dict[str, int]:
    """Wrap both kernels to count their calls (they still compute)."""
    counts = {name: 0 for name in kernels.KERNELS}
    for name, kernel in list(kernels.KERNELS.items()):
        def counting(matrix, query, name=name, kernel=kernel):
            counts[name] += 1
            return kernel(matrix, query)
        monkeypatch.setitem(kernels.KERNELS, name, counting)
    return counts


def test_both_kernels_give_the_products_float64_gives():
    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((500, 64), dtype=np.float32)
    query = rng.standard_normal(64, dtype=np.float32)
    expected = matrix.astype(np.float64) @ query.astype(np.float64)
    for kernel in (kernels.numkong_dots, kernels.blas_dots):
        got = kernel(matrix, query)
        assert got.dtype == np.float32 and got.shape == (500,)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_the_real_measurement_times_both_kernels():
    measured = kernels.measure(shape=(2000, 64), rounds=2)
    assert set(measured) == {"numkong", "blas"} and all(ms > 0 for ms in measured.values())


@pytest.mark.parametrize("faster", ["numkong", "blas"])
def test_the_kernel_measured_faster_is_the_one_search_uses(monkeypatch, faster):
    slower = "blas" if faster == "numkong" else "numkong"
    fake_measurements(monkeypatch, {faster: 1.0, slower: 9.0})
    counts = spies(monkeypatch)
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((300, 32), dtype=np.float32)
    index = VectorIndex.from_vectors("m", np.arange(300), vectors)
    query = rng.standard_normal(32, dtype=np.float32)
    ids, _ = index.search(query, 5)
    normalised = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert ids.tolist() == np.argsort(-(normalised @ query))[:5].tolist()
    assert counts[faster] >= 1 and counts[slower] == 0


def test_first_use_measures_once_and_keeps_the_choice_in_the_cache_folder(monkeypatch):
    calls = fake_measurements(monkeypatch, {"numkong": 7.0, "blas": 3.0})
    assert kernels.chosen_kernel() == "blas" and kernels.chosen_kernel() == "blas"
    assert len(calls) == 1
    saved = json.loads((paths.cache_dir() / kernels.CACHE_FILE).read_text())
    assert saved["kernel"] == "blas" and saved["ms"] == {"numkong": 7.0, "blas": 3.0}
    assert saved["machine"] == kernels.machine_key()
    kernels.forget_choice()                     # a new process: reads the file, measures nothing
    assert kernels.chosen_kernel() == "blas" and len(calls) == 1


def test_another_processor_or_library_version_measures_again(monkeypatch):
    (paths.cache_dir() / kernels.CACHE_FILE).write_text(json.dumps(
        {"kernel": "blas", "machine": dict(kernels.machine_key(), processor="another processor")}))
    calls = fake_measurements(monkeypatch, {"numkong": 1.0, "blas": 2.0})
    assert kernels.chosen_kernel() == "numkong" and len(calls) == 1


def test_an_unreadable_cache_file_is_measured_again(monkeypatch):
    (paths.cache_dir() / kernels.CACHE_FILE).write_text("{not json")
    calls = fake_measurements(monkeypatch, {"numkong": 2.0, "blas": 1.0})
    assert kernels.chosen_kernel() == "blas" and len(calls) == 1


def test_the_environment_overrides_the_measurement(monkeypatch):
    calls = fake_measurements(monkeypatch, {"numkong": 1.0, "blas": 9.0})
    monkeypatch.setenv(kernels.ENV_OVERRIDE, "blas")
    counts = spies(monkeypatch)
    kernels.exact_dots(np.ones((3, 4), np.float32), np.ones(4, np.float32))
    assert counts == {"numkong": 0, "blas": 1} and calls == []


def test_a_cache_folder_that_cannot_be_written_still_gives_a_choice(monkeypatch, tmp_path):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setattr(kernels, "_cache_path", lambda: blocked / kernels.CACHE_FILE)
    calls = fake_measurements(monkeypatch, {"numkong": 2.0, "blas": 1.0})
    assert kernels.chosen_kernel() == "blas" and len(calls) == 1

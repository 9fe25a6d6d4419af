"""The exact-search kernel (``matrix @ query``), chosen by measuring on this machine.

NumKong's SIMD dot kernel measured 12.7 ms at 100k vectors against 21 ms for
numpy's BLAS on one processor, and 33-43 ms against 20-28 ms on another (an
Intel Xeon under KVM): which is faster depends on the processor.  So the first
exact search times both on a small matrix (a fraction of a second) and keeps
the answer in the cache folder (``exact-search-kernel.json``), keyed by the
processor and the two libraries' versions; a new processor or library version
measures again.  ``CLAMP_DESKTOP_EXACT_KERNEL=numkong|blas`` overrides it.
"""

from __future__ import annotations

import json
import os
import platform
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numkong
import numpy as np

from .. import paths

CACHE_FILE = "exact-search-kernel.json"
ENV_OVERRIDE = "CLAMP_DESKTOP_EXACT_KERNEL"
CALIBRATION_SHAPE = (20_000, 768)   # ~60 MB of float32: past the caches, as a real library is
CALIBRATION_ROUNDS = 7              # best of 7 per kernel, alternating, so a busy moment hits both


def numkong_dots(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """One thread, NumKong's SIMD kernel; float32 out (its float64 output is far slower)."""
    scores = numkong.cdist(query[None, :], matrix, metric="dot", threads=1, out_dtype="float32")
    return np.asarray(scores).reshape(-1)


def blas_dots(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """numpy's matrix-vector product (the BLAS it was built with)."""
    return matrix @ query


KERNELS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {"numkong": numkong_dots, "blas": blas_dots}

_chosen: str | None = None
_lock = threading.Lock()


def machine_key() -> dict:
    """What the measurement holds for: the processor and the libraries that run the kernels."""
    return {"processor": _processor_name(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "numpy": np.__version__, "numkong": getattr(numkong, "__version__", "?")}


def _processor_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure(shape: tuple[int, int] = CALIBRATION_SHAPE, rounds: int = CALIBRATION_ROUNDS) -> dict[str, float]:
    """Best time in ms of each kernel on a random normalised matrix of ``shape``."""
    block = np.random.default_rng(0).standard_normal((1000, shape[1]), dtype=np.float32)
    block /= np.linalg.norm(block, axis=1, keepdims=True)
    matrix = np.tile(block, (-(-shape[0] // 1000), 1))[:shape[0]]   # the values do not matter, the size does
    query = matrix[0].copy()
    best = {name: float("inf") for name in KERNELS}
    for _ in range(rounds):
        for name, kernel in KERNELS.items():
            started = time.perf_counter()
            kernel(matrix, query)
            best[name] = min(best[name], (time.perf_counter() - started) * 1e3)
    return {name: round(ms, 3) for name, ms in best.items()}


def _cache_path() -> Path:
    return paths.cache_dir() / CACHE_FILE


def _read_cached(key: dict) -> str | None:
    try:
        saved = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    kernel = saved.get("kernel") if isinstance(saved, dict) else None
    return kernel if kernel in KERNELS and saved.get("machine") == key else None


def calibrate() -> str:
    """Measure both kernels now, keep the faster in the cache folder, and return its name."""
    key = machine_key()
    measured = measure()
    kernel = min(measured, key=measured.get)
    try:
        path = _cache_path()
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps({"kernel": kernel, "ms": measured, "shape": list(CALIBRATION_SHAPE),
                                       "machine": key}, indent=2), encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass   # a read-only cache: the choice still holds for this process, and is measured again next time
    return kernel


def chosen_kernel() -> str:
    """The kernel exact search uses here: the override, else the cached measurement, else a new one."""
    global _chosen
    override = os.environ.get(ENV_OVERRIDE, "").strip().lower()
    if override in KERNELS:
        return override
    with _lock:
        if _chosen is None:
            _chosen = _read_cached(machine_key()) or calibrate()
        return _chosen


def forget_choice() -> None:
    """Drop the choice held in memory (the cached file stays); the next search reads or measures again."""
    global _chosen
    with _lock:
        _chosen = None


def exact_dots(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``matrix @ query`` as float32 [n] with the kernel chosen for this machine."""
    if not len(matrix):
        return np.zeros(0, dtype=np.float32)
    return KERNELS[chosen_kernel()](matrix, query)

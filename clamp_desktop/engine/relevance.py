"""Calibrated relevance: the chance that a search hit is what the query asked for, from its cosine.

A cosine says how close a piece is to the query, not how likely it is to be
right: 0.30 is a good match for one model and a poor one for another.  A
model's ``calibration.json`` may hold a ``relevance`` entry, fitted by
``bench/calibrate_relevance.py`` on judged (query, piece) pairs of held-out
pieces: a logistic curve

    P(relevant | cosine) = 1 / (1 + exp(-(slope x cosine + intercept)))

The entry names the sha256 of the weights it was fitted on; for other weights
(the model was retrained, the folder replaced) it is ignored, and a model
without one shows no relevance at all: only the cosine (docs/search.md,
"What the figures mean").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RelevanceCalibration:
    slope: float
    intercept: float
    weights_sha256: str = ""     # the model.safetensors it belongs to
    pairs: int = 0               # judged (query, piece) pairs it was fitted on
    data: str = ""               # what those pairs were

    def probability(self, cosine: float) -> float:
        return 1.0 / (1.0 + math.exp(-(self.slope * cosine + self.intercept)))


def fit_logistic(cosines: np.ndarray, relevant: np.ndarray, steps: int = 50) -> tuple[float, float]:
    """(slope, intercept) maximising the likelihood of ``relevant`` (bool) given ``cosines`` (Newton's method)."""
    x = np.stack([np.asarray(cosines, dtype=np.float64), np.ones(len(cosines))], axis=1)
    y = np.asarray(relevant, dtype=np.float64)
    theta = np.array([0.0, math.log(max(y.mean(), 1e-6) / max(1 - y.mean(), 1e-6))])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ theta)))
        gradient = x.T @ (y - p)
        # A tiny ridge keeps the step finite when the classes separate perfectly.
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-6 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        theta += step
        if np.abs(step).max() < 1e-9:
            break
    return float(theta[0]), float(theta[1])

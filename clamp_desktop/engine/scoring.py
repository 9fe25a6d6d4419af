"""CLaMP's scores: cosine of L2-normalised vectors, and the reference's probability."""

from __future__ import annotations

import math

import numpy as np

from ..model.linalg import normalize

LOGIT_SCALE = math.e  # the reference multiplies cosines by exp(1) before the softmax


def cosines(query: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Cosine of one query vector against every key row (neither needs to be normalised)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.float32)
    return normalize(keys) @ normalize(query[None, :])[0]


def probabilities(cos: np.ndarray) -> np.ndarray:
    """softmax(cosine x e) over the candidate keys, as the reference tool prints it."""
    if len(cos) == 0:
        return cos
    logits = cos.astype(np.float64) * LOGIT_SCALE
    logits -= logits.max()
    weights = np.exp(logits)
    return (weights / weights.sum()).astype(np.float32)

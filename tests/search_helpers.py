"""Building real libraries for the search, tagging and similar-pieces tests, and numpy references."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.engine.models import model_name
from clamp_desktop.engine.scoring import LOGIT_SCALE
from clamp_desktop.model import normalize
from clamp_desktop.store import Library


def index_library(db: Path, folder: Path, checkpoint: Path, model) -> str:
    """Index ``folder`` into ``db`` with the real indexer; returns the model name vectors are under."""
    name = model_name(str(checkpoint))
    with Library(db) as library:
        run_to_end(LibraryIndexer(library, name, lambda: model, inline=True).run([folder]))
    return name


def reference_ranking(library: Library, name: str, query_vector: np.ndarray, allowed=None):
    """Brute force: (ids best first, cosines, probabilities over the candidates) with plain numpy."""
    ids, matrix = library.load_vectors(name)
    if allowed is not None:
        keep = np.isin(ids, list(allowed))
        ids, matrix = ids[keep], matrix[keep]
    cos = normalize(matrix) @ normalize(query_vector[None, :])[0]
    logits = cos.astype(np.float64) * LOGIT_SCALE
    prob = np.exp(logits - logits.max())
    prob /= prob.sum()
    order = np.argsort(-cos, kind="stable")
    return ids[order].tolist(), cos[order], prob[order]

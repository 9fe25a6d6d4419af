"""Hybrid ranking: the query's soft constraints, the model's ranking and the keyword ranking, fused.

The rule (docs/search.md, "Hybrid search")::

    score(piece) = sum of the weights of the soft constraints it meets
                   + 1 / (K + its rank by cosine)            (the model)
                   + 1 / (K + its rank by bm25)              (keywords; 0 when no word matches)

with K = 60 (reciprocal-rank fusion as Cormack et al. use it), weight 1 for
each constraint and ``understand.EXACT_TITLE_WEIGHT`` for an exact title.
The two reciprocal ranks add up to less than 2/61, so a piece that meets more
constraints always ranks above one that meets fewer, and among pieces that
meet the same number the model and the keywords decide.  With nothing
understood and no keyword match the order is the model's own.

The model ranks the best ``POOL`` candidates; pieces beyond them that meet a
constraint or match a keyword are ranked after them, by cosine.  Every hit
carries its cosine and the labels of the constraints it meets; there is no
probability (a softmax over a whole library says nothing).
"""

from __future__ import annotations

import numpy as np

from ..store import queries
from .understand import Understanding

RRF_K = 60
POOL = 1000


def fused_order(model_ids: list[int], keyword_ids: list[int], met: dict[int, float],
                cosines: dict[int, float]) -> list[int]:
    """Piece ids best first by the rule above; ``model_ids`` is the model's ranking of every piece to order."""
    keyword_rank = {pid: rank for rank, pid in enumerate(keyword_ids, 1)}

    def score(item: tuple[int, int]) -> tuple[float, float, int]:
        rank, pid = item
        value = met.get(pid, 0.0) + 1.0 / (RRF_K + rank)
        if pid in keyword_rank:
            value += 1.0 / (RRF_K + keyword_rank[pid])
        return -value, -cosines[pid], pid

    return [pid for _, pid in sorted(enumerate(model_ids, 1), key=score)]


def hybrid_ranking(library, index, query_vector: np.ndarray, understood: Understanding,
                   clauses: list, allowed) -> tuple[list[int], dict[int, float], dict[int, list[str]], int]:
    """(ids best first, cosine by id, met labels by id, number of candidates) of the allowed, indexed pieces."""
    model = index.ranking(query_vector, POOL, allowed)
    cosines = {int(i): float(c) for i, c in zip(model.ids, model.cosines)}
    keyword_ids = queries.keyword_ranking(library, understood.keywords, clauses, POOL) if understood.keywords else []
    met: dict[int, float] = {}
    labels: dict[int, list[str]] = {}
    for soft in understood.constraints:
        for pid in queries.piece_ids(library, [*clauses, soft.clause], ordered=False):
            met[pid] = met.get(pid, 0.0) + soft.weight
            labels.setdefault(pid, []).append(soft.label)
    extra = (set(keyword_ids) | set(met)) - set(cosines)
    model_ids = list(cosines)
    if extra:
        beyond = index.ranking(query_vector, len(extra), sorted(extra))
        for pid, cos in zip(beyond.ids, beyond.cosines):
            cosines[int(pid)] = float(cos)
            model_ids.append(int(pid))
    keyword_ids = [pid for pid in keyword_ids if pid in cosines]
    return fused_order(model_ids, keyword_ids, met, cosines), cosines, labels, model.candidates

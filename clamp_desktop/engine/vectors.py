"""The vectors of one model, in memory, for fast nearest-neighbour search.

``VectorIndex`` holds a contiguous float32 matrix of L2-normalised vectors
with their piece ids (sorted), for ONE model: vectors of different models
never mix.  It is filled from the library once and then refreshed when the
library's revision changes.  A write that left the model's vectors alone (a
tag, a rating, a title: the model's vector generation, kept by triggers, did
not move) only moves the index's revision; otherwise the refresh reads only
what changed: ids that appeared, disappeared, or whose vector was re-encoded
(told apart by the head of the stored blob).

Search is exact (a matrix-vector product and a partial sort) up to
``exact_limit`` vectors (300k by default), which also gives every
candidate's cosine for the probabilities.  The product runs in NumKong's
SIMD dot kernel or numpy's BLAS, whichever a short measurement at first use
found faster on this machine (``kernels``; it depends on the processor, see
``bench/bench_search.py``).  Above the limit an HNSW index from ``usearch`` (inner
product on the normalised vectors, int8 storage) answers, and its
candidates are re-scored exactly in float32, behind the same ``search``
method.  Building that graph takes minutes at a million vectors, so an index
given an ``ann_file`` saves it there with the ids and blob heads it was built
from; a later process loads it and applies only what changed since.  A
filter (``allowed_ids``) is applied before ranking: a small allowed set is
scored directly, a large one by asking the index for more neighbours and
keeping the allowed ones, with an exact fallback when too few are left.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .. import paths
from ..store import queries
from . import saved_vectors
from .kernels import exact_dots
from .scoring import LOGIT_SCALE

DEFAULT_EXACT_LIMIT = 300_000
ANN_CONNECTIVITY = 16         # HNSW graph degree
ANN_EXPANSION_ADD = 128       # candidate list while building
ANN_EXPANSION_SEARCH = 1024   # candidate list while searching; measured at 100k (bench data):
                              # 256 -> recall@10 0.95, 512 -> 0.99, 1024 -> 1.00 in ~6 ms
ANN_DTYPE = "i8"              # int8 graph: built 2.3x faster than float16 at 100k (bench data) ...
ANN_RESCORED = 4              # ... and its coarse distances are fixed by re-scoring 4k candidates in float32
ANN_BUILD_STEP = 50_000       # vectors added between progress reports while building
NEAREST_STEP = 1024          # rows per block in nearest_each ...
NEAREST_CELLS = 1 << 25      # ... fewer in a large library: a block's product stays under 128 MB
_OPEN_INDEXES = 4             # libraries x models kept in memory by index_for


@dataclass
class Ranking:
    """The best pieces for a query, best first, with what probabilities need."""

    ids: np.ndarray            # int64 piece ids
    cosines: np.ndarray        # float32
    candidates: int            # pieces that were ranked (indexed and allowed)
    scored: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), repr=False)
                               # the cosines the softmax runs over: every candidate (exact) or the hits (approximate)

    @cached_property
    def log_partition(self) -> float:
        """log sum of exp(cosine x e) over ``scored``; computed when asked (the hybrid order never asks)."""
        return _log_sum_exp(self.scored)

    def probabilities(self) -> np.ndarray:
        """softmax(cosine x e) over the candidates, as CLaMP's reference tool prints it."""
        logits = self.cosines.astype(np.float64) * LOGIT_SCALE
        return np.exp(logits - self.log_partition).astype(np.float32)


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """L2-normalise float32 rows in place (a zero row stays zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    matrix /= norms
    return matrix


def _log_sum_exp(cosines: np.ndarray) -> float:
    if not len(cosines):
        return 0.0
    logits = cosines.astype(np.float64)          # the one copy: scaled, shifted and exponentiated in place
    logits *= LOGIT_SCALE
    peak = logits.max()
    logits -= peak
    return float(peak + math.log(np.exp(logits, out=logits).sum()))


def dots(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``matrix @ query`` (float32 [n]) with the kernel measured fastest on this machine."""
    return exact_dots(matrix, query)


SAMPLE_PER_HIT = 64         # a large ranking's cut-off is estimated from a sample this many times k ...
SAMPLE_LEAST = 16_384       # ... and at least this large


def _best_first(ids: np.ndarray, cosines: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest cosines, best first (ties broken by piece id).

    Over many rows, the k-th best cosine of an evenly spaced sample is a floor
    the k-th best of all cannot be under (a sample's k best are k rows of all),
    so only the rows at or over it (about n x k / sample) are ranked: a million
    rows take a comparison each instead of a negated copy and a partition (11.7 ms
    to 0.3 ms at a million).  Every row tied with the k-th best is among them, so ties
    are broken by piece id across the whole set.
    """
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= len(cosines):
        rows = np.arange(len(cosines))
    else:
        stride = len(cosines) // max(SAMPLE_PER_HIT * k, SAMPLE_LEAST)
        sample = cosines[::stride] if stride >= 2 else cosines      # a few rows: the k-th best itself
        floor = np.partition(sample, len(sample) - k)[len(sample) - k]
        rows = np.flatnonzero(cosines >= floor)
    return rows[np.lexsort((ids[rows], -cosines[rows]))][:k]


class VectorIndex:
    """Normalised vectors of one model with their piece ids; exact or approximate top-k search."""

    def __init__(self, model: str, *, exact_limit: int | None = None,
                 expansion_search: int = ANN_EXPANSION_SEARCH, ann_file: Path | None = None,
                 saved_file: Path | None = None):
        self.model = model
        self.exact_limit = DEFAULT_EXACT_LIMIT if exact_limit is None else exact_limit
        self.expansion_search = expansion_search
        self.ann_file = None if ann_file is None else Path(ann_file)
        self.saved_file = None if saved_file is None else Path(saved_file)
        self._unsaved = False      # the vectors changed since they were last saved to ``saved_file``
        self._ids = np.zeros(0, dtype=np.int64)
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._heads = np.zeros(0, dtype=f"S{queries.FINGERPRINT_BYTES}")
        self._revision: int | None = None
        self._generation: int | None = None     # the model's vector generation the vectors are at
        self._ann = None
        self._lock = threading.RLock()

    @classmethod
    def from_vectors(cls, model: str, ids, vectors: np.ndarray, *, copy: bool = True, **options) -> VectorIndex:
        """An index over given vectors (benchmarks, tests); ``copy=False`` normalises them in place."""
        index = cls(model, **options)
        ids = np.asarray(ids, dtype=np.int64)
        matrix = np.array(vectors, dtype=np.float32, copy=copy, order="C")
        order = np.argsort(ids, kind="stable")
        if not np.array_equal(order, np.arange(len(ids))):
            ids, matrix = ids[order], matrix[order]
        index._ids, index._matrix = ids, _normalise_rows(matrix)
        index._heads = np.zeros(len(ids), dtype=index._heads.dtype)
        return index

    # --- state -----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> np.ndarray:
        return self._ids

    @property
    def matrix(self) -> np.ndarray:
        """[n, dim] float32, normalised, rows in the order of ``ids``."""
        return self._matrix

    @property
    def exact(self) -> bool:
        return len(self._ids) <= self.exact_limit

    def vector(self, piece_id: int) -> np.ndarray | None:
        """The normalised vector of a piece, or None when it has none."""
        rows = self._rows([piece_id])
        return self._matrix[rows[0]].copy() if len(rows) else None

    def _rows(self, piece_ids) -> np.ndarray:
        """Row numbers of the given piece ids that are in the index."""
        if not isinstance(piece_ids, np.ndarray):
            piece_ids = np.fromiter(piece_ids, dtype=np.int64)
        wanted = np.unique(piece_ids.astype(np.int64, copy=False))
        if not len(self._ids) or not len(wanted):
            return np.zeros(0, dtype=np.int64)
        rows = np.minimum(np.searchsorted(self._ids, wanted), len(self._ids) - 1)
        return rows[self._ids[rows] == wanted]

    # --- keeping in step with the library --------------------------------------------

    def refresh(self, library) -> bool:
        """Bring the index up to date with the library; True when something was reloaded.

        A write that left this model's vectors alone (the generation did not
        move) only records the new revision: no blob head is read.  The first
        refresh starts from the saved copy (``saved_file``) when there is one:
        as it is when it is at the library's generation, else corrected like
        any refresh; it then saves the copy for the next process.
        """
        with self._lock:
            # read first, together: a write after them triggers the next refresh
            revision, generation = queries.vector_state(library, self.model)
            if revision == self._revision:
                return False
            first = self._revision is None
            if not first and generation is not None and generation == self._generation:
                self._revision = revision
                return False
            if first and self._start_from_saved(library, revision, generation):
                return True
            ids, heads = queries.vector_fingerprints(library, self.model)
            same = _unchanged(self._ids, self._heads, ids, heads)
            fresh = ~np.isin(ids, self._ids[same])
            loaded_ids, loaded = queries.vectors_for(library, self.model, ids[fresh])
            if len(loaded_ids) and len(self._ids[same]) and loaded.shape[1] != self._matrix.shape[1]:
                same[:] = False     # a model folder replaced by one of another size: start over
                loaded_ids, loaded = queries.vectors_for(library, self.model, ids)
            if len(loaded_ids) or not same.all():
                self._apply(same, loaded_ids, _normalise_rows(loaded), heads[np.searchsorted(ids, loaded_ids)])
                self._unsaved = True
            self._revision, self._generation = revision, generation
            if first:
                self.save(library)
            return True

    def _start_from_saved(self, library, revision: int, generation: int | None) -> bool:
        """Take the saved copy as the starting state; True when it is the library's current state.

        That is when it is at the model's vector generation (a random number,
        so not another library's) with the table's row count; a later revision
        only means other writes, and the header is restamped with it.
        """
        saved = None if self.saved_file is None else saved_vectors.read(self.saved_file)
        if saved is None:
            self._unsaved = self.saved_file is not None
            return False
        self._ids, self._heads, self._matrix = saved.ids, saved.heads, saved.matrix
        if generation is not None and saved.generation == generation and \
                saved.table_rows == queries.vector_rows(library, self.model):
            self._revision, self._generation = revision, generation
            if saved.revision != revision:
                self.save(library)
            return True
        self._unsaved = False       # restamped at least, once the refresh has checked it
        return False

    def save(self, library) -> None:
        """Save the vectors for the next process (whole when they changed, else only the header)."""
        with self._lock:
            if self.saved_file is None or self._revision is None:
                return
            rows = queries.vector_rows(library, self.model)
            try:
                if self._unsaved or not self.saved_file.exists() or \
                        not saved_vectors.restamp(self.saved_file, self._revision, self._generation, rows):
                    saved_vectors.write(self.saved_file, self._revision, self._generation, rows,
                                        self._ids, self._heads, self._matrix)
                self._unsaved = False
            except OSError:
                pass    # a library folder we may not write to: the next process reads SQLite, as before

    def _apply(self, keep: np.ndarray, new_ids: np.ndarray, new_rows: np.ndarray, new_heads: np.ndarray) -> None:
        removed = self._ids[~keep]
        if len(new_ids) and np.array_equal(removed, new_ids) and new_rows.shape[1] == self._matrix.shape[1]:
            # only re-encoded vectors: their rows are replaced in one copy of the matrix (a million rows: 1 GB)
            rows = np.searchsorted(self._ids, new_ids)
            ids, matrix, heads = self._ids, np.array(self._matrix), self._heads.copy()
            matrix[rows], heads[rows] = new_rows, new_heads
        else:
            ids = np.concatenate([self._ids[keep], new_ids])
            kept = self._matrix if keep.all() else self._matrix[keep]
            if len(kept) and len(new_ids):
                matrix = np.concatenate([kept, new_rows])
            else:
                matrix = kept if len(kept) else new_rows
            heads = np.concatenate([self._heads[keep], new_heads])
            if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():     # new ids among the old: sort once
                order = np.argsort(ids, kind="stable")
                ids, matrix, heads = ids[order], matrix[order], heads[order]
        self._ids, self._matrix, self._heads = ids, np.ascontiguousarray(matrix), heads
        if self._ann is not None and (self.exact or not self._patch_ann(self._ann, removed, new_ids, new_rows)):
            self._ann = None    # rebuilt on the next approximate search, or no longer needed

    # --- searching ----------------------------------------------------------------

    def search(self, query_vector: np.ndarray, k: int, allowed_ids=None) -> tuple[np.ndarray, np.ndarray]:
        """(piece ids, cosines) of the ``k`` nearest vectors, best first; only ``allowed_ids`` if given."""
        ranking = self.ranking(query_vector, k, allowed_ids)
        return ranking.ids, ranking.cosines

    def ranking(self, query_vector: np.ndarray, k: int, allowed_ids=None) -> Ranking:
        """Like ``search``, with the candidate count and softmax denominator for probabilities."""
        with self._lock:
            query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
            query = query / max(float(np.linalg.norm(query)), 1e-12)
            rows = None if allowed_ids is None else self._rows(allowed_ids)
            if not len(self._ids) or k <= 0 or (rows is not None and not len(rows)):
                candidates = len(self._ids) if rows is None else len(rows)
                return Ranking(np.zeros(0, np.int64), np.zeros(0, np.float32), candidates)
            if query.shape[0] != self._matrix.shape[1]:
                raise ValueError(f"query has {query.shape[0]} dimensions, the index {self._matrix.shape[1]}")
            if self.exact or (rows is not None and (len(rows) * 8 < len(self._ids) or len(rows) <= 20_000)):
                return self._exact(query, k, rows)
            return self._approximate(query, k, rows)

    def nearest_each(self, k: int, step: int = NEAREST_STEP) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Every indexed piece's ``k`` nearest others, in blocks of rows.

        Yields (ids [m], neighbour ids [m, k], cosines [m, k]), best first.
        Exact (one matrix product per block) up to ``exact_limit`` vectors;
        above it the approximate index answers each block at once and its
        candidates are re-scored exactly, so a million pieces cost a batch
        graph search each rather than a million full products.
        """
        with self._lock:
            ids, matrix, exact = self._ids, self._matrix, self.exact
            ann = None if exact or not len(ids) else self._ensure_ann()
        k, step = min(k, len(ids) - 1), max(16, min(step, NEAREST_CELLS // max(len(ids), 1)))
        for start in range(0, len(ids) if k > 0 else 0, step):
            block = matrix[start:start + step]
            if exact:
                rows = _top_rows(block @ matrix.T, k + 1)
            else:
                found = ann.search(block, min(len(ids), ANN_RESCORED * (k + 1)), threads=0)
                rows = self._rows_of_keys(np.asarray(found.keys, dtype=np.int64))
            cosines = np.einsum("md,mkd->mk", block, matrix[rows])
            order = np.argsort(-cosines, axis=1, kind="stable")
            rows, cosines = np.take_along_axis(rows, order, 1), np.take_along_axis(cosines, order, 1)
            own = rows == np.arange(start, start + len(block))[:, None]
            keep = np.argsort(own, axis=1, kind="stable")[:, :k]    # the piece itself goes last, then out
            yield ids[start:start + step], ids[np.take_along_axis(rows, keep, 1)], np.take_along_axis(cosines, keep, 1)

    def _rows_of_keys(self, keys: np.ndarray) -> np.ndarray:
        """Row numbers of a [m, n] array of piece ids (a missing key, -1 or stale, maps to row 0)."""
        rows = np.minimum(np.searchsorted(self._ids, keys), len(self._ids) - 1)
        return np.where(self._ids[rows] == keys, rows, 0)

    def _exact(self, query: np.ndarray, k: int, rows: np.ndarray | None) -> Ranking:
        if rows is None:
            ids, cosines = self._ids, dots(self._matrix, query)
        elif len(rows) * 4 < len(self._ids):
            ids, cosines = self._ids[rows], dots(self._matrix[rows], query)
        else:
            ids, cosines = self._ids[rows], dots(self._matrix, query)[rows]
        best = _best_first(ids, cosines, k)
        return Ranking(ids[best], cosines[best], len(ids), cosines)

    def _approximate(self, query: np.ndarray, k: int, rows: np.ndarray | None) -> Ranking:
        ann = self._ensure_ann()
        total = len(self._ids) if rows is None else len(rows)
        want = ANN_RESCORED * k if rows is None else \
            min(len(self._ids), math.ceil(ANN_RESCORED * k * len(self._ids) / len(rows)) + 16)
        matches = ann.search(query, want, threads=1)
        keys = np.asarray(matches.keys, dtype=np.int64)
        found = self._rows(keys)
        if rows is not None:
            found = found[np.isin(found, rows)]
        if len(found) < min(k, total):
            return self._exact(query, k, rows)   # the filter left too few: score the allowed set directly
        ids, cosines = self._ids[found], dots(self._matrix[found], query)   # exact cosines of the candidates
        best = _best_first(ids, cosines, k)
        return Ranking(ids[best], cosines[best], total, cosines[best])

    def _ensure_ann(self):
        for _ in self.build_approximate():
            pass
        return self._ann

    def _new_ann(self):
        from usearch.index import Index, MetricKind

        return Index(ndim=self._matrix.shape[1], metric=MetricKind.IP, dtype=ANN_DTYPE,
                     connectivity=ANN_CONNECTIVITY, expansion_add=ANN_EXPANSION_ADD,
                     expansion_search=self.expansion_search)

    def _load_ann(self):
        """The saved graph brought up to date, or None when there is none worth loading."""
        if self.ann_file is None:
            return None
        saved = _read_ann(self.ann_file, self._matrix.shape[1])
        if saved is None:
            return None
        ann, saved_ids, saved_heads = saved
        kept = _unchanged(saved_ids, saved_heads, self._ids, self._heads)
        fresh = ~np.isin(self._ids, saved_ids[kept])
        if not self._patch_ann(ann, saved_ids[~kept], self._ids[fresh], self._matrix[fresh]):
            return None
        ann.expansion_search = self.expansion_search
        return ann

    def _patch_ann(self, ann, removed_ids: np.ndarray, new_ids: np.ndarray, new_rows: np.ndarray) -> bool:
        """Remove and add vectors in a graph; False when so much changed that a fresh build is better."""
        if len(removed_ids) + len(new_ids) >= len(self._ids) // 2:
            return False
        if len(removed_ids):
            ann.remove(removed_ids)
        if len(new_ids):
            ann.add(new_ids, new_rows, threads=0)
        return True

    def build_approximate(self, step: int = ANN_BUILD_STEP) -> Iterator[tuple[int, int]]:
        """Make the approximate index ready now, yielding (vectors added, total) as the graph grows.

        It is otherwise made on the first search that needs it, which takes
        minutes for a million pieces.  A saved graph is loaded and patched
        instead when there is one; a new graph is saved once complete.  Run it
        to the end: a graph left half-built is dropped.  Nothing to do for an
        index small enough to search exactly (see ``exact``) unless
        ``exact_limit`` says otherwise.
        """
        with self._lock:
            if self._ann is not None or self.exact or not len(self._ids):
                return
            self._ann = self._load_ann()
            if self._ann is not None:
                return
            ids, matrix, heads = self._ids, self._matrix, self._heads
        ann = self._new_ann()
        for start in range(0, len(ids), step):
            ann.add(ids[start:start + step], matrix[start:start + step], threads=0)    # 0: every core
            yield min(start + step, len(ids)), len(ids)
        with self._lock:
            if self._ids is ids and self._ann is None:    # no refresh changed the vectors meanwhile
                self._ann = ann
                if self.ann_file is not None:
                    _save_ann(ann, self.ann_file, ids, heads)


def _top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Column numbers of each row's ``k`` highest scores (in no order)."""
    if k >= scores.shape[1]:
        return np.broadcast_to(np.arange(scores.shape[1]), scores.shape).copy()
    return np.argpartition(-scores, k - 1, axis=1)[:, :k]


def _unchanged(old_ids: np.ndarray, old_heads: np.ndarray, ids: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """Which of the old (sorted) ids are still among ``ids`` with the same blob head."""
    if not len(ids) or not len(old_ids):
        return np.zeros(len(old_ids), dtype=bool)
    at = np.minimum(np.searchsorted(ids, old_ids), len(ids) - 1)
    return (ids[at] == old_ids) & (heads[at] == old_heads)


def _save_ann(ann, path: Path, ids: np.ndarray, heads: np.ndarray) -> None:
    """The graph and the (ids, heads) it holds, each written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    graph, keys = _partial(path), _partial(_sidecar(path))
    ann.save(str(graph))
    with open(keys, "wb") as out:
        np.savez(out, ids=ids, heads=heads)
    graph.replace(path)
    keys.replace(_sidecar(path))


def _read_ann(path: Path, dim: int):
    """(graph, ids, heads) saved by ``_save_ann``; None when missing, unreadable or of another size."""
    from usearch.index import Index

    try:
        with np.load(_sidecar(path)) as saved:
            ids, heads = saved["ids"], saved["heads"]
        ann = Index.restore(str(path))
    except (OSError, ValueError, KeyError, RuntimeError):
        return None
    if ann is None or ann.ndim != dim or len(ann) != len(ids) or ann.dtype.name.lower() != ANN_DTYPE:
        return None
    return ann, ids, heads


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".keys.npz")


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def ann_file_for(library, model: str) -> Path:
    """Where the approximate index of one library and model is kept between runs."""
    import hashlib

    key = hashlib.sha256(f"{Path(library.path).resolve()}\0{model}".encode()).hexdigest()[:24]
    return paths.cache_dir() / "vector-indexes" / f"{key}.usearch"


_indexes: OrderedDict[tuple[str, str], VectorIndex] = OrderedDict()
_indexes_lock = threading.Lock()


def index_for(library, model: str) -> VectorIndex:
    """The shared, up-to-date index of one library and model (kept for the next call)."""
    key = (str(Path(library.path).resolve()), model)
    with _indexes_lock:
        index = _indexes.pop(key, None) or VectorIndex(model, ann_file=ann_file_for(library, model),
                                                       saved_file=saved_vectors.path_for(library.path, model))
        _indexes[key] = index
        while len(_indexes) > _OPEN_INDEXES:
            _indexes.popitem(last=False)
    index.refresh(library)
    return index

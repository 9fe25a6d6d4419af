"""Searching the library: filters and keywords select, CLaMP ranks by the free text.

``search`` parses the query (syntax in ``engine.filters``), turns its filters
and quoted keywords into the set of allowed pieces, and then either

- ranks them (``semantic=True`` and some free text) in the hybrid order:
  what the free text names (composer, ensemble, key, title ...) as soft
  constraints, fused with the cosine ranking of the free text's CLaMP
  vector and the keyword ranking (``engine.hybrid``); or by cosine alone
  (``hybrid=False``), with the reference tool's probability,
  softmax(cosine x e) over the candidates; or
- lists them in library order, without loading any model (``semantic=False``
  or no free text): the GUI's type-as-you-go filter, where the free words
  must start words of the metadata.

Nothing a user types raises: an empty library, a model with no vectors yet or
a query that matches nothing gives an empty result with a friendly message.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..model.linalg import normalize
from ..store import queries
from .calibration import relevance_of
from .filters import Selection, parse_query, select, unknown_filter_reason, without_hidden
from .hybrid import hybrid_ranking
from .languages import query_language_hint
from .models import model_fingerprint
from .tagging import load_vocabularies, thresholds
from .understand import Understanding, understand
from .vectors import index_for

QUERY_CACHE_SIZE = 256
TOTALS_CACHE_SIZE = 32


@dataclass
class Hit:
    piece: dict                  # a row as Library.pieces() returns it
    cosine: float | None = None
    probability: float | None = None   # the reference tool's softmax; model-only ranking only
    matched: tuple[str, ...] = ()      # the query's soft constraints this piece meets (hybrid ranking)
    relevance: float | None = None     # calibrated P(relevant) from the cosine; None: the model has no calibration


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int                   # candidates in all (every page)
    message: str | None = None
    ignored: list[str] = field(default_factory=list)   # filters that could not be read
    hint: str | None = None      # e.g. an English-only model asked in another language
    unanswerable: bool = False   # similar: no such piece, or it has no vector (the CLI exits 1), not an empty page
    word_matches: int = 0        # ranked first: pieces whose details hold every word (``words_first``)
    source: dict | None = None   # similar to a file: the library piece that file is, when it is one
    no_vectors: bool = False     # ranking was asked for, but none of the chosen pieces has a vector


class _QueryVectors:
    """Normalised text vectors keyed by (model, text): an LRU in memory, and on disk across runs.

    The disk tier (``key_vectors.db`` in the cache folder, shared with
    ``clamp-desktop query``) is keyed by the model's fingerprint, so a query
    asked before costs no model load at all: a CLI search answers in the time
    of a filter-only one.
    """

    KIND = "query-text"

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, model_name: str, text: str, load_model: Callable) -> np.ndarray:
        key = (model_name, text)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        vector = self._stored(model_name, text)
        if vector is None:
            vector = normalize(load_model().encode_text([text]))[0]
            self._store(model_name, text, vector)
        with self._lock:
            self._items[key] = vector
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return vector

    def _stored(self, model_name: str, text: str) -> np.ndarray | None:
        with _disk_cache() as cache:
            if cache is None:
                return None
            return cache.get_many(model_fingerprint(model_name), self.KIND, [_text_hash(text)]).get(_text_hash(text))

    def _store(self, model_name: str, text: str, vector: np.ndarray) -> None:
        with _disk_cache() as cache:
            if cache is not None:
                cache.put_many(model_fingerprint(model_name), self.KIND, {_text_hash(text): vector})


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def _disk_cache():
    """The on-disk vector cache, or None where it cannot be opened (read-only home, a locked file)."""
    from .. import paths
    from ..store.vector_cache import VectorCache

    try:
        cache = VectorCache(paths.cache_dir() / "key_vectors.db")
    except (OSError, sqlite3.Error):
        yield None
        return
    try:
        yield cache
    except (OSError, sqlite3.Error):
        pass    # a cache that cannot be read or written only costs a model load
    finally:
        cache.close()


query_vectors = _QueryVectors(QUERY_CACHE_SIZE)


def search(library, text: str, model_name: str, load_model: Callable, *, top: int = 20,
           offset: int = 0, semantic: bool = True, hybrid: bool = True, words_first: bool = False) -> SearchResult:
    """One page of results for a query (syntax in ``engine.filters``), best first.

    ``hybrid`` fuses the model's ranking with what the free text names
    (``engine.understand``, ``engine.hybrid``); without it the model alone ranks.
    ``words_first`` (hybrid only) puts the pieces the keyword filter of the same
    text lists (every free word starts a word of their details) before the rest,
    so describing what was just filtered keeps those hits on top.
    """
    top, offset = max(int(top), 0), max(int(offset), 0)
    if not queries.has_pieces(library):
        return SearchResult([], 0, "The library is empty; index a folder of scores first.")
    vocabularies, _ = load_vocabularies()
    query = parse_query(text, vocabularies)
    ranked = semantic and bool(query.text)
    limits = thresholds(vocabularies, library)
    selection = select(library, query, limits, free_text_as_keywords=not ranked)
    selection = without_hidden(library, query, selection)
    if not ranked:
        return _listing(library, selection, top, offset)
    index = index_for(library, model_name)
    if not len(index):
        return SearchResult([], 0, f"No piece has a vector from {model_name} yet; index the library "
                                   "with this model first.", selection.ignored, no_vectors=True)
    vector = query_vectors.get(model_name, query.text, load_model)
    if hybrid:
        first = select(library, query, limits, free_text_as_keywords=True).allowed_ids(library) \
            if words_first else None
        result = rank_hybrid(library, index, vector, understand(library, query.text), selection, top, offset,
                             first)
    else:
        result = rank(library, index, vector, selection, top, offset)
    result.hint = query_language_hint(query.text, model_name)
    for hit in result.hits:
        hit.relevance = relevance_of(model_name, hit.cosine)
    return result


class _ListingTotals:
    """How many pieces a listing holds, per open library, revision and clauses.

    Scrolling asks for the same listing page after page, and counting it again
    cost 0.1-0.2 s of every page at a million pieces.  The library's revision
    moves in the same transaction as every write, so a total kept under it is
    never stale; it is read before counting, so a write landing meanwhile only
    makes the next page count again.  Totals are kept with the open library
    object (the window's reader keeps one), so a library file made anew at the
    same path, whose revisions start over, is never answered from another's.
    """

    def __init__(self, size: int):
        self.size = size
        self._items: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def count(self, library, clauses) -> int:
        key = (library.revision(), tuple(clauses))
        with self._lock:
            kept = self._items.setdefault(library, OrderedDict())
            if key in kept:
                kept.move_to_end(key)
                return kept[key]
        total = queries.count_pieces(library, clauses)
        with self._lock:
            kept[key] = total
            while len(kept) > self.size:
                kept.popitem(last=False)
        return total


listing_totals = _ListingTotals(TOTALS_CACHE_SIZE)


def _listing(library, selection: Selection, top: int, offset: int) -> SearchResult:
    total = listing_totals.count(library, selection.clauses)
    page = queries.piece_ids(library, selection.clauses, limit=top, offset=offset) if top else []
    message = None if total else _no_match(selection)
    return SearchResult([Hit(piece) for piece in library.pieces(page)], total, message, selection.ignored)


def rank(library, index, query_vector: np.ndarray, selection: Selection, top: int, offset: int) -> SearchResult:
    """The page ``offset:offset+top`` of the selected pieces ranked by cosine to ``query_vector``."""
    allowed = selection.allowed_ids(library)
    ranking = index.ranking(query_vector, offset + top, allowed)
    if not ranking.candidates:
        return _nothing_ranked(selection, allowed)
    probabilities = ranking.probabilities()
    ids = [int(i) for i in ranking.ids[offset:offset + top]]
    pieces = {p["id"]: p for p in library.pieces(ids)}
    hits = [Hit(pieces[pid], float(cos), float(prob))
            for pid, cos, prob in zip(ids, ranking.cosines[offset:], probabilities[offset:])
            if pid in pieces]
    return SearchResult(hits, ranking.candidates, None, selection.ignored)


def rank_hybrid(library, index, query_vector: np.ndarray, understood: Understanding, selection: Selection,
                top: int, offset: int, first: list[int] | None = None) -> SearchResult:
    """The page ``offset:offset+top`` of the selected pieces in the hybrid order (``engine.hybrid``).

    The ``first`` pieces (those with a vector) lead, in that order among themselves.
    """
    allowed = selection.allowed_ids(library)
    order, cosines, labels, candidates = hybrid_ranking(library, index, query_vector, understood,
                                                        selection.clauses, allowed)
    leading = _leading(index, query_vector, order, cosines, first, allowed) if first else []
    if leading:
        chosen = set(leading)
        order = leading + [pid for pid in order if pid not in chosen]
        for pid in leading:
            labels[pid] = [WORDS_LABEL, *labels.get(pid, ())]
    if not order:
        return _nothing_ranked(selection, allowed)
    ids = order[offset:offset + top]
    pieces = {p["id"]: p for p in library.pieces(ids)}
    hits = [Hit(pieces[pid], cosines[pid], None, tuple(labels.get(pid, ()))) for pid in ids if pid in pieces]
    return SearchResult(hits, max(candidates, len(order)), None, selection.ignored, word_matches=len(leading))


WORDS_LABEL = "your words"      # what a piece listed first by ``words_first`` meets


def _leading(index, query_vector, order: list[int], cosines: dict[int, float], first: list[int],
             allowed) -> list[int]:
    """``first`` (within ``allowed``, with a vector) in the hybrid order; those beyond its pool by cosine."""
    wanted = set(first) if allowed is None else set(first) & set(allowed)
    missing = sorted(wanted - set(cosines))
    if missing:
        beyond = index.ranking(query_vector, len(missing), missing)
        cosines.update({int(pid): float(cos) for pid, cos in zip(beyond.ids, beyond.cosines)})
    ranked = [pid for pid in order if pid in wanted]
    seen = set(ranked)
    return ranked + sorted((pid for pid in wanted - seen if pid in cosines), key=lambda pid: -cosines[pid])


def _nothing_ranked(selection: Selection, allowed) -> SearchResult:
    if allowed is not None and not allowed:
        return SearchResult([], 0, _no_match(selection), selection.ignored)
    return SearchResult([], 0, "None of the matching pieces has a vector yet; index the library first.",
                        selection.ignored, no_vectors=True)


def _no_match(selection: Selection) -> str:
    message = "No piece matches this query; try fewer filters or other words."
    if selection.ignored:
        message += " Ignored: " + "; ".join(selection.ignored) + "."
    return message


def unknown_filters(text: str) -> list[str]:
    """The query's ``word:value`` terms that name no filter, each with the filters there are."""
    vocabularies, _ = load_vocabularies()
    return [unknown_filter_reason(term) for term in parse_query(text, vocabularies).unknown]


def selection_for(library, filters: str) -> Selection:
    """The selection of a filter string (free words must start metadata words), for similar pieces."""
    vocabularies, _ = load_vocabularies()
    query = parse_query(filters, vocabularies)
    selection = select(library, query, thresholds(vocabularies, library), free_text_as_keywords=True)
    return without_hidden(library, query, selection)

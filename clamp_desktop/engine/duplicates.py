"""Duplicates and other editions: groups of library pieces that hold one work.

``identical``: the same content, either the same bytes (the file hash) or
the same music in another file (the converted ABC is the same, e.g. a score
saved again as .musicxml).  ``edition``: the same work in another file, a
transposed copy, another engraving or an arrangement, found among each
piece's nearest music vectors (``VectorIndex.nearest_each``: one matrix
product per block of rows, or the approximate index in a large library, never
all pairs in Python) and among pieces whose titles begin alike (blocks of at
most ``TITLE_BLOCK`` pieces: a small model finds a hundred chorales as close
as a transposed copy), whose ``editions.Evidence`` reaches the threshold.

Pairs the user marked "not duplicates" are left apart, so a dismissed group
is not shown again; a group of three the user split keeps only the pairs not
marked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..store import queries
from . import organise
from .editions import evidence, title_tokens
from .vectors import index_for

EDITION_THRESHOLD = 0.90     # chosen on bench/bench_duplicates.py's data: docs/duplicates.md
CANDIDATE_COSINE = 0.80      # nearest pieces below this are never one work (bench: none was)
NEIGHBOURS = 16              # nearest pieces looked at for each piece
SAME_MUSIC_COSINE = 0.9999   # vectors this close are compared by their music itself
TITLE_BLOCK = 32             # pieces whose titles begin with the same two words are compared, up to this many


@dataclass(frozen=True)
class DuplicateGroup:
    kind: str                # "identical" | "edition"
    pieces: list[dict]       # {"id", "path", "title"}, by path

    @property
    def ids(self) -> list[int]:
        return [p["id"] for p in self.pieces]

    def as_json(self) -> dict:
        return {"kind": self.kind, "pieces": self.pieces}


def find_duplicates(library, model_name: str, *, threshold: float = EDITION_THRESHOLD,
                    apart: Iterable[Iterable[int]] | None = None) -> list[DuplicateGroup]:
    """The library's groups of one work; ``apart``: groups of ids not to join (default: the user's marks)."""
    links = _Links(organise.not_duplicate_groups(library) if apart is None else apart)
    for ids in queries.same_file_groups(library):
        for other in ids[1:]:
            links.add(ids[0], other, "identical")
    pairs = list(close_pairs(library, model_name))
    rows = {p["id"]: p for p in library.pieces({i for a, b, _ in pairs for i in (a, b)})}
    music = queries.music_of(library, [i for a, b, c in pairs if c >= SAME_MUSIC_COSINE for i in (a, b)])
    for a, b, cosine in pairs:
        if a not in rows or b not in rows:
            continue
        if cosine >= SAME_MUSIC_COSINE and music.get(a) and music.get(a) == music.get(b):
            links.add(a, b, "identical")
        elif evidence(cosine, rows[a], rows[b]).edition_score() >= threshold:
            links.add(a, b, "edition")
    return links.groups(library)


def close_pairs(library, model_name: str):
    """(id, id, cosine) of the candidate pairs, each once: nearest vectors and alike titles."""
    index = index_for(library, model_name)
    seen = set()
    for ids, neighbours, cosines in index.nearest_each(NEIGHBOURS):
        rows, cols = np.nonzero(cosines >= CANDIDATE_COSINE)
        for r, c in zip(rows.tolist(), cols.tolist()):
            pair = (int(min(ids[r], neighbours[r, c])), int(max(ids[r], neighbours[r, c])))
            if pair[0] != pair[1] and pair not in seen:
                seen.add(pair)
                yield pair[0], pair[1], float(cosines[r, c])
    for a, b in _title_pairs(library):
        one, other = index.vector(a), index.vector(b)
        if (a, b) not in seen and one is not None and other is not None:
            seen.add((a, b))
            yield a, b, float(one @ other)


def _title_pairs(library):
    """(id, id) of pieces whose titles start with the same two words, in blocks small enough to compare."""
    blocks: dict[str, list[int]] = {}
    for piece_id, title in queries.titles(library):
        words = title_tokens(title)[:2]
        if words:
            blocks.setdefault(" ".join(words), []).append(piece_id)
    for ids in blocks.values():
        if 1 < len(ids) <= TITLE_BLOCK:
            yield from ((min(a, b), max(a, b)) for i, a in enumerate(ids) for b in ids[i + 1:])


class _Links:
    """Pairs found one work, joined into groups (union-find), minus pairs the user set apart."""

    def __init__(self, apart: Iterable[Iterable[int]]):
        self.parent: dict[int, int] = {}
        self.kinds: dict[int, set[str]] = {}
        self.apart = [frozenset(g) for g in apart]

    def add(self, a: int, b: int, kind: str) -> None:
        if any(a in group and b in group for group in self.apart):
            return
        ra, rb = self._root(a), self._root(b)
        kinds = self.kinds.pop(ra, set()) | self.kinds.pop(rb, set()) | {kind}
        self.parent[ra] = rb
        self.kinds[rb] = kinds

    def _root(self, a: int) -> int:
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def groups(self, library) -> list[DuplicateGroup]:
        members: dict[int, list[int]] = {}
        for piece in list(self.parent):
            members.setdefault(self._root(piece), []).append(piece)
        rows = {p["id"]: p for p in library.pieces(list(self.parent))}
        found = []
        for root, ids in members.items():
            pieces = sorted(({"id": i, "path": rows[i]["path"], "title": rows[i]["title"]}
                             for i in ids if i in rows), key=lambda p: (p["path"], p["id"]))
            if len(pieces) > 1:
                kind = "identical" if self.kinds[root] == {"identical"} else "edition"
                found.append(DuplicateGroup(kind, pieces))
        return sorted(found, key=lambda g: (g.kind != "identical", g.pieces[0]["path"]))

"""Similar pieces: the library's nearest neighbours of a piece, or of a score from outside it.

Both rank by the cosine between music vectors of one model, after the
filters (same syntax as search, e.g. ``"key:minor parts:4"``) have chosen the
candidates; the piece itself (or a library copy of the outside file, found
by its content hash) is never its own neighbour.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..ingest.model_input import model_input
from ..digests import file_hash
from ..model.registry import model_reads
from ..model.linalg import normalize
from ..store import queries
from .search import SearchResult, rank, selection_for
from .vectors import index_for


def similar_to_piece(library, piece_id: int, model_name: str, *, top: int = 10,
                     filters: str = "", offset: int = 0) -> SearchResult:
    """The pieces whose music is closest to a library piece's (itself left out)."""
    piece = library.piece(int(piece_id))
    if piece is None or piece["status"] != "ok":
        return SearchResult([], 0, f"There is no readable piece {piece_id} in the library.", unanswerable=True)
    index = index_for(library, model_name)
    vector = index.vector(int(piece_id))
    if vector is None and piece.get("abc") is None:
        return SearchResult([], 0, f"'{piece['title']}' could not be converted, so it has no vector: "
                                   f"{piece['error']}", unanswerable=True)
    if vector is None:
        return SearchResult([], 0, f"'{piece['title']}' has no vector from {model_name} yet; "
                                   "index the library with this model first.", unanswerable=True)
    selection = selection_for(library, filters).excluding([int(piece_id)])
    return rank(library, index, vector, selection, top, offset)


def similar_to_file(library, path: str | Path, model_name: str, load_model: Callable, *,
                    top: int = 10, filters: str = "", offset: int = 0) -> SearchResult:
    """The library pieces closest to a score file from anywhere (a copy of it in the library left out).

    A file the library already holds (same content) is ranked by its stored
    vector, as ``similar_to_piece`` does, and the result names it (``source``).
    Raises ConversionError (one line) when the file cannot be read as a score.
    """
    index = index_for(library, model_name)
    copies = queries.ids_with_hash(library, file_hash(str(path)))
    known = next((pid for pid in copies if index.vector(int(pid)) is not None), None)
    if known is not None:
        result = similar_to_piece(library, known, model_name, top=top, filters=filters, offset=offset)
        result.source = library.piece(int(known))
        return result
    text = model_input(path, model_reads(model_name)).text   # what this model reads of the file
    if not len(index):
        return SearchResult([], 0, f"No piece has a vector from {model_name} yet; index the library "
                                   "with this model first.", unanswerable=True)
    vector = normalize(load_model().encode_music([text]))[0]
    selection = selection_for(library, filters).excluding(copies)
    return rank(library, index, vector, selection, top, offset)

"""What the web server asks of the library: search, facets, pieces, pages, similar pieces.

Every call runs off the event loop (the routes hand it to a thread); each such
thread reads through its own read-only connection (WAL: the desktop app may
write meanwhile).  Model and Verovio work goes to their lanes; rendered pages
are cached by piece, file version and page.  Pieces are reached only by their
integer id: the file path comes from the library, never from a request.
Collections and setlists do not exist in the library yet; when they do, they
belong here (and in docs/web-api.md).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from ..engine import browse
from ..engine.models import model_loader, model_name
from ..errors import ClampDesktopError, RenderError
from ..store import Library
from .lanes import ModelLane, RenderLane

PAGE_CACHE_SIZE = 256
MAX_TOP = 200
PIECE_FIELDS = ("title", "subtitle", "composer", "lyricist", "arranger", "work", "movement", "parts",
                "measures", "duration_s", "tempo", "instruments", "genre", "origin", "format")


def _on_white_sheet(svg: str) -> str:
    """The page drawn on an opaque sheet: a browser shows an SVG over whatever lies behind it."""
    end = svg.index(">") + 1
    return svg[:end] + '<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>' + svg[end:]


class PieceNotFound(ClampDesktopError):
    """No readable piece has this id."""


class _LRU:
    def __init__(self, size: int):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _hit_row(number: int, hit, facts: dict, tags: dict) -> dict:
    piece = hit.piece
    key, meter = facts.get(piece["id"], (None, None))
    return {"rank": number, "id": piece["id"], "title": piece.get("title"), "composer": piece.get("composer"),
            "key": key, "meter": meter, "parts": piece.get("parts"), "measures": piece.get("measures"),
            "tags": tags.get(piece["id"], {}), "score": hit.cosine, "cosine": hit.cosine,
            "relevance": hit.relevance, "matched": list(hit.matched)}


class LibraryService:
    def __init__(self, db_path: str | Path, model: str | None = None, device: str | None = None):
        self.db_path = Path(db_path)
        Library(self.db_path, readonly=True).close()    # a missing or old library fails here, in one line
        self.model_name = model_name(model)
        self.model = ModelLane(model_loader(model, device))
        self.render = RenderLane()
        self._local = threading.local()
        self._connections: list[Library] = []
        self._connections_lock = threading.Lock()
        self._pages = _LRU(PAGE_CACHE_SIZE)
        self._page_counts = _LRU(4 * PAGE_CACHE_SIZE)

    def library(self) -> Library:
        """This thread's read-only connection."""
        library = getattr(self._local, "library", None)
        if library is None:
            library = self._local.library = Library(self.db_path, readonly=True)
            with self._connections_lock:
                self._connections.append(library)
        return library

    def close(self) -> None:
        self.model.close()
        self.render.close()
        with self._connections_lock:
            for library in self._connections:
                library.close()
            self._connections.clear()

    # --- results ------------------------------------------------------------------

    def _results(self, result, offset: int) -> dict:
        library = self.library()
        ids = [hit.piece["id"] for hit in result.hits]
        facts, tags = browse.key_and_meter(library, ids), browse.visible_tags(library, ids)
        return {"total": result.total, "message": result.message, "ignored": result.ignored,
                "results": [_hit_row(offset + n + 1, hit, facts, tags) for n, hit in enumerate(result.hits)]}

    def search(self, text: str, top: int = 20, offset: int = 0, semantic: bool = True) -> dict:
        """The engine's search (same syntax as the app); ``semantic=False`` is the app's Filter mode."""
        from ..engine.search import search

        top, offset = min(max(top, 0), MAX_TOP), max(offset, 0)
        result = search(self.library(), text, self.model_name, lambda: self.model, top=top, offset=offset,
                        semantic=semantic)
        return {"query": text, "mode": "describe" if semantic else "filter", "offset": offset,
                **self._results(result, offset)}

    def similar(self, piece_id: int, top: int = 10) -> dict:
        from ..engine.similar import similar_to_piece

        self._readable(piece_id)
        result = similar_to_piece(self.library(), piece_id, self.model_name, top=min(max(top, 0), MAX_TOP))
        return {"id": piece_id, **self._results(result, 0)}

    def facets(self) -> dict:
        return {name: [{"value": value, "count": count} for value, count in counts]
                for name, counts in browse.facets(self.library()).items()}

    # --- one piece -------------------------------------------------------------------

    def _readable(self, piece_id: int) -> dict:
        piece = self.library().piece(piece_id) if 0 < piece_id < 2**63 else None
        if piece is None or piece["status"] != "ok":
            raise PieceNotFound(f"There is no readable piece {piece_id} in the library.")
        return piece

    @staticmethod
    def _version(piece: dict) -> tuple:
        return piece["id"], piece["path"], piece["tune"], piece.get("mtime_ns"), piece.get("hash")

    def page_count(self, piece: dict) -> int:
        key = self._version(piece)
        count = self._page_counts.get(key)
        if count is None:
            count = self.render.page_count(piece["path"], piece["tune"])
            self._page_counts.put(key, count)
        return count

    def piece(self, piece_id: int) -> dict:
        """Metadata, key, metre, visible tags and page count of one piece (its path stays on the server)."""
        library = self.library()
        piece = self._readable(piece_id)
        key, meter = browse.key_and_meter(library, [piece_id]).get(piece_id, (None, None))
        try:
            pages, render_error = self.page_count(piece), None
        except RenderError as exc:         # the metadata is still worth showing
            pages, render_error = 0, str(exc)
        return {"id": piece_id, "file": Path(piece["path"]).name, "key": key, "meter": meter,
                **{name: piece.get(name) for name in PIECE_FIELDS},
                "tags": browse.visible_tags(library, [piece_id]).get(piece_id, {}),
                "pages": pages, "render_error": render_error}

    def page_svg(self, piece_id: int, page: int) -> bytes:
        """Page ``page`` (1-based) of a piece as SVG, engraved by Verovio once and then cached."""
        piece = self._readable(piece_id)
        key = (*self._version(piece), page)
        svg = self._pages.get(key)
        if svg is None:
            svg = _on_white_sheet(self.render.page_svg(piece["path"], piece["tune"], page)).encode("utf-8")
            self._pages.put(key, svg)
        return svg

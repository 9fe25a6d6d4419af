"""The GUI thread's read-only view of the library, through engine functions.

Reads are quick (indexed SQLite, WAL: never blocked by the worker's writes),
so the table, facets and tag lists read here directly; everything that writes
or needs the model goes through the ``Worker``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from ..errors import ClampDesktopError, LibraryError
from ..store import Library

POLL_MS = 1500


def stored_model_name(requested: str | None) -> str:
    """The name vectors are stored under; a model that is gone still names itself (reads need no model)."""
    from ..engine.models import model_name

    try:
        return model_name(requested)
    except ClampDesktopError:
        return requested or ""


class LibraryReader(QObject):
    """Opens the library read-only when it exists; ``changed`` when its revision moves."""

    changed = Signal()

    def __init__(self, db_path: str | Path, model: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.model_name = stored_model_name(model)
        self._library: Library | None = None
        self._revision: int | None = None
        self._vocabularies: dict | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.check)

    def watch(self) -> None:
        """Notice writes by anyone (this app's worker, the CLI) by polling the revision."""
        self._poll.start()

    @property
    def watching(self) -> bool:
        return self._poll.isActive()

    @property
    def library(self) -> Library | None:
        if self._library is None and self.db_path.exists():
            try:
                self._library = Library(self.db_path, readonly=True)
                self._revision = self._library.revision()
            except LibraryError:
                self._library = None      # not created or not migrated yet: the worker will
        return self._library

    def check(self) -> bool:
        """Emit ``changed`` when the library moved on since the last look; True if it did."""
        library = self.library
        if library is None:
            return False
        revision = library.revision()
        if revision == self._revision:
            return False
        self._revision = revision
        self.changed.emit()
        return True

    def close(self) -> None:
        self._poll.stop()
        if self._library is not None:
            self._library.close()
            self._library = None

    # --- reads ----------------------------------------------------------------------

    def listing(self, text: str = "", top: int = 200, offset: int = 0):
        """Keyword/filter listing, no model: the engine's search with ``semantic=False``."""
        from ..engine.search import SearchResult, search

        if self.library is None:
            return SearchResult([], 0, "No library yet: add a folder of scores.")
        return search(self.library, text, self.model_name, None, top=top, offset=offset, semantic=False)

    def vocabularies(self) -> dict:
        """Tag vocabularies by name (read once; ``reload_vocabularies`` after an edit)."""
        if self._vocabularies is None:
            from ..engine.tagging import load_vocabularies

            self._vocabularies, self.vocabulary_problems = load_vocabularies()
        return self._vocabularies

    def reload_vocabularies(self) -> None:
        self._vocabularies = None

    def visible_tags(self, piece_ids: list[int]) -> dict[int, dict[str, list[str]]]:
        from ..engine.browse import visible_tags

        if self.library is None or not piece_ids:
            return {}
        return visible_tags(self.library, piece_ids, self.vocabularies())

    def key_and_meter(self, piece_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
        from ..engine.browse import key_and_meter

        return key_and_meter(self.library, piece_ids) if self.library is not None and piece_ids else {}

    def piece(self, piece_id: int) -> dict | None:
        return self.library.piece(piece_id) if self.library is not None else None

    def piece_tags(self, piece_id: int) -> dict:
        from ..engine.tagging import piece_tags

        return piece_tags(self.library, piece_id, self.vocabularies()) if self.library is not None else {}

    def folders(self) -> list[str]:
        return self.library.folders() if self.library is not None else []

    def failures(self) -> list[dict]:
        return self.library.failures() if self.library is not None else []

    def notices(self) -> list[dict]:
        return self.library.notices() if self.library is not None else []

    def counts(self) -> dict:
        return self.library.counts() if self.library is not None else {"pieces": 0, "failed": 0, "files": 0}

    # --- the user's own data (issue 17) ----------------------------------------------------

    def marks(self, piece_ids: list[int]) -> dict[int, dict]:
        """piece id -> {"rating", "favourite", "hidden"} of pieces with any mark."""
        from ..engine.organise import marks

        return marks(self.library, piece_ids) if self.library is not None and piece_ids else {}

    def edited(self, piece_ids: list[int]) -> dict[int, set[str]]:
        from ..engine.organise import edited_map

        return edited_map(self.library, piece_ids) if self.library is not None and piece_ids else {}

    def edited_fields(self, piece_id: int) -> dict[str, dict]:
        from ..engine.organise import edited_fields

        return edited_fields(self.library, piece_id) if self.library is not None else {}

    def hidden_ids(self) -> set[int]:
        from ..engine.organise import hidden_ids

        return set(hidden_ids(self.library)) if self.library is not None else set()

    def collections(self) -> list[dict]:
        from ..engine.collections import list_collections

        return list_collections(self.library) if self.library is not None else []

    def collection_pieces(self, name: str) -> list[dict]:
        """A collection's pieces in order (a smart one listed by its search, without the model)."""
        from ..engine.collections import collection_pieces

        return collection_pieces(self.library, name) if self.library is not None else []

    def collections_of(self, piece_ids: list[int]) -> dict[int, list[str]]:
        from ..engine.collections import collections_of

        return collections_of(self.library, piece_ids) if self.library is not None and piece_ids else {}

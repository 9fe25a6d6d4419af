"""What the lanes own: the engine lane's writable library and model, the read lane's connection (no Qt here).

Only the engine lane's thread touches an ``EngineState``, so the library has a
single writer and the model is loaded once, after the window is up.

After a switch of model, indexing encodes with the new model while search,
similar pieces and tagging keep using the previous one (and its vectors)
until an index run with the new model has completed; then they switch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..engine.models import model_loader, model_name
from ..errors import ClampDesktopError, LibraryError
from ..store import Library

PROGRESS_STEPS = 100_000    # SQLite virtual-machine steps between two looks at the read lane's stop flag


@dataclass
class ServedModel:
    """A model whose stored vectors search reads: the previous one while the new one's are incomplete."""

    requested: str | None
    device: str | None
    load: Callable


class EngineState:
    def __init__(self, db_path: str | Path, model: str | None = None, device: str | None = None):
        self.db_path = Path(db_path)
        self.requested_model = model
        self.device = device
        self._library: Library | None = None
        self._load = model_loader(model, device)
        self._model = None
        self._previous: ServedModel | None = None

    @property
    def model_name(self) -> str:
        """The model indexing encodes with (the one chosen last)."""
        return model_name(self.requested_model)

    @property
    def serving_name(self) -> str:
        """The model search, similar pieces and tags read vectors of."""
        return model_name(self._previous.requested) if self._previous else self.model_name

    def load_serving_model(self):
        return self._previous.load() if self._previous else self.load_model()

    @property
    def switching(self) -> bool:
        """True while the new model's vectors are being made and the previous model still serves."""
        return self._previous is not None

    def library(self) -> Library:
        if self._library is None:
            self._library = Library(self.db_path)
        return self._library

    def load_model(self):
        self._model = self._load()
        return self._model

    @property
    def model(self):
        """The loaded model, or None before the first job that needed it."""
        return self._model

    def device_name(self) -> str:
        """Where the model runs, e.g. 'cuda' or 'cpu' (loads the model)."""
        return str(self.load_model().device)

    def use_model(self, model: str | None, device: str | None) -> None:
        """Index with ``model`` from now on; keep serving the previous one until that is complete."""
        if (model, device) == (self.requested_model, self.device):
            return
        previous = self._previous or ServedModel(self.requested_model, self.device, self._load)
        self.requested_model, self.device = model, device
        self._load, self._model = model_loader(model, device), None
        self._previous = previous if self._worth_serving(previous) else None

    def _worth_serving(self, previous: ServedModel) -> bool:
        """Only a different model with vectors in the library (and still there) keeps serving.

        A new model that cannot be found leaves the previous one serving (its error comes with indexing).
        """
        try:
            name = model_name(previous.requested)
        except ClampDesktopError:
            return False
        try:
            differs = name != self.model_name
        except ClampDesktopError:
            differs = True
        return differs and self.db_path.exists() and self.library().models().get(name, 0) > 0

    def model_complete(self) -> None:
        """An index run with the chosen model finished: it serves from now on (the previous one is let go)."""
        self._previous = None

    def close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None


class ReadState:
    """The read lane's own read-only connection (an SQLite connection stays on the thread that opened it).

    WAL: its reads are never blocked by the engine lane's writes, and each one
    sees the last committed state.
    """

    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path)
        self._library: Library | None = None
        self._stop = threading.Event()

    def library(self) -> Library | None:
        """The library, opened on first use; None while it does not exist or is not migrated yet."""
        if self._library is None and self.db_path.exists():
            try:
                self._library = Library(self.db_path, readonly=True)
            except LibraryError:
                return None       # the engine lane creates and migrates it
            # SQLite asks between steps; a true answer ends the statement ("interrupted")
            self._library.conn.set_progress_handler(self._stop.is_set, PROGRESS_STEPS)
        return self._library

    def interrupt(self) -> None:
        """Any thread: the query running now and every later one stop (the app is closing)."""
        self._stop.set()

    def close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None

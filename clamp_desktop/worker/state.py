"""What the engine lane owns: the writable library and the model (no Qt here).

Only the engine lane's thread touches an ``EngineState``, so the library has a
single writer and the model is loaded once, after the window is up.
"""

from __future__ import annotations

from pathlib import Path

from ..engine.models import model_loader, model_name
from ..store import Library


class EngineState:
    def __init__(self, db_path: str | Path, model: str | None = None, device: str | None = None):
        self.db_path = Path(db_path)
        self.requested_model = model
        self.device = device
        self._library: Library | None = None
        self._load = model_loader(model, device)
        self._model = None

    @property
    def model_name(self) -> str:
        return model_name(self.requested_model)

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
        if (model, device) != (self.requested_model, self.device):
            self.requested_model, self.device = model, device
            self._load, self._model = model_loader(model, device), None

    def close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None

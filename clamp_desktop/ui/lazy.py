"""Panels that build their widget the first time they are shown (after the window is up)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDockWidget, QLabel, QWidget


class LazyDock(QDockWidget):
    built = Signal(QWidget)

    def __init__(self, title: str, name: str, factory: Callable[[], QWidget], parent=None):
        super().__init__(title, parent)
        self.setObjectName(name)          # saveState/restoreState find docks by name
        self._factory = factory
        self.panel: QWidget | None = None
        self.setWidget(QLabel(""))
        self.visibilityChanged.connect(self._maybe_build)

    def _maybe_build(self, visible: bool) -> None:
        if visible:
            self.build()

    def build(self) -> QWidget:
        if self.panel is None:
            self.panel = self._factory()
            self.setWidget(self.panel)
            self.built.emit(self.panel)
        return self.panel

    def reset(self) -> None:
        """Drop the panel (e.g. another library was opened); it is built again when shown."""
        if self.panel is not None:
            self.panel.deleteLater()
            self.panel = None
            self.setWidget(QLabel(""))
            if self.isVisible():
                self.build()

    def reveal(self) -> QWidget:
        """Show, raise and build the panel."""
        self.show()
        self.raise_()
        return self.build()

"""File ▸ Export the library…: the CLI's ``export`` (``engine.export``), to a file the user chooses."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..engine.export import write_export
from ..wording import plural

FILTERS = "CSV, for spreadsheets (*.csv);;JSON (*.json)"


def choose_and_export(window) -> int | None:
    path, chosen = QFileDialog.getSaveFileName(window, "Export the library", "library.csv", FILTERS)
    return export_library(window, path, "json" if "json" in chosen.lower() else "csv") if path else None


def export_library(window, path: str, fmt: str | None = None) -> int | None:
    """Write every piece, its details and tags to ``path`` (read-only, from the window's reader); the count."""
    if window.reader.library is None:
        window.statusBar().showMessage("There is no library to export yet: add a folder of scores.", 10_000)
        return None
    try:
        count = write_export(window.reader.library, path, fmt)
    except OSError as exc:
        QMessageBox.warning(window, "The library cannot be exported", f"{path}: {exc.strerror or exc}")
        return None
    window.statusBar().showMessage(f"Exported {plural(count, 'piece')} to {path}", 10_000)
    return count

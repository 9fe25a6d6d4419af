"""The context menu of a piece: open it in the notation program, show its folder, copy its path,
find similar pieces, add a tag; for the piece on show, edit, rate, favourite, collections, hide.

The menu is built from ``SECTIONS``, each a function adding its entries for a
piece; a separator goes between sections.  A new kind of entry (say "Add to
collection ▸", a submenu) is one more function in that tuple.  ``host`` is the
main window: its similar panel and worker do the work that is not a one-liner.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QInputDialog, QMenu

from .icons import icon


def open_in_notation_program(piece: dict) -> bool:
    """Open the score file with the program the desktop opens it with (MuseScore, Sibelius, …)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(piece["path"]))


def show_in_folder(piece: dict) -> bool:
    """Show the file in the file manager (selected where the platform can), else open its folder."""
    path = str(Path(piece["path"]))
    if sys.platform == "darwin":
        return subprocess.run(["open", "-R", path], check=False).returncode == 0
    if sys.platform == "win32":
        subprocess.run(["explorer", f"/select,{path}"], check=False)   # explorer's exit code means nothing
        return True
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


def copy_path(piece: dict) -> None:
    QGuiApplication.clipboard().setText(piece["path"])


def add_tag(host, piece: dict, label: str | None = None):
    """Add one of your own tags (vocabulary "user") to the piece; asks for it when not given. The job, or None."""
    if label is None:
        name = piece.get("title") or Path(piece["path"]).name
        label, accepted = QInputDialog.getText(host, "Add a tag", f"A tag for “{name}”:")
        if not accepted:
            return None
    label = " ".join(label.split())
    if not label:
        return None
    job = host.worker.edit_tag("add", piece["id"], "user", label)
    job.returned.connect(lambda _tags: tags_changed(host))
    job.errored.connect(lambda message: host.statusBar().showMessage(message, 10_000))
    return job


def tags_changed(host) -> None:
    host.model.refresh_tags()
    if host.tags_dock.panel is not None:
        host.tags_dock.panel.refresh()


def _add(menu: QMenu, name: str, text: str, icon_name: str, callback) -> None:
    action = menu.addAction(icon(icon_name), text)
    action.setObjectName(name)
    action.triggered.connect(callback)


def file_section(menu: QMenu, piece: dict, host) -> None:
    _add(menu, "open_external", "Open in notation program", "file", lambda: open_in_notation_program(piece))
    _add(menu, "show_in_folder", "Show in folder", "open", lambda: show_in_folder(piece))
    _add(menu, "copy_path", "Copy path", "file", lambda: copy_path(piece))


def find_section(menu: QMenu, piece: dict, host) -> None:
    _add(menu, "find_similar", "Find similar pieces", "similar", lambda: host.find_similar(piece))


def tag_section(menu: QMenu, piece: dict, host) -> None:
    _add(menu, "add_tag", "Add a tag…", "tag", lambda: add_tag(host, piece))


def organise_section(menu: QMenu, piece: dict, host) -> None:
    """Edit, rate, favourite, collections, hide: the window's actions, which act on the piece on show."""
    selected = getattr(host, "selected", None)
    if selected is not None and selected["id"] == piece["id"]:
        host.add_organise_entries(menu)


SECTIONS = (file_section, find_section, tag_section, organise_section)


def piece_menu(piece: dict, host, parent=None) -> QMenu:
    menu = QMenu(parent)
    for number, section in enumerate(SECTIONS):
        if number:
            menu.addSeparator()
        section(menu, piece, host)
    return menu

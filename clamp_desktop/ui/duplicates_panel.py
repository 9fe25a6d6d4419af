"""The duplicates review: groups of identical files and other editions, and what to do with each.

"Not duplicates" remembers a group so it is not shown again; "Hide extra
copies" keeps every piece of the group but the chosen one (the first when a
group is chosen) out of the library view.  The groups come from
``engine.duplicates`` through a worker job; this panel only shows them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

IdsRole = Qt.ItemDataRole.UserRole + 1
KIND_TITLES = {"identical": "Identical", "edition": "Other editions"}


class DuplicatesPanel(QWidget):
    refreshRequested = Signal()
    notDuplicates = Signal(list)        # piece ids of a group
    hideCopies = Signal(list)           # piece ids to hide
    openPiece = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.status = QLabel("Press “Find duplicates” to look through the library.")
        self.status.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("duplicatesTree")
        self.tree.setHeaderLabels(["Piece", "File"])
        self.tree.setColumnWidth(0, 260)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemSelectionChanged.connect(self._enable)
        self.find_button = QPushButton("Find duplicates")
        self.find_button.clicked.connect(self.refreshRequested)
        self.apart_button = QPushButton("Not duplicates")
        self.apart_button.setToolTip("Remember that these pieces are different works; the group is not shown again")
        self.apart_button.clicked.connect(lambda: self.notDuplicates.emit(self._group_ids()))
        self.hide_button = QPushButton("Hide extra copies")
        self.hide_button.setToolTip("Keep only the chosen piece (or the group's first) in the library view")
        self.hide_button.clicked.connect(self._hide)
        buttons = QHBoxLayout()
        for button in (self.find_button, self.apart_button, self.hide_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self._enable()

    def searching(self) -> None:
        self.status.setText("Looking for duplicates…")
        self.find_button.setEnabled(False)

    def show_groups(self, groups: list, hidden: set[int] = frozenset()) -> None:
        """``groups``: ``DuplicateGroup``s (kind, pieces [{"id", "path", "title"}])."""
        self.tree.clear()
        for group in groups:
            ids = [p["id"] for p in group.pieces]
            top = QTreeWidgetItem(self.tree, [f"{KIND_TITLES.get(group.kind, group.kind)}: "
                                              f"{group.pieces[0]['title'] or '(untitled)'}", f"{len(ids)} files"])
            top.setData(0, IdsRole, ids)
            top.setExpanded(True)
            for piece in group.pieces:
                shown = piece["title"] or "(untitled)"
                child = QTreeWidgetItem(top, [shown + (" (hidden)" if piece["id"] in hidden else ""), piece["path"]])
                child.setData(0, IdsRole, [piece["id"]])
                child.setToolTip(1, piece["path"])
        identical = sum(g.kind == "identical" for g in groups)
        self.status.setText(f"{len(groups)} group{'s' if len(groups) != 1 else ''}: {identical} identical, "
                            f"{len(groups) - identical} other editions." if groups else "No duplicates found.")
        self.find_button.setEnabled(True)
        self._enable()

    def failed(self, message: str) -> None:
        self.status.setText(f"Could not look for duplicates: {message}")
        self.find_button.setEnabled(True)

    def _chosen(self) -> QTreeWidgetItem | None:
        items = self.tree.selectedItems()
        return items[0] if items else None

    def _group_ids(self) -> list[int]:
        item = self._chosen()
        if item is None:
            return []
        return (item.parent() or item).data(0, IdsRole)

    def _hide(self) -> None:
        item = self._chosen()
        if item is None:
            return
        ids = self._group_ids()
        keep = item.data(0, IdsRole)[0] if item.parent() is not None else ids[0]
        self.hideCopies.emit([i for i in ids if i != keep])

    def _activated(self, item: QTreeWidgetItem) -> None:
        if item.parent() is not None:
            self.openPiece.emit(item.data(0, IdsRole)[0])

    def _enable(self) -> None:
        chosen = self._chosen() is not None
        self.apart_button.setEnabled(chosen)
        self.hide_button.setEnabled(chosen)

"""The collection panel: a collection's pieces in its order; drag a piece to reorder a manual one.

``CollectionModel`` is a list model whose drop moves the dragged row itself
(``moveRows``) and hands the move on as ``moved`` (piece id, new 0-based
position), which the window saves with ``engine.collections``.  The drop
answers False so the view does not also remove the dragged row.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

MIME = "application/x-clamp-desktop-rows"
PieceIdRole = Qt.ItemDataRole.UserRole + 1


def piece_caption(position: int, piece: dict) -> str:
    composer = f" — {piece['composer']}" if piece.get("composer") else ""
    return f"{position}. {piece.get('title') or '(untitled)'}{composer}"


class CollectionModel(QAbstractListModel):
    moved = Signal(int, int)     # piece id, new position (0-based)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pieces: list[dict] = []
        self.movable = False

    def set_pieces(self, pieces: list[dict], movable: bool) -> None:
        self.beginResetModel()
        self.pieces, self.movable = list(pieces), movable
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.pieces)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        piece = self.pieces[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return piece_caption(index.row() + 1, piece)
        if role == Qt.ItemDataRole.ToolTipRole:
            return piece.get("path")
        return piece["id"] if role == PieceIdRole else None

    def flags(self, index):
        flags = super().flags(index)
        if not self.movable:
            return flags
        return flags | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else flags | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self):
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes) -> QMimeData:
        data = QMimeData()
        data.setData(MIME, json.dumps(sorted({i.row() for i in indexes})).encode())
        return data

    def dropMimeData(self, data, action, row: int, column: int, parent) -> bool:
        if not self.movable or not data.hasFormat(MIME):
            return False
        target = parent.row() if parent.isValid() else (row if row >= 0 else len(self.pieces))
        for source in json.loads(bytes(data.data(MIME)).decode())[:1]:     # one piece at a time
            self.move(source, target)
        return False       # moved here already: the view must not remove the dragged row

    def move(self, source: int, target: int) -> None:
        """Move row ``source`` to before row ``target`` (``len`` = to the end)."""
        if not 0 <= source < len(self.pieces) or target in (source, source + 1):
            return
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), target)
        piece = self.pieces.pop(source)
        position = target if target < source else target - 1
        self.pieces.insert(position, piece)
        self.endMoveRows()
        self.dataChanged.emit(self.index(0), self.index(len(self.pieces) - 1))     # the numbers changed
        self.moved.emit(piece["id"], position)


class CollectionPanel(QWidget):
    moved = Signal(str, int, int)            # collection, piece id, new position (0-based)
    removeRequested = Signal(str, list)      # collection, piece ids
    exportRequested = Signal(str)            # collection
    openPiece = Signal(int)                  # piece id

    def __init__(self, parent=None):
        super().__init__(parent)
        self.name: str | None = None
        self.smart = False
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.model = CollectionModel(self)
        self.model.moved.connect(lambda piece_id, position: self.moved.emit(self.name, piece_id, position))
        self.list = QListView()
        self.list.setObjectName("collectionList")
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setDropIndicatorShown(True)
        self.list.activated.connect(lambda index: self.openPiece.emit(index.data(PieceIdRole)))
        self.remove_button = QPushButton("Remove from collection")
        self.remove_button.clicked.connect(self._remove)
        self.export_button = QPushButton("Export setlist…")
        self.export_button.clicked.connect(lambda: self.name and self.exportRequested.emit(self.name))
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.show_collection(None, [])

    def show_collection(self, name: str | None, pieces: list[dict], smart: bool = False) -> None:
        self.name, self.smart = name, smart
        manual = name is not None and not smart
        self.model.set_pieces(pieces, movable=manual)
        self.remove_button.setEnabled(manual)
        self.export_button.setEnabled(name is not None)
        if name is None:
            self.title.setText("Choose a collection in the sidebar.")
        else:
            how = "a saved search, listed as it finds them now" if smart else "drag a piece to reorder"
            self.title.setText(f"<b>{name}</b> — {len(pieces)} piece{'s' if len(pieces) != 1 else ''} ({how})")

    def piece_ids(self) -> list[int]:
        return [piece["id"] for piece in self.model.pieces]

    def _remove(self) -> None:
        ids = [index.data(PieceIdRole) for index in self.list.selectionModel().selectedRows()]
        if self.name and ids:
            self.removeRequested.emit(self.name, ids)

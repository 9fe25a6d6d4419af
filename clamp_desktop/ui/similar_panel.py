"""Similar pieces: the nearest pieces to the selected one, or to a score file from outside.

A list of title — composer with the cosine; double-click (or Enter) opens a
result.  "Find similar to a file…" or dropping a score file here (or on the
window) ranks the library against that file; a file the library already holds
is recognised and ranked by its stored vector.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
    QWidget,
)

from ..engine.render import VEROVIO_SUFFIXES
from .icons import icon
from ..wording import plural
from .piece_model import score_text

PieceRole = Qt.ItemDataRole.UserRole + 1
SCORE_FILTER = "Scores (" + " ".join(f"*{s}" for s in VEROVIO_SUFFIXES) + ")"


def dropped_score(mime) -> str | None:
    """The first local score file in a drag's data, if any."""
    for url in mime.urls() if mime.hasUrls() else []:
        path = url.toLocalFile()
        if path and Path(path).suffix.lower() in VEROVIO_SUFFIXES and Path(path).is_file():
            return path
    return None


class ScoreDropTarget:
    """Accepts a score file dragged from outside and hands its path to ``score_dropped``."""

    def score_dropped(self, path: str) -> None:
        raise NotImplementedError

    def dragEnterEvent(self, event) -> None:
        if dropped_score(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = dropped_score(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.score_dropped(path)


def similar_list() -> QTreeWidget:
    """Two columns: the piece (title — composer, cut with "…"), the cosine (right-aligned, always shown)."""
    results = QTreeWidget()
    results.setColumnCount(2)
    results.setHeaderLabels(["Piece", "Cosine"])
    results.setRootIsDecorated(False)
    results.setAlternatingRowColors(True)
    results.setUniformRowHeights(True)
    results.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = results.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    return results


def piece_caption(piece: dict) -> str:
    """Title — composer (the file's name when the piece has no title)."""
    title = piece.get("title") or Path(piece["path"]).name
    return f"{title} — {piece['composer']}" if piece.get("composer") else title


class SimilarPanel(ScoreDropTarget, QWidget):
    openPiece = Signal(dict)
    pieceMenuRequested = Signal(dict, QPoint)     # a listed piece was right-clicked (global position)

    def __init__(self, worker, count: int = 10, min_cosine: float = -1.0, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.count = count
        self.min_cosine = min_cosine
        self.source: str | None = None     # what the list is similar to
        self._job = None
        self.heading = QLabel("Select a piece to see the pieces most like it.", wordWrap=True)
        self.results = similar_list()
        self.results.itemActivated.connect(self._open)
        self.results.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results.customContextMenuRequested.connect(self._menu)
        self.file_button = QPushButton(icon("open"), "Find similar to a file…")
        self.file_button.clicked.connect(self.choose_file)
        buttons = QHBoxLayout()
        buttons.addWidget(self.file_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.results, 1)
        layout.addLayout(buttons)
        self.setAcceptDrops(True)

    # --- asking -----------------------------------------------------------------------

    def listed(self) -> list[dict]:
        """The pieces listed, in order."""
        return [self.results.topLevelItem(i).data(0, PieceRole) for i in range(self.results.topLevelItemCount())]

    def show_for_piece(self, piece: dict | None) -> None:
        if piece is None:
            return
        self.source = piece.get("title") or Path(piece["path"]).name
        self._ask(self.worker.similar_to_piece(piece["id"], self.count), f"Most like “{self.source}”")

    def show_for_file(self, path: str) -> None:
        self.source = Path(path).name
        self._ask(self.worker.similar_to_file(path, self.count), f"Most like the file {self.source}")

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Find pieces similar to a score", "", SCORE_FILTER)
        if path:
            self.show_for_file(path)

    def _ask(self, job, heading: str) -> None:
        if self._job is not None and not self._job.done:
            self._job.cancel()
        self._job = job
        self.heading.setText(f"{heading}: searching…")
        job.returned.connect(lambda result: self._show(job, heading, result))
        job.errored.connect(lambda message: self._failed(job, message))

    # --- showing ----------------------------------------------------------------------

    def _show(self, job, heading: str, result) -> None:
        if job is not self._job:
            return
        self.results.clear()
        hits = [h for h in result.hits if h.cosine >= self.min_cosine]
        for hit in hits:
            item = QTreeWidgetItem([piece_caption(hit.piece), f"{hit.cosine:.3f}"])
            item.setData(0, PieceRole, hit.piece)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            tip = f"{piece_caption(hit.piece)}\n{hit.piece['path']}\ncosine · probability: " \
                  f"{score_text(hit.cosine, hit.probability)}\nDouble-click to open"
            item.setToolTip(0, tip)
            item.setToolTip(1, tip)
            self.results.addTopLevelItem(item)
        if result.source is not None:
            heading = f"Most like “{piece_caption(result.source)}” (this file is in the library)"
        note = f" ({result.message})" if getattr(result, "message", None) else ""
        self.heading.setText(f"{heading}: {plural(len(hits), 'piece')}{note}" if hits
                             else f"{heading}: nothing found{note}")

    def _failed(self, job, message: str) -> None:
        if job is self._job:
            self.results.clear()
            self.heading.setText(message)

    def _open(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        piece = item.data(0, PieceRole)
        if piece:
            self.openPiece.emit(piece)

    def _menu(self, position: QPoint) -> None:
        item = self.results.itemAt(position)
        if item is not None:
            self.pieceMenuRequested.emit(item.data(0, PieceRole), self.results.viewport().mapToGlobal(position))

    # --- drag and drop ------------------------------------------------------------------

    def score_dropped(self, path: str) -> None:
        self.show_for_file(path)

"""Similar pieces: the nearest pieces to the selected one, or to a score file from outside.

Click a result to open it.  "Find similar to a file…" or dropping a MusicXML
file here (or on the window) ranks the library against that file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget,
)

from ..engine.render import VEROVIO_SUFFIXES
from .icons import icon
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


class SimilarPanel(ScoreDropTarget, QWidget):
    openPiece = Signal(dict)

    def __init__(self, worker, count: int = 10, min_cosine: float = -1.0, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.count = count
        self.min_cosine = min_cosine
        self.source: str | None = None     # what the list is similar to
        self._job = None
        self.heading = QLabel("Select a piece to see the pieces most like it.", wordWrap=True)
        self.results = QListWidget()
        self.results.setAlternatingRowColors(True)
        self.results.itemActivated.connect(self._open)
        self.results.itemClicked.connect(self._open)
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
            piece = hit.piece
            who = f" — {piece['composer']}" if piece.get("composer") else ""
            item = QListWidgetItem(f"{piece.get('title') or Path(piece['path']).name}{who}")
            item.setData(PieceRole, piece)
            item.setToolTip(f"{piece['path']}\ncosine · probability: {score_text(hit.cosine, hit.probability)}")
            item.setText(f"{item.text()}    {hit.cosine:.3f}")
            self.results.addItem(item)
        note = f" ({result.message})" if getattr(result, "message", None) else ""
        self.heading.setText(f"{heading}: {len(hits)} pieces{note}" if hits else f"{heading}: nothing found{note}")

    def _failed(self, job, message: str) -> None:
        if job is self._job:
            self.results.clear()
            self.heading.setText(message)

    def _open(self, item: QListWidgetItem) -> None:
        piece = item.data(PieceRole)
        if piece:
            self.openPiece.emit(piece)

    # --- drag and drop ------------------------------------------------------------------

    def score_dropped(self, path: str) -> None:
        self.show_for_file(path)

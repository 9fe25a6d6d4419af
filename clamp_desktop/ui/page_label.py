"""The label that shows a page image, paints the sounding notes over it and reports clicks."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel

HIGHLIGHT = QColor(255, 140, 0, 120)


class PageLabel(QLabel):
    """A QLabel whose pixmap is a page; ``clicked`` gives page-image coordinates and modifiers."""

    clicked = Signal(QPointF, object)

    def __init__(self, parent=None):
        super().__init__(parent, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.highlights: list[QRectF] = []

    def _origin(self) -> QPointF:
        size = self.pixmap().deviceIndependentSize()
        return QPointF((self.width() - size.width()) / 2, (self.height() - size.height()) / 2)

    def set_highlights(self, rects: list[QRectF]) -> None:
        if rects != self.highlights:
            self.highlights = rects
            self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.highlights or self.pixmap().isNull():
            return
        painter = QPainter(self)
        origin = self._origin()
        for rect in self.highlights:
            painter.fillRect(rect.translated(origin).adjusted(-3, -3, 3, 3), HIGHLIGHT)
        painter.end()

    def mousePressEvent(self, event) -> None:
        if not self.pixmap().isNull() and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(event.position() - self._origin(), event.modifiers())
        super().mousePressEvent(event)

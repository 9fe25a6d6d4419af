"""A one-line label that cuts its text with "…" to the room it has, and never asks for more.

A plain QLabel asks for its whole text's width: a long folder path in the
filter line squeezed the sidebar to a sliver.  This one's size hint is a fixed
width; the full text is its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFrame, QSizePolicy


class ElidedLabel(QFrame):
    def __init__(self, text: str = "", width: int = 200, parent=None):
        super().__init__(parent)
        self._text = ""
        self._width = width
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str, tooltip: str | None = None) -> None:
        self._text = text
        self.setToolTip(text if tooltip is None else tooltip)
        self.update()

    def clear(self) -> None:
        self.setText("")

    def shown_text(self) -> str:
        """The text as painted (cut with "…" when it does not fit)."""
        return self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideMiddle, self.contentsRect().width())

    def sizeHint(self) -> QSize:
        return QSize(self._width, self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(min(self._width, 40), self.fontMetrics().height())

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(self.contentsRect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.shown_text())

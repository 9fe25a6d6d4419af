"""The problems view: every file that could not be read, with its reason."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from .icons import icon


class ProblemsPanel(QWidget):
    reindex = Signal()

    def __init__(self, reader, parent=None):
        super().__init__(parent)
        self.reader = reader
        self.summary = QLabel()
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["File", "Why it could not be read"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.retry = QPushButton(icon("index"), "Index again")
        self.retry.clicked.connect(self.reindex)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.retry)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        failures = self.reader.failures()
        self.table.setRowCount(len(failures))
        for row, failure in enumerate(failures):
            path = QTableWidgetItem(failure["path"])
            path.setToolTip(failure["path"])
            reason = QTableWidgetItem(failure["error"] or "")
            reason.setToolTip(failure["error"] or "")
            self.table.setItem(row, 0, path)
            self.table.setItem(row, 1, reason)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 520))
        self.summary.setText(f"{len(failures)} files could not be read." if failures
                             else "Every file in the library was read.")
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

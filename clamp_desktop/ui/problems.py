"""The problems view: every file that could not be read, with its reason, then the notices.

A notice is a piece converted from a repaired copy (a mark the converter does
not read was removed): it is indexed and searchable, so it is listed after the
failures and says what was removed.
"""

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
        self.table.setHorizontalHeaderLabels(["File", "Why it could not be read, or what was repaired"])
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
        notices = self.reader.notices()
        rows = [(f["path"], f["error"] or "") for f in failures]
        rows += [(n["path"], f"Notice: {n['note']}") for n in notices]
        self.table.setRowCount(len(rows))
        for row, (path_text, reason_text) in enumerate(rows):
            path = QTableWidgetItem(path_text)
            path.setToolTip(path_text)
            reason = QTableWidgetItem(reason_text)
            reason.setToolTip(reason_text)
            self.table.setItem(row, 0, path)
            self.table.setItem(row, 1, reason)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 520))
        self.summary.setText(problems_summary(len({f["path"] for f in failures}), len(notices)))
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def problems_summary(failing: int, repaired: int) -> str:
    text = f"{failing} files could not be read." if failing else "Every file in the library was read."
    if repaired:
        text += f" {repaired} {'were' if repaired != 1 else 'was'} read after removing a mark the converter does not read."
    return text

"""The problems view: every file that could not be read, with its reason, then the notices.

Each problem is one readable line (the reason's first sentence, without
Python's exception names); the full text is in the row's tooltip and in the
details line under the table when the row is selected.  A notice is a piece
converted from a repaired copy (a mark the converter does not read was
removed): it is indexed and searchable, so it is listed after the failures.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from ..wording import plural
from .icons import icon

LINE_CHARS = 160
EXCEPTION_NAME = re.compile(r"\b(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Warning)\b:?\s*")
TOOL_PREFIX = re.compile(r"^(?:xml2abc|abc2xml|music21|verovio) failed:\s*", re.IGNORECASE)
DetailRole = Qt.ItemDataRole.UserRole + 1


def problem_line(reason: str) -> str:
    """A reason as one short line a person can read: first line, no exception class names, capitalised."""
    lines = [line.strip() for line in (reason or "").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("Traceback", "File \""))] or lines
    text = TOOL_PREFIX.sub("", lines[0] if lines else "unknown reason")
    text = EXCEPTION_NAME.sub("", text).replace("()", "").strip(" :(") or "unknown reason"
    text = " ".join(text.split())
    text = text[0].upper() + text[1:]
    return text if len(text) <= LINE_CHARS else text[:LINE_CHARS - 1].rstrip() + "…"


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
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._show_details)
        self.details = QLabel(wordWrap=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry = QPushButton(icon("index"), "Index again")
        self.retry.clicked.connect(self.reindex)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.retry)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        self.refresh()

    def refresh(self) -> None:
        failures = self.reader.failures()
        notices = self.reader.notices()
        rows = [(f["path"], f["error"] or "") for f in failures]
        rows += [(n["path"], f"Notice: {n['note']}") for n in notices]
        self.table.setRowCount(len(rows))
        for row, (path_text, reason_text) in enumerate(rows):
            path = QTableWidgetItem(Path(path_text).name)
            path.setToolTip(path_text)
            reason = QTableWidgetItem(problem_line(reason_text))
            reason.setToolTip(f"{path_text}\n\n{reason_text}")
            reason.setData(DetailRole, f"{path_text}: {reason_text}")
            self.table.setItem(row, 0, path)
            self.table.setItem(row, 1, reason)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 320))
        self.summary.setText(problems_summary(len({f["path"] for f in failures}), len(notices)))
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._show_details()

    def _show_details(self) -> None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        item = self.table.item(min(rows), 1) if rows else None
        self.details.setText(item.data(DetailRole) if item is not None else "")
        self.details.setVisible(item is not None)


def problems_summary(failing: int, repaired: int) -> str:
    text = f"{plural(failing, 'file')} could not be read." if failing else "Every file in the library was read."
    if repaired:
        text += f" {plural(repaired, 'was')} read after removing a mark the converter does not read."
    return text

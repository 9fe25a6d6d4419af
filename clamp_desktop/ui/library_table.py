"""The library table view: column layout that fits the window, optional thumbnails, a column menu.

The title stretches to the room left; the other columns are narrow enough
that Parts, Tags and Score show without scrolling at the default window
size.  Ensemble is off by default (the header's context menu shows or hides
any column), and Score shows only while a described search ranks the rows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView

from .piece_model import COLUMN, COLUMNS

HIDDEN_BY_DEFAULT = ("ensemble", "rating")     # right-click the header to show them
ROW_PADDING = 6
THUMBNAIL_ASPECT = 1.42        # a portrait page


def row_height(thumbnail_width: int, text_height: int) -> int:
    """Rows as tall as a thumbnail (a page, portrait), or a line of text without thumbnails."""
    return max(round(thumbnail_width * THUMBNAIL_ASPECT), text_height) + ROW_PADDING


class LibraryTable(QTableView):
    def __init__(self, model, thumbnail_width: int, parent=None):
        super().__init__(parent)
        self.setObjectName("libraryTable")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(row_height(thumbnail_width, self.fontMetrics().height()))
        self._lay_out_columns(thumbnail_width)

    def _lay_out_columns(self, thumbnail_width: int) -> None:
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(24)
        for number, column in enumerate(COLUMNS):
            self.setColumnWidth(number, column.width)
        header.setSectionResizeMode(COLUMN["title"], QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COLUMN["thumbnail"], QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(COLUMN["thumbnail"], thumbnail_width + 8)
        self.setColumnHidden(COLUMN["thumbnail"], thumbnail_width <= 0)
        for key in HIDDEN_BY_DEFAULT:
            self.setColumnHidden(COLUMN[key], True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(lambda point: self.column_menu().exec(header.mapToGlobal(point)))

    def column_menu(self) -> QMenu:
        """Show or hide each titled column."""
        menu = QMenu(self)
        for number, column in enumerate(COLUMNS):
            if column.title and column.key not in ("title", "score"):
                action = menu.addAction(column.title)
                action.setCheckable(True)
                action.setChecked(not self.isColumnHidden(number))
                action.toggled.connect(lambda shown, number=number: self.setColumnHidden(number, not shown))
        return menu

    def show_scores(self, shown: bool) -> None:
        """The Score column is there while a described search ranks the rows."""
        self.setColumnHidden(COLUMN["score"], not shown)

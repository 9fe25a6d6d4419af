"""Tags of the selected piece: automatic ones with their probability, the user's own, edits.

Edits (add, remove, accept an automatic tag) are jobs on the worker, the
library's one writer; the list is read back from the library afterwards.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
    QWidget,
)

from .icons import icon

TagRole = Qt.ItemDataRole.UserRole + 1
SOURCE_TEXT = {"user": "yours", "auto": "automatic", "hidden": "removed"}


def probability_text(score: float | None) -> str:
    return "" if score is None else f"{score:.0%}" if score >= 0.01 else f"{score:.1%}"


class TagsPanel(QWidget):
    editVocabularies = Signal()
    tagsChanged = Signal(int)          # piece id

    def __init__(self, worker, reader, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.reader = reader
        self.piece: dict | None = None
        self.heading = QLabel("Select a piece to see its tags.", wordWrap=True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Tag", "Probability", "Source"])
        self.tree.setRootIsDecorated(True)
        header = self.tree.header()      # the tag takes the room left; probability and source are never cut
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.accept_button = QPushButton(icon("accept"), "Accept")
        self.accept_button.setToolTip("Make the selected automatic tag your own")
        self.remove_button = QPushButton(icon("remove"), "Remove")
        self.remove_button.setToolTip("Remove the selected tag (an automatic tag stays away on re-tagging)")
        self.accept_button.clicked.connect(lambda: self._edit_selected("accept"))
        self.remove_button.clicked.connect(lambda: self._edit_selected("remove"))
        self.vocabulary_box = QComboBox(editable=True)
        self.vocabulary_box.setToolTip("Vocabulary of the new tag")
        self.label_edit = QLineEdit(placeholderText="New tag")
        self.label_edit.returnPressed.connect(self.add_tag)
        self.add_button = QPushButton(icon("add"), "Add")
        self.add_button.clicked.connect(self.add_tag)
        self.vocabularies_button = QPushButton(icon("tag"), "Vocabularies…")
        self.vocabularies_button.clicked.connect(self.editVocabularies)
        self.status = QLabel(wordWrap=True)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.accept_button)
        edit_row.addWidget(self.remove_button)
        edit_row.addStretch(1)
        edit_row.addWidget(self.vocabularies_button)
        add_row = QHBoxLayout()
        add_row.addWidget(self.vocabulary_box)
        add_row.addWidget(self.label_edit, 1)
        add_row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)
        layout.addLayout(edit_row)
        layout.addLayout(add_row)
        layout.addWidget(self.status)
        self._fill_vocabularies()
        self._update_buttons()

    def _fill_vocabularies(self) -> None:
        current = self.vocabulary_box.currentText()
        self.vocabulary_box.clear()
        self.vocabulary_box.addItems(["user", *sorted(n for n in self.reader.vocabularies() if n != "user")])
        if current:
            self.vocabulary_box.setCurrentText(current)

    # --- showing ------------------------------------------------------------------------

    def show_for(self, piece: dict | None) -> None:
        self.piece = piece
        self.status.clear()
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        if self.piece is None:
            self.heading.setText("Select a piece to see its tags.")
            self._update_buttons()
            return
        self.heading.setText(f"Tags of “{self.piece.get('title') or self.piece['path']}”")
        self._fill(self.reader.piece_tags(self.piece["id"]))

    def _fill(self, tags: dict) -> None:
        self.tree.clear()
        dim = QBrush(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        for vocabulary, views in tags.items():
            group = QTreeWidgetItem(self.tree, [vocabulary, "", ""])
            group.setFlags(group.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for view in views:
                suggestion = view.source == "auto" and not view.visible
                source = "suggestion" if suggestion else SOURCE_TEXT.get(view.source, view.source)
                item = QTreeWidgetItem(group, [view.label, probability_text(view.score), source])
                item.setData(0, TagRole, (vocabulary, view))
                if not view.visible:
                    for column in range(3):
                        item.setForeground(column, dim)
                    item.setToolTip(0, "A suggestion: not sure enough to show on the piece; Accept makes it yours"
                                    if suggestion else "Removed: not shown on the piece")
            group.setExpanded(True)
        if not tags:
            empty = QTreeWidgetItem(self.tree, ["No tags yet: tag the library (Library ▸ Tag library)", "", ""])
            empty.setToolTip(0, empty.text(0))
        self._update_buttons()

    def selected_tag(self):
        items = self.tree.selectedItems()
        return items[0].data(0, TagRole) if items else None

    def _update_buttons(self) -> None:
        chosen = self.selected_tag()
        view = chosen[1] if chosen else None
        self.accept_button.setEnabled(view is not None and view.source in ("auto", "hidden"))
        self.remove_button.setEnabled(view is not None and view.source in ("auto", "user"))
        has_piece = self.piece is not None
        for widget in (self.add_button, self.label_edit, self.vocabulary_box):
            widget.setEnabled(has_piece)

    # --- editing ------------------------------------------------------------------------

    def add_tag(self) -> None:
        label = self.label_edit.text().strip()
        if self.piece is not None and label:
            self._edit("add", self.vocabulary_box.currentText().strip() or "user", label)
            self.label_edit.clear()

    def _edit_selected(self, action: str) -> None:
        chosen = self.selected_tag()
        if chosen is not None:
            self._edit(action, chosen[0], chosen[1].label)

    def _edit(self, action: str, vocabulary: str, label: str):
        piece_id = self.piece["id"]
        job = self.worker.edit_tag(action, piece_id, vocabulary, label)
        self.status.setText("Saving…")
        job.returned.connect(lambda tags: self._edited(piece_id, tags))
        job.errored.connect(self.status.setText)
        return job

    def _edited(self, piece_id: int, tags: dict) -> None:
        self.status.clear()
        if self.piece is not None and self.piece["id"] == piece_id:
            self._fill(tags)
        self.tagsChanged.emit(piece_id)

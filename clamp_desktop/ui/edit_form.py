"""The edit-metadata form: a piece's title, composer, work, movement, genre and notes.

Edits are kept in the library, never written into the score file.  A field
the user edited says so and what the file says, with "Revert" to show the
file's value again; the form hands back what to save and what to revert.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QGridLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout,
)

from ..engine.organise import EDITABLE_FIELDS, edit_piece, revert_field


def apply_changes(library, piece_id: int, edits: dict[str, str], reverts: list[str]) -> None:
    """Save the form's edits and reverts (on the worker: engine verbs only)."""
    for field in reverts:
        revert_field(library, piece_id, field)
    if edits:
        edit_piece(library, piece_id, **edits)


class EditForm(QDialog):
    """``changes()`` after ``accepted``: (edits {field: value}, fields to revert)."""

    def __init__(self, piece: dict, edited: dict[str, dict], parent=None):
        super().__init__(parent)
        self.setObjectName("editForm")
        self.setWindowTitle("Edit metadata")
        self.piece, self.edited = piece, edited
        self.fields: dict[str, QLineEdit] = {}
        self.markers: dict[str, QLabel] = {}
        self.revert_buttons: dict[str, QToolButton] = {}
        self._reverted: set[str] = set()
        grid = QGridLayout()
        for row, field in enumerate(EDITABLE_FIELDS):
            self._add_row(grid, row, field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{piece.get('path', '')}</b><br>Kept in this library; the file is not changed."))
        layout.addLayout(grid)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _add_row(self, grid: QGridLayout, row: int, field: str) -> None:
        edit = QLineEdit(self.piece.get(field) or "")
        edit.setObjectName(f"edit_{field}")
        marker = QLabel()
        revert = QToolButton(text="Revert", toolTip="Show the file's value again")
        revert.clicked.connect(lambda: self.revert(field))
        grid.addWidget(QLabel(field.capitalize()), row, 0)
        grid.addWidget(edit, row, 1)
        grid.addWidget(marker, row, 2)
        grid.addWidget(revert, row, 3)
        self.fields[field], self.markers[field], self.revert_buttons[field] = edit, marker, revert
        self._mark(field)

    def _mark(self, field: str) -> None:
        edit = self.edited.get(field) if field not in self._reverted else None
        file_value = edit["file_value"] if edit else None
        self.markers[field].setText("" if edit is None else f"edited · file: {file_value or '(none)'}")
        self.markers[field].setStyleSheet("color: #a0522d; font-style: italic")
        self.revert_buttons[field].setVisible(edit is not None)

    def revert(self, field: str) -> None:
        """Show the file's value in the field; it is reverted when the form is saved."""
        self.fields[field].setText(self.edited[field]["file_value"] or "")
        self._reverted.add(field)
        self._mark(field)

    def changes(self) -> tuple[dict[str, str], list[str]]:
        edits = {}
        for field, line in self.fields.items():
            value = " ".join(line.text().split())
            if field in self._reverted and value == (self.edited[field]["file_value"] or ""):
                continue
            if value != (self.piece.get(field) or ""):
                edits[field] = value
        return edits, sorted(self._reverted - set(edits))

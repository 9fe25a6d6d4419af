"""The settings dialog, built from the option declarations (one tab per page), plus the folder list."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout,
    QLineEdit, QListWidget, QPushButton, QSpinBox, QStyle, QTabWidget, QVBoxLayout, QWidget,
)

from .icons import icon
from .settings import OPTIONS, Option, Settings
from .speed_probe import SpeedLabel


def editor_for(option: Option) -> QWidget:
    if option.type is bool:
        return QCheckBox()
    if option.choices or option.suggestions:
        return _chooser(option)
    if option.type is int:
        box = QSpinBox(minimum=int(option.minimum), maximum=int(option.maximum))
        box.setSpecialValueText(option.special)
        return box
    if option.type is float:
        box = QDoubleSpinBox(minimum=option.minimum, maximum=option.maximum, decimals=2, singleStep=0.05)
        box.setSpecialValueText(option.special)
        return box
    editor = QLineEdit()
    if option.file_filter:
        browse = editor.addAction(editor.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon),
                                  QLineEdit.ActionPosition.TrailingPosition)
        browse.setToolTip("Choose a file…")
        browse.triggered.connect(lambda: _choose_file(editor, option))
    return editor


def _chooser(option: Option) -> QComboBox:
    """A list of choices in words (the stored value is each item's data); suggestions also take typing."""
    box = QComboBox(editable=option.suggestions is not None)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(32)      # long model descriptions must not widen the dialog
    if option.suggestions is not None:
        pairs = option.suggestions()
        box.lineEdit().setPlaceholderText("or type a model name or checkpoint folder")
    else:
        pairs = list(zip(option.choices, option.choice_names or option.choices))
    for value, shown in pairs:
        box.addItem(shown, value)
    return box


def _choose_file(editor: QLineEdit, option: Option) -> None:
    chosen, _ = QFileDialog.getOpenFileName(editor, option.title, editor.text(), option.file_filter)
    if chosen:
        editor.setText(chosen)


def editor_value(editor: QWidget):
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QComboBox):
        index = editor.findText(editor.currentText())
        return editor.itemData(index) if index >= 0 else editor.currentText().strip()
    if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        return editor.value()
    return editor.text().strip()


def set_editor_value(editor: QWidget, value) -> None:
    if isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QComboBox):
        index = editor.findData(value)
        if index >= 0:
            editor.setCurrentIndex(index)
        else:
            editor.setEditText(str(value))
    elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        editor.setValue(value)
    else:
        editor.setText(str(value))


class SettingsDialog(QDialog):
    addFolder = Signal(str)
    removeFolder = Signal(str)

    def __init__(self, settings: Settings, folders: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        tabs = QTabWidget()
        pages: dict[str, QFormLayout] = {}
        for option in OPTIONS:
            if not option.page:
                continue
            if option.page not in pages:
                page = QWidget()
                pages[option.page] = QFormLayout(page)
                tabs.addTab(page, option.page)
                if option.page == "Library":
                    pages["Library"].addRow("Folders", self._folders_editor(folders))
            editor = editor_for(option)
            editor.setToolTip(option.help)
            set_editor_value(editor, settings.get(option.key))
            self.editors[option.key] = editor
            pages[option.page].addRow(option.title, editor)
        self.speed_label = SpeedLabel(self)
        pages["Model"].addRow("Speed", self.speed_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.resize(560, 420)

    def _folders_editor(self, folders: list[str]) -> QWidget:
        widget = QWidget()
        self.folder_list = QListWidget()
        self.folder_list.addItems(folders)
        add = QPushButton(icon("add"), "Add…")
        remove = QPushButton(icon("remove"), "Remove")
        add.clicked.connect(self._add_folder)
        remove.clicked.connect(self._remove_folder)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        row = QHBoxLayout(widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_list, 1)
        row.addLayout(buttons)
        return widget

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of scores")
        if folder:
            self.folder_list.addItem(folder)
            self.addFolder.emit(folder)

    def _remove_folder(self) -> None:
        for item in self.folder_list.selectedItems():
            self.removeFolder.emit(item.text())
            self.folder_list.takeItem(self.folder_list.row(item))

    def changes(self) -> dict:
        """Option key -> new value, for the options the user changed."""
        return {key: editor_value(editor) for key, editor in self.editors.items()
                if editor_value(editor) != self.settings.get(key)}

    def accept(self) -> None:
        self.applied = self.changes()
        for key, value in self.applied.items():
            self.settings.set(key, value)
        super().accept()

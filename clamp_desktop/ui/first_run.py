"""The first start: which scores (a folder, or the demo library) and which model.

The choice is written to the settings; the main window then downloads a
published model if one was chosen (with a progress dialog) and indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QDialogButtonBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QRadioButton, QVBoxLayout,
)

from .. import paths
from ..engine.demo import demo_folder
from ..model.registry import bundled_model_dir, list_models
from .settings import Settings
from .speed_probe import SpeedLabel


@dataclass(frozen=True)
class FirstRunChoice:
    folder: str | None          # a folder of the user's scores, or None for the demo library
    model: str                  # a registry name or a checkpoint folder
    db: str

    @property
    def demo(self) -> bool:
        return self.folder is None

    def folders(self) -> list[str]:
        return [str(demo_folder())] if self.demo else [self.folder]


RECOMMENDED_ONLINE = "clamp3-c2"   # the best published model for scores and MIDI (see docs/models.md)


def model_available(entry) -> bool:
    return not entry.is_bundled or (bundled_model_dir(entry) / "config.json").exists()


def model_caption(entry, speed=None) -> str:
    """The model's line in the choice: what it is, languages, download size and (once measured) speed."""
    pace = f"\n{speed.caption()}" if speed is not None else ""   # its own line: the captions are long
    if entry.is_bundled:
        state = "" if model_available(entry) else " — not installed with this copy"
        return f"{entry.name}: {entry.description}{state}{pace}"
    size = f"{entry.download_size / 1e9:.1f} GB" if entry.download_size >= 1e9 else f"{entry.download_size / 1e6:.0f} MB"
    recommended = "recommended with an internet connection; " if entry.name == RECOMMENDED_ONLINE else ""
    approximate = "about " if entry.files and entry.files[0].size is None else ""
    return (f"{entry.name}: {entry.description} ({recommended}queries in {entry.languages}; "
            f"download {approximate}{size}){pace}")


class FirstRunDialog(QDialog):
    def __init__(self, settings: Settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Welcome to clamp-desktop")
        intro = QLabel("clamp-desktop keeps a library of your scores, searchable by description, tagged "
                       "and linked to similar pieces. Choose where your scores are and which model reads them.",
                       wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._library_box())
        layout.addWidget(self._model_box())
        self.message = QLabel(wordWrap=True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quit")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 0)

    # --- building ------------------------------------------------------------------

    def _library_box(self) -> QGroupBox:
        box = QGroupBox("Scores")
        self.folder_radio = QRadioButton("A folder of my scores (MusicXML, ABC, Humdrum, MEI)")
        self.demo_radio = QRadioButton("The demo library: the MusicXML scores that come with music21")
        self.folder_edit = QLineEdit(placeholderText="Folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_folder)
        self.folder_edit.textEdited.connect(lambda _: self.folder_radio.setChecked(True))
        self.db_edit = QLineEdit()
        self.demo_radio.toggled.connect(self._suggest_db)
        self.demo_radio.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        db_row = QHBoxLayout()
        db_row.addWidget(QLabel("Library database:"))
        db_row.addWidget(self.db_edit, 1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.demo_radio)
        layout.addWidget(self.folder_radio)
        layout.addLayout(row)
        layout.addLayout(db_row)
        return box

    def _model_box(self) -> QGroupBox:
        box = QGroupBox("Model")
        layout = QVBoxLayout(box)
        self.model_group = QButtonGroup(self)
        self.model_radios: dict[str, QRadioButton] = {}
        for entry in list_models():
            radio = QRadioButton(model_caption(entry))
            radio.setEnabled(model_available(entry))
            self.model_group.addButton(radio)
            self.model_radios[entry.name] = radio
            layout.addWidget(radio)
        self.checkpoint_radio = QRadioButton("A checkpoint folder (the published layout):")
        self.model_group.addButton(self.checkpoint_radio)
        self.checkpoint_edit = QLineEdit(placeholderText="Folder with config.json and the weights")
        self.checkpoint_edit.textEdited.connect(lambda _: self.checkpoint_radio.setChecked(True))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_checkpoint)
        row = QHBoxLayout()
        row.addWidget(self.checkpoint_edit, 1)
        row.addWidget(browse)
        layout.addWidget(self.checkpoint_radio)
        layout.addLayout(row)
        self.speed_label = SpeedLabel(self)
        self.speed_label.measured.connect(self._show_speeds)
        layout.addWidget(self.speed_label)
        first = next((r for r in self.model_radios.values() if r.isEnabled()), None)
        bundled = [n for n, r in self.model_radios.items() if r.isEnabled() and "mini" in n]
        (self.model_radios[bundled[0]] if bundled else first or self.checkpoint_radio).setChecked(True)
        return box

    def _show_speeds(self, speeds: dict) -> None:
        if speeds:
            self.speed_label.setText("Speeds: the bundled model measured on a few demo scores; the others "
                                     "estimated from it and the size of their music encoder.")
        for entry in list_models():
            if entry.name in speeds:
                self.model_radios[entry.name].setText(model_caption(entry, speeds[entry.name]))

    def _suggest_db(self, demo: bool) -> None:
        """The demo library gets a database of its own, unless the user typed another."""
        defaults = {"", str(paths.default_db_path()), str(paths.demo_db_path())}
        if self.db_edit.text().strip() in defaults:
            self.db_edit.setText(str(paths.demo_db_path() if demo else paths.default_db_path()))

    def _browse_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of scores")
        if folder:
            self.folder_edit.setText(folder)
            self.folder_radio.setChecked(True)

    def _browse_checkpoint(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Checkpoint folder")
        if folder:
            self.checkpoint_edit.setText(folder)
            self.checkpoint_radio.setChecked(True)

    # --- the choice ------------------------------------------------------------------

    def choice(self) -> FirstRunChoice:
        """What was chosen; raises ValueError with a sentence when it is incomplete."""
        folder = None
        if self.folder_radio.isChecked():
            folder = self.folder_edit.text().strip()
            if not folder or not Path(folder).is_dir():
                raise ValueError("Choose a folder that exists, or the demo library.")
            folder = str(Path(folder).resolve())
        if self.checkpoint_radio.isChecked():
            model = self.checkpoint_edit.text().strip()
            if not model or not (Path(model) / "config.json").is_file():
                raise ValueError("The checkpoint folder must hold a config.json.")
            model = str(Path(model).resolve())
        else:
            model = next(name for name, radio in self.model_radios.items() if radio.isChecked())
        default = paths.default_db_path() if folder else paths.demo_db_path()
        return FirstRunChoice(folder, model, self.db_edit.text().strip() or str(default))

    def accept(self) -> None:
        try:
            choice = self.choice()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        self.apply(choice)
        self.chosen = choice
        super().accept()

    def apply(self, choice: FirstRunChoice) -> None:
        self.settings.set("library/db", choice.db)
        self.settings.set("model/name", choice.model)
        self.settings.set("first_run/done", True)

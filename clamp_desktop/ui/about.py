"""The About box: version, model, and the credits of everything the app is built on."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout

from .. import __version__

CREDITS = (
    ("CLaMP", "Wu, Yu, Tan, Sun: Contrastive Language-Music Pre-training (ISMIR 2023)", "MIT"),
    ("xml2abc", "Wim Vree's MusicXML to ABC converter, via abcforge", "LGPL"),
    ("Verovio", "music engraving library (RISM Digital Center)", "LGPL"),
    ("music21", "toolkit and corpus for computer-aided musicology", "BSD"),
    ("MiniLM", "all-MiniLM-L6-v2, the text encoder of the bundled model", "Apache-2.0"),
    ("Qt / PySide6", "user interface toolkit", "LGPL"),
)


def about_html(model: str, device: str | None) -> str:
    rows = "".join(f"<tr><td><b>{name}</b></td><td>{what}</td><td>{licence}</td></tr>"
                   for name, what, licence in CREDITS)
    shown = Path(model).name if model.startswith("/") else model
    where = f" on {device}" if device else " (not loaded yet)"
    return (
        f"<h3>clamp-desktop {__version__}</h3>"
        "<p>A desktop library for music scores with CLaMP text search, zero-shot tagging and "
        "similar pieces, offline. Licence: MIT.</p>"
        f"<p>Model: <b>{shown}</b>{where}</p>"
        "<table cellspacing='4'><tr><th align='left'>Built on</th><th></th>"
        f"<th align='left'>Licence</th></tr>{rows}</table>"
    )


def show_about(parent, model: str, device: str | None) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle("About clamp-desktop")
    picture = QLabel()
    picture.setPixmap(parent.windowIcon().pixmap(64, 64))
    picture.setAlignment(Qt.AlignmentFlag.AlignTop)
    text = QLabel(about_html(model, device), textFormat=Qt.TextFormat.RichText, wordWrap=True)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    text.setMinimumWidth(560)
    row = QHBoxLayout()
    row.addWidget(picture)
    row.addWidget(text, 1)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addLayout(row)
    layout.addWidget(buttons)
    dialog.open()
    return dialog

"""Editing a tag vocabulary (labels, template, threshold); saving re-tags in the background."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit,
    QSpinBox, QVBoxLayout,
)

from ..errors import ClampDesktopError

NEW = "New vocabulary…"


class VocabularyEditor(QDialog):
    """Pick a vocabulary, change it, Save: the worker writes it and re-tags the library with it."""

    def __init__(self, worker, reader, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Tag vocabularies")
        self.worker = worker
        self.reader = reader
        self.job = None
        self.chooser = QComboBox()
        self.name_edit = QLineEdit()
        self.description_edit = QLineEdit()
        self.template_edit = QLineEdit()
        self.template_edit.setToolTip("One placeholder for the label, e.g. This piece of music sounds {mood}.")
        self.labels_edit = QPlainTextEdit()
        self.labels_edit.setPlaceholderText("One label per line")
        self.threshold_box = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.01, decimals=3)
        self.threshold_box.setToolTip("Least probability at which an automatic tag is shown")
        self.top_box = QSpinBox(minimum=1, maximum=50)
        self.top_box.setToolTip("Labels kept per piece")
        self.message = QLabel(wordWrap=True)
        form = QFormLayout()
        form.addRow("Vocabulary", self.chooser)
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Template", self.template_edit)
        form.addRow("Labels", self.labels_edit)
        form.addRow("Threshold", self.threshold_box)
        form.addRow("Labels per piece", self.top_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Save and re-tag")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.vocabularies = dict(reader.vocabularies())
        self.chooser.addItems([*sorted(self.vocabularies), NEW])
        self.chooser.currentTextChanged.connect(self.load)
        self.load(self.chooser.currentText())
        self.resize(560, 520)

    def load(self, name: str) -> None:
        vocabulary = self.vocabularies.get(name)
        self.name_edit.setReadOnly(vocabulary is not None)
        self.name_edit.setText(vocabulary.name if vocabulary else "")
        self.description_edit.setText(vocabulary.description if vocabulary else "")
        self.template_edit.setText(vocabulary.template if vocabulary else "This piece of music is {label}.")
        self.labels_edit.setPlainText("\n".join(vocabulary.labels) if vocabulary else "")
        self.threshold_box.setValue(vocabulary.threshold if vocabulary else 0.1)
        self.top_box.setValue(vocabulary.top_k if vocabulary else 3)
        self.message.clear()

    def edited(self):
        """The vocabulary as the form says, checked by the engine; raises ClampDesktopError."""
        from ..engine.tagging import vocabulary_from_dict

        labels = [" ".join(line.split()) for line in self.labels_edit.toPlainText().splitlines() if line.strip()]
        data = {"name": self.name_edit.text().strip(), "template": self.template_edit.text().strip(),
                "labels": labels, "threshold": self.threshold_box.value(), "top_k": self.top_box.value()}
        if self.description_edit.text().strip():
            data["description"] = self.description_edit.text().strip()
        return vocabulary_from_dict(data, f"vocabulary '{data['name'] or '(no name)'}'")

    def save(self) -> None:
        try:
            vocabulary = self.edited()
        except ClampDesktopError as exc:
            self.message.setText(str(exc))
            return
        self.job = self.worker.save_vocabulary(vocabulary)
        self.message.setText(f"Saving {vocabulary.name} and re-tagging the library in the background…")
        self.job.errored.connect(self.message.setText)
        self.job.returned.connect(lambda summary: self._saved(vocabulary, summary))

    def _saved(self, vocabulary, summary) -> None:
        self.vocabularies[vocabulary.name] = vocabulary
        self.reader.reload_vocabularies()
        if self.chooser.findText(vocabulary.name) < 0:
            self.chooser.insertItem(self.chooser.count() - 1, vocabulary.name)
        note = getattr(summary, "message", None) or f"{getattr(summary, 'visible', 0)} tags shown"
        self.message.setText(f"Saved {vocabulary.name}; re-tagged: {note}.")

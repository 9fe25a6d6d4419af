"""The "Share library on my network" switch: a password, the address and a QR code for the tablet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox,
                               QVBoxLayout)

from .share import LibrarySharing

QR_SCALE = 6


def qr_pixmap(text: str) -> QPixmap:
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=QR_SCALE, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


class ShareDialog(QDialog):
    def __init__(self, sharing: LibrarySharing, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Share library on my network")
        self.setMinimumWidth(400)
        self.sharing = sharing
        self.switch = QCheckBox("Share library on my network (read-only)")
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.port = QSpinBox(minimum=0, maximum=65535, value=sharing.settings.get("share/port"),
                             specialValueText="any free port")
        self.status = QLabel(wordWrap=True)
        self.address = QLabel(textInteractionFlags=Qt.TextInteractionFlag.TextBrowserInteraction,
                              openExternalLinks=True)
        self.qr = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        form = QFormLayout()
        form.addRow("Password", self.password)
        form.addRow("Port", self.port)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.switch)
        layout.addLayout(form)
        for widget in (self.status, self.address, self.qr, buttons):
            layout.addWidget(widget)
        self.switch.toggled.connect(self._switched)
        sharing.changed.connect(self.refresh)
        self.refresh()

    def _switched(self, on: bool) -> None:
        if on == self.sharing.active:
            return
        if not on:
            self.sharing.stop()
            return
        if self.password.text():
            self.sharing.set_password(self.password.text())
            self.password.clear()
        self.sharing.settings.set("share/port", self.port.value())
        self.sharing.start()

    def refresh(self) -> None:
        sharing = self.sharing
        self.switch.blockSignals(True)
        self.switch.setChecked(sharing.active)
        self.switch.blockSignals(False)
        self.password.setEnabled(not sharing.active)
        self.port.setEnabled(not sharing.active)
        self.password.setPlaceholderText("a password is set (type to change it)" if sharing.has_password()
                                         else "every device will ask for it")
        if sharing.address:
            self.status.setText("Open this address on a phone or tablet on the same network, or scan the code:")
            self.address.setText(f'<a href="{sharing.address}">{sharing.address}</a>')
            self.qr.setPixmap(qr_pixmap(sharing.address))
        else:
            self.status.setText(sharing.error or ("Starting…" if sharing.active else
                                                  "Phones and tablets on your network can search and read "
                                                  "your scores in a browser."))
            self.address.clear()
            self.qr.clear()

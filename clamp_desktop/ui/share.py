"""Sharing the library on the home network: ``clamp-desktop serve`` as a child process of the app.

A child process, so the server's model, connections and threads never mix
with the window's, and quitting the app (or flipping the switch off) ends it.
The password is stored only as its scrypt hash (settings and a private
password file the server reads); the address shown is the one the server
announces once it listens.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal

from .. import paths
from ..web.security import hash_password

ANNOUNCED = re.compile(r"Serving .* at (\S+) \(")
STOP_WAIT_MS = 5000


def serve_command(arguments: list[str]) -> tuple[str, list[str]]:
    """(program, arguments) that run ``clamp-desktop ARGUMENTS`` with this installation."""
    if getattr(sys, "frozen", False):           # the bundle: its clamp-desktop executable is the command line
        executable = Path(sys.executable)
        return str(executable.with_name("clamp-desktop" + executable.suffix)), arguments
    return sys.executable, ["-m", "clamp_desktop", *arguments]


class LibrarySharing(QObject):
    changed = Signal()                  # started, stopped, failed: read ``address`` and ``error``

    def __init__(self, settings, host: str = "0.0.0.0", parent: QObject | None = None):
        super().__init__(parent)
        self.settings, self.host = settings, host
        self.address: str | None = None
        self.error: str | None = None
        self._output = ""
        self._process: QProcess | None = None

    @property
    def active(self) -> bool:
        """Starting or serving."""
        return self._process is not None

    def has_password(self) -> bool:
        return bool(self.settings.get("share/password_hash"))

    def set_password(self, password: str) -> None:
        self.settings.set("share/password_hash", hash_password(password))

    def _password_file(self) -> Path:
        path = paths.config_dir() / "share-password"
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(self.settings.get("share/password_hash") + "\n")
        return path

    def start(self) -> None:
        if self.active:
            return
        if not self.has_password():
            self._fail("Choose a password first: every device will need it to see the library.")
            return
        arguments = ["serve", "--db", str(self.settings.db_path()), "--host", self.host,
                     "--port", str(self.settings.get("share/port")), "--password-file", str(self._password_file())]
        if self.settings.model():
            arguments += ["--model", self.settings.model()]
        if self.settings.device():
            arguments += ["--device", self.settings.device()]
        self.address, self.error, self._output = None, None, ""
        process = self._process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._ended)
        process.errorOccurred.connect(self._not_started)
        process.start(*serve_command(arguments))
        self.changed.emit()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.finished.disconnect(self._ended)
        process.errorOccurred.disconnect(self._not_started)
        process.terminate()
        if not process.waitForFinished(STOP_WAIT_MS):
            process.kill()
            process.waitForFinished(STOP_WAIT_MS)
        process.deleteLater()
        self.address = None
        self.changed.emit()

    def _read(self) -> None:
        if self._process is None:
            return
        self._output += bytes(self._process.readAllStandardOutput()).decode("utf-8", "replace")
        match = ANNOUNCED.search(self._output)
        if match and self.address is None:
            self.address = match.group(1)
            self.changed.emit()

    def _ended(self, *_) -> None:
        self._read()
        lines = [line for line in self._output.splitlines() if line.strip()]
        last = lines[-1].removeprefix("error: ") if lines else "The sharing server stopped."
        self._process.deleteLater()
        self._process = None
        self._fail(last)

    def _not_started(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self._process.deleteLater()
            self._process = None
            self._fail("The sharing server could not be started.")

    def _fail(self, message: str) -> None:
        self.address, self.error = None, message
        self.changed.emit()

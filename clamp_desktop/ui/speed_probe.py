"""Each model's speed on this computer, measured in the background for the first-run and settings dialogs."""

from __future__ import annotations

import atexit

from PySide6.QtCore import QThread, QTimer, Signal
from PySide6.QtWidgets import QLabel

from ..errors import ClampDesktopError


class SpeedProbe(QThread):
    """Runs ``engine.speed.model_speeds`` (seconds, once per process) off the GUI thread."""

    measured = Signal(dict)     # registry name -> engine.speed.Speed
    failed = Signal(str)        # one readable line

    def __init__(self):
        super().__init__()
        self.result: dict | None = None
        self.error: str | None = None

    def run(self) -> None:
        from ..engine.speed import model_speeds

        try:
            self.result = model_speeds()
        except Exception as exc:  # noqa: BLE001 - a figure we could not get is said, never a crash
            reason = str(exc) if isinstance(exc, ClampDesktopError) else f"{type(exc).__name__}: {exc}"
            self.error = f"Speed not measured: {reason}"[:200]
            self.failed.emit(self.error)
            return
        self.measured.emit(self.result)


_probe: SpeedProbe | None = None    # one measurement per process, shared by every dialog (and outliving them)


def shared_probe() -> SpeedProbe:
    global _probe
    if _probe is None:
        _probe = SpeedProbe()
        _probe.start()
        atexit.register(_probe.wait)   # a QThread destroyed while running aborts the process: let it finish
    return _probe


def speed_lines(speeds: dict) -> str:
    if not speeds:
        return "Speed not measured: the bundled model is not installed with this copy."
    return "\n".join(f"{name}: {speed.caption()}" for name, speed in speeds.items())


class SpeedLabel(QLabel):
    """A label that shows each model's speed once the background probe has measured it."""

    measured = Signal(dict)

    def __init__(self, parent=None):
        super().__init__("Measuring each model's speed on this computer…", parent, wordWrap=True)
        self.speeds: dict | None = None
        probe = shared_probe()
        probe.measured.connect(self._show)
        probe.failed.connect(self.setText)
        if probe.result is not None or probe.error is not None:   # measured before this dialog opened
            QTimer.singleShot(0, self, lambda: self._show(probe.result) if probe.error is None
                              else self.setText(probe.error))

    def _show(self, speeds: dict) -> None:
        self.speeds = speeds
        self.setText(speed_lines(speeds))
        self.measured.emit(speeds)

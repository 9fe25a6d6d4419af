"""The Qt binding itself: what the app relies on and a release got wrong.

PySide6 6.12.0's ``SignalInstance.emit`` returns ``True`` without taking a
reference, so every emit drops one of the interpreter's references to ``True``;
a few hundred emits later the process aborts ("bool_dealloc: deallocating True
or False"), mid-run or while the interpreter shuts down.  That was the test
process's abort at exit (issue 21); pyproject.toml excludes that release.
"""

from __future__ import annotations

import subprocess
import sys

EMITS = r"""
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Relay(QObject):
    relay = Signal(str, object)
    plain = Signal()

app = QCoreApplication([])
relay = Relay()
before = sys.getrefcount(True), sys.getrefcount(False)
for i in range(200):
    relay.relay.emit("yielded", i)
    relay.plain.emit()
after = sys.getrefcount(True), sys.getrefcount(False)
print(after[0] - before[0], after[1] - before[1], flush=True)
"""


def test_emitting_signals_keeps_the_interpreters_booleans_alive():
    """In a child process: with the bug it loses 400 references, and may abort, not just fail."""
    result = subprocess.run([sys.executable, "-c", EMITS], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["0", "0"], "Signal.emit() drops references to True/False: " + result.stdout

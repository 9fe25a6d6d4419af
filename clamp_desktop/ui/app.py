"""Starting the desktop app: the application object, the first-run dialog, the main window."""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from .. import __version__
from .icons import app_icon
from .settings import Settings, WindowState


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (made once), high-DPI aware with fractional scale factors."""
    existing = QApplication.instance()
    if existing is not None:
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("clamp-desktop")
    app.setOrganizationName("clamp-desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.clamp_desktop.ClampDesktop")  # packaging/linux/*.desktop
    app.setWindowIcon(app_icon())
    return app


def dispose_windows(app: QApplication) -> None:
    """Close and delete every top-level window now, while the application object still exists.

    Otherwise they go with the interpreter's exit, in an arbitrary order and
    some after the application; PySide6 has crashed there in this project's
    tests and screenshot runs ("shared QObject was deleted directly").  The
    first-run dialog, for one, outlives ``open_main_window``: its connected
    slots keep it alive until the end.
    """
    for widget in app.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


def open_main_window(settings: Settings | None = None, window_state: WindowState | None = None):
    """The first-run dialog when nothing was chosen yet, then the main window (None if the user quit)."""
    from .first_run import FirstRunDialog
    from .main_window import MainWindow

    settings = settings or Settings()
    first_run = None
    if not settings.get("first_run/done"):
        dialog = FirstRunDialog(settings)
        if dialog.exec() != FirstRunDialog.DialogCode.Accepted:
            return None
        first_run = dialog.chosen
    window = MainWindow(settings, window_state, first_run=first_run)
    window.show()
    return window


def leave(code: int) -> None:
    """End the process now: exit handlers run and streams are flushed, the interpreter's teardown is skipped.

    Quitting took 3-6 s after the window had closed, all of it in Python's
    finalisation (gdb: Py_FinalizeEx -> finalize_modules -> the garbage
    collector walking torch's, transformers' and music21's objects).  Only a
    window that closed cleanly comes here: the worker's threads are joined,
    the library is closed and the settings are synced, so nothing is lost.
    """
    atexit._run_exitfuncs()        # logging, concurrent.futures and multiprocessing clean-ups still run
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass        # no console (a GUI launch on Windows) or already closed
    os._exit(code)


def main(argv: list[str] | None = None, *, exit_process=leave) -> int:
    """Open the app; score files on the command line ("Open with") get their similar pieces shown.

    After a clean close the process ends at once (``leave``) rather than
    tearing every module down.
    """
    argv = list(sys.argv if argv is None else argv)
    app = application(argv[:1])
    window = open_main_window()
    if window is None:
        dispose_windows(app)
        return 0
    opened = [arg for arg in argv[1:] if Path(arg).is_file()]
    if opened:
        window.similar_to_file(str(Path(opened[0]).resolve()))
    code = app.exec()
    clean = window.closed_cleanly
    dispose_windows(app)
    if clean:
        exit_process(code)
    return code


if __name__ == "__main__":
    sys.exit(main())

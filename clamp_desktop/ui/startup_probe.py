"""``python -m clamp_desktop.ui.startup_probe``: open the main window, wait for its first rows, print JSON.

Measures what a user waits for at start-up (interpreter start to the first
rows in the table) in a fresh process, with the settings and library of the
environment (``CLAMP_DESKTOP_CONFIG``).  Used by tests/test_ui_startup.py and
bench/bench_gui.py.
"""

import time

STARTED = time.monotonic()

import json  # noqa: E402
import sys  # noqa: E402


def main(timeout: float = 60.0) -> None:
    from .app import application
    from .main_window import MainWindow
    from .settings import Settings

    app = application(["probe"])
    window = MainWindow(Settings())
    window.show()
    while window.model.rowCount() == 0 and time.monotonic() - STARTED < timeout:
        app.processEvents()
    shown = time.monotonic() - STARTED
    print(json.dumps({"seconds": shown, "torch": "torch" in sys.modules, "rows": window.model.rowCount(),
                      "total": window.model.total,
                      "thumbnails": len(window.thumbnails._pending) + len(window.thumbnails._failed)}))
    window.close()


if __name__ == "__main__":
    main()

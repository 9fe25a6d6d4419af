"""``python -m clamp_desktop.ui.startup_probe``: open the main window, wait for its first rows, print JSON.

Measures what a user waits for at start-up (interpreter start to the first
rows in the table) in a fresh process, with the settings and library of the
environment (``CLAMP_DESKTOP_CONFIG``).  ``probe_library`` runs it on a given
library, for tests/test_ui_startup.py, bench/bench_gui.py and bench/bench_million.py.
"""

import time

STARTED = time.monotonic()

import json  # noqa: E402
import sys  # noqa: E402

# modules the first rows do not need (the model, indexing, score reading): imported later, when used
DEFERRED = ("torch", "transformers", "music21", "clamp_desktop.engine.indexer", "clamp_desktop.ingest.scanner",
            "clamp_desktop.ingest.pool", "clamp_desktop.ingest.score")


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
                      "deferred_imported": [name for name in DEFERRED if name in sys.modules],
                      "total": window.model.total,
                      "thumbnails": len(window.thumbnails._pending) + len(window.thumbnails._failed)}))
    window.close()


def probe_library(db, workdir, timeout: float = 120.0) -> tuple[float, dict]:
    """(wall seconds, the probe's JSON) of a fresh app process opening library ``db``.

    Its settings (this library, first run done, no folder watching) and cache
    live in ``workdir``.
    """
    import os
    import subprocess
    from pathlib import Path

    config = Path(workdir) / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.ini").write_text(f"[library]\ndb={db}\n[first_run]\ndone=true\n[watch]\nenabled=false\n")
    env = dict(os.environ, CLAMP_DESKTOP_CONFIG=str(config), CLAMP_DESKTOP_CACHE=str(Path(workdir) / "cache"))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", __name__], env=env, capture_output=True, text=True,
                          timeout=timeout)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"the start-up probe failed: {done.stderr[-2000:]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

"""Cold start on a 10,000-piece library: the window shows rows without torch, lazily."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace

from clamp_desktop.ingest.score import read_score
from clamp_desktop.store import Library

PROBE = textwrap.dedent("""
    import json, sys, time
    started = time.monotonic()
    from clamp_desktop.ui.app import application
    from clamp_desktop.ui.main_window import MainWindow
    from clamp_desktop.ui.settings import Settings
    app = application(["probe"])
    window = MainWindow(Settings())
    window.show()
    while window.model.rowCount() == 0 and time.monotonic() - started < 30:
        app.processEvents()
    shown = time.monotonic() - started
    print(json.dumps({"seconds": shown, "torch": "torch" in sys.modules, "rows": window.model.rowCount(),
                      "total": window.model.total,
                      "thumbnails": len(window.thumbnails._pending) + len(window.thumbnails._failed)}))
    window.close()
""")


def ten_thousand_pieces(db, score) -> None:
    """A real library file of 10,000 pieces (one real score's conversion under 10,000 names)."""
    entry = read_score(score)[0]
    with Library(db) as library, library.atomic():
        for file in range(100):
            entries = [replace(entry, tune=tune, metadata=dict(entry.metadata, title=f"Piece {file}-{tune}"))
                       for tune in range(100)]
            library.store_entries(str(score.parent / f"copy{file}.mxl"), f"hash{file}", 1, 1, "mxl", entries)
        library.add_folder(score.parent)


def test_the_window_shows_a_large_library_quickly_and_lazily(tmp_path, score_folder):
    db = tmp_path / "big.db"
    ten_thousand_pieces(db, score_folder / "bwv1.6.mxl")
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.ini").write_text(
        f"[library]\ndb={db}\n[first_run]\ndone=true\n[watch]\nenabled=false\n")
    env = dict(os.environ, CLAMP_DESKTOP_CONFIG=str(config), QT_QPA_PLATFORM="offscreen")
    probe = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr[-2000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result["total"] == 10_000
    assert result["rows"] < 1000                 # rows are fetched page by page, not all at once
    assert result["thumbnails"] < 60             # only painted rows ask for a thumbnail
    assert not result["torch"]                   # the model loads later, in the worker
    # how fast it is, is measured side by side in bench/bench_gui.py, not asserted here

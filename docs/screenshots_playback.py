"""Screenshots of playback and the performance view, saved in docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python docs/screenshots_playback.py

No library is needed: a score from music21's corpus is opened in the viewer,
prepared for playback (timemap, SoundFont) and followed to a moment in its
second bar, as the player's clock does while it plays (a machine without a
sound device cannot play, so the script moves the clock itself; the
highlight and the page are the viewer's own).  Then the performance view is
grabbed in light and dark mode.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from screenshots import OUT, grab, settle, wait_for  # noqa: E402

PIECE = "beach/prayer_of_a_tired_child.musicxml"


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="clamp-play-shots-"))
    for name in ("DATA", "CACHE", "CONFIG"):
        os.environ[f"CLAMP_DESKTOP_{name}"] = str(home / name.lower())
    OUT.mkdir(parents=True, exist_ok=True)
    import music21

    from clamp_desktop.ui.app import application
    from clamp_desktop.ui.performance_view import PerformanceView
    from clamp_desktop.ui.score_viewer import ScoreViewer
    from clamp_desktop.ui.settings import WindowState
    from clamp_desktop.worker import Worker

    app = application(["screenshots"])
    worker = Worker(home / "library.db")
    piece = {"id": 1, "path": str(Path(music21.__file__).parent / "corpus" / PIECE), "tune": 0,
             "title": "Prayer of a Tired Child", "composer": "Mrs. H. H. A. Beach"}
    viewer = ScoreViewer(worker)
    viewer.resize(1000, 1000)
    viewer.show()
    viewer.show_piece(piece)
    wait_for(app, lambda: viewer.current_image() is not None)
    viewer.playback.prepare()
    wait_for(app, lambda: viewer.playback.playable is not None)
    timemap = viewer.playback.playable.timemap
    moment = next(t for t, bar in zip(timemap.times, timemap.bars) if bar == list(timemap.bar_start)[2])
    viewer.playback.follow(moment + 0.01)
    viewer.playback.say("")
    viewer.playback._state_changed(True)
    settle(app)
    grab(viewer, "playback")

    for dark, name in ((False, "performance-light"), (True, "performance-dark")):
        view = PerformanceView(worker, piece, WindowState(), dark=dark, two_pages=True)
        view.resize(1600, 1000)
        view.show()
        wait_for(app, lambda: view.current_image(0) is not None and view.current_image(1) is not None)
        settle(app)
        grab(view, name)
        view.hide()
    worker.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A score viewer on screen, as the viewer, playback and view-option tests need it."""

from __future__ import annotations

from clamp_desktop.ui.score_viewer import ScoreViewer


def open_viewer(qtbot, worker) -> ScoreViewer:
    """A 700 x 900 ScoreViewer over ``worker``, shown and exposed (qtbot closes it)."""
    viewer = ScoreViewer(worker)
    qtbot.addWidget(viewer)
    viewer.resize(700, 900)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer

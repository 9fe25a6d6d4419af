"""Viewer options: one part only, a transposed display (and sound), zoom to width or page."""

from __future__ import annotations

import re

import pytest

from clamp_desktop.engine.midi import midi_parts
from clamp_desktop.engine.render import RenderError, ScoreRenderer, ViewOptions, interval_for
from clamp_desktop.ui.score_viewer import FIT_PAGE, FIT_WIDTH
from clamp_desktop.worker import Worker
from viewer_helpers import open_viewer

CHORALE = "bach/bwv66.6.mxl"


def first_pitch(renderer) -> int:
    first_note = renderer.timemap()[0]["on"][0]
    return renderer._toolkit.getMIDIValuesForElement(first_note)["pitch"]


def test_transposing_moves_every_sounding_pitch(corpus):
    renderer = ScoreRenderer()
    renderer.load(corpus.root / CHORALE)
    written = first_pitch(renderer)
    renderer.load(corpus.root / CHORALE, view=ViewOptions(interval_for(-3)))
    assert first_pitch(renderer) == written - 3
    renderer.load(corpus.root / CHORALE, view=ViewOptions(interval_for(7)))
    assert first_pitch(renderer) == written + 7


def test_one_part_keeps_only_that_part_on_the_page_and_in_the_midi(corpus):
    renderer = ScoreRenderer()
    everything = renderer.load(corpus.root / CHORALE)
    assert everything.parts == ("Soprano", "Alto", "Tenor", "Bass")
    staves_all = len(re.findall(r'class="staff"', renderer.page_svg(1)))
    renderer.load(corpus.root / CHORALE, view=ViewOptions(part=3))
    assert [p.name for p in midi_parts(renderer.midi())] == ["Tenor"]
    assert len(re.findall(r'class="staff"', renderer.page_svg(1))) < staves_all
    with pytest.raises(RenderError, match="no part 9"):
        renderer.load(corpus.root / CHORALE, view=ViewOptions(part=9))


def test_the_viewer_shows_one_part_transposed_and_zooms(qtbot, tmp_path, corpus):
    worker = Worker(tmp_path / "library.db")
    viewer = open_viewer(qtbot, worker)
    try:
        with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
            viewer.show_piece({"id": 1, "path": str(corpus.root / CHORALE), "tune": 0, "title": "t"})
        assert [viewer.part_box.itemText(i) for i in range(viewer.part_box.count())][1:] == \
            ["Soprano", "Alto", "Tenor", "Bass"]
        notes_all = len(viewer.shown.notes)
        with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
            viewer.part_box.activated.emit(2)
        assert viewer.view.part == 2 and viewer.part_box.currentText() == "Alto"
        assert len(viewer.shown.notes) < notes_all / 2
        with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
            viewer.transpose_box.activated.emit(12 + 2)
        assert viewer.shown.view == ViewOptions("M2", 2)
        fit_width = viewer.current_image().width()
        with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
            viewer.set_zoom(FIT_PAGE)
        assert viewer.current_image().height() <= viewer.scroll.viewport().height()
        with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
            viewer.set_zoom(FIT_WIDTH)
        assert viewer.current_image().width() == fit_width
    finally:
        assert worker.shutdown()

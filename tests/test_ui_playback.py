"""Playback in the viewer: the highlight and the page follow the timemap; clicks seek; the
audio device pulls real synthesised samples; with no sound device one line says so."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from clamp_desktop.engine.render import ScoreRenderer
from clamp_desktop.engine.synth import Synthesizer, load_bank
from clamp_desktop.worker import Worker
from sound_helpers import soundfont_or_skip
from viewer_helpers import open_viewer


@pytest.fixture
def viewer(qtbot, tmp_path):
    worker = Worker(tmp_path / "library.db")
    viewer = open_viewer(qtbot, worker)
    yield viewer
    viewer.playback.shutdown()
    assert worker.shutdown()


def open_with_timemap(qtbot, viewer, path):
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
        viewer.show_piece({"id": 1, "path": str(path), "tune": 0, "title": "t"})
    with qtbot.waitSignal(viewer.playback.ready, timeout=60_000):
        viewer.playback.prepare()
    return viewer.playback.playable.timemap


def highlighted_pixels(viewer) -> int:
    """Pixels of the highlight colour on the label as painted (a real grab of the widget)."""
    image = viewer.page_label.grab().toImage().convertToFormat(viewer.page_label.grab().toImage().Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    blue, green, red = pixels[..., 0].astype(int), pixels[..., 1].astype(int), pixels[..., 2].astype(int)
    return int(((red > 200) & (green > 110) & (green < 215) & (blue < 150)).sum())


def test_the_highlight_moves_with_the_timemap_and_pages_turn(qtbot, viewer, corpus):
    timemap = open_with_timemap(qtbot, viewer, corpus.root / "beach/prayer_of_a_tired_child.musicxml")
    assert viewer.pages == 4
    moments = [t for t, notes in zip(timemap.times, timemap.sounding) if notes]
    first_page = [t for t in moments if timemap.page_at(t) == 1]
    earlier, later = first_page[2], first_page[len(first_page) // 2]
    viewer.playback.follow(earlier)
    assert viewer.highlighted == timemap.notes_at(earlier) and viewer.highlighted
    shown_before = list(viewer.page_label.highlights)
    assert len(shown_before) == len(viewer.highlighted), "a sounding note has no box on its page"
    assert highlighted_pixels(viewer) > 100
    viewer.playback.follow(later)
    assert viewer.highlighted == timemap.notes_at(later) != timemap.notes_at(earlier)
    assert viewer.page_label.highlights != shown_before
    assert min(r.x() for r in viewer.page_label.highlights) != min(r.x() for r in shown_before)
    on_page_two = next(t for t in moments if timemap.page_at(t) == 2)
    before_turn = max(t for t in moments if t < on_page_two - 0.5)
    viewer.playback.follow(before_turn)
    assert viewer.page == 1
    qtbot.waitUntil(lambda: any(key[2] == 2 for key in viewer._cache), timeout=30_000)
    shown = []
    viewer.pageShown.connect(lambda *args: shown.append(args))
    viewer.playback.follow(on_page_two)
    assert shown == [(2, 4)], "the turn waited for a render: page 2 was not drawn ahead"
    assert len(viewer.page_label.highlights) == len(timemap.notes_at(on_page_two)) > 0


def test_clicking_a_bar_moves_playback_there(qtbot, viewer, corpus):
    timemap = open_with_timemap(qtbot, viewer, corpus.root / "bach/bwv66.6.mxl")
    bar, rect = list(viewer.shown.bars.items())[3]
    origin = viewer.page_label._origin()
    qtbot.mouseClick(viewer.page_label, Qt.MouseButton.LeftButton, pos=(rect.center() + origin).toPoint())
    assert viewer.highlighted == timemap.notes_at(timemap.bar_start[bar])
    assert timemap.bar_at(timemap.bar_start[bar]) == bar
    qtbot.mouseClick(viewer.page_label, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     pos=(list(viewer.shown.bars.values())[5].center() + origin).toPoint())
    start, end = viewer.playback.loop_span()
    assert start == timemap.bar_start[bar] and end > start


def test_with_no_sound_device_playback_says_so_in_one_line(qtbot, viewer, corpus):
    soundfont_or_skip()
    from clamp_desktop.ui.audio_player import sound_output_problem

    problem = sound_output_problem()
    if not problem:
        pytest.skip("this machine has a sound device")
    open_with_timemap(qtbot, viewer, corpus.root / "bach/bwv66.6.mxl")
    assert viewer.playback.bar.message.text() == problem and "\n" not in problem


def test_the_audio_device_plays_pauses_loops_and_mutes(qtbot):
    from clamp_desktop.ui.audio_player import SynthDevice

    font = soundfont_or_skip()
    renderer = ScoreRenderer()
    renderer.load(__import__("conftest").corpus_root() / "bach/bwv66.6.mxl")
    device = SynthDevice()
    device.synth = Synthesizer(load_bank(str(font)), renderer.midi())
    assert not np.abs(device.frames(4410)).any(), "a paused device must be silent"
    device.playing = True
    assert np.abs(device.frames(4410)).max() > 0.01
    device.synth.set_muted(range(16))
    device.frames(44100)
    assert np.abs(device.frames(4410)).max() < 0.001, "muted parts still sound"
    device.synth.set_muted([])
    device.loop = (1.0, 2.0)
    device.synth.seek(1.9)
    device.frames(44100 // 5)
    assert 1.0 <= device.synth.position < 1.3, "the loop did not wrap"
    device.loop = None
    device.synth.seek(device.synth.duration - 0.1)
    with qtbot.waitSignal(device.ended, timeout=5000):
        device.frames(44100)
    assert not device.playing


def test_the_viewer_prints_and_saves_pdf_and_midi(qtbot, viewer, corpus, tmp_path):
    import re

    from PySide6.QtPrintSupport import QPrinter

    from clamp_desktop.engine.midi import midi_parts

    with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
        viewer.show_piece({"id": 1, "path": str(corpus.root / "beach/prayer_of_a_tired_child.musicxml"),
                           "tune": 0, "title": "Prayer"})
    with qtbot.waitSignal(viewer.export.done, timeout=60_000):
        viewer.export.save_pdf(str(tmp_path / "saved.pdf"))
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", (tmp_path / "saved.pdf").read_bytes())) == 4
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    with qtbot.waitSignal(viewer.export.done, timeout=60_000):
        viewer.export.print_score(printer)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", (tmp_path / "printed.pdf").read_bytes())) == 4
    with qtbot.waitSignal(viewer.export.done, timeout=60_000):
        viewer.export.save_midi(str(tmp_path / "saved.mid"))
    assert midi_parts((tmp_path / "saved.mid").read_bytes())


def test_without_a_soundfont_the_viewer_offers_the_download_and_then_plays(qtbot, viewer, corpus, tmp_path,
                                                                            monkeypatch):
    import hashlib

    from clamp_desktop.engine import soundfonts

    font = soundfont_or_skip()
    monkeypatch.setattr(soundfonts, "system_folders", lambda: [])
    source = tmp_path / "mirror" / "font.sf3"
    source.parent.mkdir()
    source.write_bytes(font.read_bytes())
    monkeypatch.setattr(soundfonts, "FLUIDR3_MONO", soundfonts.PinnedSoundFont(
        "FluidR3Mono_GM.sf3", source.as_uri(), source.stat().st_size,
        hashlib.sha256(source.read_bytes()).hexdigest(), "MIT"))
    open_with_timemap(qtbot, viewer, corpus.root / "bach/bwv66.6.mxl")
    assert viewer.playback.playable.synth is None
    assert viewer.playback.bar.message.text().startswith("No SoundFont found")
    assert not viewer.playback.bar.download_button.isHidden()
    with qtbot.waitSignal(viewer.playback.ready, timeout=120_000):
        qtbot.mouseClick(viewer.playback.bar.download_button, Qt.MouseButton.LeftButton)
    assert soundfonts.downloaded_path().read_bytes() == source.read_bytes()
    assert viewer.playback.playable.synth is not None
    assert viewer.playback.bar.download_button.isHidden()


def test_space_plays_through_the_sound_device_and_the_notes_follow(qtbot, viewer, corpus):
    """End to end on a real sound output (a PulseAudio null sink will do); skipped without one."""
    soundfont_or_skip()
    from clamp_desktop.ui.audio_player import sound_output_problem

    if sound_output_problem():
        pytest.skip(sound_output_problem())
    timemap = open_with_timemap(qtbot, viewer, corpus.root / "bach/bwv66.6.mxl")
    playback = viewer.playback
    viewer.setFocus()
    with qtbot.waitSignal(playback.player.stateChanged, timeout=10_000) as state:
        qtbot.keyClick(viewer, Qt.Key.Key_Space)
    assert state.args == [True]
    qtbot.waitUntil(lambda: playback.player.synth.position > 1.0, timeout=30_000)
    qtbot.waitUntil(lambda: viewer.highlighted and viewer.highlighted != timemap.notes_at(0), timeout=30_000)
    with qtbot.waitSignal(playback.player.stateChanged, timeout=10_000) as state:
        qtbot.keyClick(viewer, Qt.Key.Key_Space)
    assert state.args == [False]
    paused_at = playback.player.synth.position
    qtbot.wait(300)
    assert playback.player.synth.position == paused_at

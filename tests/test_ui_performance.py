"""The performance view: page turns by key and tap, dark mode recolours the engraving, the last
page of each piece is remembered."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from clamp_desktop.ui.performance_view import PerformanceView
from clamp_desktop.ui.settings import WindowState
from clamp_desktop.worker import Worker

PIECE = "beach/prayer_of_a_tired_child.musicxml"      # 4 pages


@pytest.fixture
def worker(tmp_path):
    worker = Worker(tmp_path / "library.db")
    yield worker
    assert worker.shutdown()


def open_view(qtbot, worker, corpus, **options) -> PerformanceView:
    piece = {"id": 1, "path": str(corpus.root / PIECE), "tune": 0, "title": "Prayer"}
    view = PerformanceView(worker, piece, WindowState(), **options)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.pageShown, timeout=30_000):
        view.resize(1000, 800)
        view.show()
    view.setFocus()
    return view


def press(qtbot, view, key) -> list:
    with qtbot.waitSignal(view.pageShown, timeout=30_000) as shown:
        qtbot.keyClick(view, key)
    return shown.args


def grey(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())[:, : image.width()].copy()


def test_pages_turn_by_arrows_page_keys_space_and_taps(qtbot, worker, corpus):
    view = open_view(qtbot, worker, corpus)
    assert (view.page, view.pages) == (1, 4)
    assert press(qtbot, view, Qt.Key.Key_Right) == [2, 4]
    assert press(qtbot, view, Qt.Key.Key_Space) == [3, 4]
    assert press(qtbot, view, Qt.Key.Key_PageUp) == [2, 4]
    assert press(qtbot, view, Qt.Key.Key_PageDown) == [3, 4]
    assert press(qtbot, view, Qt.Key.Key_Left) == [2, 4]
    with qtbot.waitSignal(view.pageShown, timeout=30_000) as shown:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(50, 400))      # left third: back
    assert shown.args == [1, 4]
    with qtbot.waitSignal(view.pageShown, timeout=30_000) as shown:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(900, 400))
    assert shown.args == [2, 4]


def test_two_pages_side_by_side_turn_by_two(qtbot, worker, corpus):
    view = open_view(qtbot, worker, corpus, two_pages=True)
    assert view.slots[1].isVisible()
    assert press(qtbot, view, Qt.Key.Key_Right) == [3, 4]
    qtbot.waitUntil(lambda: view.shown.get(1) is not None and view.shown[1].page == 4, timeout=30_000)


def test_dark_mode_has_light_notes_on_a_dark_page(qtbot, worker, corpus):
    view = open_view(qtbot, worker, corpus)
    light = grey(view.current_image())
    assert press(qtbot, view, Qt.Key.Key_D) == [1, 4]
    qtbot.waitUntil(lambda: view.current_image() is not None and grey(view.current_image()).mean() < 100,
                    timeout=30_000)
    dark = grey(view.current_image())
    assert np.median(light) > 200 and np.median(dark) < 50, "the paper did not turn dark"
    light_ink, dark_ink = (light < 100).mean(), (dark > 155).mean()     # the share of the page in ink
    assert (dark > 155).sum() > 5000, "no light notes on the dark page"
    assert 0.7 < dark_ink / light_ink < 1.4, "the dark page does not show the same engraving"
    screenshot = view.grab().toImage()
    assert grey(screenshot).mean() < 80


def test_each_piece_reopens_at_its_last_page(qtbot, worker, corpus):
    view = open_view(qtbot, worker, corpus)
    press(qtbot, view, Qt.Key.Key_Right)
    press(qtbot, view, Qt.Key.Key_Right)
    view.hide()        # the page is saved as it turns; closing deletes the window (WA_DeleteOnClose)
    again = open_view(qtbot, worker, corpus)
    assert again.page == 3


def test_the_viewer_opens_it_dark_and_two_up_as_last_left(qtbot, worker, corpus):
    from clamp_desktop.ui.score_viewer import ScoreViewer

    view = open_view(qtbot, worker, corpus)
    press(qtbot, view, Qt.Key.Key_D)
    press(qtbot, view, Qt.Key.Key_2)
    view.hide()
    viewer = ScoreViewer(worker)
    qtbot.addWidget(viewer)
    viewer.show_piece({"id": 1, "path": str(corpus.root / PIECE), "tune": 0, "title": "Prayer"})
    again = viewer.perform()
    qtbot.addWidget(again)
    assert again.dark and again.two_pages and again.isFullScreen()
    with qtbot.waitSignal(again.pageShown, timeout=30_000):
        pass
    again.hide()

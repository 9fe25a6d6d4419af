"""The score viewer: real Verovio pages drawn off the GUI thread, paging, zoom, shortcuts, errors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from clamp_desktop.ui.rasterize import ink_pixels
from clamp_desktop.ui.score_viewer import FIT_PAGE, FIT_WIDTH
from clamp_desktop.worker import Worker
from viewer_helpers import open_viewer

MIN_INK = 5000


@pytest.fixture
def worker(tmp_path):
    worker = Worker(tmp_path / "library.db")
    yield worker
    assert worker.shutdown()


@pytest.fixture
def viewer(qtbot, worker):
    return open_viewer(qtbot, worker)


def piece(path, title="A title", composer="A composer"):
    return {"id": 1, "path": str(path), "tune": 0, "title": title, "composer": composer}


def show(qtbot, viewer, item, page=1):
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000) as shown:
        viewer.show_piece(item, page)
    return shown.args


def test_opening_a_score_shows_a_page_with_notes_on_it(qtbot, viewer, score_folder):
    page, pages = show(qtbot, viewer, piece(score_folder / "prayer_of_a_tired_child.musicxml",
                                            "Prayer of a Tired Child", "Mrs. H. H. A. Beach"))
    assert (page, pages) == (1, 4)
    assert viewer.message == ""
    image = viewer.current_image()
    assert image.width() > 500 and ink_pixels(image) > MIN_INK
    assert viewer.page_label.pixmap().width() > 0
    assert viewer.title_label.text() == "Prayer of a Tired Child"
    assert viewer.title_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse


def test_keyboard_shortcuts_turn_pages(qtbot, viewer, score_folder):
    show(qtbot, viewer, piece(score_folder / "prayer_of_a_tired_child.musicxml"))
    viewer.setFocus()
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000) as shown:
        qtbot.keyClick(viewer, Qt.Key.Key_PageDown)
    assert shown.args == [2, 4]
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000) as shown:
        qtbot.keyClick(viewer, Qt.Key.Key_End)
    assert shown.args == [4, 4]
    assert ink_pixels(viewer.current_image()) > MIN_INK // 4
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000) as shown:
        qtbot.keyClick(viewer, Qt.Key.Key_Home)
    assert shown.args == [1, 4]


def test_pages_seen_before_come_from_the_cache(qtbot, viewer, score_folder):
    show(qtbot, viewer, piece(score_folder / "prayer_of_a_tired_child.musicxml"))
    first = viewer.current_image()
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
        viewer.next_page()
    viewer.previous_page()            # cached: shown at once, no job
    assert viewer.page == 1 and viewer.current_image() is first


def test_zoom_changes_the_page_width(qtbot, viewer, score_folder):
    show(qtbot, viewer, piece(score_folder / "bwv1.6.mxl"))
    fit_width = viewer.current_image().width()
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
        viewer.set_zoom("50%")
    assert viewer.current_image().width() == 420
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
        viewer.zoom_in()
    assert viewer.zoom == "75%" and viewer.current_image().width() == 630
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
        viewer.set_zoom(FIT_PAGE)
    fit_page = viewer.current_image()
    assert fit_page.height() <= viewer.scroll.viewport().height()
    with qtbot.waitSignal(viewer.pageShown, timeout=30_000):
        viewer.set_zoom(FIT_WIDTH)
    assert viewer.current_image().width() == fit_width
    assert ink_pixels(fit_page) > MIN_INK // 2


def test_a_score_verovio_cannot_render_shows_a_readable_message(qtbot, viewer, tmp_path):
    broken = tmp_path / "broken.musicxml"
    broken.write_text("<score-partwise><part-list/></score-partwise")
    with qtbot.waitSignal(viewer.failed, timeout=30_000) as failed:
        viewer.show_piece(piece(broken))
    assert "broken.musicxml" in failed.args[0]
    assert viewer.message.startswith("This score cannot be shown.")
    assert viewer.page_label.text() == viewer.message and viewer.page_label.pixmap().isNull()
    assert viewer.current_image() is None

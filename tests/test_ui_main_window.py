"""The main window on a real library: listing, searching, the score, similar pieces, tags, jobs.

Every test indexes real MusicXML (the ``score_folder`` fixture) with a real
random checkpoint (``tiny_checkpoint``) into a real SQLite file, through the
window's own worker, with the Qt event loop running (pytest-qt, offscreen).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent

from clamp_desktop.store import Library
from clamp_desktop.ui.main_window import MainWindow
from clamp_desktop.ui.piece_model import COLUMN
from clamp_desktop.ui.rasterize import ink_pixels
from clamp_desktop.ui.settings import Settings, WindowState
from clamp_desktop.ui.thumbnails import thumbnail_folder

JOB_S = 180_000


@pytest.fixture
def settings(tmp_path, tiny_checkpoint):
    settings = Settings(tmp_path / "config" / "settings.ini")
    settings.set("library/db", str(tmp_path / "library.db"))
    settings.set("model/name", str(tiny_checkpoint))
    settings.set("model/device", "cpu")
    settings.set("library/workers", 1)
    settings.set("watch/delay_s", 0.3)
    settings.set("first_run/done", True)
    return settings


def open_window(qtbot, settings, tmp_path, messages: list | None = None) -> MainWindow:
    """The window, shown; ``messages`` collects every status bar line from the start (a line may last a moment)."""
    window = MainWindow(settings, WindowState(tmp_path / "config" / "window-state.ini"))
    qtbot.addWidget(window)
    if messages is not None:
        window.statusBar().messageChanged.connect(messages.append)
    window.show()
    qtbot.waitExposed(window)
    return window


def finish(qtbot, job, state="returned"):
    if not job.done:
        with qtbot.waitSignal(job.finished, timeout=JOB_S):
            pass
    assert job.state == state, job.error
    return job.result


@pytest.fixture
def window(qtbot, settings, tmp_path, score_folder):
    window = open_window(qtbot, settings, tmp_path)
    finish(qtbot, window.add_folder(str(score_folder)))
    window.refresh_library()
    finish(qtbot, window.refresh_sidebar())     # the counts come from the read lane
    yield window
    window.close()


def rows(window) -> list[dict]:
    window.model.fetch_all()
    return [window.model.piece_at(i) for i in range(window.model.rowCount())]


def select_row(qtbot, window, row: int) -> dict:
    with qtbot.waitSignal(window.viewer.pageShown, timeout=JOB_S):
        window.table.selectRow(row)
    return window.selected


# --- the library ------------------------------------------------------------------


def test_opening_a_library_lists_every_piece_with_its_metadata(qtbot, window, score_folder):
    with Library(window.settings.db_path(), readonly=True) as library:
        stored = library.pieces()
    listed = rows(window)
    assert len(listed) == len(stored) >= 10
    assert {p["id"] for p in listed} == {p["id"] for p in stored}
    bach = next(r for r in range(window.model.rowCount()) if window.model.piece_at(r)["composer"] == "Johann Sebastian Bach")
    assert window.model.index(bach, COLUMN["composer"]).data() == "Johann Sebastian Bach"
    assert window.model.index(bach, COLUMN["time_signature"]).data() == "4/4"
    assert "All" in window.results_label.text()
    folders = window.sidebar.items_of("Folders")
    assert [f.toolTip(0) for f in folders] == [str(score_folder.resolve())]
    composers = {item.text(0): int(item.text(1)) for item in window.sidebar.items_of("Composers")}
    assert composers["Johann Sebastian Bach"] == 7


def test_a_composer_is_renamed_from_its_sidebar_menu_and_the_library_keeps_it(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    bach_piece = next(p for p in rows(window) if p["composer"] == "Johann Sebastian Bach")
    window.viewer.show_piece(bach_piece)
    assert window.viewer.composer_label.text() == "Johann Sebastian Bach (1685–1750)"
    assert "Baroque" in window.viewer.facts_label.text()
    bach = next(i for i in window.sidebar.items_of("Composers") if i.text(0) == "Johann Sebastian Bach")
    assert window.sidebar.composer_actions(window.sidebar.items_of("Keys")[0]) == []
    ((text, rename),) = window.sidebar.composer_actions(bach)
    assert text.startswith("Rename or merge")
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *args, **kwargs: ("J. S. Bach", True)))
    rename()
    qtbot.waitUntil(lambda: any(i.text(0) == "J. S. Bach" for i in window.sidebar.items_of("Composers")),
                    timeout=JOB_S)
    renamed = next(i for i in window.sidebar.items_of("Composers") if i.text(0) == "J. S. Bach")
    assert int(renamed.text(1)) == 7
    with Library(window.settings.db_path(), readonly=True) as library:
        assert library.composer_names() == {"Johann Sebastian Bach": "J. S. Bach"}
    assert {"Ensembles", "Eras"} <= {window.sidebar.topLevelItem(i).text(0)
                                     for i in range(window.sidebar.topLevelItemCount())}


def test_the_sidebar_is_counted_off_the_gui_thread_and_keeps_its_counts_meanwhile(qtbot, window):
    import threading

    from clamp_desktop.ui.sidebar import COUNTING, Sidebar

    release = threading.Event()
    window.worker._read("Holding the read lane", lambda reads: release.wait(60))   # a count of a huge library
    job = window.refresh_sidebar()
    assert not job.done and window.sidebar.counting          # asked for, not counted on this thread
    composers = {item.text(0): item.text(1) for item in window.sidebar.items_of("Composers")}
    assert composers["Johann Sebastian Bach"] == "7"          # the previous counts stay meanwhile
    assert window.refresh_sidebar() is job                    # a request while one waits is merged into it
    release.set()
    finish(qtbot, job)
    assert not window.sidebar.counting
    assert {item.text(0): item.text(1) for item in window.sidebar.items_of("Composers")} == composers
    first = Sidebar()
    first.fill([], {}, None, [], counting=True)               # nothing counted yet: it says so
    assert COUNTING in [first.topLevelItem(i).text(0) for i in range(first.topLevelItemCount())]


def test_painted_rows_get_thumbnails_from_the_render_lane_cached_on_disk(qtbot, window):
    window.table.scrollToTop()

    def top_row_thumbnail():
        # the rows may have been painted (and their thumbnails made) while the fixture indexed: ask
        # for the top row's, which a repaint requests when it is not there yet, until it has arrived
        window.table.viewport().repaint()
        return window.model.index(0, COLUMN["thumbnail"]).data(Qt.ItemDataRole.DecorationRole)

    qtbot.waitUntil(lambda: top_row_thumbnail() is not None, timeout=JOB_S)
    pixmap = top_row_thumbnail()
    assert pixmap is not None and pixmap.width() > 20
    assert ink_pixels(pixmap.toImage(), threshold=250) > 50   # thin, antialiased grey lines at 28 px; blank: 0
    assert any(thumbnail_folder().glob("*.png"))


def test_sorting_by_a_column_sorts_the_whole_listing(qtbot, window):
    window.table.horizontalHeader().setSortIndicator(COLUMN["title"], Qt.SortOrder.DescendingOrder)
    titles = [p["title"] for p in rows(window)]
    assert titles == sorted(titles, key=str.lower, reverse=True)


def test_a_sidebar_facet_filters_the_table(qtbot, window):
    bach = next(i for i in window.sidebar.items_of("Composers") if i.text(0) == "Johann Sebastian Bach")
    window.sidebar.setCurrentItem(bach)
    listed = rows(window)
    assert len(listed) == 7 and {p["composer"] for p in listed} == {"Johann Sebastian Bach"}
    assert "Johann Sebastian Bach" in window.filter_label.text()
    minor = next(i for i in window.sidebar.items_of("Keys") if i.text(0) == "B minor")
    window.sidebar.setCurrentItem(minor)
    assert len(rows(window)) == int(minor.text(1)) == 3
    window.clear_search()
    assert len(rows(window)) >= 10


# --- searching ----------------------------------------------------------------------


def test_typing_filters_at_once_without_the_model(qtbot, window):
    qtbot.keyClicks(window.search_bar.edit, "prayer")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    assert window.model.piece_at(0)["title"] == "Prayer of a Tired Child"
    assert window.query_mode == "keyword" and window.search_bar.keyword_button.isChecked()
    assert window.model.index(0, COLUMN["score"]).data() == ""
    window.search_bar.edit.clear()
    qtbot.keyClicks(window.search_bar.edit, "composer:bach key:minor")
    with Library(window.settings.db_path(), readonly=True) as library:
        expected = {p["id"] for p in library.pieces()
                    if "Bach" in (p["composer"] or "") and (p["key"] or "").endswith("minor")}
    assert len(expected) >= 3
    qtbot.waitUntil(lambda: {p["id"] for p in rows(window)} == expected, timeout=5000)


def test_enter_runs_a_semantic_search_whose_results_show_their_scores(qtbot, window):
    qtbot.keyClicks(window.search_bar.edit, "a slow chorale in a minor key")
    with qtbot.waitSignal(window.worker.jobEnded, timeout=JOB_S,
                          check_params_cb=lambda job: job.label == "Searching"):
        qtbot.keyClick(window.search_bar.edit, Qt.Key.Key_Return)
    assert window.last_semantic.state == "returned", window.last_semantic.error
    assert window.query_mode == "semantic" and window.search_bar.semantic_button.isChecked()
    count = window.model.rowCount()
    assert count >= 10 and window.model.scored
    rows_shown = [window.model.rows[r] for r in range(count)]
    met = [len(row.matched) for row in rows_shown]
    assert met == sorted(met, reverse=True) and met[0] >= 1   # "minor", "slow", "chorale" are facts the hybrid search reads
    first = window.model.index(0, COLUMN["score"])
    assert first.data() == f"{rows_shown[0].cosine:.3f} ✓"      # narrow; what it meets is in the tooltip
    assert ", ".join(rows_shown[0].matched) in first.data(Qt.ItemDataRole.ToolTipRole)
    assert "closest by CLaMP" in window.results_label.text()
    assert not window.table.isColumnHidden(COLUMN["score"])
    assert window.selected is None          # Enter ranks; it opens nothing by itself


# --- the score, similar pieces, tags ------------------------------------------------


def test_selecting_a_piece_renders_its_score_with_notes(qtbot, window):
    row = next(r for r in range(window.model.rowCount()) if window.model.piece_at(r)["path"].endswith("bwv1.6.mxl"))
    piece = select_row(qtbot, window, row)
    assert piece["title"].startswith("BWV 1.6")      # the file's centred title credit
    assert window.viewer.title_label.text() == piece["title"]
    assert "F major" in window.viewer.facts_label.text() and "4/4" in window.viewer.facts_label.text()
    image = window.viewer.current_image()
    assert ink_pixels(image) > 0.02 * image.width() * image.height()     # staves and notes, not a bare title


def test_the_similar_panel_lists_the_nearest_pieces_and_opens_one(qtbot, window):
    panel = window.similar_dock.reveal()
    piece = select_row(qtbot, window, 0)
    qtbot.waitUntil(lambda: panel.results.topLevelItemCount() > 0, timeout=JOB_S)
    assert panel.results.topLevelItemCount() == min(10, window.model.rowCount() - 1)
    listed = [p["id"] for p in panel.listed()]
    assert piece["id"] not in listed
    target = panel.results.topLevelItem(2)
    assert target.text(1) == f"{float(target.text(1)):.3f}"        # the cosine in its own column
    with qtbot.waitSignal(window.viewer.pageShown, timeout=JOB_S):
        panel.results.itemActivated.emit(target, 0)      # a double-click or Enter
    assert window.selected["id"] == listed[2]
    assert window.model.piece_at(window.table.currentIndex().row())["id"] == listed[2]


def test_dropping_an_outside_score_finds_similar_pieces(qtbot, window, corpus):
    panel = window.similar_dock.reveal()
    outside = corpus.files("bach/bwv2*.mxl", 1)[0]
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(outside))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert outside.name in panel.heading.text()
    qtbot.waitUntil(lambda: panel.results.topLevelItemCount() == 10, timeout=JOB_S)
    assert panel._job.state == "returned"


def test_tags_are_shown_with_probabilities_and_can_be_edited(qtbot, window):
    finish(qtbot, window.tag_library())
    panel = window.tags_dock.reveal()
    piece = select_row(qtbot, window, 0)
    tree = panel.tree
    groups = {tree.topLevelItem(i).text(0): tree.topLevelItem(i) for i in range(tree.topLevelItemCount())}
    assert {"mood", "genre"} <= set(groups)
    mood = groups["mood"]
    assert mood.childCount() >= 1 and mood.child(0).text(1).endswith("%")
    # The test model has no calibration: its flat guesses are suggestions, shown apart (engine.calibration).
    assert mood.child(0).text(2) == "suggestion" and "suggestion" in mood.child(0).toolTip(0).lower()
    label = mood.child(0).text(0)

    def edited():
        return qtbot.waitSignal(panel.tagsChanged, timeout=JOB_S)

    panel.vocabulary_box.setCurrentText("user")
    panel.label_edit.setText("favourite")
    with edited():
        panel.add_button.click()
    user = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == "user"]
    assert user and user[0].child(0).text(0) == "favourite" and user[0].child(0).text(2) == "yours"

    mood_item = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                     if tree.topLevelItem(i).text(0) == "mood").child(0)
    tree.setCurrentItem(mood_item)
    assert panel.accept_button.isEnabled()
    with edited():
        panel.accept_button.click()
    tags = window.reader.piece_tags(piece["id"])
    assert any(v.label == label and v.source == "user" for v in tags["mood"])

    favourite = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                     if tree.topLevelItem(i).text(0) == "user").child(0)
    tree.setCurrentItem(favourite)
    with edited():
        panel.remove_button.click()
    assert "user" not in window.reader.piece_tags(piece["id"])
    qtbot.waitUntil(lambda: "favourite" not in (window.model.index(0, COLUMN["tags"]).data() or ""), timeout=5000)


def test_the_vocabulary_editor_saves_and_retags_in_the_background(qtbot, window):
    from clamp_desktop.engine.tagging import user_vocabulary_dir

    finish(qtbot, window.tag_library())
    editor = window.edit_vocabularies()
    editor.chooser.setCurrentText("mood")
    assert editor.name_edit.isReadOnly() and "{mood}" in editor.template_edit.text()
    editor.labels_edit.setPlainText("stormy\nserene")
    editor.threshold_box.setValue(0.0)
    editor.top_box.setValue(1)
    editor.save()
    finish(qtbot, editor.job)
    assert "Saved mood" in editor.message.text()
    assert (user_vocabulary_dir() / "mood.toml").is_file()
    piece = window.model.piece_at(0)
    moods = window.reader.piece_tags(piece["id"])["mood"]
    assert [v.label for v in moods if v.source == "auto"][0] in ("stormy", "serene")
    editor.labels_edit.setPlainText("")
    editor.save()
    assert "label" in editor.message.text().lower()      # refused before anything is written
    editor.close()


# --- jobs ------------------------------------------------------------------------------


def test_indexing_can_be_started_and_cancelled_from_the_window(qtbot, window, corpus):
    more = window.reader.folders()[0]
    for path in corpus.files("bach/bwv2*.mxl", 12):
        shutil.copy(path, f"{more}/{path.name}")
    job = window.index_library()
    qtbot.waitUntil(lambda: window.jobs.job is job, timeout=JOB_S)
    assert window.actions_by_name["cancel"].isEnabled()
    with qtbot.waitSignal(job.finished, timeout=JOB_S):
        window.actions_by_name["cancel"].trigger()
    assert job.state == "aborted"
    assert window.jobs.job is not job
    finish(qtbot, window.index_library())
    window.refresh_library()
    assert window.model.rowCount() >= 22


def test_the_event_loop_keeps_turning_while_the_window_indexes(qtbot, window, corpus):
    more = window.reader.folders()[0]
    for path in corpus.files("bach/bwv3*.mxl", 30):
        shutil.copy(path, f"{more}/{path.name}")
    job = window.index_library()
    while_running: list[bool] = []
    timer = QTimer()
    timer.timeout.connect(lambda: while_running.append(not job.done))
    timer.start(20)
    with qtbot.waitSignal(job.finished, timeout=JOB_S):
        pass
    timer.stop()
    # a blocked GUI thread could not fire the timer while the job runs; 30 files keep it running
    # long enough for many ticks on any machine
    assert job.state == "returned", job.error
    assert sum(while_running) >= 5


def test_new_files_in_a_watched_folder_are_indexed(qtbot, window, corpus):
    before = window.model.rowCount()
    folder = window.reader.folders()[0]
    assert folder in window.watcher.folders
    source = corpus.files("beethoven/opus18no1/*.mxl", 1)[0]
    shutil.copy(source, f"{folder}/added-later.mxl")
    qtbot.waitUntil(lambda: window.model.rowCount() == before + 1, timeout=JOB_S)


def test_the_problems_view_lists_files_that_failed_with_their_reason(qtbot, window):
    folder = window.reader.folders()[0]
    with open(f"{folder}/broken.musicxml", "w") as handle:
        handle.write("<score-partwise><part-list>")
    finish(qtbot, window.index_library())
    panel = window.problems_dock.reveal()
    panel.refresh()
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, 0).text().endswith("broken.musicxml")
    assert panel.table.item(0, 1).text()


# --- state, start-up ---------------------------------------------------------------------


def test_column_widths_and_layout_come_back_next_time(qtbot, settings, tmp_path, score_folder):
    first = open_window(qtbot, settings, tmp_path)
    first.table.setColumnWidth(COLUMN["composer"], 171)      # the title stretches into what is left
    first.table.setColumnHidden(COLUMN["key"], True)
    first.tags_dock.reveal()
    first.close()
    second = open_window(qtbot, settings, tmp_path)
    assert second.table.columnWidth(COLUMN["composer"]) == 171 and second.table.isColumnHidden(COLUMN["key"])
    assert second.tags_dock.isVisible() and second.tags_dock.panel is not None
    second.close()


def test_the_status_bar_shows_where_the_model_runs(qtbot, window):
    qtbot.waitUntil(lambda: window.worker.model_info is not None, timeout=JOB_S)
    assert "CPU" in window.jobs.device_label.text()


def test_the_gui_command_is_registered():
    from clamp_desktop.cli import cli

    assert "gui" in cli.commands


def test_the_gui_command_is_documented(tmp_path):
    from click.testing import CliRunner

    from clamp_desktop.cli import cli

    result = CliRunner().invoke(cli, ["gui", "--help"])
    assert result.exit_code == 0 and "Example: clamp-desktop gui" in result.output


def test_odd_marks_are_repaired_and_the_problems_view_says_what_was_removed(qtbot, window):
    from clamp_desktop.ui.status import index_message

    folder = window.reader.folders()[0]
    for odd in (Path(__file__).parent / "data" / "odd-marks").iterdir():
        shutil.copy(odd, folder)
    summary = finish(qtbot, window.index_library())
    assert (summary.repaired, summary.still_failing) == (4, 1)
    assert "1 file in the library not converted" in index_message(summary)
    panel = window.problems_dock.reveal()
    panel.refresh()
    reasons = [panel.table.item(row, 1).text() for row in range(panel.table.rowCount())]
    assert len(reasons) == 5 and "still listed and searchable by its metadata" in panel.table.item(0, 1).toolTip()
    assert sum(reason.startswith("Notice: repaired copy converted") for reason in reasons) == 4
    again = finish(qtbot, window.index_library())
    assert again.failed == 0 and "1 file in the library not converted" in index_message(again)


def test_the_read_whole_pieces_setting_encodes_the_library_under_its_own_key(qtbot, window, settings):
    from clamp_desktop.model.registry import WHOLE_PIECES_SUFFIX

    settings.set("model/whole_pieces", True)
    window.apply_settings({"model/whole_pieces": True})
    assert not window.reader.model_name.endswith(WHOLE_PIECES_SUFFIX)   # the previous vectors serve meanwhile
    finish(qtbot, window.index_library())
    assert window.reader.model_name.endswith(WHOLE_PIECES_SUFFIX)
    models = window.reader.library.models()
    assert models[window.reader.model_name] == models[settings.get("model/name")] > 0

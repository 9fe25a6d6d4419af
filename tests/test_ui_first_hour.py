"""The window as a newcomer meets it (issue 15): what each stumble was, held by a test.

Real library (the ``score_folder`` MusicXML, a random tiny checkpoint), real
worker, real Qt event loop (pytest-qt, offscreen).
"""

from __future__ import annotations

import csv
import json
from types import SimpleNamespace

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox
from test_ui_main_window import JOB_S, finish, rows, select_row, settings, window  # noqa: F401 (fixtures)

from clamp_desktop.engine.similar import similar_to_file
from clamp_desktop.store import Library
from clamp_desktop.ui.help import doc_text
from clamp_desktop.ui.main_window import FILTER_LABEL_WIDTH
from clamp_desktop.ui.piece_menu import add_tag, piece_menu
from clamp_desktop.ui.piece_model import COLUMN
from clamp_desktop.ui.problems import problem_line
from clamp_desktop.ui.settings import Settings
from clamp_desktop.ui.settings_dialog import SettingsDialog, editor_value, set_editor_value
from clamp_desktop.ui.status import JobIndicator
from clamp_desktop.wording import plural, without_mnemonic
from clamp_desktop.worker.job import Job


def describe(qtbot, window, text: str):
    window.search_bar.set_text(text)
    window.search_bar.run_keyword()
    keyword_ids = [p["id"] for p in rows(window)]
    with qtbot.waitSignal(window.worker.jobEnded, timeout=JOB_S, check_params_cb=lambda job: job.label == "Searching"):
        window.search_bar.edit.returnPressed.emit()
    assert window.last_semantic.state == "returned", window.last_semantic.error
    return keyword_ids


# --- Enter after a keyword filter ------------------------------------------------------------


def test_describing_after_a_filter_keeps_its_hits_first_says_so_and_opens_nothing(qtbot, window):
    keyword_ids = describe(qtbot, window, "bach")
    assert 5 <= len(keyword_ids) < window.reader.counts()["pieces"]
    assert window.query_mode == "semantic" and window.search_bar.semantic_button.isChecked()
    ranked = [p["id"] for p in rows(window)]
    assert len(ranked) > len(keyword_ids)                     # the rest of the library follows, ranked
    assert set(ranked[:len(keyword_ids)]) == set(keyword_ids)     # ... after every keyword hit
    assert all("your words" in window.model.rows[i].matched for i in range(len(keyword_ids)))
    label = window.results_label.text()
    assert "Described" in label and f"{len(keyword_ids)} pieces matching your words first" in label
    assert window.selected is None
    window.results_label.linkActivated.emit("filter")        # "back to the filter"
    assert window.query_mode == "keyword" and [p["id"] for p in rows(window)] == keyword_ids
    assert window.table.isColumnHidden(COLUMN["score"])


def test_the_piece_on_show_stays_when_a_description_is_ranked(qtbot, window):
    shown = select_row(qtbot, window, 3)
    describe(qtbot, window, "chorale")
    assert window.selected["id"] == shown["id"]
    assert window.model.piece_at(window.table.currentIndex().row())["id"] == shown["id"]


# --- layout --------------------------------------------------------------------------------------


def test_a_folder_facet_keeps_the_sidebar_width_and_names_the_folder_briefly(qtbot, window, score_folder):
    qtbot.waitUntil(lambda: bool(window.sidebar.items_of("Folders")), timeout=5000)
    width = window.sidebar_dock.width()
    window.sidebar.setCurrentItem(window.sidebar.items_of("Folders")[0])
    qtbot.waitUntil(lambda: window.filter_label.isVisible(), timeout=5000)
    assert window.filter_label.text() == f"Only: {score_folder.name}"
    assert window.filter_label.toolTip() == str(score_folder)
    assert window.filter_label.sizeHint().width() <= FILTER_LABEL_WIDTH
    QGuiApplication.processEvents()
    assert window.sidebar_dock.width() == width
    window.sidebar.clear_filter()
    QGuiApplication.processEvents()
    assert window.sidebar_dock.width() == width and not window.filter_label.isVisible()


def test_the_table_fits_parts_tags_and_scores_and_shows_more_than_nine_rows(qtbot, window):
    describe(qtbot, window, "a chorale")
    QGuiApplication.processEvents()
    assert not window.table.isColumnHidden(COLUMN["score"])
    assert window.table.horizontalScrollBar().maximum() == 0       # nothing to scroll to
    for key in ("parts", "tags", "score"):
        right = window.table.columnViewportPosition(COLUMN[key]) + window.table.columnWidth(COLUMN[key])
        assert right <= window.table.viewport().width(), key
    assert window.table.viewport().height() // window.table.rowHeight(0) > 9


def test_the_progress_bar_and_cancel_button_stay_put_as_the_text_grows(qtbot):
    indicator = JobIndicator()
    qtbot.addWidget(indicator)
    indicator.show()
    job = Job("Indexing", lambda: None)
    indicator.track(job)
    QGuiApplication.processEvents()
    before = (indicator.bar.x(), indicator.cancel_button.x())
    indicator._progress(job, SimpleNamespace(stage="converting", done=3, total=900,
                                             detail="a very long file name " * 8))
    QGuiApplication.processEvents()
    assert (indicator.bar.x(), indicator.cancel_button.x()) == before
    assert "…" in indicator.label.shown_text() and "900" in indicator.label.toolTip()


def test_menu_texts_in_the_status_bar_have_no_mnemonics(window):
    assert window.actions_by_name["cancel"].statusTip() == "Cancel the running job"
    assert all("&" not in action.statusTip() for action in window.actions_by_name.values())


def test_counts_are_said_in_the_singular_and_plural():
    assert [plural(n, "piece") for n in (0, 1, 2, 1027)] == ["0 pieces", "1 piece", "2 pieces", "1,027 pieces"]
    assert plural(1, "was") == "1 was" and plural(3, "was") == "3 were"
    assert without_mnemonic("&Cancel the running job") == "Cancel the running job"
    assert without_mnemonic("Rock && roll") == "Rock & roll"


# --- similar pieces, the piece's menu ----------------------------------------------------------


def test_a_file_already_in_the_library_is_recognised_by_find_similar(qtbot, window, tiny_model):
    piece = rows(window)[2]
    panel = window.similar_dock.reveal()
    window.similar_to_file(piece["path"])
    qtbot.waitUntil(lambda: panel._job.done and panel.results.topLevelItemCount() > 0, timeout=JOB_S)
    assert "this file is in the library" in panel.heading.text()
    assert piece["id"] not in [p["id"] for p in panel.listed()]
    with Library(window.settings.db_path(), readonly=True) as library:
        result = similar_to_file(library, piece["path"], window.reader.model_name, lambda: tiny_model, top=5)
    assert result.source["id"] == piece["id"] and len(result.hits) == 5


def test_the_piece_menu_copies_the_path_finds_similar_pieces_and_adds_a_tag(qtbot, window):
    piece = rows(window)[1]
    menu = piece_menu(piece, window)
    names = [a.objectName() for a in menu.actions() if not a.isSeparator()]
    assert names == ["open_external", "show_in_folder", "copy_path", "find_similar", "add_tag"]
    QGuiApplication.clipboard().clear()
    next(a for a in menu.actions() if a.objectName() == "copy_path").trigger()
    assert QGuiApplication.clipboard().text() == piece["path"]
    next(a for a in menu.actions() if a.objectName() == "find_similar").trigger()
    panel = window.similar_dock.panel
    qtbot.waitUntil(lambda: panel._job.done and panel.results.topLevelItemCount() > 0, timeout=JOB_S)
    assert piece["title"] in panel.heading.text() and piece["id"] not in [p["id"] for p in panel.listed()]
    finish(qtbot, add_tag(window, piece, "  for   Sunday "))
    assert "for Sunday" in [view.label for view in window.reader.piece_tags(piece["id"]).get("user", [])]


def test_the_library_is_exported_from_the_window_as_the_cli_does(window, tmp_path):
    count = window.export_library(str(tmp_path / "library.csv"))
    with open(tmp_path / "library.csv", newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert count == len(exported) == window.reader.counts()["pieces"]
    assert {row["path"] for row in exported} == {p["path"] for p in rows(window)}
    assert window.export_library(str(tmp_path / "library.json")) == count
    assert len(json.loads((tmp_path / "library.json").read_text(encoding="utf-8"))) == count


def test_help_shows_the_user_guide_and_the_search_syntax(qtbot, window):
    names = [a.objectName() for a in window.menuBar().actions()[-1].menu().actions() if not a.isSeparator()]
    assert names == ["user_guide", "search_syntax", "about"]
    page = window.show_help("search.md")
    qtbot.addWidget(page)
    first_heading = next(line for line in doc_text("search.md").splitlines() if line.startswith("# "))
    assert first_heading[2:].strip() in page.browser.toPlainText()
    assert doc_text("user-guide.md").startswith("# clamp-desktop user guide")
    page.follow(QUrl("user-guide.md#choosing-a-model"))       # a link between the pages, to a heading
    assert page.name == "user-guide.md" and page.browser.textCursor().block().text() == "Choosing a model"
    page.follow(QUrl("#using-the-window"))
    assert page.browser.textCursor().block().text() == "Using the window"


# --- problems and settings ----------------------------------------------------------------------


def test_a_problem_is_one_readable_line_with_the_whole_text_in_its_tooltip(qtbot, window):
    assert problem_line("xml2abc failed: ParseError: no element found: line 1, column 27") == \
        "No element found: line 1, column 27"
    assert problem_line("Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad tempo") == \
        "Bad tempo"
    assert len(problem_line("x" * 500)) == 160 and "\n" not in problem_line("a\nb")
    folder = window.reader.folders()[0]
    with open(f"{folder}/broken.musicxml", "w") as handle:
        handle.write("<score-partwise><part-list>")
    finish(qtbot, window.index_library())
    panel = window.problems_dock.reveal()
    panel.refresh()
    reason = panel.table.item(0, 1)
    full = window.reader.failures()[0]["error"]
    assert reason.text() == problem_line(full) and "Error:" not in reason.text()
    assert full in reason.toolTip() and panel.table.item(0, 0).text() == "broken.musicxml"
    panel.table.selectRow(0)
    assert full in panel.details.text()


def test_settings_speak_plain_words_and_offer_the_known_models(qtbot, tmp_path):
    settings = Settings(tmp_path / "settings.ini")
    dialog = SettingsDialog(settings, [])
    qtbot.addWidget(dialog)
    titles = " ".join(editor.parentWidget().layout().labelForField(editor).text()
                      for editor in dialog.editors.values()).lower()
    assert "cosine" not in titles and "process" not in titles and "device" not in titles, titles
    workers = dialog.editors["library/workers"]
    assert isinstance(workers, QSpinBox) and workers.value() == 0 and workers.text() == "Automatic"
    floor = dialog.editors["search/min_cosine"]
    assert isinstance(floor, QDoubleSpinBox) and floor.text() == "Show all"
    model = dialog.editors["model/name"]
    assert isinstance(model, QComboBox)
    offered = [model.itemData(i) for i in range(model.count())]
    assert offered[0] == "" and {"clamp-desktop-mini", "clamp3-c2"} <= set(offered)
    set_editor_value(model, "clamp3-c2")
    assert editor_value(model) == "clamp3-c2" and "CLaMP" in model.currentText()
    set_editor_value(model, "/models/my-checkpoint")
    assert editor_value(model) == "/models/my-checkpoint"
    device = dialog.editors["model/device"]
    assert editor_value(device) == "auto" and "Automatic" in device.currentText()


# --- quitting ---------------------------------------------------------------------------------------


def test_quitting_joins_the_workers_threads_and_ends_the_process_without_teardown(qtbot, settings, monkeypatch):
    import clamp_desktop.ui.app as app_module
    from clamp_desktop.ui.main_window import MainWindow

    window = MainWindow(settings)      # not the fixture's: main() deletes the windows it leaves
    window.show()
    with qtbot.waitSignal(window.worker.modelReady, timeout=JOB_S):
        pass                          # idle, with the model's threads started
    ended = []
    monkeypatch.setattr(app_module, "open_main_window", lambda: window)
    engine, render, reader = window.worker.engine, window.worker.render_lane, window.reader
    QTimer.singleShot(0, window.close)
    assert app_module.main(["clamp-desktop"], exit_process=ended.append) == 0
    assert ended == [0]
    assert not engine.isRunning() and not render.isRunning() and reader._library is None


def test_nothing_queued_before_the_window_is_deleted_reaches_it_afterwards(qtbot, settings, score_folder,
                                                                          monkeypatch):
    """The order of events ``ui.app.main`` can meet: work queued, the window closed and deleted, events after.

    Queued: the first paint's work, the model's delayed start (made immediate
    here), a sidebar count on the read lane and a table refresh.  Each once
    reached the deleted window ("Internal C++ object (Sidebar) already
    deleted") or restarted a lane to report to it ("Signal source has been deleted").
    """
    import clamp_desktop.ui.main_window as main_window
    from clamp_desktop.ui.app import dispose_windows

    monkeypatch.setattr(main_window, "MODEL_DELAY_MS", 0)
    window = main_window.MainWindow(settings)        # not the fixture's: deleted here
    window.show()
    qtbot.waitUntil(lambda: window.reader.watching, timeout=JOB_S)       # the first paint's work is done
    finish(qtbot, window.add_folder(str(score_folder)))
    window._after_first_paint()               # queues the model's start again
    window.refresh_library()                  # a sidebar count on its way
    worker = window.worker
    window.close()
    dispose_windows(QGuiApplication.instance())       # the window is deleted, as main() does
    passed = []
    QTimer.singleShot(0, lambda: passed.append(True))     # after every zero-delay call queued above
    qtbot.waitUntil(lambda: passed == [True], timeout=JOB_S)
    assert not worker.engine.isRunning() and not worker.read_lane.isRunning()
    # an exception in any of those callbacks fails this test (pytest-qt reports them)


def test_the_header_menu_shows_a_hidden_column(window):
    assert window.table.isColumnHidden(COLUMN["ensemble"])
    ensemble = next(a for a in window.table.column_menu().actions() if a.text() == "Ensemble")
    assert not ensemble.isChecked()
    ensemble.trigger()
    assert not window.table.isColumnHidden(COLUMN["ensemble"])

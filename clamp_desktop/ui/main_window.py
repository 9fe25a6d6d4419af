"""The main window: search bar, library table, score viewer, sidebar and panels.

It holds no SQL and no torch: reads go through ``LibraryReader`` (read-only,
on this thread), everything else is a job on the ``Worker``.  The window
shows before anything slow happens: rows are read after the first paint,
the sidebar's counts on the worker's read lane (seconds at a million pieces),
panels build when first shown, and the model loads in the worker afterwards.

Every deferred call (``QTimer.singleShot``) names the object it acts on as its
context, so Qt drops it with that object: none reaches a window that is gone.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QDockWidget, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QMainWindow, QMessageBox, QProgressDialog,
    QSplitter, QToolButton, QVBoxLayout, QWidget,
)

from ..ingest.musicxml import MUSICXML_SUFFIXES
from ..wording import plural, without_mnemonic
from ..worker import Worker
from .about import show_about
from .elided_label import ElidedLabel
from .help import show_help
from .icons import app_icon, icon
from .lazy import LazyDock
from .library_export import choose_and_export, export_library
from .library_table import LibraryTable
from .organise_actions import OrganiseActions
from .piece_menu import piece_menu
from .piece_model import COLUMN, PieceRole, PieceTableModel, Row
from .problems import ProblemsPanel
from .query_notes import query_notes
from .reader import LibraryReader
from .score_viewer import ScoreViewer
from .search_bar import KEYWORD, SEMANTIC, SearchBar, semantic_caption
from .settings import Settings, WindowState
from .settings_dialog import SettingsDialog
from .share import LibrarySharing
from .share_dialog import ShareDialog
from .sidebar import Sidebar
from .similar_panel import ScoreDropTarget, SimilarPanel
from . import index_status
from .status import JobIndicator
from .tags_panel import TagsPanel
from .thumbnails import ThumbnailCache
from .vocabulary_editor import VocabularyEditor
from .watcher import FolderWatcher

REFRESH_MS = 1000           # the table is re-read at most this often while the library changes
MODEL_DELAY_MS = 300        # the model starts loading this long after the first paint
ALL_ROWS = 10_000_000
FILTER_LABEL_WIDTH = 200    # the "Only: …" label never widens the middle (the sidebar kept its width)


def tags_caption(tags: dict[str, list[str]]) -> str:
    return ", ".join(label for labels in tags.values() for label in labels)


class MainWindow(OrganiseActions, ScoreDropTarget, QMainWindow):
    def __init__(self, settings: Settings | None = None, window_state: WindowState | None = None,
                 first_run=None):
        super().__init__()
        self.settings = settings or Settings()
        self.sharing = LibrarySharing(self.settings, parent=self)
        self._share_dialog: ShareDialog | None = None
        self.window_state = window_state or WindowState()
        self.first_run = first_run
        self.setWindowTitle("clamp-desktop")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.query_mode = KEYWORD
        self.closed_cleanly = False     # set on close: threads joined, library closed (the process may just end)
        self.last_semantic = None
        self.selected: dict | None = None
        self._open_library()
        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_status_bar()
        self._restore_window_state()
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_library)
        QTimer.singleShot(0, self, self._after_first_paint)

    # --- the library, worker and reader ---------------------------------------------------

    def _open_library(self) -> None:
        db = self.settings.db_path()
        self.worker = Worker(db, self.settings.model(), self.settings.device(), parent=self)
        self.reader = LibraryReader(db, self.settings.model(), parent=self)
        ratio = self.devicePixelRatioF() or 1.0
        self.thumbnails = ThumbnailCache(self.worker, self.settings.get("viewer/thumbnail_width"), ratio, self)
        self.watcher = FolderWatcher(self.settings.get("watch/delay_s"), self)
        self.watcher.changed.connect(self.index_library)
        self.worker.jobStarted.connect(self._job_started)
        self.worker.jobEnded.connect(self._job_ended)
        self.worker.libraryChanged.connect(self._library_changed)
        self.worker.modelReady.connect(self._model_ready)
        self.reader.changed.connect(self._library_changed)
        self._sidebar_job = None        # the latest request for the sidebar's counts
        self._sidebar_shown = 0         # the number of the job whose counts the sidebar shows
        self._sidebar_counts = None     # jobs.SidebarCounts, kept while newer ones are counted
        self._sidebar_lists = ([], [])  # folders and collections, read on this thread (quick)

    def _close_library(self) -> bool:
        """Stop watching, end the worker's threads (jobs cancelled) and close the library; True when all ended."""
        self.watcher.stop()
        ended = self.worker.shutdown()
        self.reader.close()
        for thing in (self.watcher, self.worker, self.reader, self.thumbnails):
            thing.deleteLater()
        return ended

    # --- building ----------------------------------------------------------------------

    def _build_central(self) -> None:
        self.search_bar = SearchBar()
        self.search_bar.keywordSearch.connect(self.keyword_search)
        self.search_bar.semanticSearch.connect(self.semantic_search)
        self.filter_label = ElidedLabel(width=FILTER_LABEL_WIDTH)
        self.clear_filter_button = QToolButton(text="Show all", toolTip="Clear the sidebar filter")
        self.clear_filter_button.clicked.connect(lambda: self.sidebar.clear_filter())
        self.results_label = QLabel(wordWrap=True)     # wraps rather than widening the window's middle
        self.results_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.results_label.linkActivated.connect(lambda _link: self.search_bar.run_keyword())
        info = QHBoxLayout()
        info.addWidget(self.results_label, 1)
        info.addWidget(self.filter_label, 0)
        info.addWidget(self.clear_filter_button)
        self.model = PieceTableModel(self.thumbnails, self._extras, self, editor=self.edit_in_table)
        self.table = LibraryTable(self.model, self.thumbnails.width)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)     # F2: title, composer
        self.table.show_scores(False)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sort)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.table.doubleClicked.connect(lambda _: self.viewer.setFocus())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(4, 4, 0, 4)
        column.addWidget(self.search_bar)
        column.addLayout(info)
        column.addWidget(self.table, 1)
        self.viewer = ScoreViewer(self.worker, settings=self.settings)
        self.viewer.setObjectName("scoreViewer")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.viewer)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)
        self._show_filter(None)

    def _build_docks(self) -> None:
        self.sidebar = Sidebar()
        self.sidebar.filterChosen.connect(self._sidebar_filter)
        self.sidebar.composerRenameRequested.connect(self.rename_composer)
        self.sidebar.collectionRequested.connect(self.collection_request)
        self.sidebar_dock = QDockWidget("Library", self)
        self.sidebar_dock.setObjectName("sidebarDock")
        self.sidebar_dock.setWidget(self.sidebar)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.sidebar_dock)
        self.similar_dock = LazyDock("Similar pieces", "similarDock", self._make_similar_panel, self)
        self.tags_dock = LazyDock("Tags", "tagsDock", self._make_tags_panel, self)
        self.problems_dock = LazyDock("Problems", "problemsDock", self._make_problems_panel, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.similar_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.tags_dock)
        self.tabifyDockWidget(self.similar_dock, self.tags_dock)
        self.similar_dock.raise_()
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()
        self._build_organise_docks(Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea)

    def _make_similar_panel(self) -> SimilarPanel:
        panel = SimilarPanel(self.worker, self.settings.get("similar/count"),
                             self.settings.get("similar/min_cosine"))
        panel.openPiece.connect(self.open_piece)
        panel.pieceMenuRequested.connect(lambda piece, where: piece_menu(piece, self, panel).exec(where))
        if self.selected is not None:
            QTimer.singleShot(0, panel, lambda: panel.show_for_piece(self.selected))
        return panel

    def _make_tags_panel(self) -> TagsPanel:
        panel = TagsPanel(self.worker, self.reader)
        panel.editVocabularies.connect(self.edit_vocabularies)
        panel.tagsChanged.connect(lambda _: self.model.refresh_tags())
        panel.show_for(self.selected)
        return panel

    def _make_problems_panel(self) -> ProblemsPanel:
        panel = ProblemsPanel(self.reader)
        panel.reindex.connect(self.index_library)
        return panel

    def _action(self, name: str, text: str, slot, shortcut=None, icon_name: str | None = None,
                tip: str = "") -> QAction:
        action = QAction(icon(icon_name) if icon_name else icon(name), text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        action.setStatusTip(tip or without_mnemonic(text).rstrip("…"))
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        a = self._action
        a("add_folder", "&Add a folder of scores…", self.choose_folder, QKeySequence.StandardKey.Open, "add")
        a("similar_file", "Find pieces similar to a &file…", self.similar_to_file_dialog, "Ctrl+Shift+O",
          "similar")
        a("settings", "&Settings…", self.show_settings, QKeySequence.StandardKey.Preferences)
        a("share", "Share library on my &network…", self.show_sharing, None, "semantic",
          "Search and read the library from a phone or tablet's browser")
        a("quit", "&Quit", self.close, QKeySequence.StandardKey.Quit)
        a("index", "&Index new and changed files", self.index_library, "F5")
        a("reindex", "&Re-index everything", self.reindex_library, "Shift+F5", "index")
        a("tag", "&Tag the library", self.tag_library, "Ctrl+T", "tag")
        a("vocabularies", "Edit tag &vocabularies…", self.edit_vocabularies, "Ctrl+Shift+T", "tag")
        a("cancel", "&Cancel the running job", self.cancel_job, "Ctrl+.", "cancel")
        a("problems", "&Problems…", lambda: self.problems_dock.reveal(), "Ctrl+Shift+P")
        a("find", "&Search the library", self.focus_search, QKeySequence.StandardKey.Find, "search")
        a("semantic", "&Describe: semantic search", self.search_bar.run_semantic, "Ctrl+Return", "semantic")
        a("keyword", "&Filter: keyword search", self.search_bar.run_keyword, "Ctrl+K", "search")
        a("clear_search", "&Clear search and filters", self.clear_search, "Ctrl+Shift+K", "cancel")
        a("similar", "Show &similar pieces", lambda: self.similar_dock.reveal(), "Ctrl+L", "similar")
        a("tags", "Show &tags", lambda: self.tags_dock.reveal(), "Ctrl+G", "tag")
        a("focus_viewer", "Go to the &score", self.viewer.setFocus, "Ctrl+E", "file")
        a("export", "&Export the library…", self.export_dialog, None, "file",
          "Save every piece with its details and tags as a CSV or JSON file")
        a("user_guide", "&User guide", lambda: self.show_help("user-guide.md"), QKeySequence.StandardKey.HelpContents,
          "file")
        a("search_syntax", "&Search syntax", lambda: self.show_help("search.md"), None, "search")
        a("about", "&About clamp-desktop", self.show_about, None, "clamp-desktop")
        self._build_organise_actions()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        menus = {
            "&File": ["add_folder", "similar_file", "export", None, "backup", "restore", None, "share", "settings",
                      None, "quit"],
            "&Library": ["index", "reindex", None, "tag", "vocabularies", None, "duplicates", "new_collection", None,
                         "cancel", "problems"],
            "&Piece": ["edit_metadata", "favourite", "rate_0", "rate_1", "rate_2", "rate_3", "rate_4", "rate_5", None,
                       "add_to_collection", "hide_copy"],
            "&Search": ["find", "keyword", "semantic", "clear_search", None, "similar", "tags"],
        }
        for title, names in menus.items():
            menu = bar.addMenu(title)
            for name in names:
                if name is None:
                    menu.addSeparator()
                else:
                    menu.addAction(self.actions_by_name[name])
        view = bar.addMenu("&View")
        view.addAction(self.actions_by_name["focus_viewer"])
        for name in ("first", "previous", "next", "last", None, "zoom_in", "zoom_out", "fit_width", "fit_page",
                     "actual_size", None, "perform", "print", "save_pdf", "save_midi"):
            if name is None:
                view.addSeparator()
            else:
                view.addAction(self.viewer.actions_by_name[name])
        view.addSeparator()
        for dock in (self.sidebar_dock, self.similar_dock, self.tags_dock, self.problems_dock, self.collection_dock,
                     self.duplicates_dock):
            view.addAction(dock.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        for name in ("user_guide", "search_syntax", None, "about"):
            if name is None:
                help_menu.addSeparator()
            else:
                help_menu.addAction(self.actions_by_name[name])
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        for name in ("add_folder", "index", "tag", "similar_file", None, "semantic", None, "cancel"):
            if name is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.actions_by_name[name])

    def _build_status_bar(self) -> None:
        self.jobs = JobIndicator()
        self.statusBar().addPermanentWidget(self.jobs)
        self.jobs.show_device(self.reader.model_name, None)
        self.actions_by_name["cancel"].setEnabled(False)

    # --- window state --------------------------------------------------------------------

    def _restore_window_state(self) -> None:
        state = self.window_state
        if (geometry := state.load("window/geometry")) is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 900)
            self.splitter.setSizes([720, 440])
            self.resizeDocks([self.sidebar_dock, self.similar_dock], [220, 260], Qt.Orientation.Horizontal)
        if (docks := state.load("window/state")) is not None:
            self.restoreState(docks)
        if (splitter := state.load("window/splitter")) is not None:
            self.splitter.restoreState(splitter)
        if (columns := state.load("table/header")) is not None:
            self.table.horizontalHeader().restoreState(columns)
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    def save_window_state(self) -> None:
        state = self.window_state
        state.save("window/geometry", self.saveGeometry())
        state.save("window/state", self.saveState())
        state.save("window/splitter", self.splitter.saveState())
        state.save("table/header", self.table.horizontalHeader().saveState())

    def closeEvent(self, event) -> None:
        self.sharing.stop()
        self.save_window_state()
        self.viewer.playback.shutdown()
        self._rolling_backup()
        self.closed_cleanly = self._close_library()
        super().closeEvent(event)

    # --- start-up ------------------------------------------------------------------------

    def _after_first_paint(self) -> None:
        self.refresh_library()
        self.reader.watch()
        self._watch_folders()
        if self.first_run is not None:
            self._start_first_run(self.first_run)
        elif index_status.resume_unfinished(self):
            pass
        elif self.reader.library is None or not self.reader.folders():
            self.statusBar().showMessage("Add a folder of scores to start (File ▸ Add a folder of scores).")
        QTimer.singleShot(MODEL_DELAY_MS, self.worker, self.worker.load_model)

    def _start_first_run(self, choice) -> None:
        from ..model.registry import REGISTRY

        entry = REGISTRY.get(choice.model)
        if entry is not None and not entry.is_bundled:
            self.download_model(choice.model, then=lambda: self.worker.index(choice.folders(),
                                                                               **self._index_options()))
        else:
            self.worker.index(choice.folders(), **self._index_options())

    def _index_options(self) -> dict:
        return {"workers": self.settings.get("library/workers") or None,
                "suffixes": MUSICXML_SUFFIXES if self.settings.get("library/musicxml_only") else None}

    def download_model(self, name: str, then=None) -> None:
        """Download a published model with a progress dialog, then carry on."""
        job = self.worker.download_model(name)
        dialog = QProgressDialog(f"Downloading {name}…", "Cancel", 0, 0, self)
        dialog.setWindowTitle("Downloading the model")
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(job.cancel)
        job.yielded.connect(lambda p: (dialog.setMaximum(max(p.total, 1)), dialog.setValue(min(p.done, p.total))))
        job.finished.connect(dialog.reset)
        job.errored.connect(lambda message: QMessageBox.warning(self, "The model cannot be downloaded", message))
        if then is not None:
            job.returned.connect(lambda _folder: then())
        self.download_dialog = dialog

    # --- listing ----------------------------------------------------------------------------

    def _query(self, text: str) -> str:
        chosen = self.sidebar.current_filter()
        return f"{text} {chosen.term}".strip() if chosen is not None and chosen.term else text

    def _folder(self) -> str | None:
        chosen = self.sidebar.current_filter()
        return chosen.folder if chosen is not None else None

    def keyword_search(self, text: str) -> None:
        self.query_mode = KEYWORD
        self._list_keyword(self._query(text))

    def _list_keyword(self, query: str) -> None:
        folder = self._folder()
        self.thumbnails.forget_pending()
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        selected_id = self.selected["id"] if self.selected else None
        self.table.show_scores(False)
        chosen = self.sidebar.current_filter()
        if chosen is not None and chosen.collection and not chosen.smart and not self.search_bar.text().strip():
            self.model.show_rows([Row(p) for p in self.reader.collection_pieces(chosen.collection)], False)
            self.results_label.setText(f"{plural(self.model.total, 'piece')} in “{chosen.collection}”, in its order")
            self._reselect(selected_id)
            return
        if folder is None:
            note = {}

            def fetch(offset: int, limit: int):
                result = self.reader.listing(query, top=limit, offset=offset)
                note["message"] = " — ".join(query_notes(result))
                return [Row(h.piece) for h in result.hits], result.total

            self.model.show(fetch, scored=False)
            message = note.get("message")
        else:
            result = self.reader.listing(query, top=ALL_ROWS)
            prefix = folder.rstrip(os.sep) + os.sep
            self.model.show_rows([Row(h.piece) for h in result.hits if h.piece["path"].startswith(prefix)], False)
            message = " — ".join(query_notes(result))
        what = plural(self.model.total, "piece") if query or folder else f"All {plural(self.model.total, 'piece')}"
        self.results_label.setText(what + (f" — {message}" if message else ""))
        self._reselect(selected_id)

    def semantic_search(self, text: str) -> None:
        self.query_mode = SEMANTIC
        query = self._query(text)
        self.results_label.setText(f"Asking CLaMP for “{text}”…")
        job = self.worker.search(query, top=self.settings.get("search/page_size"), words_first=True)
        self.last_semantic = job
        job.returned.connect(lambda result: self._semantic_results(job, text, result))
        job.errored.connect(lambda message: self._semantic_failed(job, message))

    def _semantic_results(self, job, text: str, result) -> None:
        """Show the ranking; the piece on show stays (Enter opens nothing by itself)."""
        if job is not self.last_semantic or self.query_mode != SEMANTIC:
            return
        folder = self._folder()
        floor = self.settings.get("search/min_cosine")
        hits = [h for h in result.hits if h.cosine is None or h.matched or h.cosine >= floor]
        if folder is not None:
            hits = [h for h in hits if h.piece["path"].startswith(folder.rstrip(os.sep) + os.sep)]
        self.thumbnails.forget_pending()
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        selected_id = self.selected["id"] if self.selected else None
        self.model.show_rows([Row(h.piece, h.cosine, h.probability, h.matched, h.relevance) for h in hits],
                             scored=True)
        self.table.show_scores(True)
        from ..engine.search import WORDS_LABEL

        words = sum(WORDS_LABEL in h.matched for h in hits)      # within the sidebar's folder, if one is chosen
        self.results_label.setText(semantic_caption(text, len(hits), words, result))
        self._reselect(selected_id)

    def _semantic_failed(self, job, message: str) -> None:
        if job is self.last_semantic:
            self.results_label.setText(f"Search failed: {message}")
            self.statusBar().showMessage(message, 10_000)

    def refresh_library(self) -> None:
        """Re-read the listing (keyword mode), then the sidebar, from the library."""
        self.reader.check()
        if self.query_mode == KEYWORD:
            self._list_keyword(self._query(self.search_bar.text()))
        if self.problems_dock.panel is not None:
            self.problems_dock.panel.refresh()
        self._show_chosen_collection()
        self.setWindowTitle(f"clamp-desktop — {self.settings.db_path().name}")
        self.refresh_sidebar()         # the counts come later, from the read lane: the rows show first

    def refresh_sidebar(self):
        """Folders and collections at once; the facets and total when the read lane has counted them.

        Until then the sidebar keeps the previous counts (or says it is
        counting).  A request made while another waits is merged into it; the
        counts of an older job that arrive after newer ones are not shown.
        Returns the counting job (None when the vocabularies cannot be read).
        """
        self._sidebar_lists = (self.reader.folders(), self.reader.collections())
        try:
            vocabularies = self.reader.vocabularies()
        except Exception as exc:  # a half-written vocabulary must not keep the library from showing
            self._sidebar_unavailable(str(exc))
            return None
        job = self.worker.sidebar_counts(vocabularies)
        if job is not self._sidebar_job:
            self._sidebar_job = job
            job.returned.connect(lambda counts, job=job: self._sidebar_counted(job, counts))
            job.errored.connect(lambda message, job=job: self._sidebar_failed(job, message))
        self._show_sidebar()
        return job

    def _show_sidebar(self) -> None:
        counts, (folders, collections) = self._sidebar_counts, self._sidebar_lists
        counting = self._sidebar_job is not None and self._sidebar_job.number > self._sidebar_shown \
            and not self._sidebar_job.done
        self.sidebar.fill(folders, counts.facets if counts else {}, counts.total if counts else None, collections,
                          counting=counting)

    def _sidebar_counted(self, job, counts) -> None:
        if job.number < self._sidebar_shown:
            return          # older than what is shown
        self._sidebar_shown, self._sidebar_counts = job.number, counts
        self._show_sidebar()

    def _sidebar_failed(self, job, message: str) -> None:
        if job is self._sidebar_job:
            self._sidebar_unavailable(message)

    def _sidebar_unavailable(self, message: str) -> None:
        self._sidebar_counts = None
        self._sidebar_shown = self._sidebar_job.number if self._sidebar_job is not None else 0
        self._show_sidebar()
        self.statusBar().showMessage(f"Facets are unavailable: {message}", 10_000)

    def _library_changed(self) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def rename_composer(self, old: str, new: str | None = None):
        """Show composer ``old`` as ``new`` (asked for when not given); an existing name merges the two.

        Kept in the library, not written to the files; returns the job, or None when cancelled.
        """
        if new is None:
            new, accepted = QInputDialog.getText(
                self, "Rename composer", f"Show “{old}” as (an existing name merges the two;\n"
                "kept in this library, the score files are not changed):", text=old)
            if not accepted:
                return None
        new = " ".join(new.split())
        if not new or new == old:
            return None
        job = self.worker.rename_composer(old, new)
        job.returned.connect(lambda count: self.statusBar().showMessage(
            f"{old} is now shown as {new} ({plural(count, 'piece')})", 10_000))
        job.errored.connect(lambda message: self.statusBar().showMessage(message, 10_000))
        return job

    def _extras(self, piece_ids: list[int]) -> dict[int, dict]:
        """Tags, key and metre as shown (the key/metre from the ABC where the metadata has none)."""
        try:
            tags = self.reader.visible_tags(piece_ids)
            keys = self.reader.key_and_meter(piece_ids)
            marks, edited = self.reader.marks(piece_ids), self.reader.edited(piece_ids)
        except Exception:  # extra information: the table shows without it
            return {}
        return {pid: {"tags": tags_caption(tags.get(pid, {})), "key": keys.get(pid, (None, None))[0],
                      "time_signature": keys.get(pid, (None, None))[1], "edited": edited.get(pid, set()),
                      "rating": marks.get(pid, {}).get("rating"), "favourite": marks.get(pid, {}).get("favourite")}
                for pid in piece_ids}

    def _sort(self, column: int, order) -> None:
        if column >= 0:
            self.model.sort(column, order)

    def _sidebar_filter(self, chosen) -> None:
        self._show_filter(chosen)
        if chosen is not None and chosen.collection:
            self.collection_dock.reveal()
        self._show_chosen_collection()
        if self.query_mode == SEMANTIC and self.search_bar.text():
            self.semantic_search(self.search_bar.text())
        else:
            self.keyword_search(self.search_bar.text())

    def _show_filter(self, chosen) -> None:
        """The sidebar's choice in a few words (a folder by its name; the whole path in the tooltip)."""
        if chosen is None:
            self.filter_label.setText("")
        else:
            short = (Path(chosen.folder).name or chosen.folder) if chosen.folder else chosen.label
            self.filter_label.setText(f"Only: {short}", chosen.folder or chosen.label)
        self.filter_label.setVisible(chosen is not None)
        self.clear_filter_button.setVisible(chosen is not None)

    def _scrolled(self, _value: int) -> None:
        self.thumbnails.forget_pending()
        self.table.viewport().update()

    def clear_search(self) -> None:
        self.search_bar.set_text("")
        self.sidebar.clear_filter()
        self.keyword_search("")

    def focus_search(self) -> None:
        self.search_bar.edit.setFocus()
        self.search_bar.edit.selectAll()

    # --- the selected piece ---------------------------------------------------------------------

    def _row_chosen(self, current, _previous) -> None:
        if not current.isValid():
            return          # the table is being refilled: the piece on show stays
        piece = self.model.data(current, PieceRole)
        if self.selected is not None and piece["id"] == self.selected["id"]:
            self.selected = piece
            return
        self._show_piece(piece)

    def _show_piece(self, piece: dict | None) -> None:
        self.selected = piece
        self.viewer.show_piece(piece)
        if piece is not None and self.similar_dock.panel is not None and self.similar_dock.isVisible():
            self.similar_dock.panel.show_for_piece(piece)
        if self.tags_dock.panel is not None:
            self.tags_dock.panel.show_for(piece)

    def _reselect(self, piece_id: int | None) -> None:
        row = self.model.row_of(piece_id) if piece_id is not None else None
        if row is not None:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, COLUMN["title"]),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def open_piece(self, piece: dict) -> None:
        """Show a piece (from the similar list): select its row when listed, else just show it."""
        row = self.model.row_of(piece["id"])
        if row is None:
            self.search_bar.set_text("")
            self.sidebar.clear_filter()
            self.keyword_search("")
            while (row := self.model.row_of(piece["id"])) is None and self.model.canFetchMore():
                self.model.fetchMore()
        if row is not None:
            self._reselect(piece["id"])
            self.table.scrollTo(self.model.index(row, COLUMN["title"]))
        else:
            self._show_piece(piece)

    def _table_menu(self, position) -> None:
        index = self.table.indexAt(position)
        if index.isValid():
            self.table.selectRow(index.row())     # the menu's edit, rate and collection entries act on it
        piece = self.model.data(index, PieceRole)
        if piece is not None:
            piece_menu(piece, self, self.table).exec(self.table.viewport().mapToGlobal(position))

    def find_similar(self, piece: dict) -> None:
        self.similar_dock.reveal().show_for_piece(piece)

    # --- jobs --------------------------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of scores")
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str):
        job = self.worker.add_folder(folder, **self._index_options())
        job.finished.connect(self._watch_folders)
        return job

    def remove_folder(self, folder: str):
        job = self.worker.remove_folder(folder)
        job.finished.connect(self._watch_folders)
        return job

    def index_library(self):
        job = self.worker.index(None, **self._index_options())
        job.finished.connect(self.watcher.rescan)
        job.returned.connect(lambda _summary: self._model_complete())
        return job

    def _model_complete(self) -> None:
        """An index run finished: the chosen model has its vectors and now serves search."""
        from .reader import stored_model_name

        self.reader.model_name = stored_model_name(self.settings.model())
        self.jobs.show_device(self.reader.model_name, None)

    def reindex_library(self):
        answer = QMessageBox.question(self, "Re-index everything",
                                      "Encode every piece again with the current model? This can take long.")
        if answer == QMessageBox.StandardButton.Yes:
            return self.worker.reindex(**self._index_options())
        return None

    def tag_library(self):
        job = self.worker.tag()
        job.returned.connect(lambda summary: self.statusBar().showMessage(
            getattr(summary, "message", None)
            or f"Tagged {plural(summary.pieces, 'piece')}: {plural(summary.visible, 'tag')} shown",
            10_000))
        job.finished.connect(self.reader.reload_vocabularies)
        return job

    def cancel_job(self) -> None:
        self.jobs.cancel()

    def _job_started(self, job) -> None:
        if job.lane == self.worker.engine.objectName() and not job.interactive:
            self.jobs.track(job)
            self.actions_by_name["cancel"].setEnabled(True)

    def _job_ended(self, job) -> None:
        if job.lane != self.worker.engine.objectName():
            return
        if job.error:
            self.statusBar().showMessage(job.error, 15_000)
        elif job.state == "returned" and hasattr(job.result, "added"):
            self.statusBar().showMessage(index_status.finished_message(job.result), 15_000)
        elif job.state == "aborted" and (cancelled := index_status.cancelled_message(job, self.reader.library)):
            self.statusBar().showMessage(cancelled, 15_000)
        self.jobs.ended(job)
        self.actions_by_name["cancel"].setEnabled(self.jobs.job is not None)

    def _model_ready(self, info) -> None:
        self.jobs.show_device(info.name, info.device)

    def _watch_folders(self) -> None:
        if self.settings.get("watch/enabled"):
            self.watcher.watch(self.reader.folders())
        else:
            self.watcher.stop()

    # --- dialogs ------------------------------------------------------------------------------------

    def show_sharing(self) -> ShareDialog:
        """The "Share library on my network" switch (the server keeps running when the dialog closes)."""
        if self._share_dialog is None:
            self._share_dialog = ShareDialog(self.sharing, self)
        self._share_dialog.show()
        self._share_dialog.raise_()
        return self._share_dialog

    def show_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self.reader.folders(), self)
        dialog.addFolder.connect(self.add_folder)
        dialog.removeFolder.connect(self.remove_folder)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.applied))
        dialog.open()
        return dialog

    def apply_settings(self, changed: dict) -> None:
        if "library/db" in changed:
            self._close_library()
            self._open_library()
            self.viewer.worker = self.worker
            self.model.use_thumbnails(self.thumbnails)
            for dock in (self.similar_dock, self.tags_dock, self.problems_dock):
                dock.reset()
            self.selected = None
            self.viewer.show_piece(None)
            self._after_first_paint()
            return
        if {"model/name", "model/device", "model/whole_pieces"} & set(changed):
            self.worker.use_model(self.settings.model(), self.settings.device())
            # search keeps the previous model's vectors until the new model's index run completes
            from ..model.registry import REGISTRY

            entry = REGISTRY.get(self.settings.get("model/name") or "")
            if entry is not None and not entry.is_bundled:
                self.download_model(entry.name, then=self.index_library)
            else:
                self.index_library()
        if {"watch/enabled", "watch/delay_s"} & set(changed):
            self.watcher._debounce.setInterval(round(self.settings.get("watch/delay_s") * 1000))
            self._watch_folders()

    def edit_vocabularies(self) -> VocabularyEditor:
        editor = VocabularyEditor(self.worker, self.reader, self)
        editor.finished.connect(lambda _: self._vocabularies_edited())
        editor.open()
        return editor

    def _vocabularies_edited(self) -> None:
        self.reader.reload_vocabularies()
        if self.tags_dock.panel is not None:
            self.tags_dock.panel._fill_vocabularies()
            self.tags_dock.panel.refresh()
        self.refresh_library()

    def similar_to_file_dialog(self) -> None:
        self.similar_dock.reveal().choose_file()

    def similar_to_file(self, path: str) -> None:
        self.similar_dock.reveal().show_for_file(path)

    def export_dialog(self) -> None:
        choose_and_export(self)

    def export_library(self, path: str, fmt: str | None = None) -> int | None:
        return export_library(self, path, fmt)

    def show_help(self, page: str):
        return show_help(self, page)

    def show_about(self):
        info = self.worker.model_info
        return show_about(self, info.name if info else self.reader.model_name, info.device if info else None)

    # --- drag and drop of an outside score -------------------------------------------------------

    def score_dropped(self, path: str) -> None:
        self.similar_to_file(path)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.similar_dock.isVisible():
            self.similar_dock.build()

"""The main window's part for organising the library: edits, ratings, marks, duplicates, backup.

A mixin of ``MainWindow``: reads go through its ``LibraryReader``, every
change is an engine verb run on the ``Worker`` (``worker.change``), and the
window re-reads the listing when the library changed.  Nothing here knows SQL.
Collections are ``CollectionActions``.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..engine import backup, organise
from .collection_actions import CollectionActions
from .collection_panel import CollectionPanel
from .duplicates_panel import DuplicatesPanel
from .edit_form import EditForm, apply_changes
from .lazy import LazyDock
from .piece_menu import piece_menu


class OrganiseActions(CollectionActions):
    # --- building --------------------------------------------------------------------

    def _build_organise_docks(self, area_right, area_bottom) -> None:
        self.collection_dock = LazyDock("Collection", "collectionDock", self._make_collection_panel, self)
        self.duplicates_dock = LazyDock("Duplicates", "duplicatesDock", self._make_duplicates_panel, self)
        self.addDockWidget(area_right, self.collection_dock)
        self.tabifyDockWidget(self.similar_dock, self.collection_dock)
        self.addDockWidget(area_bottom, self.duplicates_dock)
        self.collection_dock.hide()
        self.duplicates_dock.hide()

    def _build_organise_actions(self) -> None:
        a = self._action
        a("edit_metadata", "&Edit metadata…", self.edit_metadata, "Ctrl+I", "file")
        a("favourite", "&Favourite", self.toggle_favourite, "Ctrl+D", "add")
        for stars in range(6):
            a(f"rate_{stars}", "No rating" if stars == 0 else "★" * stars, lambda _=False, s=stars: self.rate(s),
              f"Alt+{stars}", "tag", f"Rate the piece {stars} stars" if stars else "Clear the rating")
        a("hide_copy", "&Hide this copy", self.hide_selected, None, "cancel",
          "Keep this piece out of the library view (Collections ▸ Hidden copies lists them)")
        a("new_collection", "&New collection…", lambda: self.collection_request("new", ""), "Ctrl+Shift+N", "add")
        a("add_to_collection", "Add to &collection…", self.add_to_collection_dialog, "Ctrl+Shift+C", "add")
        a("duplicates", "Find &duplicates…", self.show_duplicates, "Ctrl+Shift+D", "similar")
        a("backup", "&Back up my library data…", self.backup_dialog, None, "file")
        a("restore", "&Restore from a backup…", self.restore_dialog, None, "open")

    def _make_collection_panel(self) -> CollectionPanel:
        panel = CollectionPanel()
        panel.moved.connect(self.move_in_collection)
        panel.removeRequested.connect(self.remove_from_collection)
        panel.exportRequested.connect(self.export_setlist)
        panel.openPiece.connect(self._open_piece_id)
        QTimer.singleShot(0, self, self._show_chosen_collection)
        return panel

    def _make_duplicates_panel(self) -> DuplicatesPanel:
        panel = DuplicatesPanel()
        panel.refreshRequested.connect(self.find_duplicates)
        panel.notDuplicates.connect(lambda ids: self._change("Marking not duplicates", organise.mark_not_duplicates,
                                                             ids, then=self.find_duplicates))
        panel.hideCopies.connect(self.hide_pieces)
        panel.openPiece.connect(self._open_piece_id)
        return panel

    # --- the chosen piece --------------------------------------------------------------

    def _change(self, label: str, verb, *args, then=None, **kwargs):
        """Run an engine verb that changes the library; errors go to the status bar."""
        job = self.worker.change(label, verb, *args, **kwargs)
        self.last_change = job
        job.errored.connect(lambda message: self.statusBar().showMessage(message, 10_000))
        if then is not None:
            job.returned.connect(lambda _result: then())
        return job

    def _piece_menu(self):
        """The context menu of the piece on show (the table's right-click menu)."""
        return piece_menu(self.selected, self, self)

    def add_organise_entries(self, menu) -> None:
        """Edit, favourite, rate, add to / remove from a collection, hide or show: for the piece on show."""
        piece_id = self.selected["id"]
        chosen = self.sidebar.current_filter()
        current = chosen.collection if chosen is not None and not chosen.smart else None
        member_of = self.reader.collections_of([piece_id]).get(piece_id, [])
        actions = self.actions_by_name
        menu.addAction(actions["edit_metadata"])
        menu.addAction(actions["favourite"])
        rate = menu.addMenu("Rate")
        for stars in range(6):
            rate.addAction(actions[f"rate_{stars}"])
        add = menu.addMenu("Add to collection")
        add.setObjectName("addToCollectionMenu")
        for collection in self.reader.collections():
            if not collection.get("smart"):
                name = collection["name"]
                action = add.addAction(name, lambda name=name: self.add_to_collection(name, [piece_id]))
                action.setEnabled(name not in member_of)
        add.addSeparator()
        add.addAction(actions["new_collection"])
        if current is not None and current in member_of:
            menu.addAction(f"Remove from “{current}”", lambda: self.remove_from_collection(current, [piece_id]))
        menu.addSeparator()
        if self.reader.marks([piece_id]).get(piece_id, {}).get("hidden", False):
            menu.addAction("Show this copy again",
                           lambda: self._change("Showing a copy", organise.set_hidden, piece_id, False))
        else:
            menu.addAction(actions["hide_copy"])

    def edit_metadata(self) -> EditForm | None:
        if self.selected is None:
            return None
        piece_id = self.selected["id"]
        form = EditForm(self.reader.piece(piece_id) or self.selected, self.reader.edited_fields(piece_id), self)
        form.accepted.connect(lambda: self._change("Editing metadata", apply_changes, piece_id, *form.changes()))
        form.open()
        return form

    def edit_in_table(self, piece_id: int, field: str, value: str) -> None:
        self._change("Editing metadata", organise.edit_piece, piece_id, **{field: value})

    def rate(self, stars: int):
        if self.selected is not None:
            return self._change("Rating", organise.rate, self.selected["id"], stars)
        return None

    def toggle_favourite(self):
        if self.selected is None:
            return None
        piece_id = self.selected["id"]
        now = self.reader.marks([piece_id]).get(piece_id, {}).get("favourite", False)
        return self._change("Favourite", organise.set_favourite, piece_id, not now)

    def hide_selected(self):
        return self.hide_pieces([self.selected["id"]]) if self.selected is not None else None

    def hide_pieces(self, piece_ids: list[int]):
        def hide_all(library, ids):
            for piece_id in ids:
                organise.set_hidden(library, piece_id, True)

        return self._change("Hiding copies", hide_all, piece_ids, then=self.find_duplicates)

    # --- duplicates, backup -------------------------------------------------------------------------

    def show_duplicates(self) -> DuplicatesPanel:
        panel = self.duplicates_dock.reveal()
        self.find_duplicates()
        return panel

    def find_duplicates(self):
        panel = self.duplicates_dock.panel
        if panel is None:
            return None
        panel.searching()
        job = self.worker.find_duplicates()
        job.returned.connect(lambda groups: panel.show_groups(groups, self.reader.hidden_ids()))
        job.errored.connect(panel.failed)
        return job

    def backup_dialog(self, path: str | None = None):
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Back up my library data", "clamp-backup.json", "JSON (*.json)")
        if not path:
            return None
        job = self.worker.library_job("Backing up", backup.write_backup, path)
        job.returned.connect(lambda _: self.statusBar().showMessage(f"Backed up to {path}", 10_000))
        job.errored.connect(lambda message: QMessageBox.warning(self, "Backup failed", message))
        return job

    def restore_dialog(self, path: str | None = None):
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Restore from a backup", "", "JSON (*.json)")
        if not path:
            return None
        job = self._change("Restoring", backup.restore_backup, path)
        job.returned.connect(self._restored)
        job.errored.connect(lambda message: QMessageBox.warning(self, "Restore failed", message))
        return job

    def _restored(self, report) -> None:
        missing = report.missing
        text = (f"Restored {report.pieces} pieces: {report.edits} edits, {report.collections} collections, "
                f"{report.tags} tags.")
        if missing:
            listed = "\n".join(f"{m.get('title') or ''} — {m['path']}" for m in missing[:20])
            more = f"\n… and {len(missing) - 20} more" if len(missing) > 20 else ""
            text += f"\n\n{len(missing)} pieces are not in this library yet (index their folders, then restore " \
                    f"again):\n{listed}{more}"
        QMessageBox.information(self, "Restore", text)

    def _rolling_backup(self) -> None:
        """A rolling backup when the window closes, if anything changed (engine.backup keeps the last 10)."""
        try:
            if self.reader.library is not None:
                backup.rolling_backup(self.reader.library)
        except Exception as exc:  # closing must not fail over a backup; the last one stays
            self.statusBar().showMessage(f"No rolling backup: {exc}")

    def _open_piece_id(self, piece_id: int) -> None:
        piece = self.reader.piece(piece_id)
        if piece is not None:
            self.open_piece(piece)

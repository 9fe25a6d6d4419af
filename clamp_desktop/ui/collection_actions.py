"""The main window's collections: add and remove pieces, reorder, create, rename, delete, export setlists.

A mixin of ``MainWindow`` beside ``OrganiseActions`` (whose ``_change`` runs
each engine verb on the worker); the sidebar and the Collection panel ask,
this does.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from ..engine import collections

SETLIST_FORMATS = {"A folder of numbered copies": "folder", "A CSV list": "csv", "A JSON list": "json"}


class CollectionActions:
    def add_to_collection(self, name: str, piece_ids: list[int]):
        job = self._change("Adding to a collection", collections.add_to_collection, name, piece_ids)
        job.returned.connect(lambda added: self.statusBar().showMessage(f"Added {added} to “{name}”", 5000))
        return job

    def add_to_collection_dialog(self) -> None:
        names = [c["name"] for c in self.reader.collections() if not c.get("smart")]
        if self.selected is None or not names:
            return self.collection_request("new", "") if self.selected is not None else None
        name, ok = QInputDialog.getItem(self, "Add to collection", "Collection:", names, 0, False)
        if ok:
            self.add_to_collection(name, [self.selected["id"]])

    def remove_from_collection(self, name: str, piece_ids: list[int]):
        return self._change("Removing from a collection", collections.remove_from_collection, name, piece_ids)

    def move_in_collection(self, name: str, piece_id: int, position: int):
        return self._change("Reordering", collections.move_in_collection, name, piece_id, position)

    def collection_request(self, what: str, name: str):
        """A sidebar or menu request: new, new smart, rename, edit search, delete, export."""
        if what == "export":
            return self.export_setlist(name)
        if what == "delete":
            sure = QMessageBox.question(self, "Delete collection", f"Delete “{name}”? The pieces stay in the library.")
            return self._change("Deleting a collection", collections.delete_collection, name) \
                if sure == QMessageBox.StandardButton.Yes else None
        prompts = {"new": "Name of the new collection:", "new smart": "Name of the new smart collection:",
                   "rename": f"Rename “{name}” to:", "edit search": f"Search of “{name}” (filters, keywords):"}
        text, ok = QInputDialog.getText(self, "Collection", prompts[what], text=name)
        if not ok or not text.strip():
            return None
        if what == "rename":
            return self._change("Renaming a collection", collections.rename_collection, name, text.strip())
        if what == "edit search":
            return self._change("Saving a search", collections.set_smart_query, name, text.strip())
        smart = None
        if what == "new smart":
            smart, ok = QInputDialog.getText(self, "Smart collection", "Search (e.g. composer:bach rating:>=4):",
                                             text=self.search_bar.text())
            if not ok or not smart.strip():
                return None
        job = self._change("Creating a collection", collections.create_collection, text.strip(), smart)
        if what == "new" and self.selected is not None:
            piece_id = self.selected["id"]
            job.returned.connect(lambda _: self.add_to_collection(text.strip(), [piece_id]))
        return job

    def _show_chosen_collection(self) -> None:
        panel = self.collection_dock.panel
        chosen = self.sidebar.current_filter()
        if panel is None:
            return
        if chosen is None or not chosen.collection:
            panel.show_collection(None, [])
        else:
            panel.show_collection(chosen.collection, self.reader.collection_pieces(chosen.collection), chosen.smart)

    def export_setlist(self, name: str, fmt: str | None = None, target: str | None = None):
        """A setlist as a folder of numbered copies or a CSV/JSON list (asked for when not given)."""
        if fmt is None:
            what, ok = QInputDialog.getItem(self, "Export setlist", f"Export “{name}” as:", list(SETLIST_FORMATS), 0,
                                            False)
            fmt = SETLIST_FORMATS[what] if ok else None
        if fmt is not None and target is None:
            target = QFileDialog.getExistingDirectory(self, "Copy the setlist's files into") if fmt == "folder" \
                else QFileDialog.getSaveFileName(self, "Save the setlist", f"{name}.{fmt}")[0]
        if not fmt or not target:
            return None
        verb, args = (collections.export_setlist_folder, (name, target)) if fmt == "folder" else \
            (_write_setlist, (name, fmt, target))
        job = self.worker.library_job("Exporting a setlist", verb, *args)
        job.returned.connect(lambda _: self.statusBar().showMessage(f"“{name}” exported to {target}", 10_000))
        job.errored.connect(lambda message: self.statusBar().showMessage(message, 10_000))
        return job


def _write_setlist(library, name: str, fmt: str, path: str) -> None:
    Path(path).write_text(collections.setlist_text(library, name, fmt), encoding="utf-8")

"""The sidebar: library folders and facets (composer, ensemble, era, tags by vocabulary, key, ...).

Choosing an entry filters the table: facets become filters of the search
syntax (``composer:"…"``, ``ensemble:"string quartet"``, ``tag:genre=chorale``,
``key:"G minor"``, ``meter:3/4``, ``lang:de``); a folder keeps the pieces
under it.  A composer's context menu renames or merges it.

The Collections section lists Favourites and the user's collections (a
manual one shows its pieces in its own order; a smart one is its saved
search); their context menu creates, renames, deletes and exports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QHeaderView, QMenu, QTreeWidget, QTreeWidgetItem

from .icons import icon

FilterRole = Qt.ItemDataRole.UserRole + 1
FACET_TITLES = {"composer": "Composers", "key": "Keys", "meter": "Meters", "ensemble": "Ensembles",
                "era": "Eras", "lang": "Lyrics languages", "tempo": "Tempo"}
COLLECTIONS = "Collections"
FACT_FACETS = ("ensemble", "era")       # shown after composers; the rest after key and meter
LATER_FACETS = ("lang", "tempo")
MAX_VALUES = 300        # per facet; the rest is reachable by typing a filter
COUNTING = "Counting…"       # short: the sidebar is narrow (the tooltip says what)


@dataclass(frozen=True)
class SidebarFilter:
    """What an entry selects: a folder (path prefix) or a query filter term."""

    label: str
    folder: str | None = None
    term: str | None = None
    collection: str | None = None     # the collection's name, when the entry is one
    smart: bool = False


FAVOURITES = SidebarFilter("Favourites", term="favourite:yes")
HIDDEN = SidebarFilter("Hidden copies", term="hidden:yes")


def collection_filter(collection: dict) -> SidebarFilter:
    """A collection as a sidebar entry: a manual one by the ``collection:`` filter, a smart one by its search."""
    name, smart = collection["name"], collection.get("smart")
    return SidebarFilter(name, term=smart if smart else f"collection:{quoted(name)}", collection=name,
                         smart=bool(smart))


def quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) or not value else value


def facet_term(facet: str, value: str) -> str:
    if facet.startswith("tags:"):
        return f"tag:{facet.split(':', 1)[1]}={quoted(value)}"
    return f"{facet}:{quoted(value)}"


class Sidebar(QTreeWidget):
    filterChosen = Signal(object)     # SidebarFilter, or None for the whole library
    composerRenameRequested = Signal(str)   # the composer's name as shown
    collectionRequested = Signal(str, str)  # (what: new, new smart, rename, edit search, delete, export), name

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setUniformRowHeights(True)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.itemSelectionChanged.connect(self._selected)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self._all = None
        self.fill([], {})

    def fill(self, folders: list[str], facets: dict[str, list[tuple[str, int]]], total: int | None = None,
             collections: list[dict] | None = None, counting: bool = False) -> None:
        """Rebuild the tree, the chosen entry kept; ``counting``: newer counts are on their way.

        With no counts yet, a line says they are being counted (seconds at a
        million pieces); earlier counts stay shown meanwhile.
        """
        self.counting = counting
        chosen = self.current_filter()
        expanded = {self.topLevelItem(i).text(0) for i in range(self.topLevelItemCount())
                    if self.topLevelItem(i).isExpanded()}
        self.blockSignals(True)
        self.clear()
        self._all = QTreeWidgetItem(self, ["All pieces", "" if total is None else str(total)])
        self._all.setIcon(0, icon("clamp-desktop"))
        self._fill_collections(collections or [])
        folder_group = self._group("Folders")
        for folder in folders:
            item = QTreeWidgetItem(folder_group, [folder.rstrip("/").rsplit("/", 1)[-1] or folder, ""])
            item.setToolTip(0, folder)
            item.setIcon(0, icon("open"))
            item.setData(0, FilterRole, SidebarFilter(folder, folder=folder))
        if counting and not facets:
            self._counting_line()
        tag_facets = sorted(k for k in facets if k.startswith("tags:"))
        for facet in ["composer", *FACT_FACETS, *tag_facets, "key", "meter", *LATER_FACETS]:
            values = facets.get(facet) or []
            title = FACET_TITLES.get(facet) or f"Tags: {facet.split(':', 1)[1]}"
            group = self._group(title)
            for value, count in values[:MAX_VALUES]:
                item = QTreeWidgetItem(group, [value, str(count)])
                item.setData(0, FilterRole, SidebarFilter(value, term=facet_term(facet, value)))
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            item.setExpanded(item.text(0) in expanded or item.text(0) in ("Folders", COLLECTIONS))
        self._reselect(chosen)
        self.blockSignals(False)

    def _fill_collections(self, collections: list[dict]) -> None:
        group = self._group(COLLECTIONS)
        for shown, chosen in (("♥ " + FAVOURITES.label, FAVOURITES), (HIDDEN.label, HIDDEN)):
            QTreeWidgetItem(group, [shown, ""]).setData(0, FilterRole, chosen)
        for collection in collections:
            count = collection.get("count")
            item = QTreeWidgetItem(group, [collection["name"], "" if count is None else str(count)])
            item.setIcon(0, icon("search" if collection.get("smart") else "file"))
            item.setToolTip(0, f"Smart collection: {collection['smart']}" if collection.get("smart")
                            else "Collection (drag its pieces to reorder them in the Collection panel)")
            item.setData(0, FilterRole, collection_filter(collection))

    def _counting_line(self) -> None:
        item = QTreeWidgetItem(self, [COUNTING, ""])
        item.setToolTip(0, "Counting the pieces of each composer, key, metre and tag…")
        item.setFlags(Qt.ItemFlag.NoItemFlags)        # shown greyed, never chosen
        font = item.font(0)
        font.setItalic(True)
        item.setFont(0, font)

    def _group(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self, [title, ""])
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        return item

    def _reselect(self, chosen: SidebarFilter | None) -> None:
        if chosen is None:
            return
        for i in range(self.topLevelItemCount()):
            group = self.topLevelItem(i)
            for j in range(group.childCount()):
                if group.child(j).data(0, FilterRole) == chosen:
                    group.child(j).setSelected(True)
                    return

    def current_filter(self) -> SidebarFilter | None:
        items = self.selectedItems()
        return items[0].data(0, FilterRole) if items else None

    def clear_filter(self) -> None:
        self.clearSelection()

    def _selected(self) -> None:
        self.filterChosen.emit(self.current_filter())

    def composer_actions(self, item: QTreeWidgetItem | None) -> list:
        """(text, callback) of what can be done to a sidebar entry (a composer: rename or merge)."""
        if item is None or item.parent() is None or item.parent().text(0) != FACET_TITLES["composer"]:
            return []
        name = item.text(0)
        return [("Rename or merge composer…", lambda: self.composerRenameRequested.emit(name))]

    def collection_actions(self, item: QTreeWidgetItem | None) -> list:
        """(text, callback) for the Collections section: new ones, and what can be done to one."""
        group = item if item is not None and item.parent() is None else item.parent() if item is not None else None
        if group is None or group.text(0) != COLLECTIONS:
            return []
        ask = self.collectionRequested.emit
        actions = [("New collection…", lambda: ask("new", "")), ("New smart collection…", lambda: ask("new smart", ""))]
        chosen = item.data(0, FilterRole) if item is not group else None
        if chosen is not None and chosen.collection:
            name = chosen.collection
            actions += [("Rename…", lambda: ask("rename", name)), ("Delete", lambda: ask("delete", name))]
            actions += [("Edit search…", lambda: ask("edit search", name))] if chosen.smart else \
                [("Export setlist…", lambda: ask("export", name))]
        return actions

    def _context_menu(self, position: QPoint) -> None:
        item = self.itemAt(position)
        actions = self.composer_actions(item) or self.collection_actions(item)
        if actions:
            menu = QMenu(self)
            for text, callback in actions:
                menu.addAction(text, callback)
            menu.exec(self.viewport().mapToGlobal(position))

    def items_of(self, title: str) -> list[QTreeWidgetItem]:
        for i in range(self.topLevelItemCount()):
            group = self.topLevelItem(i)
            if group.text(0) == title:
                return [group.child(j) for j in range(group.childCount())]
        return []

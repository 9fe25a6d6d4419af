"""The library table's model: rows arrive page by page as the view scrolls (lazy fetching).

A listing is a ``fetch(offset, limit) -> (hits, total)`` function (keyword
listing or semantic search results); only the pages the view reaches are
read, and only painted rows ask for thumbnails and tags.

Title and composer can be edited in place (``editor(piece_id, field,
value)`` saves the edit in the library, never in the file); an edited value
shows in italics.  Rating and favourite come with the extras.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QFont

PAGE = 200


@dataclass
class Row:
    piece: dict
    cosine: float | None = None
    probability: float | None = None
    matched: tuple[str, ...] = ()     # what the query named that the piece meets (hybrid search)
    relevance: float | None = None    # calibrated chance the piece is relevant (engine.search.Hit)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int


COLUMNS = (   # widths that fit Parts, Tags and Score at the default window size (the title stretches)
    Column("thumbnail", "", 40), Column("title", "Title", 180), Column("composer", "Composer", 104),
    Column("favourite", "♥", 22), Column("rating", "Rating", 60),
    Column("key", "Key", 66), Column("time_signature", "Meter", 48), Column("ensemble", "Ensemble", 100),
    Column("parts", "Parts", 40),
    Column("tags", "Tags", 100), Column("score", "Score", 60),
)
COLUMN = {c.key: i for i, c in enumerate(COLUMNS)}
PieceRole = Qt.ItemDataRole.UserRole + 1
EXTRAS = ("tags", "key", "time_signature", "rating", "favourite")     # shown values that come from ``extras``
EDITABLE = ("title", "composer")                # edited in place


def stars(rating: int | None) -> str:
    """0-5 stars as text: ★★★☆☆ (nothing for an unrated piece)."""
    return "★" * rating + "☆" * (5 - rating) if rating else ""


def score_text(cosine: float | None, probability: float | None, matched: tuple[str, ...] = (),
               relevance: float | None = None) -> str:
    """The cosine, the calibrated relevance where the model has one, then the reference
    probability (model-only rankings) or what the piece meets."""
    if cosine is None:
        return ""
    text = f"{cosine:.3f}" if relevance is None else f"{cosine:.3f} · {relevance:.0%} relevant"
    if matched:
        return f"{text} · {', '.join(matched)}"
    return text if probability is None else f"{text} · {probability:.1%}"


def score_cell(cosine: float | None, matched: tuple[str, ...] = (), relevance: float | None = None) -> str:
    """The Score column, kept narrow: the calibrated relevance where the model has one, else the cosine;
    ✓ when the piece meets what the query names (the tooltip has all the figures)."""
    if cosine is None:
        return ""
    figure = f"{cosine:.3f}" if relevance is None else f"{relevance:.0%}"
    return f"{figure} ✓" if matched else figure


def _italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font


def _sort_key(value):
    if value is None or value == "":
        return (1, "")
    return (0, value.lower() if isinstance(value, str) else value)


class PieceTableModel(QAbstractTableModel):
    def __init__(self, thumbnails=None, extras: Callable[[list[int]], dict[int, dict]] | None = None,
                 parent=None, editor: Callable[[int, str, str], None] | None = None):
        """``extras(ids)`` gives shown values read in bulk: {id: {"tags": ..., "key": ..., "edited": {...}}}."""
        super().__init__(parent)
        self.extras = extras
        self.editor = editor
        self.thumbnails = None
        self.use_thumbnails(thumbnails)
        self.rows: list[Row] = []
        self.total = 0
        self.scored = False
        self._fetch: Callable | None = None
        self._tags: dict[int, str] = {}
        self._row_of: dict[int, int] = {}

    def use_thumbnails(self, thumbnails) -> None:
        self.thumbnails = thumbnails
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)

    # --- filling ----------------------------------------------------------------

    def show(self, fetch: Callable[[int, int], tuple[list[Row], int]], scored: bool = False) -> None:
        """Replace the rows by a new listing; its first page is read now, the rest on scrolling."""
        self.beginResetModel()
        self._fetch, self.scored = fetch, scored
        self.rows, self._tags, self._row_of = [], {}, {}
        first, self.total = fetch(0, PAGE)
        self._append(first)
        self.endResetModel()

    def show_rows(self, rows: list[Row], scored: bool = True) -> None:
        self.show(lambda offset, limit: (rows[offset:offset + limit], len(rows)), scored)

    def _append(self, rows: list[Row]) -> None:
        for row in rows:
            self._row_of[row.piece["id"]] = len(self.rows)
            self.rows.append(row)

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and self._fetch is not None and len(self.rows) < self.total

    def fetchMore(self, parent=QModelIndex()) -> None:
        more, total = self._fetch(len(self.rows), PAGE)
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self._append(more)
        self.total = max(total, len(self.rows))
        self.endInsertRows()

    def fetch_all(self) -> None:
        while self.canFetchMore():
            self.fetchMore()

    def refresh_tags(self) -> None:
        self._tags.clear()
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))

    # --- reading ----------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def piece_at(self, row: int) -> dict | None:
        return self.rows[row].piece if 0 <= row < len(self.rows) else None

    def row_of(self, piece_id: int) -> int | None:
        return self._row_of.get(piece_id)

    def _extra(self, row: int, key: str):
        """Extras are read a page of rows at a time, when a row of that page is first shown."""
        piece = self.rows[row].piece
        if piece["id"] not in self._tags:
            start = row // PAGE * PAGE
            ids = [r.piece["id"] for r in self.rows[start:start + PAGE]]
            found = self.extras(ids) if self.extras else {}
            self._tags.update({pid: found.get(pid, {}) for pid in ids})
        value = self._tags[piece["id"]].get(key)
        return piece.get(key) if value is None and key not in ("tags", "edited") else value

    def flags(self, index):
        flags = super().flags(index)
        if index.isValid() and self.editor is not None and COLUMNS[index.column()].key in EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        key = COLUMNS[index.column()].key if index.isValid() else None
        piece = self.rows[index.row()].piece if key in EDITABLE else None
        if piece is None or role != Qt.ItemDataRole.EditRole or self.editor is None:
            return False
        value = " ".join(str(value).split())
        if value == (piece.get(key) or ""):
            return False
        self.editor(piece["id"], key, value)
        piece[key] = value or None
        self._tags.setdefault(piece["id"], {}).setdefault("edited", set()).add(key)
        self.dataChanged.emit(index, index)
        return True

    def forget_extras(self) -> None:
        """Read tags, marks and edits again when next shown (after a change)."""
        self.refresh_tags()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = COLUMNS[index.column()].key
        if role == PieceRole:
            return row.piece
        if role == Qt.ItemDataRole.DecorationRole and key == "thumbnail" and self.thumbnails is not None:
            return self.thumbnails.pixmap(row.piece)
        if role == Qt.ItemDataRole.ToolTipRole and key == "score" and row.cosine is not None:
            return "cosine · relevance · what the piece meets of the query: " + score_text(
                row.cosine, row.probability, row.matched, row.relevance)
        if role == Qt.ItemDataRole.ToolTipRole and key in ("title", "thumbnail"):
            return row.piece.get("path")
        if role == Qt.ItemDataRole.ToolTipRole and key == "key" and row.piece.get("key_source") == "estimated":
            return "Mode estimated from the notes (the file states none)"
        if role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ToolTipRole) and key in EDITABLE \
                and key in (self._extra(index.row(), "edited") or ()):
            return _italic() if role == Qt.ItemDataRole.FontRole else f"Edited here (the file is not changed): {row.piece.get('path')}"
        if role == Qt.ItemDataRole.EditRole and key in EDITABLE:
            return row.piece.get(key) or ""
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("parts", "score"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if key == "thumbnail":
            return None
        if key == "score":
            return score_cell(row.cosine, row.matched, row.relevance)
        if key == "rating":
            return stars(self._extra(index.row(), "rating"))
        if key == "favourite":
            return "♥" if self._extra(index.row(), "favourite") else ""
        value = self._extra(index.row(), key) if key in EXTRAS else row.piece.get(key)
        return "" if value is None else str(value)

    def _value(self, row: Row, key: str):
        if key == "score":
            return row.cosine
        if key in EXTRAS:
            return self._extra(self._row_of[row.piece["id"]], key)
        if key == "thumbnail":
            return row.piece.get("path")
        return row.piece.get(key)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort every row of the listing (the rest is read first), not just the pages shown."""
        self.fetch_all()
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept = [(self.rows[i.row()].piece["id"], i.column()) for i in persistent]
        key = COLUMNS[column].key
        present = [r for r in self.rows if _sort_key(self._value(r, key))[0] == 0]
        missing = [r for r in self.rows if _sort_key(self._value(r, key))[0] == 1]
        present.sort(key=lambda r: _sort_key(self._value(r, key)),
                     reverse=order == Qt.SortOrder.DescendingOrder)
        self.rows = present + missing
        self._row_of = {r.piece["id"]: i for i, r in enumerate(self.rows)}
        self.changePersistentIndexList(persistent, [self.index(self._row_of[pid], col) for pid, col in kept])
        self.layoutChanged.emit()

    def _thumbnail_ready(self, piece_id: int) -> None:
        row = self._row_of.get(piece_id)
        if row is not None:
            index = self.index(row, COLUMN["thumbnail"])
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

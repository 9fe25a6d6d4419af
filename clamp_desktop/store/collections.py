"""Collections and setlists (migration 0006): named, ordered lists of pieces, or saved searches.

A manual collection's members have positions 0, 1, 2 ... (renumbered on
every change, so they never drift); members are ``user_pieces`` handles, so a
piece removed from the library keeps its place and comes back with its file.
A smart collection holds only its query; the engine evaluates it.
Writers call these inside ``library.atomic()``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .database import Database


def collection(library: Database, name: str) -> dict | None:
    """{"id", "name", "smart"} of the collection called ``name`` (any case), or None."""
    row = library.conn.execute("SELECT id, name, smart FROM collections WHERE name = ?", (name,)).fetchone()
    return None if row is None else {"id": row[0], "name": row[1], "smart": row[2]}


def collections(library: Database) -> list[dict]:
    """Every collection with its count of pieces in the library (smart ones: None), by name."""
    cursor = library.conn.execute(
        "SELECT c.id, c.name, c.smart, CASE WHEN c.smart IS NULL THEN (SELECT count(*) FROM collection_members m "
        "JOIN user_pieces u ON u.id = m.user_piece_id WHERE m.collection_id = c.id AND u.piece_id IS NOT NULL) END "
        "FROM collections c ORDER BY c.name COLLATE NOCASE")
    return [{"id": r[0], "name": r[1], "smart": r[2], "count": r[3]} for r in cursor]


def create(library: Database, name: str, smart: str | None) -> int:
    return library.conn.execute("INSERT INTO collections (name, smart) VALUES (?, ?)", (name, smart)).lastrowid


def rename(library: Database, collection_id: int, name: str) -> None:
    library.conn.execute("UPDATE collections SET name = ? WHERE id = ?", (name, collection_id))


def set_query(library: Database, collection_id: int, smart: str | None) -> None:
    library.conn.execute("UPDATE collections SET smart = ? WHERE id = ?", (smart, collection_id))


def delete(library: Database, collection_id: int) -> None:
    library.conn.execute("DELETE FROM collections WHERE id = ?", (collection_id,))


def member_handles(library: Database, collection_id: int) -> list[int]:
    """Handle ids of a manual collection in order, detached ones included."""
    return [row[0] for row in library.conn.execute(
        "SELECT user_piece_id FROM collection_members WHERE collection_id = ? ORDER BY position",
        (collection_id,))]


def member_ids(library: Database, collection_id: int) -> list[int]:
    """Piece ids of a manual collection in order (members whose piece is not in the library left out)."""
    return [row[0] for row in library.conn.execute(
        "SELECT u.piece_id FROM collection_members m JOIN user_pieces u ON u.id = m.user_piece_id "
        "WHERE m.collection_id = ? AND u.piece_id IS NOT NULL ORDER BY m.position", (collection_id,))]


def _renumber(library: Database, collection_id: int, order: Sequence[int]) -> None:
    library.conn.execute("DELETE FROM collection_members WHERE collection_id = ? AND user_piece_id NOT IN "
                         f"({','.join('?' * len(order))})", (collection_id, *order))
    library.conn.executemany(
        "INSERT INTO collection_members (collection_id, user_piece_id, position) VALUES (?, ?, ?) "
        "ON CONFLICT DO UPDATE SET position = excluded.position",
        [(collection_id, owner, position) for position, owner in enumerate(order)])


def insert_handles(library: Database, collection_id: int, handle_ids: Sequence[int],
                   position: int | None = None) -> int:
    """Put handles at ``position`` (the end when None) in order; ones already there stay put. Returns how many were added."""
    order = member_handles(library, collection_id)
    new = [h for h in dict.fromkeys(handle_ids) if h not in set(order)]
    at = len(order) if position is None else max(0, min(int(position), len(order)))
    _renumber(library, collection_id, order[:at] + new + order[at:])
    return len(new)


def remove_handles(library: Database, collection_id: int, handle_ids: Sequence[int]) -> int:
    gone = set(handle_ids)
    order = member_handles(library, collection_id)
    _renumber(library, collection_id, [h for h in order if h not in gone])
    return sum(1 for h in order if h in gone)


def move_handle(library: Database, collection_id: int, handle_id: int, position: int) -> bool:
    """Move one member to ``position`` (0-based, clamped); False when it is not a member."""
    order = member_handles(library, collection_id)
    if handle_id not in order:
        return False
    order.remove(handle_id)
    at = max(0, min(int(position), len(order)))
    _renumber(library, collection_id, order[:at] + [handle_id] + order[at:])
    return True


def collections_of(library: Database, piece_ids: Sequence[int]) -> dict[int, list[str]]:
    """piece id -> names of the manual collections holding it, by name."""
    found: dict[int, list[str]] = {}
    ids = [int(i) for i in piece_ids]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = library.conn.execute(
            "SELECT u.piece_id, c.name FROM collection_members m JOIN user_pieces u ON u.id = m.user_piece_id "
            f"JOIN collections c ON c.id = m.collection_id WHERE u.piece_id IN ({','.join('?' * len(chunk))}) "
            "ORDER BY c.name COLLATE NOCASE", chunk)
        for piece_id, name in rows:
            found.setdefault(piece_id, []).append(name)
    return found

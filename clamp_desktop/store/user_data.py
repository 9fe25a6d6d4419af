"""What the user makes of pieces: edits, ratings, favourites, hidden copies, "not duplicates".

Everything hangs on a ``user_pieces`` handle (migration 0006), which names a
piece by id, content hash and path, so it survives re-indexing, moves and a
file's new content.  The piece's own column shows an edited field; the edit
row keeps the file's value for "revert" (``reapply_edits`` after each read of
the file).  Writers call these inside ``library.atomic()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .database import Database

EDITABLE_FIELDS = ("title", "composer", "work", "movement", "genre", "notes")
_CHUNK = 500


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ids = [int(i) for i in ids]
    return [ids[start:start + _CHUNK] for start in range(0, len(ids), _CHUNK)]


def _marks(ids: Sequence) -> str:
    return ",".join("?" * len(ids))


# --- handles -------------------------------------------------------------------------

def handle(library: Database, piece_id: int) -> int | None:
    """The user_pieces id of a piece, made on first use; None when there is no such piece."""
    conn = library.conn
    conn.execute("INSERT INTO user_pieces (piece_id, path, tune, hash) SELECT id, path, tune, hash "
                 "FROM pieces WHERE id = ? ON CONFLICT (piece_id) DO NOTHING", (int(piece_id),))
    row = conn.execute("SELECT id FROM user_pieces WHERE piece_id = ?", (int(piece_id),)).fetchone()
    return row[0] if row else None


def handle_for_key(library: Database, hash_: str, path: str, tune: int) -> int:
    """The handle of the piece with this content (else this path); a detached one when neither is here.

    A detached handle is taken up by a piece indexed later (trigger ``user_pieces_attach``).
    """
    conn = library.conn
    # the same file where it was; else the same content elsewhere (a byte copy at its own path first); else the path
    row = conn.execute("SELECT id FROM pieces WHERE hash = ? AND hash != '' AND tune = ? "
                       "ORDER BY path = ? DESC, id LIMIT 1", (hash_, tune, path)).fetchone() or \
        conn.execute("SELECT id FROM pieces WHERE path = ? AND tune = ?", (path, tune)).fetchone()
    if row:
        return handle(library, row[0])
    found = conn.execute("SELECT id FROM user_pieces WHERE piece_id IS NULL AND tune = ? AND (hash = ? OR path = ?) "
                         "ORDER BY hash = ? DESC, path = ? DESC, id LIMIT 1", (tune, hash_, path, hash_, path)).fetchone()
    if found:
        return found[0]
    return conn.execute("INSERT INTO user_pieces (path, tune, hash) VALUES (?, ?, ?)",
                        (path, tune, hash_)).lastrowid


def piece_of(library: Database, handle_id: int) -> int | None:
    row = library.conn.execute("SELECT piece_id FROM user_pieces WHERE id = ?", (handle_id,)).fetchone()
    return row[0] if row else None


def handles(library: Database) -> list[dict]:
    """Every handle holding something the user made, with its piece id (None when detached)."""
    cursor = library.conn.execute(
        "SELECT u.id, u.piece_id, u.path, u.tune, u.hash, u.rating, u.favourite, u.hidden FROM user_pieces u "
        "WHERE u.rating IS NOT NULL OR u.favourite OR u.hidden "
        "OR EXISTS (SELECT 1 FROM piece_edits e WHERE e.user_piece_id = u.id) "
        "OR EXISTS (SELECT 1 FROM collection_members m WHERE m.user_piece_id = u.id) "
        "OR EXISTS (SELECT 1 FROM not_duplicate_members n WHERE n.user_piece_id = u.id) "
        "OR EXISTS (SELECT 1 FROM kept_tags k WHERE k.user_piece_id = u.id) ORDER BY u.path, u.tune")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def detached(library: Database) -> list[dict]:
    """Handles whose piece is not in the library (path, tune, hash): what the user made waits for them."""
    return [h for h in handles(library) if h["piece_id"] is None]


def counts(library: Database) -> dict[str, int]:
    """How much the user made: edited pieces, rated, favourites, hidden, collections, and detached handles waiting."""
    edited, rated, favourites, hidden, waiting = library.conn.execute(
        "SELECT (SELECT count(DISTINCT e.user_piece_id) FROM piece_edits e), count(rating), "
        "coalesce(sum(favourite), 0), coalesce(sum(hidden), 0), "
        "(SELECT count(*) FROM user_pieces w WHERE w.piece_id IS NULL) FROM user_pieces").fetchone()
    collections = library.conn.execute("SELECT count(*) FROM collections").fetchone()[0]
    return {"edited": edited, "rated": rated, "favourites": favourites, "hidden": hidden,
            "collections": collections, "waiting": waiting}


def kept_tag_rows(library: Database) -> list[tuple]:
    """(path, tune, hash, vocabulary, label, score, source) of the tag decisions waiting on detached handles."""
    return [tuple(row) for row in library.conn.execute(
        "SELECT u.path, u.tune, u.hash, k.vocabulary, k.label, k.score, k.source FROM kept_tags k "
        "JOIN user_pieces u ON u.id = k.user_piece_id WHERE u.piece_id IS NULL "
        "ORDER BY u.path, u.tune, k.vocabulary, k.label, k.source")]


def keep_tag(library: Database, handle_id: int, vocabulary: str, label: str, source: str,
             score: float | None) -> None:
    """A tag decision for a detached handle: it becomes a tag when the piece is indexed."""
    library.conn.execute("INSERT OR IGNORE INTO kept_tags (user_piece_id, vocabulary, label, score, source) "
                         "VALUES (?, ?, ?, ?, ?)", (handle_id, vocabulary, label, score, source))


# --- edits -----------------------------------------------------------------------------

def _check_field(field: str) -> None:
    if field not in EDITABLE_FIELDS:
        raise ValueError(f"not an editable field: {field}")


def put_edit(library: Database, piece_id: int, field: str, value: str | None) -> None:
    """Show ``value`` as the piece's ``field``; the file's value is kept for revert."""
    _check_field(field)
    owner = handle(library, piece_id)
    if owner is None:
        return
    conn = library.conn
    kept = conn.execute("SELECT file_value FROM piece_edits WHERE user_piece_id = ? AND field = ?",
                        (owner, field)).fetchone()
    file_value = kept[0] if kept else conn.execute(f"SELECT {field} FROM pieces WHERE id = ?",
                                                   (piece_id,)).fetchone()[0]
    conn.execute(f"UPDATE pieces SET {field} = ? WHERE id = ?", (value, piece_id))
    if value == file_value:
        conn.execute("DELETE FROM piece_edits WHERE user_piece_id = ? AND field = ?", (owner, field))
        return
    conn.execute("INSERT INTO piece_edits (user_piece_id, field, value, file_value) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT DO UPDATE SET value = excluded.value, edited_at = datetime('now')",
                 (owner, field, value, file_value))


def drop_edit(library: Database, piece_id: int, field: str) -> bool:
    """Show the file's value again; False when the field was not edited."""
    _check_field(field)
    conn = library.conn
    row = conn.execute("SELECT e.user_piece_id, e.file_value FROM piece_edits e JOIN user_pieces u "
                       "ON u.id = e.user_piece_id WHERE u.piece_id = ? AND e.field = ?",
                       (int(piece_id), field)).fetchone()
    if row is None:
        return False
    conn.execute(f"UPDATE pieces SET {field} = ? WHERE id = ?", (row[1], piece_id))
    conn.execute("DELETE FROM piece_edits WHERE user_piece_id = ? AND field = ?", (row[0], field))
    return True


def edits(library: Database, piece_ids: Iterable[int]) -> dict[int, dict[str, dict]]:
    """piece id -> {field: {"value", "file_value"}} of its edited fields (pieces without edits left out)."""
    found: dict[int, dict[str, dict]] = {}
    for chunk in _chunks(piece_ids):
        rows = library.conn.execute(
            "SELECT u.piece_id, e.field, e.value, e.file_value FROM piece_edits e JOIN user_pieces u "
            f"ON u.id = e.user_piece_id WHERE u.piece_id IN ({_marks(chunk)})", chunk)
        for piece_id, field, value, file_value in rows:
            found.setdefault(piece_id, {})[field] = {"value": value, "file_value": file_value}
    return found


def handle_edits(library: Database, handle_id: int) -> dict[str, str | None]:
    return dict(library.conn.execute("SELECT field, value FROM piece_edits WHERE user_piece_id = ?", (handle_id,)))


def put_handle_edit(library: Database, handle_id: int, field: str, value: str | None) -> None:
    """An edit of a detached handle (a restore before its file is indexed): shown once the piece is read."""
    _check_field(field)
    library.conn.execute("INSERT INTO piece_edits (user_piece_id, field, value) VALUES (?, ?, ?) "
                         "ON CONFLICT DO UPDATE SET value = excluded.value", (handle_id, field, value))


def reapply_edits(library: Database, piece_ids: Iterable[int]) -> None:
    """After a file is read again: its values become the edits' file values, and the edits are shown again."""
    conn = library.conn
    for chunk in _chunks(piece_ids):
        rows = conn.execute(
            "SELECT u.piece_id, e.user_piece_id, e.field, e.value FROM piece_edits e JOIN user_pieces u "
            f"ON u.id = e.user_piece_id WHERE u.piece_id IN ({_marks(chunk)})", chunk).fetchall()
        for piece_id, owner, field, value in rows:
            conn.execute(f"UPDATE piece_edits SET file_value = (SELECT {field} FROM pieces WHERE id = ?) "
                         "WHERE user_piece_id = ? AND field = ?", (piece_id, owner, field))
            conn.execute(f"UPDATE pieces SET {field} = ? WHERE id = ?", (value, piece_id))


def composer_edited(alias: str = "") -> str:
    """SQL: the piece (``alias.id``) has an edited composer (the composer passes leave it alone)."""
    column = f"{alias}.id" if alias else "id"
    return (f"{column} IN (SELECT u.piece_id FROM user_pieces u JOIN piece_edits e ON e.user_piece_id = u.id "
            "WHERE e.field = 'composer' AND u.piece_id IS NOT NULL)")


# --- ratings, favourites, hidden copies -------------------------------------------------

MARKS = ("rating", "favourite", "hidden")


def put_mark(library: Database, piece_id: int, mark: str, value: int | None) -> bool:
    """Set a piece's rating (0-5 or None), favourite or hidden flag (0/1); False when there is no such piece."""
    if mark not in MARKS:
        raise ValueError(f"not a mark: {mark}")
    owner = handle(library, piece_id)
    if owner is None:
        return False
    library.conn.execute(f"UPDATE user_pieces SET {mark} = ? WHERE id = ?", (value, owner))
    return True


def put_handle_marks(library: Database, handle_id: int, rating, favourite: bool, hidden: bool) -> None:
    library.conn.execute("UPDATE user_pieces SET rating = ?, favourite = ?, hidden = ? WHERE id = ?",
                         (rating, int(bool(favourite)), int(bool(hidden)), handle_id))


def marks(library: Database, piece_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """piece id -> {"rating", "favourite", "hidden"} of pieces with any mark (all when ``piece_ids`` is None)."""
    sql = ("SELECT piece_id, rating, favourite, hidden FROM user_pieces WHERE piece_id IS NOT NULL "
           "AND (rating IS NOT NULL OR favourite OR hidden)")
    batches = [(sql, [])] if piece_ids is None else \
        [(sql + f" AND piece_id IN ({_marks(c)})", c) for c in _chunks(piece_ids)]
    found = {}
    for query, params in batches:
        for piece_id, rating, favourite, hidden in library.conn.execute(query, params):
            found[piece_id] = {"rating": rating, "favourite": bool(favourite), "hidden": bool(hidden)}
    return found


def marked_ids(library: Database, mark: str) -> list[int]:
    """Ids of pieces that are favourites / hidden / rated (any rating), by id."""
    if mark not in MARKS:
        raise ValueError(f"not a mark: {mark}")
    condition = "rating IS NOT NULL" if mark == "rating" else mark
    return [row[0] for row in library.conn.execute(
        f"SELECT piece_id FROM user_pieces WHERE piece_id IS NOT NULL AND {condition} ORDER BY piece_id")]


# --- "not duplicates" --------------------------------------------------------------------

def add_not_duplicates(library: Database, handle_ids: Sequence[int]) -> int:
    """Remember a group of pieces the user says are not duplicates; returns the group id (an equal one is reused)."""
    wanted = sorted(set(handle_ids))
    for group_id, members in _groups(library):
        if sorted(members) == wanted:
            return group_id
    group_id = library.conn.execute("INSERT INTO not_duplicate_groups DEFAULT VALUES").lastrowid
    library.conn.executemany("INSERT INTO not_duplicate_members (group_id, user_piece_id) VALUES (?, ?)",
                             [(group_id, h) for h in wanted])
    return group_id


def _groups(library: Database) -> list[tuple[int, list[int]]]:
    groups: dict[int, list[int]] = {}
    for group_id, owner in library.conn.execute(
            "SELECT group_id, user_piece_id FROM not_duplicate_members ORDER BY group_id, user_piece_id"):
        groups.setdefault(group_id, []).append(owner)
    return list(groups.items())


def not_duplicate_handle_groups(library: Database) -> list[list[int]]:
    """Every "not duplicates" group as handle ids."""
    return [members for _, members in _groups(library)]


def not_duplicate_groups(library: Database) -> list[list[int]]:
    """Every "not duplicates" group as the ids of its pieces in the library (detached ones left out)."""
    found = []
    for group_id, _ in _groups(library):
        ids = [row[0] for row in library.conn.execute(
            "SELECT u.piece_id FROM not_duplicate_members n JOIN user_pieces u ON u.id = n.user_piece_id "
            "WHERE n.group_id = ? AND u.piece_id IS NOT NULL ORDER BY u.piece_id", (group_id,))]
        found.append(ids)
    return found


def forget_not_duplicates(library: Database, piece_ids: Sequence[int]) -> int:
    """Drop every group holding all of these pieces; returns how many were dropped."""
    wanted = set(int(i) for i in piece_ids)
    dropped = 0
    for group_id, _ in _groups(library):
        members = {row[0] for row in library.conn.execute(
            "SELECT u.piece_id FROM not_duplicate_members n JOIN user_pieces u ON u.id = n.user_piece_id "
            "WHERE n.group_id = ?", (group_id,))}
        if wanted <= members:
            library.conn.execute("DELETE FROM not_duplicate_groups WHERE id = ?", (group_id,))
            dropped += 1
    return dropped

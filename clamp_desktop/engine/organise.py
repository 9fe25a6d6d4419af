"""The user's own metadata and marks: edits, ratings, favourites, hidden copies, "not duplicates".

The GUI and the CLI both call these verbs; each is one transaction
(``library.atomic()``), so a ``kill -9`` keeps or drops a whole change.
Edits live in the library only (never in the files), are shown everywhere
(table, facets, search, export) and survive re-indexing, moves and renames;
see ``store.user_data``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import ClampDesktopError
from ..store import user_data

EDITABLE_FIELDS = user_data.EDITABLE_FIELDS


def need_piece(library, piece_id: int) -> dict:
    piece = library.piece(int(piece_id))
    if piece is None:
        raise ClampDesktopError(f"There is no piece {piece_id} in the library.")
    return piece


def _clean(value: str | None) -> str | None:
    """One line's spaces tidied; an empty value clears the field (shown as blank, still an edit)."""
    return None if value is None else " ".join(str(value).split())


def edit_piece(library, piece_id: int, **fields: str | None) -> dict[str, dict]:
    """Show the given fields (title, composer, work, movement, genre, notes) as the user wrote them.

    ``""`` blanks a field; a value equal to the file's is no edit at all.
    Returns the piece's edited fields as ``edited_fields`` does.
    """
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ClampDesktopError(f"Cannot edit {', '.join(unknown)}; editable fields: {', '.join(EDITABLE_FIELDS)}.")
    need_piece(library, piece_id)
    with library.atomic():
        for field, value in fields.items():
            value = value if field == "notes" or value is None else _clean(value)
            user_data.put_edit(library, int(piece_id), field, value)
    return edited_fields(library, piece_id)


def revert_field(library, piece_id: int, field: str) -> bool:
    """Show the file's value of ``field`` again; False when it was not edited."""
    if field not in EDITABLE_FIELDS:
        raise ClampDesktopError(f"'{field}' is not an editable field ({', '.join(EDITABLE_FIELDS)}).")
    need_piece(library, piece_id)
    with library.atomic():
        return user_data.drop_edit(library, int(piece_id), field)


def edited_fields(library, piece_id: int) -> dict[str, dict]:
    """{field: {"value": shown, "file_value": the file's}} of the piece's edited fields."""
    return user_data.edits(library, [int(piece_id)]).get(int(piece_id), {})


def edited_map(library, piece_ids: Iterable[int]) -> dict[int, set[str]]:
    """piece id -> names of its edited fields (for marking edited cells); pieces without edits left out."""
    return {pid: set(fields) for pid, fields in user_data.edits(library, piece_ids).items()}


# --- ratings, favourites, hidden copies ------------------------------------------------------

def rate(library, piece_id: int, stars: int) -> None:
    """Give a piece 1-5 stars; 0 clears its rating."""
    stars = int(stars)
    if not 0 <= stars <= 5:
        raise ClampDesktopError(f"A rating is 0 to 5 stars, not {stars}.")
    need_piece(library, piece_id)
    with library.atomic():
        user_data.put_mark(library, int(piece_id), "rating", stars or None)


def set_favourite(library, piece_id: int, favourite: bool = True) -> None:
    need_piece(library, piece_id)
    with library.atomic():
        user_data.put_mark(library, int(piece_id), "favourite", int(bool(favourite)))


def set_hidden(library, piece_id: int, hidden: bool = True) -> None:
    """Keep a piece (an extra copy) out of the library view, or show it again."""
    need_piece(library, piece_id)
    with library.atomic():
        user_data.put_mark(library, int(piece_id), "hidden", int(bool(hidden)))


def marks(library, piece_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """piece id -> {"rating": 1-5 or None, "favourite": bool, "hidden": bool}; unmarked pieces left out."""
    return user_data.marks(library, piece_ids)


def favourite_ids(library) -> list[int]:
    return user_data.marked_ids(library, "favourite")


def hidden_ids(library) -> list[int]:
    return user_data.marked_ids(library, "hidden")


# --- "not duplicates" ---------------------------------------------------------------------------

def mark_not_duplicates(library, piece_ids: Sequence[int]) -> int:
    """Remember that these pieces are not duplicates of one another; returns the group's id."""
    ids = list(dict.fromkeys(int(i) for i in piece_ids))
    if len(ids) < 2:
        raise ClampDesktopError("Mark at least two pieces as not duplicates.")
    for piece_id in ids:
        need_piece(library, piece_id)
    with library.atomic():
        return user_data.add_not_duplicates(library, [user_data.handle(library, i) for i in ids])


def unmark_not_duplicates(library, piece_ids: Sequence[int]) -> int:
    """Forget every "not duplicates" group holding all of these pieces; returns how many."""
    with library.atomic():
        return user_data.forget_not_duplicates(library, piece_ids)


def not_duplicate_groups(library) -> list[list[int]]:
    """Every remembered "not duplicates" group, as the ids of its pieces in the library."""
    return user_data.not_duplicate_groups(library)

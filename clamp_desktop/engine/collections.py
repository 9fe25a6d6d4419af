"""Collections and setlists: ordered lists of pieces, and smart ones (saved searches, evaluated live).

A manual collection keeps the order the user gave (a setlist); one piece may
be in many.  A smart collection is a query in the search syntax
(``engine.filters``: filters, "quoted keywords", free text) run again each
time it is shown, so a newly indexed or edited piece that matches appears.
Every change is one transaction.  Names are matched without regard to case.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import ClampDesktopError
from ..store import collections as store
from ..store import user_data

SMART_LIMIT = 500          # pieces a smart collection shows at most (best first when it ranks)
SETLIST_FIELDS = ("position", "id", "path", "title", "composer")


def _named(library, name: str) -> dict:
    found = store.collection(library, name)
    if found is None:
        raise ClampDesktopError(f"There is no collection '{name}'; see 'clamp-desktop collection list'.")
    return found


def _manual(library, name: str) -> dict:
    found = _named(library, name)
    if found["smart"] is not None:
        raise ClampDesktopError(f"'{found['name']}' is a smart collection: it lists what its search finds "
                                "(change the search, or make a manual collection).")
    return found


def _handles(library, piece_ids: Sequence[int]) -> list[int]:
    found = []
    for piece_id in piece_ids:
        owner = user_data.handle(library, int(piece_id))
        if owner is None:
            raise ClampDesktopError(f"There is no piece {piece_id} in the library.")
        found.append(owner)
    return found


def create_collection(library, name: str, smart: str | None = None) -> dict:
    """A new empty collection, or a smart one holding the query ``smart``; returns {"id", "name", "smart"}."""
    name = " ".join((name or "").split())
    if not name:
        raise ClampDesktopError("A collection needs a name.")
    smart = smart.strip() if smart is not None else None
    if smart == "":
        raise ClampDesktopError("A smart collection needs a search (e.g. 'composer:bach key:minor').")
    with library.atomic():
        if store.collection(library, name) is not None:
            raise ClampDesktopError(f"There is already a collection '{name}'.")
        store.create(library, name, smart)
    return store.collection(library, name)


def rename_collection(library, name: str, new_name: str) -> None:
    found = _named(library, name)
    new_name = " ".join((new_name or "").split())
    if not new_name:
        raise ClampDesktopError("A collection needs a name.")
    with library.atomic():
        other = store.collection(library, new_name)
        if other is not None and other["id"] != found["id"]:
            raise ClampDesktopError(f"There is already a collection '{new_name}'.")
        store.rename(library, found["id"], new_name)


def set_smart_query(library, name: str, smart: str) -> None:
    """Change a smart collection's search."""
    found = _named(library, name)
    if found["smart"] is None or not (smart or "").strip():
        raise ClampDesktopError(f"'{found['name']}' is not a smart collection, or the search is empty.")
    with library.atomic():
        store.set_query(library, found["id"], smart.strip())


def delete_collection(library, name: str) -> None:
    """Delete a collection (the pieces stay in the library)."""
    found = _named(library, name)
    with library.atomic():
        store.delete(library, found["id"])


def add_to_collection(library, name: str, piece_ids: Sequence[int], position: int | None = None) -> int:
    """Add pieces at ``position`` (0-based; the end when None), in the given order; returns how many were new.

    A piece already in the collection stays where it is.
    """
    found = _manual(library, name)
    with library.atomic():
        return store.insert_handles(library, found["id"], _handles(library, piece_ids), position)


def remove_from_collection(library, name: str, piece_ids: Sequence[int]) -> int:
    """Take pieces out of a collection (not out of the library); returns how many were in it."""
    found = _manual(library, name)
    with library.atomic():
        return store.remove_handles(library, found["id"], _handles(library, piece_ids))


def move_in_collection(library, name: str, piece_id: int, new_position: int) -> None:
    """Move one piece to ``new_position`` (0-based; past the end means last)."""
    found = _manual(library, name)
    with library.atomic():
        if not store.move_handle(library, found["id"], _handles(library, [piece_id])[0], new_position):
            raise ClampDesktopError(f"Piece {piece_id} is not in the collection '{found['name']}'.")


def collection_listing(library, name: str, model_name: str | None = None, load_model: Callable | None = None,
                       limit: int = SMART_LIMIT) -> tuple[list[int], str | None]:
    """(the collection's piece ids in order, a note to show with them); a smart one is searched now.

    A smart collection's free text ranks with the model when ``load_model`` is
    given; without it, or when no chosen piece has a vector yet, each free word
    must start a word of the metadata, and the note says why.  The note is also
    the search's message when nothing matches.
    """
    found = _named(library, name)
    if found["smart"] is None:
        return store.member_ids(library, found["id"]), None
    result = _smart_search(library, found["smart"], model_name, load_model, limit)
    return [hit.piece["id"] for hit in result.hits], result.message


def _smart_search(library, query: str, model_name: str | None, load_model: Callable | None, limit: int):
    from .search import search

    ranked = load_model is not None and model_name is not None
    result = search(library, query, model_name or "", load_model or (lambda: None), top=limit, semantic=ranked)
    if not result.no_vectors:
        return result
    words = search(library, query, model_name or "", lambda: None, top=limit, semantic=False)
    words.message = f"{result.message} Until then its free words are matched against the pieces' details."
    return words


def collection_ids(library, name: str, model_name: str | None = None, load_model: Callable | None = None,
                   limit: int = SMART_LIMIT) -> list[int]:
    """The collection's piece ids in order (``collection_listing`` without its note)."""
    return collection_listing(library, name, model_name, load_model, limit)[0]


def collection_pieces(library, name: str, model_name: str | None = None, load_model: Callable | None = None,
                      limit: int = SMART_LIMIT) -> list[dict]:
    """The collection's pieces (rows as ``Library.pieces`` gives them), in order."""
    return library.pieces(collection_ids(library, name, model_name, load_model, limit))


def list_collections(library) -> list[dict]:
    """[{"id", "name", "smart", "count"}] by name; a smart collection's count is None (it is evaluated live)."""
    return store.collections(library)


def collections_of(library, piece_ids: Sequence[int]) -> dict[int, list[str]]:
    """piece id -> the manual collections holding it."""
    return store.collections_of(library, piece_ids)


def collection_json(library, name: str, model_name: str | None = None, load_model: Callable | None = None) -> dict:
    """``{"name", "smart", "note", "pieces": [{"id", "path", "title", "composer"}, ...]}`` in order (docs/cli-json.md)."""
    found = _named(library, name)
    ids, note = collection_listing(library, name, model_name, load_model)
    return {"name": found["name"], "smart": found["smart"], "note": note,
            "pieces": [{key: piece.get(key) for key in ("id", "path", "title", "composer")}
                       for piece in library.pieces(ids)]}


# --- setlists out of the library ----------------------------------------------------------------

def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in " -_.,()'" else "_" for ch in text).strip() or "piece"


def export_setlist_folder(library, name: str, folder: str | Path, **search) -> list[Path]:
    """Copy the collection's files into ``folder`` numbered in order (``01 - Title.mxl``); returns the copies.

    A file holding several tunes is copied once per tune in the list.  A file
    that is no longer there stops the export with its path, before anything is copied.
    """
    pieces = collection_pieces(library, name, **search)
    missing = [p["path"] for p in pieces if not Path(p["path"]).is_file()]
    if missing:
        raise ClampDesktopError(f"{len(missing)} file(s) of '{name}' are not there any more, e.g. {missing[0]}; "
                                "index the library again.")
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(pieces))))
    copies = []
    for number, piece in enumerate(pieces, start=1):
        source = Path(piece["path"])
        copy = target / f"{number:0{width}d} - {_safe(piece.get('title') or source.stem)}{source.suffix}"
        shutil.copy2(source, copy)
        copies.append(copy)
    return copies


def setlist_rows(library, name: str, **search) -> list[dict]:
    """[{"position", "id", "path", "title", "composer"}] in order (position from 1)."""
    return [{"position": number, **{key: piece.get(key) for key in SETLIST_FIELDS[1:]}}
            for number, piece in enumerate(collection_pieces(library, name, **search), start=1)]


def setlist_text(library, name: str, fmt: str, **search) -> str:
    """The setlist as CSV or as the JSON of ``collection_json``."""
    if fmt == "json":
        return json.dumps(collection_json(library, name, **search), indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SETLIST_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(setlist_rows(library, name, **search))
    return out.getvalue()

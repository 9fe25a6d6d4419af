"""``edit``, ``rate`` and ``favourite``: the user's own metadata and marks (engine.organise).

Each command changes the library in one transaction, waits a little for
another writer (the app) to finish, and then refreshes the rolling backup in
the data folder.  ``--json`` output is documented in docs/cli-json.md.
"""

from __future__ import annotations

from contextlib import contextmanager

import click

from ..engine import organise
from ..store import Library
from .app import cli, db_option, echo_json, json_option
from .library_commands import library_path

WRITER_WAIT_S = 10.0    # a short command waits this long for the app or another command to close the library


@contextmanager
def changing_library(db_path: str | None):
    """The library open for a change; after it, the rolling backup is brought up to date."""
    from ..engine.backup import rolling_backup

    with Library(library_path(db_path), wait=WRITER_WAIT_S) as library:
        yield library
        rolling_backup(library)


def piece_json(library, piece_id: int) -> dict:
    """{"id", "path", "tune", the editable fields as shown, "edited": {field: {"value", "file_value"}}, marks}."""
    piece = library.piece(piece_id)
    mark = organise.marks(library, [piece_id]).get(piece_id, {})
    return {"id": piece_id, "path": piece["path"], "tune": piece["tune"],
            **{name: piece.get(name) for name in organise.EDITABLE_FIELDS},
            "edited": organise.edited_fields(library, piece_id),
            "rating": mark.get("rating"), "favourite": mark.get("favourite", False),
            "hidden": mark.get("hidden", False)}


def _show_piece(data: dict) -> None:
    click.echo(f"[{data['id']}] {data['path']}")
    for name in organise.EDITABLE_FIELDS:
        edit = data["edited"].get(name)
        note = f"   (edited; the file says {edit['file_value']!r})" if edit else ""
        click.echo(f"  {name}: {data[name] if data[name] is not None else '-'}{note}")


@cli.command()
@click.argument("piece_id", type=int)
@click.option("--title", default=None, help="Show this title.")
@click.option("--composer", default=None, help="Show this composer.")
@click.option("--work", default=None, help="Show this work (e.g. the opus the piece belongs to).")
@click.option("--movement", default=None, help="Show this movement.")
@click.option("--genre", default=None, help="Show this genre.")
@click.option("--notes", default=None, help="Your notes on the piece.")
@click.option("--revert", "reverts", multiple=True, type=click.Choice(organise.EDITABLE_FIELDS),
              help="Show the file's value of this field again (repeatable).")
@db_option
@json_option
def edit(piece_id, title, composer, work, movement, genre, notes, reverts, db_path, as_json):
    """Edit a piece's title, composer, work, movement, genre or notes (kept in the library, never in the file).

    An empty value blanks the field; with no option, the piece's fields are shown.

    Example: clamp-desktop edit 12 --title "Ave verum corpus" --composer Mozart --revert genre
    """
    given = {name: value for name, value in dict(title=title, composer=composer, work=work, movement=movement,
                                                  genre=genre, notes=notes).items() if value is not None}
    if not given and not reverts:
        with Library(library_path(db_path), readonly=True) as library:
            organise.need_piece(library, piece_id)
            data = piece_json(library, piece_id)
    else:
        with changing_library(db_path) as library:
            if given:
                organise.edit_piece(library, piece_id, **given)
            for field in reverts:
                organise.revert_field(library, piece_id, field)
            data = piece_json(library, piece_id)
    echo_json(data) if as_json else _show_piece(data)


@cli.command()
@click.argument("piece_id", type=int)
@click.argument("stars", type=click.IntRange(0, 5))
@db_option
def rate(piece_id, stars, db_path):
    """Give a piece 1 to 5 stars (0 clears its rating).

    Example: clamp-desktop rate 12 5
    """
    with changing_library(db_path) as library:
        organise.rate(library, piece_id, stars)
    click.echo(f"piece {piece_id}: {'*' * stars if stars else 'no rating'}")


@cli.command()
@click.argument("piece_id", type=int)
@click.option("--off", is_flag=True, help="No longer a favourite.")
@db_option
def favourite(piece_id, off, db_path):
    """Mark a piece as a favourite (or, with --off, no longer).

    Example: clamp-desktop favourite 12
    """
    with changing_library(db_path) as library:
        organise.set_favourite(library, piece_id, not off)
    click.echo(f"piece {piece_id}: {'not a favourite' if off else 'favourite'}")

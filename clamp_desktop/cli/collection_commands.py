"""``collection ...``: collections and setlists (engine.collections).

Positions on the command line count from 1 (the first piece), as ``show``
numbers them.  ``--json`` shapes are documented in docs/cli-json.md.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..engine import collections as coll
from ..engine.models import model_loader, model_name
from ..store import Library
from .app import cli, db_option, echo_json, json_option, model_option
from .library_commands import library_path
from .organise_commands import changing_library


def _ranking(model) -> dict:
    """How a smart collection's free text is ranked: with the library's model (loaded only if needed)."""
    return {"model_name": model_name(model), "load_model": model_loader(model, None)}


@cli.group()
def collection():
    """Collections and setlists: ordered lists of pieces, and smart ones (saved searches).

    Example: clamp-desktop collection create "Sunday service" && clamp-desktop collection add "Sunday service" 12 7
    """


@collection.command("create")
@click.argument("name")
@click.option("--smart", "query", default=None, metavar="QUERY",
              help="A smart collection: this search (filters, \"keywords\", free text), evaluated each time.")
@db_option
def create_command(name, query, db_path):
    """Make a collection (empty), or a smart one that lists what a search finds.

    Example: clamp-desktop collection create "Minor chorales" --smart 'composer:bach key:minor "chorale"'
    """
    with changing_library(db_path) as library:
        made = coll.create_collection(library, name, query)
    click.echo(f"created {'smart ' if made['smart'] else ''}collection '{made['name']}'")


@collection.command("add")
@click.argument("name")
@click.argument("piece_ids", nargs=-1, type=int, required=True)
@click.option("--at", "position", type=click.IntRange(min=1), default=None,
              help="Insert at this position (1 = first); default: at the end.")
@db_option
def add_command(name, piece_ids, position, db_path):
    """Add pieces to a collection, in the order given (a piece already there stays put).

    Example: clamp-desktop collection add "Sunday service" 12 7 31 --at 1
    """
    with changing_library(db_path) as library:
        added = coll.add_to_collection(library, name, piece_ids, None if position is None else position - 1)
    click.echo(f"added {added} piece{'s' if added != 1 else ''} to '{name}'")


@collection.command("remove")
@click.argument("name")
@click.argument("piece_ids", nargs=-1, type=int, required=True)
@db_option
def remove_command(name, piece_ids, db_path):
    """Take pieces out of a collection (they stay in the library).

    Example: clamp-desktop collection remove "Sunday service" 7
    """
    with changing_library(db_path) as library:
        removed = coll.remove_from_collection(library, name, piece_ids)
    click.echo(f"removed {removed} piece{'s' if removed != 1 else ''} from '{name}'")


@collection.command("move")
@click.argument("name")
@click.argument("piece_id", type=int)
@click.argument("position", type=click.IntRange(min=1))
@db_option
def move_command(name, piece_id, position, db_path):
    """Move a piece to a position in the collection (1 = first; past the end = last).

    Example: clamp-desktop collection move "Sunday service" 31 1
    """
    with changing_library(db_path) as library:
        coll.move_in_collection(library, name, piece_id, position - 1)
    click.echo(f"moved piece {piece_id} to position {position} in '{name}'")


@collection.command("show")
@click.argument("name")
@db_option
@model_option
@json_option
def show_command(name, db_path, model, as_json):
    """List a collection's pieces in order (a smart one is searched now).

    Example: clamp-desktop collection show "Sunday service" --json
    """
    with Library(library_path(db_path), readonly=True) as library:
        data = coll.collection_json(library, name, **_ranking(model))
    if as_json:
        echo_json(data)
        return
    kind = f"smart: {data['smart']}" if data["smart"] else "manual"
    click.echo(f"{data['name']} ({kind}), {len(data['pieces'])} pieces")
    if data["note"]:
        click.echo(data["note"])
    for number, piece in enumerate(data["pieces"], start=1):
        composer = f" - {piece['composer']}" if piece["composer"] else ""
        click.echo(f"{number:4d}. {piece['title']}{composer}  [{piece['id']}] {piece['path']}")


@collection.command("list")
@db_option
@json_option
def list_command(db_path, as_json):
    """List the collections, with how many pieces each holds.

    Example: clamp-desktop collection list --json
    """
    with Library(library_path(db_path), readonly=True) as library:
        found = [{key: c[key] for key in ("name", "smart", "count")} for c in coll.list_collections(library)]
    if as_json:
        echo_json(found)
        return
    for item in found:
        detail = f"smart: {item['smart']}" if item["smart"] else f"{item['count']} pieces"
        click.echo(f"{item['name']}  ({detail})")
    if not found:
        click.echo("no collections yet (clamp-desktop collection create NAME)")


@collection.command("rename")
@click.argument("name")
@click.argument("new_name")
@db_option
def rename_command(name, new_name, db_path):
    """Rename a collection.

    Example: clamp-desktop collection rename "Sunday service" "Easter Sunday"
    """
    with changing_library(db_path) as library:
        coll.rename_collection(library, name, new_name)
    click.echo(f"renamed collection '{name}' to '{new_name}'")


@collection.command("delete")
@click.argument("name")
@db_option
def delete_command(name, db_path):
    """Delete a collection (its pieces stay in the library).

    Example: clamp-desktop collection delete "Sunday service"
    """
    with changing_library(db_path) as library:
        coll.delete_collection(library, name)
    click.echo(f"deleted collection '{name}'")


@collection.command("export")
@click.argument("name")
@click.option("--to", "folder", type=click.Path(file_okay=False), default=None,
              help="Copy the files into this folder, numbered in order (01 - Title.mxl, ...).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help="Write the list as CSV or JSON (to --out, else to stdout).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="With --format: write here.")
@db_option
@model_option
def export_command(name, folder, fmt, out, db_path, model):
    """Export a setlist: numbered copies of its files in a folder, or the list as CSV or JSON.

    Example: clamp-desktop collection export "Sunday service" --to ~/Desktop/sunday
    """
    if not folder and not fmt:
        raise click.UsageError("say where: --to FOLDER (copies) or --format csv|json (the list)")
    with Library(library_path(db_path), readonly=True) as library:
        if folder:
            copies = coll.export_setlist_folder(library, name, folder, **_ranking(model))
            click.echo(f"copied {len(copies)} files to {folder}", err=True)
        if fmt:
            text = coll.setlist_text(library, name, fmt, **_ranking(model))
    if fmt and out:
        Path(out).write_text(text, encoding="utf-8", newline="")
        click.echo(f"wrote {out}", err=True)
    elif fmt:
        click.echo(text, nl=False)

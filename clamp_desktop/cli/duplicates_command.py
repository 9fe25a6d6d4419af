"""``duplicates``: groups of pieces that hold one work (identical files, other editions)."""

from __future__ import annotations

import click

from ..engine import organise
from ..engine.duplicates import EDITION_THRESHOLD, find_duplicates
from ..engine.models import model_name
from ..store import Library
from .app import cli, db_option, echo_json, json_option, model_option
from .library_commands import library_path
from .organise_commands import changing_library


@cli.command()
@click.option("--not-duplicates", "apart", default=None, metavar="ID,ID...",
              help="Remember that these pieces are not duplicates (their group is not shown again).")
@click.option("--hide", "hide", multiple=True, type=int, metavar="ID",
              help="Keep an extra copy out of the library view (repeatable); --show undoes it.")
@click.option("--show", "show", multiple=True, type=int, metavar="ID", help="Show a hidden copy again.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=EDITION_THRESHOLD, show_default=True,
              help="How alike two pieces must be to count as editions of one work (docs/duplicates.md).")
@db_option
@model_option
@json_option
def duplicates(apart, hide, show, threshold, db_path, model, as_json):
    """Identical files and other editions of one work (a transposed copy, another engraving).

    Groups the user marked "not duplicates" are left out.

    Example: clamp-desktop duplicates --json; clamp-desktop duplicates --not-duplicates 12,40
    """
    if apart or hide or show:
        _mark(db_path, apart, hide, show)
        return
    name = model_name(model)
    with Library(library_path(db_path), readonly=True) as library:
        groups = find_duplicates(library, name, threshold=threshold)
    if as_json:
        echo_json({"model": name, "threshold": threshold, "groups": [g.as_json() for g in groups]})
        return
    for group in groups:
        click.echo(f"{group.kind} ({len(group.pieces)} pieces):")
        for piece in group.pieces:
            click.echo(f"  {piece['id']:>6}  {piece['title'] or '(untitled)'}  {piece['path']}")
    click.echo(f"{len(groups)} group(s)" if groups else "no duplicates found")


def _mark(db_path, apart: str | None, hide: tuple[int, ...], show: tuple[int, ...]) -> None:
    ids = [int(i) for i in apart.replace(" ", "").split(",") if i.isdigit()] if apart else []
    if apart and len(ids) < 2:
        raise click.BadParameter("give two or more piece ids, e.g. 12,40", param_hint="--not-duplicates")
    with changing_library(db_path) as library:
        if ids:
            organise.mark_not_duplicates(library, ids)
        for piece_id, hidden in [(i, True) for i in hide] + [(i, False) for i in show]:
            organise.set_hidden(library, piece_id, hidden)
    click.echo(f"remembered: {', '.join(map(str, ids))} are not duplicates" if ids else "done")

"""``duplicates``: groups of pieces that hold one work (identical files, other editions)."""

from __future__ import annotations

import click

from ..engine.duplicates import EDITION_THRESHOLD, find_duplicates
from ..engine.models import model_name
from ..store import Library
from .app import cli, db_option, echo_json, json_option, model_option
from .library_commands import library_path


@cli.command()
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=EDITION_THRESHOLD, show_default=True,
              help="How alike two pieces must be to count as editions of one work (docs/duplicates.md).")
@db_option
@model_option
@json_option
def duplicates(threshold, db_path, model, as_json):
    """Identical files and other editions of one work (a transposed copy, another engraving).

    Groups the user marked "not duplicates" are left out.

    Example: clamp-desktop duplicates --json
    """
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

"""``composer list`` and ``composer rename``: one name per person, as the user wants it shown.

A rename is kept in the library (never written to the score files) and
applied again whenever a file is re-read; renaming to a name that exists
merges the two.
"""

from __future__ import annotations

import click

from ..store import Library
from .app import cli, db_option, echo_json, json_option
from .library_commands import library_path


@cli.group()
def composer():
    """List composers, or rename and merge them (kept in the library, not in the files)."""


@composer.command("list")
@db_option
@json_option
def list_composers(db_path, as_json):
    """Every composer with the number of pieces, and the renames in force.

    Example: clamp-desktop composer list --json
    """
    with Library(library_path(db_path), readonly=True) as library:
        names = library.composers()
        renames = library.composer_names()
    if as_json:
        echo_json({"composers": [{"name": name, "pieces": count} for name, count in names],
                   "renames": [{"from": old, "to": new} for old, new in sorted(renames.items())]})
        return
    for name, count in names:
        click.echo(f"{count:6d}  {name}")
    for old, new in sorted(renames.items()):
        click.echo(f"renamed: {old} -> {new}")


@composer.command()
@click.argument("old")
@click.argument("new")
@db_option
@json_option
def rename(old, new, db_path, as_json):
    """Show composer OLD as NEW (a merge when NEW is already in the library).

    Example: clamp-desktop composer rename "F. Chopin" "Frédéric Chopin"
    """
    if not " ".join(new.split()):
        raise click.BadParameter("the new name is empty", param_hint="NEW")
    with Library(library_path(db_path)) as library:
        known = dict(library.composers())
        if old not in known:
            raise click.BadParameter(f"no composer named {old!r} in the library (see 'clamp-desktop composer list')",
                                     param_hint="OLD")
        merged = " ".join(new.split()) in known
        changed = library.rename_composer(old, new)
    if as_json:
        echo_json({"from": old, "to": " ".join(new.split()), "pieces": changed, "merged": merged})
        return
    click.echo(f"{'merged' if merged else 'renamed'} {old} -> {new}: {changed} piece(s)")

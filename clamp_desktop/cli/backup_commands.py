"""``backup`` and ``restore``: everything the user made, in one JSON file (engine.backup)."""

from __future__ import annotations

import click

from ..engine import backup as engine_backup
from ..store import Library
from .app import cli, db_option, echo_json, json_option
from .library_commands import library_path
from .organise_commands import changing_library


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
@json_option
def backup(file, db_path, as_json):
    """Save everything you made (edits, tags, collections, ratings, favourites, vocabularies ...) to FILE.

    Pieces are named by content hash and path, so the file restores into a
    freshly indexed library on another computer.

    Example: clamp-desktop backup ~/clamp-backup.json
    """
    with Library(library_path(db_path), readonly=True) as library:
        counts = engine_backup.write_backup(library, file)
    if as_json:
        echo_json({"file": file, **counts})
        return
    click.echo(f"backed up {counts['pieces']} pieces ({counts['edits']} edits, {counts['tags']} tag decisions), "
               f"{counts['collections']} collections, {counts['vocabularies']} vocabularies to {file}")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@db_option
@json_option
def restore(file, db_path, as_json):
    """Bring back a backup into this library; pieces not found are listed (their data waits for the file).

    Index the folders first: pieces are found by content, else by path.

    Example: clamp-desktop index ~/Scores && clamp-desktop restore ~/clamp-backup.json
    """
    with changing_library(db_path) as library:
        report = engine_backup.restore_backup(library, file)
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(f"restored {report.pieces} pieces ({report.edits} edits, {report.tags} tag decisions), "
               f"{report.collections} collections, {report.not_duplicates} 'not duplicates' groups"
               + (f", vocabularies {', '.join(report.vocabularies)}" if report.vocabularies else ""))
    if report.missing:
        click.echo(f"{len(report.missing)} pieces of the backup are not in this library; what you made of them "
                   "comes back when their files are indexed:")
        for item in report.missing:
            click.echo(f"  not found: {item['path']} ({item['title']})")

"""``clamp-desktop demo``: the main job out of the box, offline.

Indexes the demo library (music21's MusicXML scores and folk tunes, see ``engine.demo``) with
the default model, then runs a few example searches.
"""

from __future__ import annotations

from pathlib import Path

import click

from .. import paths
from ..engine.models import model_loader, model_name
from ..engine.demo import EXAMPLE_QUERIES, demo_folder
from ..store import Library
from .app import cli, device_option, echo_json, json_option, model_option
from .library_commands import index_folders, print_summary
from .results import result_line
from .search_commands import result_rows

DEMO_FIELDS = ("rank", "id", "title", "composer", "key", "meter", "path", "cosine", "matched")

def example_searches(db: Path, requested_model: str | None, device: str | None, top: int) -> list[dict]:
    from ..engine.search import search

    name = model_name(requested_model)
    load = model_loader(requested_model, device)
    results = []
    with Library(db, readonly=True) as library:
        for text in EXAMPLE_QUERIES:
            rows = result_rows(library, search(library, text, name, load, top=top), 0)
            results.append({"query": text, "results": [{field: row[field] for field in DEMO_FIELDS} for row in rows]})
    return results


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Demo library database (default: demo.db in the user data folder).")
@model_option
@device_option
@click.option("--top", default=3, show_default=True, help="Results per example search.")
@click.option("--quick", is_flag=True,
              help="A small demo library (a few dozen scores, indexed in seconds) instead of the full one.")
@json_option
def demo(db_path, model, device, top, quick, as_json):
    """Index scores and folk tunes bundled with music21 and run example searches, offline.

    Example: clamp-desktop demo
    """
    db = Path(db_path) if db_path else paths.demo_db_path()
    folder = demo_folder(quick)
    if not as_json:
        click.echo(f"Indexing the demo library ({folder}) into {db} ...")
    summary = index_folders(db, [folder], model, device, as_json)
    searches = example_searches(db, model, device, top)
    if as_json:
        echo_json({"index": summary.as_dict(), "db": str(db), "searches": searches})
        return
    print_summary(summary, db, as_json=False)
    for item in searches:
        click.echo(f'\nsearch: "{item["query"]}"')
        for row in item["results"]:
            click.echo(result_line(row, [str(folder)], verbose=False))
    click.echo(f"\nThis is the demo library; other commands read it with --db {db}, e.g.")
    click.echo(f"  clamp-desktop search \"an Irish reel\" --db {db}")
    click.echo(f"  clamp-desktop status --db {db}")

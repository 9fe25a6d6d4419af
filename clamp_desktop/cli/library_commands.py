"""``index``, ``status`` and ``demo``: building and inspecting a library."""

from __future__ import annotations

from pathlib import Path

import click

from .. import paths
from ..engine.indexer import LibraryIndexer, run_to_end
from ..engine.models import model_loader, model_name
from ..store import Library, user_data
from .app import cli, db_option, device_option, echo_json, json_option, model_option, progress_bar


def library_path(db_path: str | None) -> Path:
    return Path(db_path) if db_path else paths.default_db_path()


def index_folders(db: Path, folders, model, device, as_json, suffixes=None, cluster=None, ship_files=False):
    if cluster:
        from ..engine.cluster import cluster_backend

        with cluster_backend(cluster, model, device, ship_files) as backend:
            return _index(db, folders, model, device, as_json, suffixes, backend)
    return _index(db, folders, model, device, as_json, suffixes, None)


def _index(db: Path, folders, model, device, as_json, suffixes, backend):
    from tqdm import tqdm

    name = model_name(model)
    with Library(db) as library:
        indexer = LibraryIndexer(library, name, model_loader(model, device, tqdm), suffixes=suffixes,
                                 backend=backend)
        bar = progress_bar(0, "indexing", enabled=not as_json)

        def show(progress):
            bar.total = max(progress.total, 1)
            bar.n = progress.done
            bar.set_description(progress.stage)
            bar.set_postfix_str(progress.detail)
            bar.refresh()

        try:
            summary = run_to_end(indexer.run(folders), show)
        finally:
            bar.close()
    return summary


def print_summary(summary, db: Path, as_json: bool) -> None:
    if as_json:
        echo_json(dict(summary.as_dict(), db=str(db)))
        return
    click.echo(
        f"added {summary.added}, updated {summary.updated}, moved {summary.moved}, "
        f"removed {summary.removed}, unchanged {summary.unchanged}, failed {summary.failed}, "
        f"repaired {summary.repaired}, encoded {summary.encoded} in {summary.seconds:.1f} s ({summary.model})"
    )
    click.echo(still_failing_line(summary.still_failing))
    rates = [f"{stage} {figures['per_second']}/s" for stage, figures in summary.stages.items()
             if figures.get("per_second")]
    if summary.nodes > 1 or rates:
        click.echo(f"  {summary.nodes} node{'s' if summary.nodes != 1 else ''} worked; {', '.join(rates) or 'nothing to do'}")
    for path, error in summary.failures:
        click.echo(f"  failed: {path}: {error}")
    for path, note in summary.notices:
        click.echo(f"  notice: {path}: {note}")


def still_failing_line(count: int) -> str:
    if not count:
        return "every file in the library was converted"
    return f"{count} file{'s' if count != 1 else ''} in the library still not converted (see 'clamp-desktop status')"


@cli.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@db_option
@model_option
@device_option
@json_option
@click.option("--cluster", "cluster", metavar="ADDRESS", default=None,
              help="Convert and encode on a Ray cluster (host:6379, ray://host:10001 or auto); "
                   'needs pip install "clamp-desktop[cluster]".')
@click.option("--ship-files", is_flag=True,
              help="With --cluster: send the files' bytes to the workers (no shared file system needed).")
def index(folders, db_path, model, device, as_json, cluster, ship_files):
    """Index score folders into the library (only new and changed files are read).

    Example: clamp-desktop index ~/Scores --db ~/scores.db
    """
    if ship_files and not cluster:
        raise click.UsageError("--ship-files only applies with --cluster ADDRESS")
    db = library_path(db_path)
    summary = index_folders(db, folders, model, device, as_json, cluster=cluster, ship_files=ship_files)
    print_summary(summary, db, as_json)


def library_status(db: Path) -> dict:
    with Library(db, readonly=True) as library:
        counts = library.counts()
        data = {
            "db": str(db),
            "folders": library.folders(),
            **counts,
            "models": library.models(),
            "failures": library.failures(),
            "notices": library.notices(),
            "user_data": user_data.counts(library),
        }
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file() and not p.name.endswith(".lock"))
    data["size_bytes"] = size
    data["default_model"] = model_name(None)
    return data


@cli.command()
@db_option
@json_option
def status(db_path, as_json):
    """Show what the library holds: counts, failures with reasons, models, size on disk.

    Example: clamp-desktop status --json
    """
    data = library_status(library_path(db_path))
    if as_json:
        echo_json(data)
        return
    click.echo(f"library: {data['db']} ({data['size_bytes'] / 1e6:.1f} MB)")
    click.echo(f"folders: {', '.join(data['folders']) or '(none)'}")
    click.echo(f"pieces: {data['pieces']} from {data['files']} files, {data['files_failing']} files not converted "
               f"({data['listed_without_music']} of them listed by their metadata), "
               f"{data['repaired']} converted after a repair")
    made = data["user_data"]
    click.echo(f"yours: {made['edited']} pieces edited, {made['rated']} rated, {made['favourites']} favourites, "
               f"{made['hidden']} hidden, {made['collections']} collections"
               + (f"; kept for {made['waiting']} pieces no longer in the library" if made["waiting"] else ""))
    click.echo(f"default model: {data['default_model']}")
    for name, count in data["models"].items():
        click.echo(f"vectors: {count} from {name}")
    for failure in data["failures"]:
        click.echo(f"  failed: {failure['path']}: {failure['error']}")
    for notice in data["notices"]:
        click.echo(f"  notice: {notice['path']}: {notice['note']}")

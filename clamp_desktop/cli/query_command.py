"""``clamp-desktop query``: the reference tool's command, on any folder or text file."""

from __future__ import annotations

import click

from .. import paths
from ..engine.models import model_loader, model_name
from ..engine.query import run_query
from ..store.vector_cache import VectorCache
from .app import cli, device_option, echo_json, json_option, model_option


@cli.command()
@model_option
@device_option
@click.option("--query-modal", type=click.Choice(["music", "text"]), required=True,
              help="What the query is: a MusicXML file (music) or text / a text file (text).")
@click.option("--key-modal", type=click.Choice(["music", "text"]), required=True,
              help="What the keys are: MusicXML files under a folder (music) or lines of a text file (text).")
@click.option("--query", "query", required=True, help="A MusicXML file, a text file, or the text itself.")
@click.option("--keys", "keys", required=True, type=click.Path(exists=True),
              help="A folder (or one file) of MusicXML for music keys; a text file for text keys.")
@click.option("--top-n", default=10, show_default=True, help="How many results; 0 for all.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the key vector cache.")
@json_option
def query(model, device, query_modal, key_modal, query, keys, top_n, no_cache, as_json):
    """Rank keys against a query, like CLaMP's clamp.py, printing probability and cosine.

    Example: clamp-desktop query --query-modal text --key-modal music
    --query "a chorale in a minor key" --keys ~/Scores --top-n 5
    """
    name = model_name(model)
    cache = None if no_cache else VectorCache(paths.cache_dir() / "key_vectors.db")
    try:
        result = run_query(name, model_loader(model, device), query_modal, key_modal,
                           query, keys, top_n, cache)
    finally:
        if cache:
            cache.close()
    if as_json:
        echo_json({
            "model": name,
            "results": [{"key": h.key, "probability": h.probability, "cosine": h.cosine} for h in result.hits],
            "skipped": [{"key": k, "error": e} for k, e in result.skipped],
            "encoded": result.encoded,
        })
        return
    for key, error in result.skipped:
        click.echo(f"skipped {key}: {error}", err=True)
    if not result.hits:
        click.echo("No keys could be read; nothing to rank.")
    for hit in result.hits:
        click.echo(f"Prob: {hit.probability * 100:.2f}% - Sim: {hit.cosine:.4f}:\n{hit.key}\n")

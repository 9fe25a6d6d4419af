"""``clamp-desktop model``: list the known models, download a published one."""

from __future__ import annotations

import click

from ..model.registry import REGISTRY, default_model_name
from .app import cli, echo_json, json_option


@cli.group()
def model():
    """Models: the bundled offline model and the published CLaMP checkpoints."""


@model.command("list")
@json_option
def list_cmd(as_json):
    """List the models the app knows.

    Example: clamp-desktop model list
    """
    default = default_model_name()
    rows = [
        {"name": e.name, "description": e.description, "bundled": e.is_bundled,
         "download_bytes": e.download_size, "default": e.name == default, "whole_pieces": e.whole_pieces,
         "languages": e.languages}
        for e in REGISTRY.values()
    ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        mark = "*" if row["default"] else " "
        size = f" ({row['download_bytes'] / 1e6:.0f} MB download)" if row["download_bytes"] else ""
        reads = "reads whole pieces" if row["whole_pieces"] else "reads the first max_length patches (--whole-pieces: all)"
        click.echo(f"{mark} {row['name']}: {row['description']}{size}; {reads}; {row['languages']}")


@model.command()
@click.argument("name")
def download(name):
    """Download a published model into the cache (verified by sha256), for offline use later.

    Models whose hash is not published (clamp3-c2, clamp2) are pinned on
    first download: the revision and sha256 are recorded and checked later.

    Example: clamp-desktop model download clamp3-c2
    """
    from tqdm import tqdm

    from ..model import model_folder

    _, folder = model_folder(name, tqdm_class=tqdm)
    click.echo(f"{name} is ready in {folder}")

"""``serve``: the library in a browser on this computer or, with a password, on the home network."""

from __future__ import annotations

from pathlib import Path

import click

from .app import cli, db_option, device_option, model_option
from .library_commands import library_path

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 reaches the whole network (needs --password-file).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--password-file", type=_FILE, default=None,
              help="A file whose first line is the password (or its scrypt hash, as the app stores it).")
@click.option("--certfile", type=_FILE, default=None, help="TLS certificate (PEM), for https.")
@click.option("--keyfile", type=_FILE, default=None, help="TLS private key (PEM) of --certfile.")
@model_option
@device_option
def serve(db_path, host, port, password_file, certfile, keyfile, model, device):
    """Serve the library to browsers: search, browse, engraved pages and similar pieces (read-only).

    Example: clamp-desktop serve --host 0.0.0.0 --password-file ~/.config/clamp-web-password
    """
    from ..web.server import ServeOptions, serve as run_server

    options = ServeOptions(library_path(db_path), host, port, password_file, certfile, keyfile, model, device)
    run_server(options, announce=click.echo)

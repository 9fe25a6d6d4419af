"""``gui``: the desktop app (also what ``clamp-desktop`` with no command opens)."""

from __future__ import annotations

import click

from ..errors import ClampDesktopError
from .app import cli


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def gui(files):
    """Open the desktop app: library, score viewer, search, tags and similar pieces.

    A score file given on the command line (as "Open with" does) opens with
    its similar pieces shown.

    Example: clamp-desktop gui
    """
    from ..ui.system_libraries import install_hint, missing_packages

    missing = missing_packages()
    if missing:
        raise ClampDesktopError(install_hint(missing))
    from ..ui.app import main

    click.get_current_context().exit(main(["clamp-desktop", *files]))

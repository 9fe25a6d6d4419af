"""``gui``: the desktop app (also what ``clamp-desktop`` with no command opens)."""

from __future__ import annotations

import click

from .app import cli


@cli.command()
def gui():
    """Open the desktop app: library, score viewer, search, tags and similar pieces.

    Example: clamp-desktop gui
    """
    from ..ui.app import main

    click.get_current_context().exit(main())

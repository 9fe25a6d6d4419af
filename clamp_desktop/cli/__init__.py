"""The command line: each command is a thin face over one engine verb.

Errors the user can cause are ``ClampDesktopError``s; they are printed here,
as one line, with exit status 1.  Tracebacks are for bugs only
(``CLAMP_DESKTOP_DEBUG=1`` shows them for every error).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import ClampDesktopError, NoLibraryError
from .app import cli



def _load_commands() -> None:
    """Import every ``*_command(s).py`` module here; each adds its commands to ``cli``."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if module.name.endswith(("_command", "_commands")):
            importlib.import_module(f"{__name__}.{module.name}")


_load_commands()


def no_library_message(missing) -> str:
    """No library here: how to make or choose one, naming the demo library when there is one (one line)."""
    from .. import paths

    message = (f"No library at {missing}; index a folder into it ('clamp-desktop index FOLDER'), or choose "
               "another library with --db PATH or the CLAMP_DESKTOP_DB environment variable.")
    demo = paths.demo_db_path()
    if demo.exists() and demo.resolve() != Path(missing).resolve():
        message += f" The demo library is {demo}: add --db {demo}"
    return message


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="clamp-desktop", standalone_mode=False)
    except ClampDesktopError as exc:
        if os.environ.get("CLAMP_DESKTOP_DEBUG"):
            raise
        message = no_library_message(exc.path) if isinstance(exc, NoLibraryError) else str(exc)
        click.echo(f"error: {message}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


__all__ = ["cli", "main", "__version__"]

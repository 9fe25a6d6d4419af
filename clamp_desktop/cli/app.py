"""The command group and the options several commands share."""

from __future__ import annotations

import functools
import json
import sys

import click

from .. import __version__


class FullHelpGroup(click.Group):
    """A group whose command list shows each command's whole first sentence, wrapped."""

    def format_commands(self, ctx, formatter):
        """Click cuts each description to one line with "..."; this shows the whole first sentence."""
        rows = [(name, command.get_short_help_str(limit=1_000))
                for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class DefaultToGui(FullHelpGroup):
    """``clamp-desktop`` with no command opens the desktop app."""

    group_class = FullHelpGroup     # what ``@cli.group()`` makes (composer, model, soundfont)

    def parse_args(self, ctx, args):
        if not args:
            args = ["gui"]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultToGui, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clamp-desktop")
def cli():
    """clamp-desktop: a music score library with CLaMP search, tagging and similar pieces.

    Example: clamp-desktop index ~/Scores && clamp-desktop search "a slow chorale"
    """


db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="Library database (default: $CLAMP_DESKTOP_DB or library.db in the user data folder).",
)
_model_name_option = click.option(
    "--model", "model", default=None,
    help="A registry name (see 'clamp-desktop model list') or a checkpoint folder.",
)
_whole_pieces_option = click.option(
    "--whole-pieces", is_flag=True, envvar="CLAMP_DESKTOP_WHOLE_PIECES",
    help="Read long pieces whole, in segments, with a model trained on their beginnings "
         "(published CLaMP v1); models trained on whole pieces always do. Vectors are stored apart.",
)


def model_option(command):
    """``--model`` and ``--whole-pieces``, folded into the one model request the command sees as ``model``."""

    @functools.wraps(command)
    def folded(*args, whole_pieces: bool = False, **kwargs):
        if whole_pieces:
            from ..model.registry import with_whole_pieces

            kwargs["model"] = with_whole_pieces(kwargs.get("model"))
        return command(*args, **kwargs)

    return _model_name_option(_whole_pieces_option(folded))
device_option = click.option("--device", default=None, help="cpu, cuda or mps (default: the best available).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def progress_bar(total: int, desc: str, enabled: bool = True):
    """A tqdm bar on a terminal, silent otherwise (same loop either way)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="file", disable=not enabled or not sys.stderr.isatty(),
                leave=False, dynamic_ncols=True)

"""Search and similar results as a person reads them: one line per piece, one score format.

A line is ``rank. cosine  title — composer (key, meter)  short/path.mxl``: the
path relative to the library folder it lies in (or ``~``-abbreviated), cut in
the middle when long.  ``--verbose`` adds the piece id and the full path;
``--json`` (docs/cli-json.md) always holds full paths and every score.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

PATH_WIDTH = 60


def score_text(row: dict) -> str:
    """The one way a score is printed: the cosine, then a calibrated relevance where the engine gives one.

    The model-only ranking's probability (a softmax over whatever candidates
    the filters left) is not printed: it changes with the candidates, so it
    reads as a confidence it is not.  It stays in --json.
    """
    if row.get("cosine") is None:
        return ""
    text = f"cos {row['cosine']:.3f}"
    if row.get("relevance") is not None:     # a calibrated 0-1 relevance, when the engine's Hit has one
        text += f"  {row['relevance']:.0%} relevant"
    return text


def piece_label(row: dict) -> str:
    """'Title — Composer (G major, 6/8)'."""
    who = f" — {row['composer']}" if row.get("composer") else ""
    facts = ", ".join(value for value in (row.get("key"), row.get("meter")) if value)
    return f"{row.get('title') or Path(row['path']).name}{who}{f' ({facts})' if facts else ''}"


def short_path(path: str, folders: list[str], width: int = PATH_WIDTH) -> str:
    """The path from its library folder's name down (else ~-abbreviated), cut in the middle past ``width``."""
    shown = _relative(path, folders)
    if len(shown) <= width:
        return shown
    keep = width - 1
    return shown[: keep // 2] + "…" + shown[-(keep - keep // 2):]


def _relative(path: str, folders: list[str]) -> str:
    for folder in sorted(folders, key=len, reverse=True):
        root = folder.rstrip(os.sep)
        if path.startswith(root + os.sep):
            return os.path.join(os.path.basename(root), path[len(root) + 1:])
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if home != os.sep and path.startswith(home + os.sep) else path


def result_line(row: dict, folders: list[str], verbose: bool) -> str:
    score = score_text(row)
    meets = f"  meets: {', '.join(row['matched'])}" if row.get("matched") else ""
    where = f"[{row['id']}] {row['path']}" if verbose else short_path(row["path"], folders)
    return f"{row['rank']:4d}. {score + '  ' if score else ''}{piece_label(row)}{meets}  {where}"


def show_results(rows: list[dict], result, offset: int, folders: list[str], verbose: bool = False) -> None:
    if result.message:
        click.echo(result.message)
    for ignored in result.ignored:
        click.echo(f"ignored filter: {ignored}", err=True)
    for row in rows:
        click.echo(result_line(row, folders, verbose))
    if rows:
        click.echo(f"showing {offset + 1}-{offset + len(rows)} of {result.total}")

"""``clamp-desktop embed``: vectors of score/MIDI files, folders and texts, into an .npz file."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from ..engine.embed import embed as embed_inputs
from ..engine.models import model_loader, model_name
from .app import cli, device_option, echo_json, json_option, model_option


@cli.command()
@model_option
@device_option
@click.argument("inputs", nargs=-1, type=click.Path())
@click.option("--text", "texts", multiple=True, help="A text to encode (repeatable).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .npz file to write.")
@json_option
def embed(model, device, inputs, texts, out, as_json):
    """Write unnormalised vectors (float32, one row per input encoded) and their inputs to an .npz file.

    Example: clamp-desktop embed ~/Scores song.mid --text "a sad waltz" --model clamp3-c2 --out v.npz
    """
    result = embed_inputs(inputs, texts, model_loader(model, device))
    tmp = Path(out).with_name(Path(out).name + ".tmp.npz")
    np.savez(tmp, vectors=result.vectors, inputs=np.array(result.inputs, dtype=str))
    tmp.replace(out)
    if as_json:
        echo_json({"model": model_name(model), "out": str(Path(out).resolve()), "encoded": len(result.inputs),
                   "failed": [{"input": i, "error": e} for i, e in result.failed],
                   "notes": [{"input": i, "note": n} for i, n in result.notes]})
    for name, error in result.failed:
        click.echo(f"not encoded {name}: {error}", err=True)
    for name, note in result.notes:
        click.echo(f"note {name}: {note}", err=True)
    if not as_json:
        click.echo(f"{len(result.inputs)} vectors written to {out}")

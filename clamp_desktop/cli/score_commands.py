"""``audio``, ``midi``, ``pdf`` and ``soundfont``: a score as sound, as MIDI and on paper."""

from __future__ import annotations

from pathlib import Path

import click

from ..engine.render import ScoreRenderer
from ..errors import ClampDesktopError
from ..store import Library
from .app import cli, db_option, echo_json, json_option
from .library_commands import library_path

score_argument = click.argument("score_or_id")
out_option = click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The file to write.")


def score_source(score_or_id: str, db_path: str | None) -> tuple[str, int]:
    """(path, tune) of a score file, or of a library piece by id."""
    if Path(score_or_id).is_file():
        return str(Path(score_or_id).resolve()), 0
    if not score_or_id.isdigit():
        raise ClampDesktopError(f"{score_or_id} is neither a score file nor a piece id.")
    with Library(library_path(db_path), readonly=True) as library:
        piece = library.piece(int(score_or_id))
    if piece is None:
        raise ClampDesktopError(f"The library has no piece {score_or_id}; 'clamp-desktop search' lists ids.")
    return piece["path"], piece.get("tune") or 0


def loaded_renderer(score_or_id: str, db_path: str | None) -> ScoreRenderer:
    renderer = ScoreRenderer()
    renderer.load(*score_source(score_or_id, db_path))
    return renderer


@cli.command()
@score_argument
@out_option
@click.option("--soundfont", default=None, type=click.Path(dir_okay=False),
              help="An .sf2/.sf3 file (default: the one chosen in Settings, downloaded, or the system's).")
@click.option("--tempo", default=1.0, show_default=True, type=float, help="Speed factor: 0.5 plays at half the written tempo.")
@db_option
def audio(score_or_id, out, soundfont, tempo, db_path):
    """Render a score (file or library id) to a WAV file with a SoundFont, offline.

    Example: clamp-desktop audio ~/Scores/minuet.mxl --out minuet.wav --tempo 0.8
    """
    from ..engine.soundfonts import require_soundfont
    from ..engine.synth import SAMPLE_RATE, render_audio, write_wav

    font = require_soundfont(soundfont or _chosen_soundfont())
    samples = render_audio(loaded_renderer(score_or_id, db_path).midi(), font, speed=tempo)
    write_wav(samples, out)
    click.echo(f"wrote {out} ({len(samples) / SAMPLE_RATE:.1f} s, SoundFont {font.name})")


@cli.command()
@score_argument
@out_option
@db_option
def midi(score_or_id, out, db_path):
    """Save a score (file or library id) as a Standard MIDI File (Verovio's rendering).

    Example: clamp-desktop midi 42 --out chorale.mid
    """
    Path(out).write_bytes(loaded_renderer(score_or_id, db_path).midi())
    click.echo(f"wrote {out}")


def _chosen_soundfont() -> str | None:
    """The SoundFont chosen in the app's Settings (shared with the CLI)."""
    from ..ui.settings import Settings

    return Settings().get("sound/soundfont") or None


@cli.group()
def soundfont():
    """The SoundFont used for sound: where it is, and downloading one.

    Example: clamp-desktop soundfont download
    """


@soundfont.command("list")
@json_option
def soundfont_list(as_json):
    """Show the SoundFont in use and the ones found on this system.

    Example: clamp-desktop soundfont list --json
    """
    from ..engine.soundfonts import find_soundfont, system_soundfonts

    used, found = find_soundfont(_chosen_soundfont()), system_soundfonts()
    if as_json:
        echo_json({"used": str(used) if used else None, "found": [str(p) for p in found]})
        return
    click.echo(f"in use: {used or '(none: run clamp-desktop soundfont download)'}")
    for path in found:
        click.echo(f"  found: {path}")


@soundfont.command("download")
@click.option("--url", default=None, help="Fetch the pinned file from this mirror (http, https or file URL).")
def soundfont_download(url):
    """Download the pinned FluidR3Mono GM SoundFont (MIT, 24 MB) into the data folder; resumes, checks sha256.

    Example: clamp-desktop soundfont download
    """
    from tqdm import tqdm

    from ..engine.soundfonts import FLUIDR3_MONO, download_soundfont

    with tqdm(total=FLUIDR3_MONO.size, unit="B", unit_scale=True, desc=FLUIDR3_MONO.name, leave=False) as bar:
        def show(done, total):
            bar.n = done
            bar.refresh()

        path = download_soundfont(show, url)
    click.echo(f"{FLUIDR3_MONO.name} ({FLUIDR3_MONO.size / 1e6:.1f} MB, {FLUIDR3_MONO.license}) is in {path}")


@cli.command()
@score_argument
@out_option
@db_option
def pdf(score_or_id, out, db_path):
    """Save a score (file or library id) as a PDF with vector pages (Verovio's engraving).

    Example: clamp-desktop pdf 42 --out chorale.pdf
    """
    from ..ui.pdf import write_pdf

    path, tune = score_source(score_or_id, db_path)
    renderer = ScoreRenderer()
    renderer.load(path, tune)
    svgs = [renderer.page_svg(page) for page in range(1, renderer.page_count + 1)]
    write_pdf(svgs, out, title=Path(path).stem)
    click.echo(f"wrote {out} ({len(svgs)} page{'' if len(svgs) == 1 else 's'})")

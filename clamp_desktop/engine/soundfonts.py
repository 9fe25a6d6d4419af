"""Where a General MIDI SoundFont is found, and the one the app can download.

Order: the one chosen (Settings or ``--soundfont``), ``$CLAMP_DESKTOP_SOUNDFONT``,
the one downloaded into the data folder, then where systems keep them
(Debian/Ubuntu/Fedora ``/usr/share/sounds/sf2`` and ``sf3``, Homebrew's
fluid-synth, MuseScore's on macOS and Windows).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from .synth import SoundError

SUFFIXES = (".sf2", ".sf3")
# General MIDI fonts by preference, when a folder holds several.
PREFERRED = ("FluidR3_GM", "FluidR3Mono_GM", "MuseScore_General", "GeneralUser", "TimGM6mb", "default-GM")


@dataclass(frozen=True)
class PinnedSoundFont:
    name: str
    url: str
    size: int
    sha256: str
    license: str


# FluidR3Mono_GM.sf3 (MIT; Frank Wen's FluidR3, the mono SF3 edition made for MuseScore 2.1).
# Size and sha256 are those of the file Debian ships in fluidr3mono-gm-soundfont 2.315-7
# ("from MuseScore 2.1"); a download that differs in one byte is refused.
FLUIDR3_MONO = PinnedSoundFont(
    name="FluidR3Mono_GM.sf3",
    url="https://raw.githubusercontent.com/musescore/MuseScore/v2.1/share/sound/FluidR3Mono_GM.sf3",
    size=23_614_353,
    sha256="cda013d8c370a48ae8dad271e761078d2e77455488dabdedbfbe5fc76a38c682",
    license="MIT",
)


def system_folders() -> list[Path]:
    home = Path.home()
    if sys.platform == "darwin":
        return [home / "Library/Audio/Sounds/Banks", Path("/Library/Audio/Sounds/Banks"),
                Path("/opt/homebrew/share/fluid-synth"), Path("/usr/local/share/fluid-synth"),
                Path("/Applications/MuseScore 4.app/Contents/Resources/sound"),
                Path("/Applications/MuseScore 3.app/Contents/Resources/sound")]
    if sys.platform == "win32":
        programs = Path(os.environ.get("ProgramFiles", r"C:\Program Files"))
        return [programs / "MuseScore 4/sound", programs / "MuseScore 3/sound", Path(r"C:\soundfonts"),
                home / "soundfonts"]
    return [Path("/usr/share/sounds/sf2"), Path("/usr/share/sounds/sf3"), Path("/usr/share/soundfonts"),
            Path("/usr/local/share/soundfonts"), Path("/usr/share/mscore-3.6/sound"),
            home / ".local/share/sounds/sf2", home / ".local/share/soundfonts"]


def downloaded_path() -> Path:
    return paths.data_dir() / "soundfonts" / FLUIDR3_MONO.name


def _rank(path: Path) -> tuple[int, str]:
    stem = path.stem
    return next((n for n, name in enumerate(PREFERRED) if stem.startswith(name)), len(PREFERRED)), stem


def system_soundfonts(folders: list[Path] | None = None) -> list[Path]:
    """Every .sf2/.sf3 in the usual folders, General MIDI ones first."""
    found = []
    for folder in system_folders() if folders is None else folders:
        try:
            found += [p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file()]
        except OSError:
            continue
    unique = {p.resolve(): p for p in sorted(found, key=_rank, reverse=True)}   # links to one file count once
    return sorted(unique.values(), key=_rank)


def find_soundfont(chosen: str | Path | None = None, folders: list[Path] | None = None) -> Path | None:
    """The SoundFont to play with, or None when there is none anywhere."""
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise SoundError(f"The SoundFont {path} does not exist; choose another in Settings or with --soundfont.")
        return path
    env = os.environ.get("CLAMP_DESKTOP_SOUNDFONT")
    if env:
        return find_soundfont(env)
    if downloaded_path().is_file():
        return downloaded_path()
    found = system_soundfonts(folders)
    return found[0] if found else None


def require_soundfont(chosen: str | Path | None = None) -> Path:
    path = find_soundfont(chosen)
    if path is None:
        raise SoundError("No SoundFont found: run 'clamp-desktop soundfont download' "
                         f"({FLUIDR3_MONO.size / 1e6:.0f} MB), install one (Debian/Ubuntu: "
                         "apt install fluidr3mono-gm-soundfont), or pass --soundfont FILE.sf2.")
    return path


def download_soundfont(progress=None, url: str | None = None) -> Path:
    """Fetch the pinned SoundFont into the data folder (resumes; checks size and sha256)."""
    from .download import download

    pin = FLUIDR3_MONO
    return download(url or pin.url, downloaded_path(), pin.size, pin.sha256, progress)

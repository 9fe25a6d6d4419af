"""Any supported score file -> the filtered ABC CLaMP expects."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConversionError
from ..model.patching import filter_abc
from .musicxml import MUSICXML_SUFFIXES, read_musicxml_bytes
from .repair import repaired_versions
from .xml2abc import ConverterStopped, musicxml_to_abc

MAX_NOTE_CHARS = 300
STILL_LISTED = "the file is still listed and searchable by its metadata"


class Unconvertible(ConversionError):
    """Neither the faithful converter nor any repaired copy gives ABC; the file's metadata may still be read."""


@dataclass
class Conversion:
    """CLaMP ABC for a score, and what was removed to get it (None: the faithful conversion)."""

    abc: str
    repair_note: str | None = None


def musicxml_bytes_to_clamp_abc(data: bytes, name: str = "score") -> str:
    abc = filter_abc(musicxml_to_abc(data, name))
    if not abc.strip():
        raise ConversionError("the score converts to empty ABC")
    return abc


def _where(stopped: ConverterStopped) -> str:
    if stopped.measure is None:
        return ""
    part = f" of part {stopped.part}" if stopped.part and stopped.part > 1 else ""
    return f" at measure {stopped.measure}{part}"


def convert_for_library(data: bytes, name: str = "score") -> Conversion:
    """The faithful conversion; when xml2abc stops at a mark, the first repaired copy that converts.

    Raises ConversionError with a reason a user can act on when no repair helps.
    """
    try:
        return Conversion(musicxml_bytes_to_clamp_abc(data, name))
    except ConverterStopped as stopped:
        first = stopped
    for _level, repaired, removal in repaired_versions(data):
        try:
            abc = musicxml_bytes_to_clamp_abc(repaired, name)
        except ConverterStopped:
            continue
        note = f"repaired copy converted: {removal.note()}; the faithful converter stopped{_where(first)} ({first})"
        return Conversion(abc, note if len(note) <= MAX_NOTE_CHARS else note[:MAX_NOTE_CHARS - 1] + "…")
    raise Unconvertible(
        f"the converter stopped{_where(first)} ({first}) and no repair helped: "
        f"re-export it as MusicXML from your notation program; {STILL_LISTED}"[:300]
    )


def to_clamp_abc(path: str | Path) -> str:
    """A MusicXML file (.mxl, .musicxml, .xml) -> filtered ABC, as the reference prepares it."""
    path = Path(path)
    if path.suffix.lower() not in MUSICXML_SUFFIXES:
        raise ConversionError(f"{path.suffix or 'no extension'}: not a MusicXML file")
    try:
        data = read_musicxml_bytes(path)
    except OSError as exc:
        raise ConversionError(f"cannot read the file: {exc.strerror or exc}") from exc
    return musicxml_bytes_to_clamp_abc(data, path.stem)

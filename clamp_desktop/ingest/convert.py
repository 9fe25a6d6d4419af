"""Any supported score file -> the filtered ABC CLaMP expects."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConversionError
from ..model.patching import filter_abc
from .musicxml import MUSICXML_SUFFIXES, read_musicxml_bytes
from .xml2abc import musicxml_to_abc


def musicxml_bytes_to_clamp_abc(data: bytes, name: str = "score") -> str:
    abc = filter_abc(musicxml_to_abc(data, name))
    if not abc.strip():
        raise ConversionError("the score converts to empty ABC")
    return abc


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

"""One score file -> library entries (CLaMP ABC + metadata), the unit the converter pool runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConversionError
from .convert import musicxml_bytes_to_clamp_abc
from .metadata import read_musicxml_metadata
from .musicxml import MUSICXML_SUFFIXES, read_musicxml_bytes

SUPPORTED_SUFFIXES = MUSICXML_SUFFIXES


@dataclass
class ScoreEntry:
    """One piece: a file holds one, a multi-tune ABC file holds several (``tune`` 0, 1, ...)."""

    tune: int
    abc: str
    metadata: dict = field(default_factory=dict)


def read_score(path: str | Path) -> list[ScoreEntry]:
    """Every piece in a score file; raises ConversionError with a one-line reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ConversionError(f"unsupported file type {suffix or '(none)'}")
    try:
        data = read_musicxml_bytes(path)
    except OSError as exc:
        raise ConversionError(f"cannot read the file: {exc.strerror or exc}") from exc
    abc = musicxml_bytes_to_clamp_abc(data, path.stem)
    return [ScoreEntry(0, abc, read_musicxml_metadata(data, path))]

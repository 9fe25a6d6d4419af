"""One score file -> library entries (CLaMP ABC + metadata), the unit the converter pool runs.

MusicXML is read directly; ABC (one entry per tune), Humdrum ``**kern`` and
MEI go through music21 to MusicXML first, then the same xml2abc path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConversionError
from .convert import Unconvertible, convert_for_library
from .formats import abc_tune_to_musicxml, read_text, score_file_to_musicxml, split_abc_tunes
from .metadata import name_piece, read_musicxml_metadata
from .musicxml import MUSICXML_SUFFIXES, read_musicxml_bytes

ABC_SUFFIXES = (".abc",)
MUSIC21_FORMATS = {".krn": "humdrum", ".mei": "mei", ".mid": "midi", ".midi": "midi"}
MIDI_SUFFIXES = (".mid", ".midi")
SUPPORTED_SUFFIXES = MUSICXML_SUFFIXES + ABC_SUFFIXES + tuple(MUSIC21_FORMATS)

# ABC header field -> metadata field, laid over what the MusicXML export says.
_ABC_FIELDS = {"T": "title", "C": "composer", "R": "genre", "O": "origin", "S": "origin"}


@dataclass
class ScoreEntry:
    """One piece: a file holds one, a multi-tune ABC file holds several (``tune`` 0, 1, ...)."""

    tune: int
    abc: str | None             # None: listed by its metadata only, ``error`` says why
    metadata: dict = field(default_factory=dict)
    conversion_note: str | None = None   # what a repaired conversion removed (a notice)
    error: str | None = None


def _musicxml_entry(data: bytes, path: Path, tune: int = 0) -> ScoreEntry:
    try:
        conversion = convert_for_library(data, path.stem)
    except Unconvertible as exc:
        return ScoreEntry(tune, None, read_musicxml_metadata(data, path), error=str(exc))
    return ScoreEntry(tune, conversion.abc, read_musicxml_metadata(data, path), conversion.repair_note)


def _converted_entry(data: bytes, path: Path, tune: int = 0) -> ScoreEntry:
    """An entry from MusicXML that music21 wrote: drop its placeholder composer."""
    entry = _musicxml_entry(data, path, tune)
    if (entry.metadata.get("composer_raw") or "").lower() == "music21":
        entry.metadata["composer"] = entry.metadata["composer_raw"] = None
    return entry


def _midi_entry(path: Path) -> ScoreEntry:
    """A MIDI file: music21's notation for ABC models and the viewer, the file's own facts as metadata."""
    from .midi_metadata import read_midi_facts

    try:
        facts = read_midi_facts(path)
    except (OSError, ValueError, EOFError, KeyError, IndexError) as exc:
        raise ConversionError(f"not a readable MIDI file ({exc})"[:300]) from exc
    _, data = score_file_to_musicxml(path, "midi")
    entry = _converted_entry(data, path)
    entry.metadata.update(facts)
    return entry


def _abc_entries(path: Path) -> list[ScoreEntry]:
    entries, errors = [], []
    for index, tune in enumerate(split_abc_tunes(read_text(path))):
        try:
            entry = _converted_entry(abc_tune_to_musicxml(tune), path, index)
        except ConversionError as exc:
            errors.append(f"tune X:{tune.number}: {exc}")
            continue
        for abc_field, meta_field in _ABC_FIELDS.items():
            if tune.fields.get(abc_field):
                entry.metadata[meta_field] = tune.fields[abc_field]
        if tune.fields.get("C"):
            entry.metadata["composer_raw"] = tune.fields["C"]
        if not tune.fields.get("T"):
            entry.metadata["title"] = f"{path.stem} X:{tune.number}"
        name_piece(entry.metadata, path)
        entries.append(entry)
    if not entries:
        raise ConversionError(errors[0] if errors else "no readable tune in the file")
    return entries


def read_score(path: str | Path) -> list[ScoreEntry]:
    """Every piece in a score file; raises ConversionError with a one-line reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in MUSICXML_SUFFIXES:
            return [_musicxml_entry(read_musicxml_bytes(path), path)]
        if suffix in ABC_SUFFIXES:
            return _abc_entries(path)
        if suffix in MIDI_SUFFIXES:
            return [_midi_entry(path)]
        if suffix in MUSIC21_FORMATS:
            _, data = score_file_to_musicxml(path, MUSIC21_FORMATS[suffix])
            return [_converted_entry(data, path)]
    except OSError as exc:
        raise unreadable(exc) from exc
    raise ConversionError(f"unsupported file type {suffix or '(none)'}")


def unreadable(exc: OSError) -> ConversionError:
    """The error of a score file the operating system would not let us read."""
    return ConversionError(f"cannot read the file: {exc.strerror or exc}")

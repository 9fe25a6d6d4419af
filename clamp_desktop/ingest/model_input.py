"""A score or MIDI file -> what a given model reads (``model.reads``).

* ``clamp-abc`` (CLaMP v1 and the bundled model): v1's filtered ABC, from
  MusicXML (repaired when xml2abc stops), or from a MIDI file's notation.
* ``clamp3`` / ``clamp2``: interleaved ABC from MusicXML, MTF from MIDI.

Fallbacks where the reference pipeline drops a file (documented in
docs/models.md): a score the interleaver rejects (voices with different bar
counts, chords it cannot align) is read as xml2abc's standard ABC, voice after
voice; the vector then differs from what a model trained on interleaved ABC
expects, so the ``note`` says so.  Everything else raises ConversionError.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConversionError
from .musicxml import MUSICXML_SUFFIXES, read_musicxml_bytes

MIDI_SUFFIXES = (".mid", ".midi")


@dataclass(frozen=True)
class ModelInput:
    text: str                 # the model's input text
    note: str | None = None   # how it was obtained when not the reference's way


def _read_score(path: Path) -> bytes:
    try:
        return read_musicxml_bytes(path)
    except OSError as exc:
        raise ConversionError(f"cannot read the file: {exc.strerror or exc}") from exc


def clamp3_input(path: Path, family: str) -> ModelInput:
    from .interleave import STANDARD_ABC_NOTE, musicxml_to_interleaved_abc
    from .mtf import CLAMP2_SKIPPED, SKIPPED_META, midi_to_mtf

    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        try:
            return ModelInput(midi_to_mtf(path, CLAMP2_SKIPPED if family == "clamp2" else SKIPPED_META))
        except (OSError, ValueError, EOFError, KeyError, IndexError) as exc:
            raise ConversionError(f"not a readable MIDI file ({exc})"[:300]) from exc
    if suffix in MUSICXML_SUFFIXES:
        abc, interleaved = musicxml_to_interleaved_abc(_read_score(path), path.stem)
        return ModelInput(abc, None if interleaved else STANDARD_ABC_NOTE)
    if suffix in (".abc", ".mtf"):   # already the model's input, as the reference's extractor takes it
        return ModelInput(path.read_text(encoding="utf-8"))
    raise ConversionError(f"{suffix or 'no extension'}: neither a MusicXML nor a MIDI file")


def _notation_input(path: Path, tune: int, family: str) -> ModelInput:
    """ABC, kern and MEI files: the notation music21 reads, as MusicXML, then the model's own path."""
    import tempfile

    from .formats import abc_tune_to_musicxml, read_text, score_file_to_musicxml, split_abc_tunes
    from .score import MUSIC21_FORMATS

    if path.suffix.lower() == ".abc":
        data = abc_tune_to_musicxml(split_abc_tunes(read_text(path))[tune])
    else:
        _, data = score_file_to_musicxml(path, MUSIC21_FORMATS[path.suffix.lower()])
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / f"{path.stem}.musicxml"
        copy.write_bytes(data)
        item = clamp3_input(copy, family)
    return ModelInput(item.text, "read through its notation (music21)" + (f"; {item.note}" if item.note else ""))


def piece_input(path: str | Path, tune: int, reads: str, stored_abc: str) -> ModelInput:
    """What a model reads of one library piece: the stored ABC for ABC models, else from its file."""
    path = Path(path)
    if reads not in ("clamp3", "clamp2"):
        return ModelInput(stored_abc)
    if path.suffix.lower() in MUSICXML_SUFFIXES + MIDI_SUFFIXES:
        return clamp3_input(path, reads)
    return _notation_input(path, tune, reads)


def v1_input(path: Path) -> ModelInput:
    """The library's own reading of a file (any supported format), its first piece."""
    from .score import MIDI_SUFFIXES as NOTATION_FROM_MIDI
    from .score import read_score

    entry = read_score(path)[0]
    if entry.abc is None:
        raise ConversionError(entry.error or "the score converts to empty ABC")
    note = "read through its notation (music21)" if path.suffix.lower() in NOTATION_FROM_MIDI else None
    return ModelInput(entry.abc, entry.conversion_note or note)


def model_input_text(path: str | Path, reads: str) -> str:
    """``model_input(path, reads).text`` (a plain function for the converter pool)."""
    return model_input(path, reads).text


def model_input(path: str | Path, reads: str) -> ModelInput:
    """What a model that ``reads`` this kind of input takes from ``path``."""
    path = Path(path)
    if reads not in ("clamp3", "clamp2"):
        return v1_input(path)
    if path.suffix.lower() in MUSICXML_SUFFIXES + MIDI_SUFFIXES + (".abc", ".mtf"):
        return clamp3_input(path, reads)
    return _notation_input(path, 0, reads)

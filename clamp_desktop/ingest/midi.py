"""MIDI files as notation: music21 reads them, and writes MusicXML for models and viewers that need a score."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConversionError


def midi_to_musicxml_bytes(path: Path) -> bytes:
    """A MIDI file's notation as music21 quantises it (a conversion, not the composer's score)."""
    from music21 import converter
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    try:
        score = converter.parse(str(path), format="midi")
        return GeneralObjectExporter(score).parse()
    except Exception as exc:  # music21 raises many kinds on malformed MIDI
        raise ConversionError(f"music21 cannot read it as MIDI ({type(exc).__name__}: {exc})"[:300]) from exc

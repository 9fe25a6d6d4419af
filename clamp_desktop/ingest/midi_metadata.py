"""Facts a MIDI file states itself: tempo, meter, key signature, track and instrument names, duration.

They are laid over what music21's notation of the file says, since the
notation is a quantised conversion and the file is the source.
"""

from __future__ import annotations

from pathlib import Path

CONVERTED_NOTE = "shown as notation converted from MIDI by music21"


def _first(messages, kind):
    return next((m for m in messages if m.type == kind), None)


def read_midi_facts(path: Path) -> dict:
    """Metadata fields from the file's own messages (absent facts are left out)."""
    import mido

    midi = mido.MidiFile(str(path))
    messages = [m for track in midi.tracks for m in track]
    facts: dict = {}
    if tempo := _first(messages, "set_tempo"):
        facts["tempo"] = f"{mido.tempo2bpm(tempo.tempo):g}"
    if meter := _first(messages, "time_signature"):
        facts["time_signature"] = f"{meter.numerator}/{meter.denominator}"
    if key := _first(messages, "key_signature"):
        facts["key"] = key.key.replace("m", " minor") if key.key.endswith("m") else f"{key.key} major"
    names = [m.name.strip() for m in messages if m.type in ("track_name", "instrument_name") and m.name.strip()]
    if names:
        facts["instruments"] = list(dict.fromkeys(names))
    if midi.type != 2:
        facts["duration_s"] = round(midi.length, 1)
    return facts

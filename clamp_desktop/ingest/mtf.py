"""MIDI -> MTF (MIDI Text Format), as ``batch_midi2mtf.py --m3_compatible`` writes it.

One line per message of the merged track, fields in mido's ``dict()`` order
(channel messages: type, time, channel...; meta messages: time last), then
``unicode_escape``d.  Reference section 3; mido is imported on first use.
"""

from __future__ import annotations

from pathlib import Path

# Meta messages the m3-compatible MTF leaves out (names and texts, not music).
SKIPPED_META = frozenset({
    "text", "copyright", "track_name", "instrument_name", "lyrics", "marker",
    "cue_marker", "device_name",
})
# CLaMP 2's MTF also leaves these out.
CLAMP2_SKIPPED = SKIPPED_META | {"sequencer_specific", "sysex"}


def message_line(message) -> str:
    """``note_on 0 1 60 80``; sysex data prints as a list, meta data as a tuple (mido's own types)."""
    line = " ".join(str(value) for value in message.dict().values()).strip()
    return line.encode("unicode_escape").decode("utf-8")


def midi_to_mtf(path: str | Path, skipped: frozenset[str] = SKIPPED_META) -> str:
    """The MTF text of a MIDI file; raises (mido's errors) where the reference drops the file."""
    import mido

    midi = mido.MidiFile(str(path))
    if midi.type == 2:   # mido cannot merge independent sequences (a TypeError); the reference drops the file
        raise ValueError("a type-2 MIDI file (independent sequences): its tracks cannot be merged into one")
    lines = [f"ticks_per_beat {midi.ticks_per_beat}"]
    lines += [message_line(m) for m in midi.merged_track if m.type not in skipped]
    return "\n".join(lines)

"""What a Standard MIDI File says about its parts: each track's name and channel.

Verovio writes one track per part, each on its own channel; muting or soloing
a part means silencing its channel, so the player needs this map.  A tiny
reader is enough (names and the first channel message of each track).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class MidiPart:
    name: str
    channel: int


def _read_varlen(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    while True:
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos


def _track_part(track: bytes, number: int) -> MidiPart | None:
    """The track's name (meta 0x03) and first channel, or None for a track without notes."""
    pos, status, name, channel = 0, 0, f"Part {number}", None
    while pos < len(track) and channel is None:
        _, pos = _read_varlen(track, pos)
        if track[pos] & 0x80:
            status, pos = track[pos], pos + 1
        if status == 0xFF:
            kind, (length, pos) = track[pos], _read_varlen(track, pos + 1)
            if kind == 0x03 and track[pos:pos + length].strip():
                name = track[pos:pos + length].decode("utf-8", "replace").strip()
            pos += length
        elif status in (0xF0, 0xF7):
            length, pos = _read_varlen(track, pos)
            pos += length
        else:
            channel = status & 0x0F
    return None if channel is None else MidiPart(name, channel)


def midi_parts(data: bytes) -> list[MidiPart]:
    """The parts of a MIDI file in track order (tracks with no channel messages left out)."""
    if data[:4] != b"MThd":
        raise ValueError("not a Standard MIDI File")
    pos, parts = 8 + struct.unpack(">I", data[4:8])[0], []
    while pos + 8 <= len(data):
        kind, length = data[pos:pos + 4], struct.unpack(">I", data[pos + 4:pos + 8])[0]
        if kind == b"MTrk":
            part = _track_part(data[pos + 8:pos + 8 + length], len(parts) + 1)
            if part is not None:
                parts.append(part)
        pos += 8 + length
    return parts

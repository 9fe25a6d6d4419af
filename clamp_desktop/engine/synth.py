"""MIDI -> audio with a SoundFont (tinysoundfont), for playback and for WAV files.

Why tinysoundfont: an MIT-licensed wheel for Linux, macOS and Windows with the
synthesiser compiled in (TinySoundFont, reads .sf2 and .sf3), so nothing has
to be installed on the system; pyfluidsynth would need the LGPL libfluidsynth
found at run time, which Windows and macOS users rarely have.  Its PyAudio
output is never used (Qt plays the samples), so the app does not need PyAudio.

A ``Synthesizer`` is driven by whoever pulls samples (the audio thread, or the
WAV writer): ``render(frames)`` advances the score by that much time, playing
the MIDI events that fall inside.  Speed, mutes and volume may change between
calls; ``seek`` jumps anywhere.
"""

from __future__ import annotations

import functools
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ClampDesktopError

SAMPLE_RATE = 44100
TAIL_S = 1.0            # the last notes ring out this long in a WAV file


class SoundError(ClampDesktopError):
    """No synthesiser, no SoundFont, or a SoundFont that cannot be read."""


def _tinysoundfont():
    try:
        import tinysoundfont
    except ImportError as exc:
        raise SoundError("Sound needs the tinysoundfont package: pip install --no-deps tinysoundfont "
                         "(see the README, 'Sound').") from exc
    return tinysoundfont


@dataclass(frozen=True)
class SoundBank:
    """A loaded SoundFont inside its tinysoundfont synthesiser (one song plays on it at a time)."""

    synth: object
    sfid: int
    samplerate: int


@functools.lru_cache(maxsize=2)
def load_bank(soundfont: str, samplerate: int = SAMPLE_RATE) -> SoundBank:
    """Load a SoundFont once per process: an .sf3 is decompressed on load (seconds for 24 MB)."""
    tsf = _tinysoundfont()
    synth = tsf.Synth(samplerate=samplerate)
    try:
        sfid = synth.sfload(str(soundfont))
    except Exception as exc:  # tinysoundfont raises its own exception type or OSError
        raise SoundError(f"The SoundFont {Path(soundfont).name} cannot be read; choose another "
                         "in Settings or with --soundfont.") from exc
    return SoundBank(synth, sfid, samplerate)


class Synthesizer:
    """One MIDI song on a SoundBank, rendered on demand (thread-safe between calls)."""

    def __init__(self, bank: SoundBank, midi: bytes):
        from tinysoundfont.midi import load_memory

        self.samplerate = bank.samplerate
        self._synth, self._sfid = bank.synth, bank.sfid
        self._events = load_memory(midi)
        self.duration = max((event.t for event in self._events), default=0.0)
        self._lock = threading.Lock()
        self._next = 0
        self.position = 0.0        # seconds of score time
        self.speed = 1.0           # 2.0 plays twice as fast
        self.gain = 1.0
        self.muted: frozenset[int] = frozenset()
        self._synth.sounds_off()
        self._reset_channels()

    def _reset_channels(self) -> None:
        for channel in range(16):
            self._synth.program_select(channel, self._sfid, 0, 0, is_drums=channel == 9)

    def seek(self, seconds: float) -> None:
        """Jump to a score time: sounding notes stop, programs and controllers are replayed."""
        with self._lock:
            self._synth.sounds_off()
            self._reset_channels()
            self.position = min(max(seconds, 0.0), self.duration)
            self._next = 0
            while self._next < len(self._events) and self._events[self._next].t < self.position:
                event = self._events[self._next]
                if type(event.action).__name__ not in ("NoteOn", "NoteOff"):
                    self._send(event)
                self._next += 1

    def set_muted(self, channels) -> None:
        with self._lock:
            self.muted = frozenset(channels)
            for channel in self.muted:
                self._synth.notes_off(channel)

    @property
    def finished(self) -> bool:
        return self.position >= self.duration

    def _send(self, event) -> None:
        from tinysoundfont.midi import ControlChange, NoteOff, NoteOn, PitchBend, ProgramChange

        action, channel = event.action, event.channel
        if isinstance(action, NoteOn):
            if channel not in self.muted:
                self._synth.noteon(channel, action.key, action.velocity)
        elif isinstance(action, NoteOff):
            self._synth.noteoff(channel, action.key)
        elif isinstance(action, ProgramChange):
            self._synth.program_change(channel, action.program, is_drums=channel == 9)
        elif isinstance(action, ControlChange):
            self._synth.control_change(channel, action.control, action.control_value)
        elif isinstance(action, PitchBend):
            self._synth.pitchbend(channel, action.pitch_bend)

    def render(self, frames: int) -> np.ndarray:
        """The next ``frames`` stereo frames as float32 [frames, 2]; events are placed to the frame."""
        out = np.zeros((frames, 2), np.float32)
        with self._lock:
            done = 0
            while done < frames:
                while self._next < len(self._events) and self._events[self._next].t <= self.position:
                    self._send(self._events[self._next])
                    self._next += 1
                step = frames - done
                if self._next < len(self._events):
                    until = (self._events[self._next].t - self.position) / self.speed
                    step = min(step, max(1, int(np.ceil(until * self.samplerate))))
                block = np.frombuffer(self._synth.generate(step), np.float32).reshape(step, 2)
                out[done:done + step] = block
                done += step
                self.position += step * self.speed / self.samplerate
        return out * self.gain


def write_wav(samples: np.ndarray, path: str | Path, samplerate: int = SAMPLE_RATE) -> None:
    """16-bit stereo PCM, written to a temporary file first so that no half-written WAV is left."""
    path = Path(path)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    partial = path.with_name(path.name + ".part")
    with wave.open(str(partial), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(samplerate)
        out.writeframes(pcm.tobytes())
    partial.replace(path)


def render_audio(midi: bytes, soundfont: str | Path, speed: float = 1.0, samplerate: int = SAMPLE_RATE) -> np.ndarray:
    """The whole song, played at ``speed``, with a short tail for the last notes to ring."""
    if speed <= 0:
        raise SoundError("The tempo factor must be above 0 (1 plays the written tempo).")
    synth = Synthesizer(load_bank(str(soundfont), samplerate), midi)
    synth.speed = speed
    frames = int(np.ceil((synth.duration / speed + TAIL_S) * samplerate))
    return synth.render(frames)

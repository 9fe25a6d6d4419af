"""What the render lane prepares before a piece can play: its sound, timemap and synthesiser."""

from __future__ import annotations

from dataclasses import dataclass

from .follow import ScoreSound, Timemap, score_sound
from .synth import Synthesizer, load_bank


@dataclass(frozen=True)
class Playable:
    path: str
    tune: int
    sound: ScoreSound
    timemap: Timemap
    synth: Synthesizer | None     # None without a SoundFont (the notes can still be followed)


def prepare_playback(renderer, path: str, tune: int, soundfont: str | None, view=None) -> Playable:
    """Runs on the render lane (the view as shown: one part, transposed); a SoundFont's first load takes seconds."""
    sound = score_sound(renderer, path, tune, view)
    synth = Synthesizer(load_bank(str(soundfont)), sound.midi) if soundfont else None
    return Playable(path, tune, sound, Timemap.from_entries(sound.timemap), synth)

"""What the render lane prepares before a piece can play: its sound, timemap and synthesiser."""

from __future__ import annotations

from dataclasses import dataclass

from .follow import ScoreSound, Timemap, score_sound
from .synth import SoundError, Synthesizer, load_bank


@dataclass(frozen=True)
class Playable:
    path: str
    tune: int
    sound: ScoreSound
    timemap: Timemap
    synth: Synthesizer | None     # None without sound (the notes can still be followed)
    problem: str = ""             # why there is no sound, in one line ('' when there is)


def prepare_playback(renderer, path: str, tune: int, soundfont: str | None, view=None) -> Playable:
    """Runs on the render lane (the view as shown: one part, transposed); a SoundFont's first load takes seconds."""
    sound = score_sound(renderer, path, tune, view)
    timemap = Timemap.from_entries(sound.timemap)
    if not soundfont:
        return Playable(path, tune, sound, timemap, None, "No SoundFont found: download one, choose one in "
                                                          "Settings ▸ Sound, or install fluidr3mono-gm-soundfont.")
    try:
        return Playable(path, tune, sound, timemap, Synthesizer(load_bank(str(soundfont)), sound.midi))
    except SoundError as exc:
        return Playable(path, tune, sound, timemap, None, str(exc))

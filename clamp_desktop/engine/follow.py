"""Following a performance on the page: which notes sound, which bar and page, at a time.

Built once from Verovio's timemap (``ScoreRenderer.timemap``): entries at
increasing times list the notes that start (``on``) and stop (``off``), the bar
that begins (``measureOn``) and the page of the entry.  Queries bisect it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScoreSound:
    """What playback needs from one piece: its MIDI, its parts and its timemap."""

    midi: bytes
    parts: list            # engine.midi.MidiPart, track order
    timemap: list[dict]


def score_sound(renderer, path: str, tune: int = 0, view=None) -> ScoreSound:
    """Runs on the render lane: the loaded piece's MIDI and timemap from the same layout as its pages."""
    from .midi import midi_parts
    from .render import ViewOptions

    renderer.load(path, tune, view or ViewOptions())
    midi = renderer.midi()
    return ScoreSound(midi, midi_parts(midi), renderer.timemap())


@dataclass
class Timemap:
    times: list[float] = field(default_factory=list)         # seconds, increasing
    sounding: list[frozenset] = field(default_factory=list)  # note ids sounding from times[i] on
    pages: list[int] = field(default_factory=list)
    bars: list[str] = field(default_factory=list)             # the bar that times[i] falls in
    bar_start: dict = field(default_factory=dict)             # bar id -> seconds

    @classmethod
    def from_entries(cls, entries: list[dict]) -> "Timemap":
        timemap, now, page, bar = cls(), set(), 1, ""
        for entry in entries:
            now -= set(entry.get("off", ()))
            now |= set(entry.get("on", ()))
            page = entry.get("page") or page
            if entry.get("measureOn"):
                bar = entry["measureOn"]
                timemap.bar_start.setdefault(bar, entry["tstamp"] / 1000)
            timemap.times.append(entry["tstamp"] / 1000)
            timemap.sounding.append(frozenset(now))
            timemap.pages.append(page)
            timemap.bars.append(bar)
        return timemap

    def _index(self, seconds: float) -> int:
        return bisect.bisect_right(self.times, seconds) - 1

    def notes_at(self, seconds: float) -> frozenset:
        index = self._index(seconds)
        return self.sounding[index] if index >= 0 else frozenset()

    def page_at(self, seconds: float) -> int:
        index = self._index(seconds)
        return self.pages[max(index, 0)] if self.pages else 1

    def bar_at(self, seconds: float) -> str:
        index = self._index(seconds)
        return self.bars[max(index, 0)] if self.bars else ""

    @property
    def duration(self) -> float:
        return self.times[-1] if self.times else 0.0

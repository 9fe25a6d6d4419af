"""Tempo class ('slow', 'moderate', 'fast') from a score's metronome marks or tempo words.

The first tempo word of the first measures (Italian, German, French or
English) decides, as a musician reads it; without one, the metronome mark
(beats per minute of its beat unit, so a dotted-quarter 6/8 beat is one beat)
or the playback tempo.
"""

from __future__ import annotations

import re

from unidecode import unidecode

SLOW_BPM, FAST_BPM = 72, 128
_BEAT_QUARTERS = {"whole": 4.0, "half": 2.0, "quarter": 1.0, "eighth": 0.5, "16th": 0.25}
# Checked in order: "allegretto" is moderate before "allegro" is fast, "poco adagio" slow.
_WORDS = [
    ("moderate", r"nicht (?:zu )?(?:schnell|rasch|langsam)|not (?:too )?(?:fast|quick|slow)|pas (?:trop )?(?:vite|lent)|"
                 r"allegretto|andantino|andante|moderato|maestoso|tempo di minuetto|comodo|massig|mäßig|"
                 r"gehend|modere|moderement|moderately|walking|medium|swing|in gemachlicher"),
    ("slow", r"adagi\w*|largo|larghetto|lento|grave|langsam\w*|lent|lentement|slow\w*|sostenuto|"
             r"ruhig|getragen|tranquil\w*|calme|innig|ballad"),
    ("fast", r"allegr\w*|presto|prestissimo|vivace\w*|vivo|veloce|schnell|rasch|lebhaft|frisch|"
             r"bewegt|vif|vite|anime|fast|quick\w*|lively|brisk|up tempo|uptempo|bright\w*|con brio|"
             r"con fuoco|agitato|animato"),
]
_PATTERNS = [(cls, re.compile(rf"\b(?:{words})\b")) for cls, words in _WORDS]


def bpm_class(quarter_bpm: float) -> str:
    return "slow" if quarter_bpm <= SLOW_BPM else "fast" if quarter_bpm >= FAST_BPM else "moderate"


def word_class(text: str) -> str | None:
    text = unidecode(text).lower()
    for cls, pattern in _PATTERNS:
        if pattern.search(text):
            return cls
    return None


def _metronome_bpm(root) -> float | None:
    for metronome in root.iterfind("part/measure/direction/direction-type/metronome"):
        unit, per_minute = metronome.findtext("beat-unit"), metronome.findtext("per-minute")
        match = re.search(r"\d+(?:\.\d+)?", per_minute or "")
        if unit in _BEAT_QUARTERS and match:
            return float(match.group(0))   # the written beat is the felt beat
    return None


def tempo_class(root) -> str | None:
    """The piece's opening tempo class, or None when the score gives no tempo."""
    first_measures = [m for part in root.iterfind("part") for m in part.findall("measure")[:4]]
    for measure in first_measures:
        for words in measure.iterfind("direction/direction-type/words"):
            cls = word_class(words.text or "")
            if cls:
                return cls
    bpm = _metronome_bpm(root)
    if bpm is None:
        for sound in root.iterfind("part/measure/sound[@tempo]"):
            try:
                bpm = float(sound.get("tempo"))
                break
            except (TypeError, ValueError):
                continue
    return bpm_class(bpm) if bpm else None

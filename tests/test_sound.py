"""``clamp-desktop audio``: a score becomes a WAV of the written length, with the written pitches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from clamp_desktop.cli import cli
from clamp_desktop.engine.midi import midi_parts
from clamp_desktop.engine.render import ScoreRenderer
from clamp_desktop.engine.synth import TAIL_S
from sound_helpers import fundamental_midi_pitch, read_wav, soundfont_or_skip

MELODY = (60, 64, 67, 72, 69, 65)     # C4 E4 G4 C5 A4 F4
BPM = 120                              # a quarter note lasts 0.5 s


def write_melody(folder: Path, bpm: int = BPM) -> Path:
    """A flute melody of quarter notes at a metronome mark, written by music21 as MusicXML."""
    from music21 import instrument, meter, note, stream, tempo

    part = stream.Part([instrument.Flute(), meter.TimeSignature("3/4"), tempo.MetronomeMark(number=bpm)])
    for pitch in MELODY:
        part.append(note.Note(pitch, quarterLength=1))
    path = folder / "melody.musicxml"
    stream.Score([part]).write("musicxml", fp=str(path))
    return path


def run_audio(*args: str) -> None:
    result = CliRunner().invoke(cli, ["audio", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_melody_lasts_its_written_duration_and_sounds_its_written_pitches(tmp_path):
    soundfont_or_skip()
    out = tmp_path / "melody.wav"
    run_audio(str(write_melody(tmp_path)), "--out", str(out))
    samples, rate = read_wav(out)
    beat = 60 / BPM
    assert len(samples) / rate == pytest.approx(len(MELODY) * beat + TAIL_S, abs=0.01)
    for number, pitch in enumerate(MELODY):
        middle = samples[int((number + 0.2) * beat * rate): int((number + 0.8) * beat * rate)]
        assert np.sqrt(np.mean(middle ** 2)) > 0.005, f"note {number + 1} is silent"
        assert fundamental_midi_pitch(middle, rate) == pytest.approx(pitch, abs=0.3), f"note {number + 1}"
    ring = samples[int((len(MELODY) * beat + 0.6) * rate):]
    assert np.abs(ring).max() < 0.01, "sound goes on after the last note has rung out"


def test_tempo_factor_plays_faster(tmp_path):
    soundfont_or_skip()
    out = tmp_path / "fast.wav"
    run_audio(str(write_melody(tmp_path)), "--out", str(out), "--tempo", "2")
    samples, rate = read_wav(out)
    beat = 60 / BPM / 2
    assert len(samples) / rate == pytest.approx(len(MELODY) * beat + TAIL_S, abs=0.01)
    last = samples[int((len(MELODY) - 0.8) * beat * rate): int((len(MELODY) - 0.2) * beat * rate)]
    assert fundamental_midi_pitch(last, rate) == pytest.approx(MELODY[-1], abs=0.3)


def test_a_real_multi_part_score_renders_every_part(tmp_path, corpus):
    soundfont_or_skip()
    score = corpus.root / "bach/bwv66.6.mxl"
    renderer = ScoreRenderer()
    renderer.load(score)
    assert [p.name for p in midi_parts(renderer.midi())] == ["Soprano", "Alto", "Tenor", "Bass"]
    written_s = renderer.timemap()[-1]["tstamp"] / 1000
    out = tmp_path / "chorale.wav"
    run_audio(str(score), "--out", str(out))
    samples, rate = read_wav(out)
    assert len(samples) / rate == pytest.approx(written_s + TAIL_S, abs=0.05)
    seconds = samples[: int(written_s) * rate].reshape(int(written_s), rate)
    assert (np.sqrt((seconds ** 2).mean(axis=1)) > 0.005).all(), "a second of the chorale is silent"


def test_a_missing_soundfont_is_one_line_error(tmp_path, corpus):
    pytest.importorskip("tinysoundfont")
    result = CliRunner().invoke(cli, ["audio", str(corpus.root / "bach/bwv66.6.mxl"), "--out",
                                      str(tmp_path / "x.wav"), "--soundfont", str(tmp_path / "none.sf2")])
    assert result.exit_code != 0
    assert "does not exist" in str(result.exception)
    assert not (tmp_path / "x.wav").exists()


def test_a_tempo_of_zero_is_refused_in_one_line(tmp_path):
    soundfont_or_skip()
    result = CliRunner().invoke(cli, ["audio", str(write_melody(tmp_path)), "--out", str(tmp_path / "x.wav"),
                                      "--tempo", "0"])
    assert result.exit_code != 0 and "above 0" in str(result.exception)
    assert not (tmp_path / "x.wav").exists()

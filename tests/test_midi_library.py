"""MIDI files in the library: scanned, their own facts as metadata, shown as converted notation, encoded by every model."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest

from clamp3_helpers import write_checkpoint
from clamp_desktop.engine.indexer import LibraryIndexer
from clamp_desktop.engine.models import model_loader, model_name
from clamp_desktop.engine.render import ScoreRenderer, conversion_label
from clamp_desktop.ingest.score import read_score
from clamp_desktop.store import Library


def write_song(path: Path) -> Path:
    """A type-1 MIDI file as a notation program writes it: a conductor track and a named piano track."""
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    midi.tracks.append(mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90)),
        mido.MetaMessage("time_signature", numerator=3, denominator=4),
        mido.MetaMessage("key_signature", key="Em"),
    ]))
    notes = mido.MidiTrack([mido.MetaMessage("track_name", name="Piano"), mido.Message("program_change", program=0)])
    for pitch in (64, 66, 67, 71, 69, 67):
        notes += [mido.Message("note_on", note=pitch, velocity=70), mido.Message("note_off", note=pitch, time=480)]
    midi.tracks.append(notes)
    midi.save(path)
    return path


def test_midi_metadata_comes_from_the_file(tmp_path):
    entry = read_score(write_song(tmp_path / "song.mid"))[0]
    meta = entry.metadata
    assert meta["tempo"] == "90" and meta["time_signature"] == "3/4" and meta["key"] == "E minor"
    assert meta["instruments"] == ["Piano"] and meta["duration_s"] == pytest.approx(4.0, abs=0.1)
    assert entry.abc and "|" in entry.abc   # music21's notation, for ABC models


def test_a_midi_file_is_shown_through_its_notation_and_marked_as_converted(tmp_path):
    path = write_song(tmp_path / "song.midi")
    score = ScoreRenderer().load(path, 0)
    assert score.pages >= 1
    assert conversion_label(path) == "converted from MIDI by music21" and conversion_label("a.mxl") == ""


@pytest.mark.parametrize("family", ["v1", "clamp3"])
def test_midi_files_are_indexed_by_every_model_family(tmp_path, tiny_checkpoint, family):
    folder = tmp_path / "music"
    folder.mkdir()
    write_song(folder / "song.mid")
    checkpoint = tiny_checkpoint if family == "v1" else write_checkpoint(tmp_path / "c2")
    name = model_name(str(checkpoint))
    with Library(tmp_path / "lib.db") as library:
        run = LibraryIndexer(library, name, model_loader(str(checkpoint), "cpu"), inline=True).run([folder])
        try:
            while True:
                next(run)
        except StopIteration as stop:
            summary = stop.value
        assert summary.encoded == 1 and not summary.failures
        ids, vectors = library.load_vectors(name)
    assert len(ids) == 1 and np.isfinite(vectors).all()
    if family == "clamp3":   # read natively: the MTF of the file, not its notation
        from clamp_desktop.ingest.mtf import midi_to_mtf
        from clamp_desktop.model import load_clamp

        native = load_clamp(checkpoint, device="cpu").encode_music([midi_to_mtf(folder / "song.mid")])
        np.testing.assert_allclose(vectors, native, atol=1e-5)

"""One test per input rule of shared/clamp3-reference.md (sections 2 and 3): interleaved ABC and MTF."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest
from music21 import corpus

from clamp_desktop.errors import ConversionError
from clamp_desktop.ingest.interleave import XML2ABC_OPTIONS, interleave_abc, musicxml_to_interleaved_abc
from clamp_desktop.ingest.model_input import model_input
from clamp_desktop.ingest.musicxml import read_musicxml_bytes
from clamp_desktop.ingest.mtf import midi_to_mtf
from clamp_desktop.ingest.xml2abc import musicxml_to_abc
from clamp_desktop.model.clamp3.patching import m3_patches

BWV = Path(str(corpus.getWork("bach/bwv66.6")))


def test_rule_2_1_xml2abc_runs_with_d8_and_x():
    abc = musicxml_to_abc(read_musicxml_bytes(BWV), "bwv66.6", options=XML2ABC_OPTIONS)
    assert "L:1/8\n" in abc and "%%MIDI" not in abc
    assert XML2ABC_OPTIONS["d"] == 8 and XML2ABC_OPTIONS["x"] is True


def test_rule_2_2_bwv66_6_interleaves_as_the_reference_example_and_gives_50_patches():
    abc, interleaved = musicxml_to_interleaved_abc(read_musicxml_bytes(BWV), "bwv66.6")
    assert interleaved
    assert abc.startswith("%%score [ 1 | 2 | 3 | 4 ]\nL:1/8\nQ:1/4=96\nM:4/4\nK:F#min\n")
    assert "[V:1]cB|[V:2]E2|[V:3]A,B,|[V:4]A,G,|\n" in abc
    assert "[V:1]A2 B2 !fermata!c2 e2|[V:2]F2 E2 E2 E2|[V:3]C2 B,2 A,2 B,2|" in abc
    assert len(m3_patches(abc)) == 50


def test_rule_2_2b_information_fields_are_removed():
    out = interleave_abc("X:1\nT:Title\nC:Someone\nL:1/8\nK:C\nV:1\n%%MIDI program 1\nCDEF|GABc|\n")
    assert "T:" not in out and "C:Someone" not in out and "%%MIDI" not in out and "K:C" in out


def test_rule_2_2c_a_trailing_bar_number_comment_is_removed():
    out = interleave_abc("L:1/8\nK:C\nV:1\nCDEF|GABc|%12\n")
    assert "%12" not in out and "[V:1]GABc|" in out


def test_rule_2_2c_a_tune_without_a_v1_line_is_dropped():
    with pytest.raises(ConversionError):
        interleave_abc("L:1/8\nK:C\nCDEF|GABc|\n")


def test_rule_2_2d_quoted_text_holding_a_barline_is_removed():
    out = interleave_abc('L:1/8\nK:C\nV:1\n"^a|b"CDEF|"^ok"GABc|\n')
    assert "a|b" not in out and '"^ok"' in out


def test_rule_2_2e_voices_with_different_bar_counts_are_dropped_by_the_reference():
    with pytest.raises(ConversionError):
        interleave_abc("L:1/8\nK:C\nV:1\nCDEF|GABc|\nV:2\nC,8|\n")


def test_rule_2_2e_leading_rest_bars_and_trailing_empty_bars_are_stripped():
    out = interleave_abc("L:1/8\nK:C\nV:1\nz8|CDEF GABc|z8|\n")
    assert out.count("[V:1]") == 1 and "CDEF GABc" in out


def test_fallback_a_score_the_interleaver_drops_is_read_as_standard_abc_with_a_note(monkeypatch):
    from clamp_desktop.ingest import interleave

    def rejects(abc):   # as abctoolkit does for voices of different bar counts
        raise ConversionError("its voices have different numbers of bars")

    monkeypatch.setattr(interleave, "interleave_abc", rejects)
    prepared = model_input(BWV, "clamp3")
    assert prepared.note and "standard ABC" in prepared.note
    assert "T:" not in prepared.text and "[V:" not in prepared.text and "V:4\n" in prepared.text
    assert len(m3_patches(prepared.text)) > 40


def write_midi(path: Path) -> Path:
    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    track += [mido.MetaMessage("track_name", name="Piano"), mido.MetaMessage("set_tempo", tempo=500000),
              mido.MetaMessage("key_signature", key="Eb"), mido.Message("sysex", data=[1, 2, 3]),
              mido.MetaMessage("sequencer_specific", data=(7, 8)), mido.MetaMessage("text", text="hi"),
              mido.Message("note_on", channel=1, note=60, velocity=80),
              mido.Message("note_on", channel=1, note=60, velocity=0, time=480)]
    midi.tracks.append(track)
    midi.save(path)
    return path


def test_rule_3_mtf_lines_in_mido_field_order_names_and_texts_skipped(tmp_path):
    mtf = midi_to_mtf(write_midi(tmp_path / "a.mid"))
    assert mtf.split("\n") == [
        "ticks_per_beat 480", "set_tempo 500000 0", "key_signature Eb 0", "sysex 0 [1, 2, 3]",
        "sequencer_specific (7, 8) 0", "note_on 0 1 60 80", "note_on 480 1 60 0", "end_of_track 0",
    ]


def test_rule_3_tracks_are_merged_in_time_and_there_is_no_trailing_newline(tmp_path):
    midi = mido.MidiFile(type=1, ticks_per_beat=96)
    midi.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=400000, time=10)]))
    midi.tracks.append(mido.MidiTrack([mido.Message("note_on", note=62, velocity=9, time=5)]))
    midi.save(tmp_path / "b.mid")
    mtf = midi_to_mtf(tmp_path / "b.mid")
    assert mtf.split("\n")[1:3] == ["note_on 5 0 62 9", "set_tempo 400000 5"]
    assert not mtf.endswith("\n")


def test_rule_3_lines_are_unicode_escaped():
    from clamp_desktop.ingest.mtf import message_line

    assert message_line(mido.MetaMessage("text", text="é\n")) == "text \\xe9\\n 0"


def test_rule_7_clamp2_mtf_also_drops_sysex_and_sequencer_specific(tmp_path):
    text = model_input(write_midi(tmp_path / "c.mid"), "clamp2").text
    assert "sysex" not in text and "sequencer_specific" not in text and "note_on 0 1 60 80" in text


def test_a_file_that_is_not_midi_is_reported_not_crashed(tmp_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not a midi file at all")
    with pytest.raises(ConversionError, match="MIDI"):
        model_input(bad, "clamp3")


def test_rule_3_1_a_type_2_file_is_dropped_by_the_reference_and_reported_here(tmp_path):
    midi = mido.MidiFile(write_midi(tmp_path / "a.mid"))
    midi.type = 2
    midi.save(tmp_path / "type2.mid")
    with pytest.raises(ConversionError, match="type-2 MIDI file"):
        model_input(tmp_path / "type2.mid", "clamp3")


def test_rule_2_2a_lines_are_read_as_readlines_reads_them_split_on_newlines_only():
    from clamp_desktop.ingest.interleave import read_lines

    assert read_lines("a\x0cb\r\nc\rd\n") == ["a\x0cb\n", "c\n", "d\n"]
    assert read_lines("a\nb") == ["a\n", "b"]

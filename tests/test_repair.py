"""No file lost to one odd mark: repaired conversion, notices, listing by metadata, summaries that count old failures.

The files in tests/data/odd-marks are hand-made, each with one mark real
exports contain that xml2abc (the faithful converter) raises on.
"""

import json
import shutil
from pathlib import Path

import pytest

from cli_helpers import run_cli
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.engine.search import search
from clamp_desktop.ingest.convert import Unconvertible, convert_for_library, musicxml_bytes_to_clamp_abc
from clamp_desktop.ingest.musicxml import read_musicxml_bytes
from clamp_desktop.ingest.repair import LEVELS, strip
from clamp_desktop.ingest.score import read_score
from clamp_desktop.ingest.xml2abc import ConverterStopped
from clamp_desktop.model import load_clamp
from clamp_desktop.store import Library

ODD = Path(__file__).parent / "data" / "odd-marks"
RESCUED = {
    "pedal-discontinue.musicxml": ('<pedal type="discontinue">', '<pedal type="resume">'),
    "metronome-without-per-minute.musicxml": ("<metronome> without <per-minute>",),
    "natural-sharp.musicxml": ("<accidental>natural-sharp</accidental>",),
    "composite-meter.musicxml": ("rewrote <beats>3+4</beats> read as 7",),
}
UNCONVERTIBLE = "divisions-not-a-number.musicxml"


@pytest.mark.parametrize("name", sorted(RESCUED))
def test_the_faithful_converter_stops_at_each_hand_made_mark(name):
    with pytest.raises(ConverterStopped) as stopped:
        musicxml_bytes_to_clamp_abc((ODD / name).read_bytes())
    assert stopped.value.measure == 2


@pytest.mark.parametrize("name", sorted(RESCUED))
def test_a_repaired_copy_converts_and_the_note_names_the_mark_and_measure(name):
    [entry] = read_score(ODD / name)
    assert entry.abc and "|" in entry.abc and entry.error is None
    for mark in RESCUED[name]:
        assert mark in entry.conversion_note
    assert "(measure 2)" in entry.conversion_note
    assert "the faithful converter stopped at measure 2" in entry.conversion_note


def test_only_the_odd_marks_are_removed_the_rest_of_the_music_stays():
    pedal = read_score(ODD / "pedal-discontinue.musicxml")[0].abc
    assert "!ped!" in pedal and "!ped-up!" in pedal          # the start and stop pedals are kept
    assert pedal.count("|") >= 3                              # all three bars
    metronome = read_score(ODD / "metronome-without-per-minute.musicxml")[0].abc
    assert "Q:1/4=80" in metronome                            # the real tempo mark is kept
    sharp = read_score(ODD / "natural-sharp.musicxml")[0].abc
    assert sharp.count("^F") == 2                             # the pitch (alter) survives its odd sign
    composite = read_score(ODD / "composite-meter.musicxml")[0].abc
    assert "M:7/8" in composite and "CDEFGAB" in composite.replace(" ", "")


def test_a_file_the_faithful_converter_reads_is_byte_identical(corpus):
    for path in corpus.files("bach/bwv1*.mxl", 3):
        data = read_musicxml_bytes(path)
        conversion = convert_for_library(data, path.stem)
        assert conversion.repair_note is None
        assert conversion.abc == musicxml_bytes_to_clamp_abc(data, path.stem)


def test_a_file_no_repair_helps_is_listed_by_its_metadata_with_a_reason_to_act_on():
    with pytest.raises(Unconvertible):
        convert_for_library((ODD / UNCONVERTIBLE).read_bytes())
    [entry] = read_score(ODD / UNCONVERTIBLE)
    assert entry.abc is None
    assert entry.metadata["title"] == "Unreadable Divisions"
    assert "at measure 1" in entry.error and "re-export it as MusicXML" in entry.error
    assert "the file is still listed and searchable by its metadata" in entry.error
    assert len(entry.error) <= 300


def test_each_level_removes_more_and_records_the_measures():
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring((ODD / "pedal-discontinue.musicxml").read_bytes())
    removed = [strip(root, rule).found for _, rule in LEVELS]
    assert set(removed[0]) == {'<pedal type="discontinue">', '<pedal type="resume">'}
    # every direction goes: the start and stop pedals, and the two emptied by level 1
    assert removed[1] == {"<direction>": ["1", "2", "2", "3"]}
    assert removed[2] == {}                               # nothing but notes was left
    assert len(root.findall(".//note")) == 12


def index(db, folder, checkpoint):
    with Library(db) as library:
        indexer = LibraryIndexer(library, str(checkpoint), lambda: load_clamp(checkpoint), inline=True)
        return run_to_end(indexer.run([folder]))


@pytest.fixture
def odd_folder(tmp_path):
    folder = tmp_path / "odd"
    shutil.copytree(ODD, folder)
    return folder


def test_the_library_keeps_every_file_and_counts_old_failures_on_the_next_run(tmp_path, odd_folder, tiny_checkpoint):
    db = tmp_path / "lib.db"
    first = index(db, odd_folder, tiny_checkpoint)
    assert (first.added, first.failed, first.repaired, first.still_failing) == (4, 1, 4, 1)
    assert first.encoded == 4
    second = index(db, odd_folder, tiny_checkpoint)
    assert (second.added, second.failed, second.still_failing) == (0, 0, 1)
    with Library(db) as library:
        counts = library.counts()
        assert counts["pieces"] == 5 and counts["files_failing"] == 1
        assert counts["listed_without_music"] == 1 and counts["repaired"] == 4
        assert len(library.load_vectors(str(tiny_checkpoint))[0]) == 4
        [failure] = library.failures()
        assert failure["listed"] and failure["path"].endswith(UNCONVERTIBLE)
        assert {Path(n["path"]).name for n in library.notices()} == set(RESCUED)
        found = search(library, "Unreadable Divisions", str(tiny_checkpoint), None, semantic=False)
        assert [Path(hit.piece["path"]).name for hit in found.hits][:1] == [UNCONVERTIBLE]
        by_fact = search(library, 'ensemble:"solo piano" meter:4/4', str(tiny_checkpoint), None, semantic=False)
        assert UNCONVERTIBLE in {Path(hit.piece["path"]).name for hit in by_fact.hits}


def test_cli_summaries_count_files_still_failing(tmp_path, odd_folder, tiny_checkpoint, capsys):
    db = str(tmp_path / "lib.db")
    args = ["index", str(odd_folder), "--db", db, "--model", str(tiny_checkpoint)]
    assert run_cli(args, capsys)[0] == 0
    code, out, _ = run_cli(args, capsys)
    assert code == 0 and "failed 0" in out
    assert "1 file in the library still not converted" in out
    code, out, _ = run_cli(args + ["--json"], capsys)
    assert json.loads(out)["still_failing"] == 1
    code, out, _ = run_cli(["status", "--db", db, "--json"], capsys)
    status = json.loads(out)
    assert status["files_failing"] == 1 and status["repaired"] == 4
    assert {Path(n["path"]).name for n in status["notices"]} == set(RESCUED)
    code, out, _ = run_cli(["status", "--db", db], capsys)
    assert "notice: " in out and "1 files not converted (1 of them listed by their metadata)" in out


def test_a_piece_listed_by_its_metadata_says_why_it_has_no_similar_pieces(tmp_path, odd_folder, tiny_checkpoint):
    from clamp_desktop.engine.similar import similar_to_piece

    db = tmp_path / "lib.db"
    index(db, odd_folder, tiny_checkpoint)
    with Library(db) as library:
        [failure] = library.failures()
        result = similar_to_piece(library, failure["id"], str(tiny_checkpoint))
    assert result.hits == [] and "could not be converted" in result.message


def test_level_one_knows_each_odd_form_and_rewrites_composite_meters():
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring(
        '<score-partwise><part id="P1"><measure number="4">'
        '<attributes><time><beats>2+2+3</beats><beat-type>8</beat-type></time></attributes>'
        '<direction><direction-type><wedge type="continue"/></direction-type></direction>'
        '<direction><direction-type><octave-shift type="down"/></direction-type></direction>'
        '<note><accidental>quarter-sharp</accidental><lyric number="chorus"/><lyric number="verse2"/></note>'
        '</measure></part></score-partwise>')
    found = strip(root, LEVELS[0][1]).found
    assert set(found) == {'<wedge type="continue">', "<accidental>quarter-sharp</accidental>",
                          '<lyric number="chorus">', "<beats>2+2+3</beats> read as 7"}
    assert all(measures == ["4"] for measures in found.values())
    assert root.findtext(".//beats") == "7" and root.find(".//octave-shift") is not None
    assert [lyric.get("number") for lyric in root.iter("lyric")] == ["verse2"]

"""The demo library: music21's MusicXML scores, linked into the data folder once."""

from pathlib import Path

from clamp_desktop.engine.demo import corpus_root, demo_folder
from clamp_desktop.ingest.scanner import LibraryScanner


def test_demo_folder_holds_every_corpus_musicxml_score_and_nothing_else():
    folder = demo_folder()
    found = list(LibraryScanner().scan([folder]))
    expected = [p for p in corpus_root().rglob("*") if p.suffix.lower() in (".mxl", ".xml", ".musicxml")]
    assert len(found) == len(expected) > 600
    assert {Path(f.path).suffix.lower() for f in found} <= {".mxl", ".xml", ".musicxml"}


def test_demo_folder_is_made_once_and_reused():
    first = demo_folder()
    marker = sorted(first.rglob("*.mxl"))[0]
    stat = marker.lstat()
    assert demo_folder() == first
    assert marker.lstat().st_mtime_ns == stat.st_mtime_ns

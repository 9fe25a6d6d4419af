"""The demo library: music21's MusicXML scores (not its test files) and jigs and reels, linked once."""

from pathlib import Path

from clamp_desktop.engine.demo import FOLK_TUNES, QUICK_SCORES, corpus_root, demo_folder
from clamp_desktop.ingest.scanner import LibraryScanner


def found_in(folder: Path) -> list[Path]:
    return [Path(f.path).relative_to(folder) for f in LibraryScanner().scan([folder])]


def test_demo_folder_holds_the_corpus_scores_and_jigs_and_reels_but_not_music21s_test_files():
    found = found_in(demo_folder())
    musicxml = [p for p in found if p.suffix in (".mxl", ".xml", ".musicxml")]
    tunes = [p for p in found if p.suffix == ".abc"]
    expected = [p for p in corpus_root().rglob("*") if p.suffix.lower() in (".mxl", ".xml", ".musicxml")
                and p.relative_to(corpus_root()).parts[0] not in ("demos", "theoryExercises")
                and not p.stem.endswith("_bak")]
    assert len(musicxml) == len(expected) > 600
    assert not [p for p in found if p.parts[0] in ("demos", "theoryExercises") or p.stem.endswith("_bak")]
    assert len([p for p in tunes if p.stem.endswith("Jig")]) == len([p for p in tunes if p.stem.endswith("Reel")]) \
        == FOLK_TUNES
    assert {p.parts[0] for p in tunes} == {"ryansMammoth"}
    assert len(found) == len(musicxml) + len(tunes)


def test_demo_folder_is_made_once_and_reused():
    first = demo_folder()
    marker = sorted(first.rglob("*.mxl"))[0]
    stat = marker.lstat()
    assert demo_folder() == first
    assert marker.lstat().st_mtime_ns == stat.st_mtime_ns


def test_the_quick_demo_keeps_a_few_of_each_and_removes_the_rest():
    full = len(found_in(demo_folder()))
    quick = found_in(demo_folder(quick=True))
    assert len(quick) == 3 * QUICK_SCORES < full
    assert len({p.parts[0] for p in quick if p.suffix == ".mxl"}) > 3    # spread over composers
    assert not [p for p in demo_folder(quick=True).rglob("*") if p.is_dir() and not any(p.iterdir())]

"""The demo library: scores that ship inside music21's corpus.

Every install has music21, so every install can try the app offline.  The
demo is its MusicXML scores (less music21's own test files: ``demos/``,
``theoryExercises/`` and ``*_bak.xml`` copies) and a share of the jigs and
reels of Ryan's Mammoth Collection (ABC, one tune a file), which make "a
lively Irish jig" find something.  The corpus holds thousands more ABC and
Humdrum tunes; the demo is meant to be quick, so it takes ``FOLK_TUNES`` of
each dance.  It is a folder of links (made in the data folder; copies where
links are not allowed) kept in step with the selection, indexed like any
other library folder - watching and re-indexing work the same.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .. import paths
from ..ingest.musicxml import MUSICXML_SUFFIXES

EXAMPLE_QUERIES = (
    "a four-part chorale by Bach",
    "a string quartet movement",
    "a slow piece in a minor key",
    "a lively Irish jig",
)
TEST_FOLDERS = ("demos", "theoryExercises")      # music21's own test material, not music
FOLK_FOLDER = "ryansMammoth"
FOLK_DANCES = ("Jig", "Reel")
FOLK_TUNES = 120                                 # tunes of each dance in the demo
QUICK_SCORES = 12                                # scores of each kind in ``demo --quick``


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def demo_sources(quick: bool = False) -> list[Path]:
    """The corpus files of the demo: MusicXML scores, then jigs and reels (fewer of each when quick)."""
    root = corpus_root()
    scores = [p for p in sorted(root.rglob("*")) if p.suffix.lower() in MUSICXML_SUFFIXES
              and p.relative_to(root).parts[0] not in TEST_FOLDERS and not p.stem.endswith("_bak")]
    limit = QUICK_SCORES if quick else FOLK_TUNES
    tunes = [p for dance in FOLK_DANCES
             for p in sorted((root / FOLK_FOLDER).glob(f"*{dance}.abc"))[:limit]]
    return (scores[::max(len(scores) // QUICK_SCORES, 1)][:QUICK_SCORES] if quick else scores) + tunes


def _link(source: Path, target: Path) -> None:
    for make in (os.symlink, os.link):
        try:
            make(source, target)
            return
        except OSError:
            continue
    shutil.copyfile(source, target)


def demo_folder(quick: bool = False) -> Path:
    """The demo library folder, made on first use and kept in step with the selection.

    Links of an older demo (or of the full demo, after ``--quick``) that the
    selection no longer holds are removed, so the next index run drops them.
    """
    root = corpus_root()
    folder = paths.data_dir() / "demo-scores"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {folder / source.relative_to(root): source for source in demo_sources(quick)}
    for target, source in wanted.items():
        if not os.path.lexists(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(source, target)
    for entry in sorted(folder.rglob("*"), reverse=True):
        if entry not in wanted and (entry.is_symlink() or entry.is_file()):
            entry.unlink()
        elif entry.is_dir() and not entry.is_symlink() and not any(entry.iterdir()):
            entry.rmdir()
    return folder

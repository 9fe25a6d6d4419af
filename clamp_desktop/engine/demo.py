"""The demo library: the MusicXML scores that ship inside music21's corpus.

Every install has music21, so every install can try the app offline.  The
corpus also holds thousands of ABC and Humdrum tunes; the demo is meant to be
quick, so it is a folder of links to the MusicXML scores only (made once in
the data folder; copies where links are not allowed), indexed like any other
library folder - watching and re-indexing work the same.
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
    "a lively folk dance in 6/8",
)


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def _link(source: Path, target: Path) -> None:
    for make in (os.symlink, os.link):
        try:
            make(source, target)
            return
        except OSError:
            continue
    shutil.copyfile(source, target)


def demo_folder() -> Path:
    """The demo library folder, created on first use (one entry per corpus MusicXML score)."""
    root = corpus_root()
    folder = paths.data_dir() / "demo-scores"
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(root.rglob("*")):
        if source.suffix.lower() not in MUSICXML_SUFFIXES:
            continue
        relative = source.relative_to(root)
        target = folder / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(source, target)
    return folder

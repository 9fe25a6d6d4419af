"""Shared fixtures: tiny checkpoints in the published layout and real MusicXML from music21."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory, monkeypatch):
    """Every test gets its own data, cache and config folders; nothing touches the user's."""
    base = tmp_path_factory.mktemp("appdirs")
    monkeypatch.setenv("CLAMP_DESKTOP_DATA", str(base / "data"))
    monkeypatch.setenv("CLAMP_DESKTOP_CACHE", str(base / "cache"))
    monkeypatch.setenv("CLAMP_DESKTOP_CONFIG", str(base / "config"))
    monkeypatch.delenv("CLAMP_DESKTOP_DB", raising=False)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """A random CLaMP in the published layout (pickled pytorch_model.bin), small sizes."""
    from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint

    return write_random_checkpoint(tmp_path_factory.mktemp("tiny") / "clamp-tiny", tiny_config())


@pytest.fixture(scope="session")
def tiny_model(tiny_checkpoint):
    from clamp_desktop.model import load_clamp

    return load_clamp(tiny_checkpoint, device="cpu")


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def corpus_files(pattern: str, count: int | None = None) -> list[Path]:
    files = sorted(corpus_root().glob(pattern))
    return files[:count] if count else files


@pytest.fixture(scope="session")
def corpus():
    """Access to music21's corpus: corpus.files('bach/*.mxl', 5)."""

    class Corpus:
        root = corpus_root()
        files = staticmethod(corpus_files)

    return Corpus


@pytest.fixture
def score_folder(tmp_path) -> Path:
    return copy_score_folder(tmp_path / "scores")


def copy_score_folder(folder: Path) -> Path:
    """13 real MusicXML files: .mxl (one whose score is .musicxml), .xml, .musicxml, multi-part."""
    folder.mkdir(parents=True, exist_ok=True)
    picks = corpus_files("bach/bwv1*.mxl", 7) + [corpus_root() / "bach/bwv113.8.mxl"]
    picks += corpus_files("haydn/opus74no1/*.mxl", 2) + corpus_files("trecento/*.xml", 2)
    picks += [corpus_root() / "beach/prayer_of_a_tired_child.musicxml"]
    for path in picks:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def web_library(tmp_path_factory) -> Path:
    """A small library for the web server tests: 5 corpus scores indexed with the bundled model."""
    from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
    from clamp_desktop.engine.models import model_loader, model_name
    from clamp_desktop.store import Library

    base = tmp_path_factory.mktemp("web")
    folder = base / "scores"
    folder.mkdir()
    picks = corpus_files("bach/bwv1*.mxl", 3) + corpus_files("haydn/opus74no1/*.mxl", 1)
    picks += [corpus_root() / "beach/prayer_of_a_tired_child.musicxml"]
    for path in picks:
        shutil.copy(path, folder / path.name)
    db = base / "library.db"
    with Library(db) as library:
        run_to_end(LibraryIndexer(library, model_name(None), model_loader(None), inline=True).run([folder]))
    return db


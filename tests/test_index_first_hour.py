"""Indexing as a newcomer meets it: every format, folders added twice, a cancelled run resumed."""

from __future__ import annotations

import shutil
from pathlib import Path

from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.engine.models import model_name
from clamp_desktop.ingest.musicxml import MUSICXML_SUFFIXES
from clamp_desktop.store import Library
from conftest import corpus_files


def mixed_folder(folder: Path) -> Path:
    """Real scores of three formats: 3 MusicXML in a sub-folder, 2 ABC tunes and 1 Humdrum file."""
    (folder / "bach").mkdir(parents=True)
    for path in corpus_files("bach/bwv1*.mxl", 3):
        shutil.copy(path, folder / "bach" / path.name)
    for path in corpus_files("ryansMammoth/*Jig.abc", 2) + corpus_files("bach/*.krn", 1):
        shutil.copy(path, folder / path.name)
    return folder


def indexer(library, checkpoint, model, **options) -> LibraryIndexer:
    return LibraryIndexer(library, model_name(str(checkpoint)), lambda: model, inline=True, **options)


def test_every_supported_format_is_indexed_by_default(tmp_path, tiny_checkpoint, tiny_model):
    folder = mixed_folder(tmp_path / "scores")
    with Library(tmp_path / "lib.db") as library:
        summary = run_to_end(indexer(library, tiny_checkpoint, tiny_model).run([folder]))
        formats = {p["format"] for p in library.pieces()}
    assert summary.added == 6 and summary.skipped == {}
    assert formats == {"mxl", "abc", "krn"}


def test_files_left_out_by_a_format_choice_are_counted_by_kind(tmp_path, tiny_checkpoint, tiny_model):
    folder = mixed_folder(tmp_path / "scores")
    with Library(tmp_path / "lib.db") as library:
        summary = run_to_end(indexer(library, tiny_checkpoint, tiny_model, suffixes=MUSICXML_SUFFIXES).run([folder]))
    assert summary.added == 3
    assert summary.skipped == {"abc": 2, "krn": 1}


def test_a_folder_added_again_by_another_spelling_or_a_sub_folder_makes_no_duplicates(
        tmp_path, tiny_checkpoint, tiny_model):
    folder = mixed_folder(tmp_path / "scores")
    (tmp_path / "link").symlink_to(folder)
    with Library(tmp_path / "lib.db") as library:
        run_to_end(indexer(library, tiny_checkpoint, tiny_model).run([folder]))
        pieces = len(library.pieces())
        again = run_to_end(indexer(library, tiny_checkpoint, tiny_model).run([str(folder) + "/", tmp_path / "link"]))
        inside = run_to_end(indexer(library, tiny_checkpoint, tiny_model).run([folder / "bach"]))
        assert len(library.pieces()) == pieces == 6
        assert library.folders() == [str(folder.resolve())]
    assert again.added == 0 and again.unchanged == 6
    assert inside.added == 0 and inside.covered == [(str((folder / "bach").resolve()), str(folder.resolve()))]


def test_a_folder_holding_library_folders_replaces_them_in_the_list(tmp_path, tiny_checkpoint, tiny_model):
    folder = mixed_folder(tmp_path / "scores")
    with Library(tmp_path / "lib.db") as library:
        run_to_end(indexer(library, tiny_checkpoint, tiny_model).run([folder / "bach"]))
        summary = run_to_end(indexer(library, tiny_checkpoint, tiny_model).run([folder]))
        assert library.folders() == [str(folder.resolve())]
        assert len(library.pieces()) == 6
    assert summary.added == 3 and summary.unchanged == 3


def test_a_cancelled_run_is_remembered_and_the_next_run_finishes_it(tmp_path, tiny_checkpoint, tiny_model):
    folder = mixed_folder(tmp_path / "scores")
    db = tmp_path / "lib.db"
    with Library(db) as library:
        job = indexer(library, tiny_checkpoint, tiny_model).run([folder])
        stages = [next(job).stage for _ in range(2)]    # scanned, then closed: what "Cancel" does
        job.close()
        run = library.unfinished_index_run()
        assert stages == ["scan", "scan"] and run == {"folders": [str(folder.resolve())], "files": 6, "read": 0}
    with Library(db) as library:
        summary = run_to_end(indexer(library, tiny_checkpoint, tiny_model).run([]))
        assert library.unfinished_index_run() is None
        assert summary.resumed == [str(folder.resolve())] and summary.added == 6
        assert library.models() == {model_name(str(tiny_checkpoint)): 6}


def test_a_folder_removed_after_a_cancelled_run_is_not_resumed(tmp_path, tiny_checkpoint, tiny_model):
    folder = mixed_folder(tmp_path / "scores")
    with Library(tmp_path / "lib.db") as library:
        job = indexer(library, tiny_checkpoint, tiny_model).run([folder])
        next(job), next(job)
        job.close()
        library.remove_folder(folder)
        assert library.unfinished_index_run() is None
        summary = run_to_end(indexer(library, tiny_checkpoint, tiny_model).run([]))
    assert summary.resumed == [] and summary.added == 0

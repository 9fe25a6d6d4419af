"""Backup files: tag decisions, vocabularies and composer renames come back; bad files are refused in one line."""

from __future__ import annotations

import json
import shutil

import pytest

from clamp_desktop.engine import backup, organise, tagging
from clamp_desktop.errors import ClampDesktopError
from clamp_desktop.store import Library, queries
from test_organise import index, small_folder

VOCABULARY = 'name = "voicing"\ntemplate = "Music for {voicing}."\nlabels = ["choir", "duet"]\n'


def test_tag_decisions_and_vocabularies_survive_a_new_library(tmp_path, tiny_checkpoint):
    folder, db = small_folder(tmp_path), tmp_path / "lib.db"
    index(db, folder, tiny_checkpoint)
    vocabularies = tagging.user_vocabulary_dir()
    vocabularies.mkdir(parents=True, exist_ok=True)
    (vocabularies / "voicing.toml").write_text(VOCABULARY, encoding="utf-8")
    with Library(db) as library:
        first, second = (p["id"] for p in library.pieces()[:2])
        with library.atomic():     # as a tagging run leaves them
            queries.put_tag(library, first, "genre", "dance", "auto", 0.9)
            queries.put_tag(library, second, "genre", "hymn", "auto", 0.8)
        assert tagging.remove_tag(library, first, "genre", "dance") == "hidden"
        tagging.accept_tag(library, second, "genre", "hymn")
        saved = backup.write_backup(library, tmp_path / "b.json")
    assert (saved["tags"], saved["vocabularies"]) == (2, 1)
    for leftover in tmp_path.glob("lib.db*"):      # the database, its WAL and its saved vectors
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    (vocabularies / "voicing.toml").unlink()
    index(db, folder, tiny_checkpoint)
    with Library(db) as library:
        report = backup.restore_backup(library, tmp_path / "b.json")
        assert (report.pieces, report.tags, report.missing, report.vocabularies) == (2, 2, [], ["voicing.toml"])
        first, second = (p["id"] for p in library.pieces()[:2])
        assert queries.tag_rows(library, first) == [("genre", "dance", None, "hidden")]
        assert queries.tag_rows(library, second) == [("genre", "hymn", 0.8, "user")]
        again = backup.restore_backup(library, tmp_path / "b.json")      # restoring twice changes nothing
        assert again.vocabularies == [] and backup.backup_data(library)["pieces"] == \
            json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["pieces"]
    assert (vocabularies / "voicing.toml").read_text(encoding="utf-8") == VOCABULARY


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    (tmp_path / "x.json").write_text('{"pieces": []}', encoding="utf-8")
    (tmp_path / "y.json").write_text("not json", encoding="utf-8")
    with Library(tmp_path / "lib.db") as library:
        with pytest.raises(ClampDesktopError, match="is not a clamp-desktop backup"):
            backup.restore_backup(library, tmp_path / "x.json")
        with pytest.raises(ClampDesktopError, match="Cannot read the backup"):
            backup.restore_backup(library, tmp_path / "y.json")
        damaged = {"format": "clamp-desktop-backup", "version": 1, "collections": [],
                   "pieces": [{"path": "/a.mxl", "tune": 0, "hash": "h", "rating": 3}],
                   "not_duplicates": [[0, 7]]}
        (tmp_path / "z.json").write_text(json.dumps(damaged), encoding="utf-8")
        with pytest.raises(ClampDesktopError, match="is damaged .*nothing was restored"):
            backup.restore_backup(library, tmp_path / "z.json")
        assert organise.marks(library) == {}
        assert library.conn.execute("SELECT count(*) FROM user_pieces").fetchone()[0] == 0


def test_a_hidden_byte_copy_stays_the_hidden_one(tmp_path, tiny_checkpoint):
    import shutil

    folder, db = small_folder(tmp_path), tmp_path / "lib.db"
    original = sorted(folder.glob("*.mxl"))[0]
    copy = folder / "zz-copy.mxl"
    shutil.copy(original, copy)
    index(db, folder, tiny_checkpoint)
    with Library(db) as library:
        by_path = {p["path"]: p["id"] for p in library.pieces()}
        organise.set_hidden(library, by_path[str(copy)])
        organise.rate(library, by_path[str(original)], 2)
        backup.write_backup(library, tmp_path / "b.json")
    for leftover in tmp_path.glob("lib.db*"):      # the database, its WAL and its saved vectors
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    index(db, folder, tiny_checkpoint)
    with Library(db) as library:
        backup.restore_backup(library, tmp_path / "b.json")
        by_path = {p["path"]: p["id"] for p in library.pieces()}
        assert organise.marks(library) == {
            by_path[str(copy)]: {"rating": None, "favourite": False, "hidden": True},
            by_path[str(original)]: {"rating": 2, "favourite": False, "hidden": False}}

"""User data follows the library's reliability rules: kill -9, two writers, upgrade of an older library."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from clamp_desktop.engine import backup, organise
from clamp_desktop.engine import collections as coll
from clamp_desktop.store import Library, migrations
from test_organise import index, small_folder


@pytest.fixture
def library_db(tmp_path, tiny_checkpoint):
    db = tmp_path / "lib.db"
    index(db, small_folder(tmp_path), tiny_checkpoint)
    return db


def child(script: str, *args) -> subprocess.Popen:
    """A real second process running ``script`` (stdout piped, one line per committed step)."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


EDIT_FOREVER = """
    import sys
    from clamp_desktop.engine import organise
    from clamp_desktop.store import Library
    with Library(sys.argv[1]) as library:
        ids = [p["id"] for p in library.pieces()]
        step = 0
        while True:
            piece = ids[step % len(ids)]
            organise.edit_piece(library, piece, title=f"edit {step}", notes=f"edit {step}")
            print(step, piece, flush=True)
            step += 1
"""


def test_kill_9_never_loses_a_committed_edit(library_db):
    process = child(EDIT_FOREVER, library_db)
    committed = {}
    for _ in range(40):
        step, piece = map(int, process.stdout.readline().split())
        committed[piece] = step
    process.send_signal(signal.SIGKILL)
    process.wait()
    with Library(library_db) as library:
        assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for piece in library.pieces():
            # the last edit reported, or one made after it and committed before the kill; never half of one
            assert piece["title"] == piece["notes"], piece["id"]
            assert int(piece["title"].split()[1]) >= committed[piece["id"]]
            assert organise.edited_fields(library, piece["id"])["notes"]["value"] == piece["notes"]


EDIT_ONE_BY_ONE = """
    import sys
    from clamp_desktop.engine import organise
    from clamp_desktop.store import Library
    db, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for step in range(count):
        with Library(db, wait=60) as library:        # as each CLI command does
            piece = library.pieces()[step % 2 + (2 if name == "b" else 0)]["id"]
            organise.edit_piece(library, piece, notes=f"{name} {step}")
            organise.rate(library, piece, step % 5 + 1)
    print("done", flush=True)
"""


def test_two_processes_writing_edits_never_corrupt_the_library(library_db):
    writers = [child(EDIT_ONE_BY_ONE, library_db, name, 25) for name in ("a", "b")]
    outputs = [w.communicate(timeout=300)[0] for w in writers]
    assert [w.returncode for w in writers] == [0, 0] and outputs == ["done\n", "done\n"]
    with Library(library_db, readonly=True) as library:
        assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        notes = sorted(p["notes"] for p in library.pieces())
        assert notes == ["a 23", "a 24", "b 23", "b 24"]
        assert sorted(m["rating"] for m in organise.marks(library).values()) == [4, 4, 5, 5]


def test_a_library_made_before_0006_upgrades_in_place(tmp_path):
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    for version, _, sql in migrations():
        if version <= 5:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
    conn.execute("INSERT INTO pieces (path, hash, size, mtime_ns, status, title, composer, has_lyrics) "
                 "VALUES ('/scores/old.mxl', 'abc123', 1, 1, 'ok', 'Old piece', 'Old Master', 0)")
    conn.execute("INSERT INTO tags (piece_id, vocabulary, label, source) VALUES (1, 'genre', 'waltz', 'user')")
    conn.commit()
    conn.close()
    with Library(db) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0] >= 6
        piece = library.pieces()[0]
        assert (piece["title"], piece["notes"]) == ("Old piece", None)
        organise.edit_piece(library, piece["id"], title="New name", notes="kept")
        coll.create_collection(library, "Old favourites")
        coll.add_to_collection(library, "Old favourites", [piece["id"]])
        hits = library.conn.execute("SELECT rowid FROM pieces_fts WHERE pieces_fts MATCH 'new'").fetchall()
        assert hits == [(piece["id"],)]
        data = backup.backup_data(library)
    assert [(p["hash"], p["edits"], p["tags"][0]["label"]) for p in data["pieces"]] == \
        [("abc123", {"title": "New name", "notes": "kept"}, "waltz")]


def test_rolling_backup_is_written_when_something_changed_and_keeps_the_last_few(library_db, tmp_path):
    folder = tmp_path / "backups"
    with Library(library_db) as library:
        piece = library.pieces()[0]["id"]
        written = []
        for stars in (1, 2, 3, 4):
            organise.rate(library, piece, stars)
            written.append(backup.rolling_backup(library, folder, keep=3))
        assert backup.rolling_backup(library, folder, keep=3) is None      # nothing changed since
    kept = sorted(folder.glob("lib-*.json"))
    assert kept == sorted(written[1:])
    newest = json.loads(kept[-1].read_text(encoding="utf-8"))
    assert newest["pieces"][0]["rating"] == 4

"""Migration 0003: score facts stored per piece, and the user's composer renames and merges."""

from clamp_desktop.ingest.score import ScoreEntry
from clamp_desktop.store import Library, queries


def _store(library, path, composer, **facts):
    meta = dict(title=path, composer=composer, composer_raw=composer, **facts)
    with library.atomic():
        return library.store_entries(path, "h" + path, 1, 1, "musicxml", [ScoreEntry(0, "X:1\nK:C\nC", meta)])[0]


def test_facts_are_stored_and_filterable(tmp_path):
    with Library(tmp_path / "lib.db") as library:
        pid = _store(library, "/a.xml", "Franz Schubert", mode="minor", key="D minor", key_source="estimated",
                     ensemble="voice and piano", voices=2, language="de", has_lyrics=1, has_chords=0,
                     tempo_class="slow", era="Romantic")
        _store(library, "/b.xml", "Joseph Haydn", ensemble="string quartet", has_chords=0)
        row = library.piece(pid)
        assert (row["mode"], row["key_source"], row["ensemble"], row["language"]) == \
            ("minor", "estimated", "voice and piano", "de")
        assert row["voices"] == 2 and row["has_lyrics"] == 1 and row["era"] == "Romantic"
        assert queries.piece_ids(library, [queries.equals("ensemble", "STRING QUARTET")]) == [pid + 1]
        hits = library.conn.execute("SELECT rowid FROM pieces_fts WHERE pieces_fts MATCH 'quartet'").fetchall()
        assert hits == [(pid + 1,)]


def test_rename_merges_and_survives_rereading(tmp_path):
    with Library(tmp_path / "lib.db") as library:
        _store(library, "/a.xml", "Fryderyk Chopin")
        _store(library, "/b.xml", "F. Chopin")
        assert library.rename_composer("F. Chopin", "Fryderyk Chopin") == 1
        assert library.composers() == [("Fryderyk Chopin", 2)]
        # a later rename of the merged name carries the earlier one along
        assert library.rename_composer("Fryderyk Chopin", "Frédéric Chopin") == 2
        assert library.composer_names() == {"F. Chopin": "Frédéric Chopin", "Fryderyk Chopin": "Frédéric Chopin"}
        _store(library, "/b.xml", "F. Chopin")          # the file is read again
        assert library.composers() == [("Frédéric Chopin", 2)]
        # renaming back to an original name leaves no cycle behind
        library.rename_composer("Frédéric Chopin", "Fryderyk Chopin")
        assert library.composer_names() == {"F. Chopin": "Fryderyk Chopin", "Frédéric Chopin": "Fryderyk Chopin"}
        assert library.composers() == [("Fryderyk Chopin", 2)]


def test_a_file_read_before_the_facts_existed_is_read_again_keeping_its_vector(tmp_path):
    import sqlite3

    import numpy as np

    from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
    from clamp_desktop.digests import file_hash
    from clamp_desktop.ingest.score import read_score
    from musicxml_cases import D_MINOR, score, write

    path = write(tmp_path / "scores" / "Lament.musicxml", score(title="Lament", fifths=-1, notes=D_MINOR))
    db = tmp_path / "lib.db"
    stat = path.stat()
    (entry,) = read_score(path)
    with Library(db) as library:
        with library.atomic():
            (pid,) = library.store_entries(str(path), file_hash(path), stat.st_size, stat.st_mtime_ns, "musicxml",
                                           [entry])
            library.store_vectors("m", [pid], np.ones((1, 4), dtype=np.float32))
    conn = sqlite3.connect(db)       # as a library indexed before migration 0003 left it
    conn.execute("UPDATE pieces SET has_lyrics = NULL, mode = NULL, key = 'F major', key_source = NULL")
    conn.commit()
    conn.close()

    def never_load():
        raise AssertionError("no model work: the music did not change")

    with Library(db) as library:
        summary = run_to_end(LibraryIndexer(library, "m", never_load, inline=True).run([tmp_path / "scores"]))
        assert summary.updated == 1
        row = library.piece(pid)
        assert (row["key"], row["key_source"], row["has_lyrics"]) == ("D minor", "estimated", 0)
        assert library.vector(pid, "m") is not None
        summary = run_to_end(LibraryIndexer(library, "m", never_load, inline=True).run([tmp_path / "scores"]))
        assert summary.unchanged == 1 and summary.updated == 0


def test_an_index_run_gives_one_spelling_per_person_and_fills_composers_from_the_folder(tmp_path, tiny_checkpoint):
    from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
    from clamp_desktop.model import load_clamp
    from musicxml_cases import score, write

    folder = tmp_path / "Nadia_Boulanger"
    for name, composer in (("Cantique", "Nadia Boulanger"), ("Soleils", "Boulanger, Nadia (1887-1979)"),
                           ("Prière", "N. Boulanger"), ("Élégie", None)):
        write(folder / f"{name}.musicxml", score(title=name, composer=composer))
    with Library(tmp_path / "lib.db") as library:
        run_to_end(LibraryIndexer(library, str(tiny_checkpoint), lambda: load_clamp(tiny_checkpoint),
                                  inline=True).run([folder]))
        assert library.composers() == [("Nadia Boulanger", 4)]
        raw = {p["title"]: p["composer_raw"] for p in library.pieces()}
        assert raw["Prière"] == "N. Boulanger" and raw["Élégie"] is None

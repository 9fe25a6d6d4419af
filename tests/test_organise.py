"""The user's edits, marks and collections on a real indexed library (real MusicXML, real SQLite)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from clamp_desktop.engine import browse, organise, tagging
from clamp_desktop.engine import collections as coll
from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.engine.search import search
from clamp_desktop.errors import ClampDesktopError
from clamp_desktop.model import load_clamp
from clamp_desktop.store import Library, queries

from conftest import corpus_files, corpus_root

FAVA = "Fava_Dicant_nunc_iudei.xml"


def small_folder(base: Path) -> Path:
    """Four real scores: three Bach chorales (.mxl) and an uncompressed trecento piece we can change."""
    folder = base / "scores"
    folder.mkdir(parents=True)
    for path in corpus_files("bach/bwv1*.mxl", 3) + [corpus_root() / "trecento" / FAVA]:
        shutil.copy(path, folder / path.name)
    return folder


def index(db: Path, folder: Path, checkpoint) -> object:
    with Library(db) as library:
        return run_to_end(LibraryIndexer(library, str(checkpoint), lambda: load_clamp(checkpoint),
                                         inline=True).run([folder]))


def piece_at(library, path: Path) -> dict:
    return next(p for p in library.pieces() if p["path"] == str(path))


@pytest.fixture
def indexed(tmp_path, tiny_checkpoint):
    folder = small_folder(tmp_path)
    db = tmp_path / "lib.db"
    index(db, folder, tiny_checkpoint)
    return db, folder


def test_edit_survives_reindex_content_change_and_rename(indexed, tiny_checkpoint):
    db, folder = indexed
    fava = folder / FAVA
    with Library(db) as library:
        piece_id = piece_at(library, fava)["id"]
        organise.edit_piece(library, piece_id, title="Dicant nunc (my edition)", composer="Jacopo da Bologna",
                            notes="sing it slowly")
    # the file changes (a new title line): read again, the edits stay on top
    text = fava.read_text(encoding="utf-8")
    fava.write_text(text.replace("Dicant nunc Judei<", "Dicant nunc Judei, revised<"), encoding="utf-8")
    assert index(db, folder, tiny_checkpoint).updated == 1
    with Library(db, readonly=True) as library:
        piece = library.piece(piece_id)
        assert (piece["title"], piece["composer"], piece["notes"]) == \
            ("Dicant nunc (my edition)", "Jacopo da Bologna", "sing it slowly")
        assert organise.edited_fields(library, piece_id)["title"]["file_value"] == "Dicant nunc Judei, revised"
    # renamed and moved into a sub-folder: found by its hash, same piece, same edits
    (folder / "sub").mkdir()
    moved = folder / "sub" / "renamed.xml"
    os.rename(fava, moved)
    assert index(db, folder, tiny_checkpoint).moved == 1
    with Library(db) as library:
        piece = piece_at(library, moved)
        assert piece["id"] == piece_id and piece["title"] == "Dicant nunc (my edition)"
        assert organise.revert_field(library, piece_id, "title") is True
        assert library.piece(piece_id)["title"] == "Dicant nunc Judei, revised"
        assert set(organise.edited_fields(library, piece_id)) == {"composer", "notes"}


def test_removed_file_brought_back_keeps_what_the_user_made(indexed, tiny_checkpoint, tmp_path):
    db, folder = indexed
    fava = folder / FAVA
    with Library(db) as library:
        piece_id = piece_at(library, fava)["id"]
        organise.edit_piece(library, piece_id, title="Kept title")
        organise.rate(library, piece_id, 5)
        tagging.add_user_tag(library, piece_id, "genre", "motet")
        coll.create_collection(library, "Concert")
        coll.add_to_collection(library, "Concert", [piece_id])
    shutil.move(fava, tmp_path / FAVA)              # out of the library: removed on the next run
    assert index(db, folder, tiny_checkpoint).removed == 1
    with Library(db, readonly=True) as library:
        assert coll.collection_ids(library, "Concert") == []
    shutil.move(tmp_path / FAVA, folder / "back.xml")   # back under another name: a new piece id
    index(db, folder, tiny_checkpoint)
    with Library(db, readonly=True) as library:
        piece = piece_at(library, folder / "back.xml")
        assert piece["id"] != piece_id and piece["title"] == "Kept title"
        assert organise.marks(library)[piece["id"]]["rating"] == 5
        assert coll.collection_ids(library, "Concert") == [piece["id"]]
        assert queries.tag_rows(library, piece["id"]) == [("genre", "motet", None, "user")]


def test_edits_show_in_search_facets_and_export(indexed):
    from clamp_desktop.engine.export import export_rows

    db, folder = indexed
    with Library(db) as library:
        ids = [p["id"] for p in library.pieces()][:2]
        for piece_id in ids:
            organise.edit_piece(library, piece_id, title="Quodlibet Zebra", composer="Hildegard Testperson")
    with Library(db, readonly=True) as library:
        found = search(library, '"quodlibet zebra"', "unused", lambda: None, semantic=False)
        assert sorted(hit.piece["id"] for hit in found.hits) == sorted(ids)
        by_composer = search(library, "composer:testperson", "unused", lambda: None, semantic=False)
        assert by_composer.total == 2
        assert ("Hildegard Testperson", 2) in browse.facets(library)["composer"]
        rows = {row["id"]: row for row in export_rows(library)}
        assert rows[ids[0]]["title"] == "Quodlibet Zebra"
        assert rows[ids[0]]["edited"] == ["composer", "title"]


def test_collection_order_survives_reindex_and_reorders(indexed, tiny_checkpoint):
    db, folder = indexed
    with Library(db) as library:
        ids = [p["id"] for p in library.pieces()]
        coll.create_collection(library, "Setlist")
        assert coll.add_to_collection(library, "setlist", [ids[3], ids[1], ids[0]]) == 3
        assert coll.add_to_collection(library, "Setlist", [ids[2], ids[1]], position=1) == 1
        assert coll.collection_ids(library, "Setlist") == [ids[3], ids[2], ids[1], ids[0]]
    for path in folder.glob("*.mxl"):   # every chorale re-saved: read again on the next run
        path.write_bytes(path.read_bytes())
        os.utime(path, ns=(1, 1))
    index(db, folder, tiny_checkpoint)
    with Library(db) as library:
        assert coll.collection_ids(library, "Setlist") == [ids[3], ids[2], ids[1], ids[0]]
        coll.move_in_collection(library, "Setlist", ids[0], 0)
        coll.move_in_collection(library, "Setlist", ids[3], 99)
        assert coll.remove_from_collection(library, "Setlist", [ids[2]]) == 1
        assert coll.collection_ids(library, "Setlist") == [ids[0], ids[1], ids[3]]
        positions = library.conn.execute("SELECT position FROM collection_members ORDER BY position").fetchall()
        assert [p[0] for p in positions] == [0, 1, 2]
        coll.create_collection(library, "Other")
        coll.add_to_collection(library, "Other", [ids[0]])      # one piece in many collections
        assert coll.collections_of(library, [ids[0]]) == {ids[0]: ["Other", "Setlist"]}
        with pytest.raises(ClampDesktopError, match="already a collection"):
            coll.create_collection(library, "setlist")
        coll.delete_collection(library, "Other")
        assert [c["name"] for c in coll.list_collections(library)] == ["Setlist"]


def test_smart_collection_is_evaluated_live(indexed, tiny_checkpoint):
    db, folder = indexed
    with Library(db) as library:
        coll.create_collection(library, "Quartets", smart="ensemble:quartet")
        coll.create_collection(library, "Zebras", smart="title:zebra")
        assert coll.collection_ids(library, "Quartets") == []
        with pytest.raises(ClampDesktopError, match="smart collection"):
            coll.add_to_collection(library, "Quartets", [library.pieces()[0]["id"]])
    haydn = corpus_files("haydn/opus74no1/*.mxl", 1)[0]
    shutil.copy(haydn, folder / haydn.name)
    index(db, folder, tiny_checkpoint)
    with Library(db) as library:
        new = piece_at(library, folder / haydn.name)
        assert coll.collection_ids(library, "Quartets") == [new["id"]]
        bach = piece_at(library, folder / corpus_files("bach/bwv1*.mxl", 1)[0].name)
        assert coll.collection_ids(library, "Zebras") == []
        organise.edit_piece(library, bach["id"], title="Zebra chorale")      # an edit counts too
        assert coll.collection_ids(library, "Zebras") == [bach["id"]]


def test_smart_collection_without_vectors_matches_words_and_says_so(indexed, tiny_checkpoint):
    db, folder = indexed
    bach = {p.name for p in corpus_files("bach/bwv1*.mxl", 3)}
    with Library(db) as library:
        coll.create_collection(library, "Bach", smart="bach")
        ranked_ids, ranked_note = coll.collection_listing(library, "Bach", str(tiny_checkpoint),
                                                          lambda: load_clamp(tiny_checkpoint))
        ids, note = coll.collection_listing(library, "Bach", "a model never run here",
                                            lambda: pytest.fail("no vectors: the model is not needed"))
        found = {Path(p["path"]).name for p in library.pieces(ids)}
        words = search(library, "bach", "", lambda: None, top=50, semantic=False)
    assert len(ranked_ids) == 4 and ranked_note is None        # ranked: every piece with a vector, best first
    assert found == {Path(h.piece["path"]).name for h in words.hits} and len(found) >= 2 and found <= bach
    assert "No piece has a vector from a model never run here" in note and "free words are matched" in note


def test_marks_and_not_duplicate_groups(indexed):
    db, _ = indexed
    with Library(db) as library:
        ids = [p["id"] for p in library.pieces()]
        organise.rate(library, ids[0], 4)
        organise.set_favourite(library, ids[1])
        organise.set_hidden(library, ids[2])
        with pytest.raises(ClampDesktopError, match="0 to 5"):
            organise.rate(library, ids[0], 6)
        assert organise.marks(library) == {
            ids[0]: {"rating": 4, "favourite": False, "hidden": False},
            ids[1]: {"rating": None, "favourite": True, "hidden": False},
            ids[2]: {"rating": None, "favourite": False, "hidden": True}}
        organise.rate(library, ids[0], 0)
        assert ids[0] not in organise.marks(library)
        group = organise.mark_not_duplicates(library, [ids[1], ids[0]])
        assert organise.mark_not_duplicates(library, [ids[0], ids[1]]) == group   # remembered once
        assert organise.not_duplicate_groups(library) == [sorted([ids[0], ids[1]])]
        assert organise.unmark_not_duplicates(library, [ids[0], ids[1]]) == 1
        assert organise.not_duplicate_groups(library) == []


def test_setlist_exports_numbered_copies_in_order(indexed, tmp_path):
    db, _ = indexed
    with Library(db) as library:
        pieces = library.pieces()
        coll.create_collection(library, "Gig")
        coll.add_to_collection(library, "Gig", [pieces[2]["id"], pieces[0]["id"]])
        copies = coll.export_setlist_folder(library, "Gig", tmp_path / "out")
        csv_text = coll.setlist_text(library, "Gig", "csv")
    assert [c.name[:5] for c in copies] == ["01 - ", "02 - "]
    assert copies[0].read_bytes() == Path(pieces[2]["path"]).read_bytes()
    assert copies[1].read_bytes() == Path(pieces[0]["path"]).read_bytes()
    lines = csv_text.splitlines()
    assert lines[0] == "position,id,path,title,composer"
    assert lines[1].startswith(f"1,{pieces[2]['id']},")


def test_search_filters_on_ratings_favourites_and_collections(indexed):
    db, _ = indexed
    with Library(db) as library:
        ids = [p["id"] for p in library.pieces()]
        organise.rate(library, ids[0], 5)
        organise.rate(library, ids[1], 3)
        organise.set_favourite(library, ids[1])
        coll.create_collection(library, "Gig")
        coll.add_to_collection(library, "Gig", [ids[2], ids[1]])
        coll.create_collection(library, "Loved and good", smart="favourite:yes rating:>=3")

        def found(query: str) -> list[int]:
            result = search(library, query, "unused", lambda: None, semantic=False)
            return sorted(hit.piece["id"] for hit in result.hits)

        assert found("rating:>=4") == [ids[0]]
        assert found("stars:3-5") == sorted(ids[:2])
        assert found("favourite:no") == [ids[0], *ids[2:]]
        assert found("collection:gig") == sorted(ids[1:3])
        assert found("in:gig rating:3") == [ids[1]]
        assert coll.collection_ids(library, "Loved and good") == [ids[1]]
        assert search(library, "rating:lots", "unused", lambda: None, semantic=False).ignored == \
            ["rating:lots (not a number of stars or a range)"]
        everything = found("")
        organise.set_hidden(library, ids[3])          # an extra copy, out of every listing and search
        assert found("") == [i for i in everything if i != ids[3]]
        assert found("hidden:yes") == [ids[3]] and found("hidden:any") == everything
        assert found("rating:>=3") == sorted(ids[:2])

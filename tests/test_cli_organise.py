"""The organising commands end to end: edit, rate, favourite, collection ..., backup and restore, export."""

from __future__ import annotations

import csv
import io
import json
import shutil

from cli_helpers import run_cli
from conftest import corpus_root
from test_cli_search import documented
from test_organise import small_folder


def index_cli(folder, db, checkpoint, capsys):
    code, out, err = run_cli(["index", str(folder), "--db", str(db), "--model", str(checkpoint), "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


def ids_by_name(db, capsys) -> dict[str, int]:
    code, out, _ = run_cli(["export", "--format", "json", "--db", str(db)], capsys)
    assert code == 0
    return {row["path"].rsplit("/", 1)[-1]: row["id"] for row in json.loads(out)}


def cli_ok(args, capsys) -> str:
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    return out


def test_edit_command_shows_marks_and_reverts(tmp_path, tiny_checkpoint, capsys):
    folder, db = small_folder(tmp_path), tmp_path / "lib.db"
    index_cli(folder, db, tiny_checkpoint, capsys)
    piece = ids_by_name(db, capsys)["Fava_Dicant_nunc_iudei.xml"]
    data = json.loads(cli_ok(["edit", str(piece), "--title", "  Dicant   nunc ", "--genre", "motet",
                              "--notes", "for Lent", "--db", str(db), "--json"], capsys))
    assert set(data) == documented("edit")
    assert (data["title"], data["genre"], data["notes"]) == ("Dicant nunc", "motet", "for Lent")
    assert data["edited"]["title"] == {"value": "Dicant nunc", "file_value": "Dicant nunc Judei"}
    shown = cli_ok(["edit", str(piece), "--revert", "title", "--db", str(db)], capsys)
    assert "title: Dicant nunc Judei\n" in shown and "genre: motet   (edited" in shown
    code, _, err = run_cli(["edit", "999", "--title", "x", "--db", str(db)], capsys)
    assert code == 1 and err == "error: There is no piece 999 in the library.\n"
    cli_ok(["rate", str(piece), "4", "--db", str(db)], capsys)
    cli_ok(["favourite", str(piece), "--db", str(db)], capsys)
    data = json.loads(cli_ok(["edit", str(piece), "--db", str(db), "--json"], capsys))
    assert (data["rating"], data["favourite"], data["hidden"]) == (4, True, False)
    code, _, err = run_cli(["rate", str(piece), "7", "--db", str(db)], capsys)
    assert code == 2 and "7 is not in the range 0<=x<=5" in err


def test_collection_commands_and_json_shapes(tmp_path, tiny_checkpoint, capsys):
    folder, db = small_folder(tmp_path), tmp_path / "lib.db"
    index_cli(folder, db, tiny_checkpoint, capsys)
    ids = sorted(ids_by_name(db, capsys).values())
    base = ["--db", str(db)]
    cli_ok(["collection", "create", "Gig", *base], capsys)
    cli_ok(["collection", "add", "Gig", str(ids[2]), str(ids[0]), str(ids[1]), *base], capsys)
    cli_ok(["collection", "move", "Gig", str(ids[1]), "1", *base], capsys)
    cli_ok(["collection", "remove", "Gig", str(ids[0]), *base], capsys)
    cli_ok(["collection", "create", "Trecento", "--smart", "ensemble:duet", *base], capsys)
    shown = json.loads(cli_ok(["collection", "show", "gig", "--json", *base], capsys))
    assert list(shown) == ["name", "smart", "note", "pieces"] and set(shown) == documented("collection show") and shown["name"] == "Gig" and shown["smart"] is None
    assert [p["id"] for p in shown["pieces"]] == [ids[1], ids[2]]
    assert all(list(p) == ["id", "path", "title", "composer"] for p in shown["pieces"])
    smart = json.loads(cli_ok(["collection", "show", "Trecento", "--json", *base], capsys))
    assert smart["smart"] == "ensemble:duet"
    assert [p["path"].rsplit("/", 1)[-1] for p in smart["pieces"]] == ["Fava_Dicant_nunc_iudei.xml"]
    listed = json.loads(cli_ok(["collection", "list", "--json", *base], capsys))
    assert listed == [{"name": "Gig", "smart": None, "count": 2},
                      {"name": "Trecento", "smart": "ensemble:duet", "count": None}]
    as_csv = list(csv.DictReader(io.StringIO(cli_ok(["collection", "export", "Gig", "--format", "csv", *base], capsys))))
    assert [int(row["id"]) for row in as_csv] == [ids[1], ids[2]] and as_csv[0]["position"] == "1"
    cli_ok(["collection", "export", "Gig", "--to", str(tmp_path / "setlist"), *base], capsys)
    assert sorted(p.name[:2] for p in (tmp_path / "setlist").iterdir()) == ["01", "02"]
    code, _, err = run_cli(["collection", "add", "Trecento", str(ids[0]), *base], capsys)
    assert code == 1 and "smart collection" in err
    cli_ok(["collection", "rename", "gig", "Tour", *base], capsys)
    cli_ok(["collection", "delete", "Tour", *base], capsys)
    code, _, err = run_cli(["collection", "show", "Gig", *base], capsys)
    assert code == 1 and err.startswith("error: There is no collection 'Gig'")


def test_export_carries_what_the_user_made(tmp_path, tiny_checkpoint, capsys):
    folder, db = small_folder(tmp_path), tmp_path / "lib.db"
    index_cli(folder, db, tiny_checkpoint, capsys)
    piece = ids_by_name(db, capsys)["Fava_Dicant_nunc_iudei.xml"]
    base = ["--db", str(db)]
    cli_ok(["edit", str(piece), "--composer", "Jacopo", *base], capsys)
    cli_ok(["rate", str(piece), "3", *base], capsys)
    cli_ok(["collection", "create", "A", *base], capsys)
    cli_ok(["collection", "create", "B", *base], capsys)
    cli_ok(["collection", "add", "A", str(piece), *base], capsys)
    cli_ok(["collection", "add", "B", str(piece), *base], capsys)
    rows = {row["id"]: row for row in json.loads(cli_ok(["export", "--format", "json", *base], capsys))}
    assert all(set(row) == documented("piece") for row in rows.values())
    assert {k: rows[piece][k] for k in ("composer", "rating", "favourite", "collections", "edited")} == \
        {"composer": "Jacopo", "rating": 3, "favourite": False, "collections": ["A", "B"], "edited": ["composer"]}
    flat = {int(r["id"]): r for r in csv.DictReader(io.StringIO(cli_ok(["export", "--format", "csv", *base], capsys)))}
    assert (flat[piece]["composer"], flat[piece]["collections"], flat[piece]["rating"]) == ("Jacopo", "A; B", "3")


def test_backup_delete_database_reindex_restore_gives_everything_back(tmp_path, tiny_checkpoint, capsys):
    folder, db = small_folder(tmp_path), tmp_path / "lib.db"
    index_cli(folder, db, tiny_checkpoint, capsys)
    ids = ids_by_name(db, capsys)
    fava = ids["Fava_Dicant_nunc_iudei.xml"]
    first, second, third = sorted(name for name in ids if name.endswith(".mxl"))
    base = ["--db", str(db)]
    cli_ok(["edit", str(fava), "--title", "My Dicant", "--notes", "page 3", *base], capsys)
    cli_ok(["rate", str(ids[first]), "5", *base], capsys)
    cli_ok(["favourite", str(ids[second]), *base], capsys)
    cli_ok(["edit", str(ids[third]), "--title", "Away for now", *base], capsys)
    cli_ok(["tags", str(ids[third]), "--add", "mood:calm", *base], capsys)
    cli_ok(["tags", str(fava), "--add", "genre:motet", *base], capsys)
    cli_ok(["collection", "create", "Gig", *base], capsys)
    cli_ok(["collection", "add", "Gig", str(ids[third]), str(fava), str(ids[first]), *base], capsys)
    cli_ok(["collection", "create", "Smart", "--smart", "composer:bach", *base], capsys)
    cli_ok(["composer", "rename", "Johann Sebastian Bach", "J. S. Bach", *base], capsys)
    from clamp_desktop.engine import organise
    from clamp_desktop.store import Library, queries
    with Library(db) as library:
        organise.mark_not_duplicates(library, [ids[first], ids[second]])
        organise.set_hidden(library, ids[third])
    before = json.loads(cli_ok(["export", "--format", "json", *base], capsys))
    saved = tmp_path / "backup.json"
    cli_ok(["backup", str(saved), *base], capsys)
    # a new computer: the database is gone, the files sit elsewhere, and one did not come along
    for leftover in tmp_path.glob("lib.db*"):      # the database, its WAL and its saved vectors
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    moved = tmp_path / "new-home"
    shutil.copytree(folder, moved)
    shutil.rmtree(folder)
    (moved / third).unlink()
    index_cli(moved, db, tiny_checkpoint, capsys)
    saved_data = json.loads(saved.read_text(encoding="utf-8"))
    assert set(saved_data) == documented("backup")
    assert all(set(p) == documented("backup piece") for p in saved_data["pieces"])
    report = json.loads(cli_ok(["restore", str(saved), "--json", *base], capsys))
    assert set(report) == documented("restore")
    assert [m["path"].rsplit("/", 1)[-1] for m in report["missing"]] == [third]
    assert json.loads(cli_ok(["status", "--json", *base], capsys))["user_data"]["waiting"] == 1
    after = {row["path"].rsplit("/", 1)[-1]: row for row in
             json.loads(cli_ok(["export", "--format", "json", *base], capsys))}
    fields = ("title", "notes", "composer", "rating", "favourite", "collections", "edited", "tags")
    for row in before:
        name = row["path"].rsplit("/", 1)[-1]
        if name != third:
            assert {k: after[name][k] for k in fields} == {k: row[k] for k in fields}, name
    assert after[second]["composer"] == "J. S. Bach" and after["Fava_Dicant_nunc_iudei.xml"]["title"] == "My Dicant"
    new_ids = {name: row["id"] for name, row in after.items()}
    gig = json.loads(cli_ok(["collection", "show", "Gig", "--json", *base], capsys))
    assert [p["id"] for p in gig["pieces"]] == [new_ids["Fava_Dicant_nunc_iudei.xml"], new_ids[first]]
    assert json.loads(cli_ok(["collection", "list", "--json", *base], capsys))[1]["smart"] == "composer:bach"
    with Library(db) as library:
        assert organise.not_duplicate_groups(library) == [sorted([new_ids[first], new_ids[second]])]
    # the missing file comes back: it takes up its place in the Gig, first, with its hidden mark
    shutil.copy(corpus_root() / "bach" / third, moved / third)
    index_cli(moved, db, tiny_checkpoint, capsys)
    gig = json.loads(cli_ok(["collection", "show", "Gig", "--json", *base], capsys))
    assert [p["path"].rsplit("/", 1)[-1] for p in gig["pieces"]] == [third, "Fava_Dicant_nunc_iudei.xml", first]
    status = json.loads(cli_ok(["status", "--json", *base], capsys))["user_data"]
    assert status == {"edited": 2, "rated": 1, "favourites": 1, "hidden": 1, "collections": 2, "waiting": 0}
    with Library(db) as library:
        back = next(p for p in library.pieces() if p["path"].endswith("/" + third))
        assert organise.marks(library)[back["id"]]["hidden"] is True
        assert back["title"] == "Away for now"
        assert queries.tag_rows(library, back["id"]) == [("mood", "calm", None, "user")]
        assert organise.edited_fields(library, back["id"])["title"]["file_value"] == "BWV 101.7"

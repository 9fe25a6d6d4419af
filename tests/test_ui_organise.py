"""Organising from the app: the sidebar's collections, drag-reorder, the edit form, ratings, duplicates, backup.

A real library (real MusicXML, a random tiny checkpoint) indexed through the
window's own worker; every change goes through the window's actions and is
then read back from the library file itself.
"""

from __future__ import annotations

import json
import shutil

import pytest
from PySide6.QtCore import QModelIndex, Qt

from clamp_desktop.engine import collections, organise
from clamp_desktop.store import Library
from clamp_desktop.ui.piece_model import COLUMN
from test_ui_main_window import finish, open_window, rows, settings  # noqa: F401  (fixtures)


@pytest.fixture
def window(qtbot, settings, tmp_path, score_folder):  # noqa: F811
    shutil.copy(score_folder / "bwv10.7.mxl", score_folder / "bwv10.7 copy.mxl")     # a byte copy
    window = open_window(qtbot, settings, tmp_path)
    finish(qtbot, window.add_folder(str(score_folder)))
    window.refresh_library()
    finish(qtbot, window.refresh_sidebar())     # the counts come from the read lane
    yield window
    window.close()


def change(qtbot, window, verb, *args):
    result = finish(qtbot, window.worker.change("test", verb, *args))
    window.refresh_library()
    finish(qtbot, window.refresh_sidebar())     # the counts come from the read lane
    return result


def stored(window):
    return Library(window.settings.db_path(), readonly=True)


def sidebar_entry(window, label):
    return next(i for i in window.sidebar.items_of("Collections") if i.text(0) == label)


def test_sidebar_lists_favourites_and_collections_and_shows_one_in_its_order(qtbot, window):
    ids = [p["id"] for p in rows(window)]
    change(qtbot, window, collections.create_collection, "Sunday")
    change(qtbot, window, collections.add_to_collection, "Sunday", [ids[5], ids[1], ids[3]])
    change(qtbot, window, collections.create_collection, "Bach", "composer:bach")
    entries = {i.text(0): i.text(1) for i in window.sidebar.items_of("Collections")}
    assert entries == {"♥ Favourites": "", "Hidden copies": "", "Bach": "", "Sunday": "3"}
    sidebar_entry(window, "Sunday").setSelected(True)
    assert [p["id"] for p in rows(window)] == [ids[5], ids[1], ids[3]]
    panel = window.collection_dock.panel
    assert panel is not None and panel.piece_ids() == [ids[5], ids[1], ids[3]] and window.collection_dock.isVisible()
    window.sidebar.clearSelection()
    sidebar_entry(window, "Bach").setSelected(True)
    assert {p["composer"] for p in rows(window)} == {"Johann Sebastian Bach"} and panel.smart


def test_dragging_a_piece_reorders_the_collection(qtbot, window):
    ids = [p["id"] for p in rows(window)][:4]
    change(qtbot, window, collections.create_collection, "Set")
    change(qtbot, window, collections.add_to_collection, "Set", ids)
    sidebar_entry(window, "Set").setSelected(True)
    model = window.collection_dock.panel.model
    model.dropMimeData(model.mimeData([model.index(0)]), Qt.DropAction.MoveAction, 3, 0, QModelIndex())
    finish(qtbot, window.last_change)
    with stored(window) as library:
        assert collections.collection_ids(library, "Set") == [ids[1], ids[2], ids[0], ids[3]]
    assert model.index(2).data().startswith("3. ")


def test_the_edit_form_saves_marks_and_reverts_an_edit(qtbot, window):
    window.table.selectRow(0)
    piece = window.selected
    form = window.edit_metadata()
    assert form.revert_buttons["title"].isHidden()
    form.fields["title"].setText("Sunday opening")
    form.fields["notes"].setText("take it slowly")
    form.accept()
    finish(qtbot, window.last_change)
    with stored(window) as library:
        assert library.piece(piece["id"])["title"] == "Sunday opening"
        assert organise.edited_fields(library, piece["id"])["title"]["file_value"] == piece["title"]
    window.refresh_library()
    index = window.model.index(window.model.row_of(piece["id"]), COLUMN["title"])
    assert index.data() == "Sunday opening" and index.data(Qt.ItemDataRole.FontRole).italic()
    form = window.edit_metadata()
    assert "edited · file: " + piece["title"] in form.markers["title"].text() and form.revert_buttons["title"].isVisible()
    form.revert("title")
    assert form.fields["title"].text() == piece["title"] and form.changes() == ({}, ["title"])
    form.accept()
    finish(qtbot, window.last_change)
    with stored(window) as library:
        assert library.piece(piece["id"])["title"] == piece["title"] and library.piece(piece["id"])["notes"] == "take it slowly"


def test_a_title_edited_in_the_table_is_kept_in_the_library(qtbot, window):
    index = window.model.index(1, COLUMN["composer"])
    piece_id = window.model.piece_at(1)["id"]
    assert window.model.setData(index, "  J. S.   Bach ")
    finish(qtbot, window.last_change)
    with stored(window) as library:
        assert library.piece(piece_id)["composer"] == "J. S. Bach"
        assert set(organise.edited_fields(library, piece_id)) == {"composer"}


def test_rating_and_favourite_show_in_the_table(qtbot, window):
    window.table.selectRow(2)
    piece_id = window.selected["id"]
    finish(qtbot, window.rate(4))
    finish(qtbot, window.toggle_favourite())
    window.refresh_library()
    row = window.model.row_of(piece_id)
    assert window.model.index(row, COLUMN["rating"]).data() == "★★★★☆"
    assert window.model.index(row, COLUMN["favourite"]).data() == "♥"
    window.sidebar.clearSelection()
    next(i for i in window.sidebar.items_of("Collections") if i.text(0) == "♥ Favourites").setSelected(True)
    assert [p["id"] for p in rows(window)] == [piece_id]


def test_the_piece_menu_adds_to_a_collection(qtbot, window):
    change(qtbot, window, collections.create_collection, "Practice")
    window.table.selectRow(0)
    piece_id = window.selected["id"]
    menu = window._piece_menu()
    add = next(a.menu() for a in menu.actions() if a.menu() is not None and a.text() == "Add to collection")
    target = next(a for a in add.actions() if a.text() == "Practice")
    target.trigger()
    finish(qtbot, window.last_change)
    with stored(window) as library:
        assert collections.collection_ids(library, "Practice") == [piece_id]
    assert not next(a for a in window._piece_menu().actions() if a.text() == "Add to collection").menu() \
        .actions()[0].isEnabled()


def test_the_duplicates_panel_hides_extra_copies_and_forgets_groups_marked_apart(qtbot, window, score_folder):
    panel = window.duplicates_dock.reveal()
    finish(qtbot, window.find_duplicates())
    tree = panel.tree
    groups = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    assert [g.text(1) for g in groups] == ["2 files"] and groups[0].text(0).startswith("Identical")
    copy = groups[0].child(1)
    assert copy.text(1).endswith("bwv10.7.mxl") or copy.text(1).endswith("bwv10.7 copy.mxl")
    tree.setCurrentItem(groups[0].child(0))
    panel.hide_button.click()
    finish(qtbot, window.last_change)
    with stored(window) as library:
        hidden = organise.hidden_ids(library)
    assert len(hidden) == 1 and hidden[0] != groups[0].child(0).data(0, Qt.ItemDataRole.UserRole + 1)[0]
    window.refresh_library()
    assert hidden[0] not in [p["id"] for p in rows(window)]
    sidebar_entry(window, "Hidden copies").setSelected(True)
    assert [p["id"] for p in rows(window)] == hidden
    window.table.selectRow(0)
    show_again = next(a for a in window._piece_menu().actions() if a.text() == "Show this copy again")
    show_again.trigger()
    finish(qtbot, window.last_change)
    with stored(window) as library:
        assert organise.hidden_ids(library) == []
    window.sidebar.clearSelection()
    finish(qtbot, window.hide_pieces(hidden))
    finish(qtbot, window.find_duplicates())
    tree.setCurrentItem(tree.topLevelItem(0))
    panel.apart_button.click()
    finish(qtbot, window.last_change)
    finish(qtbot, window.find_duplicates())
    assert tree.topLevelItemCount() == 0 and panel.status.text() == "No duplicates found."


def test_backup_writes_the_collections_from_the_file_menu(qtbot, window, tmp_path):
    ids = [p["id"] for p in rows(window)][:2]
    change(qtbot, window, collections.create_collection, "Kept")
    change(qtbot, window, collections.add_to_collection, "Kept", ids)
    target = tmp_path / "backup.json"
    finish(qtbot, window.backup_dialog(str(target)))
    saved = json.loads(target.read_text())
    assert [c["name"] for c in saved["collections"]] == ["Kept"]


def test_a_setlist_exports_in_order_as_copies_and_as_a_list(qtbot, window, tmp_path):
    pieces = rows(window)[:3]
    change(qtbot, window, collections.create_collection, "Gig")
    change(qtbot, window, collections.add_to_collection, "Gig", [pieces[2]["id"], pieces[0]["id"]])
    finish(qtbot, window.export_setlist("Gig", "folder", str(tmp_path / "gig")))
    copies = sorted(p.name for p in (tmp_path / "gig").iterdir())
    assert len(copies) == 2 and copies[0].startswith("01 - ") and copies[1].startswith("02 - ")
    assert (tmp_path / "gig" / copies[0]).read_bytes() == open(pieces[2]["path"], "rb").read()
    finish(qtbot, window.export_setlist("Gig", "csv", str(tmp_path / "gig.csv")))
    lines = (tmp_path / "gig.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == [str(pieces[2]["id"]), str(pieces[0]["id"])]

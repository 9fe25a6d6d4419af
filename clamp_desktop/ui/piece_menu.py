"""The library table's context menu for a piece: edit, rate, favourite, collections, hide.

Built fresh for each right-click from the window's actions (so the shortcuts
shown are the real ones) and the manual collections of the moment.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu


def piece_menu(parent, actions: dict, collections: list[dict], member_of: list[str],
               add_to: Callable[[str], None], remove_from: Callable[[str], None] | None = None,
               current: str | None = None, hidden: bool = False,
               show_again: Callable[[], None] | None = None) -> QMenu:
    """``collections``: list_collections rows; ``member_of``: the manual ones holding the piece."""
    menu = QMenu(parent)
    menu.addAction(actions["edit_metadata"])
    menu.addAction(actions["favourite"])
    rate = menu.addMenu("Rate")
    for stars in range(6):
        rate.addAction(actions[f"rate_{stars}"])
    add = menu.addMenu("Add to collection")
    add.setObjectName("addToCollectionMenu")
    for collection in collections:
        if collection.get("smart"):
            continue
        name = collection["name"]
        action = add.addAction(name, lambda name=name: add_to(name))
        action.setEnabled(name not in member_of)
    add.addSeparator()
    add.addAction(actions["new_collection"])
    if current is not None and remove_from is not None and current in member_of:
        menu.addAction(f"Remove from “{current}”", lambda: remove_from(current))
    menu.addSeparator()
    if hidden and show_again is not None:
        menu.addAction("Show this copy again", show_again)
    else:
        menu.addAction(actions["hide_copy"])
    return menu

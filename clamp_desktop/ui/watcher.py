"""Watching the library folders: changes are gathered for a moment, then indexed once.

``QFileSystemWatcher`` watches every folder (new files, removals, renames);
when the system refuses more watches (inotify limits on huge trees), the
watcher falls back to polling: the indexer only reads files whose size or
time changed, so a periodic pass over an unchanged library is cheap.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

MAX_WATCHED = 5000
POLL_S = 120


def folder_tree(folders: list[str], limit: int = MAX_WATCHED) -> tuple[list[str], bool]:
    """Every folder under ``folders`` (hidden ones skipped); (folders, complete)."""
    found: list[str] = []
    for top in folders:
        for root, dirs, _files in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.append(root)
            if len(found) >= limit:
                return found, False
    return found, True


class FolderWatcher(QObject):
    changed = Signal()          # debounced: something under the folders changed

    def __init__(self, delay_s: float = 3.0, parent: QObject | None = None):
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._touched)
        self._watcher.fileChanged.connect(self._touched)
        self._debounce = QTimer(self, singleShot=True)
        self._debounce.setInterval(round(delay_s * 1000))
        self._debounce.timeout.connect(self.changed)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_S * 1000)
        self._poll.timeout.connect(self.changed)
        self.folders: list[str] = []
        self.polling = False

    def watch(self, folders: list[str]) -> None:
        self.stop()
        self.folders = list(folders)
        tree, complete = folder_tree(self.folders)
        refused = self._watcher.addPaths(tree) if tree else []
        self.polling = not complete or bool(refused)
        if self.polling:
            self._poll.start()

    def stop(self) -> None:
        watched = self._watcher.directories() + self._watcher.files()
        if watched:
            self._watcher.removePaths(watched)
        self._poll.stop()
        self._debounce.stop()

    def _touched(self, path: str) -> None:
        if os.path.isdir(path) and path not in self._watcher.directories():
            self._watcher.addPath(path)
        self._debounce.start()

    def rescan(self) -> None:
        """Pick up folders created since (called after each indexing)."""
        tree, _ = folder_tree(self.folders)
        new = sorted(set(tree) - set(self._watcher.directories()))
        if new:
            self._watcher.addPaths(new)

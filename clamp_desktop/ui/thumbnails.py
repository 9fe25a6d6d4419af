"""Thumbnails of first pages: rendered on the worker's render lane, cached on disk and in memory.

Only rows the table paints ask for one, so a library of 10,000 pieces costs
nothing at start-up; a thumbnail is made once per file version
(``cache_dir()/thumbnails/<hash>.png``) and read back from disk afterwards.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from .. import paths
from .rasterize import page_image

THUMBNAIL_PRIORITY = 5        # after any page the viewer asks for
MEMORY_ITEMS = 600


def thumbnail_folder() -> Path:
    folder = paths.cache_dir() / "thumbnails"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def make_thumbnail(renderer, score_path: str, tune: int, target: str, width: int) -> str:
    """Render page 1 of a piece at ``width`` pixels and save it as PNG (on the render lane)."""
    renderer.load(score_path, tune)
    image = page_image(renderer.page_svg(1), width)
    partial = target + ".part"
    if not image.save(partial, "PNG"):
        raise OSError(f"cannot write {partial}")
    os.replace(partial, target)
    return target


class ThumbnailCache(QObject):
    ready = Signal(int)          # a piece id whose thumbnail is now available

    def __init__(self, worker, width: int = 60, pixel_ratio: float = 1.0, parent: QObject | None = None):
        super().__init__(parent)
        self.worker = worker
        self.width = width
        self.pixel_ratio = pixel_ratio
        self._memory: OrderedDict[int, QPixmap] = OrderedDict()
        self._pending: dict[int, object] = {}      # piece id -> its job
        self._failed: set[int] = set()

    def _target(self, piece: dict) -> Path | None:
        try:
            mtime = os.stat(piece["path"]).st_mtime_ns
        except OSError:
            return None
        pixels = round(self.width * self.pixel_ratio)
        digest = hashlib.sha1(f"{piece['path']}|{piece.get('tune', 0)}|{mtime}|{pixels}".encode()).hexdigest()
        return thumbnail_folder() / f"{digest}.png"

    def pixmap(self, piece: dict) -> QPixmap | None:
        """The thumbnail when ready; otherwise None, and one is on its way (``ready`` tells)."""
        if self.width <= 0:
            return None         # thumbnails are turned off
        piece_id = piece["id"]
        if piece_id in self._memory:
            self._memory.move_to_end(piece_id)
            return self._memory[piece_id]
        if piece_id in self._pending or piece_id in self._failed:
            return None
        target = self._target(piece)
        if target is None:
            self._failed.add(piece_id)
            return None
        if target.exists():
            return self._remember(piece_id, QImage(str(target)))
        self._request(piece, target)
        return None

    def _remember(self, piece_id: int, image: QImage) -> QPixmap | None:
        if image.isNull():
            self._failed.add(piece_id)
            return None
        image.setDevicePixelRatio(self.pixel_ratio)
        pixmap = QPixmap.fromImage(image)
        self._memory[piece_id] = pixmap
        while len(self._memory) > MEMORY_ITEMS:
            self._memory.popitem(last=False)
        return pixmap

    def _request(self, piece: dict, target: Path) -> None:
        piece_id = piece["id"]
        job = self.worker.render("Making a thumbnail", make_thumbnail, piece["path"], piece.get("tune", 0),
                                 str(target), round(self.width * self.pixel_ratio),
                                 priority=THUMBNAIL_PRIORITY, key=("thumbnail", str(target)))
        self._pending[piece_id] = job
        job.returned.connect(lambda path: self._arrived(piece_id, path))
        job.errored.connect(lambda _message: self._failed.add(piece_id))
        job.finished.connect(lambda: self._pending.pop(piece_id) if self._pending.get(piece_id) is job else None)

    def _arrived(self, piece_id: int, path: str) -> None:
        if self._remember(piece_id, QImage(path)) is not None:
            self.ready.emit(piece_id)

    def forget_pending(self) -> None:
        """Drop waiting thumbnail jobs (the table scrolled or was refilled); rows still shown ask again."""
        waiting = set(self.worker.render_lane.pending())
        for piece_id, job in list(self._pending.items()):
            if job in waiting:
                job.cancel()
                del self._pending[piece_id]

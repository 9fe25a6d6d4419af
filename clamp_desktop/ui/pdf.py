"""Page SVGs -> a PDF or a printer, as vectors (Qt's SVG renderer painting on a paged device).

QSvgRenderer draws the flattened Verovio pages path by path and text by text,
so a PDF keeps the notes as curves and the titles and lyrics as real text.
Painting needs a Qt GUI application (fonts); the CLI starts an offscreen one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPagedPaintDevice, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgRenderer

from ..errors import RenderError
from ..engine.render import page_size

A4_MM = (210.0, 297.0)


def ensure_gui_application():
    """The running Qt application, or an offscreen one for command-line use.

    A QApplication (not a bare QGuiApplication), so that widgets made later in
    the same process, the GUI's or a test's, still find the application they need.
    """
    import os

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([])
    return app


def paint_pages(device: QPagedPaintDevice, svgs: list[str]) -> None:
    """Each SVG on its own page, scaled to fit the printable area and centred."""
    painter = QPainter()
    if not painter.begin(device):
        raise RenderError("The printer or PDF file cannot be opened for writing.")
    try:
        for number, svg in enumerate(svgs):
            if number:
                device.newPage()
            renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
            area = QRectF(painter.viewport())
            width, height = page_size(svg)
            scale = min(area.width() / width, area.height() / height)
            target = QRectF(0, 0, width * scale, height * scale)
            target.moveCenter(area.center())
            renderer.render(painter, target)
    finally:
        painter.end()


def write_pdf(svgs: list[str], out: str | Path, title: str = "") -> Path:
    """A vector PDF of the pages, A4 portrait, written beside the target then moved into place."""
    ensure_gui_application()
    out = Path(out)
    partial = out.with_name(out.name + ".part")
    writer = QPdfWriter(str(partial))
    writer.setTitle(title)
    writer.setCreator("clamp-desktop")
    writer.setResolution(600)
    writer.setPageLayout(QPageLayout(QPageSize(QSizeF(*A4_MM), QPageSize.Unit.Millimeter),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    paint_pages(writer, svgs)
    del writer                     # the file is complete once the writer is gone
    partial.replace(out)
    return out

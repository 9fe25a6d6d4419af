"""Flattened page SVGs -> images (Qt's SVG renderer; usable off the GUI thread)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer


def page_image(svg: str, width: int, pixel_ratio: float = 1.0) -> QImage:
    """The page drawn on white, ``width`` logical pixels wide (height keeps the page's aspect)."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = renderer.viewBoxF().size()
    if not renderer.isValid() or size.isEmpty():
        raise ValueError("not a drawable SVG page")
    height = max(1, round(width * size.height() / size.width()))
    image = QImage(round(width * pixel_ratio), round(height * pixel_ratio), QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(pixel_ratio)
    image.fill(QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                           | QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, width, height))
    painter.end()
    return image


def ink_pixels(image: QImage, threshold: int = 128) -> int:
    """How many pixels are dark: a blank page has none, a page of notes has thousands."""
    import numpy as np

    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return int((rows[:, : image.width()] < threshold).sum())


def element_boxes(svg: str, width: int, kind: str) -> dict:
    """{id: QRectF} of the page's elements of class ``kind`` ("note", "measure"), in the
    coordinates of a page image ``width`` logical pixels wide (what ``page_image`` draws)."""
    import re

    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    box = renderer.viewBoxF()
    if box.isEmpty():
        return {}
    scale = width / box.width()
    boxes = {}
    for element_id in re.findall(rf'<g[^>]*?class="{kind}\b[^"]*"[^>]*?id="([^"]+)"|<g[^>]*?id="([^"]+)"[^>]*?class="{kind}\b',
                                 svg):
        element_id = element_id[0] or element_id[1]
        if not renderer.elementExists(element_id):
            continue
        bounds = renderer.transformForElement(element_id).mapRect(renderer.boundsOnElement(element_id))
        boxes[element_id] = QRectF((bounds.x() - box.x()) * scale, (bounds.y() - box.y()) * scale,
                                   bounds.width() * scale, bounds.height() * scale)
    return boxes

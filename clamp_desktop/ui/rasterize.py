"""Flattened page SVGs -> images (Qt's SVG renderer; usable off the GUI thread)."""

from __future__ import annotations

import re

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer


def _draw(renderer: QSvgRenderer, width: int, pixel_ratio: float) -> QImage:
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


def page_image(svg: str, width: int, pixel_ratio: float = 1.0) -> QImage:
    """The page drawn on white, ``width`` logical pixels wide (height keeps the page's aspect)."""
    return _draw(QSvgRenderer(QByteArray(svg.encode("utf-8"))), width, pixel_ratio)


def page_image_and_boxes(svg: str, width: int, pixel_ratio: float = 1.0) -> tuple[QImage, dict, dict]:
    """The page image and where its notes and bars are on it (one parse of the SVG)."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    image = _draw(renderer, width, pixel_ratio)
    return image, _boxes(renderer, svg, width, "note"), _boxes(renderer, svg, width, "measure")


def ink_pixels(image: QImage, threshold: int = 128) -> int:
    """How many pixels are dark: a blank page has none, a page of notes has thousands."""
    import numpy as np

    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return int((rows[:, : image.width()] < threshold).sum())


def _boxes(renderer: QSvgRenderer, svg: str, width: int, kind: str) -> dict:
    """{id: QRectF} of the page's elements of class ``kind`` ("note", "measure"), in the
    coordinates of a page image ``width`` logical pixels wide (what ``page_image`` draws)."""
    box = renderer.viewBoxF()
    if box.isEmpty():
        return {}
    scale = width / box.width()
    boxes = {}
    for element_id in re.findall(rf'<g id="([^"]+)" class="{kind}"', svg):   # as flatten_svg writes them
        if not renderer.elementExists(element_id):
            continue
        part = element_id + "-head" if renderer.elementExists(element_id + "-head") else element_id
        bounds = renderer.transformForElement(part).mapRect(renderer.boundsOnElement(part))
        boxes[element_id] = QRectF((bounds.x() - box.x()) * scale, (bounds.y() - box.y()) * scale,
                                   bounds.width() * scale, bounds.height() * scale)
    return boxes

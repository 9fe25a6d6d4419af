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

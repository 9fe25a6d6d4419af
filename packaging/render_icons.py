"""Render the app icon from its one SVG into every size the platforms ask for.

The source is ``resources/icons/clamp-desktop.svg`` (the same file the GUI
shows as its window icon).  Outputs, committed so packagers need no Qt:

* ``packaging/linux/icons/hicolor/<N>x<N>/apps/<APP_ID>.png`` for N in
  16..512, plus ``hicolor/scalable/apps/<APP_ID>.svg`` (freedesktop icon theme);
* ``packaging/windows/clamp-desktop.ico`` and ``packaging/macos/clamp-desktop.icns``
  for the PyInstaller bundles (these two need Pillow; skipped without it).

Run after changing the SVG:  QT_QPA_PLATFORM=offscreen python packaging/render_icons.py
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

APP_ID = "io.github.clamp_desktop.ClampDesktop"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # the ICO format stops at 256

REPO = Path(__file__).resolve().parent.parent
SOURCE_SVG = REPO / "resources" / "icons" / "clamp-desktop.svg"
HICOLOR = REPO / "packaging" / "linux" / "icons" / "hicolor"
WINDOWS_ICO = REPO / "packaging" / "windows" / "clamp-desktop.ico"
MACOS_ICNS = REPO / "packaging" / "macos" / "clamp-desktop.icns"


def png_path(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render_pngs(svg: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # QPainter needs one
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        out = png_path(size)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG"):
            raise SystemExit(f"could not write {out}")
        written.append(out)
    scalable = HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    written.append(scalable)
    return written


def render_bundle_icons() -> list[Path]:
    """The Windows .ico (many sizes in one file) and the macOS .icns, from the PNGs."""
    try:
        from PIL import Image
    except ImportError:
        print("Pillow is not installed: skipping the .ico and .icns (pip install pillow)")
        return []
    largest = Image.open(png_path(max(SIZES)))
    WINDOWS_ICO.parent.mkdir(parents=True, exist_ok=True)
    largest.save(WINDOWS_ICO, sizes=[(s, s) for s in ICO_SIZES])
    MACOS_ICNS.parent.mkdir(parents=True, exist_ok=True)
    largest.save(MACOS_ICNS)
    return [WINDOWS_ICO, MACOS_ICNS]


def main() -> None:
    svg = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE_SVG
    for path in render_pngs(svg) + render_bundle_icons():
        print(path.relative_to(REPO))


if __name__ == "__main__":
    main()

"""The score viewer: Verovio pages rendered on the worker's render lane, cached, zoomable.

Above the page the title and composer are plain selectable text.  Pages are
laid out by Verovio and drawn to an image off the GUI thread; the last pages
shown are kept, so paging back and forth is instant.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QSpinBox, QStyle, QToolButton, QVBoxLayout, QWidget,
)

from ..engine.browse import composer_line, facts_line
from ..engine.render import ViewOptions, conversion_label, interval_for, page_size, recolor_svg
from .icons import icon
from .page_label import PageLabel
from .rasterize import page_image_and_boxes

A4_ASPECT = 2100 / 2970
DARK_INK, DARK_PAPER = "#e8e6e3", "#1b1b1d"      # the performance view's dark mode
ZOOMS = ("Fit width", "Fit page", "50%", "75%", "100%", "125%", "150%", "200%", "300%")
FIT_WIDTH, FIT_PAGE = ZOOMS[0], ZOOMS[1]
PERCENT_STEPS = (25, 50, 75, 100, 125, 150, 200, 300, 400)
BASE_WIDTH = 840            # pixels of a page at 100%
CACHED_PAGES = 24


@dataclass(frozen=True)
class RenderedPage:
    path: str
    tune: int
    page: int
    pages: int
    width: int
    aspect: float
    image: object           # QImage
    notes: dict             # note id -> QRectF in image coordinates
    bars: dict              # measure id -> QRectF
    view: ViewOptions = ViewOptions()
    parts: tuple = ()


def render_page(renderer, path: str, tune: int, page: int, width: int, pixel_ratio: float,
                dark: bool = False, view: ViewOptions = ViewOptions()) -> RenderedPage:
    """Lay out a piece (cached by the renderer) and draw one page (runs on the render lane)."""
    score = renderer.load(path, tune, view)
    page = min(max(page, 1), score.pages)
    svg = renderer.page_svg(page)
    if dark:
        svg = recolor_svg(svg, DARK_INK, DARK_PAPER)
    page_w, page_h = page_size(svg)
    image, notes, bars = page_image_and_boxes(svg, width, pixel_ratio)
    return RenderedPage(path, tune, page, score.pages, width, page_w / page_h, image, notes, bars, view, score.parts)


class ScoreViewer(QWidget):
    pageShown = Signal(int, int)      # page, pages
    failed = Signal(str)

    def __init__(self, worker, parent=None, settings=None):
        super().__init__(parent)
        self.worker = worker
        self.settings = settings
        self.piece: dict | None = None
        self.page = 1
        self.pages = 0
        self.aspect = A4_ASPECT
        self.zoom = FIT_WIDTH
        self.message = ""
        self._cache: OrderedDict = OrderedDict()
        self.view = ViewOptions()
        self._prefetching: int | None = None
        self._job = None
        self._shown_image = None
        self.shown: RenderedPage | None = None
        self.highlighted: frozenset = frozenset()
        self._build()
        self._resize_timer = QTimer(self, singleShot=True, interval=150)
        self._resize_timer.timeout.connect(self._request)
        self.show_message("Select a piece to see its score.")

    # --- building -------------------------------------------------------------------

    def _build(self) -> None:
        self.title_label = QLabel()
        self.title_label.setObjectName("scoreTitle")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title_label.setFont(font)
        self.composer_label = QLabel()
        self.facts_label = QLabel()
        self.facts_label.setObjectName("scoreFacts")
        for label in (self.title_label, self.composer_label, self.facts_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
            label.setWordWrap(True)
        from .score_export import ScoreExport

        self.export = ScoreExport(self)
        self.actions_by_name = self._make_actions()
        bar = QHBoxLayout()
        for name in ("first", "previous"):
            bar.addWidget(self._button(name))
        self.page_box = QSpinBox(minimum=1, maximum=1, keyboardTracking=False)
        self.page_box.valueChanged.connect(self.go_to)
        self.page_count_label = QLabel("/ 0")
        bar.addWidget(self.page_box)
        bar.addWidget(self.page_count_label)
        for name in ("next", "last"):
            bar.addWidget(self._button(name))
        bar.addStretch(1)
        bar.addWidget(self._button("zoom_out"))
        self.zoom_box = QComboBox(editable=True)
        self.zoom_box.addItems(ZOOMS)
        self.zoom_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zoom_box.setMinimumContentsLength(8)
        self.zoom_box.textActivated.connect(self.set_zoom)
        bar.addWidget(self.zoom_box)
        bar.addWidget(self._button("zoom_in"))
        options = QHBoxLayout()
        self.part_box = QComboBox(toolTip="Show one part")
        self.part_box.addItem("All parts")
        self.part_box.activated.connect(lambda index: self.set_view(part=index))
        self.transpose_box = QComboBox(toolTip="Transpose the display (semitones)")
        self.transpose_box.addItems([f"{n:+d}" if n else "Concert" for n in range(-12, 13)])
        self.transpose_box.setCurrentIndex(12)
        self.transpose_box.activated.connect(lambda index: self.set_view(semitones=index - 12))
        for widget in (self.part_box, self.transpose_box, self._button("perform"), self._menu_button()):
            options.addWidget(widget)
        # One label shows the page, or a message in its place; the scroll area never hides,
        # so its size (what "fit width" fits) stays the same either way.
        self.page_label = PageLabel()
        self.page_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.page_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.page_label.setMargin(12)
        self.scroll = QScrollArea(widgetResizable=False, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setWidget(self.page_label)
        self.scroll.setBackgroundRole(QPalette.ColorRole.Dark)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.composer_label)
        layout.addWidget(self.facts_label)
        layout.addLayout(bar)
        from .score_playback import ScorePlayback

        self.playback = ScorePlayback(self, self.settings)
        layout.addWidget(self.playback.bar)
        options.addStretch(1)
        layout.addLayout(options)
        news = QHBoxLayout()
        news.addWidget(self.playback.bar.message, 1)
        news.addWidget(self.playback.bar.download_button)
        layout.addLayout(news)
        layout.addWidget(self.scroll, 1)

    def _make_actions(self) -> dict[str, QAction]:
        specs = {
            "first": ("First page", [QKeySequence.StandardKey.MoveToStartOfDocument, "Home"], self.first_page),
            "previous": ("Previous page", [QKeySequence.StandardKey.MoveToPreviousPage, "Left"], self.previous_page),
            "next": ("Next page", [QKeySequence.StandardKey.MoveToNextPage, "Right"], self.next_page),
            "last": ("Last page", [QKeySequence.StandardKey.MoveToEndOfDocument, "End"], self.last_page),
            "zoom_in": ("Zoom in", [QKeySequence.StandardKey.ZoomIn, "Ctrl+="], self.zoom_in),
            "zoom_out": ("Zoom out", [QKeySequence.StandardKey.ZoomOut], self.zoom_out),
            "fit_width": ("Fit width", ["Ctrl+1"], lambda: self.set_zoom(FIT_WIDTH)),
            "fit_page": ("Fit page", ["Ctrl+2"], lambda: self.set_zoom(FIT_PAGE)),
            "actual_size": ("Actual size (100%)", ["Ctrl+0"], lambda: self.set_zoom("100%")),
            "perform": ("Performance view", ["F11"], self.perform),
            "print": ("Print…", [QKeySequence.StandardKey.Print], lambda: self.export.print_score()),
            "save_pdf": ("Save as PDF…", ["Ctrl+Shift+E"], lambda: self.export.save_pdf()),
            "save_midi": ("Save MIDI…", ["Ctrl+Shift+M"], lambda: self.export.save_midi()),
        }
        made = {}
        for name, (text, keys, slot) in specs.items():
            action = QAction(icon(name), text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            made[name] = action
        return made

    def _menu_button(self) -> QToolButton:
        """Print, PDF and MIDI behind one button."""
        from PySide6.QtWidgets import QMenu

        button = QToolButton(text="Save", popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setIcon(icon("save"))
        menu = QMenu(button)
        for name in ("print", "save_pdf", "save_midi"):
            menu.addAction(self.actions_by_name[name])
        button.setMenu(menu)
        return button

    def _button(self, name: str) -> QToolButton:
        button = QToolButton()
        action = self.actions_by_name[name]
        button.setDefaultAction(action)
        if action.icon().isNull():
            button.setText({"zoom_in": "+", "zoom_out": "−"}.get(name, action.text()))
        return button

    # --- what is shown ------------------------------------------------------------------

    def show_piece(self, piece: dict | None, page: int = 1) -> None:
        self.piece = piece
        self.page, self.pages = page, 0
        self._shown_image = None
        self.shown, self.highlighted, self._prefetching = None, frozenset(), None
        self.view = ViewOptions()
        self.transpose_box.setCurrentIndex(12)
        self.playback.piece_changed()
        if piece is None:
            self.title_label.clear()
            self.composer_label.clear()
            self.facts_label.clear()
            self.show_message("Select a piece to see its score.")
            return
        self.title_label.setText(piece.get("title") or piece.get("path", ""))
        self.composer_label.setText(composer_line(piece))
        self.facts_label.setText(facts_line(piece))
        self._request()

    def show_message(self, text: str) -> None:
        """Text in place of the page ('' when a page is shown)."""
        self.message = text
        if text:
            self.page_label.setPixmap(QPixmap())
            self.page_label.setText(text)
            self.page_label.setStyleSheet("")
            self.page_label.resize(self.scroll.viewport().size())

    def go_to(self, page: int) -> None:
        if self.piece is not None and page != self.page and (self.pages == 0 or 1 <= page <= self.pages):
            self.page = page
            self._request()

    def first_page(self) -> None:
        self.go_to(1)

    def last_page(self) -> None:
        self.go_to(self.pages)

    def next_page(self) -> None:
        self.go_to(self.page + 1)

    def previous_page(self) -> None:
        self.go_to(self.page - 1)

    def set_zoom(self, zoom: str) -> None:
        zoom = zoom.strip()
        if zoom not in (FIT_WIDTH, FIT_PAGE):
            digits = zoom.rstrip("%").strip()
            if not digits.isdigit():
                return
            zoom = f"{min(max(int(digits), 10), 800)}%"
        self.zoom = zoom
        self.zoom_box.setCurrentText(zoom)
        self._request()

    def _percent(self) -> int:
        if self.zoom.endswith("%"):
            return int(self.zoom[:-1])
        return round(100 * self._target_width() / BASE_WIDTH)

    def zoom_in(self) -> None:
        current = self._percent()
        self.set_zoom(f"{next((p for p in PERCENT_STEPS if p > current), PERCENT_STEPS[-1])}%")

    def zoom_out(self) -> None:
        current = self._percent()
        self.set_zoom(f"{next((p for p in reversed(PERCENT_STEPS) if p < current), PERCENT_STEPS[0])}%")

    def _target_width(self) -> int:
        # The room inside the scroll area less a vertical scroll bar, shown or not, so that a
        # scroll bar appearing under a tall page does not change the width to fit.
        frame = 2 * self.scroll.frameWidth()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        viewport = QSize(self.scroll.width() - frame - bar, self.scroll.height() - frame)
        if viewport.width() < 50:
            viewport = QSize(max(self.width() - 30, 300), max(self.height() - 120, 300))
        if self.zoom == FIT_WIDTH:
            return max(100, viewport.width() - 4)
        if self.zoom == FIT_PAGE:
            return max(100, min(viewport.width() - 4, round((viewport.height() - 4) * self.aspect)))
        return round(BASE_WIDTH * int(self.zoom[:-1]) / 100)

    # --- rendering ------------------------------------------------------------------

    def _request(self) -> None:
        if self.piece is None:
            return
        path, tune = self.piece["path"], self.piece.get("tune") or 0
        width = self._target_width()
        ratio = self.devicePixelRatioF()
        cached = self._cache.get((path, tune, self.page, width, ratio, self.view))
        if cached is not None:
            self._display(cached)
            return
        if self._job is not None and not self._job.done:
            self._job.cancel()
        if not self._shown_image:
            self.show_message("Rendering the score…")
        self._job = self.worker.render("Rendering the score", render_page, path, tune, self.page, width, ratio,
                                       False, self.view)
        self._job.returned.connect(self._arrived)      # a bound slot: gone with the viewer
        self._job.errored.connect(self._failed)

    def prefetch(self, page: int) -> None:
        """Draw a page ahead into the cache (playback does, before it turns there)."""
        if self.piece is None or not 1 <= page <= max(self.pages, 1) or page == self._prefetching:
            return
        path, tune = self.piece["path"], self.piece.get("tune") or 0
        width, ratio = self._target_width(), self.devicePixelRatioF()
        if (path, tune, page, width, ratio, self.view) in self._cache:
            return
        self._prefetching = page
        job = self.worker.render("Rendering the score", render_page, path, tune, page, width, ratio, False, self.view)
        job.returned.connect(self._keep)

    def _keep(self, result: RenderedPage) -> None:
        self._prefetching = None
        key = (result.path, result.tune, result.page, result.width, result.image.devicePixelRatio(), result.view)
        self._cache[key] = result
        while len(self._cache) > CACHED_PAGES:
            self._cache.popitem(last=False)

    def _arrived(self, result: RenderedPage) -> None:
        key = (result.path, result.tune, result.page, result.width, result.image.devicePixelRatio(), result.view)
        self._cache[key] = result
        while len(self._cache) > CACHED_PAGES:
            self._cache.popitem(last=False)
        if self.piece and (result.path, result.tune, result.view) == (self.piece["path"], self.piece.get("tune") or 0,
                                                                      self.view):
            self._display(result)

    def _display(self, result: RenderedPage) -> None:
        self.page, self.pages, self.aspect = result.page, result.pages, result.aspect
        pixmap = QPixmap.fromImage(result.image)
        self.message = ""
        self.page_label.setStyleSheet("background: white;")
        self.page_label.setPixmap(pixmap)
        self.page_label.resize(pixmap.deviceIndependentSize().toSize())
        self._shown_image = result.image
        self.shown = result
        self._paint_highlights()
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(max(result.pages, 1))
        self.page_box.setValue(result.page)
        self.page_box.blockSignals(False)
        converted = conversion_label(result.path)
        self.page_count_label.setText(f"/ {result.pages}" + (f"  ({converted})" if converted else ""))
        self._offer_parts(result.parts)
        self.pageShown.emit(result.page, result.pages)

    def _failed(self, message: str) -> None:
        self._shown_image = None
        self.pages = 0
        self.page_count_label.setText("/ 0")
        self.show_message(f"This score cannot be shown.\n{message}")
        self.failed.emit(message)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.message:
            self.page_label.resize(self.scroll.viewport().size())
        if self.piece is not None and self.zoom in (FIT_WIDTH, FIT_PAGE) and self.isVisible():
            self._resize_timer.start()

    def hideEvent(self, event) -> None:
        # A closing window resizes its children on the way out; no page is drawn for a hidden viewer.
        self._resize_timer.stop()
        super().hideEvent(event)

    def set_view(self, part: int | None = None, semitones: int | None = None) -> None:
        """Show one part (0: all) and/or transpose the display by semitones; playback follows."""
        transpose = self.view.transpose if semitones is None else interval_for(semitones)
        view = ViewOptions(transpose, self.view.part if part is None else part)
        if view != self.view:
            self.view = view
            self.playback.piece_changed()
            self._request()

    def perform(self):
        """Open the piece full screen for reading at the instrument, dark or light and with one or two
        pages as last left (None when no piece is shown)."""
        from .performance_view import PerformanceView
        from .settings import WindowState

        if self.piece is None:
            return None
        state = WindowState()
        dark, two_pages = state.reading_look()
        view = PerformanceView(self.worker, self.piece, state, dark=dark, two_pages=two_pages)
        view.showFullScreen()
        view.setFocus()
        return view

    def _offer_parts(self, parts: tuple) -> None:
        names = ["All parts", *parts]
        if [self.part_box.itemText(i) for i in range(self.part_box.count())] != names:
            self.part_box.clear()
            self.part_box.addItems(names)
        self.part_box.setCurrentIndex(self.view.part)
        self.part_box.setEnabled(len(parts) > 1)

    def set_highlight(self, note_ids: frozenset) -> None:
        """Mark these notes on the page shown (those on other pages are marked when theirs shows)."""
        self.highlighted = frozenset(note_ids)
        self._paint_highlights()

    def _paint_highlights(self) -> None:
        notes = self.shown.notes if self.shown is not None and not self.message else {}
        self.page_label.set_highlights([notes[i] for i in self.highlighted if i in notes])

    def bar_at(self, point) -> str:
        """The id of the bar under a point of the page image ('' for none)."""
        bars = self.shown.bars if self.shown is not None and not self.message else {}
        return next((bar for bar, rect in bars.items() if rect.contains(point)), "")

    def current_image(self):
        """The page image on screen (None while nothing is shown)."""
        return None if self.message else self._shown_image

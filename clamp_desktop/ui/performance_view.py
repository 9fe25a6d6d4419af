"""The performance view: the score full screen, one or two pages, turned by key, pedal or tap.

Page turns: Right, Down, Page Down, Space and Enter go on; Left, Up, Page Up and
Backspace go back (page-turner pedals send these keys); a tap on the left third
goes back, elsewhere on.  D switches dark mode, which recolours the engraving
itself (light notes on a dark page).  2 shows one or two pages.  Each piece
reopens at the page it was left at.  Setlists (one piece after another in a
collection's order) wait for collections.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPalette, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from .score_viewer import A4_ASPECT, RenderedPage, render_page

NEXT_KEYS = {Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Space, Qt.Key.Key_Return,
             Qt.Key.Key_Enter}
PREVIOUS_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace}


class PerformanceView(QWidget):
    pageShown = Signal(int, int)       # first page shown, pages

    def __init__(self, worker, piece: dict, state=None, dark: bool = False, two_pages: bool = False):
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle(piece.get("title") or piece["path"])
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.worker, self.piece, self.state = worker, piece, state
        self.dark, self.two_pages = dark, two_pages
        self.tune = piece.get("tune") or 0
        self.page = state.last_page(piece["path"], self.tune) if state is not None else 1
        self.pages = 0
        self.shown: dict[int, RenderedPage] = {}          # slot -> page drawn there
        self._jobs = []
        self.slots = [QLabel(alignment=Qt.AlignmentFlag.AlignCenter) for _ in range(2)]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for label in self.slots:
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            layout.addWidget(label)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self._resize_timer = QTimer(self, singleShot=True, interval=150)
        self._resize_timer.timeout.connect(self.request)
        self._apply_look(render=False)      # the first page is drawn once the window has its size

    # --- what is shown ------------------------------------------------------------------

    @property
    def per_view(self) -> int:
        return 2 if self.two_pages else 1

    def _apply_look(self, render: bool = True) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black if self.dark else Qt.GlobalColor.darkGray)
        self.setPalette(palette)
        self.slots[1].setVisible(self.two_pages)
        if render:
            self.request()

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        self._look_changed()

    def set_two_pages(self, two: bool) -> None:
        self.two_pages = two
        self._look_changed()

    def _look_changed(self) -> None:
        if self.state is not None:
            self.state.set_reading_look(self.dark, self.two_pages)
        self._apply_look()

    def turn(self, pages: int) -> None:
        target = self.page + pages
        if self.pages:
            target = min(max(target, 1), max(self.pages - self.per_view + 1, 1))
        if target != self.page and target >= 1:
            self.page = target
            self.request()

    def _slot_size(self) -> QSize:
        width = (self.width() - 8 * (self.per_view - 1)) // self.per_view
        return QSize(max(width, 100), max(self.height(), 100))

    def request(self) -> None:
        for job in self._jobs:
            job.cancel()
        size = self._slot_size()
        width = max(100, min(size.width(), round(size.height() * A4_ASPECT)))
        self._jobs = []
        for slot in range(self.per_view):
            job = self.worker.render("Rendering the score", render_page, self.piece["path"], self.tune,
                                     self.page + slot, width, self.devicePixelRatioF(), self.dark)
            job.returned.connect(self._arrived)      # a bound slot: gone with the window
            self._jobs.append(job)

    def _arrived(self, result: RenderedPage) -> None:
        slot = result.page - self.page
        if not 0 <= slot < self.per_view:
            return                       # a page asked for before the last turn
        self.pages = result.pages
        self.slots[slot].setPixmap(QPixmap.fromImage(result.image))
        self.shown[slot] = result
        if slot == 0 and self.page + 1 > result.pages:
            self.slots[1].setPixmap(QPixmap())       # the last page has no right-hand neighbour
            self.shown.pop(1, None)
        if slot == 0:
            self.page = result.page
            if self.state is not None:
                self.state.set_last_page(self.piece["path"], self.tune, self.page)
            self.pageShown.emit(self.page, self.pages)

    def current_image(self, slot: int = 0):
        result = self.shown.get(slot)
        return result.image if result is not None else None

    # --- input -------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in NEXT_KEYS:
            self.turn(self.per_view)
        elif key in PREVIOUS_KEYS:
            self.turn(-self.per_view)
        elif key == Qt.Key.Key_Home:
            self.turn(-self.page + 1)
        elif key == Qt.Key.Key_End:
            self.turn(self.pages)
        elif key == Qt.Key.Key_D:
            self.set_dark(not self.dark)
        elif key == Qt.Key.Key_2:
            self.set_two_pages(not self.two_pages)
        elif key in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            self.close()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:
        """Tap zones: the left third goes back, the rest goes on."""
        if event.button() == Qt.MouseButton.LeftButton:
            self.turn(-self.per_view if event.position().x() < self.width() / 3 else self.per_view)
        super().mousePressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._resize_timer.start()

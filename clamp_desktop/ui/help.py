"""Help ▸ User guide and Search syntax: the pages of docs/, shown in a window (no browser needed).

The two pages travel inside the package (``clamp_desktop.docs``, see
pyproject.toml), so an installed wheel shows them too; a source checkout
reads them from docs/ directly.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextCursor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

SOURCE_DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = {"user-guide.md": "User guide", "search.md": "Search syntax"}


def doc_text(name: str) -> str:
    """A page of the docs as Markdown (from the installed package, else the source tree)."""
    try:
        return (resources.files("clamp_desktop.docs") / name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        path = SOURCE_DOCS / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return f"# {PAGES.get(name, name)}\n\nThis page is not installed; read it at docs/{name} in the source."


def heading_slug(text: str) -> str:
    """The anchor GitHub gives a heading ("Choosing a model" → "choosing-a-model"), as the pages link them."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


class HelpPage(QDialog):
    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.browser = QTextBrowser(openLinks=False)
        self.browser.setSearchPaths([str(SOURCE_DOCS)])     # the screenshots, in a source checkout
        self.browser.anchorClicked.connect(self.follow)
        self.show_page(name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(760, 680)


    def show_page(self, name: str) -> None:
        self.name = name
        self.setWindowTitle(f"clamp-desktop — {PAGES.get(name, name)}")
        self.browser.setMarkdown(doc_text(name))

    def follow(self, url: QUrl) -> None:
        """A heading of this page or of the other one, shown here; anything else in the desktop's browser."""
        page = url.path().rsplit("/", 1)[-1]
        if url.scheme() in ("", "file") and (page in PAGES or not page):
            if page and page != self.name:
                self.show_page(page)
            self.scroll_to(url.fragment())
        else:
            QDesktopServices.openUrl(url if url.scheme() else QUrl.fromLocalFile(str(SOURCE_DOCS / url.path())))

    def scroll_to(self, slug: str) -> bool:
        block = self.browser.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() and heading_slug(block.text()) == slug:
                self.browser.verticalScrollBar().setValue(self.browser.verticalScrollBar().maximum())
                self.browser.setTextCursor(QTextCursor(block))
                self.browser.ensureCursorVisible()       # from the bottom up: the heading lands on top
                return True
            block = block.next()
        return False


def show_help(parent, name: str) -> HelpPage:
    page = HelpPage(name, parent)
    page.show()
    return page

"""Help ▸ User guide and Search syntax: the pages of docs/, shown in a window (no browser needed).

The two pages travel inside the package (``clamp_desktop.docs``, see
pyproject.toml), so an installed wheel shows them too; a source checkout
reads them from docs/ directly.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtCore import QUrl
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


class HelpPage(QDialog):
    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"clamp-desktop — {PAGES.get(name, name)}")
        self.browser = QTextBrowser(openExternalLinks=True)
        self.browser.setSearchPaths([str(SOURCE_DOCS)])     # the screenshots, in a source checkout
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(SOURCE_DOCS) + "/"))
        self.browser.setMarkdown(doc_text(name))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(760, 680)


def show_help(parent, name: str) -> HelpPage:
    page = HelpPage(name, parent)
    page.show()
    return page

"""The search bar: typing filters the library at once (debounced); Enter asks CLaMP.

Two toggle buttons say which kind of result the table shows: *Filter*
(keywords and ``field:value`` filters, no model) or *Describe* (semantic
search: the text is ranked against every piece by the model).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QToolButton, QWidget

from ..wording import plural
from .icons import icon
from .query_notes import query_notes

KEYWORD, SEMANTIC = "keyword", "semantic"
DEBOUNCE_MS = 250
BACK_TO_FILTER = '<a href="filter">back to the filter</a>'


def semantic_caption(text: str, shown: int, words: int, result) -> str:
    """The results line of a described search (rich text): the mode switch is said, not silent.

    ``words`` of the ``shown`` pieces lead because they match the words (``search(words_first=True)``).
    """
    ranked = plural(shown - words, "piece")
    figure = "relevance" if any(h.relevance is not None for h in result.hits) else "cosine"
    if words:
        what = (f"{plural(words, 'piece')} matching your words first, then {ranked} closest by CLaMP"
                f" (of {result.total:,})")
    else:
        what = f"{plural(shown, 'piece')} closest by CLaMP (of {result.total:,}; {figure} · what each meets)"
    notes = "".join(f" — {escape(n)}" for n in query_notes(result))
    return f"<b>Described</b> “{escape(text)}”: {what}{notes} · {BACK_TO_FILTER}"


class SearchBar(QWidget):
    keywordSearch = Signal(str)       # debounced, as the user types
    semanticSearch = Signal(str)      # on Enter, or when switched to Describe

    def __init__(self, parent=None):
        super().__init__(parent)
        self.edit = QLineEdit(clearButtonEnabled=True)
        self.edit.setPlaceholderText(
            'Filter: words, "phrase", composer:bach key:minor meter:3/4 tag:genre=chorale — Enter: describe the music'
        )
        self.edit.textEdited.connect(self._typed)
        self.edit.returnPressed.connect(self.run_semantic)
        self.keyword_button = self._mode_button("Filter", "Keyword filter as you type (no model)", icon("search"))
        self.semantic_button = self._mode_button("Describe", "Semantic search with CLaMP (Enter)", icon("semantic"))
        self.modes = QButtonGroup(self, exclusive=True)
        self.modes.addButton(self.keyword_button)
        self.modes.addButton(self.semantic_button)
        self.keyword_button.setChecked(True)
        self.keyword_button.clicked.connect(self.run_keyword)
        self.semantic_button.clicked.connect(self.run_semantic)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_keyword)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.keyword_button)
        layout.addWidget(self.semantic_button)

    @staticmethod
    def _mode_button(text: str, tip: str, mode_icon) -> QToolButton:
        button = QToolButton(text=text, checkable=True, toolTip=tip)
        button.setIcon(mode_icon)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        return button

    @property
    def mode(self) -> str:
        return SEMANTIC if self.semantic_button.isChecked() else KEYWORD

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    def _typed(self, _text: str) -> None:
        self.keyword_button.setChecked(True)
        self._debounce.start()

    def run_keyword(self) -> None:
        self._debounce.stop()
        self.keyword_button.setChecked(True)
        self.keywordSearch.emit(self.text())

    def run_semantic(self) -> None:
        self._debounce.stop()
        if not self.text():
            self.run_keyword()
            return
        self.semantic_button.setChecked(True)
        self.semanticSearch.emit(self.text())

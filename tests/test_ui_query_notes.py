"""The window's results line names the filters it could not use, so a typo is never silently dropped."""

from __future__ import annotations

import shutil

from clamp_desktop.engine.indexer import LibraryIndexer, run_to_end
from clamp_desktop.engine.models import model_name
from clamp_desktop.store import Library
from clamp_desktop.ui.main_window import MainWindow
from clamp_desktop.ui.settings import Settings, WindowState
from conftest import corpus_files


def test_an_unknown_filter_in_the_filter_box_is_named_in_the_results_line(qtbot, tmp_path, tiny_checkpoint,
                                                                           tiny_model):
    folder = tmp_path / "scores"
    folder.mkdir()
    for path in corpus_files("bach/bwv1*.mxl", 2):
        shutil.copy(path, folder / path.name)
    with Library(tmp_path / "library.db") as library:
        run_to_end(LibraryIndexer(library, model_name(str(tiny_checkpoint)), lambda: tiny_model,
                                  inline=True).run([folder]))
    settings = Settings(tmp_path / "config" / "settings.ini")
    settings.set("library/db", str(tmp_path / "library.db"))
    settings.set("model/name", str(tiny_checkpoint))
    settings.set("watch/enabled", False)
    settings.set("first_run/done", True)
    window = MainWindow(settings, WindowState(tmp_path / "config" / "window-state.ini"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.keyword_search("composr:bach")
    text = window.results_label.text()
    assert text == "2 pieces — not used: composr:bach (no such filter)"
    window.close()


def test_a_described_search_names_the_filters_it_could_not_use_too():
    from clamp_desktop.engine.filters import unknown_filter_reason
    from clamp_desktop.engine.search import SearchResult
    from clamp_desktop.ui.search_bar import semantic_caption

    result = SearchResult([], 0, None, [unknown_filter_reason("composr:bach")])
    caption = semantic_caption("a chorale", 0, 0, result)
    assert "not used: composr:bach (no such filter)" in caption and caption.startswith("<b>Described</b>")

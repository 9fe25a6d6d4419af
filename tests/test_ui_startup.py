"""Cold start on a 10,000-piece library: the window shows rows without torch, lazily."""

from __future__ import annotations

from clamp_desktop.engine.models import model_name
from clamp_desktop.ingest.score import read_score
from clamp_desktop.store import Library, queries
from clamp_desktop.store.synthetic import library_of_copies
from clamp_desktop.ui.startup_probe import probe_library


def test_the_window_shows_a_large_library_quickly_and_lazily(tmp_path, score_folder):
    db = tmp_path / "big.db"
    score = score_folder / "bwv1.6.mxl"
    library_of_copies(db, read_score(score)[0], score.parent)  # 10,000 pieces
    with Library(db) as library, library.atomic():     # tagged by the bundled model: listing asks its calibration
        queries.replace_auto_tags(library, "genre", model_name(None), [(pid, "chorale", 0.999) for pid in range(1, 101)])
    _, result = probe_library(db, tmp_path)      # raises with the child's stderr if it fails
    assert result["total"] == 10_000
    assert result["rows"] < 1000                 # rows are fetched page by page, not all at once
    assert result["thumbnails"] < 60             # only painted rows ask for a thumbnail
    assert not result["torch"]                   # the model loads later, in the worker
    assert result["deferred_imported"] == []     # nor the indexer, the score reader, music21 (imported when used)
    # how fast it is, is measured side by side in bench/bench_gui.py, not asserted here

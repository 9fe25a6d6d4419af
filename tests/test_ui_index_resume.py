"""A cancelled index run in the window: said in the status bar, remembered, and resumed on the next start."""

from __future__ import annotations

import shutil

import pytest

from clamp_desktop.store import Library
from clamp_desktop.ui.settings import Settings
from conftest import corpus_files
from test_ui_main_window import open_window

JOB_S = 180_000


@pytest.fixture
def settings(tmp_path, tiny_checkpoint):
    settings = Settings(tmp_path / "config" / "settings.ini")
    settings.set("library/db", str(tmp_path / "library.db"))
    settings.set("model/name", str(tiny_checkpoint))
    settings.set("model/device", "cpu")
    settings.set("library/workers", 1)
    settings.set("watch/enabled", False)
    settings.set("first_run/done", True)
    return settings


def test_a_cancelled_run_is_reported_and_finished_when_the_window_opens_again(qtbot, settings, tmp_path):
    folder = tmp_path / "scores"
    folder.mkdir()
    for path in corpus_files("bach/bwv2*.mxl", 12):
        shutil.copy(path, folder / path.name)
    window = open_window(qtbot, settings, tmp_path)
    job = window.add_folder(str(folder))
    with qtbot.waitSignal(job.yielded, timeout=JOB_S, check_params_cb=lambda p: p.stage != "scan"):
        pass
    with qtbot.waitSignal(job.finished, timeout=JOB_S):
        job.cancel()
    assert job.state == "aborted"
    assert window.statusBar().currentMessage().startswith("Indexing cancelled:")
    with Library(settings.db_path(), readonly=True) as library:
        assert library.unfinished_index_run()["folders"] == [str(folder.resolve())]
    window.close()

    messages = []
    again = open_window(qtbot, settings, tmp_path, messages)
    qtbot.waitUntil(lambda: any(m.startswith("Resuming the indexing") for m in messages), timeout=JOB_S)
    qtbot.waitUntil(lambda: finished(settings.db_path()), timeout=JOB_S)
    with Library(settings.db_path(), readonly=True) as library:
        assert len(library.pieces()) == 12
        assert list(library.models().values()) == [12]
    again.close()


def finished(db) -> bool:
    """The resumed run has ended: the library no longer remembers an unfinished one."""
    with Library(db, readonly=True) as library:
        return library.unfinished_index_run() is None

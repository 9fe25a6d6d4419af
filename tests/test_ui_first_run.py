"""The first start: the dialog's choices land in the settings (kept in a temporary folder)."""

from __future__ import annotations

from pathlib import Path

from clamp_desktop import paths
from clamp_desktop.ui.first_run import FirstRunDialog, demo_folder
from clamp_desktop.ui.settings import Settings


def make_dialog(qtbot, tmp_path) -> tuple[FirstRunDialog, Settings]:
    settings = Settings(tmp_path / "config" / "settings.ini")
    dialog = FirstRunDialog(settings)
    qtbot.addWidget(dialog)
    return dialog, settings


def test_a_folder_and_a_checkpoint_are_remembered(qtbot, tmp_path, score_folder, tiny_checkpoint):
    dialog, settings = make_dialog(qtbot, tmp_path)
    assert settings.get("first_run/done") is False
    dialog.folder_edit.setText(str(score_folder))
    dialog.folder_radio.setChecked(True)
    dialog.checkpoint_edit.setText(str(tiny_checkpoint))
    dialog.checkpoint_radio.setChecked(True)
    dialog.db_edit.setText(str(tmp_path / "scores.db"))
    dialog.accept()
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted
    assert dialog.chosen.folders() == [str(score_folder.resolve())]
    again = Settings(settings.path)
    assert again.get("first_run/done") is True
    assert again.model() == str(Path(tiny_checkpoint).resolve())
    assert again.db_path() == tmp_path / "scores.db"
    assert again.get("library/musicxml_only") is False


def test_the_demo_library_is_music21s_scores_and_tunes_in_its_own_database(qtbot, tmp_path):
    dialog, settings = make_dialog(qtbot, tmp_path)
    dialog.demo_radio.setChecked(True)
    dialog.model_radios["sander-wood/clamp-small-512"].setChecked(True)
    dialog.accept()
    assert dialog.chosen.demo and dialog.chosen.folders() == [str(demo_folder())]
    assert (demo_folder() / "bach").is_dir()
    assert settings.db_path() == paths.demo_db_path()
    assert settings.get("library/musicxml_only") is False    # the demo has ABC tunes: every format is read
    assert settings.model() == "sander-wood/clamp-small-512"


def test_an_incomplete_choice_is_explained_and_not_accepted(qtbot, tmp_path):
    dialog, settings = make_dialog(qtbot, tmp_path)
    dialog.folder_radio.setChecked(True)
    dialog.folder_edit.setText(str(tmp_path / "missing"))
    dialog.accept()
    assert "folder that exists" in dialog.message.text()
    assert dialog.result() != FirstRunDialog.DialogCode.Accepted
    assert settings.get("first_run/done") is False
    dialog.demo_radio.setChecked(True)
    dialog.checkpoint_radio.setChecked(True)
    dialog.checkpoint_edit.setText(str(tmp_path))
    dialog.accept()
    assert "config.json" in dialog.message.text()


def test_first_start_asks_then_opens_the_window_and_indexes_the_folder(qtbot, tmp_path, score_folder,
                                                                         tiny_checkpoint):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from clamp_desktop.ui.app import open_main_window
    from clamp_desktop.ui.settings import WindowState

    settings = Settings(tmp_path / "config" / "settings.ini")
    asked = []

    def answer():
        dialog = QApplication.activeModalWidget()
        asked.append(dialog)
        dialog.folder_edit.setText(str(score_folder))
        dialog.folder_radio.setChecked(True)
        dialog.checkpoint_edit.setText(str(tiny_checkpoint))
        dialog.checkpoint_radio.setChecked(True)
        dialog.db_edit.setText(str(tmp_path / "first.db"))
        dialog.accept()

    QTimer.singleShot(200, answer)
    window = open_main_window(settings, WindowState(tmp_path / "config" / "window-state.ini"))
    qtbot.addWidget(window)
    assert isinstance(asked[0], FirstRunDialog)
    assert window.isVisible() and settings.get("first_run/done") is True
    qtbot.waitUntil(lambda: window.model.rowCount() >= 10, timeout=180_000)
    assert window.reader.folders() == [str(score_folder.resolve())]
    # the run ends before the window closes: a run cut short is resumed at the next start (test_ui_index_resume)
    qtbot.waitUntil(lambda: window.reader.library.unfinished_index_run() is None, timeout=180_000)
    window.close()
    # the next start goes straight to the window
    again = open_main_window(settings, WindowState(tmp_path / "config" / "window-state.ini"))
    qtbot.addWidget(again)
    assert len(asked) == 1 and again.first_run is None
    again.close()


def test_quitting_deletes_the_dialogs_that_outlive_their_function(qtbot, tmp_path):
    from clamp_desktop.ui.app import application, dispose_windows

    app = application()

    def first_start():     # as open_main_window: nothing keeps a reference once it returns
        FirstRunDialog(Settings(tmp_path / "settings.ini")).show()

    first_start()
    assert any(isinstance(w, FirstRunDialog) for w in app.topLevelWidgets())   # its slots keep it alive
    dispose_windows(app)
    assert not any(isinstance(w, FirstRunDialog) for w in app.topLevelWidgets())


def test_the_model_choice_shows_clamp3_with_its_size_languages_and_published_figure(qtbot, tmp_path, score_folder):
    dialog, settings = make_dialog(qtbot, tmp_path)
    caption = dialog.model_radios["clamp3-c2"].text()
    assert "recommended with an internet connection" in caption and "100 languages" in caption
    assert "GB" in caption and "0.4498" in caption
    assert "English" in dialog.model_radios["sander-wood/clamp-small-512"].text()
    dialog.folder_edit.setText(str(score_folder))
    dialog.folder_radio.setChecked(True)
    dialog.model_radios["clamp3-c2"].setChecked(True)
    dialog.db_edit.setText(str(tmp_path / "scores.db"))
    dialog.accept()
    assert Settings(settings.path).model() == "clamp3-c2"


def test_the_model_choice_shows_each_models_speed_measured_on_this_computer(qtbot, tmp_path):
    dialog, _ = make_dialog(qtbot, tmp_path)
    with qtbot.waitSignal(dialog.speed_label.measured, timeout=180_000) as measured:
        pass
    speeds = measured.args[0]
    assert speeds["clamp-desktop-mini"].measured and not speeds["clamp3-c2"].measured
    # CLaMP 3's encoder is far larger than the bundled one: estimated slower, never faster
    assert 0 < speeds["clamp3-c2"].pieces_per_second < speeds["clamp-desktop-mini"].pieces_per_second
    assert "pieces/s on this computer (measured)" in dialog.model_radios["clamp-desktop-mini"].text()
    assert "pieces/s on this computer (estimated)" in dialog.model_radios["clamp3-c2"].text()
    assert "download about 2.5 GB" in dialog.model_radios["clamp3-c2"].text()


def test_the_settings_model_page_shows_the_same_speeds(qtbot, tmp_path):
    from clamp_desktop.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(tmp_path / "settings.ini"), [])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.speed_label.measured, timeout=180_000):
        pass
    lines = dialog.speed_label.text().splitlines()
    assert any(line.startswith("clamp3-c2: about") and line.endswith("(estimated)") for line in lines)
    assert any(line.startswith("clamp-desktop-mini: about") and line.endswith("(measured)") for line in lines)

"""Options declared once, stored apart from window state; the dialog built from the declarations."""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox

from clamp_desktop import paths
from clamp_desktop.ui.settings import OPTIONS, Settings, WindowState
from clamp_desktop.ui.settings_dialog import SettingsDialog


def test_every_option_reads_its_default_when_unset(tmp_path):
    settings = Settings(tmp_path / "settings.ini")
    for option in OPTIONS:
        assert settings.get(option.key) == option.default
        assert isinstance(settings.get(option.key), option.type)


def test_values_come_back_typed_and_clamped_from_a_fresh_reader(tmp_path):
    settings = Settings(tmp_path / "settings.ini")
    settings.set("watch/enabled", False)
    settings.set("similar/count", 500)
    settings.set("search/min_cosine", "0.25")
    settings.set("model/device", "tpu")
    again = Settings(tmp_path / "settings.ini")
    assert again.get("watch/enabled") is False
    assert again.get("similar/count") == 100
    assert again.get("search/min_cosine") == 0.25
    assert again.get("model/device") == "auto" and again.device() is None


def test_settings_and_window_state_live_in_separate_files_in_the_config_folder():
    settings, state = Settings(), WindowState()
    settings.set("first_run/done", True)
    state.save("window/geometry", QByteArray(b"\x01\x02"))
    assert settings.path.parent == state.path.parent == paths.config_dir()
    assert settings.path != state.path
    assert "geometry" not in settings.path.read_text()
    assert "first_run" not in state.path.read_text()
    assert WindowState().load("window/geometry") == QByteArray(b"\x01\x02")


def test_the_library_defaults_to_the_data_folder(tmp_path):
    settings = Settings(tmp_path / "settings.ini")
    assert settings.db_path() == paths.default_db_path()
    settings.set("library/db", str(tmp_path / "mine.db"))
    assert settings.db_path() == tmp_path / "mine.db"


def test_the_dialog_edits_the_declared_options(qtbot, tmp_path):
    settings = Settings(tmp_path / "settings.ini")
    dialog = SettingsDialog(settings, ["/music/scores"])
    qtbot.addWidget(dialog)
    shown = {key for key in dialog.editors}
    assert shown == {o.key for o in OPTIONS if o.page}
    assert dialog.folder_list.item(0).text() == "/music/scores"
    watch = dialog.editors["watch/enabled"]
    assert isinstance(watch, QCheckBox) and watch.isChecked()
    watch.setChecked(False)
    cosine = dialog.editors["similar/min_cosine"]
    assert isinstance(cosine, QDoubleSpinBox)
    cosine.setValue(0.5)
    removed = []
    dialog.removeFolder.connect(removed.append)
    dialog.folder_list.item(0).setSelected(True)
    dialog._remove_folder()
    dialog.accept()
    assert dialog.applied == {"watch/enabled": False, "similar/min_cosine": 0.5}
    assert removed == ["/music/scores"] and dialog.folder_list.count() == 0
    assert Settings(tmp_path / "settings.ini").get("watch/enabled") is False


def test_the_soundfont_is_chosen_in_settings_and_used_by_the_cli(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QLineEdit

    from clamp_desktop.cli.score_commands import _chosen_soundfont
    from clamp_desktop.engine.soundfonts import find_soundfont

    font = tmp_path / "mine.sf2"
    font.write_bytes(b"RIFF")
    settings = Settings()
    dialog = SettingsDialog(settings, [])
    qtbot.addWidget(dialog)
    editor = dialog.editors["sound/soundfont"]
    assert isinstance(editor, QLineEdit) and editor.actions(), "no file chooser next to the SoundFont field"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args: (str(font), "")))
    editor.actions()[0].trigger()
    dialog.accept()
    assert dialog.applied == {"sound/soundfont": str(font)}
    assert find_soundfont(_chosen_soundfont(), folders=[]) == font

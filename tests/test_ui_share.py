"""The app's "Share library on my network" switch: a real ``clamp-desktop serve`` child process."""

from __future__ import annotations

import httpx
import pytest

from clamp_desktop.ui.settings import Settings
from clamp_desktop.ui.share import LibrarySharing
from clamp_desktop.ui.share_dialog import ShareDialog
from tests.web_helpers import PASSWORD, basic

START_MS = 180_000


@pytest.fixture
def sharing(qtbot, web_library, tmp_path):
    settings = Settings(tmp_path / "settings.ini")
    settings.set("library/db", str(web_library))
    settings.set("share/port", 0)           # any free port; the server says which
    sharing = LibrarySharing(settings, host="127.0.0.1")
    yield sharing
    sharing.stop()


def test_the_switch_starts_the_server_shows_its_address_and_qr_code_and_stops_it(qtbot, sharing):
    dialog = ShareDialog(sharing)
    qtbot.addWidget(dialog)
    dialog.port.setValue(0)                 # any free port; the server says which
    dialog.password.setText(PASSWORD)
    with qtbot.waitSignal(sharing.changed, timeout=START_MS, check_params_cb=lambda: sharing.address is not None):
        dialog.switch.setChecked(True)
    address = sharing.address
    assert address.startswith("http://127.0.0.1:") and dialog.switch.isChecked()
    assert address in dialog.address.text() and not dialog.qr.pixmap().isNull()
    stored = sharing.settings.get("share/password_hash")
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert httpx.get(address + "api/facets", headers=basic(), timeout=60).status_code == 200
    assert httpx.get(address + "api/facets", timeout=60).status_code == 401

    dialog.switch.setChecked(False)
    assert not sharing.active and sharing.address is None and dialog.qr.pixmap().isNull()
    with pytest.raises(httpx.ConnectError):
        httpx.get(address + "api/facets", headers=basic(), timeout=60)


def test_the_switch_asks_for_a_password_first(qtbot, sharing):
    dialog = ShareDialog(sharing)
    qtbot.addWidget(dialog)
    dialog.switch.setChecked(True)
    assert not sharing.active and not dialog.switch.isChecked()
    assert "password" in dialog.status.text().lower()


def test_a_server_that_cannot_start_says_why_in_one_line(qtbot, sharing, tmp_path):
    sharing.set_password(PASSWORD)
    sharing.settings.set("library/db", str(tmp_path / "missing.db"))
    with qtbot.waitSignal(sharing.changed, timeout=START_MS, check_params_cb=lambda: sharing.error is not None):
        sharing.start()
    assert not sharing.active and "missing.db" in sharing.error and "\n" not in sharing.error

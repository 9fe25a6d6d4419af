"""The xcb libraries check run before Qt starts: real library lookups, and the CLI's one-line answer."""

import sys

import pytest

from clamp_desktop.ui.system_libraries import XCB_LIBRARIES, install_hint, missing_packages, uses_xcb
from cli_helpers import run_cli

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb check is for Linux")


@linux_only
def test_a_library_that_exists_is_found_and_one_that_does_not_is_named_by_its_package():
    libraries = {"c": "libc6", "clamp-desktop-no-such-library": "no-such-package"}
    assert missing_packages({"DISPLAY": ":0"}, libraries) == ["no-such-package"]


def test_no_check_offscreen_or_on_wayland():
    libraries = {"clamp-desktop-no-such-library": "no-such-package"}
    assert missing_packages({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, libraries) == []
    assert missing_packages({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, libraries) == []
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"}) and not uses_xcb({})


def test_the_hint_is_the_exact_apt_command():
    hint = install_hint(list(XCB_LIBRARIES.values()))
    assert hint.endswith("sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1")


@linux_only
def test_gui_stops_with_the_install_command_before_qt_starts(monkeypatch, capsys):
    # a library no system has stands for the missing one, so the test holds on machines that have xcb-cursor
    monkeypatch.setattr("clamp_desktop.ui.system_libraries.XCB_LIBRARIES",
                        {"clamp-desktop-no-such-library": "libxcb-cursor0"})
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, _, err = run_cli(["gui"], capsys)
    assert code == 1 and err.strip().endswith("sudo apt install libxcb-cursor0")

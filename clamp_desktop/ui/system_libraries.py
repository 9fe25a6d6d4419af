"""The X11 libraries Qt's xcb platform plugin needs, checked before Qt starts.

Without them Qt aborts with "could not load the Qt platform plugin xcb" and a
page of hints; Debian 12 and Ubuntu lack ``libxcb-cursor0`` (and often
``libxcb-icccm4`` and ``libxcb-keysyms1``) on a fresh install.  This module
does not import Qt: ``clamp-desktop gui`` asks it first and prints the one
command that fixes it.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping

# library name as find_library takes it -> the Debian/Ubuntu package holding it
XCB_LIBRARIES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4", "xcb-keysyms": "libxcb-keysyms1"}


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will open the window through xcb (X11) here."""
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(";")[0].startswith("xcb")
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_packages(env: Mapping[str, str] | None = None, libraries: Mapping[str, str] | None = None,
                     find: Callable[[str], str | None] = ctypes.util.find_library) -> list[str]:
    """The packages to install before the window can open (none off Linux, offscreen or on Wayland)."""
    if not sys.platform.startswith("linux") or not uses_xcb(os.environ if env is None else env):
        return []
    return [package for library, package in (libraries or XCB_LIBRARIES).items() if find(library) is None]


def install_hint(packages: list[str]) -> str:
    return (f"The desktop app needs X11 libraries that are not installed ({', '.join(packages)}); "
            f"on Debian or Ubuntu install them with: sudo apt install {' '.join(packages)}")

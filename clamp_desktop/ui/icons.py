"""Icons: the app's own SVGs from ``resources/icons``, Qt's standard ones for the rest."""

from __future__ import annotations

import functools
from importlib import resources

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

_STANDARD = {
    "open": QStyle.StandardPixmap.SP_DirOpenIcon,
    "file": QStyle.StandardPixmap.SP_FileIcon,
    "previous": QStyle.StandardPixmap.SP_ArrowBack,
    "next": QStyle.StandardPixmap.SP_ArrowForward,
    "first": QStyle.StandardPixmap.SP_MediaSkipBackward,
    "last": QStyle.StandardPixmap.SP_MediaSkipForward,
    "cancel": QStyle.StandardPixmap.SP_BrowserStop,
    "problems": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "settings": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "about": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "quit": QStyle.StandardPixmap.SP_DialogCloseButton,
    "remove": QStyle.StandardPixmap.SP_TrashIcon,
    "add": QStyle.StandardPixmap.SP_FileDialogNewFolder,
    "accept": QStyle.StandardPixmap.SP_DialogApplyButton,
    "play": QStyle.StandardPixmap.SP_MediaPlay,
    "pause": QStyle.StandardPixmap.SP_MediaPause,
    "stop": QStyle.StandardPixmap.SP_MediaStop,
    "volume": QStyle.StandardPixmap.SP_MediaVolume,
    "perform": QStyle.StandardPixmap.SP_TitleBarMaxButton,
    "save": QStyle.StandardPixmap.SP_DialogSaveButton,
}


@functools.cache
def icon(name: str) -> QIcon:
    """``resources/icons/<name>.svg`` when the app ships one, else a standard icon (or none)."""
    path = resources.files("clamp_desktop.resources") / "icons" / f"{name}.svg"
    if path.is_file():
        return QIcon(str(path))
    if name in _STANDARD and QApplication.instance() is not None:
        return QApplication.style().standardIcon(_STANDARD[name])
    return QIcon()


def app_icon() -> QIcon:
    return icon("clamp-desktop")

"""The app's options, declared once (key, type, default, title), and the window state, kept apart.

Both live in INI files in the config folder (``$CLAMP_DESKTOP_CONFIG`` moves
them, which is how tests get a private settings location): ``settings.ini``
holds what the user chose, ``window-state.ini`` how the windows were left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from .. import paths

DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class Option:
    key: str
    type: type
    default: object
    title: str
    help: str = ""
    choices: tuple = ()
    minimum: float = 0
    maximum: float = 1_000_000
    page: str = "General"          # the settings dialog's tab; "" keeps it off the dialog
    file_filter: str = ""          # a file path, chosen with a file dialog showing these files
    special: str = ""              # what the minimum of a number means, shown in its place ("Automatic")
    choice_names: tuple = ()       # the choices as shown, in the order of ``choices``
    suggestions: Callable[[], list[tuple[str, str]]] | None = None   # (value, shown) offered; others typed


def model_suggestions() -> list[tuple[str, str]]:
    """The models the app knows (``clamp-desktop model list``), the bundled one first as the empty value."""
    from ..model.registry import default_model_name, list_models

    shown = [("", f"The bundled model ({default_model_name()})")]
    for entry in list_models():
        size = f", {entry.download_size / 1e9:.1f} GB download" if entry.download_size else ""
        shown.append((entry.name, f"{entry.name}: {entry.description} ({entry.languages}{size})"))
    return shown


OPTIONS: tuple[Option, ...] = (
    Option("library/db", str, "", "Library database",
           "The SQLite file of the library (empty: the default location).", page="Library"),
    Option("library/musicxml_only", bool, False, "Index MusicXML files only",
           "Skip ABC, Humdrum, MEI and MIDI files when indexing.", page="Library"),
    Option("library/workers", int, 0, "Files read at once while indexing",
           "How many score files are converted side by side. Automatic: as many as the computer has cores; "
           "fewer leaves more of the computer to other work.", maximum=64, page="Library", special="Automatic"),
    Option("watch/enabled", bool, True, "Watch library folders",
           "Index new and changed files as they appear.", page="Library"),
    Option("watch/delay_s", float, 3.0, "Wait after a change (seconds)",
           "Changes are gathered this long before indexing starts.", minimum=0.2, maximum=600, page="Library"),
    Option("model/name", str, "", "Model",
           "The model that reads the scores and your descriptions (or a checkpoint folder of your own). "
           "clamp3-c2 (CLaMP 3, about 2.5 GB download) reads scores and MIDI whole and understands queries "
           "in about 100 languages; the CLaMP v1 models and the bundled one understand English. A model "
           "that is not on this computer yet is downloaded, then the library is read again with it.",
           page="Model", suggestions=model_suggestions),
    Option("model/whole_pieces", bool, False, "Read whole pieces",
           "Published CLaMP models read only a piece's first 512 (or 1024) bar patches, as they were "
           "trained; with this on they read long pieces whole, in segments, and the library is "
           "encoded again. The bundled model always reads whole pieces.", page="Model"),
    Option("model/device", str, "auto", "Run the model on",
           "The graphics card is much faster when there is one.", choices=DEVICES, page="Model",
           choice_names=("Automatic (the graphics card when there is one)", "The processor (CPU)",
                         "An NVIDIA graphics card (CUDA)", "An Apple graphics chip (MPS)")),
    Option("search/page_size", int, 100, "Pieces listed per described search", minimum=10, maximum=10_000,
           page="Search"),
    Option("search/min_cosine", float, -1.0, "Hide described results weaker than",
           "How closely a piece must match a description (the cosine, from -1 to 1; around 0.2 is a fair "
           "match with the bundled model) to be listed. Show all: no piece is hidden.",
           minimum=-1, maximum=1, page="Search", special="Show all"),
    Option("similar/count", int, 10, "Similar pieces shown", minimum=1, maximum=100, page="Search"),
    Option("similar/min_cosine", float, -1.0, "Hide similar pieces weaker than",
           "How alike two pieces must be (the cosine, from -1 to 1) to be listed. Show all: no piece is hidden.",
           minimum=-1, maximum=1, page="Search", special="Show all"),
    Option("viewer/thumbnail_width", int, 28, "Page thumbnails in the list (width in pixels)",
           "A small picture of each piece's first page; 0 shows none and fits the most pieces on screen. "
           "Takes effect when the app starts next.", minimum=0, maximum=256, page="Viewer"),
    Option("sound/soundfont", str, "", "SoundFont",
           "An .sf2 or .sf3 file for playback (empty: the downloaded one, else the system's).", page="Sound",
           file_filter="SoundFonts (*.sf2 *.sf3)"),
    Option("sound/volume", float, 0.8, "Volume", minimum=0, maximum=1, page=""),
    Option("first_run/done", bool, False, "First run finished", page=""),
    Option("share/port", int, 8765, "Port for sharing the library", minimum=0, maximum=65535, page=""),
    Option("share/password_hash", str, "", "Password for sharing (its scrypt hash only)", page=""),
)
OPTION = {option.key: option for option in OPTIONS}


def _convert(option: Option, value):
    if value is None:
        return option.default
    if option.type is bool:
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")
    try:
        value = option.type(value)
    except (TypeError, ValueError):
        return option.default
    if option.type in (int, float):
        value = min(max(value, option.type(option.minimum)), option.type(option.maximum))
    if option.choices and value not in option.choices:
        return option.default
    return value


class Settings:
    """The user's choices, typed by their ``Option``."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else paths.config_dir() / "settings.ini"
        self._store = QSettings(str(self.path), QSettings.Format.IniFormat)

    def get(self, key: str):
        option = OPTION[key]
        return _convert(option, self._store.value(key, option.default))

    def set(self, key: str, value) -> None:
        self._store.setValue(key, _convert(OPTION[key], value))
        self._store.sync()

    def reset(self, key: str) -> None:
        self._store.remove(key)

    # --- what the choices mean ---------------------------------------------------

    def db_path(self) -> Path:
        return Path(self.get("library/db") or paths.default_db_path())

    def model(self) -> str | None:
        """The model request: the chosen name, asked to read whole pieces when the user opted in."""
        name = self.get("model/name") or None
        if self.get("model/whole_pieces"):
            from ..model.registry import with_whole_pieces

            return with_whole_pieces(name)
        return name

    def device(self) -> str | None:
        device = self.get("model/device")
        return None if device == "auto" else device


class WindowState:
    """Geometry, dock layout and table columns: how the user left the windows."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else paths.config_dir() / "window-state.ini"
        self._store = QSettings(str(self.path), QSettings.Format.IniFormat)

    def load(self, key: str) -> QByteArray | None:
        value = self._store.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save(self, key: str, value: QByteArray) -> None:
        self._store.setValue(key, value)
        self._store.sync()

    @staticmethod
    def _reading_key(path: str, tune: int) -> str:
        import hashlib

        return "reading/" + hashlib.sha1(f"{path}#{tune}".encode()).hexdigest()[:16]   # paths hold '/'

    def last_page(self, path: str, tune: int = 0) -> int:
        """The page a piece was left open at in the performance view (1 when never)."""
        try:
            return max(int(self._store.value(self._reading_key(path, tune), 1)), 1)
        except (TypeError, ValueError):
            return 1

    def set_last_page(self, path: str, tune: int, page: int) -> None:
        self._store.setValue(self._reading_key(path, tune), int(page))
        self._store.sync()

    def reading_look(self) -> tuple[bool, bool]:
        """(dark, two pages) as the performance view was last left."""
        return tuple(str(self._store.value(f"reading_look/{name}", False)).lower() == "true"
                     for name in ("dark", "two_pages"))

    def set_reading_look(self, dark: bool, two_pages: bool) -> None:
        self._store.setValue("reading_look/dark", bool(dark))
        self._store.setValue("reading_look/two_pages", bool(two_pages))
        self._store.sync()

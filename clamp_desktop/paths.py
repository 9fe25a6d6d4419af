"""Where the app keeps its files: one function per folder, each with an env override."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "clamp-desktop"


def _dir(env: str, default: str) -> Path:
    path = Path(os.environ.get(env) or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    return _dir("CLAMP_DESKTOP_DATA", platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    return _dir("CLAMP_DESKTOP_CACHE", platformdirs.user_cache_dir(APP_NAME))


def config_dir() -> Path:
    return _dir("CLAMP_DESKTOP_CONFIG", platformdirs.user_config_dir(APP_NAME))


def default_db_path() -> Path:
    """The library database: ``$CLAMP_DESKTOP_DB`` or ``library.db`` in the data folder."""
    env = os.environ.get("CLAMP_DESKTOP_DB")
    return Path(env) if env else data_dir() / "library.db"


def demo_db_path() -> Path:
    return data_dir() / "demo.db"

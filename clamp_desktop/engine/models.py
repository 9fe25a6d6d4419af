"""Choosing and loading the model for a command or job, lazily."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

from ..model.registry import WHOLE_PIECES_SUFFIX, bundled_model_dir, default_model_name, resolve_model


def model_name(requested: str | None) -> str:
    """The canonical name vectors are stored under (registry name or absolute folder)."""
    return resolve_model(requested or default_model_name())[0]


def model_loader(requested: str | None, device: str | None = None, tqdm_class=None) -> Callable:
    """A function that loads the model on first call and returns the same one afterwards."""

    @functools.cache
    def load():
        from ..model import load_clamp

        return load_clamp(requested or default_model_name(), device=device, tqdm_class=tqdm_class)

    return load


def text_model_loader(requested: str | None, device: str | None = None) -> Callable:
    """Like ``model_loader``, for callers that only encode texts: the text side alone where it can be.

    For the bundled model this loads a plain-torch text encoder (no
    transformers, no music encoder): a cold description search in a fresh
    process then costs about a third of loading the whole model.
    """

    @functools.cache
    def load():
        from ..model import load_text_model

        name = requested or default_model_name()
        return load_text_model(name, device) or model_loader(requested, device)()

    return load


def model_fingerprint(name: str) -> str:
    """The model name plus the sizes and times of its local files, for caches of its vectors.

    A checkpoint folder trained again (or a new bundled model) gets a new
    fingerprint, so vectors of the old weights are never reused; published
    checkpoints are pinned by their sha256, so their name is enough.
    """
    name, entry = resolve_model(name)
    if entry is not None and not entry.is_bundled:
        return name
    folder = bundled_model_dir(entry) if entry is not None else Path(name.removesuffix(WHOLE_PIECES_SUFFIX))
    stats = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file())
    return f"{name}@{hashlib.sha256(repr(stats).encode()).hexdigest()[:16]}"

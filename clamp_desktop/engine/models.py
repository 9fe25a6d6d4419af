"""Choosing and loading the model for a command or job, lazily."""

from __future__ import annotations

import functools
from collections.abc import Callable

from ..model.registry import default_model_name, resolve_model


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

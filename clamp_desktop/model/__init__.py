"""The CLaMP model layer: registry, checkpoints, patching and encoders.

Public API (other layers use only these names):
``load_clamp``, ``Clamp`` (``encode_music``, ``encode_text``), ``load_text_model``
(the text side alone, without transformers, where it can be), ``patchify``,
``filter_abc``, ``normalize``, ``list_models``, ``default_model_name``,
``with_whole_pieces`` / ``reads_whole_pieces`` (long pieces read in segments).

Patching is imported eagerly; everything that needs torch is imported on first
use, so converter processes and the GUI's first paint do not pay for torch.
"""

from importlib import import_module

from .patching import filter_abc, patchify

_LAZY = {
    "Clamp": "encoder", "normalize": "linalg", "pick_device": "encoder",
    "load_clamp": "loading", "load_text_model": "text_only", "model_folder": "loading", "resolve_model": "registry",
    "REGISTRY": "registry", "default_model_name": "registry", "list_models": "registry",
    "with_whole_pieces": "registry", "reads_whole_pieces": "registry",
}

__all__ = ["filter_abc", "patchify", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
